import Foundation

/// Faults the demo server can inject, server-wide (``DemoServerOptions/faults``) or
/// per request (header `X-Robofy-Demo-Fault: <spec>`).
///
/// Spec syntax: comma-separated items, whitespace around items and `=` tolerated,
/// item names case-insensitive, empty items ignored, a later item overrides an
/// earlier one of the same name:
///
/// | item | field | meaning |
/// |---|---|---|
/// | `latency=MS` | ``latencyMs`` | delay before answering any request |
/// | `cut=BYTES` | ``cutAfterBytes`` | end the SSE body cleanly after BYTES bytes (mid-event), no `[DONE]` |
/// | `drop=BYTES` | ``dropAfterBytes`` | abort the connection after BYTES bytes of SSE (no terminating chunk) |
/// | `stall=BYTES` | ``stallAfterBytes`` | stop sending after BYTES bytes; hold the connection ~60 s or until the client goes away |
/// | `401once` | ``unauthorizedOnce`` | the first chat request for this fault key answers 401 |
/// | `429=SECONDS` (bare `429` = 1) | ``rateLimitRetryAfter`` | answer 429 with `Retry-After` |
/// | `500` | ``serverError`` | answer 500 |
/// | `malformed` | ``malformedChunk`` | one `data: {not json` event mid-stream |
/// | `unknown` | ``unknownChunk`` | `custom-thing` and `reset-step` events mid-stream |
/// | `nostream` | ``noStreaming`` | the streaming path answers 404 |
/// | `json` | ``streamAsJSON`` | the streaming path answers 200 `application/json` (non-streaming shape) |
/// | `pace=MS` | ``deltaDelayMs`` | pacing between deltas (0 = as fast as possible) |
/// | `id=NAME` | ``id`` | a nonce that only keys `401once` (see below) |
/// | `redirect=URL` | ``redirectTo`` | the handshake and chat calls answer 307 with `Location: URL` |
/// | `retryafter=TEXT` | ``retryAfterRaw`` | answer 429 with `Retry-After: TEXT` as given (`inf`, `NaN`, `1e308`, `-5`) |
/// | `html500` | ``htmlServerError`` | answer 500 with an HTML page (the handshake too, per request) |
/// | `longevent=BYTES` | ``longEventBytes`` | one `text-delta` event whose data line is BYTES bytes long, mid-stream |
/// | `echotoken` | ``echoToken`` | the bearer token it was sent with, in the reasoning, a tool call, a source, the answer and a new session's id (a server that leaks it) |
/// | `nofinish` | ``noFinish`` | the stream ends with `[DONE]` but sends no `finish` event |
///
/// `401once` keying: the server counts per key; the first chat request with a valid
/// token under a key answers 401, later ones pass. Server-wide faults are one key;
/// a header is keyed by its canonical spec (``spec``), so `401once,id=test-42` and
/// `401once,id=test-43` are independent "onces" (use a fresh `id` per test).
public struct DemoFaults: Sendable, Equatable {
    public var latencyMs: Int = 0
    public var cutAfterBytes: Int? = nil
    public var stallAfterBytes: Int? = nil
    public var unauthorizedOnce: Bool = false
    public var rateLimitRetryAfter: Int? = nil
    public var serverError: Bool = false
    public var malformedChunk: Bool = false
    public var unknownChunk: Bool = false
    public var noStreaming: Bool = false
    public var streamAsJSON: Bool = false
    public var deltaDelayMs: Int? = nil
    /// Abort the connection (no clean end of the chunked body) after N bytes of SSE.
    public var dropAfterBytes: Int? = nil
    /// Nonce used only to key `401once` (see the type documentation).
    public var id: String? = nil
    /// Answer 307 to the handshake and chat calls, pointing here (never validated: hostile on purpose).
    public var redirectTo: String? = nil
    /// Answer 429 with this `Retry-After` value, verbatim.
    public var retryAfterRaw: String? = nil
    /// Answer 500 with an HTML body.
    public var htmlServerError: Bool = false
    /// Send one event with a data line this long mid-stream.
    public var longEventBytes: Int? = nil
    /// Echo the bearer token at the start of the answer.
    public var echoToken: Bool = false
    /// Leave out the `finish` event (`[DONE]` still ends the stream).
    public var noFinish: Bool = false

