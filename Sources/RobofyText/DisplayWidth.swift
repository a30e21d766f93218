// Terminal display width of text, computed in pure Swift (no libc wcwidth,
// whose answers depend on the process locale).
//
// What the program believes a cell holds must be what the terminal shows. ncurses
// places text by the wcwidth of each code point, as tmux, screen and most terminals
// do; a few terminals instead give a whole emoji sequence two columns. So a grapheme
// is *drawn* in a form every terminal agrees on (`terminalForm`), and its width is
// the sum of the widths of the code points of that form:
// - East Asian Wide / Fullwidth (Unicode 16 EastAsianWidth W/F) and emoji with
//   default emoji presentation = 2 (a regional indicator = 1: a flag pair is 2)
// - combining marks, format characters (ZWJ, ZWSP, bidi controls, ...), variation
//   selectors, Hangul medial/final jamo and control characters = 0
// - everything else = 1
// The terminal form drops what terminals disagree on: variation selectors
// (U+FE0E/U+FE0F: "🛍️" is drawn as "🛍", one column, as wcwidth says), and after an
// emoji its skin-tone modifiers, tag characters and everything from the first ZWJ
// on (a ZWJ sequence is drawn as its first emoji); and any code point that would
// make the grapheme wider than 2 columns (a skin tone after a letter, a prepended mark
// before an emoji: nonsense text that cannot be wrapped). So a grapheme is 0, 1 or 2
// columns, and joining two texts never makes them wider than the two measured apart.

public enum DisplayWidth {

    /// Terminal columns taken by one grapheme: 0, 1 or 2.
    public static func of(_ c: Character) -> Int {
        if let a = c.asciiValue {
            return (a >= 0x20 && a < 0x7F) ? 1 : 0
        }
        return clusterWidth(c.unicodeScalars)
    }

    /// Terminal columns taken by a string: the sum over its graphemes.
    public static func of(_ s: some StringProtocol) -> Int {
        if let string = s as? String { return width(of: string[...]) }
        if let substring = s as? Substring { return width(of: substring) }
        return width(of: Substring(String(s)))
    }

    private static func width(of s: Substring) -> Int {
        // Fast path: printable ASCII is one column per byte. Stop at the first
        // other byte and count the rest grapheme by grapheme, starting one byte
        // early because an ASCII character can be the base of a cluster
        // (e.g. "e" + U+0301). Two printable ASCII bytes never form one
        // cluster, so the byte before that one is a cluster boundary.
        let utf8 = s.utf8
        let prefix = utf8.withContiguousStorageIfAvailable { bytes -> Int in
            var k = 0
            while k < bytes.count {
                let b = bytes[k]
                if b < 0x20 || b >= 0x7F { break }
                k += 1
            }
            return k
        } ?? 0
        if prefix == utf8.count { return prefix }
        let skip = max(0, prefix - 1)
        var count = skip
        for c in s[utf8.index(utf8.startIndex, offsetBy: skip)...] {
            count += of(c)
        }
        return count
    }

    /// Truncates `s` to at most `width` columns, appending `ellipsis` when
    /// something was cut. Never splits a grapheme; a wide grapheme that would
    /// straddle the limit is left out (the result may then be one column short).
    public static func truncate(_ s: String, to width: Int, ellipsis: String = "…") -> String {
        guard width > 0 else { return "" }
        let ellipsisWidth = of(ellipsis)
        if ellipsisWidth > width {
            // The ellipsis itself does not fit: cut without one.
            return truncate(s, to: width, ellipsis: "")
        }
        let target = width - ellipsisWidth
        var total = 0
        var cut: String.Index? = nil   // end of the longest prefix within `target`
        var i = s.startIndex
        for c in s {
            let w = of(c)
            if cut == nil && total + w > target {
                cut = i
            }
            total += w
            if total > width {
                // Does not fit: keep the prefix that fits `target`.
                let end = cut ?? i
                return String(s[..<end]) + ellipsis
            }
            i = s.utf8.index(i, offsetBy: c.utf8.count)
        }
        return s
    }

    /// Truncates (with an ellipsis) or pads with spaces to exactly `width`
    /// columns. A non-positive width gives "".
    public static func pad(_ s: String, to width: Int) -> String {
        guard width > 0 else { return "" }
        let t = truncate(s, to: width)
        let w = of(t)
        if w >= width { return t }
        var out = t + String(repeating: " ", count: width - w)
        // The first space can join the last grapheme (after a "prepend" mark such as
        // U+0601) and add nothing to its width: measure the result, not the parts.
        let got = of(out)
        if got < width { out += String(repeating: " ", count: width - got) }
        return out
    }

    // MARK: - Scalar and cluster widths

