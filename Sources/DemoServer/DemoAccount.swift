import Foundation
import NIOConcurrencyHelpers

/// What the demo server recorded, as the account API shows it (PROTOCOL.md §4):
/// sessions created by chat turns, their messages (user and assistant), and leads.
///
/// The answer envelopes are the demo's own choice (the documentation only fixes
/// `lead_data[]` of `{field_name, field_type, field_value}` and `nextPageToken`):
/// `{"message": "Success", "data": {"leads"|"sessions"|"messages": [...], "nextPageToken": "..."|null}}`.
final class DemoAccountStore: Sendable {
    struct Message: Sendable {
        var id: String
        var role: String
        var content: String
        var createdAt: String
    }

    struct Session: Sendable {
        var id: String
        var agentID: String
        var createdAt: String
        var updatedAt: String
        /// Order of the last activity (newest sessions are listed first).
        var touched: Int
        var messages: [Message] = []
        /// Messages dropped because the session grew past `maxMessagesPerSession`.
        var dropped = 0
    }

    struct LeadField: Sendable {
        var name: String
        var type: String
        var value: String
    }

    struct Lead: Sendable {
        var id: String
        var projectID: String
        var agentID: String
        var sessionID: String?
        var createdAt: String
        var fields: [LeadField]
    }

    private struct Inner {
        var sessions: [String: Session] = [:]
        var leads: [Lead] = []
        var counter = 0
    }

    private let inner = NIOLockedValueBox(Inner())
    let pageSize: Int
    /// Ratings received at the demo's rating endpoint.
    let ratings = DemoRatingStore()

    static let maxSessions = 2_000
    static let maxMessagesPerSession = 500
    static let maxLeads = 5_000
    /// Longer messages are kept cut (a `/bench` answer can be megabytes).
    static let maxMessageCharacters = 8_192

    init(pageSize: Int) {
        self.pageSize = max(1, pageSize)
    }

    private static func key(_ agentID: String, _ sessionID: String) -> String { agentID + "\n" + sessionID }

    static func timestamp() -> String {
        let f = ISO8601DateFormatter()
        f.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        return f.string(from: Date())
    }

    static func clip(_ s: String) -> String {
        guard s.count > maxMessageCharacters else { return s }
        return String(s.prefix(maxMessageCharacters)) + "…"
    }

    /// The answer text of a plan, at most `maxMessageCharacters + 1` long, without building
    /// a whole `/bench` answer.
    static func answerText(_ plan: DemoTurnPlan) -> String {
        var out = ""
        for segment in plan.segments where out.count <= maxMessageCharacters {
            switch segment {
            case .text(let t), .failingText(let t, _): out += t
            case .bench(let bytes, _, let shape): out += BenchText.text(offset: 0, count: min(bytes, maxMessageCharacters + 1), shape: shape)
            default: break
            }
        }
        return clip(out)
    }

    /// Records one chat turn: the user's query and, unless the turn fails, the answer.
    func recordTurn(agentID: String, sessionID: String, query: String, plan: DemoTurnPlan) {
        let now = Self.timestamp()
        let answer = plan.errorText == nil ? Self.answerText(plan) : nil
        let query = Self.clip(query)
        inner.withLockedValue { s in
            let k = Self.key(agentID, sessionID)
            if s.sessions[k] == nil, s.sessions.count >= Self.maxSessions,
               let oldest = s.sessions.min(by: { $0.value.touched < $1.value.touched })?.key {
                s.sessions[oldest] = nil
            }
            s.counter += 1
            var session = s.sessions[k]
                ?? Session(id: sessionID, agentID: agentID, createdAt: now, updatedAt: now, touched: s.counter)
            session.touched = s.counter
            session.updatedAt = now
            session.messages.append(Message(id: "m\(s.counter)-u", role: "user", content: query, createdAt: now))
            if let answer {
                session.messages.append(Message(id: "m\(s.counter)-a", role: "assistant", content: answer, createdAt: now))
            }
            if session.messages.count > Self.maxMessagesPerSession {
                let extra = session.messages.count - Self.maxMessagesPerSession
                session.messages.removeFirst(extra)
                session.dropped += extra
            }
            s.sessions[k] = session
        }
    }

