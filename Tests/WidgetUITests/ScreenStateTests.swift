import Foundation
import RobofyAPI
import RobofySession
import Testing
@testable import WidgetUI
import RobofyText

/// What the screen says must be true: cut-off answers, a view that holds still, reasoning,
/// notices that keep their point, queued messages, the smallest size (issue 11).
@Suite struct ScreenStateTests {
    /// Renders like the runtime does: one renderer, the clamped scroll given back through `reduce`.
    final class Screen {
        let renderer = Renderer()
        func draw(_ s: inout AppState) -> String {
            let f = renderer.render(s)
            _ = s.reduce(f.shown)
            return f.canvas.plainText
        }
    }

    static func finished(_ id: Int, _ q: String, answer: String, status: TurnStatus) -> Turn {
        var t = Fixture.turn(id, q)
        t.answer = answer
        t.status = status
        return t
    }

    // MARK: Item 1: an answer cut off is marked so, apart from a stop and an error

    @Test func interruptedAnswerIsMarkedCutOffOnScreenInF8AndTranscript() {
        var s = Fixture.state()
        _ = s.reduce(.session(.turnStarted(Fixture.turn(1, "hi"))))
        _ = s.reduce(.session(.change(turnID: 1, .text("Here are"))))
        _ = s.reduce(.session(.turnFinished(Self.finished(1, "hi", answer: "Here are", status: .interrupted))))
        let text = render(s)
        #expect(text.contains("Here are"))
        #expect(text.contains("⚠ The answer was cut off"), "\(text)")
        #expect(!text.contains("Stopped"))
        #expect(s.transcriptMarkdown().contains("The answer was cut off"))
        let f8 = InspectorView.lines(s.inspector, width: 100).map(\.text).joined(separator: "\n")
        #expect(f8.contains("Result    interrupted: ⚠ The answer was cut off"), "\(f8)")

        // A stop reads differently.
        _ = s.reduce(.session(.turnStarted(Fixture.turn(2, "again"))))
        _ = s.reduce(.session(.turnFinished(Self.finished(2, "again", answer: "Some", status: .stopped))))
        let stopped = render(s)
        #expect(stopped.contains("⏹ Stopped"))
    }

    // MARK: Item 4: a view scrolled up holds still while text arrives below

    @Test func scrolledUpViewHoldsStillAndCountsNewLines() {
        var s = Fixture.state(width: 60, height: 16)
        for i in 1...10 {
            _ = s.reduce(.session(.turnStarted(Fixture.turn(i, "question \(i)"))))
            _ = s.reduce(.session(.turnFinished(Self.finished(i, "question \(i)", answer: "answer \(i)", status: .complete))))
        }
        _ = s.reduce(.session(.turnStarted(Fixture.turn(11, "/long"))))
        _ = s.reduce(.session(.change(turnID: 11, .text((1...5).map { "line \($0)\n\n" }.joined()))))
        let screen = Screen()
        _ = screen.draw(&s)
        _ = s.reduce(.key(.pageUp))
        let before = lines(screen.draw(&s))
        // The conversation rows (below the header, above the separator).
        let area = { (l: [String]) in Array(l[3..<12]) }
        _ = s.reduce(.session(.change(turnID: 11, .text((6...42).map { "line \($0)\n\n" }.joined()))))
        let after = lines(screen.draw(&s))
        #expect(area(after) == area(before), "the view moved:\n\(before.joined(separator: "\n"))\n---\n\(after.joined(separator: "\n"))")
        let marker = after.first { $0.contains("new lines · End") }
        #expect(marker != nil, "\(after.joined(separator: "\n"))")
        #expect(after.contains { $0.contains("↑ more above") })
        // More text: still still, the count grows.
        _ = s.reduce(.session(.change(turnID: 11, .text("line 43\n\n"))))
        let later = lines(screen.draw(&s))
        #expect(area(later) == area(before))
        #expect(later.first { $0.contains("new lines · End") } != marker)
        // A taller input (a smaller view) brings no "new lines".
        let count = later.first { $0.contains("new lines · End") }
        for c in "a message long enough to take a second row of the input, and then some more" { _ = s.reduce(.key(.char(c))) }
        let typed = lines(screen.draw(&s))
        #expect(typed.first { $0.contains("new lines · End") } == count, "\(typed.joined(separator: "\n"))")
        s.input.set("")
        // End goes back to the bottom, and the view follows again.
        _ = s.reduce(.key(.end))
        let bottom = screen.draw(&s)
        #expect(s.scroll == 0)
        #expect(bottom.contains("line 43"))
        #expect(!bottom.contains("new lines"))
    }

