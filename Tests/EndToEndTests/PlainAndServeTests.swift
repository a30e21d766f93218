import DemoServer
import Foundation
import Testing
import TestSupport
#if canImport(Glibc)
import Glibc
#endif

/// The line-mode chat and the standalone server, run as a user runs them.
@Suite(.timeLimit(.minutes(2))) struct PlainAndServeTests {
    @Test func plainChatHoldsATwoTurnConversationOnOneSession() async throws {
        let bin = try Binary.require()
        var o = DemoServerOptions()
        o.defaultDeltaDelayMs = 0
        let server = try await DemoServer.start(o)
        let r = sh([bin, "chat", "--plain", "--verbose", "--base-url", server.baseURL, "--project-id", DemoServer.projectID,
                    "--chatbot-id", DemoServer.chatbotID], stdin: "my name is Ada\nwhat is my name?\n/quit\n")
        await server.stop()
        #expect(r.status == 0, "\(r.out)")
        #expect(r.out.contains("Hello there 👋"))
        #expect(r.out.contains("Nova: Hi, I'm Nova"))
        #expect(r.out.contains("Nova: Your name is Ada"))
        let sessions = r.out.split(separator: "\n").filter { $0.hasPrefix("(session ") }
        #expect(sessions.count == 2)
        let ids = Set(sessions.map { $0.split(separator: ",")[0] })
        #expect(ids.count == 1, "both turns must use the same session id: \(sessions)")
    }

    @Test func plainChatReportsAFailedHandshakeAndExitsNonZero() throws {
        let bin = try Binary.require()
        let r = sh([bin, "chat", "--plain", "--base-url", "http://127.0.0.1:1", "--project-id", "p", "--chatbot-id", "c"], stdin: "")
        #expect(r.status == 1)
        #expect(r.out.contains("Cannot connect to http://127.0.0.1:1"))
    }

    @Test func chatWithoutIDsSaysHowToStart() throws {
        let bin = try Binary.require()
        let r = sh([bin, "chat"], env: ["ROBOFY_PROJECT_ID": "", "ROBOFY_CHATBOT_ID": ""])
        #expect(r.status != 0)
        #expect(r.out.contains("--project-id"))
        #expect(r.out.contains("robofy-tui demo"))
    }

    @Test func versionAndHelp() throws {
        let bin = try Binary.require()
        let v = sh([bin, "--version"])
        #expect(v.status == 0)
        #expect(v.out.trimmingCharacters(in: .whitespacesAndNewlines).split(separator: ".").count == 3)
        let h = sh([bin, "--help"])
        for cmd in ["chat", "demo", "serve", "preview"] { #expect(h.out.contains(cmd)) }
    }

    @Test func serveStreamsTheDocumentedEventOrder() async throws {
        let bin = try Binary.require()
        let out = NSTemporaryDirectory() + "robofy-serve-" + UUID().uuidString
        defer { unlink(out) }
        let server = try Child(args: [bin, "serve", "--port", "0", "--pace", "0"], output: out)
        defer { server.kill() }
        // Poll for the printed URL.
        var url: String?
        let deadline = Date().addingTimeInterval(10)
        while url == nil && Date() < deadline {
            let text = (try? String(contentsOfFile: out, encoding: .utf8)) ?? ""
            if let r = text.range(of: #"http://127\.0\.0\.1:\d+"#, options: .regularExpression) { url = String(text[r]) }
            else { try await Task.sleep(for: .milliseconds(20)) }
        }
        let base = try #require(url)
        let hs = sh(["curl", "-s", "-X", "POST", base + "/v1/widget/handshake", "-H", "Content-Type: application/json",
                     "-d", #"{"chatbot_id":"demo-nova","project_id":"demo-project","version":2}"#])
        let token = try #require((try? JSONSerialization.jsonObject(with: Data(hs.out.utf8)) as? [String: Any])
            .flatMap { $0["data"] as? [String: Any] }?["token"] as? String)
        let stream = sh(["curl", "-sN", "-X", "POST", base + "/v1/ai-agent/chat/stream", "-H", "Authorization: Bearer \(token)",
                         "-H", "Content-Type: application/json", "-H", "Accept: text/event-stream",
                         "-d", #"{"query":"hello","pid":"demo-project","chatbot_id":"demo-nova","user_context":{"platform":"web"}}"#])
        let types = stream.out.split(separator: "\n").compactMap { line -> String? in
            guard line.hasPrefix("data: ") else { return nil }
            let payload = line.dropFirst(6)
            if payload == "[DONE]" { return "[DONE]" }
            return (try? JSONSerialization.jsonObject(with: Data(payload.utf8)) as? [String: Any])?["type"] as? String
        }
        var collapsed: [String] = []
        for t in types where collapsed.last != t || t != "text-delta" { collapsed.append(t) }
        #expect(collapsed == ["start", "start-step", "text-start", "text-delta", "text-end", "finish-step", "finish",
                              "data-session", "data-finish-reason", "[DONE]"], "\(stream.out)")
        let status = try #require(server.stop(SIGTERM))
        #expect(exitCode(status) == 0, "serve should exit cleanly on SIGTERM")
    }
}
