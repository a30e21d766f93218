import Testing
@testable import WidgetUI
import RobofyText
import TestSupport

/// The width model is the terminal's: ncurses and tmux place text by the wcwidth of each
/// code point, so a grapheme is drawn in a form every terminal agrees on and measured as
/// the sum over that form. (Expected widths are what glibc's wcwidth gives the drawn form.)
@Suite struct TerminalFormTests {
    @Test func disputedClustersAreDrawnInAFormEveryTerminalAgreesOn() {
        // An emoji with VS16 whose base is narrow: drawn without the selector, one column.
        #expect(DisplayWidth.terminalForm("🛍️") == "🛍")
        #expect(DisplayWidth.of("🛍️") == 1)
        #expect(DisplayWidth.of("Hi 🛍️ Looking") == 12)
        #expect(DisplayWidth.terminalForm("❤️") == "❤")
        #expect(DisplayWidth.of("❤️") == 1)
        // A keycap: digit and enclosing keycap, one column.
        #expect(DisplayWidth.terminalForm("1️⃣") == "1\u{20E3}")
        #expect(DisplayWidth.of("1️⃣") == 1)
        // A ZWJ sequence: its first emoji.
        #expect(DisplayWidth.terminalForm("👨‍👩‍👧") == "👨")
        #expect(DisplayWidth.of("👨‍👩‍👧") == 2)
        #expect(DisplayWidth.terminalForm("🏳️‍🌈") == "🏳")
        #expect(DisplayWidth.of("🏳️‍🌈") == 1)
        // Skin tones and tag characters after an emoji are left out.
        #expect(DisplayWidth.terminalForm("👍🏽") == "👍")
        #expect(DisplayWidth.of("👍🏽") == 2)
        #expect(DisplayWidth.of("☝🏽") == 1)
        #expect(DisplayWidth.terminalForm("\u{1F3F4}\u{E0067}\u{E0062}\u{E0073}\u{E0063}\u{E0074}\u{E007F}") == "\u{1F3F4}")
        // A flag is a pair of regional indicators of one column each.
        #expect(DisplayWidth.terminalForm("🇫🇷") == "🇫🇷")
        #expect(DisplayWidth.of("🇫🇷") == 2)
        #expect(DisplayWidth.of("\u{1F1EB}") == 1)
        // What terminals agree on is left alone.
        for s in ["e\u{301}", "漢", "한", "👋", "a", "ש", "م", "\u{915}\u{93F}"] {
            #expect(DisplayWidth.terminalForm(Character(s)) == s)
        }
        // Hangul jamo: the medial vowel joins the leading consonant (2 columns, not 3).
        #expect(DisplayWidth.of("\u{1100}\u{1161}") == 2)
        // A spacing vowel sign takes its column, as wcwidth counts it.
        #expect(DisplayWidth.of("\u{915}\u{93F}") == 2)
    }

    /// Item 18: a "prepend" character joins the first padding space into one grapheme.
    @Test func padAfterAPrependCharacterIsExact() {
        for s in ["x\u{601}", "\u{600}", "ab\u{605}", "\u{601}\u{601}"] {
            for w in 1...8 {
                let p = DisplayWidth.pad(s, to: w)
                #expect(DisplayWidth.of(p) == w, "\(s.debugDescription) to \(w): \(p.debugDescription)")
                #expect(Self.terminalColumns(p) == w, "\(s.debugDescription) to \(w): \(p.debugDescription)")
            }
        }
    }

    /// Item 18: spans with equal attributes are merged into one after each was measured;
    /// a cluster formed across the seam must not make the line wider than the limit.
    @Test func mergedSpansNeverExceedTheWrapWidth() {
        let keycap = [Span("abc1"), Span("\u{FE0F}\u{20E3}def")]
        for line in Wrapper.wrap(keycap, width: 7) {
            #expect(line.width <= 7, "\(line.plainText.debugDescription)")
        }
        var rng = SeededRandom(seed: 0xC1A5_7E12)
        let pieces = ["1", "\u{FE0F}", "\u{20E3}", "\u{FE0F}\u{20E3}", "👨", "\u{200D}", "👩", "🏽", "\u{601}", " ",
                      "ab", "漢", "\u{1F1EB}", "\u{1F1F7}", "\u{1100}", "\u{1161}", "e", "\u{301}", "🛍", "x y"]
        for _ in 0..<2000 {
            var spans: [Span] = []
            for _ in 0..<Int(rng.next() % 8 + 1) {
                var text = ""
                for _ in 0..<Int(rng.next() % 4 + 1) { text += pieces[Int(rng.next() % UInt64(pieces.count))] }
                spans.append(Span(text, rng.next() % 3 == 0 ? .bold : []))
            }
            let width = Int(rng.next() % 9 + 2)
            for line in Wrapper.wrap(spans, width: width) {
                #expect(line.width <= width, "\(spans.map(\.text)) at \(width): \(line.plainText.debugDescription)")
                // Spans are drawn one after the other: a grapheme across spans of different
                // attributes is two; within one span, the drawn width is the measured one.
                #expect(Self.terminalColumns(line.plainText) <= line.width)
                for span in line.spans {
                    #expect(Self.terminalColumns(span.text) == DisplayWidth.of(span.text))
                }
            }
            // Joining never makes text wider than its parts measured apart.
            let a = spans[0].text, b = spans[spans.count - 1].text
            #expect(DisplayWidth.of(a + b) <= DisplayWidth.of(a) + DisplayWidth.of(b))
        }
    }

    /// Columns the terminal gives the drawn text: the sum of each code point's width.
    static func terminalColumns(_ s: String) -> Int {
        var n = 0
        for c in s {
            for u in DisplayWidth.terminalForm(c).unicodeScalars { n += DisplayWidth.scalarWidth(u) }
        }
        return n
    }
}