    // MARK: Item 6: a reconnect says so

    @Test func reconnectSaysReconnectedAndKeepsTheAgent() {
        let h = Fixture.handshake(agents: [Fixture.agent("a1", name: "Nova"), Fixture.agent("a2", name: "Orion", order: 1)])
        var s = Fixture.state(h)
        _ = s.reduce(.session(.agentSelected(h.agents[1])))
        _ = s.reduce(.session(.connecting))
        _ = s.reduce(.session(.connected(h)))
        #expect(s.agentID == "a2")
        #expect(render(s).contains("Reconnected."))
    }

    // MARK: Item 7: reasoning

    @Test func reasoningShowsItsFirstLineAndAllOfItOnCtrlT() {
        var s = Fixture.state()
        _ = s.reduce(.session(.turnStarted(Fixture.turn(1, "why?"))))
        _ = s.reduce(.session(.change(turnID: 1, .reasoning("First I look at the question.\nThen the catalogue.\nThen I answer."))))
        _ = s.reduce(.session(.change(turnID: 1, .text("Because."))))
        var text = render(s)
        #expect(text.contains("Reasoning"))
        #expect(text.contains("│ First I look at the question."))
        #expect(!text.contains("Then the catalogue."))
        #expect(text.contains("2 more lines · Ctrl-T"))
        let l = lines(text)
        let r = l.firstIndex { $0.contains("Reasoning") } ?? -1, a = l.firstIndex { $0.contains("Because.") } ?? -1
        #expect(r >= 0 && r < a, "reasoning above the answer")
        var t = Self.finished(1, "why?", answer: "Because.", status: .complete)
        t.reasoning = "First I look at the question.\nThen the catalogue.\nThen I answer."
        _ = s.reduce(.session(.turnFinished(t)))
        _ = s.reduce(.key(.ctrl("t")))
        text = render(s)
        #expect(text.contains("Then the catalogue.") && text.contains("Then I answer."), "\(text)")
        let md = s.transcriptMarkdown()
        #expect(md.contains("> _Reasoning:_") && md.contains("> Then I answer."), "\(md)")
        let f8 = InspectorView.lines(s.inspector, width: 100).map(\.text).joined(separator: "\n")
        #expect(f8.contains("Reasoning") && f8.contains("Then I answer."), "\(f8)")
    }

    // MARK: Item 8: notices keep their point; the message log; storage failures stay

    @Test func longNoticesKeepTheirEndAndF12ShowsThemInFull() {
        var s = Fixture.state()
        let path = "/home/tester/projects/robofy/very/long/folder/name/robofy-transcript-nova-20261201-153000.md"
        _ = s.reduce(.notice("Transcript saved to \(path)", isError: false))
        var text = render(s)
        #expect(text.contains("transcript-nova-20261201-153000.md"), "\(text)")
        _ = s.reduce(.session(.connectFailed(.cannotConnect(url: "http://127.0.0.1:9/api/v1/widget/handshake/some-project-id", reason: "Connection refused by the host at this time"))))
        text = render(s)
        #expect(text.contains("Press Ctrl-R to retry."), "\(text)")
        _ = s.reduce(.key(.function(12)))
        let log = render(s)
        #expect(log.contains("Messages"))
        #expect(log.contains("20261201-153000.md"))
        #expect(log.contains("Press Ctrl-R to retry."))
        #expect(lines(log).allSatisfy { DisplayWidth.of($0) <= 80 })
    }

