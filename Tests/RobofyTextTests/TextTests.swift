import Testing
import RobofyText
import TestSupport

// MARK: - DisplayWidth

@Suite struct TextDisplayWidthTests {
    @Test func asciiIsOneColumnPerCharacter() {
        #expect(DisplayWidth.of("hello, world!") == 13)
        #expect(DisplayWidth.of("") == 0)
        #expect(DisplayWidth.of(Character("a")) == 1)
        #expect(DisplayWidth.of(Character(" ")) == 1)
    }

    @Test func accentedLettersPrecomposedAndDecomposed() {
        #expect(DisplayWidth.of("\u{E9}") == 1)            // é precomposed
        #expect(DisplayWidth.of("e\u{301}") == 1)          // e + combining acute
        #expect(DisplayWidth.of("cafe\u{301}!") == 5)
        #expect(DisplayWidth.of("x\u{301}\u{302}\u{303}") == 1)
    }

    @Test func cjkHangulAndFullwidthAreTwoColumns() {
        #expect(DisplayWidth.of("漢字") == 4)
        #expect(DisplayWidth.of("ひらがな") == 8)
        #expect(DisplayWidth.of("カタカナ") == 8)
        #expect(DisplayWidth.of("한국어") == 6)
        #expect(DisplayWidth.of(Character("Ａ")) == 2)    // U+FF21 fullwidth A
        #expect(DisplayWidth.of("\u{3000}") == 2)         // ideographic space
        #expect(DisplayWidth.of("\u{20000}") == 2)        // CJK Extension B
        #expect(DisplayWidth.of("ｱ") == 1)                // halfwidth katakana
        #expect(DisplayWidth.of("a漢b") == 4)
    }

    @Test func emojiAreTwoColumns() {
        #expect(DisplayWidth.of("👋") == 2)
        #expect(DisplayWidth.of("👍🏽") == 2)              // skin tone modifier
        #expect(DisplayWidth.of("👨‍👩‍👧") == 2)            // ZWJ sequence
        #expect(DisplayWidth.of("🇫🇷") == 2)               // flag
        // Drawn without VS16 / the modifier / after the ZWJ: their narrow base alone (see TerminalFormTests).
        #expect(DisplayWidth.of("❤️") == 1)                // VS16 on a text-default base
        #expect(DisplayWidth.of("❤") == 1)                 // text presentation by default
        #expect(DisplayWidth.of("1️⃣") == 1)               // keycap
        #expect(DisplayWidth.of("☝🏽") == 1)               // modifier on a text-default base
        #expect(DisplayWidth.of("🏳️‍🌈") == 1)
        #expect(DisplayWidth.of("\u{1F3F4}\u{E0067}\u{E0062}\u{E0073}\u{E0063}\u{E0074}\u{E007F}") == 2)               // tag sequence flag
        #expect(DisplayWidth.of("hi 👋!") == 6)
        #expect("👨‍👩‍👧".count == 1)
    }

    @Test func zeroWidthCharacters() {
        #expect(DisplayWidth.of("\u{301}") == 0)           // lone combining mark
        #expect(DisplayWidth.of("\u{20DD}") == 0)          // enclosing mark
        #expect(DisplayWidth.of("\u{200D}") == 0)          // ZWJ
        #expect(DisplayWidth.of("\u{200B}") == 0)          // ZWSP
        #expect(DisplayWidth.of("\u{FE0F}") == 0)          // VS16 alone
        #expect(DisplayWidth.of("\u{FE0E}") == 0)
        #expect(DisplayWidth.of("\u{7}") == 0)
        #expect(DisplayWidth.of("\u{1B}") == 0)
        #expect(DisplayWidth.of("\u{9B}") == 0)
        #expect(DisplayWidth.of("\r\n") == 0)
        #expect(DisplayWidth.of("a\u{200B}b") == 2)
    }

    @Test func stringWidthIsSumOfGraphemes() {
        let samples = ["abc", "e\u{301}x", "漢a字", "👋🏽x", "🇫🇷🇩🇪", "a\u{1B}b", "Ａｂ", "x👨‍👩‍👧y"]
        for s in samples {
            let sum = s.reduce(0) { $0 + DisplayWidth.of($1) }
            #expect(DisplayWidth.of(s) == sum, "\(s.debugDescription)")
            #expect(DisplayWidth.of(Substring(s)) == sum)
        }
    }

