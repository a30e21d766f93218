import Testing
import TestSupport
@testable import RobofyText

/// Words for long lines: plain ones, and every kind of text that could make a row's layout
/// depend on what comes after it (inline syntax that reaches back, a bare URL cut in two, an
/// image's "!", ideographs broken without spaces, closing marks, combining marks, emoji, TABs,
/// escape sequences, spaces that are not U+0020, characters the sanitizer removes).
private let words: [String] = [
    "alpha", "beta", "gamma", "x", "delta,", "end.", "see:", "10:30", "https://e.x/p", "http", "s://e.x", "h", "ttps://x.y",
    "!", "wow!", "[l](u)", "*em*", "_un_", "`c`", "**b**", "a\\*b", "<http://x.y>", "1.", "#", "-", ">", "日本語のテキスト",
    "中文字符和标点。", "「引用」", "、", "emoji👍🏽", "👨‍👩‍👧", "cafe\u{301}", "e\u{301}\u{301}", "\t", "tab\there",
    "\u{1B}[31mred\u{1B}[0m", "\u{1B}]0;t\u{07}x", "zero\u{200B}w", "nb\u{A0}sp", "\u{3000}ideo", "\u{9B}c1", "cr\r", "ſ",
    "K\u{212A}", " \u{E33}", " \u{FF9F}x", "ünïcödé", "क्षत्रिय", "한국어", "ﾊﾝｶｸ", "\u{2028}", "a\u{AD}b",
]

/// Heads of inline syntax for a long line's start: emphasis and code spans that pair up, and
/// ones that do not (or not yet), links, escapes, and what looks like a list item, a rule or a
/// fence.
private let heads: [String] = [
    "**Note:** ", "*a* ", "`x` ", "_u_ ", "**b** *i* `c` then ", "`a*b` ", "**", "*", "`", "``", "```", "__init__ ",
    "*a **b* c** ", "**a*", "*a*b ", "`a` `b", "**x**y ", "*日本*語 ", "_a_b ", "* ", "*** ", "___", "[a](b) **c** ",
    "\\*a* ", "`max_tokens`: ", "` a ` ", "`` a`b `` then ", "**a** http", "**a**\t", "*a*\u{301} ", "**a** \u{1B}[1m", "*a* <http://x.y> ", "*😀* ",
]

/// A line of `width` × 3–14 scalars; one word in `rarity` (about) from `words`, the rest plain.
private func longLine(_ r: inout SeededRandom, width: Int, rarity: Int) -> String {
    var line = r.pick(["Start", "the", "über", "日本", "x"])
    let target = width * (3 + r.int(12)) + r.int(50)
    while line.unicodeScalars.count < target {
        switch r.int(10) {
        case 0: line += String(repeating: r.pick(["x", "ab", "日"]), count: 1 + r.int(3 * width))
        case 1: line += "  "
        case 2: line += r.pick(["", "\u{A0}", "\u{3000}"])
        default: line += " "
        }
        line += r.int(rarity) == 0 ? r.pick(words) : r.pick(["plain", "words", "in", "a", "long", "line", "of", "text"])
    }
    return line
}

/// A code block (any fence, indented or not, closed or not) of long lines that may begin with
/// spaces or hold fence characters, between paragraphs.
private func codeDocument(_ r: inout SeededRandom, width: Int) -> String {
    let fence = r.pick(["```", "~~~", "````", "```swift", "   ```", "  ~~~ js"])
    var lines: [String] = r.int(3) == 0 ? ["Before the code.", ""] : []
    lines.append(fence)
    for _ in 0..<(1 + r.int(3)) {
        var line = longLine(&r, width: width, rarity: r.pick([2, 4, 40]))
        // Fence characters and spaces where a row may begin.
        line = line.replacingOccurrences(of: r.pick(["x", "in", "a"]), with: r.pick(["```", "~~~", "`", "~", " ", "  ", "\t", "❤", "❤\u{FE0F}", "👍\u{FE0E}", "🇯🇵🇯", "\u{1100}\u{1161}", "\u{301}"]))
        if r.int(3) == 0 { line = String(repeating: " ", count: 1 + r.int(5)) + line }
        lines.append(line)
    }
    if r.int(2) == 0 { lines.append(String(fence.prefix { $0 == "`" || $0 == "~" || $0 == " " })) }
    if r.int(3) == 0 { lines.append("After the code.") }
    return lines.joined(separator: "\n") + (r.int(2) == 0 ? "\n" : "")
}

