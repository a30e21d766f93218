// Versions: asking the last question again (Alt-R) or editing it (Alt-E), and switching between the versions
// of that exchange (← / → with the input empty). Each version is a turn of its own on the server: the session
// id continues, so the server's conversation holds every version (a notice says so).
import Foundation
import RobofySession
import RobofyText

/// One version of an exchange: the question and its answer.
public struct ExchangeVersion: Sendable, Equatable {
    public var question: ChatMessage
    public var answer: ChatMessage
}

/// Every version of an exchange, oldest first, and the one on screen.
public struct ExchangeVersions: Sendable, Equatable {
    public var all: [ExchangeVersion]
    public var shown: Int

    /// "‹ 2/3 ›".
    public var label: String { "‹ \(shown + 1)/\(all.count) ›" }
}

extension AppState {
    static let versionNotice = "The server's conversation still has the earlier version; session id unchanged."

    /// The last exchange of the current conversation: the index of its answer, the question and the answer's turn.
    var lastExchange: (answer: Int, question: String, turnID: Int)? {
        let ms = conversation.messages
        guard let k = ms.indices.last, k > 0, ms[k].role == .agent, let t = ms[k].turnID, ms[k - 1].role == .user else {
            return nil
        }
        return (k, ms[k - 1].text, t)
    }

    /// Why a new version cannot be asked for now, or nil.
    var versionRefusal: String? {
        if previewOnly { return "Preview: no message is sent." }
        if isBusy || sendPending { return "Wait for the answer to finish (Esc stops it), then ask again." }
        if connection != .connected { return "Not connected. Press Ctrl-R to reconnect." }
        if lastExchange == nil { return "No answer to ask again yet." }
        return nil
    }

    /// Alt-R: the last question again, as a new version of its exchange.
    mutating func retryLast() -> [AppCommand] {
        if let why = versionRefusal { setStatus(why, error: true); return [] }
        guard let last = lastExchange else { return [] }
        return sendVersion(last.question, of: last.turnID)
    }

    /// Alt-E: the last question comes back into the input; Enter sends it as a new version.
    mutating func editLast() {
        if let why = versionRefusal { setStatus(why, error: true); return }
        guard let last = lastExchange else { return }
        editingTurn = last.turnID
        input.set(Sanitizer.clean(last.question))
        focus = .input
        setStatus("Editing the last question: Enter sends it as a new version, Esc leaves the edit.")
    }

    /// Leaves the edit (Esc): the input is cleared.
    mutating func leaveEdit() {
        editingTurn = nil
        input.set("")
        setStatus("Edit left: nothing was sent.")
    }

    mutating func sendVersion(_ text: String, of turnID: Int) -> [AppCommand] {
        editingTurn = nil
        if history.last != text { history.append(text) }
        historyIndex = nil
        input.set("")
        scroll = 0
        sendPending = true
        setStatus(Self.versionNotice)
        return [.sendVersion(text, of: turnID)]
    }

    /// ← / → with the input empty: the previous or next version of the last exchange; nil
    /// when there is none to switch to (the key goes on to the input).
    mutating func switchVersion(by step: Int) -> [AppCommand]? {
        guard input.isEmpty, let agentID, let c = conversations[agentID], let k = c.messages.indices.last,
              let v = c.versions[k] else { return nil }
        if isBusy {
            setStatus("Wait for the answer to finish to switch versions.")
            return []
        }
        let to = v.shown + step
        guard v.all.indices.contains(to) else { return [] }
        conversations[agentID]?.showVersion(to, answerAt: k)
        return []
    }

    /// A turn started: appended, or, as a new version of the last exchange, in its place.
    mutating func appendTurn(_ turn: Turn, question: ChatMessage, answer: ChatMessage) {
        if let of = turn.versionOf, conversations[turn.agentID]?.addVersion(question, answer, of: of) == true { return }
        // Appended in place: a copy of the conversation would copy every message.
        conversations[turn.agentID, default: Conversation()].messages.append(contentsOf: [question, answer])
    }

    /// The label of an answer that has versions ("‹ 2/3 ›"), for the renderer.
    func versionLabel(_ m: ChatMessage) -> String? {
        let c = conversation
        guard m.role == .agent, !c.versions.isEmpty else { return nil }
        return c.versions.first { c.messages.indices.contains($0.key) && c.messages[$0.key].id == m.id }?.value.label
    }
}

extension Conversation {
    /// Puts a new version of the last exchange in its place (when `of`, the turn it replaces,
    /// is one of that exchange's versions); false: it is not the last exchange.
    mutating func addVersion(_ question: ChatMessage, _ answer: ChatMessage, of turnID: Int) -> Bool {
        guard let k = messages.indices.last, k > 0, messages[k].role == .agent, messages[k - 1].role == .user else {
            return false
        }
        var v = versions[k] ?? ExchangeVersions(all: [ExchangeVersion(question: messages[k - 1], answer: messages[k])],
                                                shown: 0)
        // What is on screen is the shown version as it is now (its answer may have changed).
        v.all[v.shown] = ExchangeVersion(question: messages[k - 1], answer: messages[k])
        guard v.all.contains(where: { $0.answer.turnID == turnID }) else { return false }
        v.all.append(ExchangeVersion(question: question, answer: answer))
        v.shown = v.all.count - 1
        versions[k] = v
        messages[k - 1] = question
        messages[k] = answer
        return true
    }

    /// Shows another version of the exchange whose answer is at `k`.
    mutating func showVersion(_ to: Int, answerAt k: Int) {
        guard var v = versions[k], v.all.indices.contains(to), k > 0 else { return }
        v.all[v.shown] = ExchangeVersion(question: messages[k - 1], answer: messages[k])
        v.shown = to
        versions[k] = v
        var q = v.all[to].question, a = v.all[to].answer
        // Its label ("‹ 1/3 ›") changed since it was last laid out.
        q.version += 1
        a.version += 1
        messages[k - 1] = q
        messages[k] = a
    }
}

extension AppState {
    /// Enter while editing the last question: sent as a new version when that exchange is
    /// still the last and nothing is in flight, else as an ordinary message.
    mutating func sendEdited(_ text: String, of turnID: Int) -> [AppCommand] {
        editingTurn = nil
        guard versionRefusal == nil, let last = lastExchange,
              conversation.versions[last.answer]?.all.contains(where: { $0.answer.turnID == turnID }) ?? (last.turnID == turnID)
        else { return sendText(text) }
        return sendVersion(text, of: last.turnID)
    }
}
