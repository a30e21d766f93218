// Markdown block syntax: code fences, list items, and how a line is classified
// (indent, headings, rules, what interrupts a paragraph).

/// An opening code fence: three or more backticks or tildes.
struct MDFence {
    let char: Character
    let length: Int

    init?(_ rest: Substring) {
        guard let c = rest.first, c == "`" || c == "~" else { return nil }
        var n = 0
        var idx = rest.startIndex
        while idx != rest.endIndex, rest[idx] == c {
            n += 1
            idx = rest.index(after: idx)
        }
        guard n >= 3 else { return nil }
        // The info string of a backtick fence cannot contain a backtick
        // (otherwise "```code```" on one line would open a block).
        if c == "`" && rest[idx...].contains("`") { return nil }
        char = c
        length = n
    }

    func isClosed(by rest: Substring) -> Bool {
        var n = 0
        var idx = rest.startIndex
        while idx != rest.endIndex, rest[idx] == char {
            n += 1
            idx = rest.index(after: idx)
        }
        guard n >= length else { return false }
        return rest[idx...].allSatisfy { $0 == " " || $0 == "\t" }
    }
}

/// A list item line: bullet (`-`, `*`, `+`) or ordered (`1.`, `1)`).
struct MDListItem {
    let marker: String         // as displayed: "•" or "12."
    let number: Int?
    let markerLength: Int      // source columns up to the content
    let content: Substring

    init?(_ rest: Substring) {
        guard let first = rest.first else { return nil }
        var idx = rest.startIndex
        if first == "-" || first == "*" || first == "+" {
            idx = rest.index(after: idx)
            marker = "•"
            number = nil
        } else {
            var digits = 0
            var value = 0
            while idx != rest.endIndex, let d = rest[idx].wholeNumberValue, rest[idx].isASCII {
                digits += 1
                value = value &* 10 &+ d
                idx = rest.index(after: idx)
                if digits > 9 { return nil }
            }
            guard digits >= 1, idx != rest.endIndex, rest[idx] == "." || rest[idx] == ")" else { return nil }
            let delimiter = rest[idx]
            idx = rest.index(after: idx)
            marker = String(rest[rest.startIndex..<rest.index(before: idx)]) + String(delimiter)
            number = value
        }
        // The marker must be followed by a space or the end of the line.
        let markerEnd = rest.distance(from: rest.startIndex, to: idx)
        if idx == rest.endIndex {
            markerLength = markerEnd + 1
            content = rest[idx...]
            return
        }
        guard rest[idx] == " " || rest[idx] == "\t" else { return nil }
        var spaces = 0
        var cidx = idx
        while cidx != rest.endIndex, rest[cidx] == " " || rest[cidx] == "\t" {
            spaces += 1
            cidx = rest.index(after: cidx)
        }
        markerLength = markerEnd + min(spaces, 4)
        content = rest[cidx...]
    }
}

extension MDBlocks {
    // MARK: Line classification

    /// Splits at LF (a CR before it is dropped).
    static func splitLines(_ text: String) -> [Substring] {
        // Line ends found on the bytes; lines cut at those offsets (O(1) on native text).
        var ends: [Int] = []
        var copy = text
        copy.withUTF8 { b in
            var i = 0
            while i < b.count {
                if b[i] == 0x0A { ends.append(i) }
                i += 1
            }
        }
        var lines: [Substring] = []
        lines.reserveCapacity(ends.count + 1)
        let utf8 = text.utf8
        var start = utf8.startIndex
        var startOffset = 0
        for nl in ends {
            var endOffset = nl
            if endOffset > startOffset, utf8[utf8.index(start, offsetBy: endOffset - startOffset - 1)] == 0x0D {
                endOffset -= 1
            }
            let end = utf8.index(start, offsetBy: endOffset - startOffset)
            lines.append(Substring(utf8[start..<end]))
            start = utf8.index(start, offsetBy: nl + 1 - startOffset)
            startOffset = nl + 1
        }
        lines.append(Substring(utf8[start..<utf8.endIndex]))
        return lines
    }

