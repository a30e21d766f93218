// RobofyAPI: the Robofy widget protocol as the client speaks it: targets and the HTTP
// client (handshake, chat, account API), the SSE and UI-message-stream decoders, JSON,
// errors that say what to do, redaction and local file writes. Imports Foundation,
// AsyncHTTPClient/NIO, swift-collections, swift-log and RobofyText (its byte scans) only;
// never the session, UI or QA.
// This file: `JSONValue`, the one JSON tree (objects keep their keys' order).
import Foundation
import OrderedCollections
import RobofyText

/// A JSON object's members, in the order they were read or built.
public typealias JSONObject = OrderedDictionary<String, JSONValue>

/// Any JSON value. Used wherever the wire carries "any JSON" (tool inputs and
/// outputs, `data-*` payloads), as the tree the lenient handshake decoder walks, and for
/// scripts people read (objects keep their keys' order; equality and hashing ignore it).
public enum JSONValue: Sendable, Hashable {
    case null
    case bool(Bool)
    case number(Double)
    case string(String)
    case array([JSONValue])
    case object(JSONObject)

    /// Equal values; two objects are equal with the same members in any order.
    public static func == (a: JSONValue, b: JSONValue) -> Bool {
        switch (a, b) {
        case (.null, .null): true
        case (.bool(let x), .bool(let y)): x == y
        case (.number(let x), .number(let y)): x == y
        case (.string(let x), .string(let y)): x == y
        case (.array(let x), .array(let y)): x == y
        case (.object(let x), .object(let y)): x.count == y.count && x.allSatisfy { y[$0.key] == $0.value }
        default: false
        }
    }

    public func hash(into hasher: inout Hasher) {
        switch self {
        case .null: hasher.combine(0)
        case .bool(let b): hasher.combine(1); hasher.combine(b)
        case .number(let n): hasher.combine(2); hasher.combine(n)
        case .string(let s): hasher.combine(3); hasher.combine(s)
        case .array(let a): hasher.combine(4); hasher.combine(a)
        case .object(let o):
            // Order-free, as `Dictionary` hashes: the members' hashes combined by XOR.
            hasher.combine(5)
            hasher.combine(o.count)
            var members = 0
            for (k, v) in o {
                var h = Hasher()
                h.combine(k)
                h.combine(v)
                members ^= h.finalize()
            }
            hasher.combine(members)
        }
    }

    /// Parses UTF-8 JSON text (fragments allowed) in one pass (`JSONParser`). Returns nil for
    /// anything that is not valid JSON or nests deeper than `JSONParser.maxDepth`.
    public static func parse(_ data: Data) -> JSONValue? {
        try? JSONParser.parse(data)
    }

    public static func parse(_ text: String) -> JSONValue? {
        parse(Data(text.utf8))
    }

    public subscript(key: String) -> JSONValue? {
        if case .object(let o) = self { return o[key] }
        return nil
    }

    public var stringValue: String? {
        if case .string(let s) = self { return s }
        return nil
    }

    public var doubleValue: Double? {
        if case .number(let n) = self { return n }
        return nil
    }

    public var boolValue: Bool? {
        if case .bool(let b) = self { return b }
        return nil
    }

    public var arrayValue: [JSONValue]? {
        if case .array(let a) = self { return a }
        return nil
    }

    public var objectValue: JSONObject? {
        if case .object(let o) = self { return o }
        return nil
    }

    public var isNull: Bool {
        if case .null = self { return true }
        return false
    }

    /// A short name of the value's JSON type, for warnings.
    public var typeName: String {
        switch self {
        case .null: "null"
        case .bool: "boolean"
        case .number: "number"
        case .string: "string"
        case .array: "array"
        case .object: "object"
        }
    }

    /// Compact JSON text with sorted keys (stable for tests and logs).
    public var compactText: String {
        switch self {
        case .null: return "null"
        case .bool(let b): return b ? "true" : "false"
        case .number(let n):
            if n.rounded() == n, abs(n) < 1e15 { return String(Int64(n)) }
            return String(n)
        case .string(let s): return JSONValue.quote(s)
        case .array(let a): return "[" + a.map(\.compactText).joined(separator: ",") + "]"
        case .object(let o):
            return "{" + o.keys.sorted().map { JSONValue.quote($0) + ":" + (o[$0]?.compactText ?? "null") }
                .joined(separator: ",") + "}"
        }
    }

