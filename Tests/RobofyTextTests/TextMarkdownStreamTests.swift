import Testing
@testable import RobofyText
import TestSupport

/// Lines that exercise every block and inline rule, including ones that pair
/// across lines (emphasis, code spans, links) and hostile text (escape sequences
/// that swallow line breaks, CR, tabs, U+2028).
private let fragments: [String] = [
    "plain words in a line", "The quick brown fox jumps over the lazy dog.", "more plain text here",
    "", "", "", "   ", "# Heading", "### Third *level*", "- item one", "- item two", "  - nested item",
    "    - deeper", "1. first", "2) second", "10. tenth", "* star item", "+ plus item", "-", "1.",
    "> quoted line", "> > nested quote", ">", "```", "```swift", "~~~", "~~~~", "    ```", "\tcode\twith tabs",
    "---", "***", "___", "- - -", "**bold start", "still bold**", "*it", "alic*", "`code", "span`", "``two``",
    "[link text", "continues](https://example.com/a)", "[a](b)", "![img](x.png)", "<https://example.com/x>",
    "see https://example.com/path?q=1.", "trailing backslash\\", "\\*escaped\\*", "snake_case_word",
    "2*3*4", "a_b_c", "中文字符和标点。", "日本語のテキスト", "emoji 👍🏽 and 👨‍👩‍👧 family", "e\u{301} combining",
    "tab\there", "cr at end\r", "line\u{2028}separator", "\u{1B}[31mred\u{1B}[0m text", "osc \u{1B}]0;title",
    "ends osc\u{07} here", "\u{1B}]8;;https://x\u{1B}\\link\u{1B}]8;;\u{1B}\\", "c1 \u{9B}31m csi", "zero\u{200B}width",
    "   indented paragraph", "        code by indent?", "word " + String(repeating: "long", count: 30),
    "https://example.com/" + String(repeating: "x", count: 50), "a * b * c", "_under_ and __double__",
]

private func document(_ r: inout SeededRandom) -> String {
    var lines: [String] = []
    for _ in 0..<(5 + r.int(25)) {
        // Runs of plain lines (the streaming fast path) now and then.
        if r.int(5) == 0 {
            for k in 0..<(1 + r.int(8)) { lines.append("plain line \(k) of a long paragraph.") }
        } else {
            lines.append(r.pick(fragments))
        }
    }
    var text = lines.joined(separator: r.int(10) == 0 ? "\r\n" : "\n")
    if r.int(3) == 0 { text += "\n" }
    return text
}

/// Splits a text into pieces at scalar boundaries (a grapheme may be split, as a stream may).
private func pieces(_ text: String, _ r: inout SeededRandom) -> [String] {
    let scalars = Array(text.unicodeScalars)
    var out: [String] = []
    var i = 0
    while i < scalars.count {
        let n = min(scalars.count - i, 1 + r.int(r.int(3) == 0 ? 40 : 8))
        var s = String.UnicodeScalarView()
        s.append(contentsOf: scalars[i..<(i + n)])
        out.append(String(s))
        i += n
    }
    return out
}

@Suite struct TextMarkdownStreamTests {
    /// Streams `text` in random pieces, checking each prefix; the lines frozen, nil at a difference.
    private func streamIn(_ text: String, _ r: inout SeededRandom, width: Int, _ context: String) -> Int? {
        let stream = MarkdownStream()
        var prefix = ""
        for p in pieces(text, &r) {
            prefix += p
            if !streamRendersAsWhole(stream, prefix, width: width, context) { return nil }
        }
        return stream.frozen.count
    }

    /// Streams `text` in random pieces at a random width, checking each prefix; how many times
    /// lines were frozen where `inside` says (given the prefix, and whether the stream resumed
    /// in a list item before and after it), nil at a difference.
    private func freezes(_ text: String, _ r: inout SeededRandom, _ context: String,
                         where inside: (String, Bool, Bool) -> Bool) -> Int? {
        let width = r.pick([1, 2, 3, 5, 8, 13, 20, 33, 40, 60])
        let stream = MarkdownStream()
        var prefix = ""
        var count = 0
        for p in pieces(text, &r) {
            prefix += p
            let before = stream.frozen.count, inItem = stream.resumesInItem
            if !streamRendersAsWhole(stream, prefix, width: width, context) { return nil }
            if stream.frozen.count > before, inside(prefix, inItem, stream.resumesInItem) { count += 1 }
        }
        return count
    }