    @Test func wideTableBoundaries() {
        func width(_ v: UInt32) -> Int {
            guard let scalar = Unicode.Scalar(v) else { return -1 }
            return DisplayWidth.of(Character(scalar))
        }
        let expected: [(UInt32, Int)] = [
            (0x10FF, 1), (0x1100, 2), (0x115F, 2),        // Hangul Jamo leading consonants
            (0x2319, 1), (0x231A, 2), (0x231B, 2), (0x231C, 1),
            (0x2E7F, 1), (0x2E80, 2), (0x303E, 2), (0x303F, 1), (0x3041, 2),
            (0x2630, 2), (0x268A, 2), (0x4DC0, 2),        // Unicode 16 additions
            (0x1D300, 2), (0x1D376, 2), (0x1D377, 1),
            (0xA4C6, 2), (0xA4C7, 1), (0xFF01, 2), (0xFF60, 2), (0xFF61, 1), (0xFFE6, 2), (0xFFE7, 1),
            (0x1F300, 2), (0x1F321, 1), (0x1F6DC, 2), (0x1FAF8, 2),
            (0x20000, 2), (0x3FFFD, 2), (0x3FFFE, 1), (0xE0100, 0),
        ]
        for (v, w) in expected {
            #expect(width(v) == w, "U+\(String(v, radix: 16, uppercase: true))")
        }
    }

    @Test func truncateFitsWidthWithEllipsis() {
        #expect(DisplayWidth.truncate("hello world", to: 8) == "hello w…")
        #expect(DisplayWidth.truncate("hello", to: 5) == "hello")
        #expect(DisplayWidth.truncate("hello", to: 10) == "hello")
        #expect(DisplayWidth.truncate("hello", to: 0) == "")
        #expect(DisplayWidth.truncate("hello", to: -3) == "")
        #expect(DisplayWidth.truncate("hello", to: 3, ellipsis: "") == "hel")
        #expect(DisplayWidth.truncate("hello", to: 1) == "…")
        #expect(DisplayWidth.truncate("hello", to: 2, ellipsis: "...") == "he")
    }

    @Test func truncateNeverSplitsWideCharsOrGraphemes() {
        // 漢字漢字 is 8 columns; at 5 with "…" only two ideographs (4) fit.
        #expect(DisplayWidth.truncate("漢字漢字", to: 5) == "漢字…")
        #expect(DisplayWidth.truncate("漢字漢字", to: 4) == "漢…")
        #expect(DisplayWidth.truncate("漢字漢字", to: 3, ellipsis: "") == "漢")
        #expect(DisplayWidth.truncate("a👨‍👩‍👧b👍🏽c", to: 4) == "a👨‍👩‍👧…")
        #expect(DisplayWidth.truncate("e\u{301}e\u{301}e\u{301}", to: 2) == "e\u{301}…")
        for w in 0...12 {
            for s in ["漢字漢字漢字", "a🇫🇷b🇩🇪c", "e\u{301}\u{302}xyz", "ＡＢＣ abc 👋🏽"] {
                let t = DisplayWidth.truncate(s, to: w)
                #expect(DisplayWidth.of(t) <= max(0, w))
                // Every grapheme of the result (except the ellipsis) is a grapheme of the input.
                let body = t.hasSuffix("…") ? String(t.dropLast()) : t
                #expect(s.hasPrefix(body))
                #expect(Array(s).starts(with: Array(body)))
            }
        }
    }

    @Test func padGivesExactWidth() {
        #expect(DisplayWidth.pad("ab", to: 5) == "ab   ")
        #expect(DisplayWidth.pad("abcdef", to: 4) == "abc…")
        #expect(DisplayWidth.pad("漢字漢字", to: 5) == "漢字…")
        #expect(DisplayWidth.pad("漢字漢字", to: 6) == "漢字… ")   // 漢字漢 would need 7 with the ellipsis
        #expect(DisplayWidth.pad("x", to: 0) == "")
        for w in 0...10 {
            for s in ["", "a", "漢字漢字", "👨‍👩‍👧👨‍👩‍👧👨‍👩‍👧", "e\u{301}abc", "🇫🇷🇫🇷🇫🇷"] {
                #expect(DisplayWidth.of(DisplayWidth.pad(s, to: w)) == w)
            }
        }
    }
}

// MARK: - Sanitizer

@Suite struct TextSanitizerTests {
    @Test func cleanTextIsReturnedUnchanged() {
        let s = "Hello, 世界! 👋🏽 café e\u{301} 👨‍👩‍👧 🇫🇷\nsecond line"
        #expect(Sanitizer.clean(s) == s)
        #expect(Sanitizer.clean("") == "")
    }

