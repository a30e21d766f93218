import AsyncHTTPClient
import Foundation
import Logging
import NIOCore
import NIOHTTP1

/// The account API key (PROTOCOL.md §4): read from the environment only, never from a
/// command-line argument, and registered with `Redaction` the moment it is read.
public struct AccountAPIKey: Sendable {
    public static let environmentVariable = "ROBOFY_API_KEY"
    /// The header that carries the key. `Authorization` sends `Bearer <key>`; any other
    /// name carries the bare key. The scheme is not documented [unverified].
    public static let headerEnvironmentVariable = "ROBOFY_API_KEY_HEADER"
    public static let defaultHeader = "Authorization"

    let value: String

    /// The key from `env`, or an error saying how to set it.
    public static func fromEnvironment(_ env: [String: String]) throws(AccountError) -> AccountAPIKey {
        let raw = env[environmentVariable]?.trimmingCharacters(in: .whitespacesAndNewlines) ?? ""
        guard !raw.isEmpty else { throw .missingKey }
        guard raw.unicodeScalars.allSatisfy({ $0.value > 0x20 && $0.value < 0x7F }) else {
            Redaction.remember(raw)
            throw .unusableKey
        }
        Redaction.remember(raw)
        return AccountAPIKey(value: raw)
    }
}

/// Failures of the account API, each with a message that says what to do. None of
/// them ever holds the key.
public enum AccountError: Error, Sendable, Equatable, CustomStringConvertible {
    case missingKey
    case unusableKey
    case invalidHeaderName(String)
    /// 401 or 403.
    case refused(status: Int, detail: String?)
    case notFound(what: String, detail: String?)
    case request(RobofyError)
    case badAnswer(String)

    public var description: String { userMessage }

    public var userMessage: String {
        let text: String
        switch self {
        case .missingKey:
            text = """
                Set \(AccountAPIKey.environmentVariable) to your Robofy account API key (it is read from the \
                environment only, never from a flag). For the demo server (robofy-tui serve) the key is demo-api-key.
                """
        case .unusableKey:
            text = "The value of \(AccountAPIKey.environmentVariable) has spaces or control characters; set it to the key alone."
        case .invalidHeaderName(let name):
            text = "\"\(name)\" is not a usable header name for the API key (letters, digits and - only). Check --api-key-header or \(AccountAPIKey.headerEnvironmentVariable)."
        case .refused(let status, let detail):
            if status == 401 {
                text = "The API key in \(AccountAPIKey.environmentVariable) was refused (401). Check it in your Robofy account."
                    + (detail.map { " The server said: \($0)" } ?? "")
            } else {
                text = "The API key in \(AccountAPIKey.environmentVariable) may not read this (\(status))."
                    + (detail.map { " The server said: \($0)" } ?? "")
                    + " Check that the key belongs to the project's account."
            }
        case .notFound(let what, let detail):
            text = "Not found (404): \(what)." + (detail.map { " The server said: \($0)" } ?? "")
                + " Check the ids and --base-url."
        case .request(let e):
            text = e.userMessage
        case .badAnswer(let why):
            text = "The server's answer was unusable: \(why)"
        }
        return Redaction.redact(text)
    }
}

/// One listing: the rows as the server sent them (unknown fields kept), across pages.
public struct AccountListing: Sendable, Equatable {
    public var rows: [JSONValue]
    /// Pages fetched.
    public var pages: Int
    /// The token of the next page when the listing stopped early (the row limit or the page bound).
    public var nextPageToken: String?
    /// Why the listing stopped before the end, if it did.
    public var stoppedEarly: String?
    /// Keys of the answer's envelope that are neither rows nor paging (e.g. a session id), kept.
    public var extra: [String: JSONValue] = [:]

    public var complete: Bool { stoppedEarly == nil }
}

/// Reads what the server recorded, with the account API key: leads, inbox sessions and
/// a session's messages (PROTOCOL.md §4). The answers' shape is not documented beyond
/// `lead_data[]`: rows are found leniently and kept whole.
public final class AccountClient: Sendable {
    public static let leadsPath = "/v1/ai-agent/leads"
    public static let sessionsPath = "/v1/ai-agent/inbox/sessions"
    public static let chatsPath = "/v1/ai-agent/inbox/chats"
    /// Pages followed at most, whatever the row limit: a server that keeps answering with
    /// a token never makes a listing run forever.
    public static let maxPages = 200

    let baseURL: String
    let key: AccountAPIKey
    let headerName: String
    let timeouts: RobofyTimeouts
    let http: HTTPClient
    let logger: Logger

