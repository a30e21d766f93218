import Foundation
import RobofyText
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Removes secrets (the widget token) from text before it is shown, logged or saved.
///
/// Three layers: every token this process ever held (the registry, fed by
/// `RobofyClient.handshake()` and by `ChatSession` for each handshake it adopts: the first
/// handshake, a reconnect, the re-handshake after a 401 and a handshake read from a file
/// alike, so every consumer redacts a renewed token without being told), exact
/// secrets the caller passes, and anything that looks like one (`Bearer …`, a JWT
/// `eyJ….….…`), for secrets nobody told us about.
public enum Redaction {
    public static let placeholder = "[redacted]"

    /// Tokens remembered at most (the oldest are forgotten first; a session renews its
    /// token a few times an hour, a fuzzer or a long `serve` might do so without end).
    public static let registryLimit = 256

    /// The registry: every secret remembered so far, newest last, and how many times it
    /// changed (`StreamRedactor` copies the secrets again only when that number moves).
    private static let registry = Registry()

    /// The registry's value under a lock (Foundation's, so that this file builds on its own with
    /// the handshake decoder in the fuzz target: a handshake's texts are read redacted).
    private final class Registry: @unchecked Sendable {
        private let lock = NSLock()
        private var value: (secrets: [String], version: Int) = ([], 0)

        func withLockedValue<T>(_ body: (inout (secrets: [String], version: Int)) -> T) -> T {
            lock.lock()
            defer { lock.unlock() }
            return body(&value)
        }
    }

    /// Remembers a secret (a widget token) for every later `redact` in this process.
    /// Secrets shorter than 8 characters are not remembered (they would redact ordinary words).
    public static func remember(_ secret: String) {
        guard secret.count >= 8 else { return }
        registry.withLockedValue { r in
            if r.secrets.last == secret { return }
            if let i = r.secrets.firstIndex(of: secret) { r.secrets.remove(at: i) }
            r.secrets.append(secret)
            if r.secrets.count > registryLimit { r.secrets.removeFirst(r.secrets.count - registryLimit) }
            r.version += 1
        }
    }

    /// Every secret remembered so far, newest last.
    public static var rememberedSecrets: [String] {
        registry.withLockedValue { $0.secrets }
    }

    /// The remembered secrets, longest first (as `redact(_:sortedSecrets:)` takes them),
    /// unless the registry is still at `version`.
    static func secrets(ifChangedSince version: Int) -> (secrets: [String], version: Int)? {
        let r = registry.withLockedValue { r -> (secrets: [String], version: Int)? in
            r.version == version ? nil : r
        }
        return r.map { (Self.longestFirst($0.secrets), $0.version) }
    }

    static func longestFirst(_ secrets: [String]) -> [String] {
        secrets.filter { $0.count >= 8 }.sorted { $0.count > $1.count }
    }

    private static let bearer = try? NSRegularExpression(pattern: "(?i)bearer\\s+[A-Za-z0-9._~+/=-]+")
    private static let jwt = try? NSRegularExpression(
        pattern: "eyJ[A-Za-z0-9_-]+\\.[A-Za-z0-9_-]+\\.[A-Za-z0-9_-]+")

    /// `s` with every known secret and every bearer token or JWT replaced.
    public static func redact(_ s: String, secrets: some Collection<String> = [String]()) -> String {
        redact(s, sortedSecrets: longestFirst(Array(secrets) + rememberedSecrets))
    }

    /// `s` with each of `all` (longest first, so a secret that contains another is replaced
    /// whole; none shorter than 8 characters) and every bearer token or JWT replaced.
    static func redact(_ s: String, sortedSecrets all: [String]) -> String {
        var out = s
        for secret in all where contains(out, secret) {
            out = out.replacingOccurrences(of: secret, with: placeholder)
        }
        // Cheap checks first: most text (every streamed delta) has neither.
        let (maybeBearer, maybeJWT) = mayHold(out)
        if maybeBearer, out.range(of: "bearer", options: .caseInsensitive) != nil, let r = bearer {
            out = r.stringByReplacingMatches(in: out, range: NSRange(out.startIndex..., in: out),
                                             withTemplate: "Bearer \(placeholder)")
        }
        if maybeJWT, out.contains("eyJ"), let r = jwt {
            out = r.stringByReplacingMatches(in: out, range: NSRange(out.startIndex..., in: out),
                                             withTemplate: placeholder)
        }
        return out
    }

