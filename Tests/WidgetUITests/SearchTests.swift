import Foundation
import RobofySession
import Testing
@testable import WidgetUI

/// Search (Ctrl-F): the per-message index, the reducer (typing, n/N, Esc) and what the frame shows.
@Suite struct SearchTests {
    /// A state with `n` finished exchanges; exchange k's answer is `answer(k)`.
    static func state(exchanges n: Int, width: Int = 80, height: Int = 24,
                      answer: (Int) -> String = { "Answer \($0): nothing to see." }) -> AppState {
        var s = Fixture.state(width: width, height: height)
        for k in 1...n {
            var t = Fixture.turn(k, "Question \(k)")
            _ = s.reduce(.session(.turnStarted(t)))
            t.answer = answer(k)
            t.status = .complete
            _ = s.reduce(.session(.turnFinished(t)))
        }
        return s
    }

    static func type(_ text: String, into s: inout AppState) {
        for c in text { _ = s.reduce(.key(.char(c))) }
    }

    @Test func countFindsEveryOccurrenceByBytes() {
        func count(_ n: String, _ h: String) -> Int { SearchIndex.count(Array(n.utf8), in: Array(h.utf8)) }
        #expect(count("ab", "abxabab") == 3)
        #expect(count("aa", "aaaa") == 2)
        #expect(count("x", "") == 0)
        #expect(count("", "abc") == 0)
        #expect(count("abc", "ab") == 0)
        #expect(count("é", "café, ÉCLAIR".lowercased()) == 2)
    }

    @Test func theIndexLowercasesAFinishedMessageOnce() {
        var index = SearchIndex()
        var m = ChatMessage(id: 7, role: .agent, text: "Theme COLOUR")
        #expect(index.search("colour", in: [m]) == [SearchMatch(index: 0, messageID: 7, count: 1)])
        #expect(index.entries.first??.text == Array("theme colour".utf8))
        // A changed message (its version bumped) is lowercased again.
        m.text += " colour"
        m.version += 1
        #expect(index.search("COLOUR", in: [m]).first?.count == 2)
    }

    @Test func ctrlFTypesTheQueryIncrementallyAndNNMove() {
        var s = Self.state(exchanges: 6) { $0 % 2 == 0 ? "The colour of answer \($0) and its Colour again." : "Answer \($0)." }
        #expect(s.reduce(.key(.ctrl("f"))) == [])
        #expect(s.search != nil)
        Self.type("colo", into: &s)
        // Characters went to the query, not the input.
        #expect(s.input.isEmpty)
        #expect(s.search?.query == "colo")
        // Answers 2, 4 and 6, twice each; the newest match is current.
        #expect(s.search?.matches.count == 3)
        #expect(s.search?.counter == "1/6")
        Self.type("ur o", into: &s)
        #expect(s.search?.counter == "1/3")
        // Back to "colour": the current match stays where it was ("colour of answer 6").
        _ = s.reduce(.key(.backspace))
        _ = s.reduce(.key(.backspace))
        #expect(s.search?.counter == "2/6")
        // Up: the older match; Down: the newer one.
        _ = s.reduce(.key(.up))
        #expect(s.search?.counter == "3/6")
        _ = s.reduce(.key(.down))
        #expect(s.search?.counter == "2/6")
        // Enter ends the typing: n / N move, a letter is no longer typed.
        _ = s.reduce(.key(.enter))
        #expect(s.search?.editing == false)
        _ = s.reduce(.key(.char("n")))
        _ = s.reduce(.key(.char("n")))
        #expect(s.search?.counter == "4/6")
        #expect(s.search?.target?.occurrence == 0)
        #expect(s.search?.target?.messageID == s.conversation.messages.first { $0.text.hasPrefix("The colour of answer 4") }?.id)
        _ = s.reduce(.key(.char("N")))
        #expect(s.search?.counter == "3/6")
        // Past the oldest, it wraps to the newest.
        for _ in 0..<4 { _ = s.reduce(.key(.char("n"))) }
        #expect(s.search?.counter == "1/6")
        _ = s.reduce(.key(.escape))
        #expect(s.search == nil)
        #expect(s.input.isEmpty)
    }

    @Test func aKeyThePromptDoesNotUseClosesItAndWorksInTheChat() {
        var s = Self.state(exchanges: 2)
        _ = s.reduce(.key(.ctrl("f")))
        Self.type("answer", into: &s)
        _ = s.reduce(.key(.enter))
        _ = s.reduce(.key(.char("h")))
        #expect(s.search == nil)
        #expect(s.input.text == "h")
        // Ctrl-F no longer moves the caret; Right still does.
        _ = s.reduce(.key(.left))
        _ = s.reduce(.key(.ctrl("f")))
        #expect(s.search != nil)
        _ = s.reduce(.key(.escape))
        _ = s.reduce(.key(.right))
        _ = s.reduce(.key(.char("i")))
        #expect(s.input.text == "hi")
    }