    public init() {}

    /// Every item the spec understands, for error messages and `--help` texts.
    public static let validItems =
        "latency=MS, cut=BYTES, drop=BYTES, stall=BYTES, 401once, 429=SECONDS, 500, malformed, unknown, nostream, json, pace=MS, id=NAME, redirect=URL, retryafter=TEXT, html500, longevent=BYTES, echotoken, nofinish"

    /// Largest accepted millisecond / second / byte value (keeps a header from parking a connection forever).
    static let maxMilliseconds = 600_000
    static let maxSeconds = 86_400

    /// Parses a spec such as `"latency=200,cut=300,stall=100,401once,429=2,500,malformed,unknown,nostream,json,pace=0"`.
    public init(spec: String) throws(DemoFaultsError) {
        self.init()
        for rawItem in spec.split(separator: ",", omittingEmptySubsequences: false) {
            let item = rawItem.trimmingCharacters(in: .whitespacesAndNewlines)
            if item.isEmpty { continue }
            let name: String
            let value: String?
            if let eq = item.firstIndex(of: "=") {
                name = item[..<eq].trimmingCharacters(in: .whitespacesAndNewlines).lowercased()
                value = item[item.index(after: eq)...].trimmingCharacters(in: .whitespacesAndNewlines)
            } else {
                name = item.lowercased()
                value = nil
            }

            func number(max: Int, unit: String) throws(DemoFaultsError) -> Int {
                guard let value, !value.isEmpty else {
                    throw DemoFaultsError(item: item, reason: "'\(name)' needs a value (\(name)=\(unit))")
                }
                guard let n = Int(value), n >= 0 else {
                    throw DemoFaultsError(item: item, reason: "'\(value)' is not a non-negative whole number of \(unit)")
                }
                guard n <= max else {
                    throw DemoFaultsError(item: item, reason: "\(n) is too large (at most \(max) \(unit))")
                }
                return n
            }
            func flag() throws(DemoFaultsError) {
                if value != nil {
                    throw DemoFaultsError(item: item, reason: "'\(name)' takes no value")
                }
            }

            switch name {
            case "latency": latencyMs = try number(max: Self.maxMilliseconds, unit: "milliseconds")
            case "cut": cutAfterBytes = try number(max: Int(Int32.max), unit: "bytes")
            case "drop": dropAfterBytes = try number(max: Int(Int32.max), unit: "bytes")
            case "stall": stallAfterBytes = try number(max: Int(Int32.max), unit: "bytes")
            case "pace": deltaDelayMs = try number(max: Self.maxMilliseconds, unit: "milliseconds")
            case "401once":
                try flag()
                unauthorizedOnce = true
            case "429":
                if value == nil {
                    rateLimitRetryAfter = 1
                } else {
                    rateLimitRetryAfter = try number(max: Self.maxSeconds, unit: "seconds")
                }
            case "500":
                try flag()
                serverError = true
            case "malformed":
                try flag()
                malformedChunk = true
            case "unknown":
                try flag()
                unknownChunk = true
            case "nostream":
                try flag()
                noStreaming = true
            case "json":
                try flag()
                streamAsJSON = true
            case "id":
                guard let value, !value.isEmpty else {
                    throw DemoFaultsError(item: item, reason: "'id' needs a value (id=NAME)")
                }
                guard value.count <= 128, value.unicodeScalars.allSatisfy({ Self.idCharacters.contains($0) }) else {
                    throw DemoFaultsError(item: item, reason: "an id may only contain letters, digits, '-', '_', '.' and ':' (at most 128)")
                }
                id = value
            case "redirect":
                guard let value, !value.isEmpty, value.count <= 2048 else {
                    throw DemoFaultsError(item: item, reason: "'redirect' needs a URL (redirect=URL, at most 2048 characters)")
                }
                redirectTo = value
            case "retryafter":
                guard let value, !value.isEmpty, value.count <= 256 else {
                    throw DemoFaultsError(item: item, reason: "'retryafter' needs a value (retryafter=TEXT, at most 256 characters)")
                }
                retryAfterRaw = value
            case "html500":
                try flag()
                htmlServerError = true
            case "longevent": longEventBytes = try number(max: 1 << 30, unit: "bytes")
            case "echotoken":
                try flag()
                echoToken = true
            case "nofinish":
                try flag()
                noFinish = true
            default:
                throw DemoFaultsError(item: item, reason: "unknown fault '\(name)'")
            }
        }
    }

