import Foundation
import Testing
import TestSupport

/// The lead form, rating, the server's record (F11) and auto-close, in the real binary
/// in tmux against the embedded demo server (issue 13).
@Suite(.serialized, .timeLimit(.minutes(3))) struct WidgetExtrasEndToEndTests: ScratchSuite {
    let dir: String

    init() throws {
        dir = try Self.makeScratch("robofy-e2e-extras")
    }

    func start(_ args: String = "", env: [String: String] = [:]) throws -> Tmux {
        guard Binary.tmuxAvailable else { throw E2EError("tmux is not installed (apt-get install tmux)") }
        let bin = try binary()
        let cmd = "cd '\(dir)' && '\(bin)' demo --pace 2 --no-autosave \(args); echo \"EXIT=$?\""
        return try Tmux(command: cmd, width: 80, height: 24,
                        env: ["TERM": "xterm-256color", "LANG": "C.UTF-8", "XDG_STATE_HOME": dir + "/state"].merging(env) { $1 })
    }

    @Test func leadFormRatingAndWhatTheServerRecorded() throws {
        let t = try start(env: ["ROBOFY_API_KEY": "demo-api-key"])
        let first = t.waitFor("Hi, I'm Nova")
        #expect(first.ok, "\(first.screen)")
        #expect(first.screen.contains("📝 Get 10% off your first order — Ctrl-O to fill in"))
        #expect(first.screen.contains("This is a demo: conversations are kept in memory only"))
        t.type("hello")
        t.keys("Enter")
        let answered = t.waitFor(timeout: 20) { $0.contains("Ctrl-Y 👍") }
        #expect(answered.ok, "\(answered.screen)")
        // Rate the answer.
        t.keys("C-y")
        let rated = t.waitFor(timeout: 10) { $0.contains("👍 You rated this answer helpful") && $0.contains("Thanks for rating") }
        #expect(rated.ok, "\(rated.screen)")
        // The lead form, with an inline message for a bad email.
        t.keys("C-o")
        let form = t.waitFor("[ Send me the code ]")
        #expect(form.ok, "\(form.screen)")
        #expect(form.screen.contains("Leave your email and we'll send you a discount code."))
        t.type("Ada")
        t.keys("Tab")
        t.type("ada@example")
        t.keys("Tab")
        let bad = t.waitFor("⚠ The email's domain is incomplete")
        #expect(bad.ok, "\(bad.screen)")
        t.keys("BTab")
        t.type(".com")
        t.keys("Tab", "Tab", "Enter")
        let sent = t.waitFor(timeout: 10) { $0.contains("Lead form: name Ada · email ada@example.com") && $0.contains("Thank you!") }
        #expect(sent.ok, "\(sent.screen)")
        // What the server recorded, next to what the client saw.
        t.keys("F11")
        let record = t.waitFor(timeout: 10) { $0.contains("Server: 2 messages, 1 lead") && $0.contains("Client: 2 messages") }
        #expect(record.ok, "\(record.screen)")
        #expect(record.screen.contains("lead: name Ada") && record.screen.contains("ada@example.com"), "\(record.screen)")
        #expect(!record.screen.contains("demo-api-key"))
        t.keys("Escape")
        t.keys("C-q")
        #expect(t.waitUntilExit() == 0)
    }

    @Test func serverRecordWithoutAKeySaysWhatToDo() throws {
        let t = try start(env: ["ROBOFY_API_KEY": ""])
        #expect(t.waitFor("Hi, I'm Nova").ok)
        t.type("hello")
        t.keys("Enter")
        #expect(t.waitFor(timeout: 20) { $0.contains("Ctrl-Y 👍") }.ok)
        t.keys("F11")
        let r = t.waitFor(timeout: 10) { $0.contains("ROBOFY_API_KEY") }
        #expect(r.ok, "\(r.screen)")
        t.keys("Escape")
        t.keys("C-q")
        #expect(t.waitUntilExit() == 0)
    }

    @Test func autoCloseCollapsesAndAnyKeyReopens() throws {
        let golden = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("WidgetUITests/Golden/handshake.json")
        let fixture = try String(contentsOf: golden, encoding: .utf8)
        let file = try write("short-close.json", fixture.replacingOccurrences(of: "\"close_after_time\": 60", with: "\"close_after_time\": 2"))
        let t = try start("--handshake '\(file)'")
        #expect(t.waitFor("How can I assist you today?").ok)
        let closed = t.waitFor(timeout: 15) { $0.contains("closed after 2 s idle — press any key to reopen") }
        #expect(closed.ok, "\(closed.screen)")
        #expect(!closed.screen.contains("How can I assist you today?"))
        t.keys("x")
        let open = t.waitFor(timeout: 10) { $0.contains("How can I assist you today?") && $0.contains("Reopened") }
        #expect(open.ok, "\(open.screen)")
        t.keys("C-q")
        #expect(t.waitUntilExit() == 0)
        // --no-auto-close: still open after the same wait (the bar would have shown by now).
        let off = try start("--handshake '\(file)' --no-auto-close")
        #expect(off.waitFor("How can I assist you today?").ok)
        let stays = off.waitFor(timeout: 4) { $0.contains("press any key to reopen") }
        #expect(!stays.ok)
        off.keys("C-q")
        #expect(off.waitUntilExit() == 0)
    }
}