    @Test func noMatchesSaysSo() {
        var s = Self.state(exchanges: 2)
        _ = s.reduce(.key(.ctrl("f")))
        Self.type("zebra", into: &s)
        #expect(s.search?.counter == "no matches")
        #expect(render(s).contains("Find: zebra"))
        #expect(render(s).contains("no matches"))
    }

    /// The current match is scrolled into view and drawn apart from the other matches.
    @Test func theCurrentMatchIsScrolledToAndStandsOut() throws {
        var s = Self.state(exchanges: 60, width: 80, height: 24) { k in
            k == 3 ? "A needle here, and another Needle." : k == 58 ? "One more needle." : "Answer \(k): hay."
        }
        _ = s.reduce(.key(.ctrl("f")))
        Self.type("needle", into: &s)
        _ = s.reduce(.key(.enter))
        let renderer = Renderer()
        // The newest match (answer 58) is in view.
        var frame = renderer.render(s)
        _ = s.reduce(frame.shown)
        #expect(frame.canvas.plainText.contains("One more needle."))
        // n: the second needle of answer 3, far up: scrolled to.
        _ = s.reduce(.key(.char("n")))
        frame = renderer.render(s)
        _ = s.reduce(frame.shown)
        let text = frame.canvas.plainText
        #expect(frame.scroll > 0)
        #expect(text.contains("A needle here, and another Needle."), "\(text)")
        let rows = lines(text)
        let y = try #require(rows.firstIndex { $0.contains("A needle here") })
        let row = rows[y]
        let first = row.distance(from: row.startIndex, to: try #require(row.range(of: "needle")).lowerBound)
        let second = row.distance(from: row.startIndex, to: try #require(row.range(of: "Needle")).lowerBound)
        // Counted in columns: the row is ASCII after the bubble's edge.
        let other = frame.canvas[first, y].style
        let current = frame.canvas[second, y].style
        #expect(other.reverse && !current.reverse, "another match: reversed; the current one: not")
        #expect(current.bold && current.underline && current == { var c = s.theme.buttonSelected; c.bold = true; c.underline = true; return c }())
        // A cell outside the matches is not highlighted.
        #expect(!frame.canvas[first - 2, y].style.reverse)
        #expect(text.contains("Find: needle"))
        #expect(text.contains("2/3"))
        // Esc: the highlights go, the view stays.
        _ = s.reduce(.key(.escape))
        frame = renderer.render(s)
        #expect(!frame.canvas[first, y].style.reverse)
        #expect(frame.canvas.plainText.contains("A needle here"))
    }

    /// The "You" label is not the message's text: a query it also holds marks the question's word.
    @Test func aLabelIsNotAMatch() throws {
        var s = Fixture.state(width: 80, height: 24)
        var t = Fixture.turn(1, "are you there?")
        _ = s.reduce(.session(.turnStarted(t)))
        t.answer = "Yes."
        t.status = .complete
        _ = s.reduce(.session(.turnFinished(t)))
        _ = s.reduce(.key(.ctrl("f")))
        Self.type("you", into: &s)
        let frame = Renderer().render(s)
        let rows = lines(frame.canvas.plainText)
        let y = try #require(rows.firstIndex { $0.contains("are you there?") })
        let x = rows[y].distance(from: rows[y].startIndex, to: try #require(rows[y].range(of: "you")).lowerBound)
        let current = frame.canvas[x, y].style
        #expect(current.bold && current.underline, "the question's word is the current match")
        let labelY = try #require(rows.firstIndex { $0.trimmingCharacters(in: .whitespaces) == "You" })
        let labelX = rows[labelY].distance(from: rows[labelY].startIndex, to: try #require(rows[labelY].range(of: "You")).lowerBound)
        let label = frame.canvas[labelX, labelY].style
        #expect(!label.reverse && !label.underline, "the label is not highlighted")
        #expect(frame.canvas.plainText.contains("1/1"))
    }

    @Test func searchOverTenThousandMessagesNarrowsAmongTheLastMatches() {
        var s = Self.state(exchanges: 5_000) { "Answer \($0) about theme colour \($0 % 7 == 0 ? "zebra" : "")." }
        _ = s.reduce(.key(.ctrl("f")))
        Self.type("zeb", into: &s)
        #expect(s.search?.matches.count == 714)
        Self.type("ra", into: &s)
        #expect(s.search?.total == 714)
        #expect(s.search?.counter == "1/714")
        // Every message was lowercased once; later keystrokes reuse it.
        #expect(s.searchIndex.entries.count == s.conversation.messages.count)
        #expect(s.searchIndex.entries.allSatisfy { $0 != nil })
    }
}
