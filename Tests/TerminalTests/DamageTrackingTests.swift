import Foundation
import RobofyAPI
import RobofySession
import Terminal
import Testing
import WidgetUI

/// Damage-tracked frames: the renderer says which rows changed since its last frame, and the
/// driver writes only the changed cells of those rows. `HeadlessDriver.terminal` is the screen
/// a terminal shows after those writes alone: it must equal the frame (nothing missed).
@MainActor
@Suite struct DamageTrackingTests {
    static let agent = Agent(chatbotID: "a1", name: "Nova", type: "Public", description: "Shop assistant",
                             greeting: "Hi! 👋 How can I help? 中文 1️⃣ 👩‍💻", quickQuestions: [])

    /// A 120×40 conversation of `turns` finished answers (with wide characters), connected.
    static func state(turns: Int = 6) -> AppState {
        var s = AppState()
        _ = s.reduce(.resize(width: 120, height: 40))
        _ = s.reduce(.session(.connected(Handshake(token: "t", agents: [agent]))))
        _ = s.reduce(.session(.agentSelected(agent)))
        for id in 1...max(1, turns) {
            var turn = Turn(id: id, agentID: "a1", agentName: "Nova", userText: "Question \(id) 🇫🇷?")
            _ = s.reduce(.session(.turnStarted(turn)))
            let answer = "Answer \(id): 漢字 and 👩‍👩‍👧 and #️⃣, then **bold** text.\n\n- one\n- two"
            _ = s.reduce(.session(.change(turnID: id, .text(answer))))
            turn.answer = answer
            turn.status = .complete
            _ = s.reduce(.session(.change(turnID: id, .finished(reason: "stop"))))
            _ = s.reduce(.session(.turnFinished(turn)))
        }
        return s
    }

    /// The runtime's path: render, then draw the frame's changed rows.
    @MainActor final class Pipeline {
        let renderer = Renderer()
        let driver = HeadlessDriver(width: 120, height: 40)

        func draw(_ s: inout AppState) throws -> HeadlessDriver.Write {
            let f = renderer.render(s)
            _ = s.reduce(f.shown)
            driver.draw(f.canvas, rows: f.changedRows)
            #expect(driver.terminal == driver.screen, "the writes left the terminal unlike the frame")
            return try #require(driver.writes.last)
        }
    }

    /// A full redraw of `canvas` on a terminal of its own.
    func fullRedraw(_ canvas: Canvas) -> Canvas? {
        let d = HeadlessDriver(width: canvas.width, height: canvas.height)
        d.draw(canvas, rows: nil)
        return d.terminal
    }

    @Test func oneTextDeltaWritesOnlyTheStreamingTail() throws {
        var s = Self.state()
        let p = Pipeline()
        let first = try p.draw(&s)
        #expect(first.cells == 120 * 40, "the first frame writes every cell")
        let turn = Turn(id: 99, agentID: "a1", agentName: "Nova", userText: "Tell me more")
        _ = s.reduce(.session(.turnStarted(turn)))
        _ = s.reduce(.session(.change(turnID: 99, .text("Here is the streaming answer, word"))))
        _ = try p.draw(&s)
        _ = s.reduce(.session(.change(turnID: 99, .text(" after word"))))
        let w = try p.draw(&s)
        let screen = try #require(p.driver.screen)
        let tail = try #require((0..<40).first { screen.text(ofRow: $0).contains("word after word") })
        #expect(w.rows.contains(tail))
        #expect(Set(w.rows).isSubset(of: [tail, 39]), "rows written: \(w.rows), tail at \(tail)")
        #expect(w.cells > 0 && w.cells <= 2 * 120, "\(w.cells) cells written for one delta")
        #expect(w.bytes < 2 * 120)
    }

    @Test func aFrameWithNoChangeWritesNothing() throws {
        var s = Self.state()
        let p = Pipeline()
        _ = try p.draw(&s)
        let again = p.renderer.render(s)
        #expect(again.changedRows == [])
        p.driver.draw(again.canvas, rows: again.changedRows)
        #expect(p.driver.writes.last == HeadlessDriver.Write())
        // Without the renderer's rows, the driver finds no change either.
        p.driver.draw(again.canvas, rows: nil)
        #expect(p.driver.writes.last == HeadlessDriver.Write())
    }

