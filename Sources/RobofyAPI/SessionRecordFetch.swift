import Foundation

/// What the account API recorded for one session: its messages and its leads, read
/// leniently (the documentation names only `lead_data[]` and `nextPageToken`).
public struct SessionServerRecord: Sendable, Equatable {
    public struct Message: Sendable, Equatable {
        public var role: String
        public var content: String
    }
    public var sessionID: String
    public var messages: [Message] = []
    public var leads: [[LeadField]] = []

    public init(sessionID: String, messages: [Message] = [], leads: [[LeadField]] = []) {
        self.sessionID = sessionID
        self.messages = messages
        self.leads = leads
    }

    static func string(_ row: JSONValue, _ keys: [String]) -> String? {
        for k in keys { if let s = row[k]?.stringValue { return s } }
        return nil
    }

    /// A message row: role from role/sender/from/type, text from content/text/message/body.
    public static func message(_ row: JSONValue) -> Message {
        Message(role: string(row, ["role", "sender", "from", "type"]) ?? "?",
                content: string(row, ["content", "text", "message", "body", "query", "answer"]) ?? row.compactText)
    }

    /// A lead row's `lead_data[]` items.
    public static func leadFields(_ row: JSONValue) -> [LeadField] {
        (row["lead_data"]?.arrayValue ?? []).compactMap { item in
            guard let name = item["field_name"]?.stringValue else { return nil }
            let value = item["field_value"].map { $0.stringValue ?? $0.compactText } ?? ""
            return LeadField(name: name, type: item["field_type"]?.stringValue ?? "text", value: value)
        }
    }

    /// Fetches the session's messages and leads with the key from `env` (`ROBOFY_API_KEY`).
    public static func fetch(baseURL: String, projectID: String, chatbotID: String, sessionID: String,
                             env: [String: String]) async throws(AccountError) -> SessionServerRecord {
        let key = try AccountAPIKey.fromEnvironment(env)
        let header = env[AccountAPIKey.headerEnvironmentVariable] ?? AccountAPIKey.defaultHeader
        let client = try AccountClient(baseURL: baseURL, key: key, headerName: header)
        do {
            let msgs = try await client.messages(chatbotID: chatbotID, sessionID: sessionID, limit: 1000)
            let leads = try await client.leads(projectID: projectID, chatbotID: chatbotID, sessionID: sessionID, limit: 200)
            await client.shutdown()
            return SessionServerRecord(sessionID: sessionID, messages: msgs.rows.map(message),
                                       leads: leads.rows.map(leadFields).filter { !$0.isEmpty })
        } catch {
            await client.shutdown()
            throw error
        }
    }
}
