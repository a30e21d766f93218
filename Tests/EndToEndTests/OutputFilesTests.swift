import Foundation
import Testing
import TestSupport
#if canImport(Glibc)
import Glibc
#endif

/// What leaves the process besides the screen: line mode's stdout/stderr, the log
/// file, the transcript, Markdown, recorded scripts. Fed the demo server's hostile
/// agent (Mallory: escape sequences in its name, answer, tool, finish reason, session
/// id and errors), none of them may carry a raw ESC, BEL, NUL, C1 control or bidi
/// override. Files are written through symlinks, never over a device, and reads are bounded.
@Suite(.serialized, .timeLimit(.minutes(3))) struct OutputFilesTests {
    let dir: String

    init() throws {
        dir = try scratchDirectory("robofy-out")
    }

    func bin() throws -> String {
        try Binary.require()
    }

    var env: [String: String] { ["XDG_STATE_HOME": dir + "/state"] }

    /// The scalars no output may carry raw.
    static func unsafeScalars(_ text: String) -> [String] {
        text.unicodeScalars.filter { s in
            let v = s.value
            return v == 0x1B || v == 0x07 || v == 0 || (0x80...0x9F).contains(v) || (0x202A...0x202E).contains(v)
                || (0x2066...0x2069).contains(v)
        }.map { String(format: "U+%04X", $0.value) }
    }

    func file(_ path: String) -> String {
        (try? String(contentsOfFile: path, encoding: .utf8)) ?? ""
    }

    @Test func hostileServerTextIsEscapedInEveryTextOutput() throws {
        let b = try bin()
        let log = dir + "/log.txt", transcript = dir + "/t.jsonl", yaml = dir + "/s.yaml", json = dir + "/s.json"
        let r = sh([b, "demo", "--plain", "--verbose", "--hostile", "--chatbot-id", "demo-hostile", "--pace", "0",
                    "--log-file", log, "--transcript", transcript, "--record", yaml],
                   stdin: "hi\n/hostile\n/error\n", env: env)
        #expect(r.out.contains("[using lookup"), "Mallory's tool: \(r.out)")
        #expect(r.out.contains("Normal text again at the end."))
        let second = sh([b, "demo", "--plain", "--hostile", "--chatbot-id", "demo-hostile", "--pace", "0", "--no-autosave",
                         "--record", json], stdin: "hi\n", env: env)
        #expect(second.status == 0, "\(second.out)")
        let markdown = sh([b, "transcript", transcript, "--markdown"], env: env)
        let summary = sh([b, "transcript", transcript], env: env)
        let mdFile = dir + "/t.md"
        #expect(sh([b, "transcript", transcript, "--markdown", "-o", mdFile], env: env).status == 0)
        let outputs: [(String, String)] = [
            ("--plain --verbose stdout/stderr", r.out), ("log file", file(log)), ("transcript", file(transcript)),
            ("transcript --markdown", markdown.out), ("transcript summary", summary.out), ("transcript -o", file(mdFile)),
            ("--record YAML", file(yaml)), ("--record JSON", file(json)),
        ]
        for (name, text) in outputs {
            #expect(text.contains("Mallory") || text.contains("lookup") || text.contains("demo-hostile"),
                    "\(name) holds nothing of the hostile agent: \(text.prefix(300))")
            #expect(Self.unsafeScalars(text).isEmpty, "\(name) carries \(Set(Self.unsafeScalars(text)).sorted())")
        }
        // Kept, but visible as escapes: the log shows what the server sent.
        #expect(file(log).contains("\\u{1B}]0;pwned\\u{07}"), "\(file(log).prefix(600))")
        // The recorded script still means the same text (the escapes read back as the characters).
        #expect(file(yaml).contains("\\u202E") || file(yaml).contains("\\u202e"), "\(file(yaml))")
        let parsed = try JSONSerialization.jsonObject(with: Data(file(json).utf8)) as? [String: Any]
        let turns = parsed?["turns"] as? [[String: Any]]
        let tool = (turns?.first?["expect"] as? [String: Any])?["tool_called"] as? String
        #expect(tool == "lookup\u{1B}[1;31m\u{1B}]0;pwned\u{07}", "\(file(json))")
    }

    @Test func f5AndF9FilesOfTheHostileAgentAreClean() throws {
        guard Binary.tmuxAvailable else { throw E2EError("tmux is not installed (apt-get install tmux)") }
        let cmd = "cd '\(dir)' && '\(try bin())' demo --pace 0 --no-autosave --hostile --chatbot-id demo-hostile --download-dir '\(dir)/dl'; echo \"EXIT=$?\""
        let t = try Tmux(command: cmd, width: 120, height: 40, env: ["TERM": "xterm-256color", "LANG": "C.UTF-8"])
        #expect(t.waitFor("Visit").ok, "\(t.screen())")
        t.type("hi")
        t.keys("Enter")
        #expect(t.waitFor(timeout: 20) { $0.contains("Normal text again at the end.") && $0.contains("Enter send") }.ok, "\(t.screen())")
        t.keys("F5")
        #expect(t.waitFor(timeout: 10) { $0.contains("Transcript saved") }.ok, "\(t.screen())")
        t.keys("F9")
        #expect(t.waitFor(timeout: 10) { $0.contains("Script saved") }.ok, "\(t.screen())")
        t.keys("C-q")
        #expect(t.waitUntilExit() == 0)
        let names = (try? FileManager.default.contentsOfDirectory(atPath: dir + "/dl")) ?? []
        let md = try #require(names.first { $0.hasSuffix(".md") }, "\(names)")
        let script = try #require(names.first { $0.hasSuffix(".yaml") }, "\(names)")
        for name in [md, script] {
            let text = file(dir + "/dl/" + name)
            #expect(text.contains("Normal text again") || text.contains("lookup"), "\(name): \(text.prefix(300))")
            #expect(Self.unsafeScalars(text).isEmpty, "\(name) carries \(Set(Self.unsafeScalars(text)).sorted())")
        }
    }

    /// A server that echoes the widget token in its answer and its session id (the demo's
    /// `echotoken` fault): the token shows nowhere, on screen while the answer streams and
    /// after, in the inspector, in the downloaded Markdown, in the autosave, or in line mode's
    /// output (the session id is sent back as it came: the next answer continues the session).
    @Test func aServerThatEchoesTheTokenShowsItNowhere() throws {
        guard Binary.tmuxAvailable else { throw E2EError("tmux is not installed (apt-get install tmux)") }
        let b = try bin()
        let state = dir + "/echo-state", dl = dir + "/echo-dl"
        let cmd = "XDG_STATE_HOME='\(state)' '\(b)' demo --fault echotoken --download-dir '\(dl)'; echo \"EXIT=$?\""
        let t = try Tmux(command: cmd, width: 100, height: 30, env: ["TERM": "xterm-256color", "LANG": "C.UTF-8"])
        #expect(t.waitFor { $0.contains("Nova") && $0.contains("Enter send") }.ok, "\(t.screen())")
        t.type("hello")
        t.keys("Enter")
        // Every screen until the answer is whole: the token never shows, not even in part.
        var screens: [String] = []
        let done = t.waitFor(timeout: 20) { screen in
            screens.append(screen)
            return screen.contains("Your token is [redacted].") && screen.contains("Enter send")
        }
        #expect(done.ok, "\(done.screen)")
        for screen in screens { #expect(!screen.contains("eyJ"), "\(screen)") }
        // The inspector's turn: its result line names the session, without the token.
        t.keys("F8")
        let inspector = t.waitFor(timeout: 10) { $0.contains("Result") && $0.contains("session") }
        #expect(inspector.ok, "\(inspector.screen)")
        #expect(!inspector.screen.contains("eyJ") && inspector.screen.contains("[redacted]"), "\(inspector.screen)")
        t.keys("Escape")
        #expect(t.waitFor(timeout: 10) { $0.contains("Enter send") }.ok, "\(t.screen())")
        t.keys("F5")
        #expect(t.waitFor(timeout: 10) { $0.contains("Transcript saved") }.ok, "\(t.screen())")
        t.keys("F10")
        #expect(t.waitUntilExit() == 0)
        let names = (try? FileManager.default.contentsOfDirectory(atPath: dl)) ?? []
        let md = file(dl + "/" + (try #require(names.first { $0.hasSuffix(".md") }, "\(names)")))
        #expect(md.contains("Your token is [redacted]."), "\(md.prefix(400))")
        #expect(!md.contains("eyJ"))
        let autosave = sh(["sh", "-c", "cat '\(state)'/robofy-tui/transcripts/*.jsonl"]).out
        #expect(autosave.contains("[redacted]") && !autosave.contains("eyJ"), "\(autosave.prefix(400))")
        // Two questions: the second continues the session whose id holds the token.
        let plain = sh([b, "demo", "--plain", "--verbose", "--fault", "echotoken", "--pace", "0", "--no-autosave"],
                       stdin: "hello\nagain\n", env: env)
        #expect(plain.status == 0)
        #expect(plain.out.contains("Your token is [redacted]."), "\(plain.out)")
        #expect(plain.out.components(separatedBy: "-[redacted], complete").count == 3, "\(plain.out)")
        #expect(!plain.out.contains("eyJ"))
    }

    // MARK: Writing files

    @Test func recordWritesThroughASymlinkAndNeverReplacesADevice() throws {
        let b = try bin()
        let target = dir + "/real.yaml", link = dir + "/link.yaml"
        try FileManager.default.createSymbolicLink(atPath: link, withDestinationPath: target)
        let r = sh([b, "demo", "--plain", "--pace", "0", "--no-autosave", "--record", link], stdin: "hello\n", env: env)
        #expect(r.status == 0, "\(r.out)")
        #expect((try? FileManager.default.destinationOfSymbolicLink(atPath: link)) == target, "the link must stay a link")
        #expect(file(target).contains("send: hello"), "\(file(target))")

        let full = sh([b, "demo", "--plain", "--pace", "0", "--no-autosave", "--record", "/dev/full"], stdin: "hello\n", env: env)
        #expect(full.out.contains("could not save the script: Cannot write /dev/full: No space left on device"), "\(full.out)")
        #expect(!full.out.contains("NSError") && !full.out.contains("Domain="), "\(full.out)")
        var st = stat()
        #expect(stat("/dev/full", &st) == 0 && (st.st_mode & S_IFMT) == S_IFCHR, "/dev/full must stay a character device")
    }

    @Test func transcriptOutputWritesThroughASymlinkAndReportsAFullDevice() throws {
        let b = try bin()
        let transcript = dir + "/t.jsonl"
        let chat = sh([b, "demo", "--plain", "--pace", "0", "--transcript", transcript], stdin: "hello\n", env: env)
        #expect(chat.status == 0, "\(chat.out)")
        let target = dir + "/out.md", link = dir + "/out-link.md"
        try FileManager.default.createSymbolicLink(atPath: link, withDestinationPath: target)
        #expect(sh([b, "transcript", transcript, "--markdown", "-o", link], env: env).status == 0)
        #expect((try? FileManager.default.destinationOfSymbolicLink(atPath: link)) == target)
        #expect(file(target).contains("**You:** hello"), "\(file(target))")
        let full = sh([b, "transcript", transcript, "--markdown", "-o", "/dev/full"], env: env)
        #expect(full.status == 1)
        #expect(full.out.contains("Cannot write /dev/full: No space left on device"), "\(full.out)")
        var st = stat()
        #expect(stat("/dev/full", &st) == 0 && (st.st_mode & S_IFMT) == S_IFCHR)
    }

    // MARK: Bounded reads

    @Test func readsOfLocalFilesAreBounded() throws {
        let b = try bin()
        let huge = dir + "/huge.jsonl"
        #expect(FileManager.default.createFile(atPath: huge, contents: nil))
        #expect(truncate(huge, 300 << 20) == 0)  // sparse: takes no disk
        let r = sh([b, "transcript", huge], env: env)
        #expect(r.status == 2)
        #expect(r.out.contains("larger than 256 MiB"), "\(r.out)")
        let hs = sh([b, "demo", "--plain", "--handshake", "/dev/zero"], stdin: "", env: env)
        #expect(hs.status != 0)
        #expect(hs.out.contains("larger than 8 MiB"), "\(hs.out)")
    }
}
