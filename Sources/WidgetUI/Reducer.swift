// State: `reduce`, the one place state changes: events, clicks, key dispatch (see Keys/), session events.
import Foundation
import RobofyAPI
import RobofySession
import RobofyText

extension AppState {
    /// The one place state changes. Returns what the runtime should do.
    public mutating func reduce(_ event: AppEvent) -> [AppCommand] {
        if let cmds = reduceExtras(event) { return cmds }
        switch event {
        case .widget: return []
        case .tick(let t):
            now = t
            if let armed = quitArmedAt, t - armed > 2 { quitArmedAt = nil; if status == Self.quitHint { setStatus(nil) } }
            return []
        case .resize(let w, let h):
            width = mobileWidth.map { min(w, $0) } ?? w
            height = h
            return []
        case .viewShown(let shown, let inspectorTop):
            scroll = shown
            if let inspectorTop { inspectorScroll = inspectorTop }
            return []
        case .notice(let text, let isError):
            setStatus(text, error: isError)
            return []
        case .storageFailed(let text):
            let clean = Sanitizer.clean(text, allowNewlines: false)
            storageError = clean
            setStatus(clean, error: true)
            return []
        case .wheel(let lines):
            if overlay == .inspector {
                if lines > 0 { inspectorFollow = false }
                inspectorScroll = max(0, max(0, inspectorScroll) - lines)
                return []
            }
            scroll = max(0, scroll + lines)
            return []
        case .composed(let text):
            input.set(Sanitizer.clean(text))
            focus = .input
            setStatus("The message from your editor is in the input: Enter sends it.")
            return []
        case .paste(let text):
            guard overlay == .none, !previewOnly else { return [] }
            focus = .input
            if search?.editing == true { return searchPaste(text) }
            selection = nil
            input.insert(Sanitizer.clean(text))
            return []
        case .click(let target):
            return click(target)
        case .key(let key):
            return handleKey(key)
        case .session(let e):
            let out = applySession(e)
            if let st = search, st.searchedCount != conversation.messages.count { runSearch(previousQuery: "") }
            return out
        }
    }

    static let quitHint = "Press Ctrl-C again to quit."

    mutating func click(_ target: HitTarget) -> [AppCommand] {
        switch target {
        case .chip(let i):
            let qs = visibleQuickQuestions
            guard overlay == .none, qs.indices.contains(i) else { return [] }
            focus = .chip(i)
            return sendText(qs[i])
        case .agent(let i):
            guard case .agents = overlay, agents.indices.contains(i) else { return [] }
            overlay = .none
            return chooseAgent(i)
        case .resetConfirm:
            guard case .reset = overlay else { return [] }
            overlay = .none
            return [.reset]
        case .avatar:
            return []
        case .resetCancel:
            if case .reset = overlay { overlay = .none }
            return []
        case .input:
            focus = .input
            return []
        }
    }

    /// A key: the keys that work everywhere, then the reducer of what is open (see `KeyMap`).
    mutating func handleKey(_ key: Key) -> [AppCommand] {
        if let action = KeyMap.action(for: key, in: .global) { return globalKey(action) }
        switch overlay {
        case .none: return search != nil ? searchKey(key) : (selection == nil ? chatKey(key) : selectKey(key))
        case .help(let scroll): return helpKey(key, scroll: scroll)
        case .messages(let scroll): return messagesKey(key, scroll: scroll)
        case .agents(let selected): return agentsKey(key, selected: selected)
        case .reset(let confirm): return resetKey(key, confirmSelected: confirm)
        case .report(let scroll): return reportKey(key, scroll: scroll)
        case .inspector: return inspectorKey(key)
        }
    }

    mutating func sendText(_ text: String) -> [AppCommand] {
        guard !previewOnly else {
            setStatus("Preview: no message is sent.")
            return []
        }
        if case .failed = connection {
            setStatus("Not connected. Press Ctrl-R to reconnect.", error: true)
            return []
        }
        if history.last != text { history.append(text) }
        historyIndex = nil
        input.set("")
        focus = .input
        scroll = 0
        if isBusy || sendPending || connection != .connected || agentID == nil || !queued.isEmpty {
            // Not now: shown as queued and sent when the moment comes (never stops an answer).
            queued.append(text)
            setStatus(connection == .connected && agentID != nil
                      ? "Queued: sends when this answer ends (Esc stops the answer)."
                      : "Queued: sends when connected.")
            return []
        }
        sendPending = true
        return [.send(text)]
    }

