import Foundation

/// Parses JSON text into a `JSONValue` in one pass over the bytes (RFC 8259; a top-level
/// fragment is allowed), with a nesting limit.
///
/// `JSONDecoder` decoding `JSONValue` had to try one type after another, and each failed
/// trial rebuilt the coding path: cost grew with the cube of the nesting depth (1.1 KB
/// nested 511 deep took ~2 s; an 8 MiB handshake 45 s). This parser looks at each byte
/// once and refuses nesting deeper than `maxDepth` with an error, never a stack overflow.
public struct JSONParser {
    /// Deepest nesting of arrays and objects accepted. Real answers nest a handful of levels.
    public static let maxDepth = 128

    public enum Failure: Error, Equatable, CustomStringConvertible {
        case syntax(offset: Int, what: String)
        case tooDeep(offset: Int)

        public var description: String {
            switch self {
            case .syntax(let o, let what): "invalid JSON at byte \(o): \(what)"
            case .tooDeep(let o): "JSON nested deeper than \(JSONParser.maxDepth) levels at byte \(o)"
            }
        }
    }

    /// Parses a whole document (surrounding whitespace allowed).
    public static func parse(_ bytes: UnsafeRawBufferPointer) throws(Failure) -> JSONValue {
        var p = JSONParser(bytes: bytes)
        p.skipSpace()
        let v = try p.value(depth: 0)
        p.skipSpace()
        guard p.i == p.n else { throw .syntax(offset: p.i, what: "extra text after the value") }
        return v
    }

    public static func parse(_ data: Data) throws(Failure) -> JSONValue {
        do {
            return try data.withUnsafeBytes { raw in try parse(raw) }
        } catch let e as Failure {
            throw e
        } catch {
            throw .syntax(offset: 0, what: "unreadable")
        }
    }

    private let b: UnsafeRawBufferPointer
    private let n: Int
    private var i = 0

    private init(bytes: UnsafeRawBufferPointer) {
        b = bytes
        n = bytes.count
    }

    private mutating func skipSpace() {
        while i < n {
            let c = b[i]
            guard c == 0x20 || c == 0x0A || c == 0x0D || c == 0x09 else { return }
            i += 1
        }
    }

    private mutating func value(depth: Int) throws(Failure) -> JSONValue {
        guard i < n else { throw .syntax(offset: i, what: "unexpected end") }
        switch b[i] {
        case 0x7B: return try object(depth: depth + 1)
        case 0x5B: return try array(depth: depth + 1)
        case 0x22: return .string(try string())
        case 0x74: try literal("true"); return .bool(true)
        case 0x66: try literal("false"); return .bool(false)
        case 0x6E: try literal("null"); return .null
        case 0x2D, 0x30...0x39: return .number(try number())
        default: throw .syntax(offset: i, what: "unexpected character")
        }
    }

    private mutating func literal(_ word: StaticString) throws(Failure) {
        let len = word.utf8CodeUnitCount
        guard n - i >= len else { throw .syntax(offset: i, what: "unexpected end") }
        let p = word.utf8Start
        for k in 0..<len where b[i + k] != p[k] { throw .syntax(offset: i + k, what: "unexpected character") }
        i += len
    }

    private mutating func object(depth: Int) throws(Failure) -> JSONValue {
        guard depth <= Self.maxDepth else { throw .tooDeep(offset: i) }
        i += 1
        var out: JSONObject = [:]
        skipSpace()
        if i < n, b[i] == 0x7D {
            i += 1
            return .object(out)
        }
        while true {
            skipSpace()
            guard i < n, b[i] == 0x22 else { throw .syntax(offset: i, what: "expected a key") }
            let key = try string()
            skipSpace()
            guard i < n, b[i] == 0x3A else { throw .syntax(offset: i, what: "expected ':'") }
            i += 1
            skipSpace()
            out[key] = try value(depth: depth)
            skipSpace()
            guard i < n else { throw .syntax(offset: i, what: "unexpected end") }
            if b[i] == 0x2C {
                i += 1
                continue
            }
            guard b[i] == 0x7D else { throw .syntax(offset: i, what: "expected ',' or '}'") }
            i += 1
            return .object(out)
        }
    }

    private mutating func array(depth: Int) throws(Failure) -> JSONValue {
        guard depth <= Self.maxDepth else { throw .tooDeep(offset: i) }
        i += 1
        var out: [JSONValue] = []
        skipSpace()
        if i < n, b[i] == 0x5D {
            i += 1
            return .array(out)
        }
        while true {
            skipSpace()
            out.append(try value(depth: depth))
            skipSpace()
            guard i < n else { throw .syntax(offset: i, what: "unexpected end") }
            if b[i] == 0x2C {
                i += 1
                continue
            }
            guard b[i] == 0x5D else { throw .syntax(offset: i, what: "expected ',' or ']'") }
            i += 1
            return .array(out)
        }
    }

