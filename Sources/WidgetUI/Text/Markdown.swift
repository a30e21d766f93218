// A small, forgiving Markdown renderer for chat text, producing wrapped
// styled lines. It copes with partial text that is still streaming in and
// never fails: whatever it does not understand is shown literally.

public enum Markdown {

    /// Renders a useful subset of Markdown into styled lines wrapped at `width`.
    ///
    /// Blocks: paragraphs (a blank line separates them; single newlines are
    /// kept as line breaks), ATX headings `#`…`######` (`.heading` + `.bold`,
    /// markers removed), bullets `-`/`*`/`+` rendered as "• ", ordered items
    /// kept as "1. ", nested by leading spaces, with hanging indent, quotes
    /// `>` (prefix "│ ", `.quote`), fenced code blocks (``` or ~~~; lines kept
    /// verbatim with `.code`, hard-broken at the width, fences and language
    /// tag removed, an unclosed fence makes the rest code; an empty code line
    /// is a line with one empty `.code` span), and horizontal rules drawn as a
    /// line of "─". One empty line separates blocks that had blank lines
    /// between them in the source; leading and trailing blank lines are dropped.
    ///
    /// Inline: `code`, **bold**/__bold__, *italic*/_italic_, ***both***
    /// (delimiters need word boundaries, so snake_case and 2*3*4 stay as they
    /// are), [text](url) shown as the text with `.link` + `.underline`
    /// followed by " (url)" with `.dim` (only the URL once when the text is
    /// the URL), <https://…> and bare http(s):// URLs with `.link`, and
    /// backslash escapes. Unclosed markers are shown literally.
    ///
    /// `width` < 1 is treated as 1. Empty input gives no lines.
    public static func render(_ markdown: String, width: Int) -> [StyledLine] {
        let lines = markdown.split(omittingEmptySubsequences: false, whereSeparator: { $0.isNewline })
        return MarkdownBlocks.render(lines[...], width: max(1, width), depth: 0)
    }
}

// MARK: - Blocks

private struct MarkdownBlocks {
    static let maxQuoteDepth = 6
    static let maxListLevel = 8

    let width: Int
    let depth: Int
    var out: [StyledLine] = []
    var pendingBlank = false
    var listIndents: [Int] = []

    static func render(_ lines: ArraySlice<Substring>, width: Int, depth: Int) -> [StyledLine] {
        var r = MarkdownBlocks(width: width, depth: depth)
        r.run(lines)
        return r.out
    }

    private mutating func emit(_ lines: [StyledLine]) {
        if pendingBlank && !out.isEmpty { out.append(StyledLine()) }
        pendingBlank = false
        out.append(contentsOf: lines)
    }

