import Testing
@testable import RobofyText
import TestSupport

private func mdRender(_ md: String, width: Int = 40) -> [StyledLine] {
    Markdown.render(md, width: width)
}

private func mdTexts(_ md: String, width: Int = 40) -> [String] {
    mdRender(md, width: width).map(\.plainText)
}

/// The spans of a one-line rendering.
private func mdSpans(_ md: String, width: Int = 80) -> [Span] {
    let lines = mdRender(md, width: width)
    #expect(lines.count == 1, "expected one line for \(md.debugDescription), got \(lines.map(\.plainText))")
    return lines.first?.spans ?? []
}

@Suite struct TextMarkdownInlineTests {
    @Test func plainParagraph() {
        #expect(mdSpans("Hello world") == [Span("Hello world")])
        #expect(mdRender("") == [])
        #expect(mdRender("\n\n  \n") == [])
    }

    @Test func boldItalicAndBoth() {
        #expect(mdSpans("a **bold** b") == [Span("a "), Span("bold", .bold), Span(" b")])
        #expect(mdSpans("a __bold__ b") == [Span("a "), Span("bold", .bold), Span(" b")])
        #expect(mdSpans("an *italic* word") == [Span("an "), Span("italic", .italic), Span(" word")])
        #expect(mdSpans("an _italic_ word") == [Span("an "), Span("italic", .italic), Span(" word")])
        #expect(mdSpans("***both***") == [Span("both", [.bold, .italic])])
        #expect(mdSpans("**bold *and italic***") == [Span("bold ", .bold), Span("and italic", [.bold, .italic])])
        #expect(mdSpans("*italic **and bold***") == [Span("italic ", .italic), Span("and bold", [.bold, .italic])])
        #expect(mdSpans("**Note:** read") == [Span("Note:", .bold), Span(" read")])
        #expect(mdSpans("这是**粗体**文字") == [Span("这是"), Span("粗体", .bold), Span("文字")])
    }

    @Test func intrawordMarkersAreLiteral() {
        #expect(mdSpans("use snake_case_name here") == [Span("use snake_case_name here")])
        #expect(mdSpans("2*3*4 = 24") == [Span("2*3*4 = 24")])
        #expect(mdSpans("a * b * c") == [Span("a * b * c")])
        #expect(mdSpans("file_name and other_file") == [Span("file_name and other_file")])
        #expect(mdSpans("5 * 3 and 2*x") == [Span("5 * 3 and 2*x")])
    }

    @Test func unclosedMarkersAreLiteral() {
        #expect(mdSpans("**not closed") == [Span("**not closed")])
        #expect(mdSpans("*half") == [Span("*half")])
        #expect(mdSpans("`code") == [Span("`code")])
        // A link still streaming in: shown literally (its URL already looks like one).
        #expect(mdSpans("[text](http://exa") == [Span("[text]("), Span("http://exa", .link)])
        #expect(mdSpans("[text]") == [Span("[text]")])
        #expect(mdSpans("**a*") == [Span("*"), Span("a", .italic)])
    }

    @Test func inlineCode() {
        #expect(mdSpans("run `ls -la` now") == [Span("run "), Span("ls -la", .code), Span(" now")])
        #expect(mdSpans("`` a`b ``") == [Span("a`b", .code)])
        #expect(mdSpans("`**not bold**`") == [Span("**not bold**", .code)])
        #expect(mdSpans("`snake_case`") == [Span("snake_case", .code)])
    }

    @Test func escapes() {
        #expect(mdSpans("\\*not italic\\*") == [Span("*not italic*")])
        #expect(mdSpans("a\\_b") == [Span("a_b")])
        #expect(mdSpans("back\\slash") == [Span("back\\slash")])
        #expect(mdTexts("hard\\\nbreak") == ["hard", "break"])
    }

