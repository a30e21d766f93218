// Keys: the reducers for keys read everywhere, in the chat, on a quick-question chip and in the input.
// Each looks its key up in `KeyMap` and gives the action its meaning; only `reduce` calls them.
import Foundation

extension AppState {
    /// Keys that work whatever is open (Ctrl-C, Ctrl-Q, F10, Ctrl-L).
    mutating func globalKey(_ action: KeyAction) -> [AppCommand] {
        switch action {
        case .interrupt:
            if let armed = quitArmedAt, now - armed <= 2 {
                shouldQuit = true
                return [.quit]
            }
            quitArmedAt = now
            setStatus(Self.quitHint)
            if isBusy { return [.cancel] }
            return []
        case .quit:
            shouldQuit = true
            return [.quit]
        default:
            // Ctrl-L: the runtime redraws the whole screen.
            return []
        }
    }

    /// Keys in the chat with no overlay: the widget's actions, then the chips, then the input.
    mutating func chatKey(_ key: Key) -> [AppCommand] {
        if let action = KeyMap.action(for: key, in: .chat), let commands = chatAction(action) {
            return commands
        }
        if case .chip = focus, let commands = chipKey(key) { return commands }
        return editInput(key)
    }

    /// The widget's actions; nil when the key is left to the chips and the input (End at the bottom).
    mutating func chatAction(_ action: KeyAction) -> [AppCommand]? {
        switch action {
        case .openHelp:
            overlay = .help(scroll: 0)
        case .openMessages:
            overlay = .messages(scroll: 0)
        case .compose:
            guard !previewOnly else { return [] }
            return [.compose(input.text)]
        case .toggleDetails:
            toggleDetails()
        case .toggleReasoning:
            showReasoning.toggle()
            let any = conversation.messages.contains { !$0.reasoning.isEmpty }
            setStatus(any ? (showReasoning ? "Reasoning shown in full (Ctrl-T hides it)." : "Reasoning folded to its first line.")
                      : "No reasoning in this conversation yet.")
        case .openAgents:
            if agents.count > 1 {
                let i = agents.firstIndex { $0.chatbotID == agentID } ?? 0
                overlay = .agents(selected: i)
            } else {
                setStatus("This widget has one agent.")
            }
        case .resetChat:
            guard !previewOnly else { return [] }
            if config.resetModal.enabled {
                overlay = .reset(confirmSelected: false)
                return []
            }
            return [.reset]
        case .endSession:
            guard !previewOnly else { return [] }
            return [.endSession]
        case .saveTranscript:
            guard !previewOnly else { return [] }
            return [.saveTranscript(markdown: transcriptMarkdown(), agentName: agent?.name ?? "agent")]
        case .reconnect:
            return [.connect]
        case .openReport:
            if handshake != nil { overlay = .report(scroll: 0) } else { setStatus("No handshake yet.") }
        case .openInspector:
            openInspector()
        case .saveScript:
            return saveScriptCommand()
        case .search:
            openSearch()
        case .retry:
            return retryLast()
        case .editLast:
            editLast()
        case .olderVersion:
            return switchVersion(by: -1)
        case .newerVersion:
            return switchVersion(by: 1)
        case .selectMessage, .copy, .toggleMouse:
            return selectAction(action)
        case .pageUp:
            scroll += max(1, messageAreaHeight - 2)
        case .pageDown:
            scroll = max(0, scroll - max(1, messageAreaHeight - 2))
        case .bottom:
            // Back to the bottom: the view follows new text again (at the bottom, End is the input's).
            guard scroll > 0 else { return nil }
            scroll = 0
        case .escape:
            if isBusy { return [.cancel] }
            if editingTurn != nil {
                leaveEdit()
                return []
            }
            if !queued.isEmpty {
                // A message waiting to be sent comes back to the input.
                let back = queued.joined(separator: "\n")
                queued = []
                input.set(input.isEmpty ? back : back + "\n" + input.text)
                setStatus("Not sent: the queued message is back in the input.")
                return []
            }
            if case .chip = focus { focus = .input }
        default:
            return nil
        }
        return []
    }

    /// Keys on a quick-question chip; nil when the key goes on to the input (the focus moves there).
    mutating func chipKey(_ key: Key) -> [AppCommand]? {
        guard case .chip(let i) = focus else { return nil }
        let qs = visibleQuickQuestions
        guard !qs.isEmpty else { focus = .input; return nil }
        switch KeyMap.action(for: key, in: .chips) {
        case .next?: focus = .chip((i + 1) % qs.count); return []
        case .previous?: focus = .chip((i - 1 + qs.count) % qs.count); return []
        case .choose?: return qs.indices.contains(i) ? sendText(qs[i]) : []
        default:
            focus = .input
            return nil
        }
    }

    /// Keys in the message input: a character is typed, a bound key edits.
    mutating func editInput(_ key: Key) -> [AppCommand] {
        if case .char(let c) = key {
            input.insert(String(c))
            historyIndex = nil
            return []
        }
        switch KeyMap.action(for: key, in: .input) {
        case .send?:
            let text = input.text
            if text.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty { return [] }
            if let turn = editingTurn { return sendEdited(text, of: turn) }
            return sendText(text)
        case .newline?: input.insert("\n")
        case .backspace?: input.backspace()
        case .deleteForward?: input.delete()
        case .left?: input.left()
        case .right?: input.right()
        case .lineStart?: input.home()
        case .lineEnd?: input.end()
        case .wordLeft?: input.wordLeft()
        case .wordRight?: input.wordRight()
        case .deleteWord?: input.deleteWordBack()
        case .deleteToStart?: input.deleteToLineStart()
        case .deleteToEnd?: input.deleteToLineEnd()
        case .firstChip?:
            if !visibleQuickQuestions.isEmpty { focus = .chip(0); scroll = 0 }
        case .lastChip?:
            let n = visibleQuickQuestions.count
            if n > 0 { focus = .chip(n - 1); scroll = 0 }
        case .up?:
            if !input.moveLine(-1) { historyPrevious() }
        case .down?:
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
}