    /// The indentation in columns (a tab counts to the next multiple of 4)
    /// and the rest of the line without leading and trailing blanks.
    static func splitIndent(_ line: Substring) -> (Int, Substring) {
        let utf8 = line.utf8
        var n = 0
        var start = utf8.startIndex
        while start != utf8.endIndex {
            let b = utf8[start]
            if b == 0x20 { n += 1 } else if b == 0x09 { n += 4 - n % 4 } else { break }
            start = utf8.index(after: start)
        }
        var end = utf8.endIndex
        while end > start {
            let before = utf8.index(before: end)
            let b = utf8[before]
            guard b == 0x20 || b == 0x09 else { break }
            end = before
        }
        return (n, Substring(utf8[start..<end]))
    }

    static func dropSpaces(_ line: Substring, upTo count: Int) -> Substring {
        var rest = line
        var n = 0
        while n < count, rest.first == " " {
            rest = rest.dropFirst()
            n += 1
        }
        return rest
    }

    static func trimmingTrailingSpaces(_ string: String) -> String {
        var s = Substring(string)
        while s.last == " " { s = s.dropLast() }
        return String(s)
    }

    static func joinLines(_ lines: [Substring]) -> String {
        var s = ""
        for (k, line) in lines.enumerated() {
            if k > 0 { s += "\n" }
            s += line
        }
        return s
    }

    /// Whether a line (already split from its indent) starts a block that
    /// interrupts a paragraph or a list item.
    static func startsBlock(_ rest: Substring, indent: Int, inList: Bool) -> Bool {
        // No block starts with a letter (fences, bullets, numbers, quotes, headings and rules
        // start with punctuation or a digit): most lines of a paragraph are decided here.
        if let b = rest.utf8.first, (0x61...0x7A).contains(b | 0x20) { return false }
        return startsBlockByRules(rest, indent: indent, inList: inList)
    }

    /// `startsBlock` without the shortcut for lines that start with a letter (for tests).
    static func startsBlockByRules(_ rest: Substring, indent: Int, inList: Bool) -> Bool {
        if MDFence(rest) != nil { return true }
        if let item = MDListItem(rest) {
            // Outside a list, only a non-empty bullet or an ordered item
            // starting at 1 interrupts a paragraph (as in CommonMark).
            if inList { return true }
            return !item.content.isEmpty && (item.number == nil || item.number == 1)
        }
        guard indent <= 3 else { return false }
        if rest.first == ">" { return true }
        if heading(rest) != nil { return true }
        return isRule(rest)
    }

    /// The text of an ATX heading line, or nil.
    static func heading(_ rest: Substring) -> Substring? {
        var level = 0
        var idx = rest.startIndex
        while idx != rest.endIndex, rest[idx] == "#" {
            level += 1
            idx = rest.index(after: idx)
        }
        guard level >= 1 && level <= 6 else { return nil }
        if idx != rest.endIndex && rest[idx] != " " && rest[idx] != "\t" { return nil }
        var text = rest[idx...].drop(while: { $0 == " " || $0 == "\t" })
        // Optional closing sequence: spaces then #s.
        var trimmed = text
        while trimmed.last == "#" { trimmed = trimmed.dropLast() }
        if trimmed.isEmpty {
            text = trimmed
        } else if trimmed.last == " " || trimmed.last == "\t" {
            text = trimmed
        }
        while let last = text.last, last == " " || last == "\t" { text = text.dropLast() }
        return text
    }

    /// A thematic break: three or more of the same `-`, `*` or `_`, spaces allowed.
    static func isRule(_ rest: Substring) -> Bool {
        guard let c = rest.first, c == "-" || c == "*" || c == "_" else { return false }
        var count = 0
        for ch in rest {
            if ch == c {
                count += 1
            } else if ch != " " && ch != "\t" {
                return false
            }
        }
        return count >= 3
    }
}