private func document(_ r: inout SeededRandom, width: Int) -> String {
    var lines: [String] = []
    let rarity = r.pick([3, 40])
    for _ in 0..<(1 + r.int(3)) {
        var line = longLine(&r, width: width, rarity: rarity)
        // Inline syntax at the line's start now and then: closed or not, settled or not.
        if r.int(3) == 0 { line = r.pick(heads) + line }
        switch r.int(8) {
        case 0: line = "- " + line
        case 1: line = "  " + line
        case 2: line = "# " + line
        case 3: lines.append("")
        default: break
        }
        lines.append(line)
    }
    return lines.joined(separator: "\n") + (r.int(2) == 0 ? "\n" : "")
}

/// A list of items with long lines (any marker, indented or nested, empty now and then) whose
/// items go on over long lines of their own (indented, lazy, after a blank line), between
/// paragraphs.
private func listDocument(_ r: inout SeededRandom, width: Int) -> String {
    var lines: [String] = r.int(3) == 0 ? [longLine(&r, width: width, rarity: 40)] : []
    if r.int(2) == 0 { lines.append("") }
    for _ in 0..<(1 + r.int(3)) {
        let indent = String(repeating: " ", count: r.pick([0, 0, 1, 2, 3, 4, 7]))
        let marker = r.pick(["-", "*", "+", "1.", "2)", "10.", "123456789.", "-    ", "1.      ", "- -"])
        lines.append(indent + marker + " " + longLine(&r, width: width, rarity: r.pick([3, 40])))
        for _ in 0..<r.int(3) {
            switch r.int(5) {
            case 0: lines.append("")
            case 1: lines.append(longLine(&r, width: width, rarity: 40))
            default: lines.append(String(repeating: " ", count: r.pick([1, 2, 3, 4, 6])) + longLine(&r, width: width, rarity: r.pick([3, 40])))
            }
        }
    }
    if r.int(3) == 0 { lines.append(r.pick(["", "After the list."])) }
    return lines.joined(separator: "\n") + (r.int(2) == 0 ? "\n" : "")
}

/// Quotes of long lines (indented or not, a paragraph going on over several of their lines,
/// blank lines of the quote between paragraphs, an item, a heading or a nested quote now and
/// then), after a paragraph or between them.
private func quoteDocument(_ r: inout SeededRandom, width: Int) -> String {
    var lines: [String] = r.int(3) == 0 ? [longLine(&r, width: width, rarity: 40)] : []
    for _ in 0..<(1 + r.int(3)) {
        if !lines.isEmpty, r.int(2) == 0 { lines.append(r.pick(["", "  "])) }
        let bar = r.pick(["> ", "> ", "> ", "  > ", "   > ", ">  ", ">"])
        for _ in 0..<(1 + r.int(3)) {
            switch r.int(8) {
            case 0: lines.append(r.pick([">", "> ", "  >"]))
            case 1: lines.append(bar + r.pick(["- ", "# ", "> ", "1. ", "   - ", "```\n"]) + longLine(&r, width: width, rarity: 40))
            case 2: lines.append(longLine(&r, width: width, rarity: 40))
            // Now and then a letter that joins the space after the bar into one character.
            case 2 where r.int(2) == 0: lines.append(bar + r.pick(["\u{E33}", "\u{EB3}", "\u{FF9E}", "\u{301}"]) + longLine(&r, width: width, rarity: 40))
            default: lines.append(bar + longLine(&r, width: width, rarity: r.pick([3, 40])))
            }
        }
    }
    if r.int(3) == 0 { lines.append(r.pick(["", "After the quote."])) }
    return lines.joined(separator: "\n") + (r.int(2) == 0 ? "\n" : "")
}