    public init(baseURL: String, key: AccountAPIKey, headerName: String = AccountAPIKey.defaultHeader,
                timeouts: RobofyTimeouts = .init(),
                logger: Logger = Logger(label: "robofy.account", factory: { _ in SwiftLogNoOpLogHandler() })) throws(AccountError) {
        let name = headerName.trimmingCharacters(in: .whitespaces)
        guard !name.isEmpty, name.unicodeScalars.allSatisfy({
            ("a"..."z").contains($0) || ("A"..."Z").contains($0) || ("0"..."9").contains($0) || $0 == "-" || $0 == "_"
        }) else { throw .invalidHeaderName(Redaction.redact(name)) }
        // The base URL is checked the way the chat client checks it.
        do { _ = try RobofyTarget(baseURL: baseURL, projectID: "", chatbotID: "").url("/") } catch {
            throw .request(error)
        }
        self.baseURL = baseURL
        self.key = key
        self.headerName = name
        self.timeouts = timeouts
        self.logger = logger
        var config = HTTPClient.Configuration()
        config.timeout = .init(connect: .milliseconds(Int64(timeouts.connect * 1000)),
                               read: .milliseconds(Int64(timeouts.response * 1000)))
        config.decompression = .disabled
        // A refused connection is tried again by `ConnectGrace` (as `RobofyClient`).
        config.connectionPool.retryConnectionEstablishment = false
        // Redirects would carry the key to wherever they point: not followed.
        config.redirectConfiguration = .disallow
        self.http = HTTPClient(eventLoopGroupProvider: .singleton, configuration: config)
    }

    public func shutdown() async {
        try? await http.shutdown()
    }

    // MARK: Listings

    /// Captured leads of an agent, optionally of one session.
    public func leads(projectID: String, chatbotID: String, sessionID: String? = nil,
                      limit: Int) async throws(AccountError) -> AccountListing {
        let path = Self.leadsPath + "/" + Self.segment(projectID) + "/" + Self.segment(chatbotID)
        var query: [(String, String)] = []
        if let sessionID, !sessionID.isEmpty { query.append(("sessionId", sessionID)) }
        return try await list(path: path, query: query, rowKeys: ["leads", "items", "rows", "results", "data"],
                              what: "the leads of agent \(chatbotID) in project \(projectID)", limit: limit)
    }

    /// The inbox: the agent's recorded sessions.
    public func sessions(chatbotID: String, limit: Int) async throws(AccountError) -> AccountListing {
        let path = Self.sessionsPath + "/" + Self.segment(chatbotID)
        return try await list(path: path, query: [], rowKeys: ["sessions", "items", "rows", "results", "data"],
                              what: "the inbox of agent \(chatbotID)", limit: limit)
    }

    /// The messages of one recorded session.
    public func messages(chatbotID: String, sessionID: String, limit: Int) async throws(AccountError) -> AccountListing {
        let path = Self.chatsPath + "/" + Self.segment(chatbotID) + "/" + Self.segment(sessionID)
        return try await list(path: path, query: [],
                              rowKeys: ["messages", "chats", "chat", "history", "items", "rows", "results", "data"],
                              what: "session \(sessionID) of agent \(chatbotID)", limit: limit)
    }

    /// Follows `nextPageToken` until the end, `limit` rows, `maxPages` pages or a token seen before.
    func list(path: String, query: [(String, String)], rowKeys: [String], what: String,
              limit: Int) async throws(AccountError) -> AccountListing {
        var listing = AccountListing(rows: [], pages: 0)
        var token: String?
        var seen: Set<String> = []
        let limit = max(1, limit)
        while true {
            var q = query
            if let token { q.append(("nextPageToken", token)) }
            let json = try await get(path: path, query: q, what: what)
            listing.pages += 1
            let page = Self.page(json, rowKeys: rowKeys)
            if listing.pages == 1 { listing.extra = page.extra }
            let room = limit - listing.rows.count
            listing.rows.append(contentsOf: page.rows.prefix(room))
            if page.rows.count > room {
                listing.stoppedEarly = "the limit of \(limit) rows was reached"
                break
            }
            guard let next = page.nextPageToken, !next.isEmpty else { break }
            if listing.rows.count >= limit {
                listing.stoppedEarly = "the limit of \(limit) rows was reached"
                listing.nextPageToken = next
                break
            }
            if !seen.insert(next).inserted {
                listing.stoppedEarly = "the server sent the same nextPageToken twice"
                break
            }
            if listing.pages >= Self.maxPages {
                listing.stoppedEarly = "\(Self.maxPages) pages were read"
                listing.nextPageToken = next
                break
            }
            token = next
        }
        return listing
    }

    // MARK: Decoding (lenient)

    struct Page {
        var rows: [JSONValue]
        var nextPageToken: String?
        var extra: [String: JSONValue]
    }

