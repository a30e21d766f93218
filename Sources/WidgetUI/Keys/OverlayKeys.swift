// Keys: one small reducer per overlay (help, messages, agent picker, reset modal, report, inspector).
// Each looks its key up in `KeyMap` under its own context; only `reduce` calls them.
import Foundation

extension AppState {
    /// The key context of what is open now (the chat's keys when nothing is).
    var keyContext: KeyContext {
        if extras.leadForm != nil { return .leadForm }
        if extras.serverView != nil { return .serverRecord }
        switch overlay {
        case .none: return search != nil ? .search : (selection == nil ? .chat : .select)
        case .help: return .help
        case .messages: return .messages
        case .agents: return .agents
        case .reset: return .reset
        case .report: return .report
        case .inspector: return .inspector
        }
    }

    /// F1 help: scrolls within its lines; any other key closes it.
    mutating func helpKey(_ key: Key, scroll: Int) -> [AppCommand] {
        let page = max(1, Renderer.helpVisibleRows(self) - 1)
        let top = max(0, Renderer.helpLines(self).count - Renderer.helpVisibleRows(self))
        switch KeyMap.action(for: key, in: .help) {
        case .up?: overlay = .help(scroll: max(0, scroll - 1))
        case .down?: overlay = .help(scroll: min(top, scroll + 1))
        case .pageUp?: overlay = .help(scroll: max(0, scroll - page))
        case .pageDown?: overlay = .help(scroll: min(top, scroll + page))
        case .top?: overlay = .help(scroll: 0)
        case .bottom?: overlay = .help(scroll: top)
        default: overlay = .none
        }
        return []
    }

    /// F12 messages: scrolled up from the newest; any other key closes them.
    mutating func messagesKey(_ key: Key, scroll: Int) -> [AppCommand] {
        switch KeyMap.action(for: key, in: .messages) {
        case .up?: overlay = .messages(scroll: scroll + 1)
        case .down?: overlay = .messages(scroll: max(0, scroll - 1))
        case .pageUp?: overlay = .messages(scroll: scroll + max(1, height - 6))
        case .pageDown?: overlay = .messages(scroll: max(0, scroll - max(1, height - 6)))
        case .bottom?: overlay = .messages(scroll: 0)
        default:
            // Closing the list acknowledges a storage failure.
            overlay = .none
            storageError = nil
        }
        return []
    }

    /// F2 agent picker; the digits 1–9 choose an agent directly.
    mutating func agentsKey(_ key: Key, selected: Int) -> [AppCommand] {
        switch KeyMap.action(for: key, in: .agents) {
        case .up?: overlay = .agents(selected: max(0, selected - 1))
        case .down?: overlay = .agents(selected: min(agents.count - 1, selected + 1))
        case .choose?:
            overlay = .none
            return chooseAgent(selected)
        case .close?: overlay = .none
        default:
            if case .char(let c) = key, c.isNumber, let n = c.wholeNumberValue, n >= 1, n <= agents.count {
                overlay = .none
                return chooseAgent(n - 1)
            }
        }
        return []
    }

    /// The reset modal: Enter does what is selected, y/n answer directly.
    mutating func resetKey(_ key: Key, confirmSelected confirm: Bool) -> [AppCommand] {
        switch KeyMap.action(for: key, in: .reset) {
        case .toggle?: overlay = .reset(confirmSelected: !confirm)
        case .choose?:
            overlay = .none
            return confirm ? [.reset] : []
        case .confirm?:
            overlay = .none
            return [.reset]
        case .close?: overlay = .none
        default: break
        }
        return []
    }

    /// F7 configuration report (the renderer keeps the scroll within the text).
    mutating func reportKey(_ key: Key, scroll: Int) -> [AppCommand] {
        let page = max(1, height - 6)
        switch KeyMap.action(for: key, in: .report) {
        case .up?: overlay = .report(scroll: max(0, scroll - 1))
        case .down?: overlay = .report(scroll: scroll + 1)
        case .pageUp?: overlay = .report(scroll: max(0, scroll - page))
        case .pageDown?: overlay = .report(scroll: scroll + page)
        case .top?: overlay = .report(scroll: 0)
        case .close?: overlay = .none
        default: break
        }
        return []
    }

    /// F8 inspector.
    mutating func inspectorKey(_ key: Key) -> [AppCommand] {
        let page = max(1, height - 3)
        let top = max(0, inspectorScroll)
        switch KeyMap.action(for: key, in: .inspector) {
        case .close?:
            overlay = .none
        case .up?:
            inspectorFollow = false
            inspectorScroll = max(0, top - 1)
        case .down?:
            inspectorScroll = top + 1
        case .pageUp?:
            inspectorFollow = false
            inspectorScroll = max(0, top - page)
        case .pageDown?:
            inspectorScroll = top + page
        case .top?:
            inspectorFollow = false
            inspectorScroll = 0
        case .bottom?:
            inspectorFollow = true
        case .saveScript?:
            return saveScriptCommand()
        case .expand?:
            inspectorWhole.toggle()
            setStatus(inspectorWhole ? "Inspector: long event lines shown whole (Enter cuts them again)."
                                     : "Inspector: event lines cut to the width.")
        default:
            break
        }
        return []
    }

    /// Opens the inspector at the start of the latest turn.
    mutating func openInspector() {
        overlay = .inspector
        inspectorScroll = -1
        inspectorFollow = false
    }

    mutating func saveScriptCommand() -> [AppCommand] {
        guard !previewOnly else { return [] }
        return [.saveScript]
    }
}