/// Renders `text` on `stream` and checks that its frozen lines and tail equal one render of
/// the whole text (the `MarkdownStream` invariant); records the first difference.
func streamRendersAsWhole(_ stream: MarkdownStream, _ text: String, width: Int, _ context: String) -> Bool {
    let tail = stream.render(text, width: width)
    let got = stream.frozenLines(of: text) + tail
    let want = Markdown.render(Sanitizer.clean(text), width: width)
    guard got != want else { return true }
    let i = (0..<min(got.count, want.count)).first { got[$0] != want[$0] } ?? min(got.count, want.count)
    Issue.record("""
        stream render differs (\(context), width \(width), \(stream.frozen.count) frozen lines), first at line \(i)
        text: \(text.debugDescription)
        want: \(want.dropFirst(max(0, i - 1)).prefix(3).map { $0.spans.map { "\($0.text.debugDescription)\($0.attributes.rawValue)" } })
        got:  \(got.dropFirst(max(0, i - 1)).prefix(3).map { $0.spans.map { "\($0.text.debugDescription)\($0.attributes.rawValue)" } })
        """)
    return false
}

/// Streams `text` one scalar at a time at `width`, checking the stream against a whole render
/// after each (the first difference is recorded).
private func streamsScalarByScalar(_ text: String, width: Int) {
    let scalars = Array(text.unicodeScalars)
    let stream = MarkdownStream()
    for i in 1...scalars.count {
        var prefix = String.UnicodeScalarView()
        prefix.append(contentsOf: scalars[..<i])
        if !streamRendersAsWhole(stream, String(prefix), width: width, "\(text.debugDescription), \(i) scalars") { return }
    }
}

/// Streams `text` in random pieces (scalar boundaries) at `width`, checking the stream against
/// a whole render after each; how many times it froze lines while a line was open, nil at a
/// difference.
private func streamInPieces(_ text: String, _ r: inout SeededRandom, width: Int, _ context: String) -> Int? {
    let scalars = Array(text.unicodeScalars)
    let stream = MarkdownStream()
    var frozenInsideLines = 0
    var i = 0
    while i < scalars.count {
        i = min(scalars.count, i + 1 + r.int(r.int(4) == 0 ? 60 : 6))
        var prefix = String.UnicodeScalarView()
        prefix.append(contentsOf: scalars[..<i])
        let before = stream.frozen.count
        let text = String(prefix)
        if !streamRendersAsWhole(stream, text, width: width, "\(context), \(i) scalars") { return nil }
        if stream.frozen.count > before, text.last != "\n" { frozenInsideLines += 1 }
    }
    return frozenInsideLines
}

/// Streams `answer` in `deltas` pieces (scalar boundaries) at `width`, checking the stream
/// against a whole render every 800 deltas; then that it never started over, froze about every
/// row, and read O(delta) bytes per call.
private func streamsAsItGrows(_ answer: [UInt8], deltas: Int, width: Int, _ context: String) {
    let stream = MarkdownStream()
    var text = ""
    var start = 0
    for d in 1...deltas {
        var end = d == deltas ? answer.count : answer.count * d / deltas
        while end < answer.count && answer[end] & 0xC0 == 0x80 { end += 1 }
        guard end > start else { continue }
        text += String(decoding: answer[start..<end], as: UTF8.self)
        start = end
        if d % 800 == 0 {
            if !streamRendersAsWhole(stream, text, width: width, "\(context), delta \(d)") { return }
        } else {
            _ = stream.render(text, width: width)
        }
    }
    #expect(stream.generation == 1, "the stream started over")
    let rows = DisplayWidth.of(text) / width
    #expect(stream.frozen.count > rows * 9 / 10, "\(stream.frozen.count) of about \(rows) rows frozen")
    #expect(stream.bytesExamined < deltas * 2_048,
            "read \(stream.bytesExamined) bytes for \(answer.count) bytes in \(deltas) deltas")
}

/// Streams 150 documents from `make` (given the width) in random pieces, each checked against
/// a whole render; how many times rows of an open line were frozen, nil at a difference.
private func frozenInsideLines(seed: UInt64, widths: [Int], _ kind: String,
                               _ make: (inout SeededRandom, Int) -> String) -> Int? {
    var r = SeededRandom(seed: seed)
    var frozenInsideLines = 0
    for doc in 0..<150 {
        let width = r.pick(widths)
        let text = make(&r, width)
        guard let n = streamInPieces(text, &r, width: width, "\(kind) \(doc)") else { return nil }
        frozenInsideLines += n
    }
    return frozenInsideLines
}