    /// Width of a single scalar considered on its own (the first scalar of a
    /// grapheme): 0 for controls, marks and format characters, 2 for East
    /// Asian Wide/Fullwidth and default-emoji-presentation, otherwise 1.
    public static func scalarWidth(_ s: Unicode.Scalar) -> Int {
        let v = s.value
        if v < 0x7F { return v >= 0x20 ? 1 : 0 }
        if v < 0xA0 { return 0 }              // DEL and C1 controls
        if v < 0x300 { return 1 }             // Latin-1, Latin Extended, IPA: no marks here
        if v >= 0x1160 && v <= 0x11FF { return 0 }   // Hangul medial vowels and final consonants
        if v >= 0xD7B0 && v <= 0xD7FF { return 0 }   // (they join the syllable before them)
        if v >= 0x1F1E6 && v <= 0x1F1FF { return 1 } // regional indicators: a flag is a pair
        // Very common wide blocks, no marks or format characters inside.
        if v >= 0x4E00 && v <= 0x9FFF { return 2 }   // CJK Unified Ideographs
        if v >= 0xAC00 && v <= 0xD7A3 { return 2 }   // Hangul Syllables
        if isWide(v) {
            // The only marks among the wide characters (checked against the
            // runtime's Unicode data: no format or control characters there).
            switch v {
            case 0x302A...0x302D, 0x3099, 0x309A, 0x16FE4: return 0
            default: return 2
            }
        }
        let props = s.properties
        switch props.generalCategory {
        case .nonspacingMark, .enclosingMark, .control, .lineSeparator, .paragraphSeparator:
            return 0
        case .format:
            return isVisibleFormat(v) ? 1 : 0
        default:
            break
        }
        if props.isEmojiPresentation { return 2 }
        return 1
    }

    /// Format characters that terminals draw (prepended concatenation marks,
    /// soft hyphen).
    private static func isVisibleFormat(_ v: UInt32) -> Bool {
        switch v {
        case 0xAD, 0x600...0x605, 0x6DD, 0x70F, 0x890...0x891, 0x8E2, 0x110BD, 0x110CD:
            return true
        default:
            return false
        }
    }

    /// Width of a grapheme cluster given as its scalars: the sum over its terminal form.
    static func clusterWidth<C: Collection>(_ scalars: C) -> Int where C.Element == Unicode.Scalar {
        var it = scalars.makeIterator()
        guard let first = it.next() else { return 0 }
        var total = scalarWidth(first)
        let emoji = isEmojiBase(first)
        while let s = it.next() {
            switch keep(s, afterEmoji: emoji) {
            case .keep:
                let w = scalarWidth(s)
                if total + w <= 2 { total += w }
            case .drop: continue
            case .stop: return total
            }
        }
        return total
    }

    /// The form in which a grapheme is drawn: the grapheme itself, or, for an emoji
    /// sequence terminals disagree on, the part they agree on (see the top of this file).
    /// Its width (per code point, as ncurses and the terminal count it) is `of(c)`.
    public static func terminalForm(_ c: Character) -> String {
        let scalars = c.unicodeScalars
        guard let first = scalars.first, first.value >= 0x80 || scalars.count > 1 else { return String(c) }
        let emoji = isEmojiBase(first)
        var out = String.UnicodeScalarView()
        out.append(first)
        var total = scalarWidth(first)
        var changed = false
        for s in scalars.dropFirst() {
            switch keep(s, afterEmoji: emoji) {
            case .keep:
                let w = scalarWidth(s)
                if total + w <= 2 {
                    total += w
                    out.append(s)
                } else {
                    changed = true
                }
            case .drop: changed = true
            case .stop: return String(out)
            }
        }
        return changed ? String(out) : String(c)
    }

    private enum Keep { case keep, drop, stop }

    /// What becomes of a scalar after the first of its grapheme in the terminal form.
    private static func keep(_ s: Unicode.Scalar, afterEmoji emoji: Bool) -> Keep {
        switch s.value {
        case 0xFE0E, 0xFE0F: return .drop                    // variation selectors
        case 0x1F3FB...0x1F3FF: return emoji ? .drop : .keep  // skin tones
        case 0xE0020...0xE007F: return emoji ? .drop : .keep  // tags (subdivision flags)
        case 0x200D: return emoji ? .stop : .keep             // ZWJ: an emoji sequence ends here
        default: return .keep
        }
    }

    /// A pictographic emoji that can lead a sequence (not a digit, '#' or '*' of a keycap).
    private static func isEmojiBase(_ s: Unicode.Scalar) -> Bool {
        s.value >= 0xA9 && s.properties.isEmoji
    }

    /// Whether `v` is East Asian Wide or Fullwidth (Unicode 16.0).
    static func isWide(_ v: UInt32) -> Bool {
        if v < 0x1100 { return false }
        let table = wideRanges
        var lo = 0
        var hi = table.count / 2
        while lo < hi {
            let mid = (lo + hi) >> 1
            if v < table[2 * mid] {
                hi = mid
            } else if v > table[2 * mid + 1] {
                lo = mid + 1
            } else {
                return true
            }
        }
        return false
    }

