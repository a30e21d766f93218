// The Vercel AI SDK "UI message stream" chunk: the JSON object carried in the
// `data` of each server-sent event of a streaming chat answer (PROTOCOL.md 2.2).
//
// Decoding is lenient the way PROTOCOL.md asks: extra fields are ignored,
// optional fields of the wrong type read as absent, unknown types are kept as
// `.unknown`, and anything unusable becomes `.malformed` with a reason instead
// of an error. It never traps.
//
// Two paths produce a chunk from the same field-reading code (`build`):
// - a fast path that scans a flat JSON object whose values are strings,
//   booleans or null (almost every chunk, above all `text-delta`) straight from
//   the UTF-8 bytes, without building a dictionary, and decodes only the
//   fields it needs;
// - the general path through `JSONValue.parse`, taken whenever the fast path
//   sees anything else (numbers, nested values, keys with escapes, duplicate
//   keys, lone surrogates, invalid JSON…). The fast path only ever accepts text
//   that is valid JSON with the same meaning, so both paths agree.

/// One chunk of the UI message stream.
public enum UIChunk: Sendable, Equatable {
    case start(messageId: String?)
    case startStep, finishStep
    case textStart(id: String), textDelta(id: String, delta: String), textEnd(id: String)
    case reasoningStart(id: String), reasoningDelta(id: String, delta: String), reasoningEnd(id: String)
    case toolInputStart(toolCallId: String, toolName: String, title: String?)
    case toolInputDelta(toolCallId: String, inputTextDelta: String)
    case toolInputAvailable(toolCallId: String, toolName: String, input: JSONValue)
    case toolInputError(toolCallId: String, toolName: String, input: JSONValue, errorText: String)
    case toolOutputAvailable(toolCallId: String, output: JSONValue, preliminary: Bool)
    case toolOutputError(toolCallId: String, errorText: String)
    case toolApprovalRequest(approvalId: String, toolCallId: String)
    case toolOutputDenied(toolCallId: String)
    case sourceURL(sourceId: String, url: String, title: String?)
    case sourceDocument(sourceId: String, mediaType: String, title: String, filename: String?)
    case file(url: String, mediaType: String)
    /// A `data-<name>` chunk: `"data-session"` has the name `"session"`.
    case data(name: String, id: String?, data: JSONValue, transient: Bool)
    case messageMetadata(JSONValue)
    case error(errorText: String)
    case abort(reason: String?)
    case finish(finishReason: String?, messageMetadata: JSONValue?)
    /// The literal data `[DONE]` that ends the stream.
    case done
    /// A chunk of a type this client does not know (newer servers add types); `raw` is the event data.
    case unknown(type: String, raw: String)
    /// Data that is not a usable chunk; `raw` is the event data (at most 2,000 characters).
    case malformed(raw: String, reason: String)
}

/// Turns the `data` of one server-sent event into a ``UIChunk``.
public enum UIChunkDecoder {
    /// The longest `raw` text kept in a `.malformed` chunk, in characters.
    static let malformedRawLimit = 2_000

    public static func decode(_ data: String) -> UIChunk {
        var text = data
        return text.withUTF8 { bytes in
            if isDone(bytes) { return .done }
            if let chunk = decodeFast(bytes, raw: data) { return chunk }
            return decodeGeneral(data)
        }
    }

    /// The fast path alone: nil when it declines the input. For tests.
    static func decodeFastPath(_ data: String) -> UIChunk? {
        var text = data
        return text.withUTF8 { decodeFast($0, raw: data) }
    }

    /// The general path alone (no `[DONE]` check, no fast path). For tests.
    static func decodeGeneral(_ data: String) -> UIChunk {
        guard let value = JSONValue.parse(data) else {
            return malformed(data, "The data is not valid JSON.")
        }
        guard case .object(let object) = value else {
            return malformed(data, "The data is JSON \(describe(value.typeName)), not an object.")
        }
        return build(ObjectFields(object: object), raw: data)
    }

    // MARK: - Building a chunk from its fields