    /// Stores a lead; returns its id.
    func addLead(projectID: String, agentID: String, sessionID: String?, fields: [LeadField]) -> String {
        let now = Self.timestamp()
        return inner.withLockedValue { s in
            if s.leads.count >= Self.maxLeads { s.leads.removeFirst(s.leads.count - Self.maxLeads + 1) }
            s.counter += 1
            let id = "lead-\(s.counter)"
            s.leads.append(Lead(id: id, projectID: projectID, agentID: agentID, sessionID: sessionID, createdAt: now,
                                fields: fields))
            return id
        }
    }

    // MARK: Listings (JSON rows)

    /// Leads of an agent (oldest first), optionally of one session.
    func leadRows(projectID: String, agentID: String, sessionID: String?) -> [DemoJSON] {
        let leads = inner.withLockedValue { s in
            s.leads.filter { $0.projectID == projectID && $0.agentID == agentID && (sessionID == nil || $0.sessionID == sessionID) }
        }
        return leads.map { lead in
            [
                "id": .string(lead.id),
                "project_id": .string(lead.projectID),
                "chatbot_id": .string(lead.agentID),
                "session_id": .optional(lead.sessionID),
                "created_at": .string(lead.createdAt),
                "lead_data": .array(lead.fields.map {
                    ["field_name": .string($0.name), "field_type": .string($0.type), "field_value": .string($0.value)]
                }),
            ]
        }
    }

    /// Sessions of an agent, the most recently active first.
    func sessionRows(agentID: String) -> [DemoJSON] {
        let sessions = inner.withLockedValue { s in s.sessions.values.filter { $0.agentID == agentID } }
            .sorted { $0.touched > $1.touched }
        return sessions.map { session in
            let last = session.messages.last
            return [
                "session_id": .string(session.id),
                "chatbot_id": .string(session.agentID),
                "created_at": .string(session.createdAt),
                "updated_at": .string(session.updatedAt),
                "message_count": .int(session.messages.count + session.dropped),
                "last_message": .optional(last.map { String($0.content.prefix(200)) }),
            ]
        }
    }

    /// The messages of one session (oldest first), or nil when there is no such session.
    func messageRows(agentID: String, sessionID: String) -> [DemoJSON]? {
        guard let session = inner.withLockedValue({ $0.sessions[Self.key(agentID, sessionID)] }) else { return nil }
        return session.messages.map { m in
            ["id": .string(m.id), "role": .string(m.role), "content": .string(m.content), "created_at": .string(m.createdAt)]
        }
    }

    // MARK: Paging

    /// The rows of one page and the token of the next (nil on the last page), or nil for a bad token.
    func page(_ rows: [DemoJSON], token: String?) -> (rows: [DemoJSON], next: String?)? {
        var offset = 0
        if let token, !token.isEmpty {
            guard let o = Self.offset(fromToken: token), o >= 0, o <= rows.count else { return nil }
            offset = o
        }
        let end = min(rows.count, offset + pageSize)
        return (Array(rows[offset..<end]), end < rows.count ? Self.token(offset: end) : nil)
    }

    static func token(offset: Int) -> String {
        Base64URL.encode(Array("demo-page:\(offset)".utf8))
    }

    static func offset(fromToken token: String) -> Int? {
        var b64 = token.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        while b64.count % 4 != 0 { b64 += "=" }
        guard token.count <= 64, let data = Data(base64Encoded: b64) else { return nil }
        let text = String(decoding: data, as: UTF8.self)
        guard text.hasPrefix("demo-page:") else { return nil }
        return Int(text.dropFirst("demo-page:".count))
    }
}

extension DemoServer {
    /// The demo server's own account API key (send `Authorization: Bearer demo-api-key`
    /// or `X-API-Key: demo-api-key`). It is public: it only reads the demo's state.
    public static let accountAPIKey = "demo-api-key"
    /// The demo's own lead-submit endpoint (no submit endpoint is documented).
    public static let demoLeadsPath = "/v1/demo/leads"
    /// The demo's own rating endpoint (no rating endpoint is documented).
    public static let demoRatingsPath = "/v1/demo/ratings"
}
