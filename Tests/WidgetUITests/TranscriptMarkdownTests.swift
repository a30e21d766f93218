import Foundation
import RobofySession
import Testing
@testable import WidgetUI

/// F5's download (from the screen's conversation) and `robofy-tui transcript --markdown`
/// (from the autosaved file) write a turn with one writer: the same bytes for the same turn.
@Suite struct TranscriptMarkdownTests {
    static func richTurn() -> Turn {
        var t = Fixture.turn(1, "hello")
        t.answer = "Hi \u{1B}[31mthere"
        t.reasoning = "First I look."
        t.tools = [ToolCall(id: "c1", name: "weather", input: #"{"city":"Paris"}"#, output: "18 C", state: .done)]
        t.sources = [Source(id: "s1", url: "https://example.com/a", title: "Docs")]
        t.errors = ["rate \u{07}limited"]
        t.status = .interrupted
        return t
    }

    @Test func f5AndTranscriptMarkdownWriteATurnTheSame() throws {
        let t = Self.richTurn()
        var s = Fixture.state()
        _ = s.reduce(.session(.turnStarted(Fixture.turn(1, "hello"))))
        _ = s.reduce(.session(.turnFinished(t)))
        let f5 = s.transcriptMarkdown()

        var r = TranscriptRecord(kind: .turn, at: Date(timeIntervalSince1970: 1_700_000_000))
        r.turn = t
        r.turnID = 1
        var file = TranscriptFile()
        file.records = [r]
        let saved = TranscriptRendering.markdown(file)

        let section = "**You:** hello\n\n" + TranscriptRendering.answer(
            name: "Nova", text: t.answer, tools: t.tools, reasoning: t.reasoning, status: t.status, errors: t.errors,
            sources: t.sources)
        #expect(f5.contains(section), "\(f5)")
        #expect(saved.contains(section), "\(saved)")
        // The section holds the whole turn, sanitized.
        for part in ["> tool `weather`", "input `{\"city\":\"Paris\"}`", "→ `18 C`", "> _Reasoning:_", "**Nova:** Hi there",
                     "cut off (interrupted)", "> ⚠ rate limited", "1. [Docs](https://example.com/a)"] {
            #expect(section.contains(part), "\(part) missing:\n\(section)")
        }
        #expect(!section.contains("\u{1B}") && !section.contains("\u{07}"))
    }
}
