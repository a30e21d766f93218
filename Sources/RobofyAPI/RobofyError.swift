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

    /// 429, 5xx and timeouts may go away if tried again. A refused connection is not
    /// retried: the HTTP client already keeps trying until its connect timeout.
    public var isRetryable: Bool {
        switch self {
        case .http(let s, _, _, _, _, _): return s == 429 || (500...599).contains(s)
        case .timedOut: return true
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
            return "The handshake answer was unusable: \(why) Check --project-id and --chatbot-id."
        case .badResponse(let why):
            return "The server's answer was unusable: \(why)"
        case .cancelled:
            return "Cancelled."
        }
    }

    static func seconds(_ s: Double) -> String {
        s == s.rounded() ? "\(Int(s)) s" : String(format: "%.1f s", s)
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
        let retryAfter = retryAfterHeader.flatMap { Double($0.trimmingCharacters(in: .whitespaces)) }
        if let json = JSONValue.parse(Data(body)), case .object = json {
            let message = json["message"]?.stringValue
            let code = json["error"]?["code"]?.stringValue
            let detail = json["error"]?["detail"]?.stringValue ?? json["error"]?.stringValue
            if message != nil || code != nil || detail != nil {
                return .http(status: status, code: code, message: message, detail: detail,
                             retryAfter: retryAfter, bodySnippet: nil)
            }
        }
        let text = String(decoding: body.prefix(400), as: UTF8.self)
        let snippet = text.isEmpty ? "empty body" : collapse(text)
        return .http(status: status, code: nil, message: nil, detail: nil, retryAfter: retryAfter,
                     bodySnippet: String(snippet.prefix(120)))
    }

    /// One line of printable text: drops tags, control characters and runs of spaces.
    static func collapse(_ s: String) -> String {
        var out = ""
        var inTag = false
        var lastSpace = false
        for u in s.unicodeScalars {
            if u == "<" { inTag = true; continue }
            if u == ">" && inTag { inTag = false; continue }
            if inTag { continue }
            let isSpace = u.properties.isWhitespace || u.value < 0x20 || (0x7F...0x9F).contains(u.value)
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
