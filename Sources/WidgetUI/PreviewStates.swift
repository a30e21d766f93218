import Foundation
import RobofyAPI
import RobofySession
import RobofyText

/// The states `preview --print --state` draws, each with the handshake's own texts, so a
/// site owner can review every configured text (and CI can diff it).
public enum PreviewState: String, CaseIterable, Sendable {
    case greeting
    case leadForm = "lead-form"
    case loader
    case answer
    case resetModal = "reset-modal"
    case closed
    case error

    public static var names: String { allCases.map(\.rawValue).joined(separator: "|") }
}

extension PreviewFrame {
    /// A sample answer (the handshake has none): it shows the bubble, the sources when
    /// `enable_sources`, and the rating when `enable_chat_rating`.
    static let sampleAnswer = "This is where the agent's answer appears, with **Markdown**."

    /// Puts the state into `p`, on top of the state right after the handshake.
    public static func apply(_ p: PreviewState, to s: inout AppState) {
        guard let agent = s.agent else {
            if p == .closed { s.extras.closed = true }
            return
        }
        let question = s.visibleQuickQuestions.first ?? "Hello"
        let turn = Turn(id: 1, agentID: agent.chatbotID, agentName: agent.name, userText: question,
                        startedAt: Date(timeIntervalSince1970: 0))
        switch p {
        case .greeting:
            break
        case .leadForm:
            s.extras.leadForm = LeadFormState(agentID: agent.chatbotID)
        case .loader:
            _ = s.reduce(.session(.turnStarted(turn)))
        case .answer:
            var done = turn
            done.answer = sampleAnswer
            done.status = .complete
            done.finishReason = "stop"
            done.sources = [Source(id: "1", url: "https://example.com/help", title: "Help centre")]
            _ = s.reduce(.session(.turnStarted(turn)))
            _ = s.reduce(.session(.turnFinished(done)))
            if s.config.privacy.enableChatRating, let m = s.rateableMessage { s.extras.ratings[m.id] = .up }
        case .resetModal:
            s.overlay = .reset(confirmSelected: false)
        case .closed:
            s.extras.closed = true
        case .error:
            var failed = turn
            failed.status = .failed
            failed.errors = [RobofyError.http(status: 500, code: "INTERNAL_SERVER_ERROR", message: "Internal Server Error",
                                              detail: nil, retryAfter: nil, bodySnippet: nil).userMessage]
            _ = s.reduce(.session(.turnStarted(turn)))
            _ = s.reduce(.session(.turnFinished(failed)))
        }
    }
}
