import Foundation
import Testing
@testable import RobofyAPI

/// Events decoded from the read buffer: a `text-delta` as servers write it keeps no copy of
/// its JSON, and its `raw` is still the received data byte for byte; anything else keeps it.
@Suite struct ChunkEventTests {
    func event(_ data: String) -> ChunkEvent {
        var d = data
        return d.withUTF8 { UIChunkDecoder.event(utf8: $0) }
    }

    static let canonical = [
        #"{"type":"text-delta","id":"0","delta":"Hello"}"#,
        #"{"type":"text-delta","id":"msg-1","delta":""}"#,
        #"{"type":"text-delta","id":"0","delta":"line\nnext\ttab \"q\" back\\slash \b\f\r"}"#,
        #"{"type":"text-delta","id":"0","delta":"bell \u0007 esc \u001b nul \u0000 us \u001f"}"#,
        "{\"type\":\"text-delta\",\"id\":\"0\",\"delta\":\"déjà vu 東京 🙂 / < > \u{7F} \u{85} \u{2028}\"}",
    ]

    @Test(arguments: canonical) func aCanonicalTextDeltaKeepsNoCopyAndGivesItsDataBack(_ data: String) {
        let e = event(data)
        #expect(!e.keepsRawCopy)
        #expect(e.raw == data)
        #expect(e.chunk == UIChunkDecoder.decode(data))
        #expect(e.chunk == UIChunkDecoder.decodeGeneral(data))
    }

    static let other = [
        #"{"type":"text-delta","id":"0","delta":"a\/b"}"#,                 // an escape JSON.stringify does not write
        #"{"type":"text-delta","id":"0","delta":"\u0041"}"#,
        #"{"type":"text-delta","id":"0","delta":"\u001B upper hex"}"#,
        #"{"type":"text-delta","id":"0","delta":"\u000a long form"}"#,
        #"{"id":"0","type":"text-delta","delta":"order"}"#,
        #"{"type":"text-delta", "id":"0","delta":"space"}"#,
        #"{"type":"text-delta","id":"0","delta":"x"} "#,
        #"{"type":"text-delta","id":"a\"b","delta":"x"}"#,
        #"{"type":"text-delta","id":"0","delta":"x","extra":1}"#,
        #"{"type":"text-delta","id":"0","delta":"unterminated}"#,
        #"{"type":"text-delta","id":"0","delta":"12345678"9012345678"}"#,   // a bare quote inside
        "{\"type\":\"text-delta\",\"id\":\"0\",\"delta\":\"12345678\u{1}9012345678\"}",   // a bare control
        "{\"type\":\"text-delta\",\"id\":\"0\",\"delta\":\"12345678\\q9012345678\"}",   // a bad escape
        #"{"type":"text-start","id":"0"}"#,
        #"{"type":"custom-thing","value":1}"#,
        "[DONE]",
        "{not json",
    ]

    @Test(arguments: other) func anyOtherDataIsKeptAsReceived(_ data: String) {
        let e = event(data)
        #expect(e.keepsRawCopy)
        #expect(e.raw == data)
        #expect(e.chunk == UIChunkDecoder.decode(data))
    }

    @Test func invalidUTF8InADeltaIsNotCanonical() {
        var bytes = Array(#"{"type":"text-delta","id":"0","delta":"ab"}"#.utf8)
        bytes.insert(0xFF, at: bytes.count - 3)
        let e = bytes.withUnsafeBufferPointer { UIChunkDecoder.event(utf8: $0) }
        #expect(e.keepsRawCopy)
        #expect(e.chunk == .textDelta(id: "0", delta: "a\u{FFFD}b"))
    }

    @Test func theCanonicalFormRoundTripsEveryControlCharacter() {
        for v in 0..<0x20 {
            let delta = "<" + String(UnicodeScalar(UInt8(v))) + ">"
            let raw = UIChunkDecoder.canonicalRaw(.textDelta(id: "0", delta: delta)) ?? ""
            let e = event(raw)
            #expect(!e.keepsRawCopy, "\(raw)")
            #expect(e.chunk == .textDelta(id: "0", delta: delta))
            #expect(e.raw == raw)
        }
    }

    /// The data of an event whose line ends in one read and whose blank line comes in the
    /// next (handed over after being kept), or whose two data lines are joined.
    @Test func eventsSplitAcrossReadsDecodeTheSame() {
        let stream = Array("data: {\"type\":\"text-delta\",\"id\":\"0\",\"delta\":\"a\"}\n\ndata: one\ndata: two\n\n".utf8)
        for cut in 0...stream.count {
            var decoder = SSEDecoder()
            var got: [String] = []
            for part in [stream[..<cut], stream[cut...]] {
                Array(part).withUnsafeBytes { raw in
                    decoder.feed(raw) { got.append(String(decoding: $0.data, as: UTF8.self)) }
                }
            }
            #expect(got == [#"{"type":"text-delta","id":"0","delta":"a"}"#, "one\ntwo"], "cut at \(cut)")
        }
    }
}

/// The `text-delta`s of one read joined into runs (`ChunkStream.makeBatchIterator()`): a run
/// stands for its events exactly, each written again byte for byte as it was received.
@Suite struct DeltaRunTests {
    /// Decodes `datas` (each one SSE event) read in pieces of `read` bytes, joining runs.
    static func runs(_ datas: [String], read: Int) -> [ChunkEvent] {
        let stream = Array(datas.map { "data: \($0)\n\n" }.joined().utf8)
        // (ChunkStream's batch iterator feeds each read of the body to the same decoder.)
        var decoder = ChunkDecoder(joinsDeltas: true)
        var out: [ChunkEvent] = []
        var i = 0
        while i < stream.count {
            let piece = Array(stream[i..<min(i + read, stream.count)])
            piece.withUnsafeBytes { decoder.feed($0, into: &out) }
            i += read
        }
        decoder.finish(into: &out)
        return out
    }