    private static let idCharacters: Set<Unicode.Scalar> = {
        var set = Set<Unicode.Scalar>()
        for s in "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_.:".unicodeScalars { set.insert(s) }
        return set
    }()

    /// The canonical spec: items in a fixed order, defaults omitted. `DemoFaults(spec: f.spec) == f`.
    public var spec: String {
        var items: [String] = []
        if latencyMs != 0 { items.append("latency=\(latencyMs)") }
        if let cutAfterBytes { items.append("cut=\(cutAfterBytes)") }
        if let dropAfterBytes { items.append("drop=\(dropAfterBytes)") }
        if let stallAfterBytes { items.append("stall=\(stallAfterBytes)") }
        if unauthorizedOnce { items.append("401once") }
        if let rateLimitRetryAfter { items.append("429=\(rateLimitRetryAfter)") }
        if serverError { items.append("500") }
        if malformedChunk { items.append("malformed") }
        if unknownChunk { items.append("unknown") }
        if noStreaming { items.append("nostream") }
        if streamAsJSON { items.append("json") }
        if let deltaDelayMs { items.append("pace=\(deltaDelayMs)") }
        if let id { items.append("id=\(id)") }
        if let redirectTo { items.append("redirect=\(redirectTo)") }
        if let retryAfterRaw { items.append("retryafter=\(retryAfterRaw)") }
        if htmlServerError { items.append("html500") }
        if let longEventBytes { items.append("longevent=\(longEventBytes)") }
        if echoToken { items.append("echotoken") }
        if noFinish { items.append("nofinish") }
        return items.joined(separator: ",")
    }

    /// True when no fault is set (an `id` alone is not a fault).
    public var isEmpty: Bool {
        var copy = self
        copy.id = nil
        return copy == DemoFaults()
    }

    /// Header items override (numbers) or add to (flags) the server-wide ones.
    func merged(withRequestFaults header: DemoFaults) -> DemoFaults {
        var m = self
        if header.latencyMs != 0 { m.latencyMs = header.latencyMs }
        m.cutAfterBytes = header.cutAfterBytes ?? cutAfterBytes
        m.dropAfterBytes = header.dropAfterBytes ?? dropAfterBytes
        m.stallAfterBytes = header.stallAfterBytes ?? stallAfterBytes
        m.unauthorizedOnce = unauthorizedOnce || header.unauthorizedOnce
        m.rateLimitRetryAfter = header.rateLimitRetryAfter ?? rateLimitRetryAfter
        m.serverError = serverError || header.serverError
        m.malformedChunk = malformedChunk || header.malformedChunk
        m.unknownChunk = unknownChunk || header.unknownChunk
        m.noStreaming = noStreaming || header.noStreaming
        m.streamAsJSON = streamAsJSON || header.streamAsJSON
        m.deltaDelayMs = header.deltaDelayMs ?? deltaDelayMs
        m.id = header.id ?? id
        m.redirectTo = header.redirectTo ?? redirectTo
        m.retryAfterRaw = header.retryAfterRaw ?? retryAfterRaw
        m.htmlServerError = htmlServerError || header.htmlServerError
        m.longEventBytes = header.longEventBytes ?? longEventBytes
        m.echoToken = echoToken || header.echoToken
        m.noFinish = noFinish || header.noFinish
        return m
    }
}

extension DemoFaults: CustomStringConvertible {
    public var description: String { spec.isEmpty ? "none" : spec }
}

/// A fault spec could not be parsed. ``message`` names the bad item and lists the valid ones.
public struct DemoFaultsError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The offending item, trimmed, as written.
    public let item: String
    /// Why it was rejected.
    public let reason: String

    public init(item: String, reason: String) {
        self.item = item
        self.reason = reason
    }

    public var message: String {
        "Invalid fault '\(item)': \(reason). Valid items: \(DemoFaults.validItems)."
    }

    public var description: String { message }
}