    private mutating func number() throws(Failure) -> Double {
        let start = i
        if b[i] == 0x2D { i += 1 }
        func digits() -> Int {
            let s = i
            while i < n, b[i] >= 0x30, b[i] <= 0x39 { i += 1 }
            return i - s
        }
        guard i < n else { throw .syntax(offset: i, what: "unexpected end") }
        if b[i] == 0x30 {
            i += 1
        } else if digits() == 0 {
            throw .syntax(offset: i, what: "expected a digit")
        }
        if i < n, b[i] == 0x2E {
            i += 1
            guard digits() > 0 else { throw .syntax(offset: i, what: "expected a digit") }
        }
        if i < n, b[i] == 0x65 || b[i] == 0x45 {
            i += 1
            if i < n, b[i] == 0x2B || b[i] == 0x2D { i += 1 }
            guard digits() > 0 else { throw .syntax(offset: i, what: "expected a digit") }
        }
        let text = String(decoding: UnsafeRawBufferPointer(rebasing: b[start..<i]), as: UTF8.self)
        // Like JSONDecoder: a number no Double can hold (1e999) is an error, never ±inf.
        guard let v = Double(text), v.isFinite else { throw .syntax(offset: start, what: "number out of range") }
        return v
    }

    private mutating func hex4() throws(Failure) -> UInt32 {
        guard n - i >= 4 else { throw .syntax(offset: i, what: "unexpected end") }
        var v: UInt32 = 0
        for _ in 0..<4 {
            let c = b[i]
            let d: UInt8
            switch c {
            case 0x30...0x39: d = c - 0x30
            case 0x41...0x46: d = c - 0x41 + 10
            case 0x61...0x66: d = c - 0x61 + 10
            default: throw .syntax(offset: i, what: "bad \\u escape")
            }
            v = v << 4 | UInt32(d)
            i += 1
        }
        return v
    }

    /// A string starting at the opening quote. Invalid UTF-8 becomes U+FFFD; a lone surrogate escape is an error.
    private mutating func string() throws(Failure) -> String {
        i += 1
        let start = i
        // Fast path: no escapes.
        while i < n {
            let c = b[i]
            if c == 0x22 {
                let s = String(decoding: UnsafeRawBufferPointer(rebasing: b[start..<i]), as: UTF8.self)
                i += 1
                return s
            }
            if c == 0x5C { break }
            if c < 0x20 { throw .syntax(offset: i, what: "control character in a string") }
            i += 1
        }
        var out: [UInt8] = Array(UnsafeRawBufferPointer(rebasing: b[start..<i]))
        while i < n {
            let c = b[i]
            if c == 0x22 {
                i += 1
                return String(decoding: out, as: UTF8.self)
            }
            if c < 0x20 { throw .syntax(offset: i, what: "control character in a string") }
            guard c == 0x5C else {
                out.append(c)
                i += 1
                continue
            }
            i += 1
            guard i < n else { break }
            let e = b[i]
            i += 1
            if let byte = JSONEscape.short(e) {
                out.append(byte)
                continue
            }
            switch e {
            case 0x75:
                var u = try hex4()
                // Like JSONDecoder: a surrogate must come in a high-low pair.
                if (0xD800...0xDBFF).contains(u) {
                    guard n - i >= 6, b[i] == 0x5C, b[i + 1] == 0x75 else { throw .syntax(offset: i, what: "lone surrogate") }
                    i += 2
                    let low = try hex4()
                    guard (0xDC00...0xDFFF).contains(low) else { throw .syntax(offset: i, what: "lone surrogate") }
                    u = 0x10000 + ((u - 0xD800) << 10) + (low - 0xDC00)
                } else if (0xDC00...0xDFFF).contains(u) {
                    throw .syntax(offset: i, what: "lone surrogate")
                }
                let scalar = Unicode.Scalar(u) ?? "\u{FFFD}"
                out.append(contentsOf: Array(String(Character(scalar)).utf8))
            default:
                throw .syntax(offset: i - 1, what: "bad escape")
            }
        }
        throw .syntax(offset: i, what: "unterminated string")
    }
}

/// JSON's one-letter string escapes.
enum JSONEscape {
    /// The byte a backslash and `letter` stand for (`\n` → LF…), nil when it is not a short escape.
    @inline(__always) static func short(_ letter: UInt8) -> UInt8? {
        switch letter {
        case 0x22, 0x5C, 0x2F: letter
        case 0x62: 0x08
        case 0x66: 0x0C
        case 0x6E: 0x0A
        case 0x72: 0x0D
        case 0x74: 0x09
        default: nil
        }
    }
}
