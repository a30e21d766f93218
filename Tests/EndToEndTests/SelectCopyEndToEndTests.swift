import Foundation
import Testing
import TestSupport

/// Select and copy (Alt-Up, Alt-C, 1–9) through OSC 52 into tmux's buffer (`set-clipboard on`,
/// as `Tmux` sets it), the file fallback, the mouse toggle (Alt-M) and Enter opening a tool
/// call in place, in the real binary in tmux against the demo.
@Suite(.serialized, .timeLimit(.minutes(3))) struct SelectCopyEndToEndTests: ScratchSuite {
    let dir: String

    init() throws {
        dir = try Self.makeScratch("robofy-copy")
    }

    func start(_ args: String = "") throws -> Tmux {
        try Tmux.robofy("demo --pace 0 --no-autosave --download-dir '\(dir)/dl' \(args)", in: dir)
    }

    /// The demo with its agent number `agent` (F2's list, from 0: Nova, Atlas, Sage) chosen.
    func start(agent: Int, greeting: String) throws -> Tmux {
        let t = try start()
        #expect(t.waitFor("Hi, I'm Nova").ok)
        t.keys("F2")
        #expect(t.waitFor("Agents").ok)
        for _ in 0..<agent { t.keys("Down") }
        t.keys("Enter")
        #expect(t.waitFor(greeting).ok)
        return t
    }

    /// tmux's newest paste buffer, exactly ("" when there is none).
    func buffer(_ t: Tmux) -> String {
        sh(["tmux", "-L", t.socket, "show-buffer"]).out
    }

    func file() -> String? {
        try? String(contentsOfFile: dir + "/dl/robofy-clipboard.md", encoding: .utf8)
    }

    static let code = """
        for try await event in client.stream(query: "Hello") {
            if case .textDelta(let piece) = event { print(piece, terminator: "") }
        }
        """

    @Test func altCCopiesTheLastAnswerAndACodeBlockIntoTmuxsBuffer() throws {
        // Sage, the documentation agent, answers with code.
        let t = try start(agent: 2, greeting: "Ask me anything about the Robofy widget docs")
        t.type("show me a code example")
        t.keys("Enter")
        #expect(t.waitFor(timeout: 20) { $0.contains("streaming guide") && $0.contains("Enter send") }.ok)
        t.keys("M-c")
        let copied = t.waitFor(timeout: 10) { $0.contains("Copied the last answer") }
        #expect(copied.ok, "no copy status:\n\(copied.screen)")
        let deadline = Date().addingTimeInterval(10)
        while file() == nil && Date() < deadline { Thread.sleep(forTimeInterval: 0.05) }
        let saved = try #require(file(), "the clipboard file was not written")
        #expect(saved.hasPrefix("## Streaming a chat answer") && saved.contains("```swift\n" + Self.code + "\n```"), "\(saved)")
        #expect(buffer(t) == saved, "tmux's buffer is not the copied answer:\n\(buffer(t))")
        // Select the answer, copy its code block.
        t.keys("M-Up")
        #expect(t.waitFor(timeout: 10) { $0.contains("▶") && $0.contains("c copy") }.ok)
        t.keys("1")
        let block = t.waitFor(timeout: 10) { $0.contains("Copied code block 1") }
        #expect(block.ok, "\(block.screen)")
        #expect(buffer(t) == Self.code, "tmux's buffer is not the code block:\n\(buffer(t))")
        // Up selects the question; c copies it.
        t.keys("Up")
        t.keys("c")
        #expect(t.waitFor(timeout: 10) { $0.contains("Copied your message") }.ok)
        #expect(buffer(t) == "show me a code example")
        t.keys("Escape")
        #expect(t.waitFor(timeout: 10) { !$0.contains("▶") }.ok)
        t.keys("F10")
        #expect(t.waitUntilExit() == 0)
    }

    @Test func aHostileAnswerIsCopiedWithoutItsEscapeSequences() throws {
        let t = try start("--hostile")
        #expect(t.waitFor("Hi, I'm Nova").ok)
        t.keys("F2")
        #expect(t.waitFor("Mallory").ok)
        for _ in 0..<3 { t.keys("Down") }  // Mallory sorts last
        t.keys("Enter")
        #expect(t.waitFor(timeout: 10) { $0.contains("Mallory") && $0.contains("Visit") }.ok)
        t.type("/hostile")
        t.keys("Enter")
        #expect(t.waitFor(timeout: 20) { $0.contains("Normal text again at the end.") && $0.contains("Enter send") }.ok)
        #expect(t.buffers().isEmpty, "the answer's own OSC 52 reached the clipboard: \(t.buffers())")
        t.keys("M-c")
        #expect(t.waitFor(timeout: 10) { $0.contains("Copied the last answer") }.ok)
        let copied = buffer(t)
        #expect(copied.hasPrefix("This answer contains terminal escape sequences.") && copied.hasSuffix("Normal text again at the end."),
                "\(copied)")
        #expect(!copied.unicodeScalars.contains { $0.value == 0x1B || $0.value == 0x9B || $0.value == 0x07 || $0.value == 0x08 },
                "a control character was copied: \(copied.debugDescription)")
        #expect(!copied.contains("]52;") && !copied.contains("[31m"), "\(copied)")
        #expect(file() == copied)
        t.keys("F10")
        #expect(t.waitUntilExit() == 0)
    }

    @Test func clipboardFileWritesOnlyTheFile() throws {
        let t = try start("--clipboard file")
        #expect(t.waitFor("Hi, I'm Nova").ok)
        t.keys("M-c")
        let r = t.waitFor(timeout: 10) { $0.contains("(clipboard = file)") }
        #expect(r.ok, "\(r.screen)")
        // Nothing answered yet: the greeting is the last answer.
        #expect(file() == "Hi, I'm Nova 🛍️ Looking for something special today?", "\(file() ?? "no file")")
        #expect(t.buffers().isEmpty, "OSC 52 was sent with clipboard = file: \(t.buffers())")
        t.keys("F10")
        #expect(t.waitUntilExit() == 0)
    }

    @Test func altMTurnsMouseReportingOffAndOn() throws {
        let t = try start()
        #expect(t.waitFor("Hi, I'm Nova").ok)
        func flag() -> String {
            sh(["tmux", "-L", t.socket, "display-message", "-p", "-t", t.name, "#{mouse_any_flag}"]).out
                .trimmingCharacters(in: .whitespacesAndNewlines)
        }
        #expect(flag() == "1")
        t.keys("M-m")
        #expect(t.waitFor(timeout: 10) { $0.contains("Mouse reporting off") }.ok)
        let deadline = Date().addingTimeInterval(5)
        while flag() != "0" && Date() < deadline { Thread.sleep(forTimeInterval: 0.05) }
        #expect(flag() == "0", "the terminal still reports the mouse")
        t.keys("M-m")
        #expect(t.waitFor(timeout: 10) { $0.contains("Mouse reporting on") }.ok)
        let back = Date().addingTimeInterval(5)
        while flag() != "1" && Date() < back { Thread.sleep(forTimeInterval: 0.05) }
        #expect(flag() == "1")
        t.keys("F10")
        #expect(t.waitUntilExit() == 0)
    }

    @Test func enterOpensAToolCallInPlace() throws {
        let t = try start(agent: 1, greeting: "Atlas here")
        t.type("Weather in Paris?")
        t.keys("Enter")
        let answered = t.waitFor(timeout: 20) { $0.contains("✓ Used get_weather") && $0.contains("in Paris") && $0.contains("Enter send") }
        #expect(answered.ok, "\(answered.screen)")
        #expect(!answered.screen.contains("input:"))
        t.keys("M-Up")
        t.keys("Enter")
        let open = t.waitFor(timeout: 10) { $0.contains("input:") && $0.contains("output:") }
        #expect(open.ok, "the tool call did not open:\n\(open.screen)")
        #expect(open.screen.contains("\"city\"") && open.screen.contains("Paris") && open.screen.contains("tempC"), "\(open.screen)")
        t.keys("Enter")
        #expect(t.waitFor(timeout: 10) { !$0.contains("input:") }.ok)
        t.keys("F10")
        #expect(t.waitUntilExit() == 0)
    }
}
