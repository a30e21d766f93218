import Foundation
import Testing
import TestSupport
#if canImport(Glibc)
import Glibc
#endif

/// What the program believes the terminal shows must be what it shows: emoji sequences,
/// flags, CJK and RTL text survive overlays opening and closing; Ctrl-C twice quits after
/// idling; a terminal that cannot address the cursor gets line mode.
@Suite(.serialized, .timeLimit(.minutes(4))) struct TerminalScreenTests {
    let dir: String

    init() throws {
        dir = try scratchDirectory("robofy-scr")
    }

    func start(_ args: String = "", env: [String: String] = [:]) throws -> Tmux {
        // TERM, COLORTERM and NO_COLOR are set in the pane's command: tmux sets its own TERM in a pane, and
        // `swift test` runs tests with NO_COLOR set.
        let vars = ["TERM": "xterm-256color", "COLORTERM": "", "NO_COLOR": ""].merging(env) { $1 }
        return try Tmux.robofy("demo --pace 2 --no-autosave --download-dir '\(dir)' \(args)", in: dir, vars: vars)
    }

    /// The demo widget's handshake with a header and a greeting full of clusters terminals
    /// disagree on (the agent ids stay the demo's, so chatting works).
    func mixedHandshake() throws -> String {
        let bin = try Binary.require()
        // The demo server's own handshake, fetched from `serve` (port 0: a free one).
        let serve = try Tmux(command: "'\(bin)' serve --port 0", width: 200)
        let listening = serve.waitFor("listening on")
        guard listening.ok, let at = listening.screen.range(of: "listening on ") else {
            throw E2EError("serve did not start: \(listening.screen)")
        }
        let url = String(listening.screen[at.upperBound...].prefix { !$0.isWhitespace })
        let r = sh(["curl", "-s", "-X", "POST", "-H", "Content-Type: application/json",
                    "-d", "{\"chatbot_id\":\"demo-nova\",\"project_id\":\"demo-project\",\"version\":2}",
                    url + "/v1/widget/handshake"])
        guard var root = (try? JSONSerialization.jsonObject(with: Data(r.out.utf8))) as? [String: Any],
              var data = root["data"] as? [String: Any], var widget = data["widget"] as? [String: Any],
              var header = widget["header"] as? [String: Any], var bots = data["chatbots"] as? [[String: Any]],
              !bots.isEmpty else { throw E2EError("no demo handshake: \(r.out)") }
        header["title"] = "Shop 👨‍👩‍👧 שלום עולם 🇫🇷"
        header["subtitle"] = "مرحبا بكم 漢字 ❤️ end"
        widget["header"] = header
        bots[0]["greeting"] = "Hi, I'm Nova 🛍️ Looking for 1️⃣ 👍🏽 🏳️‍🌈 中文 שלום something special today?"
        data["widget"] = widget
        data["chatbots"] = bots
        root["data"] = data
        let path = dir + "/mixed.json"
        try JSONSerialization.data(withJSONObject: root).write(to: URL(fileURLWithPath: path))
        return path
    }

    /// Polls until the screen stops changing (two captures 0.3 s apart agree).
    func settled(_ t: Tmux, timeout: Double = 10) -> String {
        let deadline = Date().addingTimeInterval(timeout)
        var last = t.screen()
        while Date() < deadline {
            let next = t.waitFor(timeout: 0.3) { $0 != last }
            if !next.ok { return last }
            last = next.screen
        }
        return last
    }

    @Test func overlaysCloseOverEmojiFlagsCJKAndRTLWithoutGarbage() throws {
        let file = try mixedHandshake()
        let t = try start("--handshake '\(file)'")
        let first = t.waitFor("something special today?")
        #expect(first.ok, "\(first.screen)")
        t.type("Me: 👨‍👩‍👧 🇩🇪 ✌️ 한국어 עברית عربى 🛍️ ok")
        t.keys("Enter")
        let answered = t.waitFor(timeout: 20) { $0.contains("ok") && $0.contains("Enter send") && !$0.contains("Esc stop") }
        #expect(answered.ok, "\(answered.screen)")
        // What is on screen once it stops changing stays until a key.
        let reference = settled(t)
        #expect(reference.contains("Looking for"), "\(reference)")
        for open in ["F1", "F2", "F7", "F8", "F3"] {
            t.keys(open)
            let opened = t.waitFor(timeout: 10) { $0 != reference }
            #expect(opened.ok, "\(open) did not open:\n\(opened.screen)")
            t.keys("Escape")
            let closed = t.waitFor(timeout: 10) { $0 == reference }
            #expect(closed.ok, "after \(open) + Esc the screen differs:\n--- before\n\(reference)\n--- after\n\(closed.screen)")
        }
        t.keys("C-q")
        #expect(t.waitUntilExit() == 0)
    }

    /// Ctrl-C twice quits, also after the UI idled for a while (it took three presses).
    @Test func ctrlCTwiceQuitsAfterIdling() throws {
        let t = try start()
        #expect(t.waitFor("Hi, I'm Nova").ok)
        // Idle for 6 s: nothing animates, no clock runs (polling the screen is only the wait).
        let idle = t.waitFor(timeout: 6) { $0.contains("EXIT=") }
        #expect(!idle.ok)
        t.keys("C-c")
        #expect(t.waitFor("Press Ctrl-C again to quit.").ok)
        // The hint stays up (the window is 2 s): it was cleared at the next tick (0.1 s) before.
        // (0.4 s: the second Ctrl-C must still come within the 2 s on a loaded machine.)
        let cleared = t.waitFor(timeout: 0.4) { !$0.contains("Press Ctrl-C again to quit.") }
        #expect(!cleared.ok, "the first Ctrl-C was forgotten:\n\(cleared.screen)")
        t.keys("C-c")
        #expect(t.waitUntilExit() == 0)
    }

    /// Under COLORTERM=truecolor the live UI sends 24-bit colours (through the terminal's
    /// direct-colour terminfo entry), not the 256-colour palette; without it, the palette.
    @Test func truecolorTerminalGetsDirectColours() throws {
        guard FileManager.default.fileExists(atPath: "/usr/share/terminfo/x/xterm-direct")
                || FileManager.default.fileExists(atPath: "/lib/terminfo/x/xterm-direct") else {
            throw E2EError("the xterm-direct terminfo entry is missing (apt-get install ncurses-term)")
        }
        for (colorterm, direct) in [("truecolor", true), ("", false)] {
            let t = try start(env: ["COLORTERM": colorterm])
            let shown = t.waitFor("Hi, I'm Nova")
            #expect(shown.ok, "\(shown.screen)")
            // tmux reports each cell's colour as it received it: 38;2;R;G;B for 24-bit, 38;5;N for the palette.
            let cells = t.screenWithAttributes()
            let rgb = cells.contains("8;2;")
            #expect(rgb == direct, "COLORTERM=\(colorterm):\n\(cells.debugDescription.prefix(600))")
            if !direct { #expect(cells.contains("8;5;")) }
            t.keys("C-q")
            #expect(t.waitUntilExit() == 0)
        }
    }

    /// TERM=dumb, and any terminal whose terminfo cannot address the cursor: line mode with
    /// a one-line explanation, not a full-screen UI that draws only its first line.
    @Test(arguments: ["dumb", "robofy-nocup"])
    func terminalWithoutCursorAddressingFallsBackToLineMode(_ term: String) throws {
        var env = ["TERM": term]
        if term == "robofy-nocup" {
            // A terminal that can clear and ring but not move the cursor, compiled for this test.
            let src = dir + "/nocup.ti"
            try "robofy-nocup|a terminal without cursor addressing,\n\tam, cols#80, lines#24, bel=^G, clear=\\E[H\\E[2J, cr=\\r, ind=\\n,\n"
                .write(toFile: src, atomically: true, encoding: .utf8)
            let r = sh(["tic", "-o", dir + "/terminfo", src])
            #expect(r.status == 0, "tic: \(r.out)")
            env["TERMINFO"] = dir + "/terminfo"
        }
        let t = try start(env: env)
        let notice = t.waitFor(timeout: 15) { $0.contains("cannot move the cursor") }
        #expect(notice.ok, "\(notice.screen)")
        #expect(notice.screen.contains("TERM=\(term)"))
        // Line mode: a question gets its answer as text.
        t.type("my name is Ada")
        t.keys("Enter")
        let answer = t.waitFor(timeout: 20) { $0.contains("Nice to meet you, Ada") }
        #expect(answer.ok, "\(answer.screen)")
        #expect(!answer.screen.contains("Powered by Robofy"))
        t.keys("C-d")
        #expect(t.waitUntilExit() == 0)
    }
}
