// RobofyAPI: redacting text that arrives in pieces.

/// Redacts text that arrives in pieces (an answer's deltas), so that a secret split across
/// pieces is redacted whole: the widget token a server echoes, any bearer token or JWT
/// (`Redaction`). It holds back the end of the text that may still grow into one, and
/// releases it, redacted, once the next piece shows where it ends, or at `finish`:
///
/// - the last word of token characters (as `Redaction`'s bearer pattern reads them: letters,
///   digits, `. _ ~ + / = -`, and the two letters that match one of them ignoring case, `ſ`
///   and the Kelvin sign), with a `Bearer` and its white space (any the pattern's `\s`
///   takes: a no-break space, an em space…) before it;
/// - an end of the text that a remembered secret with other characters begins with.
///
/// A word longer than `maxHold` bytes is released as it grows, but never cut inside a
/// remembered secret, a "bearer" or a run of JWT characters from an "eyJ"; a word that
/// cannot be cut so (a bearer token or a JWT longer than `maxHold`) is replaced whole, by
/// one placeholder, with the rest of it as it comes. So an answer is shown a word late, and
/// never with a token in it, and the text held back stays under `maxHold` and a piece.
public struct StreamRedactor: Sendable {
    /// A trailing word longer than this is released as it grows (see the type's notes): a
    /// long run of token characters (a blob in a code block) is not held back to the end.
    public static let maxHold = 8 << 10

    private var held: [UInt8] = []
    /// Whether `held` is all token characters (a word not looked at again: a long word
    /// arriving in small pieces costs each piece, not the word so far).
    private var heldIsWord = false
    /// The rest of a word replaced whole is dropped as it comes (`releaseLongWord`): the
    /// token characters after a "bearer", the JWT characters after an "eyJ".
    private enum Rest { case none, token, jwt }
    private var dropping = Rest.none
    private var version = -1
    private var secrets: [String] = []
    /// The secrets with a byte that is no token character: the held word alone cannot cover them.
    private var otherSecrets: [[UInt8]] = []
    /// Every secret's bytes, and the longest one's length (a long word keeps at least that
    /// much back: its end may be the start of one).
    private var allSecrets: [[UInt8]] = []
    private var longestSecret = 0

    public init() {}

    /// Whether text is held back (the text released so far is not all the text fed).
    public var isHolding: Bool { !held.isEmpty }

    /// How many bytes are held back.
    var heldCount: Int { held.count }

    /// Whether the text held back ends with a line break, and with two (it can: a "Bearer"
    /// and the line breaks after it wait for the token that may follow).
    public var heldEndsWithBreaks: (one: Bool, two: Bool) {
        let n = held.count
        return (n >= 1 && held[n - 1] == 0x0A, n >= 2 && held[n - 1] == 0x0A && held[n - 2] == 0x0A)
    }

    /// Feeds a piece; returns the text that can be shown now (redacted), maybe "".
    public mutating func feed(_ piece: String) -> String {
        refresh()
        guard dropping != .none else { return take(piece.utf8) }
        let rest = Substring(piece).unicodeScalars.drop { u in
            dropping == .token ? Self.isTokenScalar(u) : u.value < 0x80 && Self.isJWTByte(UInt8(u.value))
        }
        if rest.isEmpty { return "" }
        dropping = .none
        return take(Substring(rest).utf8)
    }

    private mutating func take(_ piece: some Collection<UInt8>) -> String {
        let known = heldIsWord ? held.count : 0
        held.append(contentsOf: piece)
        let (cut, word) = Self.releasePoint(held, otherSecrets: otherSecrets, knownWord: known)
        if held.count - word > Self.maxHold { return releaseLongWord(at: word) }
        // What stays held is all token characters when the cut is where the last word begins.
        heldIsWord = cut == word && cut < held.count
        return release(cut)
    }

    /// The end of the text: what was held back, redacted.
    public mutating func finish() -> String {
        refresh()
        dropping = .none
        return release(held.count)
    }

    /// The first `cut` bytes held, redacted, and no longer held.
    private mutating func release(_ cut: Int) -> String {
        guard cut > 0 else { return "" }
        let shown = String(decoding: held[..<cut], as: UTF8.self)
        held.removeSubrange(..<cut)
        if held.isEmpty { heldIsWord = false }
        return Redaction.redact(shown, sortedSecrets: secrets)
    }

    /// The last word, from `word`, is longer than `maxHold`. After a "bearer" the whole word is
    /// the token: the text is released with it redacted, and the rest of the word dropped as
    /// it comes. Else the word is released but for its end, which is held as a word is; the
    /// cut moves back out of any secret, "bearer" or JWT characters from an "eyJ" it would
    /// split. When nothing of the word is left to release so (JWT characters from an "eyJ" as
    /// long as the hold: they may still become a JWT), the word is replaced whole, and the
    /// JWT characters after it dropped as they come.
    private mutating func releaseLongWord(at word: Int) -> String {
        if Self.bearerEnds(held, at: word) {
            dropping = .token
            return release(held.count)
        }
        let cut = Self.longWordCut(held, word: word, keep: max(16, longestSecret), secrets: allSecrets)
        if cut > word {
            heldIsWord = true
            return release(cut)
        }
        held.removeSubrange(word...)
        dropping = .jwt
        return release(held.count) + Redaction.placeholder
    }

