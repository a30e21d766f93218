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