    private mutating func run(_ lines: ArraySlice<Substring>) {
        var i = lines.startIndex
        let end = lines.endIndex
        while i < end {
            let (indent, rest) = Self.splitIndent(lines[i])
            if rest.isEmpty {
                pendingBlank = true
                i += 1
                continue
            }

            // Fenced code block.
            if let fence = Fence(rest) {
                i += 1
                var code: [Substring] = []
                while i < end {
                    let (_, crest) = Self.splitIndent(lines[i])
                    if fence.isClosed(by: crest) {
                        i += 1
                        break
                    }
                    code.append(Self.dropSpaces(lines[i], upTo: indent))
                    i += 1
                }
                emit(renderCode(code, indent: indent))
                continue
            }

            if indent <= 3, let heading = Self.heading(rest) {
                let spans = Inline.parse(heading, base: [.heading, .bold])
                emit(Wrapper.wrap(spans, width: width))
                listIndents = []
                i += 1
                continue
            }

            if indent <= 3, Self.isRule(rest) {
                emit([StyledLine([Span(String(repeating: "─", count: width), .dim)])])
                listIndents = []
                i += 1
                continue
            }

            if indent <= 3, rest.first == ">" {
                var inner: [Substring] = []
                var raw: [Substring] = []
                while i < end {
                    let (qi, qrest) = Self.splitIndent(lines[i])
                    guard qi <= 3, qrest.first == ">" else { break }
                    var content = qrest.dropFirst()
                    if content.first == " " { content = content.dropFirst() }
                    inner.append(content)
                    raw.append(qrest)
                    i += 1
                }
                listIndents = []
                if depth < Self.maxQuoteDepth {
                    emit(renderQuote(inner))
                } else {
                    emit(renderParagraph(raw))
                }
                continue
            }

            if let item = ListItem(rest) {
                let level = listLevel(indent)
                let contentColumn = indent + item.markerLength
                var content: [Substring] = [item.content]
                i += 1
                while i < end {
                    let (ni, nrest) = Self.splitIndent(lines[i])
                    if nrest.isEmpty {
                        // A blank line continues the item only if an indented
                        // paragraph of the item follows.
                        var j = i
                        while j < end && Self.splitIndent(lines[j]).1.isEmpty { j += 1 }
                        guard j < end else { break }
                        let (ji, jrest) = Self.splitIndent(lines[j])
                        if ji >= max(contentColumn, 1) && ListItem(jrest) == nil && Fence(jrest) == nil {
                            content.append("")
                            i = j
                            continue
                        }
                        break
                    }
                    if Self.startsBlock(nrest, indent: ni, inList: true) { break }
                    content.append(nrest)
                    i += 1
                }
                emit(renderListItem(item, level: level, content: content))
                continue
            }

            // Paragraph: lines up to a blank line or the start of another block.
            var para: [Substring] = [rest]
            i += 1
            while i < end {
                let (ni, nrest) = Self.splitIndent(lines[i])
                if nrest.isEmpty || Self.startsBlock(nrest, indent: ni, inList: false) { break }
                para.append(nrest)
                i += 1
            }
            if indent == 0 { listIndents = [] }
            emit(renderParagraph(para))
        }
    }

    private mutating func listLevel(_ indent: Int) -> Int {
        while let top = listIndents.last, top > indent { listIndents.removeLast() }
        if listIndents.last != indent { listIndents.append(indent) }
        return listIndents.count - 1
    }

    // MARK: Rendering

    private func renderParagraph(_ lines: [Substring]) -> [StyledLine] {
        let spans = Inline.parse(Self.joinLines(lines), base: [])
        return Wrapper.wrap(spans, width: width)
    }

    private func renderListItem(_ item: ListItem, level: Int, content: [Substring]) -> [StyledLine] {
        let marker = item.marker + " "
        let indent = String(repeating: " ", count: 2 * min(level, Self.maxListLevel))
        let spans = Inline.parse(Self.joinLines(content), base: [])
        return Self.wrapPrefixed(spans, width: width, first: indent + marker, attributes: [], rest: nil)
    }

    private func renderQuote(_ inner: [Substring]) -> [StyledLine] {
        let prefix = DisplayWidth.truncate("│ ", to: Self.maxPrefixWidth(width), ellipsis: "")
        let prefixWidth = DisplayWidth.of(prefix)
        let lines = MarkdownBlocks.render(inner[...], width: width - prefixWidth, depth: depth + 1)
        let bar = prefix.trimmingTrailingSpaces()
        return lines.map { line in
            if line.spans.isEmpty {
                return StyledLine(bar.isEmpty ? [] : [Span(bar, .quote)])
            }
            var spans: [Span] = prefix.isEmpty ? [] : [Span(prefix, .quote)]
            for var span in line.spans {
                span.attributes.insert(.quote)
                spans.append(span)
            }
            return StyledLine(spans)
        }
    }