    static func malformed(_ raw: String, _ reason: String) -> UIChunk {
        // Characters are never more than UTF-8 bytes, so short data skips counting.
        if raw.utf8.count <= malformedRawLimit {
            return .malformed(raw: raw, reason: reason)
        }
        var kept = raw.prefix(malformedRawLimit)
        // Pathological grapheme clusters (a base with thousands of combining marks)
        // could keep the text huge: then cut at 2,000 Unicode scalars instead.
        if kept.unicodeScalars.count > malformedRawLimit {
            kept = Substring(raw.unicodeScalars.prefix(malformedRawLimit))
        }
        return .malformed(raw: String(kept), reason: reason)
    }

    /// "a number", "an object", "null"…
    private static func describe(_ typeName: String) -> String {
        switch typeName {
        case "null": "null"
        case "array", "object": "an \(typeName)"
        default: "a \(typeName)"
        }
    }

    private static func build<Fields: ChunkFields>(_ fields: Fields, raw: String) -> UIChunk {
        do {
            switch fields.chunkType() {
            case .known(let known):
                return try chunk(known, fields)
            case .name(let name):
                guard name.utf8.starts(with: "data-".utf8) else { return .unknown(type: name, raw: raw) }
                return .data(
                    name: String(decoding: name.utf8.dropFirst(5), as: UTF8.self), id: fields.optional(.id), data: try fields.requiredJSON(.data),
                    transient: fields.bool(.transient) ?? false)
            case .absent:
                return malformed(raw, "The object has no \"type\" field.")
            case .other(let typeName):
                return malformed(raw, "The \"type\" field is \(describe(typeName)), not a string.")
            }
        } catch {
            let name = error.key.name
            if let found = error.foundType {
                return malformed(raw, "The \"\(name)\" field of the \"\(error.type)\" chunk is \(describe(found)), not a string.")
            }
            return malformed(raw, "The \"\(error.type)\" chunk has no \"\(name)\" field.")
        }
    }

    private static func chunk<Fields: ChunkFields>(_ type: KnownChunkType, _ f: Fields) throws(ChunkFieldError) -> UIChunk {
        switch type {
        case .textDelta: return .textDelta(id: try f.required(.id, type), delta: try f.required(.delta, type))
        case .textStart: return .textStart(id: try f.required(.id, type))
        case .textEnd: return .textEnd(id: try f.required(.id, type))
        case .reasoningDelta: return .reasoningDelta(id: try f.required(.id, type), delta: try f.required(.delta, type))
        case .reasoningStart: return .reasoningStart(id: try f.required(.id, type))
        case .reasoningEnd: return .reasoningEnd(id: try f.required(.id, type))
        case .toolInputDelta:
            return .toolInputDelta(
                toolCallId: try f.required(.toolCallId, type), inputTextDelta: try f.required(.inputTextDelta, type))
        case .start: return .start(messageId: f.optional(.messageId))
        case .startStep: return .startStep
        case .finishStep: return .finishStep
        case .toolInputStart:
            return .toolInputStart(
                toolCallId: try f.required(.toolCallId, type), toolName: try f.required(.toolName, type),
                title: f.optional(.title))
        case .toolInputAvailable:
            return .toolInputAvailable(
                toolCallId: try f.required(.toolCallId, type), toolName: try f.required(.toolName, type),
                input: try f.requiredJSON(.input, type))
        case .toolInputError:
            return .toolInputError(
                toolCallId: try f.required(.toolCallId, type), toolName: try f.required(.toolName, type),
                input: try f.requiredJSON(.input, type), errorText: try f.required(.errorText, type))
        case .toolOutputAvailable:
            return .toolOutputAvailable(
                toolCallId: try f.required(.toolCallId, type), output: try f.requiredJSON(.output, type),
                preliminary: f.bool(.preliminary) ?? false)
        case .toolOutputError:
            return .toolOutputError(toolCallId: try f.required(.toolCallId, type), errorText: try f.required(.errorText, type))
        case .toolApprovalRequest:
            return .toolApprovalRequest(
                approvalId: try f.required(.approvalId, type), toolCallId: try f.required(.toolCallId, type))
        case .toolOutputDenied:
            return .toolOutputDenied(toolCallId: try f.required(.toolCallId, type))
        case .sourceURL:
            return .sourceURL(
                sourceId: try f.required(.sourceId, type), url: try f.required(.url, type), title: f.optional(.title))
        case .sourceDocument:
            return .sourceDocument(
                sourceId: try f.required(.sourceId, type), mediaType: try f.required(.mediaType, type),
                title: try f.required(.title, type), filename: f.optional(.filename))
        case .file:
            return .file(url: try f.required(.url, type), mediaType: try f.required(.mediaType, type))
        case .messageMetadata:
            return .messageMetadata(try f.requiredJSON(.messageMetadata, type))
        case .error:
            return .error(errorText: try f.required(.errorText, type))
        case .abort:
            return .abort(reason: f.optional(.reason))
        case .finish:
            let metadata = f.json(.messageMetadata)
            return .finish(finishReason: f.optional(.finishReason), messageMetadata: metadata == .null ? nil : metadata)
        }
    }