    /// Sends the next queued message when nothing is in flight.
    mutating func sendQueued() -> [AppCommand] {
        guard !queued.isEmpty, !isBusy, !sendPending, connection == .connected, agentID != nil, !previewOnly else {
            return []
        }
        sendPending = true
        return [.send(queued.removeFirst())]
    }

    mutating func chooseAgent(_ i: Int) -> [AppCommand] {
        guard agents.indices.contains(i) else { return [] }
        let id = agents[i].chatbotID
        if id == agentID { return [] }
        focus = .input
        scroll = 0
        return [.selectAgent(id)]
    }

    /// Rows left for the conversation at the current size (used for paging).
    var messageAreaHeight: Int { max(1, height - 8) }

    // MARK: Session events

    /// Whether applying `e` changes what the conversation shows and nothing else on screen
    /// (an answer's text and parts, and what only the inspector shows): such a frame may
    /// redraw the conversation alone (`FrameDamage.conversation`). Keep in step with
    /// `applySession` and `reduceExtras`.
    public static func changesConversationOnly(_ e: SessionEvent) -> Bool {
        switch e {
        case .change, .answer, .chunks, .response: return true
        default: return false
        }
    }

    mutating func applySession(_ e: SessionEvent) -> [AppCommand] {
        inspector.record(e)
        switch e {
        case .connecting:
            connection = .connecting
            setStatus("Connecting…")
        case .connected(let h):
            let again = handshake != nil
            connection = .connected
            apply(handshake: h)
            if again { setStatus("Reconnected.") } else if status == "Connecting…" || !statusIsError { setStatus(nil) }
            if mobileWidth != nil && !config.behaviour.showOnMobile {
                setStatus("Hidden on mobile: behaviour.show_on_mobile is false (drawn here for review).", error: true)
            }
        case .connectFailed(let err):
            connection = .failed(err.userMessage)
            var text = err.userMessage + (err.userMessage.contains("Ctrl-R") ? "" : " Press Ctrl-R to retry.")
            if !queued.isEmpty {
                // What was typed while connecting is not lost: it is back in the input.
                let back = queued.joined(separator: "\n")
                queued = []
                input.set(input.isEmpty ? back : back + "\n" + input.text)
                text = "Not sent (your message is back in the input): " + text
            }
            setStatus(text, error: true)
        case .agentSelected(let a):
            let clean = Self.sanitized(a)
            if let i = agents.firstIndex(where: { $0.chatbotID == clean.chatbotID }) { agents[i] = clean } else { agents.append(clean) }
            agentID = clean.chatbotID
            search = nil
            ensureConversation(clean)
            focus = .input
            return sendQueued()
        case .turnStarted(let turn):
            sendPending = false
            var user = newMessage(.user, turn.userText)
            user.details = MessageDetails(at: turn.startedAt)
            let answer = newMessage(.agent, "", turnID: turn.id, status: .streaming)
            appendTurn(turn, question: user, answer: answer)
            activeTurn = turn.id
            activeTurnStarted = now
            if statusIsError || status == Self.quitHint { setStatus(nil) }
        case .answer(let turnID, let text):
            // The answer's text is the session's, read where it grows: `.text` changes only
            // say that it grew.
            updateMessage(turnID: turnID) { m in
                guard m.textIsEmpty else { return false }
                m.live = text
                return true
            }
        case .change(let turnID, let change):
            updateMessage(turnID: turnID) { m in
                switch change {
                case .text(let piece): if m.live == nil { m.text += piece }
                case .reasoning(let piece): m.reasoning += piece
                case .toolStarted(let call), .toolUpdated(let call):
                    if let i = m.tools.firstIndex(where: { $0.id == call.id }) { m.tools[i] = call } else { m.tools.append(call) }
                case .source(let s): m.sources.append(s)
                case .error(let text): m.errors.append(text)
                case .finished(let reason): m.finishReason = reason
                default: return false
                }
                return true
            }
        case .retrying(_, let reason, let delay):
            setStatus("Retrying in \(RobofyErrorFormat.seconds(delay)): \(reason)", error: true)
        case .reauthenticated:
            setStatus("The token was renewed.")
        case .turnFinished(let turn):
            updateMessage(turnID: turn.id) { m in
                m.text = turn.answer
                m.reasoning = turn.reasoning
                m.tools = turn.tools
                m.sources = turn.sources
                m.errors = turn.errors
                m.status = turn.status
                m.finishReason = turn.finishReason
                m.details = MessageDetails(answer: turn)
                return true
            }
            if activeTurn == turn.id { activeTurn = nil }
            if turn.status == .failed, let e = turn.errors.last { setStatus(e, error: true) }
            else if turn.status == .complete, statusIsError { setStatus(nil) }
            return sendQueued()
        case .sessionEnded(let agentID):
            conversations[agentID, default: Conversation()].messages.append(
                newMessage(.notice, "Session ended. Your next message starts a new conversation."))
            setStatus("\(config.header.endSessionLabel): done.")
        case .chatReset(let agentID):
            conversations[agentID] = nil
            search = nil
            if let a = agents.first(where: { $0.chatbotID == agentID }) { ensureConversation(a) }
            activeTurn = nil
            scroll = 0
            setStatus("The chat was reset.")
        case .response, .chunks, .submitted:
            break
        }
        return []
    }

