// Keys: the reducers of the widget's extras' panels (WidgetExtras.swift): the lead form and F11 the
// server's record. Each looks its key up in `KeyMap` under its own context; only `reduceExtras` calls them.
import Foundation
import RobofyText

extension AppState {
    /// The lead form: characters go into the field with the focus; the keys come from `KeyMap`.
    mutating func leadFormKey(_ key: Key) -> [AppCommand] {
        guard var f = extras.leadForm else { return [] }
        var close = false
        defer { extras.leadForm = close ? nil : f }
        if f.sending { return [] }
        let fields = LeadFormState.Field.allCases
        func move(_ by: Int) {
            f.check(f.focus)
            f.focus = fields[(f.focus.rawValue + by + fields.count) % fields.count]
        }
        if case .char(let c) = key {
            guard f.focus != .submit else { return [] }
            if f.value(f.focus).count < 200 { f.set(f.focus, f.value(f.focus) + Sanitizer.clean(String(c), allowNewlines: false)) }
            if f.errors[String(describing: f.focus)] != nil { f.check(f.focus) }
            f.errors["form"] = nil
            return []
        }
        switch KeyMap.action(for: key, in: .leadForm) {
        case .close?:
            extras.leadDone[f.agentID] = "skipped"
            close = true
            setStatus("Lead form skipped (Ctrl-O opens it again).")
            return []
        case .next?: move(1)
        case .previous?: move(-1)
        case .choose?:
            if f.focus != .submit { move(1); return [] }
            f.check(.email)
            f.check(.phone)
            let problems = f.values.problems
            f.errors = problems
            if let bad = fields.first(where: { problems[String(describing: $0)] != nil }) {
                f.focus = bad
                return []
            }
            if problems["form"] != nil { return [] }
            if previewOnly {
                f.errors["form"] = "Preview: nothing is sent."
                return []
            }
            f.sending = true
            return [.widget(.submitLead(f.values, path: extras.leadEndpoint))]
        case .backspace?:
            if f.focus != .submit { f.set(f.focus, String(f.value(f.focus).dropLast())) }
            if f.errors[String(describing: f.focus)] != nil { f.check(f.focus) }
        case .deleteToStart?:
            f.set(f.focus, "")
        default: break
        }
        return []
    }

    /// F11 the server's record: scrolls, fetches again; any other key closes it.
    mutating func serverViewKey(_ key: Key) -> [AppCommand] {
        let scroll = extras.serverView?.scroll ?? 0, page = max(1, height - 6)
        switch KeyMap.action(for: key, in: .serverRecord) {
        case .up?: extras.serverView?.scroll = max(0, scroll - 1)
        case .down?: extras.serverView?.scroll = scroll + 1
        case .pageUp?: extras.serverView?.scroll = max(0, scroll - page)
        case .pageDown?: extras.serverView?.scroll = scroll + page
        case .refresh?:
            extras.serverView = ServerRecordView()
            return [.widget(.fetchServerRecord)]
        default: extras.serverView = nil
        }
        return []
    }
}