    // MARK: - The fast path

    /// A field of the flat object, as a range of the input bytes.
    fileprivate struct Slot {
        enum Kind: UInt8 { case absent, string, `true`, `false`, null }
        var kind: Kind = .absent
        var escaped = false
        var start = 0
        var end = 0
    }

    private static func decodeFast(_ bytes: UnsafeBufferPointer<UInt8>, raw: String) -> UIChunk? {
        withUnsafeTemporaryAllocation(of: Slot.self, capacity: ChunkKey.count) { slots -> UIChunk? in
            slots.initialize(repeating: Slot())
            guard scanFlatObject(bytes, into: slots) else { return nil }
            return build(SlotFields(bytes: bytes, slots: UnsafeBufferPointer(slots)), raw: raw)
        }
    }

    @inline(__always)
    private static func isWhitespace(_ byte: UInt8) -> Bool {
        byte == 0x20 || byte == 0x0A || byte == 0x0D || byte == 0x09
    }

    /// True when the data is `[DONE]`, ignoring surrounding ASCII whitespace.
    private static func isDone(_ bytes: UnsafeBufferPointer<UInt8>) -> Bool {
        var start = 0
        var end = bytes.count
        while start < end, isWhitespace(bytes[start]) || bytes[start] == 0x0C || bytes[start] == 0x0B { start += 1 }
        guard start < end, bytes[start] == 0x5B else { return false }  // [
        while end > start, isWhitespace(bytes[end - 1]) || bytes[end - 1] == 0x0C || bytes[end - 1] == 0x0B { end -= 1 }
        return ChunkKey.equal(UnsafeBufferPointer(rebasing: bytes[start..<end]), "[DONE]")
    }

    /// Scans `{ "key": value, ... }` where every value is a string, `true`,
    /// `false` or `null`, recording the known keys in `slots`. Returns false
    /// (decline) on anything else, including duplicate known keys and keys with
    /// escapes; the general path then decides.
    private static func scanFlatObject(_ b: UnsafeBufferPointer<UInt8>, into slots: UnsafeMutableBufferPointer<Slot>) -> Bool {
        let n = b.count
        var i = 0
        @inline(__always) func skipWhitespace() { while i < n, isWhitespace(b[i]) { i += 1 } }

        skipWhitespace()
        guard i < n, b[i] == 0x7B else { return false }  // {
        i += 1
        skipWhitespace()
        guard i < n else { return false }
        if b[i] == 0x7D {  // }
            i += 1
        } else {
            while true {
                // Key: a plain string without escapes.
                guard i < n, b[i] == 0x22 else { return false }
                i += 1
                let keyStart = i
                while i < n, b[i] != 0x22 {
                    if b[i] == 0x5C || b[i] < 0x20 { return false }
                    i += 1
                }
                guard i < n else { return false }
                let key = ChunkKey(bytes: UnsafeBufferPointer(rebasing: b[keyStart..<i]))
                i += 1
                skipWhitespace()
                guard i < n, b[i] == 0x3A else { return false }  // :
                i += 1
                skipWhitespace()
                guard i < n else { return false }

                var slot = Slot()
                switch b[i] {
                case 0x22:
                    guard let (end, escaped) = scanString(b, from: i + 1) else { return false }
                    slot = Slot(kind: .string, escaped: escaped, start: i + 1, end: end)
                    i = end + 1
                case 0x74:  // true
                    guard matches(b, at: i, "true") else { return false }
                    slot.kind = .true
                    i += 4
                case 0x66:  // false
                    guard matches(b, at: i, "false") else { return false }
                    slot.kind = .false
                    i += 5
                case 0x6E:  // null
                    guard matches(b, at: i, "null") else { return false }
                    slot.kind = .null
                    i += 4
                default:
                    return false
                }
                if let key {
                    guard slots[key.index].kind == .absent else { return false }
                    slots[key.index] = slot
                }
                skipWhitespace()
                guard i < n else { return false }
                if b[i] == 0x2C {  // ,
                    i += 1
                    skipWhitespace()
                    continue
                }
                guard b[i] == 0x7D else { return false }
                i += 1
                break
            }
        }
        skipWhitespace()
        return i == n
    }

