import Foundation
import Hummingbird

/// The account API of the demo server (PROTOCOL.md §4), with its own API key
/// (`DemoServer.accountAPIKey`), and the demo's own lead-submit endpoint:
///
/// - `GET /v1/ai-agent/leads/{projectId}/{chatbotId}?nextPageToken=&sessionId=`
/// - `GET /v1/ai-agent/inbox/sessions/{chatbotId}?nextPageToken=`
/// - `GET /v1/ai-agent/inbox/chats/{chatbotId}/{sessionId}?nextPageToken=`
/// - `POST /v1/demo/leads` (demo only; not documented by Robofy)
extension DemoCore {
    private enum AccountRoute {
        case leads(project: String, agent: String)
        case sessions(agent: String)
        case chats(agent: String, session: String)
        case submitLead
    }

    /// The answer for an account path, or nil when `path` is not one.
    func accountRoute(_ request: Request, path: String) async -> Response? {
        if path == DemoServer.demoRatingsPath { return await ratingRoute(request) }
        guard let route = Self.accountRoute(path) else { return nil }
        let method: HTTPRequest.Method = if case .submitLead = route { .post } else { .get }
        guard request.method == method || (method == .get && request.method == .head) else {
            var headers = HTTPFields()
            headers[.allow] = method == .get ? "GET, HEAD" : "POST"
            return Self.envelope(.methodNotAllowed, code: "METHOD_NOT_ALLOWED",
                                 detail: "\(request.method.rawValue) is not allowed on \(DemoScripts.echo(path, limit: 200)); use \(method.rawValue).",
                                 headers: headers)
        }
        if case .submitLead = route { return await submitLead(request) }
        guard let key = Self.apiKey(request) else {
            return Self.envelope(.unauthorized, code: "UNAUTHORIZED",
                                 detail: "An account API key is required (Authorization: Bearer <key>, or X-API-Key).",
                                 message: "Unauthorized")
        }
        guard key == DemoServer.accountAPIKey else {
            return Self.envelope(.unauthorized, code: "UNAUTHORIZED", detail: "The API key is not valid.", message: "Unauthorized")
        }
        let token = request.uri.queryParameters["nextPageToken"].map(String.init)
        let rows: [DemoJSON]
        let rowsKey: String
        var extra: [DemoJSON.Member] = []
        switch route {
        case .leads(let project, let agent):
            if let r = checkTarget(project: project, agent: agent) { return r }
            let session = request.uri.queryParameters["sessionId"].map(String.init).flatMap { $0.isEmpty ? nil : $0 }
            rows = account.leadRows(projectID: project, agentID: agent, sessionID: session)
            rowsKey = "leads"
        case .sessions(let agent):
            if let r = checkTarget(project: nil, agent: agent) { return r }
            rows = account.sessionRows(agentID: agent)
            rowsKey = "sessions"
        case .chats(let agent, let session):
            if let r = checkTarget(project: nil, agent: agent) { return r }
            guard let found = account.messageRows(agentID: agent, sessionID: session) else {
                return Self.envelope(.notFound, code: "SESSION_NOT_FOUND",
                                     detail: "No session '\(DemoScripts.echo(session, limit: 64))' for chatbot '\(DemoScripts.echo(agent, limit: 64))'.",
                                     message: "Not Found")
            }
            rows = found
            rowsKey = "messages"
            extra = [.init(key: "session_id", value: .string(session)), .init(key: "chatbot_id", value: .string(agent))]
        case .submitLead:
            return nil
        }
        guard let page = account.page(rows, token: token) else {
            return Self.envelope(.badRequest, code: "BAD_REQUEST", detail: "The nextPageToken is not valid.")
        }
        let data: DemoJSON = .object(extra + [
            .init(key: rowsKey, value: .array(page.rows)),
            .init(key: "nextPageToken", value: .optional(page.next)),
        ])
        let answer: DemoJSON = ["message": "Success", "data": data]
        return Self.jsonResponse(.ok, bytes: answer.serializedBytes)
    }