@Suite struct TextMarkdownStreamLongLineTests {
    /// Long lines, streamed in random pieces (scalar boundaries), equal their whole render
    /// after every piece, whatever they hold and wherever the pieces end; and rows of a line
    /// still open are frozen (the text after the last line break shrinks below the line).
    @Test func longLinesStreamedEqualTheirWholeRender() {
        guard let n = frozenInsideLines(seed: 16, widths: [1, 2, 3, 7, 12, 20, 33, 50], "document", document(_:width:)) else { return }
        #expect(n > 150, "rows of open lines frozen \(n) times")
    }

    /// The same for list items: long lines of items (their marker's line, and the item's
    /// next lines) streamed in random pieces equal their whole render after every piece, and
    /// rows of an item's open line are frozen.
    @Test func longLinesOfListItemsStreamedEqualTheirWholeRender() {
        guard let n = frozenInsideLines(seed: 1661, widths: [1, 2, 3, 4, 5, 7, 12, 20, 33, 50], "list document", listDocument(_:width:)) else { return }
        #expect(n > 150, "rows of open lines of list items frozen \(n) times")
    }

    /// The same for quotes: long lines of a quote streamed in random pieces equal their whole
    /// render after every piece, and rows of a quote's open line are frozen.
    @Test func longLinesOfQuotesStreamedEqualTheirWholeRender() {
        guard let n = frozenInsideLines(seed: 1662, widths: [1, 2, 3, 4, 5, 7, 12, 20, 33, 50], "quote document", quoteDocument(_:width:)) else { return }
        #expect(n > 150, "rows of open lines of quotes frozen \(n) times")
    }

    /// A letter that joins the space before it into one character (Thai and Lao SARA AM, the
    /// halfwidth sound marks) after a list marker leaves no space after it (the line is a
    /// paragraph) or puts the space in the item's content: the stream reads the line as the
    /// render does. (A review's fuzzer found the first version making every such line an item
    /// without that space.)
    @Test func aSpaceJoinedToTheLetterAfterAMarkerIsKept() {
        let long = String(repeating: "word ", count: 30)
        let cases = ["- \u{FF9F}x ", "-  \u{FF9F}x ", "- \u{0E33}x ", "- \u{0EB3}x ", "- \u{FF9E}x ",
                     "1.  \u{0E33}x ", "para\n- \u{FF9F}x ", "- a\n- \u{FF9F}x ", "- a\n\n-  \u{0E33}x "]
        for head in cases { streamsScalarByScalar(head + long, width: 20) }
    }

    /// A letter that joins the space after a quote's ">" into one character (Thai and Lao SARA
    /// AM, the halfwidth sound marks) keeps that space in the quote's content, as an indent that
    /// keeps the quote's list context: the stream reads the line as the render does. (A review's
    /// fuzzer found the first version dropping the space, which made the next item of the
    /// quote's list nest otherwise.)
    @Test func aSpaceJoinedToTheLetterAfterAQuotesBarIsKept() {
        let long = String(repeating: "plain words in a long line ", count: 5)
        let cases = [(">-\n>\n> \u{E33}plain wine plain words in a long line \n>  - c", 10),
                     ("> - a\n>\n> \u{E33}" + long + "\n>   - c", 6), ("> - a\n>\n> \u{E33}" + long + "\n>   - c", 13),
                     ("> - a\n>\n> \u{E33}" + long + "\n>   - c", 29), ("> 1. a\n>\n>  b\n>\n> \u{EB3}" + long + "\n>   1. x", 6),
                     ("> - a\n>\n> \u{FF9E}" + long + "\n>\n>   1. x", 6), ("> - a\n>\n> \u{FF9F}" + long + "\n>   - c", 13)]
        for (text, width) in cases {
            streamsScalarByScalar(text, width: width)
        }
    }

