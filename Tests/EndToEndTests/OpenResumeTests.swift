import DemoServer
import Foundation
import Testing
import TestSupport

/// `robofy-tui transcripts`, `open` (read-only) and `open --resume` against the demo server:
/// the old turns on screen, and the next turn carries the old session id.
@Suite(.serialized, .timeLimit(.minutes(3))) struct OpenResumeTests: ScratchSuite {
    let dir: String

    init() throws {
        dir = try Self.makeScratch("robofy-open")
    }

    var env: [String: String] {
        ["XDG_STATE_HOME": dir + "/state", "XDG_CONFIG_HOME": dir + "/xdg", "TERM": "xterm-256color", "LANG": "C.UTF-8"]
    }

    /// A saved conversation: one turn with Nova ("my name is Ada"), through the plain chat.
    func recordConversation(_ bin: String, base: String) async throws -> (path: String, session: String) {
        let path = dir + "/state/robofy-tui/transcripts/20261201-101500-nova.jsonl"
        let r = await shOff([bin, "chat", "--plain", "--base-url", base, "--project-id", DemoServer.projectID,
                                  "--chatbot-id", DemoServer.chatbotID, "--transcript", path],
                                 stdin: "my name is Ada\n", env: env)
        #expect(r.status == 0, "\(r.out)")
        let text = try String(contentsOfFile: path, encoding: .utf8)
        let session = try #require(Self.sessionIDs(text).first, "no session id in \(text)")
        return (path, session)
    }

    static func sessionIDs(_ jsonl: String) -> [String] {
        jsonl.split(separator: "\n").compactMap { line -> String? in
            guard let o = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any], o["kind"] as? String == "turn",
                  let t = o["turn"] as? [String: Any] else { return nil }
            return t["sessionID"] as? String
        }
    }

    @Test func transcriptsListsTheAutosaveFolderNewestFirst() async throws {
        let bin = try binary()
        try await DemoServer.with(Self.fast) { server in
            let (path, _) = try await recordConversation(bin, base: server.baseURL)
            // An older one, written by hand.
            let older = dir + "/state/robofy-tui/transcripts/20251101-090000-sage.jsonl"
            try """
                {"at":"2025-11-01T09:00:00Z","kind":"start","target":"demo","tool":"robofy-tui 0.1.0"}
                {"agentID":"demo-sage","agentName":"Sage","at":"2025-11-01T09:00:01Z","kind":"turn-started","turnID":1,"userText":"hi"}

                """.write(toFile: older, atomically: true, encoding: .utf8)
            try FileManager.default.setAttributes([.modificationDate: Date(timeIntervalSince1970: 1_700_000_000)], ofItemAtPath: older)
            let r = await shOff([bin, "transcripts"], env: env)
            #expect(r.status == 0, "\(r.out)")
            let lines = r.out.split(separator: "\n").map(String.init)
            #expect(lines.count == 3, "\(r.out)")
            #expect(lines.first?.contains("agent") == true && lines.first?.contains("turns") == true, "\(r.out)")
            let newest = try #require(lines.dropFirst().first)
            #expect(newest.contains("Nova") && newest.contains(" 1 ") && newest.hasSuffix(path), "\(r.out)")
            #expect(lines.last?.contains("Sage") == true && lines.last?.hasSuffix(older) == true, "\(r.out)")
        }
    }

    @Test func openShowsTheConversationReadOnlyAndResumeContinuesTheSession() async throws {
        let bin = try binary()
        guard Binary.tmuxAvailable else { throw E2EError("tmux is not installed (apt-get install tmux)") }
        try await DemoServer.with(Self.fast) { server in
            let (path, session) = try await recordConversation(bin, base: server.baseURL)

            // Read-only: the saved turns, an input that says so; Enter sends nothing.
            let ro = try Tmux(command: "'\(bin)' open '\(path)'; echo \"EXIT=$?\"", env: env)
            let shown = ro.waitFor(timeout: 15) { $0.contains("my name is Ada") && $0.contains("Nice to meet you, Ada") }
            #expect(shown.ok, "old turns not shown:\n\(shown.screen)")
            #expect(shown.screen.contains("Read-only"), "\(shown.screen)")
            ro.type("hello")
            ro.keys("Enter")
            ro.keys("PPage")
            ro.keys("F10")
            #expect(ro.waitUntilExit() == 0)
            #expect(Self.sessionIDs(try String(contentsOfFile: path, encoding: .utf8)).count == 1, "read-only sent a turn")

            // --resume: the same agent, the same session; the demo remembers the name per session.
            let rs = try Tmux(command: "'\(bin)' open '\(path)' --resume; echo \"EXIT=$?\"", env: env)
            let back = rs.waitFor(timeout: 15) { $0.contains("Nice to meet you, Ada") && $0.contains("Resumed") }
            #expect(back.ok, "old turns not shown on resume:\n\(back.screen)")
            #expect(back.screen.contains(String(session.prefix(8))), "\(back.screen)")
            rs.type("what is my name?")
            rs.keys("Enter")
            let answered = rs.waitFor(timeout: 20) { $0.contains("Your name is Ada") }
            #expect(answered.ok, "the server did not continue the session:\n\(answered.screen)")
            rs.keys("F10")
            #expect(rs.waitUntilExit() == 0)

            // The new turn was appended to the same file, with the old session id.
            let ids = Self.sessionIDs(try String(contentsOfFile: path, encoding: .utf8))
            #expect(ids == [session, session], "\(ids)")
            // And the server recorded both turns in that one session.
            let inbox = await shOff([bin, "inbox", "--base-url", server.baseURL, "--chatbot-id", DemoServer.chatbotID,
                                          "--session", session, "--json"], env: ["ROBOFY_API_KEY": DemoServer.accountAPIKey])
            #expect(inbox.status == 0, "\(inbox.out)")
            #expect(inbox.out.contains("my name is Ada") && inbox.out.contains("what is my name?"), "\(inbox.out)")
        }
    }

    @Test func resumeInLineModeSendsTheOldSessionID() async throws {
        let bin = try binary()
        try await DemoServer.with(Self.fast) { server in
            let (path, session) = try await recordConversation(bin, base: server.baseURL)
            let r = await shOff([bin, "open", path, "--resume", "--plain", "--verbose"], stdin: "what is my name?\n", env: env)
            #expect(r.status == 0, "\(r.out)")
            #expect(r.out.contains("Your name is Ada"), "\(r.out)")
            #expect(r.out.contains("Resumed: the conversation continues in session \(session.prefix(8))"), "\(r.out)")
            #expect(Self.sessionIDs(try String(contentsOfFile: path, encoding: .utf8)) == [session, session])
        }
    }

    static var fast: DemoServerOptions {
        var o = DemoServerOptions()
        o.defaultDeltaDelayMs = 0
        return o
    }
}
