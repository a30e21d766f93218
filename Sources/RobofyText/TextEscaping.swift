// Escapes server text for outputs that must keep every character but never hand a
// terminal a control (log files, quoted strings in scripts). The screen and line mode
// use `Sanitizer.clean`, which removes them instead.

public enum TextEscaping {
    /// True for a scalar no text output may carry raw: C0 controls (except LF and TAB
    /// when `keepLayout`), DEL, C1 controls (U+0080–U+009F), bidi and other invisible
    /// format characters that `Sanitizer` removes, and U+2028/U+2029.
    public static func isUnsafe(_ v: UInt32, keepLayout: Bool = false) -> Bool {
        if v < 0x20 { return !(keepLayout && (v == 0x0A || v == 0x09)) }
        if v < 0x7F { return false }
        if v <= 0x9F { return true }
        return v == 0x2028 || v == 0x2029 || Sanitizer.isRemovableFormat(v)
    }

    /// True when `escape` would change `s`.
    public static func needsEscaping(_ s: String, keepLayout: Bool = false) -> Bool {
        var copy = s
        let ascii: Bool? = copy.withUTF8 { b in
            for c in b {
                if c >= 0x20 && c < 0x7F { continue }
                if c >= 0x80 { return nil }
                if keepLayout && (c == 0x0A || c == 0x09) { continue }
                return true
            }
            return false
        }
        if let ascii { return ascii }
        return s.unicodeScalars.contains { isUnsafe($0.value, keepLayout: keepLayout) }
    }

    /// `s` with every unsafe scalar (see `isUnsafe`) written as `\u{1B}`, so a log
    /// line shows what the server sent and `cat`-ing it is harmless. Everything else,
    /// backslashes included, is kept as it is.
    public static func escape(_ s: String, keepLayout: Bool = false) -> String {
        guard needsEscaping(s, keepLayout: keepLayout) else { return s }
        var out = String.UnicodeScalarView()
        for scalar in s.unicodeScalars {
            if isUnsafe(scalar.value, keepLayout: keepLayout) {
                out.append(contentsOf: "\\u{\(hex(scalar.value))}".unicodeScalars)
            } else {
                out.append(scalar)
            }
        }
        return String(out)
    }

    /// Text made of quoted strings (JSON, or YAML whose strings needing it are
    /// double-quoted): every unsafe scalar still raw becomes `\uXXXX`, which both read
    /// back as the same character. Use after the encoder has escaped what it knows.
    public static func escapeInQuotedText(_ s: String) -> String {
        guard needsEscaping(s, keepLayout: true) else { return s }
        var out = String.UnicodeScalarView()
        for scalar in s.unicodeScalars {
            if isUnsafe(scalar.value, keepLayout: true) {
                let h = hex(scalar.value)
                out.append(contentsOf: ("\\u" + String(repeating: "0", count: max(0, 4 - h.count)) + h).unicodeScalars)
            } else {
                out.append(scalar)
            }
        }
        return String(out)
    }

    static func hex(_ v: UInt32) -> String {
        let s = String(v, radix: 16, uppercase: true)
        return s.count < 2 ? "0" + s : s
    }
}
