import Foundation

/// Every way a call to Robofy (or the demo server) can fail, each with a message
/// that says what happened and what to do. Messages never contain the token.
public enum RobofyError: Error, Sendable, Equatable, CustomStringConvertible {
    case invalidBaseURL(String)
    case cannotConnect(url: String, reason: String)
    case timedOut(what: String, seconds: Double)
    case stalled(seconds: Double)
    case http(status: Int, code: String?, message: String?, detail: String?, retryAfter: Double?, bodySnippet: String?)
    case badHandshake(String)
    case badResponse(String)
    case cancelled
    /// The base URL names a port outside 1…65535 (NIO would trap on it).
    case invalidPort(url: String, port: Int)
    /// The server answered 3xx. A POST API is not followed through redirects (a redirected
    /// POST becomes a GET); `location` is sanitized (no query, no user info, printable).
    case redirected(status: Int, location: String)
    /// The peer reset the connection (ECONNRESET / EPIPE).
    case connectionReset(url: String)
    /// The handshake did not complete within its own timeout.
    case handshakeTimedOut(seconds: Double)
    /// The answer's body ended (or broke) before its `finish` event; the partial answer is kept.
    case cutOff(reason: String)
    /// One SSE line or event was larger than `SSEDecoder.maxEventBytes`.
    case eventTooLarge(limit: Int)
    /// The answer grew past the client's cap; the first `limit` bytes are kept.
    case answerTooLarge(limit: Int)

    public var description: String { userMessage }

    /// The HTTP status, when the server answered with one.
    public var status: Int? {
        if case .http(let s, _, _, _, _, _) = self { return s }
        return nil
    }

    public var retryAfter: Double? {
        if case .http(_, _, _, _, let r, _) = self { return r }
        return nil
    }

    /// 429, 5xx and timeouts may go away if tried again. A refused connection is not retried
    /// here: the client already tried it again for a short while (`ConnectGrace`).
    public var isRetryable: Bool {
        switch self {
        case .http(let s, _, _, _, _, _): return s == 429 || (500...599).contains(s)
        case .timedOut, .connectionReset: return true
        default: return false
        }
    }

    public var userMessage: String {
        switch self {
        case .invalidBaseURL(let u):
            return "The base URL \"\(u)\" is not a valid http(s) URL. Check --base-url or ROBOFY_BASE_URL."
        case .cannotConnect(let url, let reason):
            return "Cannot connect to \(url) (\(reason)). Check the address and your network, then try again."
        case .timedOut(let what, let s):
            return "\(what) timed out after \(Self.seconds(s)). The server may be slow or unreachable; try again."
        case .stalled(let s):
            return "The answer stalled: no data for \(Self.seconds(s)). The partial answer is kept; send again to retry."
        case .http(let status, let code, let message, let detail, let retryAfter, let snippet):
            var parts: [String] = []
            let label = [code, message].compactMap { $0 }.first
            parts.append("The server answered \(status)" + (label.map { " \($0)" } ?? ""))
            if let detail, !detail.isEmpty { parts.append(detail) }
            if code == nil, message == nil, let snippet, !snippet.isEmpty {
                parts.append("body: \(snippet)")
            }
            parts.append(Self.advice(status: status, code: code, retryAfter: retryAfter))
            return parts.joined(separator: ". ").replacingOccurrences(of: "..", with: ".")
        case .badHandshake(let why):
            // `why` carries its own advice when it knows better (a non-JSON answer: the base URL).
            if why.contains("Check ") { return "The handshake answer was unusable: \(why)" }
            return "The handshake answer was unusable: \(why) Check --project-id and --chatbot-id."
        case .badResponse(let why):
            return "The server's answer was unusable: \(why)"
        case .cancelled:
            return "Cancelled."
        case .invalidPort(let url, let port):
            return "The base URL \"\(url)\" names port \(port); a port is 1 to 65535. Check --base-url or ROBOFY_BASE_URL."
        case .redirected(let status, let location):
            return "The server redirected (\(status)) to \(location); robofy-tui does not follow redirects for its POST API. Point --base-url there."
        case .connectionReset(let url):
            return "The connection was reset by the server (\(url)). Try again; if it keeps happening, check --base-url and any proxy in between."
        case .handshakeTimedOut(let s):
            return "The widget did not answer the handshake within \(Self.seconds(s)); check --base-url / your connection; Ctrl-R retries."
        case .cutOff(let reason):
            return "The answer was cut off (\(reason)). The partial answer is kept; send again to retry."
        case .eventTooLarge(let limit):
            return "The server sent one event larger than \(limit >> 20) MiB; the answer was stopped there (the partial answer is kept). The server or --base-url is probably wrong."
        case .answerTooLarge(let limit):
            return "The answer is larger than \(limit >> 20) MiB; the first \(limit >> 20) MiB are kept and the rest was not read."
        }
    }

    static func seconds(_ s: Double) -> String {
        NetNumber.secondsText(s)
    }

