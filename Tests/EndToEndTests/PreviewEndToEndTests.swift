import Foundation
import Testing
import TestSupport

/// `preview` and `demo --handshake` with the real binary (issue 11 items 12, 13, 15; issue 10
/// items 9 and 15). Screens are polled with a deadline.
@Suite(.serialized, .timeLimit(.minutes(3))) struct PreviewEndToEndTests {
    static let fixture = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("RobofyAPITests/Fixtures/handshake.json").path
    let dir: String

    init() throws {
        dir = try scratchDirectory("robofy-preview")
    }

    func bin() throws -> String {
        try Binary.require()
    }

    func start(_ args: String, width: Int = 80, height: Int = 24) throws -> Tmux {
        guard Binary.tmuxAvailable else { throw E2EError("tmux is not installed (apt-get install tmux)") }
        let cmd = "cd '\(dir)' && '\(try bin())' \(args); echo \"EXIT=$?\""
        return try Tmux(command: cmd, width: width, height: height,
                        env: ["TERM": "xterm-256color", "LANG": "C.UTF-8", "XDG_STATE_HOME": dir + "/state"])
    }

    @Test func interactivePreviewOfAHandshakeFileWorksOffline() throws {
        // A base URL nobody answers at: a file preview must not need any server.
        let t = try start("preview --handshake '\(Self.fixture)' --base-url http://127.0.0.1:9")
        let r = t.waitFor("How can I assist you today?")
        #expect(r.ok, "greeting not shown:\n\(r.screen)")
        #expect(r.screen.contains("Hello there 👋"))
        #expect(r.screen.contains("Gujarat - Kitchenware"))
        #expect(!r.screen.contains("Not connected"))
        #expect(!r.screen.contains("404"))
        let footer = r.screen.split(separator: "\n").last { $0.contains("Preview") }.map(String.init) ?? ""
        #expect(footer.contains("F7 report"), "\(footer)")
        #expect(!footer.contains("F2"), "one agent: no agent picker offered: \(footer)")
        t.keys("C-q")
        #expect(t.waitUntilExit() == 0)
    }

    @Test func interactiveMobilePreviewIsNarrow() throws {
        let t = try start("preview --handshake '\(Self.fixture)' --mobile", width: 100, height: 30)
        let r = t.waitFor("Type message here..")
        #expect(r.ok, "\(r.screen)")
        let rule = r.screen.split(separator: "\n").first { $0.hasPrefix("────") }.map(String.init) ?? ""
        #expect(rule.trimmingCharacters(in: .whitespaces).count == 40, "the widget is 40 columns wide: \(rule.count)")
        t.keys("C-q")
        #expect(t.waitUntilExit() == 0)
    }

    @Test func demoWithAHandshakeFileAnswersItsAgents() throws {
        let t = try start("demo --pace 0 --no-autosave --handshake '\(Self.fixture)'")
        #expect(t.waitFor("How can I assist you today?").ok)
        t.type("hello")
        t.keys("Enter")
        // Nova's script answers for the file's agent (the greeting is the file's own).
        let r = t.waitFor(timeout: 20, "answer") { $0.contains("I'm Nova") && $0.contains("Enter send") && !$0.contains("Esc stop") }
        #expect(r.ok, "\(r.screen)")
        #expect(!r.screen.contains("404"), "\(r.screen)")
        #expect(!r.screen.contains("not found"), "\(r.screen)")
        t.keys("C-q")
        t.keys("C-q")
    }

    @Test func interactivePreviewWithoutAgentsOrToken() throws {
        let path = dir + "/noagents.json"
        try Data(#"{"data":{"chatbots":[null],"widget":{"header":null,"behaviour":{"show_on_mobile":false}}}}"#.utf8)
            .write(to: URL(fileURLWithPath: path))
        let t = try start("preview --handshake '\(path)' --mobile", width: 80, height: 24)
        let r = t.waitFor("This widget lists no agents")
        #expect(r.ok, "\(r.screen)")
        #expect(r.screen.contains("Hidden on mobile"), "\(r.screen)")
        #expect(!r.screen.contains("Not connected"))
        t.keys("C-q")
        #expect(t.waitUntilExit() == 0)
    }

    @Test func printAHandshakeWithoutAgentsOrToken() throws {
        let path = dir + "/noagents.json"
        try Data(#"{"data":{"chatbots":[null,null],"widget":{"header":{"title":"Acme help"}}}}"#.utf8)
            .write(to: URL(fileURLWithPath: path))
        let r = sh([try bin(), "preview", "--handshake", path, "--print", "--size", "60x14"])
        #expect(r.status == 0, "\(r.out)")
        #expect(r.out.contains("Acme help"))
        #expect(r.out.contains("This widget lists no agents"))
        let report = sh([try bin(), "preview", "--handshake", path, "--report"])
        #expect(report.status == 0)
        #expect(report.out.contains("Token: none"))
        #expect(report.out.contains("data.chatbots[0]"))
    }

    @Test func anArrayIsNotCalledNotJSON() throws {
        let r = sh([try bin(), "preview", "--handshake", "-", "--print"], stdin: "[]")
        #expect(r.status == 64)
        #expect(r.out.contains("an array, not an object"), "\(r.out)")
        #expect(!r.out.contains("not JSON"))
    }

    @Test func sizeStatesItsLimits() throws {
        let r = sh([try bin(), "preview", "--size", "5000x1", "--print"])
        #expect(r.status == 64)
        #expect(r.out.contains("from 1 to 1000"), "\(r.out)")
        #expect(r.out.contains("5000x1"))
    }

    @Test func endlessStdinIsRefused() throws {
        let r = sh(["sh", "-c", "'\(try bin())' preview --handshake - --print < /dev/zero"])
        #expect(r.status == 64)
        #expect(r.out.contains("larger than 8 MiB"), "\(r.out)")
    }
}
