import Foundation
import RobofyAPI
import RobofySession
import Testing
@testable import WidgetUI

/// A frame whose damage is the conversation alone (an answer streaming in) redraws the
/// conversation and the rule on the last frame's cells. It must equal the whole frame a
/// renderer with the same history draws: cells, cursor, hits, scroll and new-line count.
/// (Not on the main actor: the runtime's tests wait for frames there.)
@Suite struct ConversationDamageTests {
    /// Two renderers fed the same frames: one told the damage, one always drawing whole frames.
    final class Twin {
        let damaged = Renderer()
        let whole = Renderer()
        var state: AppState
        var damage: FrameDamage = .whole
        var last: Frame?
        var frames = 0
        /// Something other than time changed since the last frame (as the runtime's `changed`).
        var changed = true

        init(_ s: AppState) { state = s }

        func apply(_ e: SessionEvent) {
            _ = state.reduce(.session(e))
            changed = true
            if !AppState.changesConversationOnly(e) { damage = .whole }
        }

        func other(_ e: AppEvent) {
            _ = state.reduce(e)
            changed = true
            damage = .whole
        }

        /// Time passes: a tick (the loader's step when it can be drawn alone, as the runtime does).
        func tick(_ dt: Double, sourceLocation: SourceLocation = #_sourceLocation) {
            _ = state.reduce(.tick(state.now + dt))
            if !changed, var f = last, damaged.renderTick(state, into: &f) {
                last = f
                compare(f, whole.render(state), sourceLocation)
                return
            }
            frame(sourceLocation: sourceLocation)
        }

        func frame(sourceLocation: SourceLocation = #_sourceLocation) {
            let a = damaged.render(state, damage: damage)
            let b = whole.render(state)
            compare(a, b, sourceLocation)
            _ = state.reduce(a.shown)
            last = a
            damage = .conversation
            changed = false
            frames += 1
        }