    @Test func storageFailureStaysUntilAcknowledged() {
        var s = Fixture.state()
        _ = s.reduce(.storageFailed("Autosave failed: /dev/full: No space left on device"))
        _ = s.reduce(.session(.turnStarted(Fixture.turn(1, "hi"))))
        _ = s.reduce(.session(.turnFinished(Self.finished(1, "hi", answer: "Hello", status: .complete))))
        _ = s.reduce(.tick(100))
        var text = render(s)
        #expect(text.contains("Autosave failed: /dev/full: No space left on device"), "\(text)")
        _ = s.reduce(.key(.function(12)))
        _ = s.reduce(.key(.escape))
        text = render(s)
        #expect(s.storageError == nil)
        #expect(!text.contains("Autosave failed"))
    }

    // MARK: Item 9: a message sent at the wrong moment is queued, shown, and sent later

    @Test func enterWhileConnectingQueuesAndSendsWhenConnected() {
        var s = AppState()
        _ = s.reduce(.resize(width: 80, height: 24))
        _ = s.reduce(.session(.connecting))
        for c in "hello" { _ = s.reduce(.key(.char(c))) }
        #expect(s.reduce(.key(.enter)) == [])
        #expect(s.input.isEmpty)
        let text = render(s)
        #expect(text.contains("hello") && text.contains("queued — sends when connected"), "\(text)")
        let h = Fixture.handshake()
        #expect(s.reduce(.session(.connected(h))) == [])
        #expect(s.reduce(.session(.agentSelected(h.agents[0]))) == [.send("hello")])
        #expect(s.queued.isEmpty)
    }

    @Test func enterWhileConnectingFailsBackIntoTheInput() {
        var s = AppState()
        _ = s.reduce(.resize(width: 80, height: 24))
        _ = s.reduce(.session(.connecting))
        for c in "hello" { _ = s.reduce(.key(.char(c))) }
        _ = s.reduce(.key(.enter))
        _ = s.reduce(.session(.connectFailed(.cancelled)))
        #expect(s.input.text == "hello")
        #expect(render(s).contains("back in the input"))
    }

    @Test func enterWhileStreamingQueuesInsteadOfStopping() {
        var s = Fixture.state()
        #expect(s.reduce(.key(.char("a"))) == [])
        #expect(s.reduce(.key(.enter)) == [.send("a")])
        _ = s.reduce(.session(.turnStarted(Fixture.turn(1, "a"))))
        _ = s.reduce(.session(.change(turnID: 1, .text("Streaming…"))))
        for c in "next" { _ = s.reduce(.key(.char(c))) }
        let cmds = s.reduce(.key(.enter))
        #expect(!cmds.contains(.cancel) && !cmds.contains { if case .send = $0 { true } else { false } })
        let text = render(s)
        #expect(text.contains("next") && text.contains("queued — sends when the answer ends"), "\(text)")
        #expect(s.reduce(.session(.turnFinished(Self.finished(1, "a", answer: "Streaming…", status: .complete)))) == [.send("next")])
    }

    // MARK: Item 10: 40×12

    @Test func agentPickerScrollsToTheHighlightedAgentAt40x12() {
        let agents = (1...6).map { Fixture.agent("a\($0)", name: "Agent\($0)", order: Double($0)) }
        var s = Fixture.state(Fixture.handshake(agents: agents), width: 40, height: 12)
        _ = s.reduce(.key(.function(2)))
        for _ in 0..<5 { _ = s.reduce(.key(.down)) }
        let text = render(s)
        #expect(text.contains("6.  A  Agent6"), "\(text)")
        #expect(text.contains("↑ more"))
        #expect(lines(text).allSatisfy { DisplayWidth.of($0) <= 40 })
    }