    /// What went wrong, without the advice: the text of a `retrying` notice (the session says
    /// itself when it retries, so "wait N s" from the advice would contradict it).
    public var retryReason: String {
        switch self {
        case .http(let status, let code, let message, _, _, _):
            let label = [code, message].compactMap { $0 }.first
            return "the server answered \(status)" + (label.map { " \($0)" } ?? "")
        case .timedOut(let what, let s):
            return "\(what) timed out after \(Self.seconds(s))"
        case .connectionReset:
            return "the connection was reset by the server"
        default:
            return userMessage
        }
    }

    static func advice(status: Int, code: String?, retryAfter: Double?) -> String {
        switch status {
        case 400: return "The request was rejected; check the project and agent ids."
        case 401: return "The widget token was refused; reconnect (Ctrl-R) to get a new one."
        case 403: return "This widget may not be used from here; check the project's allowed domains."
        case 404:
            if code == "PROJECT_NOT_FOUND" { return "Check --project-id and --chatbot-id." }
            return "Check --base-url and the path (--stream-path)."
        case 429:
            if let retryAfter { return "Too many requests; wait \(seconds(retryAfter)) and try again." }
            return "Too many requests; wait a moment and try again."
        case 500...599: return "The server had a problem; try again in a moment."
        default: return "Try again, or check --base-url."
        }
    }

    /// Builds the error for a non-2xx answer from its body (Robofy's envelope, or anything else).
    public static func fromResponse(status: Int, body: [UInt8], retryAfterHeader: String?) -> RobofyError {
        let retryAfter = retryAfterHeader.flatMap { NetNumber.retryAfterSeconds($0) }
        if let json = JSONValue.parse(Data(body)), case .object = json {
            let message = json["message"]?.stringValue
            let code = json["error"]?["code"]?.stringValue
            let detail = json["error"]?["detail"]?.stringValue ?? json["error"]?.stringValue
            if message != nil || code != nil || detail != nil {
                return .http(status: status, code: code, message: message, detail: detail,
                             retryAfter: retryAfter, bodySnippet: nil)
            }
        }
        return .http(status: status, code: nil, message: nil, detail: nil, retryAfter: retryAfter,
                     bodySnippet: snippet(body))
    }

    /// A short, printable summary of a body for a message: the text of an HTML page (tags,
    /// `head`, `script` and `style` dropped, a few entities decoded), whitespace collapsed,
    /// secrets redacted, cut at a word boundary with "…" after at most `limit` characters.
    public static func snippet(_ body: [UInt8], limit: Int = 120) -> String {
        let text = String(decoding: body.prefix(16 << 10), as: UTF8.self)
        if text.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty { return "empty body" }
        let collapsed = Redaction.redact(collapse(text))
        if collapsed.isEmpty { return "no readable text" }
        guard collapsed.count > limit else { return collapsed }
        let head = collapsed.prefix(limit)
        if let space = head.lastIndex(of: " "), head.distance(from: head.startIndex, to: space) >= limit / 2 {
            return String(head[..<space]) + "…"
        }
        return String(head) + "…"
    }

    /// One line of printable text: tags become spaces (the text of `head`, `script` and
    /// `style` is dropped), a few entities are decoded, control and bidi-control characters
    /// and runs of spaces become one space.
    static func collapse(_ s: String) -> String {
        var out = ""
        var inTag = false
        var tag = ""
        var skipping: String?
        var lastSpace = false
        var scalars: [Unicode.Scalar] = []
        scalars.reserveCapacity(s.unicodeScalars.count)
        // Entities first (on text outside tags they are what a browser shows).
        var t = s
        for (e, r) in [("&nbsp;", " "), ("&lt;", "‹"), ("&gt;", "›"), ("&quot;", "\""), ("&#39;", "'"), ("&amp;", "&")]
        where t.contains(e) {
            t = t.replacingOccurrences(of: e, with: r)
        }
        scalars.append(contentsOf: t.unicodeScalars)
        for u in scalars {
            if u == "<" && !inTag {
                inTag = true
                tag = ""
                continue
            }
            if inTag {
                if u == ">" {
                    inTag = false
                    let name = String(tag.lowercased().prefix { $0.isLetter || $0 == "/" })
                    if let open = skipping {
                        if name == "/" + open { skipping = nil }
                    } else if ["head", "script", "style", "title"].contains(name) {
                        skipping = name
                    }
                    if !lastSpace && !out.isEmpty { out.append(" ") }
                    lastSpace = true
                } else if tag.count < 16 {
                    tag.unicodeScalars.append(u)
                }
                continue
            }
            if skipping != nil { continue }
            let isSpace = u.properties.isWhitespace || u.value < 0x20 || (0x7F...0x9F).contains(u.value)
                || (0x202A...0x202E).contains(u.value) || (0x2066...0x2069).contains(u.value)
                || u.value == 0x200E || u.value == 0x200F || u.value == 0x061C
            if isSpace {
                if !lastSpace && !out.isEmpty { out.append(" ") }
                lastSpace = true
            } else {
                out.unicodeScalars.append(u)
                lastSpace = false
            }
        }
        return out.trimmingCharacters(in: .whitespaces)
    }
}
