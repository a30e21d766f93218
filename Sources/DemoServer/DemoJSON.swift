import Foundation

/// A small, order-preserving JSON value used by the demo server for everything it
/// reads and writes. Object members keep their order (so answers look like the
/// documented examples) and the serializer is compact and deterministic.
///
/// The demo server deliberately has its own JSON code instead of sharing the
/// client's: it is an independent implementation of the protocol.
enum DemoJSON: Sendable, Equatable {
    case null
    case bool(Bool)
    case int(Int)
    case double(Double)
    case string(String)
    case array([DemoJSON])
    case object([Member])

    struct Member: Sendable, Equatable {
        var key: String
        var value: DemoJSON
    }

    subscript(key: String) -> DemoJSON? {
        guard case .object(let members) = self else { return nil }
        return members.last(where: { $0.key == key })?.value
    }

    var stringValue: String? {
        if case .string(let s) = self { return s }
        return nil
    }

    var numberValue: Double? {
        switch self {
        case .int(let i): return Double(i)
        case .double(let d): return d
        default: return nil
        }
    }

    var isObject: Bool {
        if case .object = self { return true }
        return false
    }
}

extension DemoJSON: ExpressibleByStringLiteral, ExpressibleByIntegerLiteral, ExpressibleByBooleanLiteral,
    ExpressibleByArrayLiteral, ExpressibleByDictionaryLiteral, ExpressibleByNilLiteral, ExpressibleByFloatLiteral
{
    init(stringLiteral value: String) { self = .string(value) }
    init(integerLiteral value: Int) { self = .int(value) }
    init(floatLiteral value: Double) { self = .double(value) }
    init(booleanLiteral value: Bool) { self = .bool(value) }
    init(arrayLiteral elements: DemoJSON...) { self = .array(elements) }
    init(nilLiteral: ()) { self = .null }
    /// Dictionary literals keep their written order.
    init(dictionaryLiteral elements: (String, DemoJSON)...) {
        self = .object(elements.map { Member(key: $0.0, value: $0.1) })
    }

    static func optional(_ s: String?) -> DemoJSON {
        s.map { .string($0) } ?? .null
    }
}

// MARK: - Serialization

extension DemoJSON {
    /// Compact JSON text.
    var serialized: String {
        var out = ""
        out.reserveCapacity(64)
        self.write(into: &out)
        return out
    }

    var serializedBytes: [UInt8] { Array(self.serialized.utf8) }

    func write(into out: inout String) {
        switch self {
        case .null: out += "null"
        case .bool(let b): out += b ? "true" : "false"
        case .int(let i): out += String(i)
        case .double(let d):
            if d.isFinite {
                if d == d.rounded(), abs(d) < 1e15 { out += String(Int(d)) } else { out += "\(d)" }
            } else {
                out += "null"
            }
        case .string(let s): Self.writeString(s, into: &out)
        case .array(let items):
            out += "["
            for (i, item) in items.enumerated() {
                if i > 0 { out += "," }
                item.write(into: &out)
            }
            out += "]"
        case .object(let members):
            out += "{"
            for (i, member) in members.enumerated() {
                if i > 0 { out += "," }
                Self.writeString(member.key, into: &out)
                out += ":"
                member.value.write(into: &out)
            }
            out += "}"
        }
    }

    static func quoted(_ s: String) -> String {
        var out = ""
        writeString(s, into: &out)
        return out
    }

    /// Escapes `"`, `\` and every C0 control character. Everything else (including
    /// C1 controls and bidi overrides) is written literally, as a real server would.
    static func writeString(_ s: String, into out: inout String) {
        out += "\""
        var needsEscaping = false
        for b in s.utf8 where b < 0x20 || b == 0x22 || b == 0x5C {
            needsEscaping = true
            break
        }
        if !needsEscaping {
            out += s
            out += "\""
            return
        }
        for scalar in s.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case "\u{08}": out += "\\b"
            case "\u{0C}": out += "\\f"
            default:
                if scalar.value < 0x20 {
                    let hex = String(scalar.value, radix: 16, uppercase: false)
                    out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
                } else {
                    out.unicodeScalars.append(scalar)
                }
            }
        }
        out += "\""
    }
}

// MARK: - Parsing

struct DemoJSONError: Error, Sendable, CustomStringConvertible {
    var message: String
    var offset: Int
    var description: String { "\(message) at byte \(offset)" }
}

/// A strict recursive-descent JSON parser (RFC 8259) with a depth limit, so a
/// hostile body can never blow the stack. It can also report the byte range of
/// the value found at a given object-key path (used to splice a fresh token into
/// a verbatim handshake body).
struct DemoJSONParser {
    private let bytes: [UInt8]
    private var index = 0
    private var depth = 0
    private let maxDepth = 128
    private var path: [String?] = []
    private let trackedPath: [String]?
    private(set) var trackedRange: Range<Int>?
    private(set) var trackedValue: DemoJSON?

