import Foundation
import RobofyAPI

/// Leads and ratings: sent with the widget token to a path the user gives (Robofy
/// documents no endpoint for either), reported as `SessionEvent.submitted`.
extension ChatSession {
    /// Where this session talks to (base URL, project, first agent).
    public nonisolated var target: RobofyTarget { client.target }

    /// Sends the lead form's values for the current agent (with the conversation's session
    /// id when there is one) to `path`; nil `path`: recorded as not sent.
    @discardableResult
    public func submitLead(_ values: LeadValues, path: String?) async -> WidgetSubmission {
        let s = WidgetSubmission(kind: .lead, agentID: agent?.chatbotID ?? client.target.chatbotID, sessionID: sessionID,
                                 fields: values.fields, outcome: .notSent(""))
        return await deliver(s, path: path, messageID: nil)
    }

    /// Rates the answer of turn `turnID` (of the current agent) and sends it to `path`.
    @discardableResult
    public func submitRating(turnID: Int, rating: ChatRating, path: String?) async -> WidgetSubmission {
        let turn = transcript.first { $0.id == turnID }
        let s = WidgetSubmission(kind: .rating, agentID: turn?.agentID ?? agent?.chatbotID ?? client.target.chatbotID,
                                 sessionID: turn?.sessionID ?? sessionID, turnID: turnID, rating: rating,
                                 outcome: .notSent(""))
        return await deliver(s, path: path, messageID: turn?.messageID)
    }

    /// What is said when no endpoint is set.
    public static let noEndpointReason = "no endpoint is set (Robofy documents none; use --lead-endpoint / --rating-endpoint)"

    private func deliver(_ start: WidgetSubmission, path: String?, messageID: String?) async -> WidgetSubmission {
        var s = start
        guard let path, !path.isEmpty else {
            s.outcome = .notSent(Self.noEndpointReason)
            continuation.yield(.submitted(s))
            return s
        }
        if handshake == nil, case .failure(let e) = await connect() {
            s.outcome = .failed(e.userMessage)
            continuation.yield(.submitted(s))
            return s
        }
        let body = s.body(projectID: client.target.projectID, messageID: messageID)
        s.url = try? client.target.url(path)
        do {
            let (status, bytes) = try await client.postJSON(path: path, body: body, token: token)
            s.status = status
            if (200..<300).contains(status) {
                s.outcome = .accepted
            } else {
                let e = RobofyError.fromResponse(status: status, body: bytes, retryAfterHeader: nil)
                s.outcome = .failed(Redaction.redact(e.userMessage, secrets: token.map { [$0] } ?? []))
            }
        } catch {
            s.outcome = .failed(error.userMessage)
        }
        continuation.yield(.submitted(s))
        return s
    }
}