    /// East_Asian_Width W and F code points of Unicode 16.0.0
    /// (EastAsianWidth-16.0.0.txt, including the unassigned code points its
    /// @missing lines default to W), merged into sorted inclusive runs given
    /// as first, last pairs. Verified to be a superset of the Unicode 14 W/F
    /// set whose only additions are the 15.0/15.1/16.0 changes.
    static let wideRanges: [UInt32] = [
        0x1100, 0x115F, 0x231A, 0x231B, 0x2329, 0x232A, 0x23E9, 0x23EC, 0x23F0, 0x23F0, 0x23F3, 0x23F3,
        0x25FD, 0x25FE, 0x2614, 0x2615, 0x2630, 0x2637, 0x2648, 0x2653, 0x267F, 0x267F, 0x268A, 0x268F,
        0x2693, 0x2693, 0x26A1, 0x26A1, 0x26AA, 0x26AB, 0x26BD, 0x26BE, 0x26C4, 0x26C5, 0x26CE, 0x26CE,
        0x26D4, 0x26D4, 0x26EA, 0x26EA, 0x26F2, 0x26F3, 0x26F5, 0x26F5, 0x26FA, 0x26FA, 0x26FD, 0x26FD,
        0x2705, 0x2705, 0x270A, 0x270B, 0x2728, 0x2728, 0x274C, 0x274C, 0x274E, 0x274E, 0x2753, 0x2755,
        0x2757, 0x2757, 0x2795, 0x2797, 0x27B0, 0x27B0, 0x27BF, 0x27BF, 0x2B1B, 0x2B1C, 0x2B50, 0x2B50,
        0x2B55, 0x2B55, 0x2E80, 0x2E99, 0x2E9B, 0x2EF3, 0x2F00, 0x2FD5, 0x2FF0, 0x303E, 0x3041, 0x3096,
        0x3099, 0x30FF, 0x3105, 0x312F, 0x3131, 0x318E, 0x3190, 0x31E5, 0x31EF, 0x321E, 0x3220, 0x3247,
        0x3250, 0xA48C, 0xA490, 0xA4C6, 0xA960, 0xA97C, 0xAC00, 0xD7A3, 0xF900, 0xFAFF, 0xFE10, 0xFE19,
        0xFE30, 0xFE52, 0xFE54, 0xFE66, 0xFE68, 0xFE6B, 0xFF01, 0xFF60, 0xFFE0, 0xFFE6, 0x16FE0, 0x16FE4,
        0x16FF0, 0x16FF1, 0x17000, 0x187F7, 0x18800, 0x18CD5, 0x18CFF, 0x18D08, 0x1AFF0, 0x1AFF3,
        0x1AFF5, 0x1AFFB, 0x1AFFD, 0x1AFFE, 0x1B000, 0x1B122, 0x1B132, 0x1B132, 0x1B150, 0x1B152,
        0x1B155, 0x1B155, 0x1B164, 0x1B167, 0x1B170, 0x1B2FB, 0x1D300, 0x1D356, 0x1D360, 0x1D376,
        0x1F004, 0x1F004, 0x1F0CF, 0x1F0CF, 0x1F18E, 0x1F18E, 0x1F191, 0x1F19A, 0x1F200, 0x1F202,
        0x1F210, 0x1F23B, 0x1F240, 0x1F248, 0x1F250, 0x1F251, 0x1F260, 0x1F265, 0x1F300, 0x1F320,
        0x1F32D, 0x1F335, 0x1F337, 0x1F37C, 0x1F37E, 0x1F393, 0x1F3A0, 0x1F3CA, 0x1F3CF, 0x1F3D3,
        0x1F3E0, 0x1F3F0, 0x1F3F4, 0x1F3F4, 0x1F3F8, 0x1F43E, 0x1F440, 0x1F440, 0x1F442, 0x1F4FC,
        0x1F4FF, 0x1F53D, 0x1F54B, 0x1F54E, 0x1F550, 0x1F567, 0x1F57A, 0x1F57A, 0x1F595, 0x1F596,
        0x1F5A4, 0x1F5A4, 0x1F5FB, 0x1F64F, 0x1F680, 0x1F6C5, 0x1F6CC, 0x1F6CC, 0x1F6D0, 0x1F6D2,
        0x1F6D5, 0x1F6D7, 0x1F6DC, 0x1F6DF, 0x1F6EB, 0x1F6EC, 0x1F6F4, 0x1F6FC, 0x1F7E0, 0x1F7EB,
        0x1F7F0, 0x1F7F0, 0x1F90C, 0x1F93A, 0x1F93C, 0x1F945, 0x1F947, 0x1F9FF, 0x1FA70, 0x1FA7C,
        0x1FA80, 0x1FA89, 0x1FA8F, 0x1FAC6, 0x1FACE, 0x1FADC, 0x1FADF, 0x1FAE9, 0x1FAF0, 0x1FAF8,
        0x20000, 0x2FFFD, 0x30000, 0x3FFFD,
    ]
}
