import Foundation
import RobofyAPI
import RobofySession
import WidgetUI

/// The widget's extras in the runtime: leads, ratings, the server's record (F11), auto-close.
extension ChatRuntime {
    /// Runs a widget command off the main loop; the lead and rating results come back as
    /// session events (`.submitted`), the server's record as a loop event.
    nonisolated static func perform(_ c: WidgetCommand, session: any ChatSessionProtocol, loop: LoopQueue?) async {
        // Leads, ratings and the server's record need the real session (a test's fake has none).
        guard let session = session as? ChatSession else { return }
        switch c {
        case .submitLead(let values, let path):
            await session.submitLead(values, path: path)
        case .rate(let turnID, let rating, let path):
            await session.submitRating(turnID: turnID, rating: rating, path: path)
        case .fetchServerRecord:
            let r = await serverRecord(session, env: ProcessInfo.processInfo.environment)
            loop?.yield(.widget(.serverRecord(r)))
        }
    }

    /// What the server recorded for the current session, or why it cannot be shown.
    nonisolated static func serverRecord(_ session: ChatSession, env: [String: String]) async -> ServerRecord {
        guard let sid = await session.sessionID else {
            return ServerRecord(problem: "No session yet: the server creates one with the first answer. Send a message, then press F11.")
        }
        let t = session.target
        let agent = await session.agent?.chatbotID ?? t.chatbotID
        do {
            let rec = try await SessionServerRecord.fetch(baseURL: t.baseURL, projectID: t.projectID, chatbotID: agent,
                                                          sessionID: sid, env: env)
            return ServerRecord(sessionID: sid, messages: rec.messages.map { "\($0.role): \($0.content)" },
                                leads: rec.leads.map { $0.map { "\($0.name) \($0.value)" }.joined(separator: " · ") })
        } catch {
            return ServerRecord(sessionID: sid, problem: Redaction.redact(error.description))
        }
    }

    /// One timer for the moment the widget auto-closes (`behaviour.close_after_time`).
    func updateAutoCloseTimer() {
        let due = state.autoCloseDue
        if due == autoCloseTimer?.due { return }
        // Activity moves the moment later on every delta of an answer: a timer armed for an
        // earlier moment is kept (its tick arms the next one), not cancelled and made again.
        if let due, let armed = autoCloseTimer?.due, armed < due, armed > now { return }
        autoCloseTimer?.timer.cancel()
        autoCloseTimer = nil
        guard let due else { return }
        let cont = continuation
        // On the runtime's clock: a test's clock closes the widget without real seconds passing.
        autoCloseTimer = (due, clock.after(.milliseconds(Int(max(0, due - now) * 1000) + 20)) { cont?.yield(.tick) })
    }
}