    private mutating func refresh() {
        guard let r = Redaction.secrets(ifChangedSince: version) else { return }
        secrets = r.secrets
        version = r.version
        allSecrets = r.secrets.map { Array($0.utf8) }
        longestSecret = allSecrets.map(\.count).max() ?? 0
        otherSecrets = allSecrets.filter { !Self.isWord($0) }
    }

    /// The characters of the tokens `Redaction` finds by their shape (`Bearer …`, JWTs), one
    /// byte long.
    @inline(__always) static func isTokenByte(_ c: UInt8) -> Bool {
        switch c {
        case 0x30...0x39, 0x41...0x5A, 0x61...0x7A, 0x2E, 0x5F, 0x7E, 0x2B, 0x2F, 0x3D, 0x2D: return true
        default: return false
        }
    }

    /// A token character: a token byte, or one of the two letters the bearer pattern takes
    /// ignoring case (`ſ` for `s`, the Kelvin sign for `k`).
    static func isTokenScalar(_ u: Unicode.Scalar) -> Bool {
        u.value < 0x80 ? isTokenByte(UInt8(u.value)) : u.value == 0x17F || u.value == 0x212A
    }

    /// The length of the token character that ends before `i`, or 0.
    @inline(__always) static func tokenBefore(_ b: [UInt8], _ i: Int) -> Int {
        guard i > 0 else { return 0 }
        let c = b[i - 1]
        if c < 0x80 { return isTokenByte(c) ? 1 : 0 }
        if c == 0xBF, i >= 2, b[i - 2] == 0xC5 { return 2 }
        if c == 0xAA, i >= 3, b[i - 3] == 0xE2, b[i - 2] == 0x84 { return 3 }
        return 0
    }

    /// Whether a token character begins at `i`.
    @inline(__always) static func tokenAt(_ b: [UInt8], _ i: Int) -> Bool {
        guard i < b.count else { return false }
        let c = b[i]
        if c < 0x80 { return isTokenByte(c) }
        if c == 0xC5 { return i + 1 < b.count && b[i + 1] == 0xBF }
        return c == 0xE2 && i + 2 < b.count && b[i + 1] == 0x84 && b[i + 2] == 0xAA
    }

    /// Whether all of `s` is token characters.
    static func isWord(_ s: [UInt8]) -> Bool {
        var i = s.count
        while i > 0 {
            let k = tokenBefore(s, i)
            if k == 0 { return false }
            i -= k
        }
        return true
    }

    /// The length of the white space character (as a regular expression's `\s` reads it:
    /// ASCII's, U+0085, and Unicode's space separators) that ends before `i`, or 0.
    @inline(__always) static func spaceBefore(_ b: [UInt8], _ i: Int) -> Int {
        guard i > 0 else { return 0 }
        let c = b[i - 1]
        if c < 0x80 { return c == 0x20 || (0x09...0x0D).contains(c) ? 1 : 0 }
        if i >= 2, b[i - 2] == 0xC2 { return c == 0x85 || c == 0xA0 ? 2 : 0 }
        guard i >= 3 else { return 0 }
        switch (b[i - 3], b[i - 2], c) {
        case (0xE1, 0x9A, 0x80), (0xE2, 0x80, 0x80...0x8A), (0xE2, 0x80, 0xA8), (0xE2, 0x80, 0xA9),
             (0xE2, 0x80, 0xAF), (0xE2, 0x81, 0x9F), (0xE3, 0x80, 0x80):
            return 3
        default:
            return 0
        }
    }

    /// Whether a "bearer" (any case) and white space after it end at `i`.
    static func bearerEnds(_ b: [UInt8], at i: Int) -> Bool { bearerStart(b, endingAt: i) != nil }

    /// Where a "bearer" (any case) and the white space after it begin, when they end at `i`.
    static func bearerStart(_ b: [UInt8], endingAt i: Int) -> Int? {
        var j = i
        while case let k = spaceBefore(b, j), k > 0 { j -= k }
        guard j < i, j >= 6, zip(b[(j - 6)..<j], bearer).allSatisfy({ $0 | 0x20 == $1 }) else { return nil }
        return j - 6
    }

    /// A character of a JWT's parts (or the dots between them).
    @inline(__always) static func isJWTByte(_ c: UInt8) -> Bool {
        switch c {
        case 0x30...0x39, 0x41...0x5A, 0x61...0x7A, 0x2E, 0x5F, 0x2D: return true
        default: return false
        }
    }

