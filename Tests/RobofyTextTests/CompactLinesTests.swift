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

/// Lines laid out from a text keep the spans found in it as places, not bytes, and read
/// back exactly (a span not found there, or too short, is kept as bytes).
@Suite struct CompactLinesReferenceTests {
    @Test func aRenderedAnswerKeepsItsPlainTextOnceAndReadsBackWhole() {
        let para = "Some plain words that wrap over several lines of a narrow bubble, déjà vu 東京.\n\n"
        let text = String(repeating: para + "- a list item with **bold words** inside\n- `code span here` and [a link](https://x.test/a/b)\n\n", count: 30)
        let rendered = Markdown.render(text, width: 24)
        var c = CompactLines()
        let bytes = Array(text.utf8)
        bytes.withUnsafeBufferPointer { c.append(contentsOf: rendered, referencing: $0, in: 0..<$0.count) }
        let read = c.indices.map { i in c.line(i) { String(decoding: bytes[$0], as: UTF8.self) } }
        #expect(read == rendered)
        #expect(c.hasReferences)
        let renderedBytes = rendered.reduce(0) { $0 + $1.spans.reduce(0) { $0 + $1.text.utf8.count } }
        #expect(c.storedBytes * 3 < renderedBytes, "kept \(c.storedBytes) of \(renderedBytes) bytes")
        // Read without the text, the places are empty: never another text's bytes.
        for i in c.indices {
            let bare = c[i].spans.map(\.text), whole = rendered[i].spans.map(\.text)
            #expect(bare.count == whole.count && zip(bare, whole).allSatisfy { $0.isEmpty || $0 == $1 })
        }
    }

    @Test func aSpanNotInTheTextIsKeptAsBytes() {
        let text = Array("alpha beta gamma delta".utf8)
        let lines = [StyledLine([Span("alpha beta"), Span(" • not in the text at all")]), StyledLine([Span("gamma delta")])]
        var c = CompactLines()
        text.withUnsafeBufferPointer { c.append(contentsOf: lines, referencing: $0, in: 0..<$0.count) }
        #expect(c.indices.map { i in c.line(i) { String(decoding: text[$0], as: UTF8.self) } } == lines)
        #expect(c.storedBytes == " • not in the text at all".utf8.count)
        // Only `text[range]` is looked in: outside it, spans are bytes.
        var d = CompactLines()
        text.withUnsafeBufferPointer { d.append(contentsOf: lines, referencing: $0, in: 0..<5) }
        #expect(d.indices.map { i in d.line(i) { String(decoding: text[$0], as: UTF8.self) } } == lines)
        #expect(!d.hasReferences)
    }
}

/// A streaming answer with non-ASCII text and markup keeps its plain spans as places in the
/// raw text, and reads back as one render of the whole text.
@Suite struct StreamReferenceTests {
    @Test func aUnicodeAnswerStreamedKeepsPlacesAndReadsBack() {
        let para = "Déjà vu — “quoted” words with emoji 🙂 and 東京 wrap over lines here.\n\n- item **bold** one\n- item two\n\n"
        let text = String(repeating: para, count: 40)
        let stream = MarkdownStream()
        var shown = ""
        for piece in stride(from: 0, to: text.utf8.count, by: 37).map({ $0 }) {
            let utf8 = Array(text.utf8)
            var end = min(utf8.count, piece + 37)
            while end < utf8.count && utf8[end] & 0xC0 == 0x80 { end += 1 }
            shown = String(decoding: utf8[0..<end], as: UTF8.self)
            _ = stream.render(shown, width: 30)
        }
        let tail = stream.render(text, width: 30)
        #expect(stream.frozen.hasReferences)
        #expect(stream.frozenLines(of: text) + tail == Markdown.render(Sanitizer.clean(text), width: 30))
    }

    /// A long run of spans not in the text (or too short to keep as places) does not leave
    /// the search behind: the span after it is still found.
    @Test func aLongRunOfMissesDoesNotStopTheSearch() {
        let filler = (0..<200).map { "• \($0)" }
        let text = Array((filler.joined(separator: "\n") + "\nthe long plain sentence at the end").utf8)
        let lines = filler.map { StyledLine([Span("◦ " + $0.dropFirst(2))]) } + [StyledLine([Span("the long plain sentence at the end")])]
        var c = CompactLines()
        text.withUnsafeBufferPointer { c.append(contentsOf: lines, referencing: $0, in: 0..<$0.count) }
        #expect(c.indices.map { i in c.line(i) { String(decoding: text[$0], as: UTF8.self) } } == lines)
        #expect(c.hasReferences)
        #expect(c.storedBytes < lines.dropLast().reduce(0) { $0 + $1.spans[0].text.utf8.count } + 1)
    }
}
