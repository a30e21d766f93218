import Foundation
import NIOCore

/// A 👍/👎 rating of one answer (`privacy.enable_chat_rating`).
public enum ChatRating: String, Sendable, Equatable, Codable {
    case up, down

    public var emoji: String { self == .up ? "👍" : "👎" }

    /// `up`/`down`, also `👍`/`👎`, `+`/`-`, `good`/`bad`, `yes`/`no` (scripts).
    public init?(text: String) {
        switch text.trimmingCharacters(in: .whitespaces).lowercased() {
        case "up", "👍", "+", "good", "yes", "thumbs_up": self = .up
        case "down", "👎", "-", "bad", "no", "thumbs_down": self = .down
        default: return nil
        }
    }
}

/// One field of a lead, in the shape of the documented leads listing (`lead_data[]`).
public struct LeadField: Sendable, Equatable, Codable {
    public var name: String
    public var type: String
    public var value: String
    public init(name: String, type: String, value: String) {
        self.name = name
        self.type = type
        self.value = value
    }
}

/// The lead form's values (name, email, phone) and their checks.
public struct LeadValues: Sendable, Equatable {
    public var name: String
    public var email: String
    public var phone: String

    public init(name: String = "", email: String = "", phone: String = "") {
        self.name = name
        self.email = email
        self.phone = phone
    }

    /// The filled fields as `lead_data` rows (empty ones left out).
    public var fields: [LeadField] {
        [("name", "text", name), ("email", "email", email), ("phone", "phone", phone)]
            .map { LeadField(name: $0.0, type: $0.1, value: $0.2.trimmingCharacters(in: .whitespaces)) }
            .filter { !$0.value.isEmpty }
    }

    /// Why the email cannot be sent, or nil (empty is allowed unless nothing else is filled).
    public static func emailProblem(_ raw: String) -> String? {
        let s = raw.trimmingCharacters(in: .whitespaces)
        if s.isEmpty { return nil }
        let parts = s.split(separator: "@", omittingEmptySubsequences: false)
        guard parts.count == 2, !parts[0].isEmpty, s.count <= 254,
              !s.contains(where: { $0.isWhitespace || $0.isNewline }) else {
            return "Enter an email like name@example.com."
        }
        let domain = parts[1]
        let labels = domain.split(separator: ".", omittingEmptySubsequences: false)
        guard labels.count >= 2, labels.allSatisfy({ !$0.isEmpty }), (labels.last?.count ?? 0) >= 2 else {
            return "The email's domain is incomplete (e.g. example.com)."
        }
        return nil
    }

    /// Why the phone number cannot be sent, or nil: digits with spaces, dashes, dots,
    /// brackets and one leading +, 6 to 15 digits.
    public static func phoneProblem(_ raw: String) -> String? {
        let s = raw.trimmingCharacters(in: .whitespaces)
        if s.isEmpty { return nil }
        var digits = 0
        for (i, c) in s.enumerated() {
            if c.isASCII && c.isNumber { digits += 1; continue }
            if c == "+" && i == 0 { continue }
            if " -.()".contains(c) { continue }
            return "A phone number has digits, spaces, - ( ) and a leading + only."
        }
        guard (6...15).contains(digits) else { return "A phone number has 6 to 15 digits (has \(digits))." }
        return nil
    }

    /// Every problem by field name ("email", "phone", "form"); empty when the lead can be sent.
    public var problems: [String: String] {
        var out: [String: String] = [:]
        if let p = Self.emailProblem(email) { out["email"] = p }
        if let p = Self.phoneProblem(phone) { out["phone"] = p }
        if fields.isEmpty { out["form"] = "Fill in at least one field (or Esc to skip)." }
        else if email.trimmingCharacters(in: .whitespaces).isEmpty && phone.trimmingCharacters(in: .whitespaces).isEmpty {
            out["form"] = "Give an email or a phone number, so that you can be contacted."
        }
        return out
    }
}

/// A lead or a rating the widget sent (or could not send), as the inspector, the
/// transcripts and the scripts record it.
public struct WidgetSubmission: Sendable, Equatable, Codable {
    public enum Kind: String, Sendable, Equatable, Codable { case lead, rating }
    public enum Outcome: Sendable, Equatable, Codable {
        /// The server answered 2xx.
        case accepted
        /// Not sent: no endpoint is configured (none is documented), or a preview.
        case notSent(String)
        /// Sent and refused, or the request failed.
        case failed(String)
    }

    public var kind: Kind
    public var agentID: String
    public var sessionID: String?
    /// The turn rated (ratings).
    public var turnID: Int?
    public var rating: ChatRating?
    public var fields: [LeadField]
    /// The URL posted to (nil when nothing was sent).
    public var url: String?
    public var status: Int?
    public var outcome: Outcome

    public init(kind: Kind, agentID: String, sessionID: String? = nil, turnID: Int? = nil, rating: ChatRating? = nil,
                fields: [LeadField] = [], url: String? = nil, status: Int? = nil, outcome: Outcome) {
        self.kind = kind
        self.agentID = agentID
        self.sessionID = sessionID
        self.turnID = turnID
        self.rating = rating
        self.fields = fields
        self.url = url
        self.status = status
        self.outcome = outcome
    }

    public var accepted: Bool { outcome == .accepted }

    /// One line: "Lead sent (HTTP 201): name Ada, email ada@example.com".
    public var summary: String {
        let what: String
        switch kind {
        case .lead: what = "Lead " + fields.map { "\($0.name) \($0.value)" }.joined(separator: ", ")
        case .rating: what = "Rating \(rating?.emoji ?? "?") of turn \(turnID.map(String.init) ?? "?")"
        }
        switch outcome {
        case .accepted: return "\(what) — accepted" + (status.map { " (HTTP \($0))" } ?? "")
        case .notSent(let why): return "\(what) — not sent: \(why)"
        case .failed(let why): return "\(what) — failed: \(why)"
        }
    }

    /// The request body: `{chatbot_id, project_id, session_id?, lead_data[] | rating, turn}`.
    public func body(projectID: String, messageID: String? = nil) -> String {
        var o: JSONObject = ["chatbot_id": .string(agentID), "project_id": .string(projectID)]
        if let sessionID { o["session_id"] = .string(sessionID) }
        switch kind {
        case .lead:
            o["lead_data"] = .array(fields.map {
                .object(["field_name": .string($0.name), "field_type": .string($0.type), "field_value": .string($0.value)])
            })
        case .rating:
            o["rating"] = .string(rating?.rawValue ?? "")
            if let turnID { o["turn"] = .number(Double(turnID)) }
            if let messageID { o["message_id"] = .string(messageID) }
        }
        return JSONValue.object(o).compactText
    }
}

extension RobofyClient {
    /// POSTs a JSON body to `path` on the target with the widget token; returns the status
    /// and at most 64 KiB of the answer. For the lead and rating endpoints, which Robofy
    /// does not document (the path is the user's: `--lead-endpoint`, `--rating-endpoint`).
    public func postJSON(path: String, body: String, token: String?) async throws(RobofyError) -> (status: Int, body: [UInt8]) {
        let url = try target.url(path)
        let response = try await post(url, body: body, accept: "application/json", token: token)
        let status = Int(response.status.code)
        try Self.checkRedirect(status: status, headers: response.headers, url: url)
        let bytes = try await collect(response.body, limit: 64 << 10, url: url)
        return (status, bytes)
    }
}
