import Testing
@testable import RobofyAPI
import TestSupport

/// The documented example stream (fixtures/stream-documented.sse), byte for byte.
private let documentedSSEStream = """
    data: {"type":"start","messageId":"zUqbj2SylMki95Be"}

    data: {"type":"start-step"}

    data: {"type":"text-start","id":"0"}

    data: {"type":"text-delta","id":"0","delta":"Hello"}

    data: {"type":"text-delta","id":"0","delta":"! How can I help you today?"}

    data: {"type":"text-end","id":"0"}

    data: {"type":"finish-step"}

    data: {"type":"finish","finishReason":"stop"}

    data: {"type":"data-session","data":"6ff922ed-9884-4430-83c9-7ac83a7b0574"}

    data: {"type":"data-finish-reason","data":{"finishReason":"stop","rawFinishReason":"STOP"}}

    data: [DONE]


    """

@Suite("SSEDecoder")
struct SSEDecoderTests {
    // MARK: Helpers

    /// Feeds the whole stream at once, then finishes.
    private static func whole(_ bytes: [UInt8]) -> [SSEEvent] {
        var decoder = SSEDecoder()
        return decoder.feed(bytes) + decoder.finish()
    }

    private static func whole(_ text: String) -> [SSEEvent] { whole(Array(text.utf8)) }

    /// Feeds one byte per call, alternating the generic and the raw-pointer entry points.
    private static func bytewise(_ bytes: [UInt8]) -> [SSEEvent] {
        var decoder = SSEDecoder()
        var events: [SSEEvent] = []
        for (offset, byte) in bytes.enumerated() {
            if offset.isMultiple(of: 2) {
                events += decoder.feed([byte])
            } else {
                events += withUnsafeBytes(of: byte) { decoder.feed($0) }
            }
        }
        return events + decoder.finish()
    }

    private static func bytewise(_ text: String) -> [SSEEvent] { bytewise(Array(text.utf8)) }

    /// Feeds the given pieces in order.
    private static func pieces(_ parts: [[UInt8]]) -> [SSEEvent] {
        var decoder = SSEDecoder()
        var events: [SSEEvent] = []
        for part in parts { events += decoder.feed(part) }
        return events + decoder.finish()
    }

    private static func bytes(_ text: String) -> [UInt8] { Array(text.utf8) }

    /// Whole and byte-at-a-time must agree; returns the events.
    private static func decodeBothWays(_ text: String, sourceLocation: SourceLocation = #_sourceLocation) -> [SSEEvent] {
        let a = whole(text)
        let b = bytewise(text)
        #expect(a == b, "whole and bytewise feeds differ", sourceLocation: sourceLocation)
        return a
    }

    // MARK: The documented stream

    @Test func documentedStreamWholeAndBytewise() throws {
        let text = documentedSSEStream
        #expect(text.hasSuffix("data: [DONE]\n\n"))
        let events = Self.whole(text)
        #expect(events == Self.bytewise(text))
        #expect(events.count == 11)
        #expect(events.allSatisfy { $0.event == "message" && $0.lastEventId == "" })
        #expect(events.first?.data == #"{"type":"start","messageId":"zUqbj2SylMki95Be"}"#)
        #expect(events.last?.data == "[DONE]")

        let chunks = events.map { UIChunkDecoder.decode($0.data) }
        let expected: [UIChunk] = [
            .start(messageId: "zUqbj2SylMki95Be"),
            .startStep,
            .textStart(id: "0"),
            .textDelta(id: "0", delta: "Hello"),
            .textDelta(id: "0", delta: "! How can I help you today?"),
            .textEnd(id: "0"),
            .finishStep,
            .finish(finishReason: "stop", messageMetadata: nil),
            .data(name: "session", id: nil, data: .string("6ff922ed-9884-4430-83c9-7ac83a7b0574"), transient: false),
            .data(
                name: "finish-reason", id: nil,
                data: .object(["finishReason": .string("stop"), "rawFinishReason": .string("STOP")]), transient: false),
            .done,
        ]
        #expect(chunks == expected)
        // The session id arrives after finish, and the stream ends with done.
        let finishIndex = chunks.firstIndex(of: .finish(finishReason: "stop", messageMetadata: nil))
        let sessionIndex = chunks.firstIndex { if case .data(name: "session", _, _, _) = $0 { true } else { false } }
        #expect(try #require(finishIndex) < #require(sessionIndex))
    }