    /// Blank lines end a paragraph or an item (or an item goes on after them, with an indented
    /// line) whichever delta brings them: a long line after them is laid out as it grows when
    /// they came one by one too (scalar by scalar here).
    @Test(arguments: ["Sure!\n\n", "Sure!\n\n- ", "- a\n\n- ", "- a\n\n", "1. a\n   b\n\n  \n2. ", "- a\n\n  ",
                      "10. a\n\n\n     ", "- a\n  - b\n\n    ", "> a\n\n> ", "> a\n>\n> ", "Sure!\n\n  > "])
    func aLongLineAfterBlankLinesThatCameAloneFreezes(_ head: String) {
        let long = String(repeating: "The quick brown fox jumps over the lazy dog. ", count: 40)
        let scalars = Array((head + long).unicodeScalars)
        let stream = MarkdownStream()
        var text = ""
        for (i, scalar) in scalars.enumerated() {
            text.unicodeScalars.append(scalar)
            if i % 50 == 0 || i == scalars.count - 1 {
                if !streamRendersAsWhole(stream, text, width: 40, "\(head.debugDescription), \(i + 1) scalars") { return }
            } else {
                _ = stream.render(text, width: 40)
            }
        }
        #expect(stream.frozen.count > 40, "\(stream.frozen.count) lines frozen of about 46")
    }

    /// The same for code blocks: long code lines streamed in random pieces equal their whole
    /// render after every piece, and rows of an open code line are frozen.
    @Test func longCodeLinesStreamedEqualTheirWholeRender() {
        guard let n = frozenInsideLines(seed: 1616, widths: [1, 2, 3, 4, 5, 7, 12, 20, 33, 50], "code document", codeDocument(_:width:)) else { return }
        #expect(n > 150, "rows of open code lines frozen \(n) times")
    }

    /// An indent space that the next scalar joins into one character stays in the code line
    /// (the block drops only whole spaces): the rows are not frozen from after it. (A review's
    /// fuzzer found the first version dropping it.)
    @Test func anIndentSpaceJoinedByAMarkIsKept() {
        let cases = [
            ("  ```\n  \u{301}" + String(repeating: "x", count: 60), 10),
            (" ```\n \u{301}" + String(repeating: "x", count: 60), 10),
            ("  ```\n  \u{1F3FB}" + String(repeating: "ab", count: 30), 9),
            ("  ```\n  \u{FE0F}" + String(repeating: "x", count: 60), 10),
            ("  ```\n  \u{200D}" + String(repeating: "x", count: 60), 10),
            ("  ~~~ js\r\n     * star\r\n  \u{1F3FB}" + String(repeating: "ab", count: 17), 9),
        ]
        for (text, width) in cases {
            streamsScalarByScalar(text, width: width)
        }
    }

    /// A code line that never ends (64 KiB of minified JSON as 3,200 deltas, in a fence at
    /// no indent and at two) is laid out as it grows: O(delta) bytes read per call, and its
    /// rows equal a one-shot render.
    @Test(arguments: ["```", "  ```json"])
    func aCodeLineWithoutBreaksIsLaidOutAsItGrows(_ fence: String) {
        let unit = #"{"id":42,"name":"über widget","tags":["a","b"],"ok":true,"ratio":0.5},"#
        let answer = Array((fence + "\n" + String(repeating: unit, count: (1 << 16) / unit.utf8.count + 1)).utf8)
        streamsAsItGrows(answer, deltas: 3_200, width: 72, "code \(fence)")
    }

