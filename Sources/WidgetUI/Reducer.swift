import Foundation
import RobofyAPI
import RobofySession

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
        case .paste(let text):
            guard overlay == .none, !previewOnly else { return [] }
            focus = .input
            input.insert(Sanitizer.clean(text))
            return []
        case .click(let target):
            return click(target)
        case .key(let key):
            return handleKey(key)
        case .session(let e):
            return applySession(e)
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
        case .resetCancel:
            if case .reset = overlay { overlay = .none }
            return []
        case .input:
            focus = .input
            return []
        }
    }

    mutating func handleKey(_ key: Key) -> [AppCommand] {
        // Keys that work everywhere.
        switch key {
        case .ctrl("c"):
            if let armed = quitArmedAt, now - armed <= 2 {
                shouldQuit = true
                return [.quit]
            }
            quitArmedAt = now
            setStatus(Self.quitHint)
            if isBusy { return [.cancel] }
            return []
        case .ctrl("q"), .function(10):
            shouldQuit = true
            return [.quit]
        case .ctrl("l"):
            return []
        default:
            break
        }

        switch overlay {
        case .help(let scroll):
            let page = max(1, Renderer.helpVisibleRows(self) - 1)
            let top = max(0, Renderer.helpLines(self).count - Renderer.helpVisibleRows(self))
            switch key {
            case .up: overlay = .help(scroll: max(0, scroll - 1))
            case .down: overlay = .help(scroll: min(top, scroll + 1))
            case .pageUp: overlay = .help(scroll: max(0, scroll - page))
            case .pageDown, .char(" "): overlay = .help(scroll: min(top, scroll + page))
            case .home: overlay = .help(scroll: 0)
            case .end: overlay = .help(scroll: top)
            default: overlay = .none
            }
            return []
        case .messages(let scroll):
            switch key {
            case .up: overlay = .messages(scroll: scroll + 1)
            case .down: overlay = .messages(scroll: max(0, scroll - 1))
            case .pageUp: overlay = .messages(scroll: scroll + max(1, height - 6))
            case .pageDown: overlay = .messages(scroll: max(0, scroll - max(1, height - 6)))
            case .end: overlay = .messages(scroll: 0)
            default:
                // Closing the list acknowledges a storage failure.
                overlay = .none
                storageError = nil
            }
            return []
        case .agents(let selected):
            switch key {
            case .up: overlay = .agents(selected: max(0, selected - 1))
            case .down, .tab: overlay = .agents(selected: min(agents.count - 1, selected + 1))
            case .enter:
                overlay = .none
                return chooseAgent(selected)
            case .escape, .function(2): overlay = .none
            case .char(let c) where c.isNumber:
                if let n = c.wholeNumberValue, n >= 1, n <= agents.count {
                    overlay = .none
                    return chooseAgent(n - 1)
                }
            default: break
            }
            return []
        case .reset(let confirm):
            switch key {
            case .left, .right, .tab, .backTab: overlay = .reset(confirmSelected: !confirm)
            case .enter:
                overlay = .none
                return confirm ? [.reset] : []
            case .char("y"), .char("Y"):
                overlay = .none
                return [.reset]
            case .escape, .char("n"), .char("N"): overlay = .none
            default: break
            }
            return []
        case .report(let scroll):
            let page = max(1, height - 6)
            switch key {
            case .up: overlay = .report(scroll: max(0, scroll - 1))
            case .down: overlay = .report(scroll: scroll + 1)
            case .pageUp: overlay = .report(scroll: max(0, scroll - page))
            case .pageDown, .char(" "): overlay = .report(scroll: scroll + page)
            case .home: overlay = .report(scroll: 0)
            case .escape, .function(7), .char("q"): overlay = .none
            default: break
            }
            return []
        case .inspector:
            return inspectorKey(key)
        case .none:
            break
        }

        // Widget actions.
        switch key {
        case .function(1):
            overlay = .help(scroll: 0)
            return []
        case .function(12):
            overlay = .messages(scroll: 0)
            return []
        case .ctrl("t"):
            showReasoning.toggle()
            let any = conversation.messages.contains { !$0.reasoning.isEmpty }
            setStatus(any ? (showReasoning ? "Reasoning shown in full (Ctrl-T hides it)." : "Reasoning folded to its first line.")
                      : "No reasoning in this conversation yet.")
            return []
        case .function(2):
            if agents.count > 1 {
                let i = agents.firstIndex { $0.chatbotID == agentID } ?? 0
                overlay = .agents(selected: i)
            } else {
                setStatus("This widget has one agent.")
            }
            return []
        case .function(3), .ctrl("x"):
            guard !previewOnly else { return [] }
            if config.resetModal.enabled {
                overlay = .reset(confirmSelected: false)
                return []
            }
            return [.reset]
        case .function(4):
            guard !previewOnly else { return [] }
            return [.endSession]
        case .function(5), .ctrl("s"):
            guard !previewOnly else { return [] }
            return [.saveTranscript(markdown: transcriptMarkdown(), agentName: agent?.name ?? "agent")]
        case .function(6), .ctrl("r"):
            return [.connect]
        case .function(7):
            if handshake != nil { overlay = .report(scroll: 0) } else { setStatus("No handshake yet.") }
            return []
        case .function(8):
            openInspector()
            return []
        case .function(9):
            return saveScriptCommand()
        case .pageUp:
            scroll += max(1, messageAreaHeight - 2)
            return []
        case .pageDown:
            scroll = max(0, scroll - max(1, messageAreaHeight - 2))
            return []
        case .end where scroll > 0:
            // Back to the bottom: the view follows new text again.
            scroll = 0
            return []
        case .escape:
            if isBusy { return [.cancel] }
            if !queued.isEmpty {
                // A message waiting to be sent comes back to the input.
                let back = queued.joined(separator: "\n")
                queued = []
                input.set(input.isEmpty ? back : back + "\n" + input.text)
                setStatus("Not sent: the queued message is back in the input.")
                return []
            }
            if case .chip = focus { focus = .input }
            return []
        default:
            break
        }

        // Quick-question chips.
        if case .chip(let i) = focus {
            let qs = visibleQuickQuestions
            guard !qs.isEmpty else { focus = .input; return handleKey(key) }
            switch key {
            case .tab, .right, .down: focus = .chip((i + 1) % qs.count); return []
            case .backTab, .left, .up: focus = .chip((i - 1 + qs.count) % qs.count); return []
            case .enter:
                return qs.indices.contains(i) ? sendText(qs[i]) : []
            default:
                focus = .input
            }
        }

        return editInput(key)
    }

    mutating func editInput(_ key: Key) -> [AppCommand] {
        switch key {
        case .char(let c):
            input.insert(String(c))
            historyIndex = nil
        case .enter:
            let text = input.text
            if text.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty { return [] }
            return sendText(text)
        case .newline: input.insert("\n")
        case .backspace: input.backspace()
        case .delete, .ctrl("d"): input.delete()
        case .left, .ctrl("b"): input.left()
        case .right, .ctrl("f"): input.right()
        case .home, .ctrl("a"): input.home()
        case .end, .ctrl("e"): input.end()
        case .wordLeft: input.wordLeft()
        case .wordRight: input.wordRight()
        case .wordBackspace, .ctrl("w"): input.deleteWordBack()
        case .ctrl("u"): input.deleteToLineStart()
        case .ctrl("k"): input.deleteToLineEnd()
        case .tab:
            if !visibleQuickQuestions.isEmpty { focus = .chip(0); scroll = 0 }
        case .backTab:
            let n = visibleQuickQuestions.count
            if n > 0 { focus = .chip(n - 1); scroll = 0 }
        case .up:
            if !input.moveLine(-1) { historyPrevious() }
        case .down:
            if !input.moveLine(1) { historyNext() }
        default:
            break
        }
        return []
    }

    mutating func historyPrevious() {
        guard !history.isEmpty else { return }
        if historyIndex == nil {
            historyDraft = input.text
            historyIndex = history.count - 1
        } else if let i = historyIndex, i > 0 {
            historyIndex = i - 1
        }
        if let i = historyIndex { input.set(history[i]) }
    }

    mutating func historyNext() {
        guard let i = historyIndex else { return }
        if i + 1 < history.count {
            historyIndex = i + 1
            input.set(history[i + 1])
        } else {
            historyIndex = nil
            input.set(historyDraft)
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
            ensureConversation(clean)
            focus = .input
            return sendQueued()
        case .turnStarted(let turn):
            sendPending = false
            let user = newMessage(.user, turn.userText)
            let answer = newMessage(.agent, "", turnID: turn.id, status: .streaming)
            // Appended in place: a copy of the conversation would copy every message.
            conversations[turn.agentID, default: Conversation()].messages.append(contentsOf: [user, answer])
            activeTurn = turn.id
            activeTurnStarted = now
            if statusIsError || status == Self.quitHint { setStatus(nil) }
        case .change(let turnID, let change):
            updateMessage(turnID: turnID) { m in
                switch change {
                case .text(let piece): m.text += piece
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
        let name = agent?.name ?? "Agent"
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
                for t in m.tools { out += "> tool `\(Sanitizer.clean(t.name, allowNewlines: false))` \(t.state.rawValue)\n" }
                if !m.tools.isEmpty { out += "\n" }
                if !m.reasoning.isEmpty { out += Self.reasoningMarkdown(m.reasoning) }
                out += "**\(name):** \(text)\n" + ratingMarkdown(m)
                if m.status == .stopped { out += "\n_(stopped)_\n" }
                if m.status == .interrupted { out += "\n_⚠ The answer was cut off (interrupted): the partial text is kept._\n" }
                for e in m.errors { out += "\n> ⚠ \(Sanitizer.clean(e))\n" }
                if !m.sources.isEmpty {
                    out += "\nSources:\n"
                    for (i, s) in m.sources.enumerated() {
                        let title = Sanitizer.clean(s.title ?? s.url ?? s.id, allowNewlines: false)
                        out += "\(i + 1). [\(title)](\(Sanitizer.clean(s.url ?? "", allowNewlines: false)))\n"
                    }
                }
                out += "\n"
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
        s == s.rounded() ? "\(Int(s)) s" : String(format: "%.1f s", s)
    }
}