    @Test func documentedStreamThroughEveryEntryPoint() {
        let bytes = Self.bytes(documentedSSEStream)
        let reference = Self.whole(bytes)
        // Raw pointer, ArraySlice and a non-contiguous sequence, in uneven pieces.
        var raw = SSEDecoder()
        var slice = SSEDecoder()
        var lazy = SSEDecoder()
        var viaRaw: [SSEEvent] = []
        var viaSlice: [SSEEvent] = []
        var viaLazy: [SSEEvent] = []
        var start = 0
        var step = 1
        while start < bytes.count {
            let end = min(start + step, bytes.count)
            viaRaw += bytes[start..<end].withUnsafeBytes { raw.feed($0) }
            viaSlice += slice.feed(bytes[start..<end])
            viaLazy += lazy.feed(bytes[start..<end].lazy.map { $0 })
            start = end
            step = step % 13 + 2
        }
        #expect(viaRaw == reference)
        #expect(viaSlice == reference)
        #expect(viaLazy == reference)
    }

    // MARK: Line endings

    @Test(arguments: ["\n", "\r\n", "\r"])
    func lineEndings(_ eol: String) {
        let text = "data: a\(eol)data: b\(eol)\(eol)event: x\(eol)data: c\(eol)\(eol)"
        let events = Self.decodeBothWays(text)
        #expect(events == [SSEEvent(data: "a\nb"), SSEEvent(event: "x", data: "c")])
    }

    @Test func mixedLineEndings() {
        let events = Self.decodeBothWays("data: 1\r\ndata: 2\rdata: 3\n\r\ndata: 4\r\r")
        #expect(events == [SSEEvent(data: "1\n2\n3"), SSEEvent(data: "4")])
    }

    @Test func crAtEndOfOneFeedAndLFAtStartOfNextIsOneLineEnding() {
        // Were the LF a second line ending, it would be a blank line and dispatch "a" alone.
        let events = Self.pieces([Self.bytes("data: a\r"), Self.bytes("\ndata: b\r\n\r\n")])
        #expect(events == [SSEEvent(data: "a\nb")])
        // Also with an empty feed in between, and through the raw-pointer entry point.
        var decoder = SSEDecoder()
        var got = decoder.feed(Self.bytes("data: a\r"))
        got += decoder.feed([UInt8]())
        got += Self.bytes("\ndata: b\r").withUnsafeBytes { decoder.feed($0) }
        got += decoder.feed(Self.bytes("\n\r"))
        got += decoder.feed(Self.bytes("\n"))  // the LF of the CRLF that ended the blank line
        #expect(got == [SSEEvent(data: "a\nb")])
        #expect(decoder.finish() == [])
    }

    @Test func crAtEndOfFeedFollowedByOtherByte() {
        let events = Self.pieces([Self.bytes("data: a\r"), Self.bytes("data: b\r"), Self.bytes("\r")])
        #expect(events == [SSEEvent(data: "a\nb")])
    }

    @Test func doubleCRIsTwoLineEndings() {
        var decoder = SSEDecoder()
        #expect(decoder.feed(Self.bytes("data: a\r")) == [])
        #expect(decoder.feed(Self.bytes("\r")) == [SSEEvent(data: "a")])
    }

    // MARK: BOM

    @Test func leadingBOMIsStripped() {
        let stream = [0xEF, 0xBB, 0xBF] + Self.bytes("data: x\n\n")
        #expect(Self.whole(stream) == [SSEEvent(data: "x")])
        #expect(Self.bytewise(stream) == [SSEEvent(data: "x")])
    }

    @Test(arguments: [1, 2, 3])
    func leadingBOMSplitAcrossFeeds(_ split: Int) {
        let stream = [0xEF, 0xBB, 0xBF] + Self.bytes("data: x\n\n")
        #expect(Self.pieces([Array(stream[..<split]), Array(stream[split...])]) == [SSEEvent(data: "x")])
        #expect(Self.pieces([[0xEF], [0xBB], [0xBF], Self.bytes("data: x\n\n")]) == [SSEEvent(data: "x")])
    }