    static let mixed: [String] = ChunkEventTests.canonical + [
        #"{"type":"text-delta","id":"0","delta":"more "}"#,
        #"{"type":"text-delta","id":"0","delta":"and \"more\"\n"}"#,
        #"{"type":"text-delta","id":"1","delta":"another part"}"#,
        #"{"type":"text-delta","id":"1","delta":" 🙂 "}"#,
        #"{"type":"text-delta","id":"0","delta":"a\/b"}"#,  // not canonical: ends a run
        #"{"type":"text-delta","id":"0","delta":"after"}"#,
        #"{"type":"text-delta","id":"0","delta":"after again"}"#,
        #"{"type":"text-end","id":"0"}"#,
        #"{"type":"text-delta","id":"0","delta":""}"#,
        #"{"type":"text-delta","id":"0","delta":"tail"}"#,
        #"{"type":"finish"}"#,
    ]

    @Test(arguments: [1, 7, 64, 100_000]) func runsStandForTheirEventsExactly(read: Int) {
        let runs = Self.runs(Self.mixed, read: read)
        let events = runs.flatMap(\.events)
        #expect(events.map(\.raw) == Self.mixed)
        #expect(events.map(\.chunk) == Self.mixed.map { UIChunkDecoder.decode($0) })
        #expect(runs.reduce(0) { $0 + $1.eventCount } == Self.mixed.count)
        for run in runs where run.eventCount > 1 {
            // The run's chunk is its deltas joined: applying it is applying them in order.
            guard case .textDelta(let id, let joined) = run.chunk else {
                Issue.record("a run that is not a text-delta: \(run.chunk)")
                continue
            }
            let deltas = run.events.map { e -> String in
                guard case .textDelta(let pid, let d) = e.chunk, pid == id else { return "?" }
                return d
            }
            #expect(deltas.joined() == joined)
            #expect(run.deltaBytes(0..<run.eventCount) == joined.utf8.count)
            #expect(!run.keepsRawCopy)
            #expect(run.raw == run.events.map(\.raw).joined(separator: "\n"))
        }
        if read == 100_000 {
            // One read: consecutive canonical deltas of one part make a run; another part,
            // another event or a delta written otherwise ends it.
            #expect(runs.map(\.eventCount) == [1, 1, 5, 2, 1, 2, 1, 2, 1])
        }
    }

    @Test func aLongDeltaIsAnEventOfItsOwnAndSlicesStandForTheirEvents() throws {
        let long = String(repeating: "L", count: ChunkEvent.maxRunDelta + 1)
        let datas = (0..<5).map { #"{"type":"text-delta","id":"0","delta":"piece \#($0) é\n"}"# }
            + [#"{"type":"text-delta","id":"0","delta":"\#(long)"}"#]
            + (5..<9).map { #"{"type":"text-delta","id":"0","delta":"piece \#($0)"}"# }
        let runs = Self.runs(datas, read: 1 << 16)
        #expect(runs.map(\.eventCount) == [5, 1, 4])
        #expect(runs.flatMap(\.events).map(\.raw) == datas)
        let run = try #require(runs.first)
        for lo in 0..<5 {
            for hi in (lo + 1)...5 {
                let part = run.slice(lo..<hi)
                #expect(part.events == Array(run.events[lo..<hi]), "\(lo)..<\(hi)")
                #expect(part.eventCount == hi - lo)
            }
        }
        #expect(run.slice(0..<5) == run)
    }

    @Test func aSingleDeltaIsAnOrdinaryEvent() {
        let data = #"{"type":"text-delta","id":"0","delta":"one"}"#
        let runs = Self.runs([data, #"{"type":"finish"}"#], read: 1 << 16)
        #expect(runs.first == ChunkEventTests().event(data))
        #expect(runs.first?.eventCount == 1)
        #expect(runs.first?.deltaEnds == nil)
    }
}