    /// Where a long word (all token characters from `word` to the end of `b`) may be cut: `keep`
    /// bytes before its end (its end may still grow into a secret, a "bearer" or an "eyJ"), then
    /// back out of any secret, "bearer", or run of JWT characters from an "eyJ", that the cut
    /// would split, until none is. At most `word` (nothing of the word can be released).
    static func longWordCut(_ b: [UInt8], word: Int, keep: Int, secrets: [[UInt8]]) -> Int {
        var i = b.count - keep
        // Not inside a character of more than one byte.
        while i > word, !tokenAt(b, i) { i -= 1 }
        return backOut(b, at: i, from: word, secrets: secrets)
    }

    /// A place to cut `b` at `i`, moved back out of any secret, "bearer", or run of JWT
    /// characters from an "eyJ", that the cut would split, until none is; never before `from`.
    static func backOut(_ b: [UInt8], at i: Int, from: Int, secrets: [[UInt8]]) -> Int {
        var i = i
        var moved = true
        while moved, i > from {
            moved = false
            for s in secrets {
                if let k = occurrence(of: s, across: i, in: b, from: from) {
                    i = k
                    moved = true
                }
            }
            if let k = occurrence(of: bearer, across: i, in: b, from: from, ignoringCase: true) {
                i = k
                moved = true
            }
            if i > from, i < b.count, isJWTByte(b[i - 1]), isJWTByte(b[i]), let k = jwtStart(b, before: i, from: from) {
                i = k
                moved = true
            }
        }
        return max(i, from)
    }

    static let bearer = Array("bearer".utf8)

    /// Where text without white space (`b`, a long word) may be cut by a writer that keeps it
    /// in pieces, each redacted on its own (the autosave): all but its last `maxHold` bytes (or
    /// the longest secret's, if longer), then back out of any secret this process knows,
    /// "bearer", or run of JWT characters from an "eyJ", that the cut would split; never inside
    /// a character. 0 when nothing can be cut.
    public static func cutInLongWord(_ b: [UInt8]) -> Int {
        let secrets = Redaction.rememberedSecrets.map { Array($0.utf8) }
        let keep = max(maxHold, secrets.map(\.count).max() ?? 0)
        guard b.count > keep else { return 0 }
        var i = b.count - keep
        while i > 0, b[i] & 0xC0 == 0x80 { i -= 1 }
        return backOut(b, at: i, from: 0, secrets: secrets)
    }

    /// The first "eyJ" of the run of JWT characters (from `from` on) that goes on across `i`
    /// and begins before it.
    static func jwtStart(_ b: [UInt8], before i: Int, from: Int) -> Int? {
        var r = i
        while r > from, isJWTByte(b[r - 1]) { r -= 1 }
        var k = r
        while k < i, k + 2 < b.count {
            if b[k] == 0x65, b[k + 1] == 0x79, b[k + 2] == 0x4A { return k }
            k += 1
        }
        return nil
    }

    /// Where an occurrence of `s` in `b` that `i` would split begins (at `from` or after), if any.
    static func occurrence(of s: [UInt8], across i: Int, in b: [UInt8], from: Int,
                           ignoringCase: Bool = false) -> Int? {
        guard s.count > 1 else { return nil }
        var k = max(from, i - s.count + 1)
        while k < i {
            if k + s.count <= b.count,
               zip(b[k..<(k + s.count)], s).allSatisfy({ ignoringCase ? $0 | 0x20 == $1 : $0 == $1 }) {
                return k
            }
            k += 1
        }
        return nil
    }

    /// Where the text that may be shown ends: before the last word of token characters (and
    /// a "bearer" with the white space after it before that), and before any occurrence of a
    /// secret with other characters, or start of one, that the cut would split. The cut never
    /// falls inside a word of token characters (`Redaction`'s patterns match inside them).
    /// `knownWord`: the first bytes of `b` are known to be token characters. Also returns where
    /// the last word of token characters begins.
    static func releasePoint(_ b: [UInt8], otherSecrets: [[UInt8]], knownWord: Int = 0) -> (cut: Int, word: Int) {
        let n = b.count
        var i = n
        while i > knownWord, case let k = tokenBefore(b, i), k > 0 { i -= k }
        if i == knownWord { i = 0 }
        let word = i
        // Each rule may move the cut back, which may call for another: look again until it stays.
        var moved = true
        while moved {
            moved = false
            // "Bearer" and the white space after it stay with the token that follows (as
            // `Redaction`'s pattern reads them: "bearer" in any case, then any white space).
            if let j = bearerStart(b, endingAt: i) {
                i = j
                moved = true
            }
            // A secret with other characters: not split, nor its start at the end.
            for s in otherSecrets {
                guard let first = s.first else { continue }
                var k = max(0, i - (s.count - 1))
                while k < i {
                    let m = min(s.count, n - k)
                    if b[k] == first, b[k..<(k + m)].elementsEqual(s.prefix(m)) {
                        i = k
                        moved = true
                        break
                    }
                    k += 1
                }
            }
            // Not inside a word of token characters.
            while i > 0, i < n, case let k = tokenBefore(b, i), k > 0, tokenAt(b, i) {
                i -= k
                moved = true
            }
        }
        return (i, word)
    }
}
