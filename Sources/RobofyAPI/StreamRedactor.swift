// RobofyAPI: redacting text that arrives in pieces.

/// Redacts text that arrives in pieces (an answer's deltas), so that a secret split across
/// pieces is redacted whole: the widget token a server echoes, any bearer token or JWT
/// (`Redaction`). It holds back the end of the text that may still grow into one, and
/// releases it, redacted, once the next piece shows where it ends, or at `finish`:
///
/// - the last word of token characters (letters, digits, `. _ ~ + / = -`), with a `Bearer`
///   and its spaces before it; a word longer than `maxHold` bytes is let go (it is no token);
/// - an end of the text that a remembered secret with other characters begins with.
///
/// So an answer is shown a word late, and never with a token in it.
public struct StreamRedactor: Sendable {
    /// A trailing word longer than this is released (redacted as far as it goes): a long
    /// run of token characters (a blob in a code block) is not held back to the end.
    public static let maxHold = 8 << 10

    private var held: [UInt8] = []
    /// Whether `held` is all token characters (a word not looked at again: a long word
    /// arriving in small pieces costs each piece, not the word so far).
    private var heldIsWord = false
    private var version = -1
    private var secrets: [String] = []
    /// The secrets with a byte that is no token character: the held word alone cannot cover them.
    private var otherSecrets: [[UInt8]] = []

    public init() {}

    /// Whether text is held back (the text released so far is not all the text fed).
    public var isHolding: Bool { !held.isEmpty }

    /// Whether the text held back ends with a line break, and with two (it can: a "Bearer"
    /// and the line breaks after it wait for the token that may follow).
    public var heldEndsWithBreaks: (one: Bool, two: Bool) {
        let n = held.count
        return (n >= 1 && held[n - 1] == 0x0A, n >= 2 && held[n - 1] == 0x0A && held[n - 2] == 0x0A)
    }

    /// Feeds a piece; returns the text that can be shown now (redacted), maybe "".
    public mutating func feed(_ piece: String) -> String {
        refresh()
        let known = heldIsWord ? held.count : 0
        held.append(contentsOf: piece.utf8)
        let (cut, word) = Self.releasePoint(held, otherSecrets: otherSecrets, knownWord: known)
        // What stays held is all token characters when the cut is where the last word begins.
        heldIsWord = cut == word && cut < held.count
        guard cut > 0 else { return "" }
        let shown = String(decoding: held[..<cut], as: UTF8.self)
        held.removeSubrange(..<cut)
        return Redaction.redact(shown, sortedSecrets: secrets)
    }

    /// The end of the text: what was held back, redacted.
    public mutating func finish() -> String {
        refresh()
        defer {
            held.removeAll()
            heldIsWord = false
        }
        guard !held.isEmpty else { return "" }
        return Redaction.redact(String(decoding: held, as: UTF8.self), sortedSecrets: secrets)
    }

    private mutating func refresh() {
        guard let r = Redaction.secrets(ifChangedSince: version) else { return }
        secrets = r.secrets
        version = r.version
        otherSecrets = r.secrets.map { Array($0.utf8) }.filter { !$0.allSatisfy(Self.isTokenByte) }
    }

    /// The characters of the tokens `Redaction` finds by their shape (`Bearer …`, JWTs).
    @inline(__always) static func isTokenByte(_ c: UInt8) -> Bool {
        switch c {
        case 0x30...0x39, 0x41...0x5A, 0x61...0x7A, 0x2E, 0x5F, 0x7E, 0x2B, 0x2F, 0x3D, 0x2D: return true
        default: return false
        }
    }

    /// ASCII white space, as a regular expression's `\s` reads it.
    @inline(__always) static func isSpace(_ c: UInt8) -> Bool {
        c == 0x20 || (0x09...0x0D).contains(c)
    }

    /// Where the text that may be shown ends: before the last word of token characters (and
    /// a "bearer" with the spaces after it before that), and before any occurrence of a secret
    /// with other characters, or start of one, that the cut would split. The cut never falls
    /// inside a word of token characters (`Redaction`'s patterns match inside them).
    /// `knownWord`: the first bytes of `b` are known to be token characters. Also returns where
    /// the last word of token characters begins.
    static func releasePoint(_ b: [UInt8], otherSecrets: [[UInt8]], knownWord: Int = 0) -> (cut: Int, word: Int) {
        let n = b.count
        var i = n
        while i > knownWord, isTokenByte(b[i - 1]) { i -= 1 }
        if i == knownWord { i = 0 }
        let word = i
        if n - i > maxHold { i = n }
        // Each rule may move the cut back, which may call for another: look again until it stays.
        var moved = true
        while moved {
            moved = false
            // "Bearer" and the white space after it stay with the token that follows (as
            // `Redaction`'s pattern reads them: "bearer" in any case, then any white space).
            var j = i
            while j > 0, isSpace(b[j - 1]) { j -= 1 }
            if j < i, j >= 6, zip(b[(j - 6)..<j], "bearer".utf8).allSatisfy({ $0 | 0x20 == $1 }) {
                i = j - 6
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
            while i > 0, i < n, isTokenByte(b[i - 1]), isTokenByte(b[i]) {
                i -= 1
                moved = true
            }
        }
        return (i, word)
    }
}