    @inline(__always)
    private static func matches(_ b: UnsafeBufferPointer<UInt8>, at i: Int, _ word: StaticString) -> Bool {
        let count = word.utf8CodeUnitCount
        guard b.count - i >= count else { return false }
        let w = word.utf8Start
        for k in 0..<count where b[i + k] != w[k] { return false }
        return true
    }

    /// Scans a JSON string body starting after its opening quote. Returns the
    /// index of the closing quote and whether it holds escapes, or nil when the
    /// string is invalid or holds a lone surrogate escape.
    private static func scanString(_ b: UnsafeBufferPointer<UInt8>, from start: Int) -> (end: Int, escaped: Bool)? {
        let n = b.count
        var i = start
        var escaped = false
        while i < n {
            let c = b[i]
            if c == 0x22 { return (i, escaped) }
            if c == 0x5C {
                escaped = true
                i += 1
                guard i < n else { return nil }
                switch b[i] {
                case 0x22, 0x5C, 0x2F, 0x62, 0x66, 0x6E, 0x72, 0x74:
                    i += 1
                case 0x75:  // u
                    guard let unit = hex4(b, at: i + 1) else { return nil }
                    i += 5
                    if unit >= 0xD800, unit <= 0xDBFF {
                        guard i + 1 < n, b[i] == 0x5C, b[i + 1] == 0x75,
                              let low = hex4(b, at: i + 2), low >= 0xDC00, low <= 0xDFFF
                        else { return nil }
                        i += 6
                    } else if unit >= 0xDC00, unit <= 0xDFFF {
                        return nil
                    }
                default:
                    return nil
                }
            } else if c < 0x20 {
                return nil
            } else {
                i += 1
            }
        }
        return nil
    }

    @inline(__always)
    fileprivate static func hex4(_ b: UnsafeBufferPointer<UInt8>, at i: Int) -> UInt32? {
        guard i >= 0, b.count - i >= 4 else { return nil }
        var value: UInt32 = 0
        for k in 0..<4 {
            let c = b[i + k]
            let digit: UInt8
            switch c {
            case 0x30...0x39: digit = c - 0x30
            case 0x41...0x46: digit = c - 0x41 + 10
            case 0x61...0x66: digit = c - 0x61 + 10
            default: return nil
            }
            value = value << 4 | UInt32(digit)
        }
        return value
    }

