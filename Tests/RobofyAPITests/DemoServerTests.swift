import DemoServer
import Foundation
import Logging
import RobofyAPI
import Testing
import TestSupport

#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

// Server-level tests of the demo server over real HTTP on 127.0.0.1. They use
// Foundation's URLSession and JSONSerialization, not the RobofyAPI client, so the
// demo server is checked independently of the code it will later test.

// MARK: - Helpers

private struct HTTPResult {
    var status: Int
    var headers: [String: String]
    var body: Data

    var text: String { String(decoding: body, as: UTF8.self) }
    var json: [String: Any]? { (try? JSONSerialization.jsonObject(with: body)) as? [String: Any] }
    var errorCode: String? { (json?["error"] as? [String: Any])?["code"] as? String }
    func header(_ name: String) -> String? { headers[name.lowercased()] }
}

private func withServer<T>(
    _ options: DemoServerOptions = fastOptions(),
    _ body: (DemoServer) async throws -> T
) async throws -> T {
    try await DemoServer.with(options, body)
}

private func fastOptions() -> DemoServerOptions {
    var o = DemoServerOptions()
    o.defaultDeltaDelayMs = 0
    return o
}

private func request(
    _ server: DemoServer, _ method: String, _ path: String, body: Data? = nil,
    headers: [String: String] = [:], timeout: TimeInterval = 20
) async throws -> HTTPResult {
    guard let url = URL(string: server.baseURL + path) else { throw URLError(.badURL) }
    var req = URLRequest(url: url)
    req.httpMethod = method
    req.timeoutInterval = timeout
    req.httpBody = body
    if body != nil { req.setValue("application/json", forHTTPHeaderField: "Content-Type") }
    for (k, v) in headers { req.setValue(v, forHTTPHeaderField: k) }
    let session = URLSession(configuration: .ephemeral)
    defer { session.finishTasksAndInvalidate() }
    let (data, response) = try await session.data(for: req)
    guard let http = response as? HTTPURLResponse else { throw URLError(.badServerResponse) }
    var fields: [String: String] = [:]
    for (k, v) in http.allHeaderFields {
        if let k = k as? String, let v = v as? String { fields[k.lowercased()] = v }
    }
    return HTTPResult(status: http.statusCode, headers: fields, body: data)
}

private func jsonBody(_ object: [String: Any]) throws -> Data {
    try JSONSerialization.data(withJSONObject: object)
}

