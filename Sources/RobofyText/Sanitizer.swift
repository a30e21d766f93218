// Makes hostile server text safe to draw on a terminal grid.

public enum Sanitizer {

    /// Makes server text safe to draw.
    ///
    /// - Removes escape sequences whole: CSI (`ESC [` … final byte 0x40–0x7E),
    ///   OSC (`ESC ]` … BEL or ST, e.g. OSC 52 clipboard writes and OSC 8
    ///   hyperlinks, whose visible text is kept), DCS/SOS/PM/APC strings
    ///   (`ESC P`/`X`/`^`/`_` … ST) and short `ESC` sequences (`ESC ( B`,
    ///   `ESC 7`, …), plus their 8-bit C1 forms (U+009B, U+009D, U+0090, …).
    ///   An unterminated string sequence swallows the rest of the text, as a
    ///   terminal would.
    /// - Drops every other C0 control except LF and TAB, DEL, and all C1
    ///   controls. CR is dropped (CRLF becomes LF); backspace is dropped, not
    ///   applied. TAB becomes spaces up to the next multiple of 4 columns.
    /// - Drops bidi controls (U+202A–U+202E, U+2066–U+2069, U+200E, U+200F,
    ///   U+061C) and other invisible format characters that could spoof text
    ///   (ZWSP, word joiner and invisible operators, BOM, soft hyphen,
    ///   interlinear annotation marks, Mongolian vowel separator, and tag
    ///   characters outside an emoji flag tag sequence). ZWJ and ZWNJ stay:
    ///   emoji and several scripts need them.
    /// - U+2028/U+2029 become LF.
    /// - With `allowNewlines` false (one-line fields such as names and titles)
    ///   every line break becomes a space.
    ///
    /// Ordinary Unicode (emoji, CJK, combining marks) is kept intact. A string
    /// that needs nothing removed is returned unchanged without copying.
    ///
    /// `column`: the column `s` starts at, for its first TAB (a piece of a longer line).
    public static func clean(_ s: String, allowNewlines: Bool = true, column: Int = 0) -> String {
        if isClean(s, allowNewlines: allowNewlines) { return s }
        return slowClean(s, allowNewlines: allowNewlines, column: column)
    }

    // MARK: - Fast check

    private static func isClean(_ s: String, allowNewlines: Bool) -> Bool {
        // Printable ASCII (and LF if allowed) is clean: decided on the bytes, without
        // decoding scalars. Anything else is looked at scalar by scalar.
        var copy = s
        let ascii: Bool? = copy.withUTF8 { b in
            for c in b {
                if c >= 0x20 && c < 0x7F { continue }
                if c == 0x0A && allowNewlines { continue }
                return c >= 0x80 ? nil : false
            }
            return true
        }
        if let ascii { return ascii }
        for scalar in s.unicodeScalars {
            let v = scalar.value
            if v == 0x0A {
                if !allowNewlines { return false }
            } else if !keepsAsIs(v) {
                return false
            }
        }
        return true
    }

    /// Whether the sanitizer keeps this scalar as it is, wherever it stands (not a control,
    /// line break or TAB, nor anything it removes).
    @inline(__always) static func keepsAsIs(_ v: UInt32) -> Bool {
        if v < 0x7F { return v >= 0x20 }
        if v <= 0x9F { return false }
        return v < 0xAD || !(isRemovableFormat(v) || v == 0x2028 || v == 0x2029 || isTag(v))
    }

    /// Invisible format characters that are always removed.
    static func isRemovableFormat(_ v: UInt32) -> Bool {
        switch v {
        case 0xAD,              // soft hyphen
             0x61C,             // Arabic letter mark
             0x180E,            // Mongolian vowel separator
             0x200B,            // zero width space
             0x200E, 0x200F,    // LRM, RLM
             0x202A...0x202E,   // LRE, RLE, PDF, LRO, RLO
             0x2060...0x206F,   // word joiner, invisible operators, isolates, deprecated format
             0xFEFF,            // BOM / zero width no-break space
             0xFFF9...0xFFFB:   // interlinear annotation
            return true
        default:
            return false
        }
    }

    private static func isTag(_ v: UInt32) -> Bool {
        v >= 0xE0000 && v <= 0xE007F
    }

    // MARK: - Slow path

    /// Where `slowClean` is in an escape sequence.
    enum State {
        case normal
        case escape            // after ESC
        case escapeIntermediate // ESC followed by 0x20–0x2F bytes
        case csi
        case osc               // terminated by BEL or ST
        case oscEscape         // ESC seen inside an OSC
        case string            // DCS, SOS, PM, APC: terminated by ST
        case stringEscape      // ESC seen inside such a string
    }