    /// `s` as a JSON string literal: quotes, backslashes, control characters (C0, DEL and
    /// C1) escaped, everything else as it is (UTF-8). Runs of bytes that need no escape are
    /// copied whole: a streamed answer can be megabytes (the transcript autosave quotes it).
    public static func quote(_ s: String) -> String {
        var out = [UInt8]()
        quote(s, into: &out)
        return String(decoding: out, as: UTF8.self)
    }

    /// ``quote(_:)`` written at the end of `out` (UTF-8).
    public static func quote(_ s: String, into out: inout [UInt8]) {
        var s = s
        s.withUTF8 { src in
            out.reserveCapacity(out.count + src.count + src.count / 16 + 2)
            out.append(0x22)
            let hex: StaticString = "0123456789abcdef"
            func escape(_ v: UInt8) {
                out.append(0x5C)
                switch v {
                case 0x22, 0x5C: out.append(v)
                case 0x0A: out.append(0x6E)
                case 0x0D: out.append(0x72)
                case 0x09: out.append(0x74)
                default:
                    out.append(0x75)
                    out.append(0x30)
                    out.append(0x30)
                    hex.withUTF8Buffer { h in
                        out.append(h[Int(v >> 4)])
                        out.append(h[Int(v & 0xF)])
                    }
                }
            }
            var run = 0
            var i = 0
            while i < src.count {
                // Eight printable ASCII bytes without a quote or a backslash at a time.
                i = ByteWords.skip(src, from: i, to: src.count) {
                    ByteWords.hasUnprintable($0) || ByteWords.has($0, 0x22) || ByteWords.has($0, 0x5C)
                }
                guard i < src.count else { break }
                let b = src[i]
                if b >= 0x20 && b != 0x22 && b != 0x5C && b != 0x7F && b != 0xC2 {
                    i += 1
                    continue
                }
                // U+0080…U+009F are C2 80…C2 9F; any other C2 xx is an ordinary character.
                if b == 0xC2 && !(i + 1 < src.count && src[i + 1] <= 0x9F) {
                    i += 1
                    continue
                }
                out.append(contentsOf: UnsafeBufferPointer(rebasing: src[run..<i]))
                if b == 0xC2 {
                    escape(src[i + 1])
                    i += 2
                } else {
                    escape(b)
                    i += 1
                }
                run = i
            }
            out.append(contentsOf: UnsafeBufferPointer(rebasing: src[run..<src.count]))
            out.append(0x22)
        }
    }

    /// Converts back to a Foundation object for `JSONSerialization`.
    public var foundationObject: Any {
        switch self {
        case .null: return NSNull()
        case .bool(let b): return b
        case .number(let n): return n
        case .string(let s): return s
        case .array(let a): return a.map(\.foundationObject)
        case .object(let o): return Dictionary(o.map { ($0.key, $0.value.foundationObject) }) { _, last in last }
        }
    }
}

extension JSONValue: Codable {
    /// For `Codable` containers of local files only (the transcript reader): network JSON goes
    /// through `JSONParser` in one pass. Refuses nesting deeper than `JSONParser.maxDepth`.
    public init(from decoder: any Decoder) throws {
        guard decoder.codingPath.count <= JSONParser.maxDepth else {
            throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath,
                                                    debugDescription: "JSON nested deeper than \(JSONParser.maxDepth) levels"))
        }
        let c = try decoder.singleValueContainer()
        if c.decodeNil() { self = .null }
        else if let b = try? c.decode(Bool.self) { self = .bool(b) }
        else if let n = try? c.decode(Double.self) { self = .number(n) }
        else if let s = try? c.decode(String.self) { self = .string(s) }
        else if let a = try? c.decode([JSONValue].self) { self = .array(a) }
        else {
            // (A `Codable` dictionary has no order: keys are kept sorted.)
            let members = try c.decode([String: JSONValue].self)
            self = .object(JSONObject(uniqueKeysWithValues: members.sorted { $0.key < $1.key }.map { ($0.key, $0.value) }))
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.singleValueContainer()
        switch self {
        case .null: try c.encodeNil()
        case .bool(let b): try c.encode(b)
        case .number(let n): try c.encode(n)
        case .string(let s): try c.encode(s)
        case .array(let a): try c.encode(a)
        case .object(let o): try c.encode(Dictionary(o.map { ($0.key, $0.value) }) { _, last in last })
        }
    }
}
