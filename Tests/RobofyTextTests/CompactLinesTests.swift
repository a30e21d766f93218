import Testing
@testable import RobofyText

/// Laid-out lines kept compactly read back as the lines they were.
@Suite struct CompactLinesTests {
    @Test func linesReadBackAsTheyWere() {
        let lines: [StyledLine] = [
            StyledLine(),
            StyledLine([Span("plain text")]),
            StyledLine([Span("• ", [.bold]), Span("a "), Span("link", [.link, .underline]), Span("")]),
            StyledLine([Span("漢字 👩‍👩‍👧 #️⃣ é", [.code]), Span(" tail", [.quote, .dim])]),
            StyledLine([Span("")]),
        ]
        var c = CompactLines()
        for l in lines { c.append(l) }
        #expect(Array(c) == lines)
        #expect(c.count == lines.count)
        #expect(CompactLines(lines) == c)
        c.append(contentsOf: lines)
        #expect(Array(c) == lines + lines)
    }

    @Test func aRenderedAnswerReadsBackWhole() {
        let text = "## Title\n\nSome **bold** and `code` with a [link](https://x.test) 🇫🇷.\n\n- one\n- two\n\n```\nlet x = 1\n```\n"
        let rendered = Markdown.render(String(repeating: text, count: 20), width: 40)
        #expect(Array(CompactLines(rendered)) == rendered)
    }
}

/// The text is kept in blocks that never move: spans that fill a block, straddle its end,
/// or are longer than a block read back as they were, in order.
@Suite struct CompactLinesBlockTests {
    @Test func spansAtAndAcrossBlockEndsReadBack() {
        let size = CompactLines.blockSize
        var lines: [StyledLine] = []
        // Just under a block, then a span that does not fit in the rest of it.
        lines.append(StyledLine([Span(String(repeating: "a", count: size - 3))]))
        lines.append(StyledLine([Span("éèê", [.bold]), Span("tail")]))
        // A span longer than a block (and one of more than two blocks), then short ones.
        lines.append(StyledLine([Span(String(repeating: "漢", count: size), [.code])]))
        lines.append(StyledLine([Span("after", [.italic])]))
        lines.append(StyledLine([Span(String(repeating: "b", count: 2 * size + 5)), Span(""), Span("c")]))
        lines.append(StyledLine([Span(String(repeating: "d", count: size))]))
        lines.append(StyledLine([Span("e")]))
        lines.append(StyledLine())
        var c = CompactLines()
        for l in lines { c.append(l) }
        #expect(Array(c) == lines)
        // Many short lines over many blocks, appended to a copy that is still read.
        let many = (0..<20_000).map { StyledLine([Span("line \($0) 👩‍👩‍👧", [.quote]), Span(" end")]) }
        let before = c
        c.append(contentsOf: many)
        #expect(Array(before) == lines)
        #expect(Array(c) == lines + many)
    }
}