    init(bytes: [UInt8], trackingPath: [String]? = nil) {
        self.bytes = bytes
        self.trackedPath = trackingPath
    }

    static func parse(_ bytes: [UInt8]) throws(DemoJSONError) -> DemoJSON {
        var parser = DemoJSONParser(bytes: bytes)
        return try parser.parseDocument()
    }

    mutating func parseDocument() throws(DemoJSONError) -> DemoJSON {
        // Tolerate a UTF-8 BOM.
        if bytes.count >= 3, bytes[0] == 0xEF, bytes[1] == 0xBB, bytes[2] == 0xBF { index = 3 }
        skipWhitespace()
        let value = try parseValue()
        skipWhitespace()
        guard index == bytes.count else { throw fail("Unexpected trailing characters") }
        return value
    }

    private func fail(_ message: String) -> DemoJSONError {
        DemoJSONError(message: message, offset: index)
    }

    private mutating func skipWhitespace() {
        while index < bytes.count {
            switch bytes[index] {
            case 0x20, 0x09, 0x0A, 0x0D: index += 1
            default: return
            }
        }
    }

    private mutating func parseValue() throws(DemoJSONError) -> DemoJSON {
        guard index < bytes.count else { throw fail("Unexpected end of input") }
        let start = index
        let value: DemoJSON
        switch bytes[index] {
        case UInt8(ascii: "{"): value = try parseObject()
        case UInt8(ascii: "["): value = try parseArray()
        case UInt8(ascii: "\""): value = .string(try parseString())
        case UInt8(ascii: "t"): try expectLiteral("true"); value = .bool(true)
        case UInt8(ascii: "f"): try expectLiteral("false"); value = .bool(false)
        case UInt8(ascii: "n"): try expectLiteral("null"); value = .null
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): value = try parseNumber()
        default: throw fail("Unexpected character")
        }
        if let trackedPath, trackedRange == nil, path.count == trackedPath.count,
            zip(path, trackedPath).allSatisfy({ $0.0 == $0.1 })
        {
            trackedRange = start..<index
            trackedValue = value
        }
        return value
    }

    private mutating func expectLiteral(_ literal: StaticString) throws(DemoJSONError) {
        let count = literal.utf8CodeUnitCount
        guard index + count <= bytes.count else { throw fail("Invalid literal") }
        let expected = UnsafeBufferPointer(start: literal.utf8Start, count: count)
        for i in 0..<count where bytes[index + i] != expected[i] {
            throw fail("Invalid literal")
        }
        index += count
    }

    private mutating func enter() throws(DemoJSONError) {
        depth += 1
        if depth > maxDepth { throw fail("Nesting too deep") }
    }

    private mutating func parseObject() throws(DemoJSONError) -> DemoJSON {
        try enter()
        defer { depth -= 1 }
        index += 1  // {
        var members: [DemoJSON.Member] = []
        skipWhitespace()
        if index < bytes.count, bytes[index] == UInt8(ascii: "}") {
            index += 1
            return .object(members)
        }
        while true {
            skipWhitespace()
            guard index < bytes.count, bytes[index] == UInt8(ascii: "\"") else { throw fail("Expected a string key") }
            let key = try parseString()
            skipWhitespace()
            guard index < bytes.count, bytes[index] == UInt8(ascii: ":") else { throw fail("Expected ':'") }
            index += 1
            skipWhitespace()
            path.append(key)
            let value = try parseValue()
            path.removeLast()
            members.append(.init(key: key, value: value))
            skipWhitespace()
            guard index < bytes.count else { throw fail("Unterminated object") }
            if bytes[index] == UInt8(ascii: ",") {
                index += 1
                continue
            }
            if bytes[index] == UInt8(ascii: "}") {
                index += 1
                return .object(members)
            }
            throw fail("Expected ',' or '}'")
        }
    }

    private mutating func parseArray() throws(DemoJSONError) -> DemoJSON {
        try enter()
        defer { depth -= 1 }
        index += 1  // [
        var items: [DemoJSON] = []
        skipWhitespace()
        if index < bytes.count, bytes[index] == UInt8(ascii: "]") {
            index += 1
            return .array(items)
        }
        path.append(nil)
        defer { path.removeLast() }
        while true {
            skipWhitespace()
            items.append(try parseValue())
            skipWhitespace()
            guard index < bytes.count else { throw fail("Unterminated array") }
            if bytes[index] == UInt8(ascii: ",") {
                index += 1
                continue
            }
            if bytes[index] == UInt8(ascii: "]") {
                index += 1
                return .array(items)
            }
            throw fail("Expected ',' or ']'")
        }
    }

    private mutating func parseHex4() throws(DemoJSONError) -> UInt32 {
        guard index + 4 <= bytes.count else { throw fail("Invalid \\u escape") }
        var value: UInt32 = 0
        for _ in 0..<4 {
            let b = bytes[index]
            let digit: UInt32
            switch b {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): digit = UInt32(b - UInt8(ascii: "0"))
            case UInt8(ascii: "a")...UInt8(ascii: "f"): digit = UInt32(b - UInt8(ascii: "a") + 10)
            case UInt8(ascii: "A")...UInt8(ascii: "F"): digit = UInt32(b - UInt8(ascii: "A") + 10)
            default: throw fail("Invalid \\u escape")
            }
            value = value * 16 + digit
            index += 1
        }
        return value
    }

    private mutating func parseString() throws(DemoJSONError) -> String {
        index += 1  // opening quote
        var raw: [UInt8] = []
        while true {
            guard index < bytes.count else { throw fail("Unterminated string") }
            let b = bytes[index]
            switch b {
            case UInt8(ascii: "\""):
                index += 1
                guard let s = String(bytes: raw, encoding: .utf8) else { throw fail("Invalid UTF-8 in string") }
                return s
            case UInt8(ascii: "\\"):
                index += 1
                guard index < bytes.count else { throw fail("Unterminated escape") }
                let e = bytes[index]
                index += 1
                switch e {
                case UInt8(ascii: "\""): raw.append(0x22)
                case UInt8(ascii: "\\"): raw.append(0x5C)
                case UInt8(ascii: "/"): raw.append(0x2F)
                case UInt8(ascii: "b"): raw.append(0x08)
                case UInt8(ascii: "f"): raw.append(0x0C)
                case UInt8(ascii: "n"): raw.append(0x0A)
                case UInt8(ascii: "r"): raw.append(0x0D)
                case UInt8(ascii: "t"): raw.append(0x09)
                case UInt8(ascii: "u"):
                    var code = try parseHex4()
                    if (0xD800...0xDBFF).contains(code) {
                        // A high surrogate must be followed by an escaped low surrogate.
                        if index + 2 <= bytes.count, bytes[index] == UInt8(ascii: "\\"), bytes[index + 1] == UInt8(ascii: "u") {
                            index += 2
                            let low = try parseHex4()
                            guard (0xDC00...0xDFFF).contains(low) else { throw fail("Invalid surrogate pair") }
                            code = 0x10000 + ((code - 0xD800) << 10) + (low - 0xDC00)
                        } else {
                            throw fail("Lone surrogate")
                        }
                    } else if (0xDC00...0xDFFF).contains(code) {
                        throw fail("Lone surrogate")
                    }
                    guard let scalar = Unicode.Scalar(code) else { throw fail("Invalid code point") }
                    raw.append(contentsOf: Array(String(Character(scalar)).utf8))
                default:
                    throw fail("Invalid escape")
                }
            default:
                guard b >= 0x20 else { throw fail("Control character in string") }
                raw.append(b)
                index += 1
            }
        }
    }

    private mutating func parseNumber() throws(DemoJSONError) -> DemoJSON {
        let start = index
        var isInteger = true
        if bytes[index] == UInt8(ascii: "-") { index += 1 }
        guard index < bytes.count else { throw fail("Invalid number") }
        if bytes[index] == UInt8(ascii: "0") {
            index += 1
        } else if (UInt8(ascii: "1")...UInt8(ascii: "9")).contains(bytes[index]) {
            while index < bytes.count, (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(bytes[index]) { index += 1 }
        } else {
            throw fail("Invalid number")
        }
        if index < bytes.count, bytes[index] == UInt8(ascii: ".") {
            isInteger = false
            index += 1
            let digitsStart = index
            while index < bytes.count, (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(bytes[index]) { index += 1 }
            guard index > digitsStart else { throw fail("Invalid number") }
        }
        if index < bytes.count, bytes[index] == UInt8(ascii: "e") || bytes[index] == UInt8(ascii: "E") {
            isInteger = false
            index += 1
            if index < bytes.count, bytes[index] == UInt8(ascii: "+") || bytes[index] == UInt8(ascii: "-") { index += 1 }
            let digitsStart = index
            while index < bytes.count, (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(bytes[index]) { index += 1 }
            guard index > digitsStart else { throw fail("Invalid number") }
        }
        let text = String(decoding: bytes[start..<index], as: UTF8.self)
        if isInteger, let i = Int(text) { return .int(i) }
        guard let d = Double(text) else { throw fail("Invalid number") }
        return .double(d)
    }
}
