import Testing
import RobofyAPI
import RobofyText
@testable import WidgetUI

/// Compact cells keep what a cell shows, and two frames compare row by row.
@Suite struct CanvasDamageTests {
    @Test func compactCellsGiveBackTheirGraphemesAndStyles() {
        var c = Canvas(width: 12, height: 2)
        let bold = CellStyle(fg: .rgb(RGB(1, 2, 3)), bold: true)
        let end = c.put("a👩‍💻中1️⃣e\u{301}", x: 0, y: 0, style: bold)
        #expect(end == 7)
        #expect(c[0, 0] == Cell("a", bold))
        #expect(c[1, 0] == Cell("👩‍💻", bold) && c[2, 0] == Cell("", bold))
        #expect(c[3, 0] == Cell("中", bold) && c[4, 0].text.isEmpty)
        #expect(c[5, 0].text == "1️⃣" && c[6, 0].text == "e\u{301}")
        #expect(c.text(ofRow: 0) == "a👩‍💻中1️⃣e\u{301}")
        c[0, 1] = Cell("🇫🇷", .plain)
        #expect(c[0, 1].text == "🇫🇷")
        // ASCII over the second half of a wide grapheme leaves a blank in its first half.
        c.put("x", x: 4, y: 0, style: .plain)
        #expect(c.text(ofRow: 0) == "a👩‍💻 x1️⃣e\u{301}")
    }

    @Test func changedRowsComparesWhatCellsShowNotTheirNumbers() {
        var a = Canvas(width: 10, height: 3)
        var b = Canvas(width: 10, height: 3)
        // The same clusters, added in another order: other indexes in each canvas's table.
        a.put("👩‍💻 1️⃣", x: 0, y: 0, style: .plain)
        b.put("1️⃣", x: 0, y: 2, style: .plain)
        b.put("👩‍💻 1️⃣", x: 0, y: 0, style: .plain)
        b.put("   ", x: 0, y: 2, style: .plain)
        #expect(b.changedRows(since: a) == [])
        #expect(a == b)
        b.put("👩‍👩‍👧", x: 0, y: 0, style: .plain)
        #expect(b.changedRows(since: a) == [0])
        #expect(b.changedRows(since: nil) == nil)
        #expect(b.changedRows(since: Canvas(width: 9, height: 3)) == nil)
    }

    @Test func runsHoldOnlyTheChangedCells() {
        var a = Canvas(width: 20, height: 1)
        a.put("hello 中文 world", x: 0, y: 0, style: .plain)
        var b = a
        b.put("HE", x: 0, y: 0, style: .plain)
        b.put("字", x: 8, y: 0, style: .plain)
        let runs = b.changedRuns(inRow: 0, since: a, form: { "<\($0)>" })
        #expect(runs.map(\.x) == [0, 8])
        #expect(runs.map(\.text) == ["HE", "<字>"])
        #expect(runs.map(\.cells) == [2, 2])
        #expect(a.changedRuns(inRow: 0, since: a, form: { $0 }).isEmpty)
        #expect(a.changedRuns(inRow: 0, since: nil, form: { $0 }).map(\.text) == ["hello 中文 world    "])
    }
}
