import DemoServer
import Foundation
import Testing
@testable import RobofyAPI

/// Hostile numbers, JSON, redirects, ports, HTML bodies, resets and hangs (issue 10).
@Suite(.timeLimit(.minutes(2))) struct NetHardeningTests {
    static func demo(_ body: (DemoServer) async throws -> Void) async throws {
        var o = DemoServerOptions()
        o.defaultDeltaDelayMs = 0
        try await DemoServer.with(o, body)
    }

    static func target(_ base: String, fault: String? = nil) -> RobofyTarget {
        var t = RobofyTarget(baseURL: base, projectID: DemoServer.projectID, chatbotID: DemoServer.chatbotID)
        if let fault { t.extraHeaders["X-Robofy-Demo-Fault"] = fault }
        return t
    }

    static func handshakeError(_ t: RobofyTarget, timeouts: RobofyTimeouts = .init()) async -> RobofyError? {
        let client = RobofyClient(target: t, timeouts: timeouts)
        defer { Task { await client.shutdown() } }
        do {
            _ = try await client.handshake()
            return nil
        } catch {
            return error
        }
    }

    // MARK: Numbers (items 3, 16)

    @Test func retryAfterValuesGoThroughOneCheckedConversion() {
        #expect(NetNumber.retryAfterSeconds("inf") == nil)
        #expect(NetNumber.retryAfterSeconds("NaN") == nil)
        #expect(NetNumber.retryAfterSeconds("-5") == nil)
        #expect(NetNumber.retryAfterSeconds("soon") == nil)
        #expect(NetNumber.retryAfterSeconds("1e308") == NetNumber.maxRetryAfter)
        #expect(NetNumber.retryAfterSeconds("99999999999999999999999") == NetNumber.maxRetryAfter)
        #expect(NetNumber.retryAfterSeconds(" 3 ") == 3)
        #expect(NetNumber.retryAfterSeconds("Wed, 21 Oct 2015 07:28:00 GMT") == 0)
        let now = Date(timeIntervalSince1970: 1_445_412_460)  // 20 s before that date
        #expect(NetNumber.retryAfterSeconds("Wed, 21 Oct 2015 07:28:00 GMT", now: now) == 20)
        for raw in ["inf", "NaN", "1e308", "-1", "Wed, 21 Oct 2015 07:28:00 GMT"] {
            let e = RobofyError.fromResponse(status: 429, body: [], retryAfterHeader: raw)
            #expect(e.userMessage.contains("429"), "\(raw)")
        }
        // Formatting any Double never traps.
        for s in [Double.nan, .infinity, -.infinity, 1e308, -3, 0.5, 9e18] { _ = RobofyError.timedOut(what: "x", seconds: s).userMessage }
        #expect(NetNumber.clampedInt(.nan, to: 0...10) == nil)
        #expect(NetNumber.clampedInt(.infinity, to: 0...10) == 10)
        #expect(NetNumber.clampedInt(9.3e18, to: Int.min...Int.max) == Int.max)
        #expect(NetNumber.exactInt(9.3e18) == nil)
        #expect(NetNumber.milliseconds(.infinity) == 86_400_000)
        #expect(NetNumber.milliseconds(.nan) == 0)
    }

    @Test(arguments: ["93e18", "1e300", "-1e300", "\"nan\"", "\"inf\"", "\"-inf\"", "\"1e19\"", "1.5"])
    func hostileThemeModeIsAWarningNotATrap(_ mode: String) throws {
        let json = #"{"data":{"token":"_","chatbots":[{"chatbot_id":"Z"}],"widget":{"branding":{"theme_mode":\#(mode)}}}}"#
        let h = try Handshake.decode(Data(json.utf8))
        #expect(h.widget.branding.themeMode == 0)
        #expect(h.warnings.contains { $0.path == "data.widget.branding.theme_mode" && $0.kind == .invalid })
    }

    @Test func retryAfterInfOverLoopbackIsAMessage() async throws {
        try await Self.demo { server in
            for raw in ["inf", "NaN", "1e308", "-7"] {
                let e = try #require(await Self.handshakeError(Self.target(server.baseURL, fault: "retryafter=\(raw)")))
                #expect(e.status == 429)
                #expect(e.retryAfter == (raw == "1e308" ? NetNumber.maxRetryAfter : nil), "\(raw)")
                #expect(e.userMessage.contains("Too many requests"))
            }
        }
    }

    // MARK: JSON (item 17)

    @Test func deepJSONIsRefusedInOnePass() throws {
        let deep = String(repeating: "[", count: 511) + String(repeating: "]", count: 511)
        #expect(JSONValue.parse(deep) == nil)
        #expect(throws: JSONParser.Failure.self) { try JSONParser.parse(Data(deep.utf8)) }
        let ok = String(repeating: "[", count: JSONParser.maxDepth) + "1" + String(repeating: "]", count: JSONParser.maxDepth)
        #expect(JSONValue.parse(ok) != nil)
        // An 8 MiB handshake of nested arrays (never closed) is refused, not decoded for minutes.
        var big = Data(#"{"data":{"token":"t","chatbots":"#.utf8)
        big.append(Data(repeating: UInt8(ascii: "["), count: 8 << 20))
        #expect(throws: HandshakeDecodeError.tooDeep) { try Handshake.decode(big) }
        let objects = String(repeating: #"{"a":"#, count: 511) + "1" + String(repeating: "}", count: 511)
        #expect(JSONValue.parse(objects) == nil)
    }

    @Test func theParserReadsWhatJSONDecoderRead() {
        #expect(JSONValue.parse(#"{"a":[1,-2.5e3,true,false,null,"x\"\\\/\b\f\n\r\t\u00e9\ud83d\ude00"]}"#)
                == .object(["a": .array([.number(1), .number(-2500), .bool(true), .bool(false), .null,
                                         .string("x\"\\/\u{8}\u{c}\n\r\té😀")])]))
        #expect(JSONValue.parse(" 42 ") == .number(42))
        #expect(JSONValue.parse(#""lone \udc00""#) == nil)
        #expect(JSONValue.parse(#""lone \ud83d x""#) == nil)
        for bad in ["", "{", "[1,]", "{\"a\" 1}", "01", "1.", "-", "tru", "\"a", "\"\u{1}\"", "1e999", "[1] 2", "{'a':1}", "NaN"] {
            #expect(JSONValue.parse(bad) == nil, "\(bad)")
        }
    }

    // MARK: Redirects and ports (item 2)

    @Test func invalidPortsAreAClearErrorNotATrap() async throws {
        for base in ["http://127.0.0.1:99999", "http://127.0.0.1:0", "http://[::1]:70000/x", "https://h:99999999999999999999999"] {
            let e = try #require(await Self.handshakeError(Self.target(base)), "\(base)")
            #expect(e.userMessage.contains("port") || e.userMessage.contains("not a valid"), "\(base): \(e.userMessage)")
            #expect(e.userMessage.contains("--base-url"))
        }
        #expect(throws: RobofyError.invalidPort(url: "http://127.0.0.1:99999", port: 99999)) {
            try Self.target("http://127.0.0.1:99999").url("/x")
        }
        #expect(try Self.target("http://127.0.0.1:8080/").url("/x") == "http://127.0.0.1:8080/x")
        #expect(try Self.target("http://user:pw@host/").url("/x") == "http://user:pw@host/x")
    }

    @Test func aRedirectIsReportedNotFollowed() async throws {
        try await Self.demo { server in
            let to = "http://127.0.0.1:99999/v1/widget/handshake?token=secret123#frag"
            let e = try #require(await Self.handshakeError(Self.target(server.baseURL, fault: "redirect=\(to)")))
            #expect(e == .redirected(status: 307, location: "http://127.0.0.1:99999/v1/widget/handshake"))
            #expect(e.userMessage.contains("Point --base-url there"))
            #expect(!e.userMessage.contains("secret123"))

            // The chat call too (a handshake without the fault gives the token).
            let h = try await RobofyClient.handshake(Self.target(server.baseURL))
            let client = RobofyClient(target: Self.target(server.baseURL, fault: "redirect=/elsewhere"))
            await #expect(throws: RobofyError.redirected(status: 307, location: "\(server.baseURL)/elsewhere")) {
                _ = try await client.send(ChatRequest(query: "hi", chatbotID: DemoServer.chatbotID), token: h.token)
            }
            await client.shutdown()
        }
    }

    // MARK: Messages (item 15)

    @Test func anHTMLErrorPageBecomesAShortReadableSnippet() async throws {
        try await Self.demo { server in
            let e = try #require(await Self.handshakeError(Self.target(server.baseURL, fault: "html500")))
            let m = e.userMessage
            #expect(e.status == 500)
            #expect(m.contains("Internal Server Error The server encountered"), "\(m)")
            #expect(!m.contains("<") && !m.contains("font-family") && !m.contains("var x"), "\(m)")
            // Cut at a word boundary.
            let snippet = try #require(m.components(separatedBy: "body: ").last?.components(separatedBy: "…").first)
            #expect(snippet.count <= 121)
            #expect(m.contains("…"))
            #expect(RobofyError.snippet(Array("a b c".utf8), limit: 120) == "a b c")
            #expect(RobofyError.snippet(Array("alpha beta gamma".utf8), limit: 12) == "alpha beta…")
        }
    }

    @Test func notJSONAdvisesTheBaseURLWithStatusAndSnippet() async throws {
        let server = try HostileServer { _ in
            .respond(HostileServer.http("200 OK", headers: ["Content-Type": "text/html"],
                                        body: "<html><body><p>Welcome to\u{1B}]0;pwn\u{7} nginx!</p></body></html>"))
        }
        defer { server.stop() }
        let e = try #require(await Self.handshakeError(Self.target(server.baseURL)))
        let m = e.userMessage
        #expect(m.contains("Check --base-url"), "\(m)")
        #expect(!m.contains("--project-id"), "\(m)")
        #expect(m.contains("200") && m.contains("Welcome to"), "\(m)")
        #expect(!m.unicodeScalars.contains { $0.value < 0x20 }, "\(m)")
    }

    @Test func aResetConnectionIsSaidPlainly() async throws {
        let server = try HostileServer { _ in .reset(after: "") }
        defer { server.stop() }
        let e = try #require(await Self.handshakeError(Self.target(server.baseURL)))
        let m = e.userMessage
        #expect(!m.contains("errno") && !m.contains("descriptor"), "\(m)")
        #expect(m.contains("reset by the server") || m.contains("closed the connection"), "\(m)")
    }

    // MARK: Handshake timeout (item 10)

    @Test func aHandshakeThatNeverAnswersHasItsOwnTimeoutAndMessage() async throws {
        let server = try HostileServer { _ in .hang }
        defer { server.stop() }
        let e = try #require(await Self.handshakeError(Self.target(server.baseURL),
                                                       timeouts: RobofyTimeouts(handshake: 0.5)))
        #expect(e == .handshakeTimedOut(seconds: 0.5))
        #expect(e.userMessage.contains("did not answer the handshake within 0.5 s"))
        #expect(e.userMessage.contains("Ctrl-R retries"))
        #expect(!e.userMessage.contains("stalled"))
    }

    // MARK: SSE limits (item 6)

    @Test(arguments: [1000, 4096, 1 << 20, 3 << 20])
    func anOverlongLineOrEventStopsTheDecoderWithBoundedMemory(_ piece: Int) {
        let long = Array("data: ".utf8) + [UInt8](repeating: UInt8(ascii: "x"), count: (1 << 20) + 10) + Array("\n\n".utf8)
        var manyLines: [UInt8] = []
        for _ in 0..<1100 {
            manyLines += Array("data: ".utf8)
            manyLines += [UInt8](repeating: 0x79, count: 1000)
            manyLines.append(0x0A)
        }
        manyLines.append(0x0A)
        for stream in [long, manyLines] {
            var d = SSEDecoder()
            var events: [SSEEvent] = d.feed(Array("data: ok\n\n".utf8))
            var i = 0
            var most = 0
            while i < stream.count {
                events += d.feed(stream[i..<min(i + piece, stream.count)])
                most = max(most, d.lineBuffer.count)
                i += piece
            }
            #expect(most <= SSEDecoder.maxLineBytes)
            events += d.feed(Array("data: after\n\n".utf8))
            #expect(d.tooLarge)
            #expect(events.map(\.data) == ["ok"])
        }
        // Exactly at the limit is still fine.
        var d = SSEDecoder()
        let value = [UInt8](repeating: 0x7A, count: SSEDecoder.maxEventBytes)
        let events = d.feed(Array("data:".utf8) + value + Array("\n\n".utf8))
        #expect(!d.tooLarge)
        #expect(events.first?.data.utf8.count == SSEDecoder.maxEventBytes)
    }
}