    /// Decodes the body of a JSON string already validated by `scanString`
    /// (for anything else it stops early rather than trap).
    fileprivate static func unescape(_ b: UnsafeBufferPointer<UInt8>) -> String {
        // Every escape is at least as long as the UTF-8 it stands for.
        String(unsafeUninitializedCapacity: b.count) { out in
            let n = b.count
            var i = 0
            var o = 0
            @inline(__always) func put(_ byte: UInt8) {
                guard o < out.count else { return }  // cannot happen for validated input
                out[o] = byte
                o += 1
            }
            while i < n {
                let c = b[i]
                if c != 0x5C {
                    put(c)
                    i += 1
                    continue
                }
                guard i + 1 < n else { break }
                let e = b[i + 1]
                i += 2
                switch e {
                case 0x62: put(0x08)
                case 0x66: put(0x0C)
                case 0x6E: put(0x0A)
                case 0x72: put(0x0D)
                case 0x74: put(0x09)
                case 0x75:
                    guard var scalar = hex4(b, at: i) else { return o }
                    i += 4
                    if scalar >= 0xD800, scalar <= 0xDBFF {
                        guard let low = hex4(b, at: i + 2), low >= 0xDC00, low <= 0xDFFF else { return o }
                        i += 6
                        scalar = 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00)
                    }
                    switch scalar {
                    case 0..<0x80:
                        put(UInt8(truncatingIfNeeded: scalar))
                    case 0x80..<0x800:
                        put(UInt8(truncatingIfNeeded: 0xC0 | scalar >> 6))
                        put(UInt8(truncatingIfNeeded: 0x80 | scalar & 0x3F))
                    case 0x800..<0x10000:
                        put(UInt8(truncatingIfNeeded: 0xE0 | scalar >> 12))
                        put(UInt8(truncatingIfNeeded: 0x80 | scalar >> 6 & 0x3F))
                        put(UInt8(truncatingIfNeeded: 0x80 | scalar & 0x3F))
                    default:
                        put(UInt8(truncatingIfNeeded: 0xF0 | scalar >> 18))
                        put(UInt8(truncatingIfNeeded: 0x80 | scalar >> 12 & 0x3F))
                        put(UInt8(truncatingIfNeeded: 0x80 | scalar >> 6 & 0x3F))
                        put(UInt8(truncatingIfNeeded: 0x80 | scalar & 0x3F))
                    }
                default:
                    put(e)  // \" \\ \/
                }
            }
            return o
        }
    }
}

// MARK: - Field access shared by both paths

/// The keys `build` reads.
enum ChunkKey: Int, CaseIterable {
    case type, id, delta, messageId, toolCallId, toolName, title, inputTextDelta, input, errorText, output
    case preliminary, approvalId, sourceId, url, mediaType, filename, data, transient, messageMetadata, reason
    case finishReason

    static let count = allCases.count

    var index: Int { rawValue }

    var staticName: StaticString {
        switch self {
        case .type: "type"
        case .id: "id"
        case .delta: "delta"
        case .messageId: "messageId"
        case .toolCallId: "toolCallId"
        case .toolName: "toolName"
        case .title: "title"
        case .inputTextDelta: "inputTextDelta"
        case .input: "input"
        case .errorText: "errorText"
        case .output: "output"
        case .preliminary: "preliminary"
        case .approvalId: "approvalId"
        case .sourceId: "sourceId"
        case .url: "url"
        case .mediaType: "mediaType"
        case .filename: "filename"
        case .data: "data"
        case .transient: "transient"
        case .messageMetadata: "messageMetadata"
        case .reason: "reason"
        case .finishReason: "finishReason"
        }
    }

    var name: String { staticName.withUTF8Buffer { String(decoding: $0, as: UTF8.self) } }

