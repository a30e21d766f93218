import Testing
@testable import RobofyAPI
import TestSupport

@Suite("UIChunkDecoder")
struct UIChunkTests {
    /// Decodes through the public entry point and checks that the fast path,
    /// whenever it accepts the input, agrees with the general path.
    private static func decode(_ data: String, sourceLocation: SourceLocation = #_sourceLocation) -> UIChunk {
        let chunk = UIChunkDecoder.decode(data)
        if let fast = UIChunkDecoder.decodeFastPath(data) {
            #expect(fast == UIChunkDecoder.decodeGeneral(data), "fast and general paths differ", sourceLocation: sourceLocation)
            #expect(fast == chunk, sourceLocation: sourceLocation)
        }
        return chunk
    }

    private static func isMalformed(_ chunk: UIChunk, raw: String) -> Bool {
        if case .malformed(let r, let reason) = chunk { return r == raw && !reason.isEmpty }
        return false
    }

    // MARK: Every chunk type

    static let everyType: [(String, UIChunk)] = [
        (#"{"type":"start","messageId":"m1"}"#, .start(messageId: "m1")),
        (#"{"type":"start"}"#, .start(messageId: nil)),
        (#"{"type":"start","messageId":"m1","messageMetadata":{"a":1}}"#, .start(messageId: "m1")),
        (#"{"type":"start-step"}"#, .startStep),
        (#"{"type":"finish-step"}"#, .finishStep),
        (#"{"type":"text-start","id":"t"}"#, .textStart(id: "t")),
        (#"{"type":"text-delta","id":"t","delta":"Hi"}"#, .textDelta(id: "t", delta: "Hi")),
        (#"{"type":"text-end","id":"t"}"#, .textEnd(id: "t")),
        (#"{"type":"reasoning-start","id":"r"}"#, .reasoningStart(id: "r")),
        (#"{"type":"reasoning-delta","id":"r","delta":"think"}"#, .reasoningDelta(id: "r", delta: "think")),
        (#"{"type":"reasoning-end","id":"r"}"#, .reasoningEnd(id: "r")),
        (
            #"{"type":"tool-input-start","toolCallId":"c1","toolName":"search","title":"Search"}"#,
            .toolInputStart(toolCallId: "c1", toolName: "search", title: "Search")
        ),
        (
            #"{"type":"tool-input-start","toolCallId":"c1","toolName":"search"}"#,
            .toolInputStart(toolCallId: "c1", toolName: "search", title: nil)
        ),
        (
            #"{"type":"tool-input-delta","toolCallId":"c1","inputTextDelta":"{\"q\":"}"#,
            .toolInputDelta(toolCallId: "c1", inputTextDelta: #"{"q":"#)
        ),
        (
            #"{"type":"tool-input-available","toolCallId":"c1","toolName":"search","input":{"q":"x","n":2}}"#,
            .toolInputAvailable(toolCallId: "c1", toolName: "search", input: .object(["q": .string("x"), "n": .number(2)]))
        ),
        (
            #"{"type":"tool-input-available","toolCallId":"c1","toolName":"noargs","input":null}"#,
            .toolInputAvailable(toolCallId: "c1", toolName: "noargs", input: .null)
        ),
        (
            #"{"type":"tool-input-error","toolCallId":"c1","toolName":"search","input":"{bad","errorText":"bad JSON"}"#,
            .toolInputError(toolCallId: "c1", toolName: "search", input: .string("{bad"), errorText: "bad JSON")
        ),
        (
            #"{"type":"tool-output-available","toolCallId":"c1","output":[1,"two",true,null]}"#,
            .toolOutputAvailable(
                toolCallId: "c1", output: .array([.number(1), .string("two"), .bool(true), .null]), preliminary: false)
        ),
        (
            #"{"type":"tool-output-available","toolCallId":"c1","output":"partial","preliminary":true}"#,
            .toolOutputAvailable(toolCallId: "c1", output: .string("partial"), preliminary: true)
        ),
        (
            #"{"type":"tool-output-error","toolCallId":"c1","errorText":"timeout"}"#,
            .toolOutputError(toolCallId: "c1", errorText: "timeout")
        ),
        (
            #"{"type":"tool-approval-request","approvalId":"a1","toolCallId":"c1"}"#,
            .toolApprovalRequest(approvalId: "a1", toolCallId: "c1")
        ),
        (#"{"type":"tool-output-denied","toolCallId":"c1"}"#, .toolOutputDenied(toolCallId: "c1")),
        (
            #"{"type":"source-url","sourceId":"s1","url":"https://example.com","title":"Example"}"#,
            .sourceURL(sourceId: "s1", url: "https://example.com", title: "Example")
        ),
        (
            #"{"type":"source-url","sourceId":"s1","url":"https://example.com"}"#,
            .sourceURL(sourceId: "s1", url: "https://example.com", title: nil)
        ),
        (
            #"{"type":"source-document","sourceId":"s2","mediaType":"application/pdf","title":"Doc","filename":"d.pdf"}"#,
            .sourceDocument(sourceId: "s2", mediaType: "application/pdf", title: "Doc", filename: "d.pdf")
        ),
        (
            #"{"type":"source-document","sourceId":"s2","mediaType":"text/plain","title":"Doc"}"#,
            .sourceDocument(sourceId: "s2", mediaType: "text/plain", title: "Doc", filename: nil)
        ),
        (
            #"{"type":"file","url":"data:image/png;base64,AAAA","mediaType":"image/png"}"#,
            .file(url: "data:image/png;base64,AAAA", mediaType: "image/png")
        ),
        (
            #"{"type":"data-session","data":"6ff922ed"}"#,
            .data(name: "session", id: nil, data: .string("6ff922ed"), transient: false)
        ),
        (
            #"{"type":"data-weather","id":"w1","data":{"temp":21.5},"transient":true}"#,
            .data(name: "weather", id: "w1", data: .object(["temp": .number(21.5)]), transient: true)
        ),
        (
            #"{"type":"data-finish-reason","data":{"finishReason":"stop","rawFinishReason":"STOP"}}"#,
            .data(
                name: "finish-reason", id: nil,
                data: .object(["finishReason": .string("stop"), "rawFinishReason": .string("STOP")]), transient: false)
        ),
        (#"{"type":"data-","data":null}"#, .data(name: "", id: nil, data: .null, transient: false)),
        ("{\"type\":\"data-\u{301}x\",\"data\":1}", .data(name: "\u{301}x", id: nil, data: .number(1), transient: false)),
        (
            #"{"type":"message-metadata","messageMetadata":{"model":"m"}}"#,
            .messageMetadata(.object(["model": .string("m")]))
        ),
        (#"{"type":"error","errorText":"Rate limited"}"#, .error(errorText: "Rate limited")),
        (#"{"type":"abort"}"#, .abort(reason: nil)),
        (#"{"type":"abort","reason":"user"}"#, .abort(reason: "user")),
        (#"{"type":"finish"}"#, .finish(finishReason: nil, messageMetadata: nil)),
        (#"{"type":"finish","finishReason":"stop"}"#, .finish(finishReason: "stop", messageMetadata: nil)),
        (
            #"{"type":"finish","finishReason":"length","messageMetadata":{"tokens":12}}"#,
            .finish(finishReason: "length", messageMetadata: .object(["tokens": .number(12)]))
        ),
        (#"{"type":"finish","messageMetadata":null}"#, .finish(finishReason: nil, messageMetadata: nil)),
        ("[DONE]", .done),
        ("  [DONE]\n", .done),
        ("\t[DONE]\r\n ", .done),
    ]

    @Test(arguments: everyType)
    func decodesEveryChunkType(_ data: String, _ expected: UIChunk) {
        #expect(Self.decode(data) == expected)
    }

    @Test func whitespaceAndKeyOrderDoNotMatter() {
        let expected = UIChunk.textDelta(id: "0", delta: "x")
        #expect(Self.decode(#" { "delta" : "x" , "id":"0" ,"type" :"text-delta" } "#) == expected)
        #expect(Self.decode("{\n\t\"type\": \"text-delta\",\r\n\"id\": \"0\", \"delta\": \"x\"\n}\n") == expected)
    }

    // MARK: Leniency

    @Test func extraFieldsAreIgnored() {
        #expect(
            Self.decode(#"{"type":"text-delta","id":"0","delta":"x","providerMetadata":{"a":[1,2]},"n":3,"flag":false}"#)
                == .textDelta(id: "0", delta: "x"))
        #expect(Self.decode(#"{"type":"text-delta","extra":"y","id":"0","delta":"x","more":null}"#) == .textDelta(id: "0", delta: "x"))
    }

    @Test func optionalFieldsOfWrongTypeBecomeNilOrDefault() {
        #expect(Self.decode(#"{"type":"start","messageId":5}"#) == .start(messageId: nil))
        #expect(Self.decode(#"{"type":"start","messageId":null}"#) == .start(messageId: nil))
        #expect(
            Self.decode(#"{"type":"tool-input-start","toolCallId":"c","toolName":"t","title":{"x":1}}"#)
                == .toolInputStart(toolCallId: "c", toolName: "t", title: nil))
        #expect(
            Self.decode(#"{"type":"tool-output-available","toolCallId":"c","output":1,"preliminary":"yes"}"#)
                == .toolOutputAvailable(toolCallId: "c", output: .number(1), preliminary: false))
        #expect(
            Self.decode(#"{"type":"data-x","data":1,"transient":1,"id":7}"#)
                == .data(name: "x", id: nil, data: .number(1), transient: false))
        #expect(Self.decode(#"{"type":"finish","finishReason":1}"#) == .finish(finishReason: nil, messageMetadata: nil))
        #expect(Self.decode(#"{"type":"abort","reason":false}"#) == .abort(reason: nil))
    }

    @Test(arguments: ["custom", "reasoning-file", "reset-step", "tool-something-new", "TEXT-DELTA", ""])
    func unknownTypesAreKept(_ type: String) {
        let raw = #"{"type":"\#(type)","value":{"nested":[1,2,3]}}"#
        #expect(Self.decode(raw) == .unknown(type: type, raw: raw))
        let flat = #"{"type":"\#(type)"}"#
        #expect(Self.decode(flat) == .unknown(type: type, raw: flat))
    }

    // MARK: Malformed

    @Test(arguments: [
        "", "not json", "{", #"{"type":"text-delta","id":"0","delta":"x""#, "{'type':'start'}", "[DONE", "[DONE]x", "DONE",
        #"{"type":"text-delta","id":"0","delta":"x"} trailing"#, "nul", "\u{0}",
    ])
    func invalidJSONIsMalformed(_ raw: String) {
        #expect(Self.isMalformed(Self.decode(raw), raw: raw))
    }

    @Test(arguments: ["[1,2]", #""text""#, "42", "true", "null", "[]"])
    func nonObjectIsMalformed(_ raw: String) {
        let chunk = Self.decode(raw)
        #expect(Self.isMalformed(chunk, raw: raw))
        if case .malformed(_, let reason) = chunk { #expect(reason.contains("not an object")) }
    }

    @Test(arguments: [
        "{}", #"{"kind":"text-delta"}"#, #"{"type":5}"#, #"{"type":null}"#, #"{"type":["start"]}"#, #"{"type":true}"#,
    ])
    func missingOrNonStringTypeIsMalformed(_ raw: String) {
        let chunk = Self.decode(raw)
        #expect(Self.isMalformed(chunk, raw: raw))
        if case .malformed(_, let reason) = chunk { #expect(reason.contains("\"type\"")) }
    }

    static let missingRequired: [(String, String)] = [
        (#"{"type":"text-delta","id":"0"}"#, "delta"),
        (#"{"type":"text-delta","delta":"x"}"#, "id"),
        (#"{"type":"text-delta","id":0,"delta":"x"}"#, "id"),
        (#"{"type":"text-delta","id":"0","delta":null}"#, "delta"),
        (#"{"type":"text-start"}"#, "id"),
        (#"{"type":"text-end","id":false}"#, "id"),
        (#"{"type":"reasoning-delta","id":"r"}"#, "delta"),
        (#"{"type":"reasoning-start"}"#, "id"),
        (#"{"type":"reasoning-end"}"#, "id"),
        (#"{"type":"tool-input-start","toolCallId":"c"}"#, "toolName"),
        (#"{"type":"tool-input-start","toolName":"t"}"#, "toolCallId"),
        (#"{"type":"tool-input-delta","toolCallId":"c"}"#, "inputTextDelta"),
        (#"{"type":"tool-input-available","toolCallId":"c","toolName":"t"}"#, "input"),
        (#"{"type":"tool-input-error","toolCallId":"c","toolName":"t","input":{}}"#, "errorText"),
        (#"{"type":"tool-output-available","toolCallId":"c"}"#, "output"),
        (#"{"type":"tool-output-error","toolCallId":"c"}"#, "errorText"),
        (#"{"type":"tool-approval-request","toolCallId":"c"}"#, "approvalId"),
        (#"{"type":"tool-output-denied"}"#, "toolCallId"),
        (#"{"type":"source-url","sourceId":"s"}"#, "url"),
        (#"{"type":"source-document","sourceId":"s","mediaType":"m"}"#, "title"),
        (#"{"type":"file","url":"u"}"#, "mediaType"),
        (#"{"type":"data-session"}"#, "data"),
        (#"{"type":"message-metadata"}"#, "messageMetadata"),
        (#"{"type":"error"}"#, "errorText"),
        (#"{"type":"error","errorText":{"message":"x"}}"#, "errorText"),
    ]

    @Test(arguments: missingRequired)
    func missingOrWrongTypedRequiredFieldIsMalformed(_ raw: String, _ field: String) {
        let chunk = Self.decode(raw)
        #expect(Self.isMalformed(chunk, raw: raw))
        if case .malformed(_, let reason) = chunk {
            #expect(reason.contains("\"\(field)\""), "reason: \(reason)")
        }
    }

    @Test func malformedRawIsTruncatedTo2000Characters() {
        let long = "x" + String(repeating: "é", count: 5_000)
        guard case .malformed(let raw, _) = Self.decode(long) else {
            Issue.record("expected malformed")
            return
        }
        #expect(raw.count == 2_000)
        #expect(long.hasPrefix(raw))
        // One huge grapheme cluster is cut by Unicode scalars, so the text stays small.
        let zalgo = "x" + String(repeating: "\u{301}", count: 10_000) + " not json"
        guard case .malformed(let cut, _) = Self.decode(zalgo) else {
            Issue.record("expected malformed")
            return
        }
        #expect(cut.unicodeScalars.count == 2_000)
        #expect(cut.count <= 2_000)
        // An unknown type keeps its raw text whole.
        let big = #"{"type":"custom","pad":"\#(String(repeating: "a", count: 5_000))"}"#
        #expect(Self.decode(big) == .unknown(type: "custom", raw: big))
    }

    // MARK: JSON strings

    static let escapes: [(String, String)] = [
        (#"line\nbreak"#, "line\nbreak"),
        (#"say \"hi\""#, "say \"hi\""),
        (#"back\\slash \/ slash"#, "back\\slash / slash"),
        (#"caf\u00e9"#, "café"),
        (#"caf\u00E9"#, "café"),
        (#"\ud83d\ude00"#, "😀"),
        (#"a\uD83D\uDE00b"#, "a😀b"),
        (#"\b\f\r\t"#, "\u{8}\u{C}\r\t"),
        (#"nul\u0000byte"#, "nul\u{0}byte"),
        (#"\u65e5\u672c"#, "日本"),
        (#"\u0041\u007f\u0080\u07ff\u0800\uffff"#, "A\u{7F}\u{80}\u{7FF}\u{800}\u{FFFF}"),
        (#"\udbff\udfff"#, "\u{10FFFF}"),
        ("raw é 日本 😀 👩‍👩‍👧", "raw é 日本 😀 👩‍👩‍👧"),
        (#"\\u00e9"#, "\\u00e9"),
        (#"\\"#, "\\"),
        (#"\""#, "\""),
        ("", ""),
        ("   ", "   "),
    ]

    @Test(arguments: escapes)
    func jsonEscapesInDeltasDecodeRight(_ escaped: String, _ expected: String) throws {
        let data = #"{"type":"text-delta","id":"0","delta":"\#(escaped)"}"#
        let fast = try #require(UIChunkDecoder.decodeFastPath(data), "the fast path should take this")
        #expect(fast == .textDelta(id: "0", delta: expected))
        #expect(UIChunkDecoder.decodeGeneral(data) == .textDelta(id: "0", delta: expected))
        #expect(UIChunkDecoder.decode(data) == .textDelta(id: "0", delta: expected))
        // Escapes in other fields and in the type value too.
        let other = #"{"type":"text-\u0064elta","id":"\#(escaped)","delta":"\#(escaped)"}"#
        #expect(Self.decode(other) == .textDelta(id: expected, delta: expected))
    }

    /// Inputs the fast path must decline; the general path gives the answer.
    @Test(arguments: [
        #"{"type":"text-delta","id":"0","delta":"\ud83d"}"#,  // lone high surrogate
        #"{"type":"text-delta","id":"0","delta":"\ude00x"}"#,  // lone low surrogate
        #"{"type":"text-delta","id":"0","delta":"\ud83d\u0041"}"#,  // high surrogate + non-low
        #"{"type":"text-delta","id":"0","delta":"\x"}"#,  // invalid escape
        #"{"type":"text-delta","id":"0","delta":"\u12"}"#,  // short \u
        #"{"type":"text-delta","id":"0","delta":"\u12G4"}"#,
        "{\"type\":\"text-delta\",\"id\":\"0\",\"delta\":\"tab\tinside\"}",  // raw control characters
        "{\"type\":\"text-delta\",\"id\":\"0\",\"delta\":\"unit\u{1F}separator\"}",
        #"{"type":"text-delta","id":"0","delta":"a","delta":"b"}"#,  // duplicate key
        #"{"t\u0079pe":"text-delta","id":"0","delta":"x"}"#,  // escaped key
        #"{"type":"text-delta","id":"0","delta":"x",}"#,  // trailing comma
        #"{"type":"text-delta","id":0,"delta":"x"}"#,  // number
        #"{"type":"text-delta","id":"0","delta":"x","n":[]}"#,  // nested
        #"{"type":"text-delta","id":"0","delta":"x"}}"#,
        #"{"type":"text-delta" "id":"0"}"#,
        #"{"type":"text-delta","id":"0","delta":"x""#,
        #"{"type":"text-delta","id":"0","delta":tru}"#,
        "\u{FEFF}{\"type\":\"start\"}",
    ])
    func fastPathDeclinesAndGeneralPathDecides(_ data: String) {
        #expect(UIChunkDecoder.decodeFastPath(data) == nil)
        #expect(UIChunkDecoder.decode(data) == UIChunkDecoder.decodeGeneral(data))
    }

    @Test func loneSurrogateIsMalformedNotACrash() {
        let data = #"{"type":"text-delta","id":"0","delta":"\ud83d"}"#
        #expect(Self.isMalformed(UIChunkDecoder.decode(data), raw: data))
    }

    /// Random mutations of valid chunks: never a crash, and the fast path, when
    /// it accepts, always agrees with the general path.
    @Test func mutatedChunksAgreeOnBothPaths() {
        let seeds = Self.everyType.map(\.0).filter { $0.hasPrefix("{") } + Self.escapes.map {
            #"{"type":"text-delta","id":"0","delta":"\#($0.0)"}"#
        }
        let alphabet: [Character] = Array(#"{}[]":,\ u d8D3e0Aa9tfnlr-1"#) + ["\n", "\t", "é", "😀", "\u{1}"]
        var rng = SeededRandom(seed: 42)
        var fastTaken = 0
        for round in 0..<3_000 {
            var chars = Array(seeds[rng.next(upTo: seeds.count)])
            for _ in 0...rng.next(upTo: 3) where !chars.isEmpty {
                let at = rng.next(upTo: chars.count)
                switch rng.next(upTo: 3) {
                case 0: chars.remove(at: at)
                case 1: chars.insert(alphabet[rng.next(upTo: alphabet.count)], at: at)
                default: chars[at] = alphabet[rng.next(upTo: alphabet.count)]
                }
            }
            let data = String(chars)
            let chunk = UIChunkDecoder.decode(data)
            if let fast = UIChunkDecoder.decodeFastPath(data) {
                fastTaken += 1
                let general = UIChunkDecoder.decodeGeneral(data)
                #expect(fast == general, "round \(round): \(data.debugDescription)")
                #expect(fast == chunk)
            }
        }
        #expect(fastTaken > 300)
    }

    @Test func fastPathKeyAndTypeTablesMatchTheirNames() {
        for key in ChunkKey.allCases {
            var name = key.name
            #expect(name.withUTF8 { ChunkKey(bytes: $0) } == key, "\(key)")
            var longer = key.name + "x"
            #expect(longer.withUTF8 { ChunkKey(bytes: $0) } == nil)
        }
        for type in KnownChunkType.allCases {
            var name = type.name
            #expect(name.withUTF8 { KnownChunkType(utf8: $0) } == type, "\(type)")
        }
    }

    // MARK: With the SSE decoder

    @Test func textDeltaStreamEndToEnd() {
        var stream = ""
        var expected: [UIChunk] = []
        for k in 0..<200 {
            let (delta, escaped) = [
                ("word ", "word "), ("é", "\\u00e9"), ("😀", "\\ud83d\\ude00"), ("line\n", "line\\n"),
                ("\"q\"", "\\\"q\\\""), ("日本", "日本"),
            ][k % 6]
            stream += "data: {\"type\":\"text-delta\",\"id\":\"t\(k % 3)\",\"delta\":\"\(escaped)\"}\r\n\r\n"
            expected.append(.textDelta(id: "t\(k % 3)", delta: delta))
        }
        stream += "data: [DONE]\r\n\r\n"
        expected.append(.done)
        var decoder = SSEDecoder()
        var chunks: [UIChunk] = []
        for byte in stream.utf8 {
            chunks += decoder.feed(CollectionOfOne(byte)).map { UIChunkDecoder.decode($0.data) }
        }
        #expect(chunks == expected)
    }
}
