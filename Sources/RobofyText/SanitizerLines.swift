// Where `Sanitizer.clean` may be restarted: line ends outside escape sequences.

extension Sanitizer {
    /// Follows the escape-sequence state of `Sanitizer.clean` over raw UTF-8, to find
    /// the line breaks after which the sanitizer is back in plain text. After such a
    /// line feed the sanitizer's state is the same as at the start of a text (its
    /// column is 0 and it kept a line break last), so `clean(a + b) == clean(a) +
    /// clean(b)` when `a` ends there. An unterminated OSC or DCS string swallows line
    /// feeds: the text cannot be split inside one.
    ///
    /// Runs the states of `slowClean` (`step`) on bytes: a C1 control is the scalar
    /// `C2 80`–`C2 9F`; every other byte at or above 0x80 moves the states as any
    /// other non-ASCII scalar does, however many bytes that scalar has.
    struct LineSplitter {
        private var state = State.normal
        /// A `C2` lead byte waiting for the byte after it.
        private var pendingC2 = false

        /// Takes the next byte; true when it is a line feed the text can be split after.
        mutating func take(_ b: UInt8) -> Bool {
            if pendingC2 {
                pendingC2 = false
                if b >= 0x80 && b <= 0xBF {
                    step(UInt32(b))
                    return false
                }
                step(0xFFFD)   // a lone C2 decodes to U+FFFD; `b` starts a scalar of its own
            }
            if b == 0xC2 {
                pendingC2 = true
                return false
            }
            step(b < 0x80 ? UInt32(b) : 0xFFFD)
            return b == 0x0A && state == .normal
        }

        private mutating func step(_ v: UInt32) {
            while state != .normal {
                if !Sanitizer.step(&state, v) { return }
            }
            if let start = Sanitizer.sequenceStart(v) { state = start }
        }
    }
}