    private func renderCode(_ code: [Substring], indent: Int) -> [StyledLine] {
        let prefix = String(repeating: " ", count: min(indent, 8, Self.maxPrefixWidth(width)))
        let contentWidth = width - prefix.count
        var result: [StyledLine] = []
        for line in code {
            if line.isEmpty {
                result.append(StyledLine([Span("", .code)]))
                continue
            }
            for wrapped in Wrapper.hardWrap([Span(String(line), .code)], width: contentWidth) {
                result.append(StyledLine(prefix.isEmpty ? wrapped.spans : [Span(prefix)] + wrapped.spans))
            }
        }
        return result
    }

    /// Prefixes (quote bars, list markers, indents) leave at least two
    /// columns for the content, so that a wide character fits.
    private static func maxPrefixWidth(_ width: Int) -> Int {
        max(0, width - 2)
    }

    /// Wraps `spans` at `width` minus the prefix width and prefixes the first
    /// line with `first` and the others with `rest` (spaces by default). A
    /// prefix too wide for the width is cut.
    private static func wrapPrefixed(_ spans: [Span], width: Int, first: String,
                                     attributes: TextAttributes, rest: String?) -> [StyledLine] {
        var firstPrefix = first
        if DisplayWidth.of(firstPrefix) > maxPrefixWidth(width) {
            firstPrefix = DisplayWidth.truncate(firstPrefix, to: maxPrefixWidth(width), ellipsis: "")
        }
        let prefixWidth = DisplayWidth.of(firstPrefix)
        let restPrefix = rest.map { DisplayWidth.pad($0, to: prefixWidth) }
            ?? String(repeating: " ", count: prefixWidth)
        let lines = Wrapper.wrap(spans, width: width - prefixWidth)
        var result: [StyledLine] = []
        result.reserveCapacity(lines.count)
        for (k, line) in lines.enumerated() {
            let p = k == 0 ? firstPrefix : restPrefix
            if k == 0 && line.spans.isEmpty {
                let marker = firstPrefix.trimmingTrailingSpaces()   // an empty item: no trailing space
                result.append(StyledLine(marker.isEmpty ? [] : [Span(marker, attributes)]))
            } else if p.isEmpty {
                result.append(line)
            } else if k > 0 && line.spans.isEmpty {
                result.append(line)   // an empty continuation line needs no indent
            } else {
                result.append(StyledLine([Span(p, attributes)] + line.spans))
            }
        }
        return result
    }

    // MARK: Line classification

