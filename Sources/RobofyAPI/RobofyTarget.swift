// RobofyAPI: where to talk to (target, endpoints, timeouts) and what a request and response carry.
import AsyncHTTPClient
import Foundation
import Logging
import NIOCore
import NIOHTTP1

/// Which Robofy deployment to talk to, and where its endpoints are.
public struct RobofyTarget: Sendable, Equatable {
    public static let defaultBaseURL = "https://agents.robofy.ai"
    public static let defaultStreamPath = "/v1/ai-agent/chat/stream"
    public static let defaultChatPath = "/v1/ai-agent/chat"
    public static let defaultHandshakePath = "/v1/widget/handshake"

    public var baseURL: String
    public var projectID: String
    public var chatbotID: String
    public var streamPath: String
    public var chatPath: String
    public var handshakePath: String
    /// Use the streaming endpoint (falls back to the plain one on 404 or a JSON answer).
    public var streaming: Bool
    /// Extra request headers (e.g. the demo server's fault header). Never shown.
    public var extraHeaders: [String: String]

    public init(baseURL: String = RobofyTarget.defaultBaseURL, projectID: String, chatbotID: String,
                streamPath: String = RobofyTarget.defaultStreamPath,
                chatPath: String = RobofyTarget.defaultChatPath,
                handshakePath: String = RobofyTarget.defaultHandshakePath,
                streaming: Bool = true, extraHeaders: [String: String] = [:]) {
        self.baseURL = baseURL
        self.projectID = projectID
        self.chatbotID = chatbotID
        self.streamPath = streamPath
        self.chatPath = chatPath
        self.handshakePath = handshakePath
        self.streaming = streaming
        self.extraHeaders = extraHeaders
    }

    /// The full URL of a path, or an error a person can act on.
    public func url(_ path: String) throws(RobofyError) -> String {
        let base = baseURL.trimmingCharacters(in: .whitespaces)
        guard let u = URL(string: base), let scheme = u.scheme?.lowercased(), ["http", "https"].contains(scheme),
              let host = u.host, !host.isEmpty else {
            throw .invalidBaseURL(Redaction.redact(base))
        }
        // A port outside 1…65535 must never reach NIO's SocketAddress (it traps).
        if let port = Self.explicitPort(base) {
            guard let p = port, (1...65535).contains(p) else {
                throw .invalidPort(url: Redaction.redact(base), port: port ?? 0)
            }
        }
        var b = base
        while b.hasSuffix("/") { b.removeLast() }
        return b + (path.hasPrefix("/") ? path : "/" + path)
    }
}

extension RobofyTarget {
    /// The port written in an http(s) URL's authority: nil when none is written, `.some(nil)`
    /// when it is not a number that fits an Int (`:99999999999999999999`), else the number.
    static func explicitPort(_ url: String) -> Int?? {
        guard let schemeEnd = url.range(of: "://") else { return nil }
        let rest = url[schemeEnd.upperBound...]
        let authority = rest.prefix { $0 != "/" && $0 != "?" && $0 != "#" }
        let hostPort = authority.split(separator: "@", omittingEmptySubsequences: false).last ?? authority
        // After an IPv6 literal's "]", or the last ":" of a name.
        let afterHost: Substring
        if hostPort.hasPrefix("[") {
            guard let close = hostPort.firstIndex(of: "]") else { return nil }
            afterHost = hostPort[hostPort.index(after: close)...]
        } else {
            afterHost = hostPort.firstIndex(of: ":").map { hostPort[$0...] } ?? ""
        }
        guard afterHost.hasPrefix(":") else { return nil }
        let digits = afterHost.dropFirst()
        if digits.isEmpty { return nil }
        guard digits.allSatisfy(\.isASCII), digits.allSatisfy(\.isNumber) else { return .some(nil) }
        return .some(Int(digits))
    }
}

/// Timeouts for every call.
public struct RobofyTimeouts: Sendable, Equatable {
    /// Establishing the TCP/TLS connection.
    public var connect: Double = 5
    /// From sending a request to receiving the response head.
    public var response: Double = 60
    /// Longest silence allowed inside a streaming answer before it counts as stalled.
    public var stall: Double = 45
    /// The whole handshake (connect, answer and body), each attempt.
    public var handshake: Double = 15
    public init(connect: Double = 5, response: Double = 60, stall: Double = 45, handshake: Double = 15) {
        self.connect = connect
        self.response = response
        self.stall = stall
        self.handshake = handshake
    }
}

/// One chat turn to send.
public struct ChatRequest: Sendable, Equatable {
    public var query: String
    public var chatbotID: String
    public var sessionID: String?
    public init(query: String, chatbotID: String, sessionID: String? = nil) {
        self.query = query
        self.chatbotID = chatbotID
        self.sessionID = sessionID
    }
}

/// What came back for a chat request before its body: for the inspector and logs.
public struct ResponseInfo: Sendable, Equatable {
    public var url: String
    public var status: Int
    public var headers: [HTTPField]
    /// True when the body is an event stream; false when the answer came in one piece.
    public var streaming: Bool
    /// Why the client used the non-streaming endpoint, if it did.
    public var fallbackReason: String?
    /// The request body that was sent (JSON; it holds no secret).
    public var requestBody: String
    /// The request headers that were sent, `Authorization` redacted.
    public var requestHeaders: [HTTPField] = []
}

public struct HTTPField: Sendable, Equatable {
    public var name: String
    public var value: String
    public init(_ name: String, _ value: String) {
        self.name = name
        self.value = value
    }
}

extension Redaction {
    /// Request headers as they can be shown: `Authorization` never carries its value.
    public static func headers(_ fields: [HTTPField]) -> [HTTPField] {
        fields.map { f in
            let name = f.name.lowercased()
            if name == "authorization" || name == "proxy-authorization" {
                let scheme = f.value.split(separator: " ").first.map(String.init) ?? ""
                return HTTPField(f.name, scheme.lowercased() == "bearer" ? "Bearer \(placeholder)" : placeholder)
            }
            if name == "cookie" || name == "set-cookie" { return HTTPField(f.name, placeholder) }
            return HTTPField(f.name, redact(f.value))
        }
    }
}