        func compare(_ a: Frame, _ b: Frame, _ loc: SourceLocation) {
            if a.canvas != b.canvas {
                let row = (0..<b.canvas.height).first { a.canvas.text(ofRow: $0) != b.canvas.text(ofRow: $0) }
                let detail = row.map { "row \($0): \(a.canvas.text(ofRow: $0).debugDescription) vs \(b.canvas.text(ofRow: $0).debugDescription)" }
                    ?? "same text, other styles or cursor (\(String(describing: a.canvas.cursor)) vs \(String(describing: b.canvas.cursor)))"
                if ProcessInfo.processInfo.environment["DAMAGE_DUMP"] != nil {
                    print("A:\n" + a.canvas.plainText + "\nB:\n" + b.canvas.plainText)
                }
                Issue.record("frame \(frames): the conversation-only frame differs from the whole frame: \(detail)", sourceLocation: loc)
            }
            #expect(a.scroll == b.scroll, sourceLocation: loc)
            #expect(a.newLinesBelow == b.newLinesBelow, sourceLocation: loc)
            #expect(a.hits.count == b.hits.count && zip(a.hits, b.hits).allSatisfy { $0.0 == $1.0 && $0.1 == $1.1 },
                    "frame \(frames): hits differ", sourceLocation: loc)
        }
    }

    static func finishedTurns(_ s: inout AppState, _ n: Int) {
        for id in 1...n {
            var turn = Turn(id: id, agentID: "a1", agentName: "Nova", userText: "Question \(id) 🇫🇷?")
            _ = s.reduce(.session(.turnStarted(turn)))
            let answer = "Answer \(id): 漢字 and 👩‍👩‍👧 and #️⃣, then **bold** text.\n\n- one\n- two"
            _ = s.reduce(.session(.change(turnID: id, .text(answer))))
            turn.answer = answer
            turn.status = .complete
            _ = s.reduce(.session(.turnFinished(turn)))
        }
    }

    /// Pieces of a long Markdown answer with wide characters, emoji, code and long words.
    static let pieces: [String] = {
        let text = """
        ## Today's deals 🛍️\n\nHere are the **best** offers: 1. Aurora lamp — $39 (was $59) 中文字符 👩‍💻 and more.\n\
        - item one with a `code span` and a [link](https://example.com/a/very/long/path/that/wraps)\n\
        - item two: supercalifragilisticexpialidocious-antidisestablishmentarianism-floccinaucinihilipilification\n\n\
        ```swift\nlet x = 42 // 🇫🇷 flag\nprint(x)\n```\n\n> A quote that goes on and on across the width of the bubble, \
        more than once, so that it wraps a few times over.\n\nThe end. 1️⃣ 2️⃣ 3️⃣ ✅\n
        """
        let repeated = String(repeating: text, count: 3)
        var out: [String] = []
        var i = repeated.startIndex
        var n = 1
        while i < repeated.endIndex {
            let j = repeated.index(i, offsetBy: n, limitedBy: repeated.endIndex) ?? repeated.endIndex
            out.append(String(repeated[i..<j]))
            i = j
            n = n % 7 + 1
        }
        return out
    }()

    func stream(_ t: Twin, turn id: Int, tick: Bool = true) {
        t.apply(.turnStarted(Turn(id: id, agentID: "a1", agentName: "Nova", userText: "Tell me about deals")))
        t.frame()
        // The loader before the first text, stepping alone.
        for _ in 0..<5 { t.tick(0.1) }
        t.apply(.change(turnID: id, .reasoning("Thinking about the catalogue…")))
        t.frame()
        t.apply(.change(turnID: id, .toolStarted(ToolCall(id: "t1", name: "search_catalog"))))
        t.frame()
        for (k, p) in Self.pieces.enumerated() {
            t.apply(.change(turnID: id, .text(p)))
            // Several deltas in one frame, now and then; a loader tick between frames.
            if k % 3 != 0 { t.frame() }
            if tick, k % 20 == 0 { t.tick(0.1) }
        }
        t.apply(.change(turnID: id, .source(Source(id: "s1", url: "https://example.com/deals", title: "Deals"))))
        t.frame()
    }

    /// Width, height, and the finished turns before (none: the answer fills the screen as it comes).
    @Test(arguments: [(100, 30, 3), (80, 24, 3), (60, 14, 3), (120, 40, 3), (120, 40, 0)])
    func streamingFramesEqualWholeFrames(size: (Int, Int, Int)) {
        var s = Fixture.state(Fixture.handshake { $0.privacy.privacyTerm = "By chatting you agree to our [terms](https://x.test/t)." },
                              width: size.0, height: size.1)
        if size.2 > 0 { Self.finishedTurns(&s, size.2) }
        let t = Twin(s)
        t.frame()
        stream(t, turn: 10)
        #expect(t.damaged.conversationFrames > Self.pieces.count / 2, "the conversation was not redrawn alone")
    }

    /// `turns` finished turns at `width`×`height`, drawn; then turn `id` starts (unless `notice`
    /// comes first: the status line shown, then the turn), drawn.
    func twin(width: Int, height: Int, turns: Int, streaming id: Int, notice: String? = nil) -> Twin {
        var s = Fixture.state(width: width, height: height)
        Self.finishedTurns(&s, turns)
        let t = Twin(s)
        if let notice { t.other(.notice(notice, isError: false)) }
        t.frame()
        t.apply(.turnStarted(Turn(id: id, agentID: "a1", agentName: "Nova", userText: "More")))
        t.frame()
        return t
    }

    @Test func aViewScrolledUpHoldsStillAndCountsNewLines() {
        let t = twin(width: 90, height: 28, turns: 4, streaming: 20)
        for p in Self.pieces.prefix(40) { t.apply(.change(turnID: 20, .text(p))); t.frame() }
        t.other(.wheel(lines: 6))
        t.frame()
        for p in Self.pieces.dropFirst(40) { t.apply(.change(turnID: 20, .text(p))); t.frame() }
        #expect(t.last?.newLinesBelow ?? 0 > 0)
        #expect(t.last.map { (0..<$0.canvas.height).contains { r in t.last!.canvas.text(ofRow: r).contains("new line") } } == true)
    }

    @Test func aStatusLineThatTimesOutIsDrawnWhole() {
        let t = twin(width: 100, height: 30, turns: 2, streaming: 30, notice: "Transcript saved to /tmp/x.md")
        for (k, p) in Self.pieces.prefix(30).enumerated() {
            t.apply(.change(turnID: 30, .text(p)))
            if k == 10 { _ = t.state.reduce(.tick(t.state.now + AppState.statusSeconds + 1)) }
            t.frame()
        }
        #expect(!t.state.statusShown)
    }

    @Test func overlaysAndSearchAreDrawnWhole() {
        let t = twin(width: 100, height: 30, turns: 2, streaming: 40)
        t.other(.key(.function(1)))
        t.frame()
        let before = t.damaged.conversationFrames
        for p in Self.pieces.prefix(10) { t.apply(.change(turnID: 40, .text(p))); t.frame() }
        #expect(t.damaged.conversationFrames == before, "a frame under the help overlay was drawn in part")
        t.other(.key(.escape))
        t.frame()
        t.other(.key(.ctrl("f")))
        t.frame()
        for p in Self.pieces.dropFirst(10).prefix(10) { t.apply(.change(turnID: 40, .text(p))); t.frame() }
        #expect(t.damaged.conversationFrames == before)
    }

    @Test func onlyAnswerPartsCountAsConversationDamage() {
        #expect(AppState.changesConversationOnly(.change(turnID: 1, .text("x"))))
        #expect(AppState.changesConversationOnly(.chunks(turnID: 1, [], offset: 0)))
        #expect(!AppState.changesConversationOnly(.turnFinished(Turn(id: 1, agentID: "a", agentName: "A", userText: "q"))))
        #expect(!AppState.changesConversationOnly(.connecting))
        #expect(!AppState.changesConversationOnly(.retrying(turnID: 1, reason: "x", delay: 1)))
    }
}