    @Test func links() {
        #expect(mdSpans("see [the docs](https://x.io/docs) now") == [
            Span("see "), Span("the docs", [.link, .underline]), Span(" (https://x.io/docs)", .dim), Span(" now"),
        ])
        #expect(mdSpans("[https://x.io](https://x.io)") == [Span("https://x.io", [.link, .underline])])
        #expect(mdSpans("[**bold** link](u)") == [
            Span("bold", [.link, .underline, .bold]), Span(" link", [.link, .underline]), Span(" (u)", .dim),
        ])
        #expect(mdSpans("**[a](b)**") == [Span("a", [.link, .underline, .bold]), Span(" (b)", [.dim, .bold])])
        #expect(mdSpans("[a](https://w.org/x_(y) \"title\")") == [
            Span("a", [.link, .underline]), Span(" (https://w.org/x_(y))", .dim),
        ])
        #expect(mdSpans("![alt text](img.png)") == [Span("alt text", [.link, .underline]), Span(" (img.png)", .dim)])
    }

    @Test func bareURLs() {
        #expect(mdSpans("go to https://example.com/a_b*c now") == [
            Span("go to "), Span("https://example.com/a_b*c", .link), Span(" now"),
        ])
        #expect(mdSpans("(see https://example.com/x).") == [
            Span("(see "), Span("https://example.com/x", .link), Span(").")
        ])
        #expect(mdSpans("https://en.wikipedia.org/wiki/Foo_(bar)") == [
            Span("https://en.wikipedia.org/wiki/Foo_(bar)", .link),
        ])
        #expect(mdSpans("<https://a.b/c>") == [Span("https://a.b/c", .link)])
        #expect(mdSpans("xhttps://nope") == [Span("xhttps://nope")])
        #expect(mdSpans("**https://bold.example**") == [Span("https://bold.example", [.link, .bold])])
    }
}

@Suite struct TextMarkdownBlockTests {
    @Test func paragraphsAndLineBreaks() {
        #expect(mdTexts("one\ntwo\n\nthree") == ["one", "two", "", "three"])
        #expect(mdTexts("a\n\n\n\nb") == ["a", "", "b"])
        #expect(mdTexts("\n\nstart\n\n") == ["start"])
        #expect(mdTexts("hello world again", width: 11) == ["hello world", "again"])
    }

    @Test func headings() {
        let lines = mdRender("# Title\n## Sub *it* ##\ntext\n####### seven\n#hashtag")
        #expect(lines.map(\.plainText) == ["Title", "Sub it", "text", "####### seven", "#hashtag"])
        #expect(lines[0].spans == [Span("Title", [.heading, .bold])])
        #expect(lines[1].spans == [Span("Sub ", [.heading, .bold]), Span("it", [.heading, .bold, .italic])])
        #expect(lines[2].spans == [Span("text")])
    }

    @Test func bulletLists() {
        #expect(mdTexts("- one\n* two\n+ three") == ["• one", "• two", "• three"])
        let lines = mdTexts("- a long item that wraps around", width: 14)
        #expect(lines == ["• a long item", "  that wraps", "  around"])
        #expect(mdTexts("- top\n  - nested\n    - deeper\n- back") == ["• top", "  • nested", "    • deeper", "• back"])
        #expect(mdTexts("Steps:\n- a\n- b") == ["Steps:", "• a", "• b"])
        #expect(mdTexts("- item\n  continued") == ["• item", "  continued"])
        #expect(mdTexts("- a\n\n  para in a\n- b") == ["• a", "", "  para in a", "• b"])
        #expect(mdTexts("-1 is negative") == ["-1 is negative"])
        #expect(mdTexts("- **bold** item")[0] == "• bold item")
        #expect(mdRender("- **bold** item")[0].spans == [Span("• "), Span("bold", .bold), Span(" item")])
    }

    @Test func numberedLists() {
        #expect(mdTexts("1. first\n2. second\n10. tenth") == ["1. first", "2. second", "10. tenth"])
        #expect(mdTexts("1) one") == ["1) one"])
        let lines = mdTexts("1. a long item that wraps", width: 12)
        #expect(lines == ["1. a long", "   item that", "   wraps"])
        #expect(mdTexts("1. x\n   - sub\n2. y") == ["1. x", "  • sub", "2. y"])
        // A number that does not start a list continues a paragraph.
        #expect(mdTexts("It was\n2024. A year") == ["It was", "2024. A year"])
    }

    @Test func quotes() {
        let lines = mdRender("> quoted *text*\n> more\n\nafter")
        #expect(lines.map(\.plainText) == ["│ quoted text", "│ more", "", "after"])
        #expect(lines[0].spans == [Span("│ ", .quote), Span("quoted ", .quote), Span("text", [.quote, .italic])])
        #expect(mdTexts("> a quote that wraps", width: 10) == ["│ a quote", "│ that", "│ wraps"])
        #expect(mdTexts("> outer\n>> inner") == ["│ outer", "│ │ inner"])
        #expect(mdTexts("> - item") == ["│ • item"])
        #expect(mdTexts("> a\n>\n> b") == ["│ a", "│", "│ b"])
    }