    static func splitIndent(_ line: Substring) -> (Int, Substring) {
        var n = 0
        var idx = line.startIndex
        while idx != line.endIndex {
            let c = line[idx]
            if c == " " { n += 1 } else if c == "\t" { n += 4 - n % 4 } else { break }
            idx = line.index(after: idx)
        }
        var rest = line[idx...]
        while let last = rest.last, last == " " || last == "\t" { rest = rest.dropLast() }
        return (n, rest)
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
        if Fence(rest) != nil { return true }
        if let item = ListItem(rest) {
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

private extension String {
    func trimmingTrailingSpaces() -> String {
        var s = Substring(self)
        while s.last == " " { s = s.dropLast() }
        return String(s)
    }
}

/// An opening code fence: three or more backticks or tildes.
private struct Fence {
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
private struct ListItem {
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

// MARK: - Inline

private enum Inline {
    static func parse(_ text: some StringProtocol, base: TextAttributes) -> [Span] {
        var parser = InlineParser(Array(text.unicodeScalars), base: base, allowLinks: true)
        return parser.parse()
    }
}

private struct InlineParser {
    struct Node {
        var text: String
        var attributes: TextAttributes
        var delimiter: Int = -1      // index into `delimiters`, or -1
    }

    struct Delimiter {
        let node: Int
        let char: Unicode.Scalar
        var count: Int
        let original: Int
        let canOpen: Bool
        let canClose: Bool
    }

    static let maxURLLength = 4096

    let chars: [Unicode.Scalar]
    let base: TextAttributes
    let allowLinks: Bool
    var nodes: [Node] = []
    var delimiters: [Delimiter] = []
    var buffer = String.UnicodeScalarView()
    var noBacktickCloser = Set<Int>()    // run lengths known to have no closer further on
    var bracketMatch: [Int]? = nil       // '[' index -> matching ']' index, or -1

    init(_ chars: [Unicode.Scalar], base: TextAttributes, allowLinks: Bool) {
        self.chars = chars
        self.base = base
        self.allowLinks = allowLinks
    }

    mutating func parse() -> [Span] {
        let n = chars.count
        var i = 0
        while i < n {
            let c = chars[i]
            switch c {
            case "\\":
                if i + 1 < n, Self.isASCIIPunctuation(chars[i + 1]) {
                    buffer.append(chars[i + 1])
                    i += 2
                } else {
                    buffer.append(c)
                    i += 1
                }
            case "`":
                i = codeSpan(at: i)
            case "*", "_":
                i = delimiterRun(at: i)
            case "[":
                if allowLinks, let end = link(at: i, image: false) {
                    i = end
                } else {
                    buffer.append(c)
                    i += 1
                }
            case "!":
                if allowLinks, i + 1 < n, chars[i + 1] == "[", let end = link(at: i + 1, image: true) {
                    i = end
                } else {
                    buffer.append(c)
                    i += 1
                }
            case "<":
                if allowLinks, let end = autolink(at: i) {
                    i = end
                } else {
                    buffer.append(c)
                    i += 1
                }
            case "h":
                if allowLinks, let end = bareURL(at: i) {
                    i = end
                } else {
                    buffer.append(c)
                    i += 1
                }
            default:
                buffer.append(c)
                i += 1
            }
        }
        flush()
        return resolve()
    }

    // MARK: Nodes

    private mutating func flush() {
        guard !buffer.isEmpty else { return }
        nodes.append(Node(text: String(buffer), attributes: base))
        buffer = String.UnicodeScalarView()
    }

    private mutating func addNode(_ text: String, _ attributes: TextAttributes) {
        flush()
        nodes.append(Node(text: text, attributes: attributes))
    }

    private func string(_ range: Range<Int>) -> String {
        var view = String.UnicodeScalarView()
        view.append(contentsOf: chars[range])
        return String(view)
    }

    // MARK: Code spans

    private mutating func codeSpan(at start: Int) -> Int {
        let n = chars.count
        var runEnd = start
        while runEnd < n && chars[runEnd] == "`" { runEnd += 1 }
        let length = runEnd - start
        if !noBacktickCloser.contains(length) {
            var j = runEnd
            while j < n {
                if chars[j] == "`" {
                    var k = j
                    while k < n && chars[k] == "`" { k += 1 }
                    if k - j == length {
                        var content = Array(chars[runEnd..<j])
                        for idx in content.indices where content[idx] == "\n" { content[idx] = " " }
                        if content.count >= 2, content.first == " ", content.last == " ",
                           content.contains(where: { $0 != " " }) {
                            content.removeFirst()
                            content.removeLast()
                        }
                        var view = String.UnicodeScalarView()
                        view.append(contentsOf: content)
                        addNode(String(view), base.union(.code))
                        return k
                    }
                    j = k
                } else {
                    j += 1
                }
            }
            noBacktickCloser.insert(length)
        }
        for _ in 0..<length { buffer.append("`") }
        return runEnd
    }

    // MARK: Emphasis

    private mutating func delimiterRun(at start: Int) -> Int {
        let n = chars.count
        let c = chars[start]
        var end = start
        while end < n && chars[end] == c { end += 1 }
        let before: Unicode.Scalar? = start > 0 ? chars[start - 1] : nil
        let after: Unicode.Scalar? = end < n ? chars[end] : nil
        let beforeSpace = before.map(Self.isWhitespace) ?? true
        let afterSpace = after.map(Self.isWhitespace) ?? true
        let beforePunct = before.map(Self.isPunctuation) ?? false
        let afterPunct = after.map(Self.isPunctuation) ?? false
        let left = !afterSpace && (!afterPunct || beforeSpace || beforePunct)
        let right = !beforeSpace && (!beforePunct || afterSpace || afterPunct)
        var canOpen: Bool
        var canClose: Bool
        if c == "_" {
            canOpen = left && (!right || beforePunct)
            canClose = right && (!left || afterPunct)
        } else {
            canOpen = left
            canClose = right
            if left && right {
                // Inside a word: only between non-ASCII-alphanumerics (CJK
                // text has no spaces), never in "2*3*4" or "a*b*c".
                let alnum = Self.isASCIIAlphanumeric(before) || Self.isASCIIAlphanumeric(after)
                canOpen = !alnum
                canClose = !alnum
            }
        }
        flush()
        let count = end - start
        if canOpen || canClose {
            delimiters.append(Delimiter(node: nodes.count, char: c, count: count, original: count,
                                        canOpen: canOpen, canClose: canClose))
            nodes.append(Node(text: "", attributes: base, delimiter: delimiters.count - 1))
        } else {
            nodes.append(Node(text: String(repeating: String(c), count: count), attributes: base))
        }
        return end
    }

    /// Matches delimiter runs (the CommonMark "process emphasis" procedure)
    /// and turns the nodes into spans.
    private mutating func resolve() -> [Span] {
        var boldDelta = [Int](repeating: 0, count: nodes.count + 1)
        var italicDelta = [Int](repeating: 0, count: nodes.count + 1)
        let count = delimiters.count
        if count > 0 {
            var prev = [Int](repeating: -1, count: count)
            var next = [Int](repeating: -1, count: count)
            for k in 0..<count {
                prev[k] = k - 1
                next[k] = k + 1 < count ? k + 1 : -1
            }
            func unlink(_ k: Int) {
                let p = prev[k], nx = next[k]
                if p >= 0 { next[p] = nx }
                if nx >= 0 { prev[nx] = p }
            }
            var openersBottom = [Int](repeating: -1, count: 12)
            var current = 0
            while current >= 0 {
                let closer = delimiters[current]
                if !closer.canClose || closer.count == 0 {
                    current = next[current]
                    continue
                }
                let key = (closer.char == "*" ? 0 : 6) + (closer.canOpen ? 3 : 0) + closer.original % 3
                var o = prev[current]
                var found = -1
                while o >= 0 && o > openersBottom[key] {
                    let d = delimiters[o]
                    if d.char == closer.char && d.canOpen && d.count > 0 {
                        let oddMatch = (d.canClose || closer.canOpen)
                            && (d.original + closer.original) % 3 == 0
                            && !(d.original % 3 == 0 && closer.original % 3 == 0)
                        if !oddMatch {
                            found = o
                            break
                        }
                    }
                    o = prev[o]
                }
                if found >= 0 {
                    let use = (delimiters[found].count >= 2 && closer.count >= 2) ? 2 : 1
                    let from = delimiters[found].node + 1
                    let to = closer.node
                    if from < to {
                        if use == 2 {
                            boldDelta[from] += 1
                            boldDelta[to] -= 1
                        } else {
                            italicDelta[from] += 1
                            italicDelta[to] -= 1
                        }
                    }
                    delimiters[found].count -= use
                    delimiters[current].count -= use
                    // Delimiters between the opener and the closer can no longer match.
                    next[found] = current
                    prev[current] = found
                    if delimiters[found].count == 0 { unlink(found) }
                    if delimiters[current].count == 0 {
                        let nx = next[current]
                        unlink(current)
                        current = nx
                    }
                } else {
                    openersBottom[key] = prev[current]
                    let nx = next[current]
                    if !closer.canOpen { unlink(current) }
                    current = nx
                }
            }
        }

        var spans: [Span] = []
        var bold = 0
        var italic = 0
        for (k, node) in nodes.enumerated() {
            bold += boldDelta[k]
            italic += italicDelta[k]
            var text = node.text
            if node.delimiter >= 0 {
                let d = delimiters[node.delimiter]
                text = String(repeating: String(d.char), count: d.count)
            }
            if text.isEmpty { continue }
            var attributes = node.attributes
            if bold > 0 { attributes.insert(.bold) }
            if italic > 0 { attributes.insert(.italic) }
            if let last = spans.indices.last, spans[last].attributes == attributes {
                spans[last].text += text
            } else {
                spans.append(Span(text, attributes))
            }
        }
        return spans
    }

    // MARK: Links

    /// Parses `[text](url)` (or `![alt](url)`) with `[` at `open`; on success
    /// adds its nodes and returns the index after it.
    private mutating func link(at open: Int, image: Bool) -> Int? {
        if bracketMatch == nil { bracketMatch = matchBrackets() }
        guard let matches = bracketMatch, open < matches.count else { return nil }
        let close = matches[open]
        let n = chars.count
        guard close > open, close + 1 < n, chars[close + 1] == "(" else { return nil }
        var k = close + 2
        while k < n && (chars[k] == " " || chars[k] == "\n") { k += 1 }
        var url = String.UnicodeScalarView()
        let limit = min(n, k + Self.maxURLLength)
        if k < n && chars[k] == "<" {
            k += 1
            while k < limit && chars[k] != ">" && chars[k] != "\n" && chars[k] != "<" {
                url.append(chars[k])
                k += 1
            }
            guard k < limit, chars[k] == ">" else { return nil }
            k += 1
        } else {
            var depth = 0
            while k < limit {
                let c = chars[k]
                if Self.isWhitespace(c) { break }
                if c == "\\", k + 1 < n, Self.isASCIIPunctuation(chars[k + 1]) {
                    url.append(chars[k + 1])
                    k += 2
                    continue
                }
                if c == "(" { depth += 1 }
                if c == ")" {
                    if depth == 0 { break }
                    depth -= 1
                }
                url.append(c)
                k += 1
            }
            guard k < limit else { return nil }
        }
        while k < n && (chars[k] == " " || chars[k] == "\n") { k += 1 }
        // Optional title: "…", '…' or (…); it is not shown.
        if k < n, chars[k] == "\"" || chars[k] == "'" || (chars[k] == "(" && k > close + 2) {
            let closing: Unicode.Scalar = chars[k] == "(" ? ")" : chars[k]
            var t = k + 1
            while t < limit && chars[t] != closing { t += 1 }
            guard t < limit else { return nil }
            k = t + 1
            while k < n && (chars[k] == " " || chars[k] == "\n") { k += 1 }
        }
        guard k < n, chars[k] == ")" else { return nil }

        let urlString = String(url)
        let linkAttributes = base.union([.link, .underline])
        var inner = InlineParser(Array(chars[(open + 1)..<close]), base: linkAttributes, allowLinks: false)
        let textSpans = inner.parse()
        var plain = ""
        for span in textSpans { plain += span.text }

        // An image is shown like a link, labelled with its alt text.
        flush()
        if textSpans.isEmpty || plain.allSatisfy({ $0 == " " }) {
            if !urlString.isEmpty { addNode(urlString, linkAttributes) }
        } else {
            for span in textSpans { addNode(span.text, span.attributes) }
            if !urlString.isEmpty && plain != urlString {
                addNode(" (" + urlString + ")", base.union(.dim))
            }
        }
        return k + 1
    }

    /// For each `[`, the index of its matching `]` (nesting respected,
    /// backslash-escaped brackets ignored), or -1.
    private func matchBrackets() -> [Int] {
        var result = [Int](repeating: -1, count: chars.count)
        var stack: [Int] = []
        var k = 0
        let n = chars.count
        while k < n {
            let c = chars[k]
            if c == "\\" {
                k += 2
                continue
            }
            if c == "[" {
                stack.append(k)
            } else if c == "]", let top = stack.popLast() {
                result[top] = k
            }
            k += 1
        }
        return result
    }

    /// `<http://…>`, `<https://…>` or `<mailto:…>`.
    private mutating func autolink(at open: Int) -> Int? {
        let n = chars.count
        let limit = min(n, open + 1 + Self.maxURLLength)
        var k = open + 1
        while k < limit {
            let c = chars[k]
            if c == ">" { break }
            if c == "<" || Self.isWhitespace(c) { return nil }
            k += 1
        }
        guard k < limit, chars[k] == ">" else { return nil }
        let url = string((open + 1)..<k)
        guard url.hasPrefix("http://") || url.hasPrefix("https://") || url.hasPrefix("mailto:"),
              url.unicodeScalars.count > 8 || url.hasPrefix("mailto:") else { return nil }
        addNode(url, base.union(.link))
        return k + 1
    }

    /// A bare `http://` or `https://` URL starting at `start`.
    private mutating func bareURL(at start: Int) -> Int? {
        let n = chars.count
        if start > 0 {
            let p = chars[start - 1]
            if Self.isASCIIAlphanumeric(p) || p == "/" || p == "." || p == "@" { return nil }
        }
        var schemeLength = 0
        if hasPrefix("https://", at: start) {
            schemeLength = 8
        } else if hasPrefix("http://", at: start) {
            schemeLength = 7
        } else {
            return nil
        }
        var end = start + schemeLength
        let limit = min(n, start + Self.maxURLLength)
        while end < limit {
            let c = chars[end]
            if Self.isWhitespace(c) || c == "<" || c == ">" || c == "\"" || c == "`" || c.value < 0x20 { break }
            end += 1
        }
        // Trailing punctuation is not part of the URL (GFM autolink rules);
        // a closing parenthesis or bracket only if unbalanced.
        var parens = 0, brackets = 0   // closing minus opening
        for c in chars[start..<end] {
            switch c {
            case "(": parens -= 1
            case ")": parens += 1
            case "[": brackets -= 1
            case "]": brackets += 1
            default: break
            }
        }
        while end > start + schemeLength {
            let last = chars[end - 1]
            if "?!.,:;*_~'".unicodeScalars.contains(last) {
                end -= 1
            } else if last == ")" && parens > 0 {
                parens -= 1
                end -= 1
            } else if last == "]" && brackets > 0 {
                brackets -= 1
                end -= 1
            } else {
                break
            }
        }
        guard end > start + schemeLength else { return nil }
        addNode(string(start..<end), base.union(.link))
        return end
    }

    private func hasPrefix(_ prefix: String, at start: Int) -> Bool {
        var k = start
        for p in prefix.unicodeScalars {
            guard k < chars.count, chars[k] == p else { return false }
            k += 1
        }
        return true
    }

    // MARK: Character classes

    static func isWhitespace(_ c: Unicode.Scalar) -> Bool {
        switch c.value {
        case 0x20, 0x09, 0x0A, 0x0B, 0x0C, 0x0D: return true
        case 0..<0x80: return false
        default: return c.properties.isWhitespace
        }
    }

    static func isASCIIPunctuation(_ c: Unicode.Scalar) -> Bool {
        switch c.value {
        case 0x21...0x2F, 0x3A...0x40, 0x5B...0x60, 0x7B...0x7E: return true
        default: return false
        }
    }

    static func isPunctuation(_ c: Unicode.Scalar) -> Bool {
        if c.value < 0x80 { return isASCIIPunctuation(c) }
        switch c.properties.generalCategory {
        case .connectorPunctuation, .dashPunctuation, .openPunctuation, .closePunctuation,
             .initialPunctuation, .finalPunctuation, .otherPunctuation,
             .mathSymbol, .currencySymbol, .modifierSymbol, .otherSymbol:
            return true
        default:
            return false
        }
    }

    static func isASCIIAlphanumeric(_ c: Unicode.Scalar?) -> Bool {
        guard let v = c?.value else { return false }
        return (0x30...0x39).contains(v) || (0x41...0x5A).contains(v) || (0x61...0x7A).contains(v)
    }
}