    /// A paragraph that never breaks its line (64 KiB as 3,200 deltas) is laid out as it
    /// grows, not whole at each delta: the stream reads O(delta) bytes per call, and its
    /// lines equal a one-shot render. Prose, one long word, and ideographs without spaces.
    /// The same after a blank line, for a list item's one long line (at the top of a list,
    /// nested in one, after a blank line, interrupting a paragraph), and for a quote's (its
    /// first line, a line going on with its paragraph, a new paragraph in it, interrupting a
    /// paragraph).
    @Test(arguments: ["prose", "word", "ideographs", "after a blank line", "item", "nested item", "numbered item",
                      "item after a paragraph", "quote", "quote's next line", "quote's next paragraph",
                      "quote after a paragraph", "bold head", "code head in an item", "emphasis in a quote",
                      "heads after a paragraph's line", "after a heading", "after a rule", "quote after a heading"])
    func aParagraphWithoutLineBreaksIsLaidOutAsItGrows(_ kind: String) {
        let unit: String
        var head = ""
        switch kind {
        case "word": unit = "Thequickbrownfoxjumpsoverthelazydogwhilethedemoserverstreamsbenchmarktext"
        case "ideographs": unit = "日本語のテキストと中文字符和标点。「引用」では、"
        default: unit = "The quick brown fox jumps over the lazy dog while the demo server streams benchmark text. "
        }
        switch kind {
        case "item": head = "- "
        case "nested item": head = "- a list\n  - of lists\n    * "
        case "numbered item": head = "Steps:\n\n12. "
        case "after a blank line": head = "Sure!\n  \n\n"
        case "item after a paragraph": head = "These are the steps:\n1. "
        case "quote": head = "> "
        case "quote's next line": head = "> As the docs say,\n> "
        case "quote's next paragraph": head = "> # Note\n>\n>  \n> "
        case "quote after a paragraph": head = "The docs say:\n   > "
        case "bold head": head = "**Note:** "
        case "code head in an item": head = "- `max_tokens` (or `a*b`, `` a`b ``) sets "
        case "emphasis in a quote": head = "> *Tip:* "
        case "heads after a paragraph's line": head = "Well:\n_So_, **this** and `that`: "
        case "after a heading": head = "## Steps\n"
        case "after a rule": head = "Sure.\n\n---\n"
        case "quote after a heading": head = "> # Note\n> "
        default: break
        }
        let answer = Array((head + String(repeating: unit, count: (1 << 16) / unit.utf8.count + 1)).utf8)
        streamsAsItGrows(answer, deltas: 3_200, width: 72, kind)
    }

    /// Cuts that would change what the inline parse or the sanitizer sees are not made: a
    /// bare URL's scheme split at a long word's fill, an image's "!" before a row, a TAB
    /// after the cut (expanded from the line's column, not the row's).
    @Test func cutsThatWouldChangeTheLineAreNotMade() {
        let long = String(repeating: "y", count: 50)
        let cases = [
            long + "http" + "s://example.com/path and more words after it",
            long + "xxxxh" + "ttps://example.com/path and more words after it",
            String(repeating: "abcdefghi ", count: 12) + "wow!" + "[img](x.png) " + String(repeating: "word ", count: 20),
            String(repeating: "abcdefghi ", count: 12) + "w\tx\ty\tz " + String(repeating: "wordy ", count: 20),
            String(repeating: "abc ", count: 30) + "**bold " + String(repeating: "word ", count: 30) + "end**",
            // A head whose syntax pairs up only later, past many rows: its rows are not final.
            "**Note: " + String(repeating: "word ", count: 30) + "end** and more",
            "`code " + String(repeating: "word ", count: 30) + "end` and more",
            "*a* **b " + String(repeating: "word ", count: 30) + "end** and more",
            "_a_ `b` " + String(repeating: "word ", count: 30) + "_c_ and more",
            String(repeating: "日本語", count: 40) + "」" + String(repeating: "テキスト", count: 20),
            // A space that the next character joins (Thai and Lao SARA AM, halfwidth sound marks)
            // begins the next row: the break did not drop it.
            String(repeating: "line \u{E33} more words here and more ", count: 6),
            String(repeating: "line \u{E33}more word ", count: 8),
            String(repeating: "line \u{EB3} more words ", count: 8),
            String(repeating: "line \u{FF9E} more words ", count: 8),
        ]
        for text in cases {
            for width in [5, 9, 10, 11, 16, 23] {
                for step in [1, 2, 7] {
                    let scalars = Array(text.unicodeScalars)
                    let stream = MarkdownStream()
                    var i = 0
                    while i < scalars.count {
                        i = min(scalars.count, i + step)
                        var prefix = String.UnicodeScalarView()
                        prefix.append(contentsOf: scalars[..<i])
                        if !streamRendersAsWhole(stream, String(prefix), width: width, "\(text.prefix(20).debugDescription) by \(step)") {
                            return
                        }
                    }
                }
            }
        }
    }
}
