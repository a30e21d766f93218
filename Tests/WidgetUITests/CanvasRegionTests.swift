import Testing
import RobofyText
@testable import WidgetUI

/// A region of a canvas draws in its own coordinates and cannot write outside its rectangle.
@Suite struct CanvasRegionTests {
    @Test func textAndFillsAreClippedToTheRegion() {
        var c = Canvas(width: 10, height: 4)
        let hit = CellStyle(bold: true)
        c.draw(in: Rect(x: 3, y: 1, width: 4, height: 2)) { r in
            #expect(r.width == 4 && r.height == 2)
            r.put("abcdefgh", x: -2, y: 0, style: hit)
            r.put("below", x: 0, y: 2, style: hit)
            r.put("above", x: 0, y: -1, style: hit)
            r.fill(Rect(x: -5, y: 1, width: 20, height: 9), hit)
            r.cursor = (1, 1)
        }
        #expect(c.plainText == "\n   cdef\n\n")
        for y in 0..<4 {
            for x in 0..<10 {
                let inside = x >= 3 && x < 7 && y >= 1 && y < 3
                #expect(c[x, y].style.bold == inside, "cell \(x),\(y)")
            }
        }
        #expect(c.cursor?.x == 4 && c.cursor?.y == 2)
    }

    @Test func styledLinesStopAtTheRegionsRightEdge() {
        var c = Canvas(width: 12, height: 1)
        c.draw(in: Rect(x: 2, y: 0, width: 5, height: 1)) { r in
            let end = r.put(StyledLine([Span("one "), Span("two", [.bold])]), x: 0, y: 0, base: .plain, theme: .monochrome)
            #expect(end == 5)
        }
        #expect(c.plainText == "  one t")
    }

    /// The screen's parts stay in their rows: a long status cannot reach the conversation.
    @Test func regionsKeepTheirRows() {
        var s = Fixture.state(width: 60, height: 16)
        _ = s.reduce(.notice(String(repeating: "long notice ", count: 30), isError: true))
        let lines = Renderer().render(s).canvas.plainText.split(separator: "\n", omittingEmptySubsequences: false)
        #expect(lines.count == 16)
        #expect(lines.filter { $0.contains("long notice") }.count == 2)
        #expect(lines[13...].contains { $0.contains("long notice") })
    }
}