    /// The key whose name is exactly these bytes, if any.
    init?(bytes: UnsafeBufferPointer<UInt8>) {
        let key: ChunkKey?
        switch bytes.count {
        case 2: key = Self.equal(bytes, "id") ? .id : nil
        case 3: key = Self.equal(bytes, "url") ? .url : nil
        case 4: key = Self.equal(bytes, "type") ? .type : Self.equal(bytes, "data") ? .data : nil
        case 5:
            key = Self.equal(bytes, "delta") ? .delta : Self.equal(bytes, "title") ? .title
                : Self.equal(bytes, "input") ? .input : nil
        case 6: key = Self.equal(bytes, "output") ? .output : Self.equal(bytes, "reason") ? .reason : nil
        case 8:
            key = Self.equal(bytes, "toolName") ? .toolName : Self.equal(bytes, "sourceId") ? .sourceId
                : Self.equal(bytes, "filename") ? .filename : nil
        case 9:
            key = Self.equal(bytes, "messageId") ? .messageId : Self.equal(bytes, "errorText") ? .errorText
                : Self.equal(bytes, "mediaType") ? .mediaType : Self.equal(bytes, "transient") ? .transient : nil
        case 10: key = Self.equal(bytes, "toolCallId") ? .toolCallId : Self.equal(bytes, "approvalId") ? .approvalId : nil
        case 11: key = Self.equal(bytes, "preliminary") ? .preliminary : nil
        case 12: key = Self.equal(bytes, "finishReason") ? .finishReason : nil
        case 14: key = Self.equal(bytes, "inputTextDelta") ? .inputTextDelta : nil
        case 15: key = Self.equal(bytes, "messageMetadata") ? .messageMetadata : nil
        default: key = nil
        }
        guard let key else { return nil }
        self = key
    }

    @inline(__always)
    static func equal(_ bytes: UnsafeBufferPointer<UInt8>, _ name: StaticString) -> Bool {
        let count = name.utf8CodeUnitCount
        guard bytes.count == count else { return false }
        let p = name.utf8Start
        for k in 0..<count where bytes[k] != p[k] { return false }
        return true
    }
}

struct ChunkFieldError: Error {
    /// The chunk type, for the message.
    let type: String
    let key: ChunkKey
    /// nil: the field is missing; otherwise the name of the JSON type it has instead.
    let foundType: String?
}

enum StringField {
    case absent
    case string(String)
    /// Present with another JSON type (its name).
    case other(String)
}

/// What the `type` field says.
enum ChunkTypeField {
    case absent
    /// Present with another JSON type (its name).
    case other(String)
    case known(KnownChunkType)
    /// A type name that is not a `KnownChunkType` (`data-*` or unknown).
    case name(String)

    /// Classifies a type name given as UTF-8 bytes; makes a `String` only for unknown names.
    init(utf8 bytes: UnsafeBufferPointer<UInt8>) {
        if let known = KnownChunkType(utf8: bytes) {
            self = .known(known)
        } else {
            self = .name(String(decoding: bytes, as: UTF8.self))
        }
    }

    init(_ name: String) {
        var name = name
        self = name.withUTF8 { ChunkTypeField(utf8: $0) }
    }
}

/// The chunk types with fixed names, most frequent first.
enum KnownChunkType: CaseIterable {
    case textDelta, reasoningDelta, toolInputDelta, textStart, textEnd, reasoningStart, reasoningEnd
    case start, startStep, finishStep, finish, toolInputStart, toolInputAvailable, toolInputError
    case toolOutputAvailable, toolOutputError, toolApprovalRequest, toolOutputDenied
    case sourceURL, sourceDocument, file, messageMetadata, error, abort

    static let ordered: [KnownChunkType] = allCases

    var wireName: StaticString {
        switch self {
        case .textDelta: "text-delta"
        case .reasoningDelta: "reasoning-delta"
        case .toolInputDelta: "tool-input-delta"
        case .textStart: "text-start"
        case .textEnd: "text-end"
        case .reasoningStart: "reasoning-start"
        case .reasoningEnd: "reasoning-end"
        case .start: "start"
        case .startStep: "start-step"
        case .finishStep: "finish-step"
        case .finish: "finish"
        case .toolInputStart: "tool-input-start"
        case .toolInputAvailable: "tool-input-available"
        case .toolInputError: "tool-input-error"
        case .toolOutputAvailable: "tool-output-available"
        case .toolOutputError: "tool-output-error"
        case .toolApprovalRequest: "tool-approval-request"
        case .toolOutputDenied: "tool-output-denied"
        case .sourceURL: "source-url"
        case .sourceDocument: "source-document"
        case .file: "file"
        case .messageMetadata: "message-metadata"
        case .error: "error"
        case .abort: "abort"
        }
    }

    var name: String { wireName.withUTF8Buffer { String(decoding: $0, as: UTF8.self) } }