    @Test func onlyOneBOMAndOnlyAtStreamStart() {
        // A second BOM becomes part of the field name "\u{FEFF}data", which is ignored.
        let twice = [0xEF, 0xBB, 0xBF, 0xEF, 0xBB, 0xBF] + Self.bytes("data: x\n\n")
        #expect(Self.whole(twice) == [])
        #expect(Self.bytewise(twice) == [])
        // Later in the stream a BOM is content, not stripped.
        let later = Self.bytes("data: a\n\n") + [0xEF, 0xBB, 0xBF] + Self.bytes("data: b\n\n")
        #expect(Self.whole(later) == [SSEEvent(data: "a")])
        #expect(Self.bytewise(later) == [SSEEvent(data: "a")])
        // Inside a value it is kept as U+FEFF.
        let inValue = Self.bytes("data: ") + [0xEF, 0xBB, 0xBF] + Self.bytes("x\n\n")
        #expect(Self.whole(inValue) == [SSEEvent(data: "\u{FEFF}x")])
    }

    @Test func partialBOMIsContent() {
        // EF BB then a line end: a junk line (field "\u{FFFD}"), not a BOM; the rest still parses.
        let stream: [UInt8] = [0xEF, 0xBB] + Self.bytes("\ndata: x\n\n")
        #expect(Self.whole(stream) == [SSEEvent(data: "x")])
        #expect(Self.pieces([[0xEF], [0xBB], Self.bytes("\ndata: x\n\n")]) == [SSEEvent(data: "x")])
        // EF then "data: x": the field name is "\u{FFFD}data", so no event.
        #expect(Self.pieces([[0xEF], Self.bytes("data: x\n\n")]) == [])
    }

    // MARK: Comments, fields and values

    @Test func commentsAndKeepAlivesAreIgnored() {
        let text = ": keep-alive\n\n:\n\ndata: a\n: comment inside an event\ndata: b\n\n:ping\r\n\r\n"
        #expect(Self.decodeBothWays(text) == [SSEEvent(data: "a\nb")])
    }

    @Test func multiLineDataIsJoinedWithLF() {
        let text = "data: first\ndata:\ndata:  indented\ndata: last\n\n"
        #expect(Self.decodeBothWays(text) == [SSEEvent(data: "first\n\n indented\nlast")])
    }

    @Test func dataWithoutSpaceAndFieldWithoutColon() {
        #expect(Self.decodeBothWays("data:x\n\n") == [SSEEvent(data: "x")])
        #expect(Self.decodeBothWays("data:  x \n\n") == [SSEEvent(data: " x ")])
        // "data" alone is the data field with an empty value: the event has empty data.
        #expect(Self.decodeBothWays("data\n\n") == [SSEEvent(data: "")])
        #expect(Self.decodeBothWays("data\ndata\n\n") == [SSEEvent(data: "\n")])
        // Only the first colon splits.
        #expect(Self.decodeBothWays("data: a:b: c\n\n") == [SSEEvent(data: "a:b: c")])
        // Unknown fields, with or without a colon, are ignored; field names are case-sensitive.
        #expect(Self.decodeBothWays("foo\nbar: baz\nDATA: no\nData: no\ndata: yes\n\n") == [SSEEvent(data: "yes")])
        // A space before the colon is part of the name.
        #expect(Self.decodeBothWays("data : x\n\n") == [])
    }

