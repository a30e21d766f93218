import Foundation

/// A strict reader of the part of TOML that robofy-tui's configuration file uses:
///
/// - `key = value` lines; a key is bare (`A-Z a-z 0-9 _ -`) or in double quotes;
/// - `[table]` headers (one level: `[keys]`; a dotted `[a.b]` is refused);
/// - values: basic strings `"…"` (escapes `\"` `\\` `\n` `\t` `\r` `\uXXXX` `\UXXXXXXXX`),
///   literal strings `'…'`, integers (`42`, `-7`, `1_000`), `true` and `false`;
/// - `#` comments, blank lines.
///
/// Anything else (arrays, inline tables, floats, dates, multi-line strings, a key given
/// twice) is an error that names the line and the key: never a guess.
public enum TOMLSubset {
    public enum Value: Sendable, Equatable, CustomStringConvertible {
        case string(String)
        case integer(Int)
        case bool(Bool)

        public var typeName: String {
            switch self {
            case .string: "a string"
            case .integer: "an integer"
            case .bool: "a boolean"
            }
        }

        public var description: String {
            switch self {
            case .string(let s): "\"\(s)\""
            case .integer(let n): "\(n)"
            case .bool(let b): b ? "true" : "false"
            }
        }
    }

    /// One `key = value` line: its table ("" for the top level), key, value and line number.
    public struct Entry: Sendable, Equatable {
        public var table: String
        public var key: String
        public var value: Value
        public var line: Int
        /// The line of the table's `[header]` (0 at the top level).
        public var tableLine = 0
    }

    public struct ParseError: Error, Sendable, Equatable, CustomStringConvertible {
        public var line: Int
        /// The key (or table) the line is about, when known.
        public var key: String?
        public var message: String
        public var description: String {
            let k = key.map { " \(ThemeError.shown(String($0.prefix(40)))):" } ?? ""
            return "line \(line):\(k) \(message)"
        }
    }

    /// The entries of `text` in file order, or the first problem.
    public static func parse(_ text: String) throws(ParseError) -> [Entry] {
        var entries: [Entry] = []
        var table = ""
        var seen: Set<String> = []
        var tables: Set<String> = []
        var tableLine = 0
        // ("\r\n" is one Character: split on both.)
        let lines = text.split(omittingEmptySubsequences: false) { $0 == "\n" || $0 == "\r\n" }
        for (i, raw) in lines.enumerated() {
            let n = i + 1
            var line = Substring(raw)
            if line.hasSuffix("\r") { line = line.dropLast() }
            var s = Scanner(line, number: n)
            s.skipSpaces()
            if s.atEnd || s.peek == "#" { continue }
            if s.peek == "[" {
                s.advance()
                if s.peek == "[" { throw ParseError(line: n, key: nil, message: "arrays of tables ([[…]]) are not supported") }
                s.skipSpaces()
                let name = try s.key(context: "table name")
                s.skipSpaces()
                if s.peek == "." { throw ParseError(line: n, key: name, message: "nested tables ([a.b]) are not supported") }
                guard s.peek == "]" else { throw ParseError(line: n, key: name, message: "a table header must end with ]") }
                s.advance()
                try s.expectLineEnd(key: name)
                guard tables.insert(name).inserted else {
                    throw ParseError(line: n, key: name, message: "the table [\(name)] is given twice")
                }
                table = name
                tableLine = n
                continue
            }
            let key = try s.key(context: "key")
            s.skipSpaces()
            if s.peek == "." { throw ParseError(line: n, key: key, message: "dotted keys are not supported; use a [table]") }
            guard s.peek == "=" else { throw ParseError(line: n, key: key, message: "expected = after the key") }
            s.advance()
            s.skipSpaces()
            let value = try s.value(key: key)
            try s.expectLineEnd(key: key)
            let full = table.isEmpty ? key : table + "." + key
            guard seen.insert(full).inserted else {
                throw ParseError(line: n, key: key, message: "the key is given twice")
            }
            entries.append(Entry(table: table, key: key, value: value, line: n, tableLine: tableLine))
        }
        return entries
    }

    struct Scanner {
        let chars: [Character]
        var i = 0
        let n: Int

        init(_ s: Substring, number: Int) {
            chars = Array(s)
            n = number
        }

        var atEnd: Bool { i >= chars.count }
        var peek: Character? { atEnd ? nil : chars[i] }
        mutating func advance() { i += 1 }
        mutating func skipSpaces() { while let c = peek, c == " " || c == "\t" { advance() } }