    /// The state a scalar outside any sequence starts, if it starts one.
    static func sequenceStart(_ v: UInt32) -> State? {
        switch v {
        case 0x1B: return .escape
        case 0x9B: return .csi
        case 0x9D: return .osc
        case 0x90, 0x98, 0x9E, 0x9F: return .string
        default: return nil
        }
    }

    /// Moves `state` (not `.normal`) on by the scalar `v`, whose text is swallowed; true when
    /// `v` ended the sequence without belonging to it and must be handled again in the new state.
    static func step(_ state: inout State, _ v: UInt32) -> Bool {
        switch state {
        case .normal:
            return true
        case .escape:
            switch v {
            case 0x5B: state = .csi                         // ESC [
            case 0x5D: state = .osc                         // ESC ]
            case 0x50, 0x58, 0x5E, 0x5F: state = .string    // ESC P, X, ^, _
            case 0x1B: state = .escape                      // ESC ESC: start over
            case 0x20...0x2F: state = .escapeIntermediate   // ESC ( B, ESC # 8, …
            case 0x30...0x7E: state = .normal               // ESC 7, ESC c, ESC \, …
            default:
                // Not a valid sequence: drop the ESC, handle this scalar normally.
                state = .normal
                return true
            }
        case .escapeIntermediate:
            switch v {
            case 0x20...0x2F: break
            case 0x30...0x7E: state = .normal
            case 0x1B: state = .escape
            default:
                state = .normal
                return true
            }
        case .csi:
            switch v {
            case 0x20...0x3F: break                 // parameters and intermediates
            case 0x40...0x7E: state = .normal       // final byte
            case 0x1B: state = .escape              // aborted by a new sequence
            case 0x18, 0x1A: state = .normal        // CAN, SUB abort
            default:
                // Anything else aborts the sequence and is handled normally.
                state = .normal
                return true
            }
        case .osc:
            switch v {
            case 0x07, 0x9C, 0x18, 0x1A: state = .normal   // BEL, ST end; CAN, SUB abort
            case 0x1B: state = .oscEscape
            default: break                                  // payload is swallowed
            }
        case .oscEscape, .stringEscape:
            if v == 0x5C {          // ESC \ (ST)
                state = .normal
            } else {                // ESC starting another sequence
                state = .escape
                return true
            }
        case .string:
            switch v {
            case 0x9C, 0x18, 0x1A: state = .normal
            case 0x1B: state = .stringEscape
            default: break
            }
        }
        return false
    }

    private static func slowClean(_ s: String, allowNewlines: Bool, column start: Int) -> String {
        var out = String.UnicodeScalarView()
        var state = State.normal
        var column = start        // approximate column since the last line break, for TAB
        var lastKept: UInt32 = 0  // last scalar written, for emoji tag sequences
        var tagRun = 0            // tag characters kept after a black flag
        var iterator = s.unicodeScalars.makeIterator()
        var reprocess: Unicode.Scalar? = nil

        func lineBreak() {
            if allowNewlines {
                out.append("\n")
                column = 0
            } else {
                out.append(" ")
                column += 1
            }
            lastKept = 0x0A
        }

        while true {
            let c: Unicode.Scalar
            if let r = reprocess {
                c = r
                reprocess = nil
            } else if let n = iterator.next() {
                c = n
            } else {
                break
            }
            let v = c.value
            switch state {
            case .normal:
                if let start = Self.sequenceStart(v) {
                    state = start
                    continue
                }
                switch v {
                case 0x0A, 0x2028, 0x2029: lineBreak()
                case 0x09:
                    let n = 4 - (column % 4)
                    for _ in 0..<n { out.append(" ") }
                    column += n
                    lastKept = 0x20
                case 0x00...0x1F, 0x7F...0x9F:
                    break // other controls (CR, BS, BEL, NUL, C1, …) are dropped
                case 0xE0000...0xE007F:
                    // Tag characters: only as part of an emoji flag tag
                    // sequence (black flag, up to 6 tag letters/digits, cancel tag).
                    let isTagSpec = (0xE0030...0xE0039).contains(v) || (0xE0061...0xE007A).contains(v)
                    let inSequence = lastKept == 0x1F3F4 || (tagRun > 0 && (0xE0020...0xE007E).contains(lastKept))
                    if inSequence && isTagSpec && tagRun < 6 {
                        out.append(c)
                        lastKept = v
                        tagRun += 1
                    } else if inSequence && v == 0xE007F && tagRun > 0 {
                        out.append(c)
                        lastKept = v
                        tagRun = 0
                    }
                default:
                    if isRemovableFormat(v) { break }
                    out.append(c)
                    tagRun = 0
                    lastKept = v
                    column += DisplayWidth.scalarWidth(c)
                }
            default:
                if Self.step(&state, v) { reprocess = c }
            }
        }
        return String(out)
    }
}