    @Test func streamedRenderEqualsFullRender() {
        var r = SeededRandom(seed: 42)
        var froze = 0
        for doc in 0..<120 {
            let text = document(&r)
            let width = r.pick([1, 2, 3, 5, 8, 13, 20, 33, 40, 60])
            guard let frozen = streamIn(text, &r, width: width, "document \(doc)") else { return }
            froze += frozen
        }
        #expect(froze > 300, "the stream should freeze lines as it goes (froze \(froze))")
    }

    /// Quotes are laid out as they grow, whatever they hold: documents whose lines are quoted at
    /// random depths (runs of the same depth, and every way of writing the marker) render the
    /// same streamed as whole, and lines inside a quote still open are frozen.
    @Test func quotedDocumentsStreamedEqualTheirWholeRender() {
        var r = SeededRandom(seed: 4242)
        var frozeInQuote = 0
        for doc in 0..<120 {
            var lines: [String] = []
            var depth = 1
            for _ in 0..<(10 + r.int(30)) {
                if r.int(6) == 0 { depth = r.int(9) }
                let marker = (0..<depth).map { _ in r.pick([">", "> ", "> ", "   > ", ">>"]) }.joined()
                let line = r.int(4) == 0 ? "plain line of a quoted paragraph." : r.pick(fragments)
                lines.append(marker + line)
            }
            let text = lines.joined(separator: "\n") + (r.int(2) == 0 ? "\n" : "")
            guard let n = freezes(text, &r, "quoted document \(doc)", where: { prefix, _, _ in
                let last = prefix.split(separator: "\n", omittingEmptySubsequences: false).last ?? ""
                return last.drop(while: { $0 == " " }).first == ">"
            }) else { return }
            frozeInQuote += n
        }
        #expect(frozeInQuote > 300, "lines frozen inside open quotes \(frozeInQuote) times")
    }

    /// Plain paragraph lines are frozen straight from the raw text (one span each, kept as
    /// a place): only lines that lay out as they are take that way, whatever their length
    /// next to the width, their ends, or what follows them.
    @Test func plainLinesAroundTheWidthFreezeAsTheyRender() {
        var r = SeededRandom(seed: 7)
        var froze = 0
        let words = ["alpha", "beta", "gamma", "x", "delta,", "end.", "a*b", "snake_case", "http://x.y", "[a]", "x:/y",
                     "*em*", "_un_", "`code`", "[l](u)", "<http://x.y>", "a\\*b", "**b**", "see:", "https://e.x/p"]
        for doc in 0..<60 {
            let width = 10 + r.int(30)
            var lines: [String] = []
            for _ in 0..<(10 + r.int(30)) {
                var line = "W"
                while line.count < width - 4 + r.int(9) { line += " " + r.pick(words) }
                switch r.int(12) {
                case 0: line += " "
                case 1: line = " " + line
                case 2: line = "- " + line
                case 3: line = ""
                case 4: line = "1" + line
                default: break
                }
                lines.append(line)
            }
            let text = lines.joined(separator: "\n") + "\n"
            guard let frozen = streamIn(text, &r, width: width, "document \(doc)") else { return }
            froze += frozen
        }
        #expect(froze > 500, "froze \(froze)")
    }

    @Test func plainLinesWithATrailingSpaceOrIndentFreezeAsTheyRender() {
        for text in ["Wa b\nWc d \nWe f\nWg h\n", "Wa b\n Wc d\nWe f\nWg h\n", "Wa b\nWc d  \nWe f\nWg h\n",
                     "Wa b\nWcdefgh *em* ij\nWe f\n", "Wa b\nWcdefgh `co` ij\nWe f\n", "Wa b\nWc see https://e.x ok\nWe f\n",
                     "Wa b\nWcdefgh __st__ i\nWe f\n", "Wa b\nWcdefghijklmn *e*\nWe f\n", "Wa b\nWc *e* defghijklmn\nWe f\n"] {
            for step in [1, 3, 100] {
                let stream = MarkdownStream()
                let scalars = Array(text.unicodeScalars)
                var i = 0
                while i < scalars.count {
                    i = min(scalars.count, i + step)
                    var prefix = String.UnicodeScalarView()
                    prefix.append(contentsOf: scalars[..<i])
                    if !streamRendersAsWhole(stream, String(prefix), width: 20, "\(text.debugDescription) by \(step)") { return }
                }
            }
        }
    }

