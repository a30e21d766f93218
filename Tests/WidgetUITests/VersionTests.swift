import Foundation
import RobofySession
import Testing
@testable import WidgetUI

/// Retry (Alt-R) and edit (Alt-E) the last exchange, its versions (← / →), and the transcript's record of them.
@Suite struct VersionTests {
    static func finish(_ s: inout AppState, _ t: Turn, answer: String) {
        var t = t
        t.answer = answer
        t.status = .complete
        _ = s.reduce(.session(.turnFinished(t)))
    }

    /// One finished exchange: turn 1, "what is 2+2?" → "Five.".
    static func state() -> AppState {
        var s = Fixture.state(width: 80, height: 30)
        _ = s.reduce(.session(.turnStarted(Fixture.turn(1, "what is 2+2?"))))
        finish(&s, Fixture.turn(1, "what is 2+2?"), answer: "Five.")
        return s
    }

    static func version(_ id: Int, _ q: String, of: Int) -> Turn {
        var t = Fixture.turn(id, q)
        t.versionOf = of
        return t
    }

    @Test func altRAsksAgainAndTheOldAnswerStaysAsAnEarlierVersion() {
        var s = Self.state()
        #expect(s.reduce(.key(.alt("r"))) == [.sendVersion("what is 2+2?", of: 1)])
        #expect(s.status == AppState.versionNotice)
        // A second Alt-R before the turn starts is refused.
        #expect(s.reduce(.key(.alt("r"))) == [])
        _ = s.reduce(.session(.turnStarted(Self.version(2, "what is 2+2?", of: 1))))
        Self.finish(&s, Self.version(2, "what is 2+2?", of: 1), answer: "Four.")
        // In place of the old exchange, not after it.
        #expect(s.conversation.messages.filter { $0.role == .user }.count == 1)
        var text = render(s)
        #expect(text.contains("Four.") && !text.contains("Five."), "\(text)")
        #expect(text.contains("‹ 2/2 ›"), "\(text)")
        #expect(text.contains("The server's conversation still has the earlier version; session id"), "\(text)")
        // ← with the input empty: the earlier version; → back.
        _ = s.reduce(.key(.left))
        text = render(s)
        #expect(text.contains("Five.") && !text.contains("Four.") && text.contains("‹ 1/2 ›"), "\(text)")
        _ = s.reduce(.key(.left))
        #expect(render(s).contains("‹ 1/2 ›"))
        _ = s.reduce(.key(.right))
        text = render(s)
        #expect(text.contains("Four.") && text.contains("‹ 2/2 ›"), "\(text)")
        // With text in the input, ← moves the caret.
        _ = s.reduce(.key(.char("x")))
        _ = s.reduce(.key(.left))
        #expect(render(s).contains("‹ 2/2 ›"))
        #expect(s.input.text == "x")
        // A third version from the earlier one shown: all three are kept.
        _ = s.reduce(.key(.right))
        _ = s.reduce(.key(.backspace))
        _ = s.reduce(.key(.left))
        #expect(render(s).contains("‹ 1/2 ›"))
        #expect(s.reduce(.key(.alt("r"))) == [.sendVersion("what is 2+2?", of: 1)])
        _ = s.reduce(.session(.turnStarted(Self.version(3, "what is 2+2?", of: 1))))
        #expect(render(s).contains("‹ 3/3 ›"))
    }

    @Test func altEEditsTheLastQuestionAndEnterSendsItAsAVersion() {
        var s = Self.state()
        _ = s.reduce(.key(.alt("e")))
        #expect(s.input.text == "what is 2+2?")
        #expect(s.editingTurn == 1)
        #expect(render(s).contains("Editing the last question"))
        for _ in 0..<4 { _ = s.reduce(.key(.backspace)) }
        for c in "3+3?" { _ = s.reduce(.key(.char(c))) }
        #expect(s.reduce(.key(.enter)) == [.sendVersion("what is 3+3?", of: 1)])
        #expect(s.editingTurn == nil && s.input.isEmpty)
        _ = s.reduce(.session(.turnStarted(Self.version(2, "what is 3+3?", of: 1))))
        Self.finish(&s, Self.version(2, "what is 3+3?", of: 1), answer: "Six.")
        let text = render(s)
        #expect(text.contains("what is 3+3?") && !text.contains("what is 2+2?") && text.contains("‹ 2/2 ›"), "\(text)")
        _ = s.reduce(.key(.left))
        #expect(render(s).contains("what is 2+2?"))
    }

    @Test func escLeavesTheEditAndBusyRefuses() {
        var s = Self.state()
        _ = s.reduce(.key(.alt("e")))
        _ = s.reduce(.key(.escape))
        #expect(s.editingTurn == nil && s.input.isEmpty)
        // While an answer streams: refused, with what to do.
        _ = s.reduce(.session(.turnStarted(Fixture.turn(2, "next"))))
        #expect(s.reduce(.key(.alt("r"))) == [])
        #expect(s.statusIsError && s.status?.contains("Wait for the answer") == true)
        // Nothing to ask again in an empty conversation.
        var empty = Fixture.state()
        #expect(empty.reduce(.key(.alt("r"))) == [])
        #expect(empty.status == "No answer to ask again yet.")
    }

    /// The transcript keeps every version; `open` shows them as versions, `transcript --markdown` says so,
    /// and a file written before versions existed reads as before.
    @Test func transcriptsKeepTheVersionsAndOldFilesReadTheSame() throws {
        let old = """
            {"at":"2026-01-01T10:00:00Z","kind":"start","target":"demo","tool":"robofy-tui 0.1.0"}
            {"agentID":"a1","agentName":"Nova","at":"2026-01-01T10:00:01Z","kind":"turn-started","turnID":1,"userText":"hi"}
            {"agentID":"a1","agentName":"Nova","at":"2026-01-01T10:00:02Z","kind":"turn-started","turnID":2,"userText":"hi","versionOf":1}

            """
        let file = TranscriptStore.parse(Data(old.utf8))
        #expect(file.problems.isEmpty)
        #expect(file.entries.map(\.record.versionOf) == [nil, 1])
        var s = Fixture.state()
        s.load(TranscriptReplay(file), note: nil)
        #expect(s.conversation.messages.filter { $0.role == .user }.count == 1)
        #expect(render(s).contains("‹ 2/2 ›"))
        #expect(TranscriptRendering.markdown(file).contains("A new version of turn 1"))
        // The record round-trips, and a turn record's Turn carries it too.
        var r = TranscriptRecord(kind: .turnStarted)
        r.versionOf = 4
        #expect(TranscriptStore.parse(Data((TranscriptStore.encode(r) + "\n").utf8)).records.first?.versionOf == 4)
        let withoutVersions = TranscriptStore.parse(Data(old.split(separator: "\n").prefix(2).joined(separator: "\n").utf8))
        #expect(withoutVersions.entries.map(\.record.versionOf) == [nil])
    }
}
