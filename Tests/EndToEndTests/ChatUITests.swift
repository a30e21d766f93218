import Foundation
import Testing
import TestSupport

/// Drives the real binary in a real terminal (tmux) against the embedded demo server.
/// Everything is polled with a deadline; nothing sleeps to synchronise.
@Suite(.serialized, .timeLimit(.minutes(3))) struct ChatUITests {
    let dir: String

    init() throws {
        dir = try scratchDirectory("robofy-e2e")
    }

    func start(_ args: String = "", width: Int = 80, height: Int = 24) throws -> Tmux {
        try Tmux.robofy("demo --pace 4 --no-autosave --download-dir '\(dir)' \(args)", in: dir, width: width, height: height,
                        after: "stty -a > '\(dir)/stty.txt'")
    }

    @Test func headerGreetingQuickQuestionAndTwoTurns() throws {
        let t = try start()
        let first = t.waitFor("Hi, I'm Nova")
        #expect(first.ok, "greeting not shown:\n\(first.screen)")
        let s = first.screen
        #expect(s.contains("Hello there 👋"))
        #expect(s.contains("Ask our demo agents anything"))
        #expect(s.contains("Nova · Public"))
        #expect(s.contains("Chat"))
        #expect(s.contains("Powered by Robofy"))
        #expect(s.contains("Type message here.."))
        #expect(s.contains("[ What's on sale today? ]"))
        #expect(s.contains("F2 agents"))

        // Pick the first quick question with the keyboard.
        t.keys("Tab")
        t.keys("Enter")
        let answered = t.waitFor(timeout: 20) { $0.contains("You") && $0.contains("What's on sale today?") && $0.contains("Enter send") }
        #expect(answered.ok, "quick question not answered:\n\(answered.screen)")
        #expect(!answered.screen.contains("[ What's on sale today? ]"), "chips should hide after the first message")

        // A second turn, typed.
        t.type("my name is Ada")
        t.keys("Enter")
        let second = t.waitFor(timeout: 20) { $0.contains("turn 2 of this conversation") }
        #expect(second.ok, "second turn did not reuse the session:\n\(second.screen)")
        t.type("what is my name?")
        t.keys("Enter")
        let third = t.waitFor(timeout: 20) { $0.contains("Your name is Ada") }
        #expect(third.ok, "\(third.screen)")
        t.keys("C-q")
        #expect(t.waitUntilExit() == 0)
    }

    @Test func loaderTextThenStreamedAnswerThenStop() throws {
        let t = try start("--fault latency=1200")
        #expect(t.waitFor("Hi, I'm Nova").ok)
        t.type("hello there")
        t.keys("Enter")
        let loader = t.waitFor(timeout: 10) { $0.contains("Understanding Query…") }
        #expect(loader.ok, "no loader text:\n\(loader.screen)")
        let answer = t.waitFor(timeout: 15) { !$0.contains("Understanding Query") && $0.contains("turn") == false && $0.contains("Enter send") }
        #expect(answer.ok, "\(answer.screen)")

        // A slow answer, stopped with Esc: the partial text stays, marked stopped.
        t.type("/slow")
        t.keys("Enter")
        let streaming = t.waitFor(timeout: 15) { $0.contains("Esc stop") && $0.contains("slow") }
        #expect(streaming.ok, "\(streaming.screen)")
        // Wait for some text after the loader, then stop.
        let someText = t.waitFor(timeout: 15) { !$0.contains("Understanding Query") && !$0.contains("Analyzing") && $0.contains("Esc stop") }
        #expect(someText.ok, "\(someText.screen)")
        t.keys("Escape")
        let stopped = t.waitFor(timeout: 10) { $0.contains("⏹ Stopped") }
        #expect(stopped.ok, "\(stopped.screen)")
        t.keys("C-c")
        t.keys("C-c")
        #expect(t.waitUntilExit() == 0)
    }

    @Test func resetThroughTheModalAndTranscriptDownload() throws {
        let t = try start()
        #expect(t.waitFor("Hi, I'm Nova").ok)
        t.type("hello")
        t.keys("Enter")
        #expect(t.waitFor(timeout: 20) { $0.contains("You") && $0.contains("Enter send") }.ok)

        t.keys("F5")
        let saved = t.waitFor(timeout: 10) { $0.contains("Transcript saved to") }
        #expect(saved.ok, "\(saved.screen)")
        let files = (try? FileManager.default.contentsOfDirectory(atPath: dir))?.filter { $0.hasPrefix("robofy-transcript-") } ?? []
        #expect(files.count == 1)
        if let f = files.first, let text = try? String(contentsOfFile: dir + "/" + f, encoding: .utf8) {
            #expect(text.contains("**You:** hello"))
            #expect(text.contains("**Nova:**"))
            #expect(!text.contains("eyJ"), "a token leaked into the transcript")
        }

        t.keys("F3")
        let modal = t.waitFor("Reset Chat")
        #expect(modal.ok)
        #expect(modal.screen.contains("[ Cancel ]") && modal.screen.contains("[ Yes, reset ]"))
        #expect(modal.screen.contains("This will"))
        t.keys("Escape")
        #expect(t.waitFor(timeout: 5) { !$0.contains("[ Yes, reset ]") }.ok)
        t.keys("F3")
        #expect(t.waitFor("[ Yes, reset ]").ok)
        t.keys("Tab")
        t.keys("Enter")
        let reset = t.waitFor(timeout: 10) { $0.contains("The chat was reset.") && !$0.contains("You") }
        #expect(reset.ok, "\(reset.screen)")
        #expect(reset.screen.contains("[ What's on sale today? ]"))
        t.keys("C-q")
        #expect(t.waitUntilExit() == 0)
    }

    @Test func resizeDownAndBackAndASaneTerminalOnExit() throws {
        let t = try start()
        #expect(t.waitFor("Hi, I'm Nova").ok)
        t.resize(50, 15)
        let small = t.waitFor(timeout: 10) { s in
            let lines = s.split(separator: "\n", omittingEmptySubsequences: false)
            return s.contains("Hello there") && lines.allSatisfy { $0.count <= 50 } && s.contains("Nova")
        }
        #expect(small.ok, "\(small.screen)")
        t.resize(30, 10)
        let tiny = t.waitFor("Terminal too small")
        #expect(tiny.ok, "\(tiny.screen)")
        t.resize(80, 24)
        let back = t.waitFor(timeout: 10) { $0.contains("Ask our demo agents anything") && $0.contains("Powered by Robofy") }
        #expect(back.ok, "\(back.screen)")
        t.keys("C-c")
        let hint = t.waitFor("Press Ctrl-C again to quit.")
        #expect(hint.ok)
        t.keys("C-c")
        let exited = t.waitFor("EXIT=0")
        #expect(exited.ok, "\(exited.screen)")
        // The terminal is back in cooked mode with echo.
        let stty = try? String(contentsOfFile: dir + "/stty.txt", encoding: .utf8)
        let deadline = Date().addingTimeInterval(5)
        var text = stty ?? ""
        while text.isEmpty && Date() < deadline {
            Thread.sleep(forTimeInterval: 0.05)
            text = (try? String(contentsOfFile: dir + "/stty.txt", encoding: .utf8)) ?? ""
        }
        let flags = Set(text.split(whereSeparator: { $0 == " " || $0 == "\n" || $0 == ";" }).map(String.init))
        #expect(flags.isSuperset(of: ["icanon", "echo", "isig", "icrnl", "opost"]), "\(text)")
        #expect(!exited.screen.contains("Powered by Robofy"), "the alternate screen was not left")
    }

    @Test func sigtermRestoresTheTerminal() throws {
        let t = try start("--fault latency=3000")
        #expect(t.waitFor("Hi, I'm Nova").ok)
        t.type("hello")
        t.keys("Enter")
        #expect(t.waitFor("Understanding Query…").ok)
        let shell = try #require(t.panePID())
        // Signal robofy-tui (the shell's child) in the middle of a turn.
        #expect(sh(["pkill", "-TERM", "-P", "\(shell)", "robofy-tui"]).status == 0)
        let exited = t.waitFor("EXIT=")
        #expect(exited.ok, "\(exited.screen)")
        // 128 + SIGTERM after the orderly exit (it died of SIGILL, 132, before); SignalExitTests has the rest.
        #expect(exited.screen.contains("EXIT=143"), "\(exited.screen)")
        #expect(!exited.screen.contains("Powered by Robofy"), "the alternate screen was not left")
        let deadline = Date().addingTimeInterval(5)
        var text = ""
        while text.isEmpty && Date() < deadline {
            text = (try? String(contentsOfFile: dir + "/stty.txt", encoding: .utf8)) ?? ""
            if text.isEmpty { Thread.sleep(forTimeInterval: 0.05) }
        }
        let flags = Set(text.split(whereSeparator: { $0 == " " || $0 == "\n" || $0 == ";" }).map(String.init))
        #expect(flags.isSuperset(of: ["icanon", "echo", "isig"]), "\(text)")
    }

    @Test func agentPickerSwitchesAgents() throws {
        let t = try start()
        #expect(t.waitFor("Hi, I'm Nova").ok)
        t.keys("F2")
        let picker = t.waitFor("Agents")
        #expect(picker.ok && picker.screen.contains("Atlas") && picker.screen.contains("Sage"))
        t.keys("Down")
        t.keys("Enter")
        let atlas = t.waitFor("Atlas here")
        #expect(atlas.ok, "\(atlas.screen)")
        #expect(atlas.screen.contains("[ Weather in Paris? ]"), "object-shaped quick questions not shown")
        t.keys("Tab")
        t.keys("Enter")
        let tool = t.waitFor(timeout: 20) { $0.contains("get_weather") }
        #expect(tool.ok, "\(tool.screen)")
        t.keys("C-q")
        #expect(t.waitUntilExit() == 0)
    }

    @Test func hostileServerTextIsNeutralised() throws {
        let t = try start("--hostile")
        #expect(t.waitFor("Hi, I'm Nova").ok)
        t.keys("F2")
        #expect(t.waitFor("Mallory").ok)
        // Mallory sorts last.
        for _ in 0..<3 { t.keys("Down") }
        t.keys("Enter")
        let hostile = t.waitFor(timeout: 10) { $0.contains("Mallory") && $0.contains("Visit") }
        #expect(hostile.ok, "\(hostile.screen)")
        t.type("/hostile")
        t.keys("Enter")
        let answered = t.waitFor(timeout: 20) { $0.contains("Normal text again at the end.") && $0.contains("Enter send") }
        #expect(answered.ok, "\(answered.screen)")
        let s = answered.screen
        // Nothing was cleared: the header is still on screen after the clear-screen sequences.
        #expect(s.contains("Hello there"))
        #expect(!s.contains("\u{1B}"))
        #expect(!s.contains("[1;31m"), "CSI parameters leaked:\n\(s)")
        #expect(!s.contains("\u{202E}"))
        #expect(!s.contains("]52;"))
        #expect(s.contains("Mallory RED"))
        // OSC 52 did not reach the clipboard, and nothing retitled the pane.
        #expect(t.buffers().isEmpty, "clipboard was written: \(t.buffers())")
        #expect(!t.paneTitle().contains("pwned"))
        // No red text from the server's colour codes: tmux reports attributes with -e.
        #expect(!t.screenWithAttributes().contains("\u{1B}[1;31m"))
        t.keys("C-q")
        #expect(t.waitUntilExit() == 0)
    }

    @Test func multiLineInputAndBracketedPaste() throws {
        let t = try start()
        #expect(t.waitFor("Hi, I'm Nova").ok)
        t.type("first line")
        t.keys("C-j")
        t.type("second line")
        let both = t.waitFor(timeout: 5) { $0.contains("› first line") && $0.contains("second line") }
        #expect(both.ok, "\(both.screen)")
        t.keys("C-u")
        t.keys("Up")
        t.keys("C-k")
        t.keys("Down")
        t.keys("BSpace")
        let empty = t.waitFor(timeout: 5) { $0.contains("Type message here..") }
        #expect(empty.ok, "\(empty.screen)")
        t.paste("pasted one\npasted two")
        let pasted = t.waitFor(timeout: 5) { $0.contains("pasted one") && $0.contains("pasted two") && !$0.contains("You") }
        #expect(pasted.ok, "a paste with a newline must not send:\n\(pasted.screen)")
        t.keys("Enter")
        let sent = t.waitFor(timeout: 20) { $0.contains("You") && $0.contains("Enter send") }
        #expect(sent.ok, "\(sent.screen)")
        t.keys("C-q")
        #expect(t.waitUntilExit() == 0)
    }
}