    /// Finds the agent message of a turn (searching from the end) and changes it.
    ///
    /// The message is changed in place: changing a copy of the conversation would copy
    /// the message list and the whole answer text on every delta. The current agent's
    /// conversation is searched first (turn ids are unique across conversations).
    mutating func updateMessage(turnID: Int, _ change: (inout ChatMessage) -> Bool) {
        func index(in c: Conversation) -> Int? {
            c.messages.lastIndex(where: { $0.turnID == turnID && $0.role == .agent })
        }
        var found: (key: String, index: Int)?
        if let a = agentID, let c = conversations[a], let i = index(in: c) {
            found = (a, i)
        } else {
            for (key, c) in conversations where key != agentID {
                if let i = index(in: c) { found = (key, i); break }
            }
        }
        guard let (key, i) = found else { return }
        if change(&conversations[key]!.messages[i]) {
            conversations[key]!.messages[i].version += 1
        }
    }

    // MARK: Transcript

    /// The current conversation as Markdown (what "download transcript" writes).
    public func transcriptMarkdown(date: Date = Date()) -> String {
        let name = Sanitizer.clean(agent?.name ?? "Agent", allowNewlines: false)
        var out = "# \(Sanitizer.clean(config.header.title, allowNewlines: false)) — \(name)\n\n"
        let f = ISO8601DateFormatter()
        out += "_Transcript saved \(f.string(from: date))_\n\n"
        for m in conversation.messages {
            let text = Sanitizer.clean(m.text)
            switch m.role {
            case .greeting: out += "**\(name):** \(text)\n\n"
            case .user: out += "**You:** \(text)\n\n"
            case .notice: out += "_\(text)_\n\n"
            case .agent:
                out += TranscriptRendering.answer(name: name, text: m.text, tools: m.tools, reasoning: m.reasoning,
                                                  status: m.status, errors: m.errors, sources: m.sources)
                out += ratingMarkdown(m)
            }
        }
        return out
    }
}

extension AppState {
    /// Reasoning as a Markdown quote block, whole.
    static func reasoningMarkdown(_ r: String) -> String {
        let lines = Sanitizer.clean(r).split(separator: "\n", omittingEmptySubsequences: false)
        return "> _Reasoning:_\n" + lines.map { $0.isEmpty ? ">" : "> " + $0 }.joined(separator: "\n") + "\n\n"
    }
}

enum RobofyErrorFormat {
    static func seconds(_ s: Double) -> String {
        NetNumber.secondsText(s)
    }
}