    /// `text.contains(needle)` as Foundation answers it, found by comparing bytes when the
    /// needle is ASCII (a token is): an ASCII character has no other canonical form, so a
    /// byte match is a match. Far cheaper on a long answer.
    static func contains(_ text: String, _ needle: String) -> Bool {
        var t = text, n = needle
        let fast: Bool? = n.withUTF8 { nb -> Bool? in
            guard !nb.isEmpty, !nb.contains(where: { $0 >= 0x80 }), let np = nb.baseAddress else { return nil }
            return t.withUTF8 { tb -> Bool in
                guard let tp = tb.baseAddress, tb.count >= nb.count else { return false }
                // Candidates by `memchr` on one byte of the needle, then `memcmp`: its first byte
                // that is no lowercase letter nor space, rare in prose (a token starts "eyJ": a
                // search by its "e" stopped every few bytes of an answer).
                let k = nb.firstIndex { !(0x61...0x7A).contains($0) && $0 != 0x20 } ?? 0
                let key = Int32(nb[k]), last = tb.count - nb.count
                var i = 0
                while i <= last {
                    guard let hit = memchr(tp + i + k, key, last - i + 1) else { return false }
                    let at = (UnsafeRawPointer(hit) - UnsafeRawPointer(tp)) - k
                    if memcmp(tp + at, np, nb.count) == 0 { return true }
                    i = at + 1
                }
                return false
            }
        }
        return fast ?? text.contains(needle)
    }

    /// Whether `s` may hold "bearer" (any case) or "eyJ": one pass over the UTF-8 bytes,
    /// instead of Foundation's searches, which cost far more on every streamed event.
    /// Text with non-ASCII bytes answers (true, true): Foundation decides.
    ///
    /// A word is looked at byte by byte only when it holds a "b" (any case), a "J" or a
    /// non-ASCII byte: "eyJ" is found by its "J", rare in prose, not by its "e", which is in
    /// nearly every eight bytes of English and made the scan a byte at a time.
    static func mayHold(_ s: String) -> (bearer: Bool, jwt: Bool) {
        var s = s
        return s.withUTF8 { b in
            let n = b.count
            var bearer = false, jwt = false
            var i = 0
            while i < n {
                if i + 8 <= n {
                    // Straight to the first byte of the word that matters (or past the word).
                    let x = ByteWords.load(b, i)
                    let m = (x & 0x8080_8080_8080_8080) | ByteWords.matches(x | 0x2020_2020_2020_2020, 0x62)
                        | ByteWords.matches(x, 0x4A)
                    if m == 0 {
                        i += 8
                        continue
                    }
                    i += m.trailingZeroBitCount >> 3
                }
                let c = b[i]
                if c >= 0x80 { return (true, true) }
                if c | 0x20 == 0x62, i + 6 <= n, b[i + 1] | 0x20 == 0x65, b[i + 2] | 0x20 == 0x61,
                   b[i + 3] | 0x20 == 0x72, b[i + 4] | 0x20 == 0x65, b[i + 5] | 0x20 == 0x72 {
                    bearer = true
                } else if c == 0x4A, i >= 2, b[i - 2] == 0x65, b[i - 1] == 0x79 {
                    jwt = true
                }
                i += 1
            }
            return (bearer, jwt)
        }
    }
}

extension JSONValue {
    /// Indented JSON text with sorted keys (for the inspector), or with the keys in their own
    /// order (`sortedKeys: false`, for saved scripts people read).
    public func prettyText(indent: String = "  ", sortedKeys: Bool = true) -> String {
        var out = ""
        writePretty(into: &out, level: 0, indent: indent, sortedKeys: sortedKeys)
        return out
    }

    private func writePretty(into out: inout String, level: Int, indent: String, sortedKeys: Bool) {
        let pad = String(repeating: indent, count: level)
        let inner = pad + indent
        switch self {
        case .array(let a) where !a.isEmpty:
            out += "[\n"
            for (i, v) in a.enumerated() {
                out += inner
                v.writePretty(into: &out, level: level + 1, indent: indent, sortedKeys: sortedKeys)
                out += i == a.count - 1 ? "\n" : ",\n"
            }
            out += pad + "]"
        case .object(let o) where !o.isEmpty:
            out += "{\n"
            let keys = sortedKeys ? o.keys.sorted() : Array(o.keys)
            for (i, k) in keys.enumerated() {
                out += inner + JSONValue.quote(k) + ": "
                (o[k] ?? .null).writePretty(into: &out, level: level + 1, indent: indent, sortedKeys: sortedKeys)
                out += i == keys.count - 1 ? "\n" : ",\n"
            }
            out += pad + "}"
        default:
            out += compactText
        }
    }
}