    init?(utf8 bytes: UnsafeBufferPointer<UInt8>) {
        for type in Self.ordered where ChunkKey.equal(bytes, type.wireName) {
            self = type
            return
        }
        return nil
    }
}

protocol ChunkFields {
    func chunkType() -> ChunkTypeField
    func string(_ key: ChunkKey) -> StringField
    func json(_ key: ChunkKey) -> JSONValue?
    func bool(_ key: ChunkKey) -> Bool?
}

extension ChunkFields {
    func optional(_ key: ChunkKey) -> String? {
        if case .string(let value) = string(key) { return value }
        return nil
    }

    func required(_ key: ChunkKey, _ type: KnownChunkType) throws(ChunkFieldError) -> String {
        switch string(key) {
        case .string(let value): return value
        case .absent: throw ChunkFieldError(type: type.name, key: key, foundType: nil)
        case .other(let typeName): throw ChunkFieldError(type: type.name, key: key, foundType: typeName)
        }
    }

    func requiredJSON(_ key: ChunkKey, _ type: KnownChunkType) throws(ChunkFieldError) -> JSONValue {
        guard let value = json(key) else { throw ChunkFieldError(type: type.name, key: key, foundType: nil) }
        return value
    }

    /// For `data-*` chunks, which have no `KnownChunkType`.
    func requiredJSON(_ key: ChunkKey) throws(ChunkFieldError) -> JSONValue {
        guard let value = json(key) else {
            let type = optional(.type) ?? ""
            throw ChunkFieldError(type: type, key: key, foundType: nil)
        }
        return value
    }
}

/// Fields of a parsed object (the general path).
private struct ObjectFields: ChunkFields {
    let object: JSONObject

    func chunkType() -> ChunkTypeField {
        switch string(.type) {
        case .absent: .absent
        case .other(let typeName): .other(typeName)
        case .string(let name): ChunkTypeField(name)
        }
    }

    func string(_ key: ChunkKey) -> StringField {
        switch object[key.name] {
        case nil: .absent
        case .string(let value): .string(value)
        case let other?: .other(other.typeName)
        }
    }

    func json(_ key: ChunkKey) -> JSONValue? { object[key.name] }

    func bool(_ key: ChunkKey) -> Bool? { object[key.name]?.boolValue }
}

/// Fields found by the fast scanner.
private struct SlotFields: ChunkFields {
    let bytes: UnsafeBufferPointer<UInt8>
    let slots: UnsafeBufferPointer<UIChunkDecoder.Slot>

    private func body(_ slot: UIChunkDecoder.Slot) -> UnsafeBufferPointer<UInt8> {
        UnsafeBufferPointer(rebasing: bytes[slot.start..<slot.end])
    }

    private func text(_ slot: UIChunkDecoder.Slot) -> String {
        slot.escaped ? UIChunkDecoder.unescape(body(slot)) : String(decoding: body(slot), as: UTF8.self)
    }

    func chunkType() -> ChunkTypeField {
        let slot = slots[ChunkKey.type.index]
        switch slot.kind {
        case .absent: return .absent
        case .string:
            if slot.escaped { return ChunkTypeField(UIChunkDecoder.unescape(body(slot))) }
            return ChunkTypeField(utf8: body(slot))
        case .true, .false: return .other("boolean")
        case .null: return .other("null")
        }
    }

    func string(_ key: ChunkKey) -> StringField {
        let slot = slots[key.index]
        switch slot.kind {
        case .absent: return .absent
        case .string: return .string(text(slot))
        case .true, .false: return .other("boolean")
        case .null: return .other("null")
        }
    }

    func json(_ key: ChunkKey) -> JSONValue? {
        let slot = slots[key.index]
        switch slot.kind {
        case .absent: return nil
        case .string: return .string(text(slot))
        case .true: return .bool(true)
        case .false: return .bool(false)
        case .null: return .null
        }
    }

    func bool(_ key: ChunkKey) -> Bool? {
        switch slots[key.index].kind {
        case .true: true
        case .false: false
        default: nil
        }
    }
}