    @Test func codeFences() {
        let md = "Code:\n```swift\nlet x = 1\n\n    indented  *not italic*\n```\nafter"
        let lines = mdRender(md)
        #expect(lines.map(\.plainText) == ["Code:", "let x = 1", "", "    indented  *not italic*", "after"])
        #expect(lines[1].spans == [Span("let x = 1", .code)])
        #expect(lines[2].spans == [Span("", .code)])
        #expect(lines[3].spans == [Span("    indented  *not italic*", .code)])
        #expect(lines[4].spans == [Span("after")])
        // Code is hard-broken at the width, not at words, and each break is marked.
        #expect(mdTexts("```\nabc def ghi\n```", width: 5) == ["abc ↩", "def ↩", "ghi"])
        #expect(mdTexts("```\nabcdefghij\n```", width: 6) == ["abcde↩", "fghij"])
        #expect(mdTexts("```\nabcde\n```", width: 5) == ["abcde"])
        // Tilde fences, and a backtick "fence" with backticks in the info string is inline code.
        #expect(mdTexts("~~~\n# not a heading\n~~~") == ["# not a heading"])
        #expect(mdSpans("```inline```") == [Span("inline", .code)])
    }

    @Test func codeInsideListsAndLooseLists() {
        let md = "1. Install:\n   ```sh\n   brew install x\n   ```\n2. Run it"
        #expect(mdTexts(md) == ["1. Install:", "   brew install x", "2. Run it"])
        #expect(mdRender(md)[1].spans == [Span("   "), Span("brew install x", .code)])
        #expect(mdTexts("- a\n\n- b") == ["• a", "", "• b"])
    }

