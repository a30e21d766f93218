// Keys: selecting a message (Alt-Up/Alt-Down), opening its details in place (Enter), copying it or
// one of its code blocks (c, 1–9, Alt-C), and turning mouse reporting off and on (Alt-M).
import Foundation

extension AppState {
    /// The messages a selection moves over (questions, answers, the greeting), by id, oldest first.
    var selectableIDs: [Int] {
        conversation.messages.filter { $0.role != .notice }.map(\.id)
    }

    /// The newest answer with text (what Alt-C copies when nothing is selected).
    var lastAnswerID: Int? {
        conversation.messages.last { ($0.role == .agent || $0.role == .greeting) && !$0.textIsEmpty }?.id
    }

    func message(id: Int) -> ChatMessage? {
        conversation.messages.first { $0.id == id }
    }

    /// Alt-Up/Alt-Down, Alt-C and Alt-M in the chat.
    mutating func selectAction(_ action: KeyAction) -> [AppCommand] {
        switch action {
        case .selectMessage:
            guard let last = selectableIDs.last else {
                setStatus("Nothing to select yet.")
                return []
            }
            select(last)
        case .copy:
            guard let id = selection ?? lastAnswerID else {
                setStatus("Nothing to copy yet.")
                return []
            }
            return copyMessage(id)
        case .toggleMouse:
            return toggleMouse()
        default:
            break
        }
        return []
    }

    /// Keys while a message is selected; any key the selection does not use leaves it and
    /// works as in the chat (typing goes on in the input).
    mutating func selectKey(_ key: Key) -> [AppCommand] {
        let ids = selectableIDs
        guard let sel = selection, let pos = ids.firstIndex(of: sel) else {
            selection = nil
            return chatKey(key)
        }
        switch KeyMap.action(for: key, in: .select) {
        case .up?: select(ids[max(0, pos - 1)])
        case .down?: select(ids[min(ids.count - 1, pos + 1)])
        case .top?: select(ids[0])
        case .bottom?: select(ids[ids.count - 1])
        case .pageUp?: scroll += max(1, messageAreaHeight - 2)
        case .pageDown?: scroll = max(0, scroll - max(1, messageAreaHeight - 2))
        case .expand?:
            if expanded.remove(sel) == nil {
                expanded.insert(sel)
                setStatus(hasDetails(sel) ? "Details open (Enter closes them)." : "This message has no details to open.")
            } else {
                setStatus("Details closed.")
            }
        case .copy?:
            return copyMessage(sel)
        case .copyCode?:
            guard case .char(let c) = key, let n = c.wholeNumberValue, let m = message(id: sel) else { return [] }
            let blocks = Clipboard.codeBlocks(in: Clipboard.text(of: m))
            guard blocks.indices.contains(n - 1) else {
                setStatus(blocks.isEmpty ? "This message has no code block."
                                         : "This message has \(blocks.count) code block\(blocks.count == 1 ? "" : "s").",
                          error: true)
                return []
            }
            return [.copy(blocks[n - 1], what: "code block \(n)")]
        case .toggleMouse?:
            return toggleMouse()
        case .close?:
            selection = nil
            setStatus(nil)
        default:
            selection = nil
            return chatKey(key)
        }
        return []
    }

    /// Selects a message: the renderer marks it and scrolls it into view.
    mutating func select(_ id: Int) {
        selection = id
        let blocks = message(id: id).map { Clipboard.codeBlocks(in: Clipboard.text(of: $0)).count } ?? 0
        let code = blocks == 0 ? "" : blocks == 1 ? " · 1 code block" : " · 1–\(min(blocks, 9)) code block"
        setStatus("Selected: ↑↓ move · Enter details · c copy\(code) · Esc")
    }

    /// Whether a message has details to open: tool calls, sources or reasoning.
    func hasDetails(_ id: Int) -> Bool {
        guard let m = message(id: id) else { return false }
        return !m.tools.isEmpty || !m.sources.isEmpty || !m.reasoning.isEmpty
    }

    mutating func copyMessage(_ id: Int) -> [AppCommand] {
        guard let m = message(id: id) else { return [] }
        let text = Clipboard.text(of: m)
        guard !text.isEmpty else {
            setStatus("This message has no text to copy yet.")
            return []
        }
        let what = m.role == .user ? "your message" : id == lastAnswerID ? "the last answer" : "the answer"
        return [.copy(text, what: what)]
    }

    mutating func toggleMouse() -> [AppCommand] {
        mouseReporting.toggle()
        setStatus(mouseReporting ? "Mouse reporting on: the wheel scrolls, a click picks (Shift-drag selects text)."
                                 : "Mouse reporting off: drag to select text (Alt-M turns it back on).")
        return [.setMouse(mouseReporting)]
    }
}