private func handshake(_ server: DemoServer, chatbotID: String = DemoServer.chatbotID) async throws -> (token: String, json: [String: Any]) {
    let r = try await request(
        server, "POST", "/v1/widget/handshake",
        body: try jsonBody(["chatbot_id": chatbotID, "project_id": DemoServer.projectID, "version": 2]))
    #expect(r.status == 200)
    let data = r.json?["data"] as? [String: Any]
    let token = try #require(data?["token"] as? String)
    return (token, try #require(r.json))
}

private func chat(
    _ server: DemoServer, token: String?, query: String, chatbotID: String = DemoServer.chatbotID,
    sessionID: String? = nil, stream: Bool = false, fault: String? = nil, timeout: TimeInterval = 30
) async throws -> HTTPResult {
    var context: [String: Any] = ["platform": "web"]
    if let sessionID { context["session_id"] = sessionID }
    var headers: [String: String] = [:]
    if let token { headers["Authorization"] = "Bearer \(token)" }
    if stream { headers["Accept"] = "text/event-stream" }
    if let fault { headers[DemoServer.faultHeader] = fault }
    return try await request(
        server, "POST", stream ? "/v1/ai-agent/chat/stream" : "/v1/ai-agent/chat",
        body: try jsonBody(["query": query, "pid": DemoServer.projectID, "chatbot_id": chatbotID, "user_context": context]),
        headers: headers, timeout: timeout)
}

/// A rough SSE reading: blocks separated by a blank line; `data:` payloads and `:` comments.
private struct SSEResult {
    var payloads: [String] = []
    var comments: [String] = []

    init(_ text: String) {
        for block in text.components(separatedBy: "\n\n") {
            var data: [String] = []
            for line in block.split(separator: "\n", omittingEmptySubsequences: true) {
                if line.hasPrefix(":") {
                    comments.append(String(line))
                } else if line.hasPrefix("data: ") {
                    data.append(String(line.dropFirst(6)))
                }
            }
            if !data.isEmpty { payloads.append(data.joined(separator: "\n")) }
        }
    }

    var events: [[String: Any]] {
        payloads.compactMap { p in (try? JSONSerialization.jsonObject(with: Data(p.utf8))) as? [String: Any] }
    }

    /// Event types, "[DONE]" for the terminator and "<malformed>" for non-JSON payloads.
    var types: [String] {
        payloads.map { p in
            if p == "[DONE]" { return "[DONE]" }
            guard let obj = (try? JSONSerialization.jsonObject(with: Data(p.utf8))) as? [String: Any] else { return "<malformed>" }
            return obj["type"] as? String ?? "<no type>"
        }
    }

    /// Consecutive runs of the same type collapsed into one.
    var collapsedTypes: [String] {
        types.reduce(into: [String]()) { out, t in if out.last != t { out.append(t) } }
    }

    var text: String {
        events.filter { $0["type"] as? String == "text-delta" }.compactMap { $0["delta"] as? String }.joined()
    }

    func first(_ type: String) -> [String: Any]? { events.first { $0["type"] as? String == type } }
}

private func collectTurnNumber(_ text: String) -> String? {
    guard let r = text.range(of: "(turn ") else { return nil }
    return String(text[r.upperBound...].prefix(while: { $0.isNumber }))
}

/// Streams a response body chunk by chunk (URLSession's async `bytes(for:)` is not on Linux).
private final class ChunkDelegate: NSObject, URLSessionDataDelegate, @unchecked Sendable {
    let continuation: AsyncThrowingStream<Data, any Error>.Continuation

    init(_ continuation: AsyncThrowingStream<Data, any Error>.Continuation) {
        self.continuation = continuation
    }

    func urlSession(_ session: URLSession, dataTask: URLSessionDataTask, didReceive data: Data) {
        continuation.yield(data)
    }

    func urlSession(_ session: URLSession, task: URLSessionTask, didCompleteWithError error: (any Error)?) {
        if let error { continuation.finish(throwing: error) } else { continuation.finish() }
    }
}

private struct OpenStream {
    var chunks: AsyncThrowingStream<Data, any Error>
    var session: URLSession
}

private func openStream(_ server: DemoServer, token: String, query: String, fault: String?) throws -> OpenStream {
    guard let url = URL(string: server.baseURL + "/v1/ai-agent/chat/stream") else { throw URLError(.badURL) }
    var req = URLRequest(url: url)
    req.httpMethod = "POST"
    req.timeoutInterval = 120
    req.setValue("application/json", forHTTPHeaderField: "Content-Type")
    req.setValue("text/event-stream", forHTTPHeaderField: "Accept")
    req.setValue("Bearer \(token)", forHTTPHeaderField: "Authorization")
    if let fault { req.setValue(fault, forHTTPHeaderField: DemoServer.faultHeader) }
    req.httpBody = try jsonBody([
        "query": query, "pid": DemoServer.projectID, "chatbot_id": DemoServer.chatbotID, "user_context": ["platform": "web"],
    ])
    let (chunks, continuation) = AsyncThrowingStream<Data, any Error>.makeStream()
    let session = URLSession(configuration: .ephemeral, delegate: ChunkDelegate(continuation), delegateQueue: nil)
    session.dataTask(with: req).resume()
    return OpenStream(chunks: chunks, session: session)
}

private actor Order {
    var items: [String] = []
    func append(_ s: String) { items.append(s) }
}

// MARK: - Tests

@Suite("Demo server")
struct DemoServerTests {

    // MARK: Handshake

    @Test func handshakeHasEveryFixtureFieldAndSeveralUnsortedAgents() async throws {
        try await withServer { server in
            let (token1, json) = try await handshake(server)
            let (token2, _) = try await handshake(server)
            #expect(token1 != token2)
            #expect(json["message"] as? String == "Widget handshake completed successfully")
            let data = try #require(json["data"] as? [String: Any])

            // JWT shape: header.payload.signature with sub / pid / iat / exp.
            let parts = token1.split(separator: ".")
            #expect(parts.count == 3)
            var payloadB64 = String(parts[1]).replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
            while payloadB64.count % 4 != 0 { payloadB64 += "=" }
            let payloadData = try #require(Data(base64Encoded: payloadB64))
            let payload = try #require(try JSONSerialization.jsonObject(with: payloadData) as? [String: Any])
            #expect(payload["sub"] as? String == DemoServer.chatbotID)
            #expect(payload["pid"] as? String == DemoServer.projectID)
            let iat = try #require(payload["iat"] as? Int)
            let exp = try #require(payload["exp"] as? Int)
            #expect(exp - iat == 3600)

            let chatbots = try #require(data["chatbots"] as? [[String: Any]])
            #expect(chatbots.count >= 3)
            let botKeys: Set<String> = [
                "chatbot_id", "agent_name", "agent_type", "description", "avatar_image_path", "greeting", "sort_order",
                "quick_questions", "lead_capture",
            ]
            for bot in chatbots {
                #expect(Set(bot.keys).isSuperset(of: botKeys), "agent keys: \(bot.keys.sorted())")
                let lead = try #require(bot["lead_capture"] as? [String: Any])
                #expect(Set(lead.keys) == ["form_title", "form_subtitle", "submit_button_text"])
            }
            let orders = chatbots.compactMap { $0["sort_order"] as? Int }
            #expect(orders.count == chatbots.count)
            #expect(orders != orders.sorted(), "agents must come unsorted")
            #expect(Set(orders).count == orders.count)
            let ids = chatbots.compactMap { $0["chatbot_id"] as? String }
            #expect(Set(ids).isSuperset(of: DemoServer.agentIDs))
            #expect(!ids.contains(DemoServer.hostileID))

            let byID = Dictionary(uniqueKeysWithValues: chatbots.compactMap { b in (b["chatbot_id"] as? String).map { ($0, b) } })
            let novaQQ = try #require(byID[DemoServer.novaID]?["quick_questions"] as? [Any])
            #expect(!novaQQ.isEmpty && novaQQ.allSatisfy { $0 is String })
            let atlasQQ = try #require(byID[DemoServer.atlasID]?["quick_questions"] as? [Any])
            #expect(!atlasQQ.isEmpty && atlasQQ.allSatisfy { ($0 as? [String: Any])?["question"] is String })
            let novaLead = try #require(byID[DemoServer.novaID]?["lead_capture"] as? [String: Any])
            #expect(novaLead["form_title"] is String)
            let atlasLead = try #require(byID[DemoServer.atlasID]?["lead_capture"] as? [String: Any])
            #expect(atlasLead["form_title"] is NSNull)

            let widget = try #require(data["widget"] as? [String: Any])
            let sections: [String: Set<String>] = [
                "header": [
                    "title", "subtitle", "chat_tab_label", "input_placeholder", "download_transcript_label", "end_session_label",
                ],
                "branding": [
                    "theme_mode", "theme_color", "show_powered_by", "widget_position", "widget_bubble_icon", "brand_name",
                ],
                "behaviour": [
                    "open_on_page_load", "show_on_mobile", "show_microphone", "close_after_time", "enable_sources",
                    "enable_suggested_questions",
                ],
                "loader": ["loader_texts", "enable_loader"],
                "reset_modal": [
                    "reset_chat_modal_title", "reset_chat_modal_description", "confirm_reset_chat_button_text",
                    "cancel_reset_chat_button_text", "enable_reset_chat_modal",
                ],
                "privacy": ["enable_chat_rating", "capture_ip_address", "chatbot_privacy_term"],
            ]
            for (name, keys) in sections {
                let section = try #require(widget[name] as? [String: Any], "widget.\(name)")
                #expect(Set(section.keys).isSuperset(of: keys), "widget.\(name): \(section.keys.sorted())")
            }
            #expect(widget.keys.contains("custom_css") && widget.keys.contains("custom_js"))
            let header = try #require(widget["header"] as? [String: Any])
            #expect(header["title"] as? String == "Hello there 👋")
            let branding = try #require(widget["branding"] as? [String: Any])
            #expect(branding["brand_name"] as? String == "Robofy")
            #expect(branding["show_powered_by"] as? Bool == true)
        }
    }

    @Test func handshakeRejectsBadRequests() async throws {
        try await withServer { server in
            let path = "/v1/widget/handshake"
            let notJSON = try await request(server, "POST", path, body: Data("{chatbot_id".utf8))
            #expect(notJSON.status == 400)
            #expect(notJSON.errorCode == "BAD_REQUEST")
            #expect(notJSON.json?["message"] is String)

            let empty = try await request(server, "POST", path, body: Data())
            #expect(empty.status == 400)

            let array = try await request(server, "POST", path, body: Data("[1,2]".utf8))
            #expect(array.status == 400)

            let full: [String: Any] = ["chatbot_id": DemoServer.chatbotID, "project_id": DemoServer.projectID, "version": 2]
            for key in full.keys {
                var partial = full
                partial[key] = nil
                let r = try await request(server, "POST", path, body: try jsonBody(partial))
                #expect(r.status == 400, "missing \(key)")
                #expect(r.errorCode == "BAD_REQUEST")
                #expect(((r.json?["error"] as? [String: Any])?["detail"] as? String)?.contains(key) == true)
            }
            var wrongVersion = full
            wrongVersion["version"] = 1
            #expect(try await request(server, "POST", path, body: try jsonBody(wrongVersion)).status == 400)

            var unknownProject = full
            unknownProject["project_id"] = "nope"
            let p = try await request(server, "POST", path, body: try jsonBody(unknownProject))
            #expect(p.status == 404)
            #expect(p.errorCode == "PROJECT_NOT_FOUND")

            var unknownBot = full
            unknownBot["chatbot_id"] = "nope"
            let b = try await request(server, "POST", path, body: try jsonBody(unknownBot))
            #expect(b.status == 404)
            #expect(b.errorCode == "PROJECT_NOT_FOUND")

            // Deeply nested garbage must not hurt the server.
            let deep = String(repeating: "[", count: 100_000)
            #expect(try await request(server, "POST", path, body: Data(deep.utf8)).status == 400)
            // And it still answers afterwards.
            _ = try await handshake(server)
        }
    }

    @Test func unknownPathsMethodsAndHugeBodies() async throws {
        try await withServer { server in
            let missing = try await request(server, "GET", "/v1/nope")
            #expect(missing.status == 404)
            #expect(missing.errorCode == "NOT_FOUND")

            let wrongMethod = try await request(server, "GET", "/v1/widget/handshake")
            #expect(wrongMethod.status == 405)
            #expect(wrongMethod.errorCode == "METHOD_NOT_ALLOWED")
            #expect(wrongMethod.header("Allow") == "POST")

            let huge = Data(repeating: UInt8(ascii: "a"), count: 1024 * 1024 + 10)
            let tooLarge = try await request(server, "POST", "/v1/widget/handshake", body: huge)
            #expect(tooLarge.status == 413)
            #expect(tooLarge.errorCode == "PAYLOAD_TOO_LARGE")

            let info = try await request(server, "GET", "/")
            #expect(info.status == 200)
            #expect(info.text.contains(DemoServer.projectID))
        }
    }

    @Test func handshakeOverrideIsServedVerbatimWithAFreshToken() async throws {
        let body = #"{"message":"x","data":{"token":"JWT_TOKEN","chatbots":[],"widget":{"header":{"title":1.50}}}}"#
        var options = fastOptions()
        options.handshakeOverride = Array(body.utf8)
        try await withServer(options) { server in
            let r = try await request(
                server, "POST", "/v1/widget/handshake",
                body: try jsonBody(["chatbot_id": DemoServer.chatbotID, "project_id": DemoServer.projectID, "version": 2]))
            #expect(r.status == 200)
            let token = try #require((r.json?["data"] as? [String: Any])?["token"] as? String)
            #expect(token != "JWT_TOKEN")
            // Everything else byte for byte.
            #expect(r.text == body.replacingOccurrences(of: "\"JWT_TOKEN\"", with: "\"\(token)\""))
            #expect(try await chat(server, token: token, query: "hello").status == 200)
        }

        options.handshakeOverride = Array("<html>not json</html>".utf8)
        try await withServer(options) { server in
            let r = try await request(
                server, "POST", "/v1/widget/handshake",
                body: try jsonBody(["chatbot_id": DemoServer.chatbotID, "project_id": DemoServer.projectID, "version": 2]))
            #expect(r.status == 200)
            #expect(r.text == "<html>not json</html>")
        }
    }

    // MARK: Auth

    @Test func chatNeedsAValidToken() async throws {
        try await withServer { server in
            for stream in [false, true] {
                let none = try await chat(server, token: nil, query: "hello", stream: stream)
                #expect(none.status == 401)
                #expect(none.errorCode == "UNAUTHORIZED")
                #expect(none.json?["message"] as? String == "Unauthorized")
                #expect(
                    (none.json?["error"] as? [String: Any])?["detail"] as? String == "Authentication token is missing or invalid.")
                let bad = try await chat(server, token: "abc.def.ghi", query: "hello", stream: stream)
                #expect(bad.status == 401)
            }
            let (token, _) = try await handshake(server)
            #expect(try await chat(server, token: token, query: "hello").status == 200)
        }
        // Tokens from another server instance are unknown here.
        var expired = fastOptions()
        expired.tokenLifetimeSeconds = 0
        try await withServer(expired) { server in
            let (token, _) = try await handshake(server)
            let r = try await chat(server, token: token, query: "hello")
            #expect(r.status == 401)
        }
    }

    // MARK: Non-streaming and sessions

    @Test func nonStreamingAnswersAndSessionContinuity() async throws {
        try await withServer { server in
            let (token, _) = try await handshake(server)
            let first = try await chat(server, token: token, query: "My name is Ada")
            #expect(first.status == 200)
            #expect(first.json?["message"] as? String == "Success")
            let data = try #require(first.json?["data"] as? [String: Any])
            let session = try #require(data["session_id"] as? String)
            #expect(UUID(uuidString: session) != nil)
            let answer1 = try #require(data["answer"] as? String)
            #expect(answer1.contains("Ada"))
            #expect(!answer1.contains("(turn"))

            let second = try await chat(server, token: token, query: "What is my name?", sessionID: session)
            let data2 = try #require(second.json?["data"] as? [String: Any])
            #expect(data2["session_id"] as? String == session)
            let answer2 = try #require(data2["answer"] as? String)
            #expect(answer2.contains("Ada"))
            #expect(answer2.contains("(turn 2 of this conversation)"))

            // A new conversation knows nothing.
            let fresh = try await chat(server, token: token, query: "What is my name?")
            let freshData = try #require(fresh.json?["data"] as? [String: Any])
            #expect(freshData["session_id"] as? String != session)
            #expect((freshData["answer"] as? String)?.contains("Ada") == false)

            // Sessions are per agent.
            let otherAgent = try await chat(server, token: token, query: "What is my name?", chatbotID: DemoServer.sageID, sessionID: session)
            let otherAnswer = try #require((otherAgent.json?["data"] as? [String: Any])?["answer"] as? String)
            #expect(!otherAnswer.contains("Ada"))
            #expect(!otherAnswer.contains("(turn"))

            // An unknown session id is accepted and counted from there.
            let adopted = try await chat(server, token: token, query: "deals", sessionID: "my-own-session")
            #expect((adopted.json?["data"] as? [String: Any])?["session_id"] as? String == "my-own-session")
            let adopted2 = try await chat(server, token: token, query: "deals", sessionID: "my-own-session")
            let adopted2Answer = try #require((adopted2.json?["data"] as? [String: Any])?["answer"] as? String)
            #expect(collectTurnNumber(adopted2Answer) == "2")

            // The query is required.
            for bad in ["", "   "] {
                let r = try await chat(server, token: token, query: bad)
                #expect(r.status == 400)
                #expect(r.errorCode == "BAD_REQUEST")
            }
            let noQuery = try await request(
                server, "POST", "/v1/ai-agent/chat",
                body: try jsonBody(["pid": DemoServer.projectID, "chatbot_id": DemoServer.chatbotID]),
                headers: ["Authorization": "Bearer \(token)"])
            #expect(noQuery.status == 400)
            let unknownAgent = try await chat(server, token: token, query: "hi", chatbotID: "nobody")
            #expect(unknownAgent.status == 404)
        }
    }

    // MARK: Streaming

    @Test func streamFollowsTheDocumentedOrder() async throws {
        try await withServer { server in
            let (token, _) = try await handshake(server)
            let r = try await chat(server, token: token, query: "What's on sale today?", stream: true)
            #expect(r.status == 200)
            #expect(r.header("Content-Type")?.hasPrefix("text/event-stream") == true)
            #expect(r.header("Cache-Control") == "no-cache")
            let sse = SSEResult(r.text)
            #expect(
                sse.collapsedTypes == [
                    "start", "start-step", "text-start", "text-delta", "text-end", "finish-step", "finish", "data-session",
                    "data-finish-reason", "[DONE]",
                ])
            #expect(sse.comments.contains(": keep-alive"))
            #expect(r.text.hasSuffix("data: [DONE]\n\n"))
            // Every data line is followed by a blank line.
            for line in r.text.components(separatedBy: "\n\n") where !line.isEmpty {
                #expect(!line.contains("\n"), "one line per event: \(line)")
            }
            #expect(sse.first("start")?["messageId"] is String)
            #expect(sse.first("text-start")?["id"] as? String == "0")
            #expect(sse.first("finish")?["finishReason"] as? String == "stop")
            let reason = try #require(sse.first("data-finish-reason")?["data"] as? [String: Any])
            #expect(reason["finishReason"] as? String == "stop")
            #expect(reason["rawFinishReason"] as? String == "STOP")
            let session = try #require(sse.first("data-session")?["data"] as? String)
            #expect(UUID(uuidString: session) != nil)

            let deltas = sse.events.filter { $0["type"] as? String == "text-delta" }.compactMap { $0["delta"] as? String }
            #expect(deltas.count >= 12)
            for d in deltas {
                let words = d.split(whereSeparator: { $0.isWhitespace }).count
                #expect((1...3).contains(words), "delta \(d.debugDescription)")
            }
            // Same text as the non-streaming endpoint gives for a first turn.
            let plain = try await chat(server, token: token, query: "What's on sale today?")
            #expect((plain.json?["data"] as? [String: Any])?["answer"] as? String == sse.text)

            // Continuity over the streaming endpoint.
            let second = try await chat(server, token: token, query: "hello", sessionID: session, stream: true)
            let secondSSE = SSEResult(second.text)
            #expect(secondSSE.first("data-session")?["data"] as? String == session)
            #expect(secondSSE.text.contains("(turn 2 of this conversation)"))
        }
    }

    @Test func streamIsPacedIncrementally() async throws {
        var options = DemoServerOptions()
        options.defaultDeltaDelayMs = 18
        try await withServer(options) { server in
            let (token, _) = try await handshake(server)
            // Ordering, not timing: a paced answer of many deltas finishes after an unpaced one started later.
            let order = Order()
            async let slow: Void = {
                // (About 5 s paced: the unpaced one has that long, on a loaded machine too.)
                _ = try await chat(server, token: token, query: "/long 600", stream: true)
                await order.append("paced")
            }()
            async let fast: Void = {
                _ = try await chat(server, token: token, query: "/long 120", stream: true, fault: "pace=0")
                await order.append("unpaced")
            }()
            _ = try await (slow, fast)
            #expect(await order.items == ["unpaced", "paced"])
        }
    }

    @Test func toolAgentStreamsAToolCallBeforeTheText() async throws {
        try await withServer { server in
            let (token, _) = try await handshake(server)
            let r = try await chat(server, token: token, query: "Weather in Paris?", chatbotID: DemoServer.atlasID, stream: true)
            let sse = SSEResult(r.text)
            #expect(
                sse.collapsedTypes == [
                    "start", "start-step", "tool-input-start", "tool-input-delta", "tool-input-available",
                    "tool-output-available", "finish-step", "start-step", "text-start", "text-delta", "text-end", "finish-step",
                    "finish", "data-session", "data-finish-reason", "[DONE]",
                ])
            #expect(sse.types.filter { $0 == "tool-input-delta" }.count >= 2)
            let start = try #require(sse.first("tool-input-start"))
            #expect(start["toolName"] as? String == "get_weather")
            let callID = try #require(start["toolCallId"] as? String)
            let inputText = sse.events.filter { $0["type"] as? String == "tool-input-delta" }
                .compactMap { $0["inputTextDelta"] as? String }.joined()
            #expect(inputText == #"{"city":"Paris"}"#)
            let available = try #require(sse.first("tool-input-available"))
            #expect(available["toolCallId"] as? String == callID)
            #expect((available["input"] as? [String: Any])?["city"] as? String == "Paris")
            let output = try #require(sse.first("tool-output-available"))
            #expect(output["toolCallId"] as? String == callID)
            let out = try #require(output["output"] as? [String: Any])
            #expect(out["tempC"] as? Int == 18)
            #expect(out["conditions"] as? String == "cloudy")
            #expect(sse.text.contains("18 °C"))
        }
    }

    @Test func docsAgentSendsMarkdownAndSources() async throws {
        try await withServer { server in
            let (token, _) = try await handshake(server)
            let r = try await chat(server, token: token, query: "How do I install the widget?", chatbotID: DemoServer.sageID, stream: true)
            let sse = SSEResult(r.text)
            let types = sse.types
            let sources = sse.events.filter { $0["type"] as? String == "source-url" }
            #expect(sources.count == 2)
            #expect(sources.allSatisfy { ($0["url"] as? String)?.hasPrefix("https://") == true && $0["sourceId"] is String })
            let lastSource = try #require(types.lastIndex(of: "source-url"))
            let finish = try #require(types.firstIndex(of: "finish"))
            #expect(lastSource < finish)
            let text = sse.text
            for marker in ["## ", "**", "\n- ", "`", "```", "]("] {
                #expect(text.contains(marker), "markdown \(marker)")
            }
        }
    }

    @Test func specialQueries() async throws {
        try await withServer { server in
            let (token, _) = try await handshake(server)

            let long = try await chat(server, token: token, query: "/long 500")
            let longText = try #require((long.json?["data"] as? [String: Any])?["answer"] as? String)
            #expect(longText.split(whereSeparator: { $0.isWhitespace }).count == 500)
            #expect(longText.contains("\n\n"))

            let error = SSEResult(try await chat(server, token: token, query: "/error", stream: true).text)
            let errorEvent = try #require(error.first("error"))
            #expect(errorEvent["errorText"] is String)
            #expect(error.first("finish")?["finishReason"] as? String == "error")
            #expect(try #require(error.types.firstIndex(of: "text-delta")) < (try #require(error.types.firstIndex(of: "error"))))
            #expect(error.types.last == "[DONE]")

            let reason = SSEResult(try await chat(server, token: token, query: "/reason", stream: true).text)
            let reasoningStart = try #require(reason.types.firstIndex(of: "reasoning-start"))
            let reasoningEnd = try #require(reason.types.firstIndex(of: "reasoning-end"))
            let textStart = try #require(reason.types.firstIndex(of: "text-start"))
            #expect(reasoningStart < reasoningEnd && reasoningEnd < textStart)
            #expect(reason.types.contains("reasoning-delta"))

            let hostile = SSEResult(try await chat(server, token: token, query: "/hostile", stream: true).text).text
            for sequence in ["\u{1B}[", "\u{1B}]52;", "\u{1B}]8;;", "\u{9B}", "\u{202E}", "\u{08}", "\u{07}"] {
                #expect(hostile.contains(sequence), "hostile answer lacks \(sequence.debugDescription)")
            }
            #expect(hostile.hasPrefix("This answer"))
        }
    }

    @Test func benchGivesExactlyTheRequestedDeltasAndBytes() async throws {
        var paced = DemoServerOptions()
        paced.defaultDeltaDelayMs = 18
        try await withServer(paced) { server in
            let (token, _) = try await handshake(server)
            for (bytes, count) in [(1_048_576, 50_000), (10, 3), (0, 4)] {
                // `/bench` is unpaced even when the server paces normally.
                let r = try await chat(server, token: token, query: "/bench \(bytes) \(count)", stream: true, fault: "unknown,malformed")
                let sse = SSEResult(r.text)
                let deltas = sse.events.filter { $0["type"] as? String == "text-delta" }.compactMap { $0["delta"] as? String }
                #expect(deltas.count == count)
                #expect(deltas.reduce(0) { $0 + $1.utf8.count } == bytes)
                #expect(deltas.allSatisfy { $0.utf8.allSatisfy { $0 < 0x80 } })
                #expect(sse.types.last == "[DONE]")
            }
            let plain = try await chat(server, token: token, query: "/bench 1000 7")
            #expect(((plain.json?["data"] as? [String: Any])?["answer"] as? String)?.utf8.count == 1000)
            // The shapes: lines, one word, one paragraph (plain, opening an emphasis, in bold, as a list
            // item, a quote, in a quote, a code block's line); any other is refused with the usage.
            for (shape, spaces, lineBreaks, head) in [("", true, 40, "The "), (" word", false, 0, "Thexq"),
                                                      (" para", true, 0, "The "), (" open", true, 0, "*he "), (" bold", true, 0, "**Note:** br"),
                                                      (" item", true, 0, "- e "), (" quote", true, 40, "> e "), (" qpara", true, 0, "> e "),
                                                      (" code", true, 1, "```\nquick ")] {
                let r = try await chat(server, token: token, query: "/bench 4000 30\(shape)", stream: true)
                let text = SSEResult(r.text).events.filter { $0["type"] as? String == "text-delta" }
                    .compactMap { $0["delta"] as? String }.joined()
                #expect(text.utf8.count == 4000, "shape\(shape)")
                #expect(text.contains(" ") == spaces && text.filter { $0 == "\n" }.count >= lineBreaks
                        && (lineBreaks > 1 || text.filter { $0 == "\n" }.count == lineBreaks), "shape\(shape)")
                #expect(text.hasPrefix(head), "shape\(shape)")
            }
            let refused = try await chat(server, token: token, query: "/bench 4000 30 bogus")
            #expect(((refused.json?["data"] as? [String: Any])?["answer"] as? String)?.hasPrefix("Usage: /bench") == true)
        }
    }

    // MARK: Faults

    @Test func latencyDelaysTheAnswer() async throws {
        try await withServer { server in
            let order = Order()
            async let delayed: Void = {
                // (3 s: a loaded machine once took longer than 0.5 s for the prompt request.)
                _ = try await request(server, "GET", "/", headers: [DemoServer.faultHeader: "latency=3000"])
                await order.append("delayed")
            }()
            async let prompt: Void = {
                _ = try await request(server, "GET", "/nope")
                await order.append("prompt")
            }()
            _ = try await (delayed, prompt)
            #expect(await order.items == ["prompt", "delayed"])
        }
    }

    @Test func cutEndsTheBodyEarly() async throws {
        try await withServer { server in
            let (token, _) = try await handshake(server)
            let full = try await chat(server, token: token, query: "deals", stream: true)
            let cut = try await chat(server, token: token, query: "deals", stream: true, fault: "cut=300")
            #expect(cut.status == 200)
            #expect(cut.body.count == 300)
            #expect(full.body.count > 300)
            #expect(!cut.text.contains("[DONE]"))
            #expect(cut.text.hasPrefix("data: {\"type\":\"start\""))
        }
    }

    @Test func dropAbortsTheConnection() async throws {
        try await withServer { server in
            let (token, _) = try await handshake(server)
            do {
                let r = try await chat(server, token: token, query: "deals", stream: true, fault: "drop=200")
                // Some clients hand back what arrived; it must be incomplete.
                #expect(!r.text.contains("[DONE]"))
                #expect(r.body.count <= 200)
            } catch {
                // The usual outcome: the transfer failed.
            }
            // The server is fine afterwards.
            #expect(try await chat(server, token: token, query: "deals").status == 200)
        }
    }

    @Test func stallTimesOutOnTheClient() async throws {
        try await withServer { server in
            let (token, _) = try await handshake(server)
            await #expect(throws: (any Error).self) {
                _ = try await chat(server, token: token, query: "deals", stream: true, fault: "stall=100", timeout: 1.5)
            }
            // The stalled stream does not keep the server from answering (or from stopping).
            #expect(try await chat(server, token: token, query: "deals").status == 200)
        }
    }

    @Test func stallEndsAsSoonAsTheClientGoesAway() async throws {
        let log = LogCapture(level: .trace)
        let server = try await DemoServer.start(fastOptions(), logger: log.logger)
        // Our own client, shut down after the stall: its connections are closed for certain
        // (URLSession may keep a timed-out connection open for a while under load).
        let client = RobofyClient(
            target: RobofyTarget(baseURL: server.baseURL, projectID: DemoServer.projectID, chatbotID: DemoServer.chatbotID,
                                 extraHeaders: [DemoServer.faultHeader: "stall=100"]),
            // (The stall timeout bounds the wait for each head too: 1 s was once too short for
            // the handshake's on a loaded machine.)
            timeouts: RobofyTimeouts(connect: 5, response: 10, stall: 6))
        do {
            let h = try await client.handshake()
            await #expect(throws: RobofyError.stalled(seconds: 6)) {
                let (_, stream) = try await client.send(ChatRequest(query: "deals", chatbotID: DemoServer.chatbotID),
                                                        token: h.token)
                // As a turn reads it: the stall timeout stops the reader.
                let reader = Task { for try await _ in stream {} }
                stream.stallWatch?.start { reader.cancel() }
                try await reader.value
            }
        } catch {
            Issue.record("handshake failed: \(error)")
        }
        await client.shutdown()  // always: AsyncHTTPClient traps on a client that was not shut down
        // The server notices the closed connection instead of waiting out the 60 s stall.
        func ended() -> String? { log.lines.first { $0.contains("demo stream ended early") } }
        #expect(await eventually(timeout: 30) { ended() != nil })
        #expect(ended()?.contains("reason=clientGone") == true, "\(ended() ?? "nil")")
        #expect(log.messages.contains { $0.contains("Server started") }, "Hummingbird's banner goes through the given logger")
        await server.stop()
    }

    @Test func unauthorizedOnceThenSuccess() async throws {
        try await withServer { server in
            let (token, _) = try await handshake(server)
            let fault = "401once,id=\(UUID().uuidString)"
            let first = try await chat(server, token: token, query: "hello", fault: fault)
            #expect(first.status == 401)
            #expect(first.errorCode == "UNAUTHORIZED")
            let (token2, _) = try await handshake(server)
            #expect(try await chat(server, token: token2, query: "hello", stream: true, fault: fault).status == 200)
            #expect(try await chat(server, token: token2, query: "hello", fault: fault).status == 200)
            // A different id is a different "once".
            #expect(try await chat(server, token: token2, query: "hello", fault: "401once,id=other").status == 401)
        }
        var options = fastOptions()
        options.faults.unauthorizedOnce = true
        try await withServer(options) { server in
            let (token, _) = try await handshake(server)
            #expect(try await chat(server, token: token, query: "hello", stream: true).status == 401)
            #expect(try await chat(server, token: token, query: "hello", stream: true).status == 200)
        }
    }

    @Test func rateLimitAndServerError() async throws {
        try await withServer { server in
            let (token, _) = try await handshake(server)
            for _ in 0..<2 {
                let limited = try await chat(server, token: token, query: "hello", fault: "429=2")
                #expect(limited.status == 429)
                #expect(limited.header("Retry-After") == "2")
                #expect(limited.errorCode == "RATE_LIMITED")
            }
            let failed = try await chat(server, token: token, query: "hello", stream: true, fault: "500")
            #expect(failed.status == 500)
            #expect(failed.errorCode == "INTERNAL_SERVER_ERROR")
            let handshakeFailed = try await request(
                server, "POST", "/v1/widget/handshake",
                body: try jsonBody(["chatbot_id": DemoServer.chatbotID, "project_id": DemoServer.projectID, "version": 2]),
                headers: [DemoServer.faultHeader: "500"])
            #expect(handshakeFailed.status == 500)
        }
        var options = fastOptions()
        options.faults.rateLimitRetryAfter = 1
        try await withServer(options) { server in
            let (token, _) = try await handshake(server)
            let first = try await chat(server, token: token, query: "hello")
            #expect(first.status == 429)
            #expect(first.header("Retry-After") == "1")
            #expect(try await chat(server, token: token, query: "hello").status == 200)
        }
    }

    @Test func malformedAndUnknownChunks() async throws {
        try await withServer { server in
            let (token, _) = try await handshake(server)
            let malformed = try await chat(server, token: token, query: "deals", stream: true, fault: "malformed")
            #expect(malformed.text.contains("\n\ndata: {not json\n\n"))
            let m = SSEResult(malformed.text)
            #expect(m.types.filter { $0 == "<malformed>" }.count == 1)
            #expect(m.types.last == "[DONE]")
            let malformedAt = try #require(m.types.firstIndex(of: "<malformed>"))
            #expect(m.types[..<malformedAt].contains("text-delta") && m.types[malformedAt...].contains("text-delta"))

            let unknown = SSEResult(try await chat(server, token: token, query: "deals", stream: true, fault: "unknown").text)
            #expect(unknown.types.contains("custom-thing"))
            #expect(unknown.types.contains("reset-step"))
            #expect(unknown.first("custom-thing")?["foo"] as? Int == 1)
            #expect(unknown.types.last == "[DONE]")
        }
    }

    @Test func noStreamingAndJSONFallbacks() async throws {
        try await withServer { server in
            let (token, _) = try await handshake(server)
            let missing = try await chat(server, token: token, query: "deals", stream: true, fault: "nostream")
            #expect(missing.status == 404)
            #expect(missing.errorCode == "NOT_FOUND")
            #expect(try await chat(server, token: token, query: "deals", fault: "nostream").status == 200)

            let json = try await chat(server, token: token, query: "deals", stream: true, fault: "json")
            #expect(json.status == 200)
            #expect(json.header("Content-Type")?.hasPrefix("application/json") == true)
            #expect(((json.json?["data"] as? [String: Any])?["answer"] as? String)?.contains("deals") == true)

            let bad = try await chat(server, token: token, query: "deals", fault: "latency=abc")
            #expect(bad.status == 400)
            #expect(((bad.json?["error"] as? [String: Any])?["detail"] as? String)?.contains("latency=abc") == true)
        }
    }

    @Test func serverWideFaultsApplyToEveryStream() async throws {
        var options = fastOptions()
        options.faults = try DemoFaults(spec: "unknown, cut=400")
        try await withServer(options) { server in
            let (token, _) = try await handshake(server)
            for _ in 0..<2 {
                let r = try await chat(server, token: token, query: "/long 300", stream: true)
                #expect(r.body.count == 400)
            }
            // A header overrides a server-wide number.
            let r = try await chat(server, token: token, query: "/long 300", stream: true, fault: "cut=100")
            #expect(r.body.count == 100)
        }
    }

    // MARK: Hostile agent

    @Test func hostileAgentIsOnlyThereWhenAskedFor() async throws {
        var options = fastOptions()
        options.hostile = true
        try await withServer(options) { server in
            let (_, json) = try await handshake(server)
            let bots = try #require((json["data"] as? [String: Any])?["chatbots"] as? [[String: Any]])
            let mallory = try #require(bots.first { $0["chatbot_id"] as? String == DemoServer.hostileID })
            let name = try #require(mallory["agent_name"] as? String)
            #expect(name.contains("\u{1B}["))
            let questions = ((mallory["quick_questions"] as? [Any]) ?? []).compactMap { q in
                (q as? String) ?? ((q as? [String: Any])?["question"] as? String)
            }
            let texts = [mallory["description"], mallory["greeting"]].compactMap { $0 as? String }.joined() + questions.joined()
            for sequence in ["\u{1B}]52;", "\u{1B}]8;;", "\u{9B}", "\u{202E}", "\u{08}", "\u{07}"] {
                #expect((name + texts).contains(sequence), "hostile agent lacks \(sequence.debugDescription)")
            }
            let (token, _) = try await handshake(server, chatbotID: DemoServer.hostileID)
            let r = try await chat(server, token: token, query: "hi there", chatbotID: DemoServer.hostileID, stream: true)
            #expect(SSEResult(r.text).text.contains("\u{1B}[2J"))
        }
    }

    // MARK: Lifecycle

    @Test func startStopRepeatedlyAndPortConflicts() async throws {
        for _ in 0..<3 {
            let server = try await DemoServer.start(fastOptions())
            #expect(server.port > 0)
            #expect(server.baseURL == "http://127.0.0.1:\(server.port)")
            _ = try await handshake(server)
            await server.stop()
            await server.stop()  // idempotent
        }
        let first = try await DemoServer.start(fastOptions())
        var clash = fastOptions()
        clash.port = first.port
        await #expect(throws: (any Error).self) {
            let second = try await DemoServer.start(clash)
            await second.stop()
        }
        await first.stop()
    }

    @Test func stopEndsOpenStreams() async throws {
        let server = try await DemoServer.start(fastOptions())
        let (token, _) = try await handshake(server)
        let stream = try openStream(server, token: token, query: "deals", fault: "stall=50")
        var received = Data()
        for try await chunk in stream.chunks {
            received.append(chunk)
            if received.count >= 50 { break }
        }
        #expect(received.count == 50)
        await server.stop()  // must not wait for the 60 s stall
        do {
            for try await chunk in stream.chunks { received.append(chunk) }
        } catch {
            // The connection went away: expected.
        }
        #expect(received.count == 50)
        stream.session.invalidateAndCancel()
    }

    @Test func streamArrivesIncrementally() async throws {
        var options = DemoServerOptions()
        options.defaultDeltaDelayMs = 15
        try await withServer(options) { server in
            let (token, _) = try await handshake(server)
            let stream = try openStream(server, token: token, query: "/long 80", fault: nil)
            var chunks: [Data] = []
            for try await chunk in stream.chunks { chunks.append(chunk) }
            stream.session.finishTasksAndInvalidate()
            #expect(chunks.count > 5)
            let first = try #require(chunks.first)
            #expect(!String(decoding: first, as: UTF8.self).contains("[DONE]"))
            let all = String(decoding: chunks.reduce(Data(), +), as: UTF8.self)
            #expect(all.hasSuffix("data: [DONE]\n\n"))
        }
    }

    // MARK: Fault spec

    @Test func faultSpecRoundTripsAndExplainsErrors() throws {
        let spec = "latency=200,cut=300,stall=100,401once,429=2,500,malformed,unknown,nostream,json,pace=0"
        let faults = try DemoFaults(spec: spec)
        #expect(faults.latencyMs == 200)
        #expect(faults.cutAfterBytes == 300)
        #expect(faults.stallAfterBytes == 100)
        #expect(faults.unauthorizedOnce)
        #expect(faults.rateLimitRetryAfter == 2)
        #expect(faults.serverError && faults.malformedChunk && faults.unknownChunk && faults.noStreaming && faults.streamAsJSON)
        #expect(faults.deltaDelayMs == 0)
        #expect(try DemoFaults(spec: faults.spec) == faults)

        let spaced = try DemoFaults(spec: "  Latency = 200 , cut=300,  stall=100 ,401ONCE, 429=2,500 ,malformed,unknown,nostream,json,pace=0,, ")
        #expect(spaced == faults)
        #expect(try DemoFaults(spec: "") == DemoFaults())
        #expect(DemoFaults().spec == "")
        #expect(try DemoFaults(spec: "429").rateLimitRetryAfter == 1)

        var withID = DemoFaults()
        withID.id = "abc-1"
        withID.dropAfterBytes = 5
        #expect(try DemoFaults(spec: withID.spec) == withID)

        do {
            _ = try DemoFaults(spec: "latency=10, bogus, cut=3")
            Issue.record("expected an error")
        } catch {
            #expect(error.item == "bogus")
            #expect(error.message.contains("'bogus'"))
            #expect(error.message.contains("latency=MS"))
            #expect(error.message.contains("nostream"))
        }
        for bad in ["latency=abc", "cut=-1", "pace=", "500=1", "id=a b", "latency=99999999999999999999"] {
            #expect(throws: DemoFaultsError.self, "\(bad)") { try DemoFaults(spec: bad) }
        }
    }
}