    @Test func removesCSISequences() {
        #expect(Sanitizer.clean("\u{1B}[31mred\u{1B}[0m plain") == "red plain")
        #expect(Sanitizer.clean("\u{1B}[1;32;48;5;200mX") == "X")
        #expect(Sanitizer.clean("a\u{1B}[2Jb\u{1B}[Hc\u{1B}[10;20Hd") == "abcd")
        #expect(Sanitizer.clean("\u{1B}[?1049h\u{1B}[?25lhidden cursor") == "hidden cursor")
        #expect(Sanitizer.clean("\u{1B}[38:2::255:0:0mrgb") == "rgb")
        #expect(Sanitizer.clean("up\u{1B}[5Aleft\u{1B}[3D") == "upleft")
    }

    @Test func removesOSCSequences() {
        // OSC 52 clipboard write, BEL and ST terminated.
        #expect(Sanitizer.clean("a\u{1B}]52;c;ZXZpbCBwYXlsb2Fk\u{7}b") == "ab")
        #expect(Sanitizer.clean("a\u{1B}]52;c;ZXZpbA==\u{1B}\\b") == "ab")
        // Window title.
        #expect(Sanitizer.clean("\u{1B}]0;pwned\u{7}text") == "text")
        // OSC 8 hyperlink: visible text kept.
        let link = "see \u{1B}]8;;https://evil.example/\u{1B}\\the docs\u{1B}]8;;\u{1B}\\ now"
        #expect(Sanitizer.clean(link) == "see the docs now")
        // 8-bit OSC and ST.
        #expect(Sanitizer.clean("x\u{9D}0;title\u{9C}y") == "xy")
    }

    @Test func removesStringSequencesAndShortEscapes() {
        #expect(Sanitizer.clean("a\u{1B}P1$r0m\u{1B}\\b") == "ab")           // DCS
        #expect(Sanitizer.clean("a\u{1B}_Gf=100;AAAA\u{1B}\\b") == "ab")      // APC (kitty graphics)
        #expect(Sanitizer.clean("a\u{1B}Xsos\u{1B}\\b\u{1B}^pm\u{1B}\\c") == "abc")
        #expect(Sanitizer.clean("a\u{90}dcs\u{9C}b") == "ab")                  // 8-bit DCS
        #expect(Sanitizer.clean("\u{1B}(Bascii\u{1B}7saved\u{1B}8\u{1B}c\u{1B}#8") == "asciisaved")
        #expect(Sanitizer.clean("keypad\u{1B}=\u{1B}>") == "keypad")
    }

    @Test func removes8BitCSIAndOtherC1() {
        #expect(Sanitizer.clean("a\u{9B}31mb\u{9B}2Jc") == "abc")
        #expect(Sanitizer.clean("a\u{85}b\u{80}c\u{9F}") == "abc")  // NEL, PAD; APC at end swallows nothing visible
    }

    @Test func loneAndUnterminatedEscapes() {
        #expect(Sanitizer.clean("text\u{1B}") == "text")
        #expect(Sanitizer.clean("text\u{1B}[") == "text")
        #expect(Sanitizer.clean("text\u{1B}[12;") == "text")
        #expect(Sanitizer.clean("text\u{1B}]52;c;AAAA") == "text")          // unterminated OSC: rest dropped
        #expect(Sanitizer.clean("a\u{1B}\nb") == "a\nb")                    // ESC + LF: ESC dropped
        #expect(Sanitizer.clean("a\u{1B}é") == "aé")
        #expect(Sanitizer.clean("a\u{1B}[31\u{18}b") == "ab")               // CAN aborts
    }

    @Test func removesControlCharacters() {
        #expect(Sanitizer.clean("ding\u{7}dong") == "dingdong")
        #expect(Sanitizer.clean("abc\u{8}\u{8}xyz") == "abcxyz")            // backspace dropped, not applied
        #expect(Sanitizer.clean("line1\r\nline2\rline3") == "line1\nline2line3")
        #expect(Sanitizer.clean("nul\u{0}del\u{7F}ff\u{C}vt\u{B}") == "nuldelffvt")
        #expect(Sanitizer.clean("a\u{2028}b\u{2029}c") == "a\nb\nc")
    }

    @Test func expandsTabsToMultiplesOfFour() {
        #expect(Sanitizer.clean("\tx") == "    x")
        #expect(Sanitizer.clean("ab\tx") == "ab  x")
        #expect(Sanitizer.clean("abcd\tx") == "abcd    x")
        #expect(Sanitizer.clean("a\n\tb") == "a\n    b")
        #expect(Sanitizer.clean("漢\tx") == "漢  x")
    }