    static let tokenKeys = ["nextPageToken", "next_page_token", "nextToken", "next_token", "pageToken"]

    /// Finds the rows and the next-page token wherever a plausible envelope puts them:
    /// a bare array; `data` as an array; or an array under one of `rowKeys` in `data` or at the top.
    static func page(_ json: JSONValue, rowKeys: [String]) -> Page {
        var out = Page(rows: [], nextPageToken: nil, extra: [:])
        let containers: [JSONValue] = [json["data"], json].compactMap { $0 }
        if let a = json.arrayValue {
            out.rows = a
            return out
        }
        if let a = json["data"]?.arrayValue {
            out.rows = a
        } else {
            search: for c in containers {
                for k in rowKeys where k != "data" {
                    if let a = c[k]?.arrayValue {
                        out.rows = a
                        out.extra = Dictionary((c.objectValue ?? [:]).filter { $0.key != k && !tokenKeys.contains($0.key) }
                            .map { ($0.key, $0.value) }) { _, last in last }
                        break search
                    }
                }
            }
        }
        for c in containers + [json["meta"], json["data"]?["meta"], json["pagination"], json["data"]?["pagination"]].compactMap({ $0 }) {
            for k in tokenKeys {
                if let t = c[k]?.stringValue, !t.isEmpty {
                    out.nextPageToken = t
                    return out
                }
            }
        }
        return out
    }

    // MARK: HTTP

    func get(path: String, query: [(String, String)], what: String) async throws(AccountError) -> JSONValue {
        var url = baseURL.trimmingCharacters(in: .whitespaces)
        while url.hasSuffix("/") { url.removeLast() }
        url += path
        if !query.isEmpty {
            url += "?" + query.map { Self.queryComponent($0.0) + "=" + Self.queryComponent($0.1) }.joined(separator: "&")
        }
        var request = HTTPClientRequest(url: url)
        request.method = .GET
        request.headers.add(name: "Accept", value: "application/json")
        request.headers.add(name: "User-Agent", value: "robofy-tui/\(RobofyVersion.string)")
        let value = headerName.lowercased() == "authorization" ? "Bearer \(key.value)" : key.value
        request.headers.replaceOrAdd(name: headerName, value: value)
        let shown = Redaction.headers(request.headers.map { HTTPField($0.name, $0.value) })
            .map { "\($0.name): \($0.value)" }.joined(separator: ", ")
        logger.info("GET \(Redaction.redact(url))", metadata: ["headers": "\(shown)"])
        let response: HTTPClientResponse
        do {
            response = try await ConnectGrace.run(grace: ConnectGrace.seconds(connect: timeouts.connect)) {
                try await http.execute(request, timeout: .milliseconds(Int64(timeouts.response * 1000)), logger: logger)
            }
        } catch {
            throw .request(RobofyClient.map(error, url: url, timeouts: timeouts))
        }
        let status = Int(response.status.code)
        var bytes: [UInt8] = []
        do {
            for try await buffer in response.body {
                bytes.append(contentsOf: buffer.readableBytesView)
                if bytes.count > 32 << 20 { throw AccountError.badAnswer("a page is larger than 32 MiB.") }
            }
        } catch let e as AccountError {
            throw e
        } catch {
            throw .request(RobofyClient.map(error, url: url, timeouts: timeouts))
        }
        logger.info("answered \(status)", metadata: ["bytes": "\(bytes.count)"])
        guard (200..<300).contains(status) else {
            let err = RobofyError.fromResponse(status: status, body: bytes,
                                               retryAfterHeader: response.headers.first(name: "retry-after"))
            var detail: String?
            if case .http(_, _, let message, let d, _, let snippet) = err {
                detail = (d ?? message ?? snippet).map { Redaction.redact(RobofyError.collapse($0)) }
                if let s = detail, s.count > 200 { detail = String(s.prefix(200)) + "…" }
            }
            switch status {
            case 401, 403: throw .refused(status: status, detail: detail)
            case 404: throw .notFound(what: what, detail: detail)
            default: throw .request(err)
            }
        }
        guard let json = JSONValue.parse(Data(bytes)) else {
            let ct = response.headers.first(name: "content-type") ?? "no content type"
            throw .badAnswer("it is not JSON (\(Redaction.redact(RobofyError.collapse(ct)))). Check --base-url.")
        }
        return json
    }

    /// One path segment: everything but unreserved characters percent-encoded (a `/` in an id stays inside it).
    static func segment(_ s: String) -> String {
        s.addingPercentEncoding(withAllowedCharacters: unreserved) ?? ""
    }

    static func queryComponent(_ s: String) -> String {
        s.addingPercentEncoding(withAllowedCharacters: unreserved) ?? ""
    }

    static let unreserved = CharacterSet(charactersIn: "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~")
}
