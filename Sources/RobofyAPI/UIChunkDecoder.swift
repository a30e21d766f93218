// Decoding the `data` of a server-sent event into a ``UIChunk``: the entry points
// and `build`, which reads a chunk's fields the same way for both paths (the fast
// scanner's slots, UIChunkScanner.swift, and a parsed `JSONValue` object).

/// Turns the `data` of one server-sent event into a ``UIChunk``.
public enum UIChunkDecoder {
    /// The longest `raw` text kept in a `.malformed` chunk, in characters.
    static let malformedRawLimit = 2_000

    public static func decode(_ data: String) -> UIChunk {
        var text = data
        return text.withUTF8 { bytes in
            if isDone(bytes) { return .done }
            if let chunk = decodeFast(bytes, raw: { data }) { return chunk }
            return decodeGeneral(data)
        }
    }

    /// Decodes an event's `data` given as UTF-8 bytes (valid only during the call, e.g. the
    /// network read buffer): a String of the data is made only when the chunk keeps it
    /// (`.unknown`, `.malformed`) or the general path needs it.
    public static func decode(utf8 bytes: UnsafeBufferPointer<UInt8>) -> UIChunk {
        if isDone(bytes) { return .done }
        if let chunk = decodeFast(bytes, raw: { String(decoding: bytes, as: UTF8.self) }) { return chunk }
        return decodeGeneral(String(decoding: bytes, as: UTF8.self))
    }

    /// The chunk and its event: the event keeps a copy of the data only when the data is
    /// not what ``ChunkEvent/canonicalRaw(_:)`` writes for the chunk (for a `text-delta`
    /// as servers send it, it is: then the event holds no copy of its JSON).
    public static func event(utf8 bytes: UnsafeBufferPointer<UInt8>) -> ChunkEvent {
        if let delta = canonicalTextDelta(bytes) { return ChunkEvent(canonical: delta) }
        let chunk = decode(utf8: bytes)
        return ChunkEvent(chunk: chunk, raw: String(decoding: bytes, as: UTF8.self))
    }

    /// The fast path alone: nil when it declines the input. For tests.
    static func decodeFastPath(_ data: String) -> UIChunk? {
        var text = data
        return text.withUTF8 { decodeFast($0, raw: { data }) }
    }

    /// The general path alone (no `[DONE]` check, no fast path). For tests.
    static func decodeGeneral(_ data: String) -> UIChunk {
        guard let value = JSONValue.parse(data) else {
            return malformed(data, "The data is not valid JSON.")
        }
        guard case .object(let object) = value else {
            return malformed(data, "The data is JSON \(describe(value.typeName)), not an object.")
        }
        return build(ObjectFields(object: object), raw: { data })
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

    /// The chunk the fields describe; `raw` (the event data) is asked for only when the chunk keeps it.
    static func build<Fields: ChunkFields>(_ fields: Fields, raw: () -> String) -> UIChunk {
        do {
            switch fields.chunkType() {
            case .known(let known):
                return try chunk(known, fields)
            case .name(let name):
                guard name.utf8.starts(with: "data-".utf8) else { return .unknown(type: name, raw: raw()) }
                return .data(
                    name: String(decoding: name.utf8.dropFirst(5), as: UTF8.self), id: fields.optional(.id), data: try fields.requiredJSON(.data),
                    transient: fields.bool(.transient) ?? false)
            case .absent:
                return malformed(raw(), "The object has no \"type\" field.")
            case .other(let typeName):
                return malformed(raw(), "The \"type\" field is \(describe(typeName)), not a string.")
            }
        } catch {
            let name = error.key.name
            if let found = error.foundType {
                return malformed(raw(), "The \"\(name)\" field of the \"\(error.type)\" chunk is \(describe(found)), not a string.")
            }
            return malformed(raw(), "The \"\(error.type)\" chunk has no \"\(name)\" field.")
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
