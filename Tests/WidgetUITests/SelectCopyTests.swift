import Foundation
import RobofyAPI
import RobofySession
import Testing
@testable import WidgetUI

/// Selecting a message (Alt-Up), copying it or a code block (c, 1–9, Alt-C), the mouse toggle
/// (Alt-M), details opened in place (Enter), and what OSC 52 carries.
@Suite struct SelectCopyTests {
    static let answer = """
        Run this:

        ```sh
        swift build
        ```

        then `\u{1B}[31mred\u{1B}[0m` and \u{1B}]52;c;ZXZpbA==\u{07} and \u{9B}2J.

        ~~~
        second
        ~~~
        """

    /// A conversation: the greeting, one question, its answer (a tool call, a source, reasoning, code).
    static func state(height: Int = 40) -> AppState {
        var s = Fixture.state(width: 80, height: height)
        var t = Fixture.turn(1, "weather?")
        _ = s.reduce(.session(.turnStarted(t)))
        t.answer = answer
        t.reasoning = "First line of thought.\nSecond line.\nThird line."
        t.tools = [ToolCall(id: "t1", name: "get_weather", input: #"{"city":"Paris"}"#,
                            output: #"{"tempC":18,"conditions":"cloudy \#u{1B}[2J"}"#, state: .done)]
        t.sources = [Source(id: "src-1", url: "https://example.com/w", title: "Weather service")]
        t.status = .complete
        _ = s.reduce(.session(.turnFinished(t)))
        return s
    }

    /// The payload OSC 52 carries, decoded.
    static func payload(_ seq: String) throws -> String {
        #expect(seq.hasPrefix("\u{1B}]52;c;") && seq.hasSuffix("\u{07}"))
        let b64 = seq.dropFirst(7).dropLast()
        #expect(!b64.contains("\u{1B}") && !b64.contains("\u{07}"))
        let data = try #require(Data(base64Encoded: String(b64)))
        return try #require(String(data: data, encoding: .utf8))
    }

    @Test func osc52CarriesTheTextAsBase64AndRefusesTooLongOnes() throws {
        let seq = try #require(Clipboard.osc52("héllo\nworld"))
        #expect(seq == "\u{1B}]52;c;" + Data("héllo\nworld".utf8).base64EncodedString() + "\u{07}")
        #expect(try Self.payload(seq) == "héllo\nworld")
        #expect(Clipboard.osc52(String(repeating: "x", count: Clipboard.osc52Limit + 1)) == nil)
        // tmux passthrough: every ESC doubled inside ESC P tmux; … ESC \.
        #expect(Clipboard.tmuxPassthrough(seq) == "\u{1B}Ptmux;\u{1B}\u{1B}]52;c;"
                + Data("héllo\nworld".utf8).base64EncodedString() + "\u{07}\u{1B}\\")
    }

    @Test func codeBlocksAreFoundWithoutTheirFences() {
        let md = "Run this:\n\n```sh\nswift build\nswift test\n```\nthen\n~~~\na ``` inside\n~~~\n```\nunclosed"
        #expect(Clipboard.codeBlocks(in: md) == ["swift build\nswift test", "a ``` inside", "unclosed"])
        #expect(Clipboard.codeBlocks(in: "no code") == [])
    }

    @Test func altCCopiesTheLastAnswerSanitizedNeverTheServersEscapes() throws {
        var s = Self.state()
        let cmds = s.reduce(.key(.alt("c")))
        guard case .copy(let text, let what)? = cmds.first else {
            Issue.record("Alt-C did not copy: \(cmds)")
            return
        }
        #expect(what == "the last answer")
        #expect(text.contains("```sh\nswift build\n```"), "the Markdown is kept: \(text)")
        for bad in ["\u{1B}", "\u{9B}", "\u{07}"] { #expect(!text.contains(bad), "raw control \(bad.unicodeScalars.first!.value) copied") }
        #expect(text.contains("red"))
        let carried = try Self.payload(try #require(Clipboard.osc52(text)))
        #expect(carried == text)
        #expect(!carried.unicodeScalars.contains { $0.value == 0x1B || $0.value == 0x9B || $0.value == 0x07 })
    }

    @Test func altUpSelectsMovesAndCopiesAMessageOrOneCodeBlock() {
        var s = Self.state()
        let ids = s.conversation.messages.map(\.id)
        #expect(s.reduce(.key(.altUp)) == [])
        #expect(s.selection == ids.last)
        #expect(render(s).contains("▶"), "the selected message is not marked")
        #expect(render(s).contains("Selected: ↑↓ move · Enter details · c copy · 1–2 code block · Esc"))
        s.now += AppState.statusSeconds + 1  // the status gone, the key hints say the same
        #expect(render(s).contains("↑↓ select · Enter details · c copy · 1–9 code · Esc"))
        // 1 and 2 copy the code blocks; 3 is not there.
        #expect(s.reduce(.key(.char("1"))) == [.copy("swift build", what: "code block 1")])
        #expect(s.reduce(.key(.char("2"))) == [.copy("second", what: "code block 2")])
        #expect(s.reduce(.key(.char("3"))) == [])
        #expect(s.statusIsError && s.status == "This message has 2 code blocks.")
        // Up: the question; c copies it.
        _ = s.reduce(.key(.up))
        #expect(s.selection == ids[ids.count - 2])
        #expect(s.reduce(.key(.char("c"))) == [.copy("weather?", what: "your message")])
        // Up stops at the greeting; Down at the last message.
        for _ in 0..<5 { _ = s.reduce(.key(.up)) }
        #expect(s.selection == ids.first)
        for _ in 0..<5 { _ = s.reduce(.key(.altDown)) }
        #expect(s.selection == ids.last)
        // Esc leaves; the mark goes.
        _ = s.reduce(.key(.escape))
        #expect(s.selection == nil)
        #expect(!render(s).contains("▶"))
    }

    @Test func anotherKeyLeavesTheSelectionAndTypes() {
        var s = Self.state()
        _ = s.reduce(.key(.altUp))
        _ = s.reduce(.key(.char("h")))
        _ = s.reduce(.key(.char("i")))
        #expect(s.selection == nil)
        #expect(s.input.text == "hi")
    }

    @Test func altMTurnsMouseReportingOffAndOn() {
        var s = Self.state()
        #expect(s.reduce(.key(.alt("m"))) == [.setMouse(false)])
        #expect(s.status?.hasPrefix("Mouse reporting off") == true)
        #expect(s.reduce(.key(.alt("m"))) == [.setMouse(true)])
        #expect(s.status?.hasPrefix("Mouse reporting on") == true)
    }

    @Test func enterOpensTheSelectedAnswersDetailsInPlaceAndClosesThem() {
        var s = Self.state(height: 60)
        let closed = render(s)
        #expect(closed.contains("✓ Used get_weather"))
        #expect(!closed.contains(#"{"city":"Paris"}"#))
        #expect(!closed.contains("Third line."))
        _ = s.reduce(.key(.altUp))
        _ = s.reduce(.key(.enter))
        let open = render(s)
        #expect(open.contains("input:") && open.contains(#"│ {"city":"Paris"}"#), "\(open)")
        #expect(open.contains("output:") && open.contains(#"{"tempC":18,"conditions":"cloudy "#), "\(open)")
        #expect(open.contains("Third line."), "the reasoning is not whole:\n\(open)")
        #expect(open.contains("│ src-1"), "the source's id is not shown:\n\(open)")
        #expect(!open.contains("\u{1B}"))
        _ = s.reduce(.key(.enter))
        #expect(!render(s).contains(#"{"city":"Paris"}"#))
    }

    @Test func aSelectionAboveTheViewIsScrolledIntoView() {
        var s = Fixture.state(width: 80, height: 16)
        for i in 1...8 {
            var t = Fixture.turn(i, "question \(i)")
            _ = s.reduce(.session(.turnStarted(t)))
            t.answer = "answer number \(i)"
            t.status = .complete
            _ = s.reduce(.session(.turnFinished(t)))
        }
        let r = Renderer()
        #expect(!r.render(s).canvas.plainText.contains("question 2"))
        _ = s.reduce(.key(.altUp))
        _ = s.reduce(.key(.home))
        for _ in 0..<3 { _ = s.reduce(.key(.down)) }  // greeting → q1 → a1 → q2
        let f = r.render(s)
        _ = s.reduce(f.shown)
        #expect(f.canvas.plainText.contains("▶ You") && f.canvas.plainText.contains("question 2"), "\(f.canvas.plainText)")
        // PgDn then scrolls; the selection does not pull the view back.
        _ = s.reduce(.key(.pageDown))
        let after = r.render(s)
        #expect(!after.canvas.plainText.contains("question 2"), "\(after.canvas.plainText)")
    }

    @Test func enterInTheInspectorShowsALongEventWhole() {
        var s = Self.state()
        let long = String(repeating: "abcdefghij", count: 30) + "END"
        let e = ChunkEvent(chunk: .textDelta(id: "0", delta: long), raw: #"{"type":"text-delta","delta":"\#(long)"}"#)
        _ = s.reduce(.session(.chunks(turnID: 1, [e], offset: 0.5)))
        _ = s.reduce(.key(.function(8)))
        #expect(!render(s).contains("END"))
        _ = s.reduce(.key(.enter))
        #expect(s.inspectorWhole)
        #expect(render(s).contains("END"), "the long event is not whole:\n\(render(s))")
    }
}
