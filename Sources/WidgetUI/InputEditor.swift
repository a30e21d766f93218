// State: the message input (text and caret) and its wrapped layout.

import RobofyText

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
    /// Lines wrap after a space when they can (a word longer than the width breaks).
    public func layout(width: Int) -> (lines: [String], caretRow: Int, caretCol: Int) {
        let w = max(1, width)
        let shown = chars.map { $0 == "\n" ? "" : Sanitizer.clean(String($0), allowNewlines: false) }
        let widths = shown.map { max(0, DisplayWidth.of($0)) }
        // Each display row as a range of characters.
        var rows: [Range<Int>] = []
        var start = 0, col = 0
        var afterSpace: Int?
        for i in chars.indices {
            if chars[i] == "\n" {
                rows.append(start..<i)
                start = i + 1
                col = 0
                afterSpace = nil
                continue
            }
            if col + widths[i] > w && i > start {
                if let b = afterSpace, b > start, b <= i {
                    rows.append(start..<b)
                    start = b
                    col = widths[b..<i].reduce(0, +)
                } else {
                    rows.append(start..<i)
                    start = i
                    col = 0
                }
                afterSpace = nil
            }
            col += widths[i]
            if chars[i] == " " { afterSpace = i + 1 }
        }
        rows.append(start..<chars.count)
        var lines = rows.map { r in shown[r].joined() }
        // The caret: on the row that holds it (at a soft break, the start of the next row).
        var caretRow = rows.count - 1
        for (n, r) in rows.enumerated() where caret >= r.lowerBound && caret <= r.upperBound {
            caretRow = n
            if caret < r.upperBound || n + 1 == rows.count || rows[n + 1].lowerBound != r.upperBound { break }
        }
        var caretCol = widths[rows[caretRow].lowerBound..<min(caret, rows[caretRow].upperBound)].reduce(0, +)
        if caretCol >= w && caret == chars.count {
            lines.append("")
            caretRow = lines.count - 1
            caretCol = 0
        }
        return (lines, caretRow, caretCol)
    }
}