    @Test func longLinksWrapWithinWidth() {
        let lines = mdRender("Read [the guide](https://example.com/a/very/long/path/that/does/not/fit) today", width: 20)
        for line in lines { #expect(line.width <= 20) }
        let all = lines.flatMap(\.spans)
        #expect(all.contains { $0.attributes == [.link, .underline] && $0.text == "the guide" })
        #expect(all.filter { $0.attributes == .dim }.map(\.text).joined().contains("https://example.com/a/"))
    }

    @Test func sanitizedHostileAnswerRendersClean() {
        let hostile = "# Hi\u{1B}]0;owned\u{7}\n```\nrm -rf \u{1B}[2J/\u{9B}31m\n```\n**bold\u{202E}** \u{1B}]8;;http://x\u{1B}\\link\u{1B}]8;;\u{1B}\\"
        let lines = Markdown.render(Sanitizer.clean(hostile), width: 30)
        #expect(lines.map(\.plainText) == ["Hi", "rm -rf /", "bold link"])
        for line in lines {
            for scalar in line.plainText.unicodeScalars {
                #expect(scalar.value >= 0x20 && !(0x7F...0x9F).contains(scalar.value) && scalar.value != 0x202E)
            }
        }
    }

    @Test func horizontalRule() {
        let lines = mdRender("above\n\n---\n\nbelow", width: 8)
        #expect(lines.map(\.plainText) == ["above", "", "────────", "", "below"])
        #expect(mdTexts("***", width: 3) == ["───"])
        #expect(mdTexts("- - -", width: 3) == ["───"])
    }

    @Test func streamingPartialInput() {
        // An unclosed fence makes the rest code.
        let lines = mdRender("Here:\n```python\nprint('hi')\nx = **2")
        #expect(lines.map(\.plainText) == ["Here:", "print('hi')", "x = **2"])
        #expect(lines[2].spans == [Span("x = **2", .code)])
        #expect(mdTexts("```") == [])
        #expect(mdTexts("Use **bo") == ["Use **bo"])
        #expect(mdTexts("See [the li") == ["See [the li"])
        #expect(mdTexts("See [the link](https://exa") == ["See [the link](https://exa"])
        #expect(mdTexts("- a\n- ") == ["• a", "•"])
        #expect(mdTexts("1.") == ["1."])
        #expect(mdTexts("- ") == ["•"])
        #expect(mdTexts("#") == [""])
        #expect(mdTexts("> ") == [])
        // Every prefix of a document renders without trouble, lines within the width.
        let doc = "# Title\n\nSome **bold** and *it* with `code` and [a link](https://a.b/c).\n\n- item one\n  - nested _em_\n1. first\n\n> quote\n\n```js\nconst a = 1;\n```\n---\nhttps://x.y/z done"
        var prefix = ""
        for c in doc {
            prefix.append(c)
            for line in mdRender(prefix, width: 20) { #expect(line.width <= 20) }
        }
    }

    @Test func narrowWidthsStayInBounds() {
        let doc = "# Heading here\n- list item with words\n  - nested item\n> quote > with > more\n>> deeper\n```\ncode line that is long\n```\n---\n1. numbered 漢字漢字 👋👋"
        for width in 0...12 {
            let lines = mdRender(doc, width: width)
            #expect(!lines.isEmpty)
            for line in lines {
                #expect(line.width <= max(width, 2), "width \(width): \(line.plainText.debugDescription)")
            }
        }
    }

    @Test func hostileInputsTerminate() {
        let nested = String(repeating: ">", count: 5000) + " deep"
        #expect(!mdRender(nested, width: 30).isEmpty)
        let stars = String(repeating: "*", count: 3000) + "x" + String(repeating: "*", count: 3000)
        #expect(!mdRender(stars, width: 30).isEmpty)
        let brackets = String(repeating: "[", count: 3000) + String(repeating: "](", count: 3000)
        #expect(!mdRender(brackets, width: 30).isEmpty)
        let ticks = (1...200).map { String(repeating: "`", count: $0) }.joined(separator: "a")
        #expect(!mdRender(ticks, width: 30).isEmpty)
        let mixed = String(repeating: "*a _b **c __d ", count: 500)
        #expect(!mdRender(mixed, width: 30).isEmpty)
        let indents = (0..<2000).map { String(repeating: " ", count: $0) + "- x" }.joined(separator: "\n")
        for line in mdRender(indents, width: 30) { #expect(line.width <= 30) }
    }

    @Test func fuzzNeverCrashesAndRespectsWidth() {
        var rng = SeededRandom(seed: 7)
        let pieces = ["*", "**", "_", "__", "`", "```", "[", "]", "(", ")", "](", "#", "# ", "> ", "- ", "1. ", "\n",
                      "\n\n", " ", "  ", "a", "word", "snake_case", "https://x.io/a_b", "<", ">", "\\", "!", "漢字", "👋",
                      "e\u{301}", "---", "~~~", "|", "\t"]
        for _ in 0..<1500 {
            var md = ""
            for _ in 0..<Int(rng.next() % 30) { md += pieces[Int(rng.next() % UInt64(pieces.count))] }
            let width = Int(rng.next() % 30)
            for line in Markdown.render(md, width: width) {
                #expect(line.width <= max(width, 2), "\(md.debugDescription) at \(width)")
            }
        }
    }
}

/// A line that starts with a letter never starts a block: `startsBlock` says so at once, and
/// the rules agree, whatever follows the letter.
@Suite struct MarkdownBlockStartTests {
    @Test func aLineThatStartsWithALetterStartsNoBlock() {
        let tails = ["", ". item", ") item", " # x", "# x", "--- ", "```", "~~~", "> q", "1. x", "\u{301}", "é", "-", "*", "_ _ _"]
        var rng = SystemRandomNumberGenerator()
        let alphabet = Array("abcXYZ-*_#>`~ .)1234567890é\t")
        for letter in Array("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ") {
            var lines = tails.map { String(letter) + $0 }
            for _ in 0..<20 {
                lines.append(String(letter) + String((0..<Int.random(in: 0...8, using: &rng)).map { _ in alphabet.randomElement(using: &rng) ?? "a" }))
            }
            for line in lines {
                for (indent, inList) in [(0, false), (0, true), (2, true), (4, false)] {
                    #expect(!MDBlocks.startsBlock(Substring(line), indent: indent, inList: inList))
                    #expect(!MDBlocks.startsBlockByRules(Substring(line), indent: indent, inList: inList), "\(line.debugDescription)")
                }
            }
        }
        // And the rules still find the blocks that start otherwise.
        for line in ["- item", "1. one", "# Title", "> quote", "```swift", "---", "***"] {
            #expect(MDBlocks.startsBlock(Substring(line), indent: 0, inList: false), "\(line)")
        }
    }
}
