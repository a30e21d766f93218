import Foundation
import Testing
import TestSupport

/// Ctrl-G (compose in $EDITOR), Ctrl-P (each message's time and the answers' timings) and a
/// key remapped in the configuration file, in the real binary in tmux against the demo.
@Suite(.serialized, .timeLimit(.minutes(3))) struct ComposeDetailsTests: ScratchSuite {
    let dir: String

    init() throws {
        dir = try Self.makeScratch("robofy-compose")
    }

    func start(env extra: [String: String] = [:]) throws -> Tmux {
        guard Binary.tmuxAvailable else { throw E2EError("tmux is not installed (apt-get install tmux)") }
        let bin = try binary()
        let cmd = "cd '\(dir)' && '\(bin)' demo --pace 0 --no-autosave; echo \"EXIT=$?\""
        var env = ["TERM": "xterm-256color", "LANG": "C.UTF-8", "XDG_STATE_HOME": dir + "/state",
                   "XDG_CONFIG_HOME": dir + "/xdg", "VISUAL": "", "EDITOR": "", "TZ": "UTC"]
        env.merge(extra) { $1 }
        return try Tmux(command: cmd, env: env)
    }

    @Test func ctrlGWritesTheMessageInTheEditorAndRestoresTheScreen() throws {
        // A scripted editor: keeps the draft it was given, writes the message.
        let editor = try write("editor.sh", """
            #!/bin/sh
            cp "$1" '\(dir)/draft-seen.txt'
            printf 'my name is Grace\\n' > "$1"
            """)
        chmod(editor, 0o755)
        let t = try start(env: ["EDITOR": editor])
        #expect(t.waitFor("Hi, I'm Nova").ok)
        t.type("a draft")
        t.keys("C-g")
        let back = t.waitFor(timeout: 15) { $0.contains("› my name is Grace") && $0.contains("Hello there") }
        #expect(back.ok, "the editor's text is not in the input, or the screen was not restored:\n\(back.screen)")
        #expect(back.screen.contains("Enter sends it"), "\(back.screen)")
        #expect((try? String(contentsOfFile: dir + "/draft-seen.txt", encoding: .utf8)) == "a draft")
        t.keys("Enter")
        let sent = t.waitFor(timeout: 20) { $0.contains("Nice to meet you, Grace!") }
        #expect(sent.ok, "the composed message was not sent:\n\(sent.screen)")
        t.keys("F10")
        #expect(t.waitUntilExit() == 0)
    }

    @Test func aFailingEditorLeavesTheMessageAsItWas() throws {
        let t = try start(env: ["VISUAL": "false"])
        #expect(t.waitFor("Hi, I'm Nova").ok)
        t.type("keep me")
        t.keys("C-g")
        let r = t.waitFor(timeout: 15) { $0.contains("exited with status 1") }
        #expect(r.ok, "\(r.screen)")
        #expect(r.screen.contains("› keep me"), "\(r.screen)")
        t.keys("F10")
        #expect(t.waitUntilExit() == 0)
    }

    static var userLabel: Regex<Substring> { #/You · \d\d:\d\d:\d\d/# }
    static var answerLabel: Regex<Substring> { #/Nova · \d\d:\d\d:\d\d · first text \d+\.\d\d s · \d+\.\d\d s · \d+ chars/s/# }

    @Test func ctrlPShowsTimesAndTimingsAndARemappedKeyToo() throws {
        try FileManager.default.createDirectory(atPath: dir + "/xdg/robofy-tui", withIntermediateDirectories: true)
        _ = try write("xdg/robofy-tui/config.toml", "[keys]\ndetails = \"f11\"\n")
        let t = try start()
        #expect(t.waitFor("Hi, I'm Nova").ok)
        t.type("my name is Ada")
        t.keys("Enter")
        #expect(t.waitFor(timeout: 20) { $0.contains("Nice to meet you, Ada") && $0.contains("Enter send") }.ok)
        #expect(!t.screen().contains(Self.userLabel))
        t.keys("C-p")
        let shown = t.waitFor(timeout: 10) { $0.contains(Self.userLabel) && $0.contains(Self.answerLabel) }
        #expect(shown.ok, "no times or timings:\n\(shown.screen)")
        t.keys("C-p")
        let hidden = t.waitFor(timeout: 10) { !$0.contains(Self.userLabel) }
        #expect(hidden.ok, "\(hidden.screen)")
        // F11, bound to `details` in config.toml, does the same.
        t.keys("F11")
        let remapped = t.waitFor(timeout: 10) { $0.contains(Self.answerLabel) }
        #expect(remapped.ok, "F11 (remapped) did not show the details:\n\(remapped.screen)")
        t.keys("F10")
        #expect(t.waitUntilExit() == 0)
    }
}