    @Test func anOverlayOverWideCharactersClosesToTheSameScreen() throws {
        var s = Self.state()
        let p = Pipeline()
        _ = try p.draw(&s)
        let before = try #require(p.driver.terminal)
        for overlayKey in [Key.function(1), Key.function(8)] {
            _ = s.reduce(.key(overlayKey))
            let open = try p.draw(&s)
            #expect(open.cells > 0 && open.cells < 120 * 40)
            _ = s.reduce(.key(.escape))
            _ = try p.draw(&s)
            #expect(p.driver.terminal == before, "closing the overlay (\(overlayKey)) brings the screen back")
            #expect(p.driver.terminal == fullRedraw(try #require(p.driver.screen)))
        }
    }

    /// Wide graphemes overwritten by ASCII and back, cut in half, and under a box: each frame's
    /// writes leave the terminal as a full redraw of it would.
    @Test func wideCharactersOverwrittenEitherWay() throws {
        let d = HeadlessDriver(width: 30, height: 3)
        let st = CellStyle(bold: true)
        func frame(_ body: (inout Canvas) -> Void) -> Canvas {
            var c = Canvas(width: 30, height: 3)
            body(&c)
            return c
        }
        let wide = frame { $0.put("ab👩‍💻中文x1️⃣e\u{301}🇫🇷!", x: 2, y: 1, style: .plain) }
        let ascii = frame { $0.put("abcdefghijklmnopqrstu", x: 2, y: 1, style: .plain) }
        let shifted = frame { $0.put("a中文👩‍💻z", x: 3, y: 1, style: st) }
        let boxed = frame { c in
            c.put("ab👩‍💻中文x1️⃣e\u{301}🇫🇷!", x: 2, y: 1, style: .plain)
            c.fill(Rect(x: 5, y: 0, width: 4, height: 3), st)
            c.put("[ok]", x: 5, y: 1, style: st)
        }
        for (i, c) in [wide, ascii, wide, shifted, wide, boxed, wide, shifted, ascii].enumerated() {
            d.draw(c, rows: nil)
            #expect(d.terminal == c, "frame \(i): \(d.terminal?.text(ofRow: 1) ?? "") vs \(c.text(ofRow: 1))")
            #expect(d.terminal == fullRedraw(c))
            if i > 0 { #expect((d.writes.last?.cells ?? 0) < 30 * 3, "frame \(i) writes only what changed") }
        }
    }

    /// A streamed frame (the conversation redrawn alone) says which rows changed by looking
    /// only at the rows it drew again: over an answer that grows past the screen (its lines
    /// scroll, the "more above" mark comes), with a scroll up and back, those must be every row
    /// that differs from the last frame, and the terminal must end up as the frame.
    @Test func aStreamedFramesChangedRowsAreEveryRowThatDiffers() throws {
        var s = Self.state(turns: 2)
        let p = Pipeline()
        _ = try p.draw(&s)
        let turn = Turn(id: 50, agentID: "a1", agentName: "Nova", userText: "A long one, please")
        _ = s.reduce(.session(.turnStarted(turn)))
        _ = try p.draw(&s)
        var previous = try #require(p.driver.screen)
        let whole = p.renderer.conversationFrames
        let words = ["alpha", "beta 漢字", "gamma 👩‍💻", "delta", "**bold**", "\n\n- item", "epsilon #️⃣", "\n\n"]
        for i in 0..<300 {
            let delta = words[i % words.count] + " "
            _ = s.reduce(.session(.change(turnID: 50, .text(delta))))
            if i == 150 { _ = s.reduce(.key(.pageUp)) }
            if i == 200 { _ = s.reduce(.key(.end)) }
            let f = p.renderer.render(s, damage: .conversation)
            _ = s.reduce(f.shown)
            let all = f.canvas.changedRows(since: previous)
            #expect(f.changedRows == all, "frame \(i): rows said \(f.changedRows ?? []), rows that differ \(all ?? [])")
            p.driver.draw(f.canvas, rows: f.changedRows)
            let same = p.driver.terminal == f.canvas
            #expect(same, "frame \(i): the terminal is unlike the frame")
            previous = f.canvas
        }
        let streamed = p.renderer.conversationFrames - whole
        #expect(streamed > 250, "\(streamed) of 300 frames redrew the conversation alone")
        #expect(try #require(p.driver.screen).text(ofRow: 3).contains("more above"))
    }
}
