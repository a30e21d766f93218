// Keys: the search prompt (Ctrl-F). While the query is typed, characters go to it and ↑/↓ move between
// matches; after Enter, n/N (and ↑/↓, Enter) move; any key the prompt does not use closes it and does
// what it does in the chat. Only `handleKey` calls it.
import Foundation
import RobofyText

extension AppState {
    mutating func searchKey(_ key: Key) -> [AppCommand] {
        guard let st = search else { return chatKey(key) }
        if st.editing, case .char(let c) = key {
            guard st.query.count < SearchState.maxQuery else { return [] }
            search?.query.append(c)
            runSearch(previousQuery: st.query)
            return []
        }
        switch KeyMap.action(for: key, in: .search) {
        case .next?:
            search?.older()
        case .previous?:
            search?.newer()
        case .choose?:
            if st.editing {
                if st.query.isEmpty { search = nil } else { search?.editing = false }
            } else {
                search?.older()
            }
        case .backspace?:
            search?.editing = true
            guard !st.query.isEmpty else { return [] }
            search?.query.removeLast()
            runSearch(previousQuery: "")
        case .deleteToStart?:
            search?.editing = true
            search?.query = ""
            runSearch(previousQuery: "")
        case .search?:
            search?.editing = true
        case .close?:
            search = nil
        case let action? where action == .pageUp || action == .pageDown:
            return chatAction(action) ?? []
        default:
            // A key the prompt does not use: the prompt closes and the key does what it does in the chat.
            search = nil
            return chatKey(key)
        }
        return []
    }

    /// A paste while the query is typed goes into it (one line).
    mutating func searchPaste(_ text: String) -> [AppCommand] {
        guard let st = search else { return [] }
        search?.query = String((st.query + Sanitizer.clean(text, allowNewlines: false)).prefix(SearchState.maxQuery))
        runSearch(previousQuery: st.query)
        return []
    }
}