    @Test func removesBidiAndInvisibleFormatCharacters() {
        // "Trojan Source" style override.
        #expect(Sanitizer.clean("admin\u{202E}txt.exe") == "admintxt.exe")
        #expect(Sanitizer.clean("\u{2066}a\u{2067}b\u{2068}c\u{2069}") == "abc")
        #expect(Sanitizer.clean("\u{202A}\u{202B}\u{202C}\u{202D}x") == "x")
        #expect(Sanitizer.clean("a\u{200E}b\u{200F}c\u{61C}d") == "abcd")
        #expect(Sanitizer.clean("pay\u{200B}pal\u{FEFF}\u{2060}\u{AD}") == "paypal")
        // Tag characters hiding ASCII ("ASCII smuggling") are removed.
        #expect(Sanitizer.clean("hi\u{E0069}\u{E0067}\u{E006E}") == "hi")
    }

    @Test func keepsOrdinaryUnicode() {
        let s = "漢字 한국어 ひらがな e\u{301} 👍🏽 👨‍👩‍👧 ❤️ 🇫🇷 1️⃣ \u{1F3F4}\u{E0067}\u{E0062}\u{E0073}\u{E0063}\u{E0074}\u{E007F} \u{645}\u{631}\u{62D}\u{628}\u{627} \u{200C}x"
        #expect(Sanitizer.clean(s) == s)
        // Mixed with something to remove (slow path keeps them too).
        #expect(Sanitizer.clean("\u{1B}[1m" + s + "\u{7}") == s)
    }

    @Test func singleLineMode() {
        #expect(Sanitizer.clean("Agent\nName", allowNewlines: false) == "Agent Name")
        #expect(Sanitizer.clean("a\r\nb\u{2028}c", allowNewlines: false) == "a b c")
        #expect(Sanitizer.clean("plain", allowNewlines: false) == "plain")
        #expect(!Sanitizer.clean("x\ny\n\n", allowNewlines: false).contains("\n"))
    }

    @Test func fuzzNoControlsSurvive() {
        // Bidi controls and invisible format characters that must never survive.
        let removable: Set<UInt32> = [0xAD, 0x61C, 0x180E, 0x200B, 0x200E, 0x200F, 0x202A, 0x202B, 0x202C, 0x202D,
                                      0x202E, 0x2060, 0x2066, 0x2067, 0x2068, 0x2069, 0xFEFF, 0xE0041]
        var rng = SeededRandom(seed: 0x5EED_1234)
        let pool: [Unicode.Scalar] = [
            "\u{1B}", "[", "]", "P", "X", "^", "_", "\\", "\u{7}", "\u{9C}", "\u{9B}", "\u{9D}", "\u{90}",
            "\u{98}", "\u{9E}", "\u{9F}", "\u{18}", "\u{1A}", ";", "0", "1", "5", "2", "m", "H", "J", "?",
            "(", "B", "#", " ", "a", "z", "\n", "\r", "\t", "\u{8}", "\u{0}", "\u{7F}", "\u{85}", "é",
            "\u{301}", "漢", "👋", "\u{200D}", "\u{FE0F}", "\u{202E}", "\u{2066}", "\u{200B}", "\u{E0041}",
            "\u{1F3F4}", "\u{E0067}", "\u{E007F}", "\u{2028}",
        ]
        for round in 0..<3000 {
            var view = String.UnicodeScalarView()
            let length = Int(rng.next() % 60)
            for _ in 0..<length {
                if rng.next() % 8 == 0 {
                    // Any scalar at all, now and then.
                    let v = UInt32(truncatingIfNeeded: rng.next() % 0x11_0000)
                    if let s = Unicode.Scalar(v) { view.append(s) }
                } else {
                    view.append(pool[Int(rng.next() % UInt64(pool.count))])
                }
            }
            let input = String(view)
            for allowNewlines in [true, false] {
                let out = Sanitizer.clean(input, allowNewlines: allowNewlines)
                for s in out.unicodeScalars {
                    let v = s.value
                    let ok = !(v < 0x20 && (v != 0x0A || !allowNewlines)) && !(0x7F...0x9F).contains(v)
                        && !removable.contains(v) && v != 0x2028 && v != 0x2029
                    #expect(ok, "round \(round): U+\(String(v, radix: 16)) survived in \(input.debugDescription)")
                    if !ok { return }
                }
                // Cleaning is idempotent.
                #expect(Sanitizer.clean(out, allowNewlines: allowNewlines) == out)
            }
        }
    }
}
