import DemoServer
import Foundation
import RobofyAPI
import RobofySession
import Testing
@testable import WidgetUI

/// Whether two strings are one storage (not only equal texts).
private func sameStorage(_ a: String, _ b: String) -> Bool {
    func base(_ s: String) -> UInt? { s.utf8.withContiguousStorageIfAvailable { UInt(bitPattern: $0.baseAddress) } }
    guard let x = base(a), let y = base(b) else { return false }
    return x == y
}

@Suite(.timeLimit(.minutes(3))) struct AnswerCopyTests {
    /// A long answer (256 KiB in 12,000 deltas of the demo server's `/bench`, over HTTP): while
    /// it streams the screen's message reads the session's own text (one copy of the answer,
    /// not a second one grown delta by delta), and at the end the session's turn, the
    /// message and the autosaved transcript hold the same answer.
    @Test func theSessionTheScreenAndTheTranscriptAgreeOnOneAnswer() async throws {
        let path = try temporaryDirectory() + "/t.jsonl"
        let store = TranscriptStore(path: path)
        try store.prepare()
        let recorder = SessionRecorder(store: store, target: "demo", projectID: DemoServer.projectID)
        let events = EventCollector()
        let turn = try await withDemoServer { server in
            let s = demoSession(server, taps: [recorder.tap, events.tap])
            let turn = await s.send("/bench 262144 12000")
            await s.close()
            return turn
        }
        recorder.flush()
        store.close()
        #expect(turn.status == .complete)
        #expect(turn.answer.utf8.count == 262_144)

        var state = AppState()
        _ = state.reduce(.resize(width: 100, height: 40))
        var checkedWhileStreaming = false
        for e in events.events {
            if case .turnFinished = e {
                // The last moment the answer was streaming: the message's text is the turn's storage.
                let m = try #require(state.conversation.messages.last)
                #expect(m.role == .agent && m.status == .streaming)
                #expect(m.withText { sameStorage($0, turn.answer) }, "the screen grew a copy of the answer")
                checkedWhileStreaming = true
            }
            _ = state.reduce(.session(e))
        }
        #expect(checkedWhileStreaming)
        let m = try #require(state.conversation.messages.last)
        #expect(m.status == .complete)
        #expect(m.text == turn.answer)
        #expect(sameStorage(m.text, turn.answer))

        let entry = try #require(TranscriptStore.read(path: path).entries.last)
        #expect(entry.kind == .turn)
        #expect(entry.turn?.answer == turn.answer)
        #expect(entry.turn?.answer.utf8.count == 262_144)
    }
}