    @Test func eventTypeAppliesToOneEventOnly() {
        let text = "event: custom\ndata: 1\n\ndata: 2\n\nevent: a\nevent: b\ndata: 3\n\nevent:\ndata: 4\n\n"
        #expect(
            Self.decodeBothWays(text) == [
                SSEEvent(event: "custom", data: "1"), SSEEvent(data: "2"), SSEEvent(event: "b", data: "3"),
                SSEEvent(data: "4"),
            ])
        // A blank line without data resets the event type.
        #expect(Self.decodeBothWays("event: foo\n\ndata: x\n\n") == [SSEEvent(data: "x")])
    }

    @Test func lastEventIdPersistsAndNulIsIgnored() {
        var decoder = SSEDecoder()
        #expect(decoder.lastEventId == "")
        var events = decoder.feed(Self.bytes("id: 42\ndata: a\n\ndata: b\n\n"))
        #expect(events == [SSEEvent(data: "a", lastEventId: "42"), SSEEvent(data: "b", lastEventId: "42")])
        #expect(decoder.lastEventId == "42")
        // An id containing NUL is ignored.
        events = decoder.feed(Self.bytes("id: x\u{0}y\ndata: c\n\n"))
        #expect(events == [SSEEvent(data: "c", lastEventId: "42")])
        // An id without data still takes effect at the blank line, without dispatching.
        events = decoder.feed(Self.bytes("id: 7\n\n"))
        #expect(events == [])
        #expect(decoder.lastEventId == "7")
        // "id" with no value resets it.
        events = decoder.feed(Self.bytes("id\ndata: d\n\n"))
        #expect(events == [SSEEvent(data: "d", lastEventId: "")])
        #expect(decoder.lastEventId == "")
        // Unicode ids, and ids split across feeds.
        events = decoder.feed(Self.bytes("id: é")) + decoder.feed(Self.bytes("✓\ndata: e\n\n"))
        #expect(events == [SSEEvent(data: "e", lastEventId: "é✓")])
    }

    @Test func lastEventIdChangesOnlyWhenTheEventIsComplete() {
        var decoder = SSEDecoder()
        _ = decoder.feed(Self.bytes("id: 1\ndata: a\n\nid: 2\ndata: b\n"))
        #expect(decoder.lastEventId == "1")
        // The unterminated event is discarded, and with it its id.
        #expect(decoder.finish() == [])
        #expect(decoder.lastEventId == "1")
        // The id persists into a new stream after finish() (a reconnection).
        #expect(decoder.feed(Self.bytes("data: c\n\n")) == [SSEEvent(data: "c", lastEventId: "1")])
    }

    @Test func retryField() {
        var decoder = SSEDecoder()
        #expect(decoder.retryMilliseconds == nil)
        _ = decoder.feed(Self.bytes("retry: 3000\n"))
        #expect(decoder.retryMilliseconds == 3000)
        for invalid in ["retry: 3s\n", "retry: -1\n", "retry:  5\n", "retry:\n", "retry\n", "retry: 1.5\n", "retry: ٣\n", "retry: +5\n"] {
            _ = decoder.feed(Self.bytes(invalid))
            #expect(decoder.retryMilliseconds == 3000, "\(invalid.debugDescription) must be ignored")
        }
        _ = decoder.feed(Self.bytes("retry:0\n"))
        #expect(decoder.retryMilliseconds == 0)
        _ = decoder.feed(Self.bytes("retry: 0012\n"))
        #expect(decoder.retryMilliseconds == 12)
        _ = decoder.feed(Self.bytes("retry: 99999999999999999999999999\n"))
        #expect(decoder.retryMilliseconds == Int.max)
        // retry dispatches nothing on its own, and does not disturb a pending event.
        #expect(decoder.feed(Self.bytes("data: x\nretry: 5\n\n")) == [SSEEvent(data: "x")])
        #expect(decoder.retryMilliseconds == 5)
    }

    @Test func blankLinesWithoutDataDoNotDispatch() {
        #expect(Self.decodeBothWays("\n\n\n\r\n\r\r") == [])
        #expect(Self.decodeBothWays("event: x\n\nid: 1\n\nretry: 1\n\n: c\n\n") == [])
        #expect(Self.decodeBothWays("data:\n\n") == [SSEEvent(data: "")])
    }

    @Test func unterminatedLastEventIsDiscarded() {
        var decoder = SSEDecoder()
        #expect(decoder.feed(Self.bytes("data: a\n\ndata: b\n")) == [SSEEvent(data: "a")])
        #expect(decoder.finish() == [])
        // finish() started a new stream: the pending "b" does not come back.
        #expect(decoder.feed(Self.bytes("\n")) == [])

        var partial = SSEDecoder()
        #expect(partial.feed(Self.bytes("data: a\n\ndata: b")) == [SSEEvent(data: "a")])
        #expect(partial.finish() == [])
        #expect(Self.whole("data: only\n") == [])
        #expect(Self.whole("data: only") == [])
        #expect(Self.whole("data: ends with CR\r") == [])
    }

    @Test func decoderIsReusableAfterFinish() {
        var decoder = SSEDecoder()
        _ = decoder.feed(Self.bytes("event: x\ndata: a\n"))
        _ = decoder.finish()
        // A new stream may start with a BOM again; no type or data leaks from the old one.
        #expect(decoder.feed([0xEF, 0xBB, 0xBF] + Self.bytes("data: b\n\n")) == [SSEEvent(data: "b")])
    }

    // MARK: UTF-8

    @Test func utf8SplitAcrossReads() {
        let text = "data: héllo 😀 日本語 👩‍👩‍👧\n\n"
        let bytes = Self.bytes(text)
        let expected = [SSEEvent(data: "héllo 😀 日本語 👩‍👩‍👧")]
        #expect(Self.bytewise(bytes) == expected)
        for split in 1..<bytes.count {
            #expect(Self.pieces([Array(bytes[..<split]), Array(bytes[split...])]) == expected, "split at \(split)")
        }
    }

    @Test func invalidUTF8BecomesReplacementCharacter() {
        let cases: [([UInt8], String)] = [
            ([0xFF], "\u{FFFD}"),
            ([0x61, 0xFF, 0x62], "a\u{FFFD}b"),
            ([0xE6, 0x97], "\u{FFFD}"),  // truncated 3-byte sequence (maximal subpart: one U+FFFD)
            ([0xF0, 0x9F, 0x98], "\u{FFFD}"),  // truncated emoji
            ([0xC0, 0xAF], "\u{FFFD}\u{FFFD}"),  // overlong
            ([0xED, 0xA0, 0x80], "\u{FFFD}\u{FFFD}\u{FFFD}"),  // encoded surrogate
            ([0x80], "\u{FFFD}"),  // lone continuation byte
        ]
        for (payload, expected) in cases {
            let stream = Self.bytes("data: ") + payload + Self.bytes("\n\n")
            #expect(Self.whole(stream) == [SSEEvent(data: expected)], "\(payload)")
            #expect(Self.bytewise(stream) == [SSEEvent(data: expected)], "\(payload)")
        }
        // A truncated sequence at the end of one data line does not swallow the joining LF.
        let twoLines = Self.bytes("data: ") + [0xE6, 0x97] + Self.bytes("\ndata: x\n\n")
        #expect(Self.whole(twoLines) == [SSEEvent(data: "\u{FFFD}\nx")])
        // Invalid bytes in the event type and id, too.
        let fields = Self.bytes("event: a") + [0xFE] + Self.bytes("\nid: ") + [0xC3] + Self.bytes("\ndata: x\n\n")
        #expect(Self.whole(fields) == [SSEEvent(event: "a\u{FFFD}", data: "x", lastEventId: "\u{FFFD}")])
    }

    // MARK: Randomized splits

    @Test func randomSplitsMatchWholeFeed() {
        var rng = SeededRandom(seed: 0x5EED_CAFE)
        for round in 0..<60 {
            let stream = Self.generatedStream(&rng, events: 40)
            let reference = Self.whole(stream)
            #expect(reference.count > 0)
            for _ in 0..<5 {
                var decoder = SSEDecoder()
                var events: [SSEEvent] = []
                var start = 0
                while start < stream.count {
                    let maxPiece = rng.next(upTo: 4) == 0 ? 3 : 200
                    let end = min(stream.count, start + 1 + rng.next(upTo: maxPiece))
                    let piece = stream[start..<end]
                    switch rng.next(upTo: 3) {
                    case 0: events += decoder.feed(piece)
                    case 1: events += piece.withUnsafeBytes { decoder.feed($0) }
                    default: events += decoder.feed(Array(piece))
                    }
                    start = end
                }
                events += decoder.finish()
                #expect(events == reference, "round \(round)")
                if events != reference { return }
            }
        }
    }

    /// Random byte soup made of the bytes that matter (field names, colons, spaces,
    /// CR, LF, NUL, digits, BOM and multi-byte/invalid UTF-8), fed in random
    /// pieces, against a plain String-based transcription of the spec.
    @Test func randomBytesMatchReferenceImplementation() {
        var rng = SeededRandom(seed: 2_024)
        let alphabet: [[UInt8]] = [
            Self.bytes("data"), Self.bytes("event"), Self.bytes("id"), Self.bytes("retry"), Self.bytes(":"), Self.bytes(" "), [0x0D], [0x0A],
            [0x0D, 0x0A], [0x0A, 0x0A], Self.bytes("1"), Self.bytes("42"), Self.bytes("x"), [0x00], [0xEF, 0xBB, 0xBF], [0xEF], [0xFF],
            [0xC3, 0xA9], [0xC3], [0xE6, 0x97, 0xA5], [0xF0, 0x9F, 0x98, 0x80], [0xF0, 0x9F], [0xCC, 0x81],
            Self.bytes("data: "), Self.bytes("data:"),
        ]
        for round in 0..<400 {
            var stream: [UInt8] = []
            for _ in 0..<rng.next(upTo: 80) { stream += alphabet[rng.next(upTo: alphabet.count)] }
            let expected = Self.reference(stream)
            var decoder = SSEDecoder()
            var events: [SSEEvent] = []
            var start = 0
            while start < stream.count {
                let end = min(stream.count, start + 1 + rng.next(upTo: 6))
                events += decoder.feed(stream[start..<end])
                start = end
            }
            #expect(events == expected.events, "round \(round): \(stream)")
            #expect(decoder.lastEventId == expected.lastEventId, "round \(round)")
            #expect(decoder.retryMilliseconds == expected.retry, "round \(round)")
            #expect(decoder.finish() == [])
            if events != expected.events { return }
        }
    }

    /// The spec's event stream interpretation, written the obvious way: decode
    /// the whole stream, split it into lines, interpret each line.
    private static func reference(_ stream: [UInt8]) -> (events: [SSEEvent], lastEventId: String, retry: Int?) {
        let body = stream.starts(with: [0xEF, 0xBB, 0xBF]) ? Array(stream.dropFirst(3)) : stream
        let text = String(decoding: body, as: UTF8.self)
        var lines: [[Unicode.Scalar]] = []
        var current: [Unicode.Scalar] = []
        var afterCR = false
        for scalar in text.unicodeScalars {
            if scalar == "\r" {
                lines.append(current)
                current = []
                afterCR = true
            } else if scalar == "\n" {
                if !afterCR {
                    lines.append(current)
                    current = []
                }
                afterCR = false
            } else {
                current.append(scalar)
                afterCR = false
            }
        }
        // `current` is an unterminated last line: discarded.
        func string(_ scalars: ArraySlice<Unicode.Scalar>) -> String {
            var s = ""
            s.unicodeScalars.append(contentsOf: scalars)
            return s
        }
        var events: [SSEEvent] = []
        var data: [Unicode.Scalar] = []
        var type = ""
        var idBuffer = ""
        var lastId = ""
        var retry: Int?
        for line in lines {
            if line.isEmpty {
                lastId = idBuffer
                if data.isEmpty {
                    type = ""
                    continue
                }
                data.removeLast()
                events.append(SSEEvent(event: type.isEmpty ? "message" : type, data: string(data[...]), lastEventId: lastId))
                data = []
                type = ""
                continue
            }
            if line.first == ":" { continue }
            let colon = line.firstIndex(of: ":") ?? line.endIndex
            let field = string(line[..<colon])
            var value = colon < line.endIndex ? line[(colon + 1)...] : []
            if value.first == " " { value = value.dropFirst() }
            switch field.unicodeScalars.map(\.value) {
            case "data".unicodeScalars.map(\.value):
                data += value
                data.append("\n")
            case "event".unicodeScalars.map(\.value):
                type = string(value)
            case "id".unicodeScalars.map(\.value):
                if !value.contains("\u{0}") { idBuffer = string(value) }
            case "retry".unicodeScalars.map(\.value):
                if !value.isEmpty, value.allSatisfy({ ("0"..."9").contains($0) }) {
                    retry = Int(string(value)) ?? Int.max
                }
            default:
                break
            }
        }
        return (events, lastId, retry)
    }

    /// A stream with every feature: types, ids, retry, comments, multi-line and
    /// empty data, non-ASCII text, invalid bytes, a BOM, and all three line endings.
    private static func generatedStream(_ rng: inout SeededRandom, events: Int) -> [UInt8] {
        let texts = ["hello", "", " lead", "a:b", "é", "日本語", "😀x", "{\"type\":\"text-delta\",\"id\":\"0\",\"delta\":\"hi\"}"]
        let endings: [[UInt8]] = [[0x0A], [0x0D, 0x0A], [0x0D]]
        var out: [UInt8] = rng.next(upTo: 2) == 0 ? [0xEF, 0xBB, 0xBF] : []
        func line(_ s: [UInt8], _ rng: inout SeededRandom) {
            out += s
            out += endings[rng.next(upTo: endings.count)]
        }
        for _ in 0..<events {
            if rng.next(upTo: 4) == 0 { line(bytes(": keep-alive"), &rng) }
            if rng.next(upTo: 3) == 0 { line(bytes("event: type\(rng.next(upTo: 3))"), &rng) }
            if rng.next(upTo: 3) == 0 { line(bytes("id: \(rng.next(upTo: 100))"), &rng) }
            if rng.next(upTo: 8) == 0 { line(bytes("retry: \(rng.next(upTo: 5000))"), &rng) }
            for _ in 0..<rng.next(upTo: 4) {
                var value = bytes(texts[rng.next(upTo: texts.count)])
                if rng.next(upTo: 10) == 0 { value += [0xF0, 0x9F] }  // truncated sequence
                line(bytes(rng.next(upTo: 2) == 0 ? "data: " : "data:") + value, &rng)
            }
            line([], &rng)
        }
        return out
    }
}
