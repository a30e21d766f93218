/// The message being typed: text with a caret, edited by keys and pastes.
public struct InputEditor: Sendable, Equatable {
    public private(set) var chars: [Character] = []
    public private(set) var caret = 0

    public init(_ text: String = "") {
        chars = Array(text)
        caret = chars.count
    }

    public var text: String { String(chars) }
    public var isEmpty: Bool { chars.isEmpty }

    public mutating func set(_ text: String) {
        chars = Array(text)
        caret = chars.count
    }

    public mutating func insert(_ s: String) {
        let new = Array(s)
        chars.insert(contentsOf: new, at: caret)
        caret += new.count
    }

    public mutating func backspace() {
        guard caret > 0 else { return }
        chars.remove(at: caret - 1)
        caret -= 1
    }

    public mutating func delete() {
        guard caret < chars.count else { return }
        chars.remove(at: caret)
    }

    public mutating func left() { caret = max(0, caret - 1) }
    public mutating func right() { caret = min(chars.count, caret + 1) }

    /// Start of the caret's line.
    public mutating func home() {
        while caret > 0, chars[caret - 1] != "\n" { caret -= 1 }
    }

    /// End of the caret's line.
    public mutating func end() {
        while caret < chars.count, chars[caret] != "\n" { caret += 1 }
    }

    static func isWord(_ c: Character) -> Bool { c.isLetter || c.isNumber || c == "_" }

    public mutating func wordLeft() {
        while caret > 0, !Self.isWord(chars[caret - 1]) { caret -= 1 }
        while caret > 0, Self.isWord(chars[caret - 1]) { caret -= 1 }
    }

    public mutating func wordRight() {
        while caret < chars.count, !Self.isWord(chars[caret]) { caret += 1 }
        while caret < chars.count, Self.isWord(chars[caret]) { caret += 1 }
    }

    /// Deletes the word before the caret (Ctrl-W, Alt-Backspace).
    public mutating func deleteWordBack() {
        let end = caret
        wordLeft()
        chars.removeSubrange(caret..<end)
    }

    /// Deletes from the start of the line to the caret (Ctrl-U).
    public mutating func deleteToLineStart() {
        let end = caret
        home()
        chars.removeSubrange(caret..<end)
    }

    /// Deletes from the caret to the end of the line (Ctrl-K).
    public mutating func deleteToLineEnd() {
        let start = caret
        end()
        chars.removeSubrange(start..<caret)
        caret = start
    }

    /// The caret's line index and the number of lines.
    public var caretLine: (line: Int, lines: Int) {
        var line = 0
        for c in chars[..<caret] where c == "\n" { line += 1 }
        let lines = chars.reduce(1) { $1 == "\n" ? $0 + 1 : $0 }
        return (line, lines)
    }

    /// Moves the caret one line up or down, keeping the column where it can.
    /// Returns false when there is no line in that direction.
    public mutating func moveLine(_ delta: Int) -> Bool {
        let (line, lines) = caretLine
        let target = line + delta
        guard target >= 0, target < lines else { return false }
        var start = caret
        while start > 0, chars[start - 1] != "\n" { start -= 1 }
        let column = caret - start
        // Find the start of the target line.
        var idx = 0, l = 0
        while l < target, idx < chars.count {
            if chars[idx] == "\n" { l += 1 }
            idx += 1
        }
        var endIdx = idx
        while endIdx < chars.count, chars[endIdx] != "\n" { endIdx += 1 }
        caret = min(idx + column, endIdx)
        return true
    }

    /// Lays the text out at `width` columns: the display lines and the caret's (row, column).
    public func layout(width: Int) -> (lines: [String], caretRow: Int, caretCol: Int) {
        let w = max(1, width)
        var lines: [String] = [""]
        var col = 0
        var caretRow = 0, caretCol = 0
        for (i, c) in chars.enumerated() {
            if i == caret { caretRow = lines.count - 1; caretCol = col }
            if c == "\n" {
                lines.append("")
                col = 0
                continue
            }
            let cw = max(0, DisplayWidth.of(Sanitizer.clean(String(c), allowNewlines: false)))
            if col + cw > w {
                lines.append("")
                col = 0
                if i == caret { caretRow = lines.count - 1; caretCol = 0 }
            }
            lines[lines.count - 1] += Sanitizer.clean(String(c), allowNewlines: false)
            col += cw
        }
        if caret == chars.count {
            if col >= w { lines.append(""); col = 0 }
            caretRow = lines.count - 1
            caretCol = col
        }
        return (lines, caretRow, caretCol)
    }
}