    private static func accountRoute(_ path: String) -> AccountRoute? {
        if path == DemoServer.demoLeadsPath { return .submitLead }
        let parts = path.split(separator: "/", omittingEmptySubsequences: false).map {
            String($0).removingPercentEncoding ?? String($0)
        }
        // "", "v1", "ai-agent", …
        guard parts.count >= 5, parts[0].isEmpty, parts[1] == "v1", parts[2] == "ai-agent",
              parts.dropFirst(3).allSatisfy({ !$0.isEmpty }) else { return nil }
        switch (parts[3], parts.count) {
        case ("leads", 6): return .leads(project: parts[4], agent: parts[5])
        case ("inbox", 6) where parts[4] == "sessions": return .sessions(agent: parts[5])
        case ("inbox", 7) where parts[4] == "chats": return .chats(agent: parts[5], session: parts[6])
        default: return nil
        }
    }

    /// The key from `Authorization: Bearer …` or `X-API-Key`.
    static func apiKey(_ request: Request) -> String? {
        if let bearer = bearerToken(request) { return bearer }
        let value = request.headers.first { $0.name.canonicalName == "x-api-key" }?.value
            .trimmingCharacters(in: .whitespaces)
        return value?.isEmpty == false ? value : nil
    }

    /// A 404 answer for an unknown project or agent.
    func checkTarget(project: String?, agent: String) -> Response? {
        if let project, project != DemoCatalog.projectID {
            return Self.envelope(.notFound, code: "PROJECT_NOT_FOUND",
                                 detail: "Project '\(DemoScripts.echo(project, limit: 64))' was not found.",
                                 message: "Project not found")
        }
        guard agents.contains(where: { $0.id == agent }) else {
            return Self.envelope(.notFound, code: "PROJECT_NOT_FOUND",
                                 detail: "Chatbot '\(DemoScripts.echo(agent, limit: 64))' was not found in project '\(DemoCatalog.projectID)'.",
                                 message: "Project not found")
        }
        return nil
    }

    // MARK: POST /v1/demo/leads

    /// Accepts a lead with the widget token (as a widget would send it) or the account key:
    /// `{"chatbot_id", "project_id"?, "session_id"?, "lead_data": [{field_name, field_type?, field_value}]}`,
    /// or `"fields": {"name": "…", "email": "…"}` instead of `lead_data`.
    private func submitLead(_ request: Request) async -> Response {
        let credential = Self.apiKey(request)
        guard let credential, credential == DemoServer.accountAPIKey || state.isValidToken(credential) else {
            return Self.unauthorized()
        }
        let json: DemoJSON
        switch await Self.jsonObjectBody(request, what: "A lead") {
        case .success(let j): json = j
        case .failure(let answer): return answer.response
        }
        guard let agent = json["chatbot_id"]?.stringValue, !agent.isEmpty else {
            return Self.envelope(.badRequest, code: "BAD_REQUEST", detail: "Missing required field 'chatbot_id'.")
        }
        let project = json["project_id"]?.stringValue ?? json["pid"]?.stringValue ?? DemoCatalog.projectID
        if let r = checkTarget(project: project, agent: agent) { return r }
        let session = json["session_id"]?.stringValue.flatMap { $0.isEmpty ? nil : $0 }
        var fields: [DemoAccountStore.LeadField] = []
        if case .array(let items)? = json["lead_data"] {
            for item in items {
                guard let name = item["field_name"]?.stringValue, !name.isEmpty,
                      let value = item["field_value"]?.stringValue else {
                    return Self.envelope(.badRequest, code: "BAD_REQUEST",
                                         detail: "Each lead_data item needs a string field_name and field_value.")
                }
                fields.append(.init(name: name, type: item["field_type"]?.stringValue ?? "text", value: value))
            }
        } else if case .object(let members)? = json["fields"] {
            for m in members {
                guard let value = m.value.stringValue else {
                    return Self.envelope(.badRequest, code: "BAD_REQUEST", detail: "Field '\(DemoScripts.echo(m.key, limit: 40))' must be a string.")
                }
                let type = ["email", "phone"].contains(m.key.lowercased()) ? m.key.lowercased() : "text"
                fields.append(.init(name: m.key, type: type, value: value))
            }
        }
        guard !fields.isEmpty, fields.count <= 50 else {
            return Self.envelope(.badRequest, code: "BAD_REQUEST", detail: "A lead needs 1 to 50 fields (lead_data or fields).")
        }
        let id = account.addLead(projectID: project, agentID: agent, sessionID: session, fields: fields)
        let answer: DemoJSON = [
            "message": "Lead captured (demo endpoint, not part of the documented Robofy API)",
            "data": ["lead_id": .string(id), "session_id": .optional(session)],
        ]
        return Self.jsonResponse(.created, bytes: answer.serializedBytes)
    }
}
