import Foundation
import Testing
import TestSupport

/// F1 in the real binary (tmux, 80×24): every row on one screen, and a key remapped in
/// config.toml shown where it works.
@Suite(.serialized, .timeLimit(.minutes(2))) struct HelpRemapEndToEndTests: ScratchSuite {
    let dir: String

    init() throws {
        dir = try Self.makeScratch("robofy-helpremap")
    }

    @Test func f1ShowsTheLeadFormAndRatingKeysAndARemap() throws {
        guard Binary.tmuxAvailable else { throw E2EError("tmux is not installed (apt-get install tmux)") }
        try FileManager.default.createDirectory(atPath: dir + "/xdg/robofy-tui", withIntermediateDirectories: true)
        _ = try write("xdg/robofy-tui/config.toml", "[keys]\ndetails = \"f11\"\n")
        let bin = try binary()
        let cmd = "cd '\(dir)' && '\(bin)' demo --pace 0 --no-autosave; echo \"EXIT=$?\""
        let t = try Tmux(command: cmd, env: ["TERM": "xterm-256color", "LANG": "C.UTF-8", "XDG_STATE_HOME": dir + "/state",
                                             "XDG_CONFIG_HOME": dir + "/xdg", "TZ": "UTC"])
        #expect(t.waitFor("Hi, I'm Nova").ok)
        t.keys("F1")
        let help = t.waitFor(timeout: 10) { $0.contains("Any key closes this.") }
        #expect(help.ok, "\(help.screen)")
        for text in ["Ctrl-O", "lead form", "Ctrl-Y / Ctrl-N", "rate answer", "Ctrl-P, F11", "times and timings"] {
            #expect(help.screen.contains(text), "F1 lacks \(text):\n\(help.screen)")
        }
        t.keys("Escape")
        t.keys("C-q")
        #expect(t.waitUntilExit() == 0)
    }
}
