// The Vercel AI SDK "UI message stream" chunk: the JSON object carried in the
// `data` of each server-sent event of a streaming chat answer (PROTOCOL.md 2.2).
//
// Decoding is lenient the way PROTOCOL.md asks: extra fields are ignored,
// optional fields of the wrong type read as absent, unknown types are kept as
// `.unknown`, and anything unusable becomes `.malformed` with a reason instead
// of an error. It never traps.
//
// Decoding lives in UIChunkDecoder.swift (entry points and `build`, the code that
// reads a chunk's fields) and UIChunkScanner.swift (the fast path). Two paths
// produce a chunk from the same field-reading code (`build`):
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
