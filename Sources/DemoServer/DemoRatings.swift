import Foundation
import Hummingbird
import NIOConcurrencyHelpers

/// Ratings (👍/👎) the demo received at `DemoServer.demoRatingsPath` (no rating endpoint is documented).
final class DemoRatingStore: Sendable {
    struct Rating: Sendable {
        var agentID: String
        var sessionID: String?
        var turn: Int?
        var messageID: String?
        var rating: String
        var createdAt: String
    }
    private let inner = NIOLockedValueBox([Rating]())
    static let max = 5_000

    func add(_ r: Rating) {
        inner.withLockedValue { list in
            if list.count >= Self.max { list.removeFirst(list.count - Self.max + 1) }
            list.append(r)
        }
    }

    func rows(sessionID: String?) -> [DemoJSON] {
        let list = inner.withLockedValue { $0 }.filter { sessionID == nil || $0.sessionID == sessionID }
        return list.map { (r: Rating) -> DemoJSON in
            let turn: DemoJSON = r.turn.map { DemoJSON.int($0) } ?? DemoJSON.null
            let members: [DemoJSON.Member] = [
                .init(key: "chatbot_id", value: .string(r.agentID)),
                .init(key: "session_id", value: .optional(r.sessionID)),
                .init(key: "turn", value: turn),
                .init(key: "message_id", value: .optional(r.messageID)),
                .init(key: "rating", value: .string(r.rating)),
                .init(key: "created_at", value: .string(r.createdAt)),
            ]
            return .object(members)
        }
    }
}

/// A refusal as an error, so a body reader can return either.
struct DemoAnswer: Error {
    let response: Response
}

extension DemoCore {
    /// `POST /v1/demo/ratings` with the widget token: `{chatbot_id, session_id?, turn?, message_id?, rating: "up"|"down"}`;
    /// `GET /v1/demo/ratings?sessionId=` with the account API key lists them.
    func ratingRoute(_ request: Request) async -> Response {
        if request.method == .get {
            guard Self.apiKey(request) == DemoServer.accountAPIKey else {
                return Self.envelope(.unauthorized, code: "UNAUTHORIZED", detail: "The API key is missing or not valid.",
                                     message: "Unauthorized")
            }
            let session = request.uri.queryParameters["sessionId"].map(String.init).flatMap { $0.isEmpty ? nil : $0 }
            let answer: DemoJSON = ["message": "Success", "data": ["ratings": .array(account.ratings.rows(sessionID: session))]]
            return Self.jsonResponse(.ok, bytes: answer.serializedBytes)
        }
        guard request.method == .post else {
            var headers = HTTPFields()
            headers[.allow] = "GET, POST"
            return Self.envelope(.methodNotAllowed, code: "METHOD_NOT_ALLOWED", detail: "Use POST to rate, GET to list.",
                                 headers: headers)
        }
        guard let credential = Self.apiKey(request),
              credential == DemoServer.accountAPIKey || state.isValidToken(credential) else {
            return Self.unauthorized()
        }
        let json: DemoJSON
        switch await Self.jsonObjectBody(request, what: "A rating") {
        case .success(let j): json = j
        case .failure(let answer): return answer.response
        }
        guard let agent = json["chatbot_id"]?.stringValue, !agent.isEmpty else {
            return Self.envelope(.badRequest, code: "BAD_REQUEST", detail: "Missing required field 'chatbot_id'.")
        }
        if let r = checkTarget(project: json["project_id"]?.stringValue ?? DemoCatalog.projectID, agent: agent) { return r }
        guard let rating = json["rating"]?.stringValue?.lowercased(), ["up", "down"].contains(rating) else {
            return Self.envelope(.badRequest, code: "BAD_REQUEST", detail: "Field 'rating' must be \"up\" or \"down\".")
        }
        let turn = json["turn"]?.numberValue.flatMap { $0.isFinite && abs($0) < 1e9 ? Int($0) : nil }
        account.ratings.add(.init(agentID: agent, sessionID: json["session_id"]?.stringValue, turn: turn,
                                  messageID: json["message_id"]?.stringValue, rating: rating,
                                  createdAt: DemoAccountStore.timestamp()))
        let answer: DemoJSON = [
            "message": "Rating recorded (demo endpoint, not part of the documented Robofy API)",
            "data": ["rating": .string(rating)],
        ]
        return Self.jsonResponse(.created, bytes: answer.serializedBytes)
    }

    /// A request body that is a JSON object of at most 64 KiB, or the answer refusing it.
    static func jsonObjectBody(_ request: Request, what: String) async -> Result<DemoJSON, DemoAnswer> {
        var bytes: [UInt8] = []
        do {
            for try await buffer in request.body {
                guard bytes.count + buffer.readableBytes <= 64 * 1024 else {
                    return .failure(DemoAnswer(response: envelope(.contentTooLarge, code: "PAYLOAD_TOO_LARGE",
                                                                  detail: "\(what) is limited to 64 KiB.")))
                }
                bytes.append(contentsOf: buffer.readableBytesView)
            }
        } catch {
            return .failure(DemoAnswer(response: envelope(.badRequest, code: "BAD_REQUEST", detail: "The request body could not be read.")))
        }
        guard let json = try? DemoJSONParser.parse(bytes), json.isObject else {
            return .failure(DemoAnswer(response: envelope(.badRequest, code: "BAD_REQUEST", detail: "The body must be a JSON object.")))
        }
        return .success(json)
    }
}