    @Test func aLongPlainAnswerFreezesAsItGrows() {
        let line = "The quick brown fox jumps over the lazy dog while the demo server streams benchmark text.\n"
        let stream = MarkdownStream()
        var text = ""
        for k in 0..<300 {
            text += line
            if k % 7 == 0 { text += "partial" }
            #expect(streamRendersAsWhole(stream, text, width: 40, "line \(k)"))
            if k % 7 == 0 { text.removeLast(7) }
        }
        // Everything but the last (still open) line is frozen: the tail stays small.
        #expect(stream.render(text, width: 40).count < 5)
        #expect(stream.frozen.count > 500)
    }

    /// List items are laid out as they grow: documents of items (every marker, nested, empty,
    /// continued over many lines, lazily or indented, after blank lines, with hostile lines
    /// among them) render the same streamed as whole, and lines of an item still open are
    /// frozen. (An item was laid out whole at every call until it ended.)
    @Test func listDocumentsStreamedEqualTheirWholeRender() {
        var r = SeededRandom(seed: 1717)
        var frozeInItem = 0
        for doc in 0..<150 {
            var lines: [String] = []
            for _ in 0..<(2 + r.int(6)) {
                let indent = String(repeating: r.pick([" ", " ", "\t"]), count: r.pick([0, 0, 0, 1, 2, 3, 4, 6]))
                let marker = r.pick(["-", "*", "+", "1.", "2)", "10.", "123456789.", "-   ", "1.     "])
                let first = r.int(8) == 0 ? "" : (r.int(3) == 0 ? r.pick(fragments) : "plain words of an item")
                lines.append(indent + marker + (first.isEmpty ? "" : " " + first))
                for _ in 0..<r.int(12) {
                    switch r.int(10) {
                    case 0: lines.append("")
                    case 1: lines.append(String(repeating: " ", count: r.int(6)) + r.pick(fragments))
                    case 2: lines.append(r.pick(fragments))
                    case 3: lines.append("    indented line of the item")
                    default: lines.append(String(repeating: " ", count: r.pick([0, 2, 3])) + "plain continuation of the item.")
                    }
                }
                if r.int(4) == 0 { lines.append("") }
            }
            let text = lines.joined(separator: "\n") + (r.int(2) == 0 ? "\n" : "")
            guard let n = freezes(text, &r, "list document \(doc)", where: { _, before, after in before || after }) else { return }
            frozeInItem += n
        }
        #expect(frozeInItem > 300, "lines frozen inside open list items \(frozeInItem) times")
    }

    @Test func listItemContinuedAfterBlankLines() {
        // Whether a blank line ends a list item depends on the next non-blank line,
        // which may not have arrived yet.
        for text in ["- item one\n\n\n   indented paragraph\nplain\n", "1. first\n\n\n\n    more of it\n\n- b\n",
                     "- a\n  - b\n\n\n    c\n\nd\n", "> q\n\n\n- x\n\n  y\n",
                     "-\nlazy\n", "- a\n\n  b\n\n\n  c\nd\n\n   e\n", "1.\n\n   x\n"] {
            for width in [4, 20] {
                let stream = MarkdownStream()
                var prefix = ""
                for ch in text {
                    prefix.append(ch)
                    #expect(streamRendersAsWhole(stream, prefix, width: width, "list"))
                }
            }
        }
    }

    @Test func widthChangeOrRewrittenTextStartsOver() {
        let stream = MarkdownStream()
        let text = String(repeating: "plain words in a line\n", count: 20) + "**bold** end"
        #expect(streamRendersAsWhole(stream, text, width: 30, "first"))
        let g = stream.generation
        #expect(streamRendersAsWhole(stream, text, width: 31, "resized"))
        #expect(stream.generation > g)
        let h = stream.generation
        #expect(streamRendersAsWhole(stream, "other text\n" + text, width: 31, "rewritten"))
        #expect(stream.generation > h)
        #expect(streamRendersAsWhole(stream, "", width: 31, "emptied"))
    }
}