        mutating func expectLineEnd(key: String) throws(ParseError) {
            skipSpaces()
            guard atEnd || peek == "#" else {
                throw ParseError(line: n, key: key, message: "unexpected text after the value: \(String(chars[i...]).prefix(20))")
            }
        }

        static func isBare(_ c: Character) -> Bool {
            c.isASCII && (c.isLetter || c.isNumber || c == "_" || c == "-")
        }

        mutating func key(context: String) throws(ParseError) -> String {
            if peek == "\"" { return try basicString(key: nil) }
            if peek == "'" { return try literalString(key: nil) }
            var out = ""
            while let c = peek, Self.isBare(c) { out.append(c); advance() }
            guard !out.isEmpty else {
                throw ParseError(line: n, key: nil, message: "expected a \(context), found \(peek.map { "\"\($0)\"" } ?? "the end of the line")")
            }
            return out
        }

        mutating func value(key: String) throws(ParseError) -> Value {
            guard let c = peek else { throw ParseError(line: n, key: key, message: "the value is missing") }
            switch c {
            case "\"":
                if i + 2 < chars.count, chars[i + 1] == "\"", chars[i + 2] == "\"" {
                    throw ParseError(line: n, key: key, message: "multi-line strings are not supported")
                }
                return .string(try basicString(key: key))
            case "'":
                if i + 2 < chars.count, chars[i + 1] == "'", chars[i + 2] == "'" {
                    throw ParseError(line: n, key: key, message: "multi-line strings are not supported")
                }
                return .string(try literalString(key: key))
            case "[": throw ParseError(line: n, key: key, message: "arrays are not supported here")
            case "{": throw ParseError(line: n, key: key, message: "inline tables are not supported; use a [table]")
            default: break
            }
            var word = ""
            while let c = peek, c != " ", c != "\t", c != "#" { word.append(c); advance() }
            if word == "true" { return .bool(true) }
            if word == "false" { return .bool(false) }
            if let v = Self.integer(word) { return .integer(v) }
            let shown = ThemeError.shown(String(word.prefix(30)))
            if word.contains(".") || word.lowercased().contains("e") && word.first?.isNumber == true {
                throw ParseError(line: n, key: key, message: "\(shown): floats and dates are not supported")
            }
            throw ParseError(line: n, key: key,
                             message: "\(shown) is not a value; use a string in quotes, an integer, true or false")
        }

        static func integer(_ w: String) -> Int? {
            var body = Substring(w)
            var sign = ""
            if let f = body.first, f == "+" || f == "-" { sign = f == "-" ? "-" : ""; body = body.dropFirst() }
            guard let first = body.first, first.isASCII, first.isNumber, let last = body.last, last.isNumber else { return nil }
            if body.count > 1 && first == "0" { return nil }  // TOML: no leading zeros
            var digits = ""
            var prev: Character = "_"
            for c in body {
                if c == "_" {
                    if prev == "_" { return nil }
                } else if c.isASCII && c.isNumber {
                    digits.append(c)
                } else {
                    return nil
                }
                prev = c
            }
            return Int(sign + digits)
        }

        mutating func literalString(key: String?) throws(ParseError) -> String {
            advance()
            var out = ""
            while let c = peek {
                advance()
                if c == "'" { return out }
                out.append(c)
            }
            throw ParseError(line: n, key: key, message: "the string has no closing '")
        }

        mutating func basicString(key: String?) throws(ParseError) -> String {
            advance()
            var out = ""
            while let c = peek {
                advance()
                if c == "\"" { return out }
                guard c == "\\" else { out.append(c); continue }
                guard let e = peek else { break }
                advance()
                switch e {
                case "\"": out.append("\"")
                case "\\": out.append("\\")
                case "n": out.append("\n")
                case "t": out.append("\t")
                case "r": out.append("\r")
                case "b": out.append("\u{8}")
                case "f": out.append("\u{C}")
                case "u", "U":
                    let len = e == "u" ? 4 : 8
                    guard i + len <= chars.count else {
                        throw ParseError(line: n, key: key, message: "\\\(e) needs \(len) hex digits")
                    }
                    let hex = String(chars[i..<(i + len)])
                    guard let v = UInt32(hex, radix: 16), let scalar = Unicode.Scalar(v) else {
                        throw ParseError(line: n, key: key, message: "\\\(e)\(hex) is not a Unicode scalar")
                    }
                    out.unicodeScalars.append(scalar)
                    i += len
                default:
                    throw ParseError(line: n, key: key, message: "unknown escape \\\(e) in a string")
                }
            }
            throw ParseError(line: n, key: key, message: "the string has no closing \"")
        }
    }
}