    @Test func helpAt40x12IsMarkedCutAndScrolls() {
        var s = Fixture.state(width: 40, height: 12)
        _ = s.reduce(.key(.function(1)))
        let first = render(s)
        #expect(first.contains("↓ more"), "\(first)")
        #expect(!first.contains("F10"))
        _ = s.reduce(.key(.end))
        let last = render(s)
        #expect(last.contains("F10, Ctrl-Q"), "\(last)")
        #expect(s.overlay != .none)
        // Text too long for the box ends with an ellipsis, never cut silently.
        #expect(lines(last).allSatisfy { DisplayWidth.of($0) <= 40 })
        _ = s.reduce(.key(.char("x")))
        #expect(s.overlay == .none)
    }

    @Test func greetingStaysInViewAtStartupAt40x12() {
        let a = Fixture.agent(greeting: "Hi, I'm Nova! 🛍️ Looking for something special today? I can help with orders.",
                              quick: ["What's on sale today?", "Track my order", "Do you ship abroad?"])
        let s0 = Fixture.state(Fixture.handshake(agents: [a]), width: 40, height: 12)
        var s = s0
        let screen = Screen()
        let text = screen.draw(&s)
        #expect(text.contains("Hi, I'm Nova!"), "\(text)")
        // Tab shows the chips.
        _ = s.reduce(.key(.tab))
        let chips = screen.draw(&s)
        #expect(chips.contains("[ What's on sale today? ]"), "\(chips)")
    }

    // MARK: Item 11: wrapping

    @Test func inputWrapsAtWordBoundaries() {
        let e = InputEditor("the quick brown fox jumps")
        let l = e.layout(width: 12)
        #expect(l.lines == ["the quick ", "brown fox ", "jumps"])
        #expect(l.caretRow == 2 && l.caretCol == 5)
        // A word longer than the width still breaks, and the caret follows the text.
        var long = InputEditor("abcdefghijkl mn")
        // (The caret at the end of a full row starts a row of its own.)
        #expect(long.layout(width: 5).lines == ["abcde", "fghij", "kl mn", ""])
        long.home()
        let h = long.layout(width: 5)
        #expect(h.caretRow == 0 && h.caretCol == 0)
        // At a soft break the caret sits at the start of the next row.
        var mid = InputEditor("the quick brown")
        for _ in 0..<5 { mid.left() }
        let m = mid.layout(width: 12)
        #expect(m.lines == ["the quick ", "brown"])
        #expect(m.caretRow == 1 && m.caretCol == 0)
    }

    @Test func proseKeepsAReadableMeasureOnAWideScreen() {
        var s = Fixture.state(width: 200, height: 40)
        _ = s.reduce(.session(.turnStarted(Fixture.turn(1, "tell me"))))
        let words = Array(repeating: "lorem ipsum dolor sit amet", count: 20).joined(separator: " ")
        _ = s.reduce(.session(.turnFinished(Self.finished(1, "tell me", answer: words, status: .complete))))
        let l = lines(render(s)).filter { $0.contains("lorem") }
        #expect(!l.isEmpty)
        // No answer line runs past the measure (100 columns of text, from column 3).
        #expect(l.allSatisfy { $0.trimmingCharacters(in: .whitespaces).count <= 100 }, "\(l)")
        #expect(l.contains { $0.trimmingCharacters(in: .whitespaces).count > 80 })
    }

    @Test func wrappedCodeLinesAreMarkedInTheChat() {
        var s = Fixture.state(width: 40, height: 24)
        _ = s.reduce(.session(.turnStarted(Fixture.turn(1, "code"))))
        let code = "```\nlet aVeryLongIdentifierName = someFunction(argumentOne, argumentTwo)\n```"
        _ = s.reduce(.session(.turnFinished(Self.finished(1, "code", answer: code, status: .complete))))
        let text = render(s)
        #expect(text.contains("↩"), "\(text)")
    }
}
