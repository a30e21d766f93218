// Inline Markdown: code spans, emphasis (CommonMark delimiter runs), escapes.

// MARK: - Inline

enum MDInline {
    /// `budgetBytes`: the length the link budget is reckoned from (default: the text's).
    static func parse(_ text: some StringProtocol, base: TextAttributes, budgetBytes: Int? = nil) -> [Span] {
        var parser = MDInlineParser(Array(text.utf8), base: base, allowLinks: true,
                                    urlBudget: budgetBytes.map { 4 * $0 + 4096 })
        return parser.parse()
    }
}

/// Inline Markdown parser working on UTF-8 bytes (all syntax characters are
/// ASCII; text is copied out in runs).
struct MDInlineParser {
    struct Node {
        var text: String
        var attributes: TextAttributes
        var delimiter: Int = -1      // index into `delimiters`, or -1
    }

    struct Delimiter {
        let node: Int
        let char: UInt8
        var count: Int
        let original: Int
        let canOpen: Bool
        let canClose: Bool
    }

    static let maxURLLength = 4096

    let bytes: [UInt8]
    let base: TextAttributes
    let allowLinks: Bool
    var nodes: [Node] = []
    var delimiters: [Delimiter] = []
    var pending: [UInt8] = []            // literal text gathered for the next text node
    var runStart = 0                     // start of literal bytes not yet copied to `pending`
    var noBacktickCloser = Set<Int>()    // run lengths known to have no closer further on
    var bracketMatch: [Int32]? = nil     // '[' index -> matching ']' index, or -1
    /// Bytes that link and URL scanning may still look at, so that hostile
    /// input ("[a](" repeated) stays linear; when spent, links render literally.
    var urlBudget: Int

    init(_ bytes: [UInt8], base: TextAttributes, allowLinks: Bool, urlBudget: Int?) {
        self.bytes = bytes
        self.base = base
        self.allowLinks = allowLinks
        self.urlBudget = urlBudget ?? (4 * bytes.count + 4096)
    }

    mutating func parse() -> [Span] {
        let n = bytes.count
        var i = 0
        while i < n {
            let c = bytes[i]
            switch c {
            case UInt8(ascii: "\\"):
                if i + 1 < n, Self.isASCIIPunctuation(bytes[i + 1]) {
                    takeRun(upTo: i)
                    pending.append(bytes[i + 1])
                    i += 2
                    runStart = i
                } else if i + 1 < n, bytes[i + 1] == 0x0A {
                    // A backslash at the end of a line marks a hard line break.
                    takeRun(upTo: i)
                    i += 1
                    runStart = i
                } else {
                    i += 1
                }
            case UInt8(ascii: "`"):
                i = codeSpan(at: i)
            case UInt8(ascii: "*"), UInt8(ascii: "_"):
                i = delimiterRun(at: i)
            case UInt8(ascii: "["):
                i = link(at: i, image: false) ?? (i + 1)
            case UInt8(ascii: "!"):
                if i + 1 < n, bytes[i + 1] == UInt8(ascii: "["), let end = link(at: i + 1, image: true, start: i) {
                    i = end
                } else {
                    i += 1
                }
            case UInt8(ascii: "<"):
                i = autolink(at: i) ?? (i + 1)
            case UInt8(ascii: "h"):
                i = bareURL(at: i) ?? (i + 1)
            default:
                i += 1
            }
        }
        flushText(upTo: n)
        return resolve()
    }

    // MARK: Text

    mutating func takeRun(upTo end: Int) {
        if runStart < end { pending.append(contentsOf: bytes[runStart..<end]) }
        runStart = end
    }

    /// Ends the current text node at `end`.
    mutating func flushText(upTo end: Int) {
        if pending.isEmpty {
            if runStart < end {
                nodes.append(Node(text: String(decoding: bytes[runStart..<end], as: UTF8.self), attributes: base))
            }
        } else {
            pending.append(contentsOf: bytes[runStart..<end])
            nodes.append(Node(text: String(decoding: pending, as: UTF8.self), attributes: base))
            pending.removeAll(keepingCapacity: true)
        }
        runStart = end
    }

    /// Adds a node for input ending at `resume`, text before `start` first.
    mutating func addNode(_ text: String, _ attributes: TextAttributes, start: Int, resume: Int) {
        flushText(upTo: start)
        if !text.isEmpty { nodes.append(Node(text: text, attributes: attributes)) }
        runStart = resume
    }

    func string(_ range: Range<Int>) -> String {
        String(decoding: bytes[range], as: UTF8.self)
    }

    // MARK: Code spans

    mutating func codeSpan(at start: Int) -> Int {
        let n = bytes.count
        let tick = UInt8(ascii: "`")
        var runEnd = start
        while runEnd < n && bytes[runEnd] == tick { runEnd += 1 }
        let length = runEnd - start
        if noBacktickCloser.contains(length) { return runEnd }
        var j = runEnd
        while j < n {
            if bytes[j] == tick {
                var k = j
                while k < n && bytes[k] == tick { k += 1 }
                if k - j == length {
                    var content = Array(bytes[runEnd..<j])
                    for idx in content.indices where content[idx] == 0x0A { content[idx] = 0x20 }
                    if content.count >= 2, content.first == 0x20, content.last == 0x20,
                       content.contains(where: { $0 != 0x20 }) {
                        content.removeFirst()
                        content.removeLast()
                    }
                    addNode(String(decoding: content, as: UTF8.self), base.union(.code), start: start, resume: k)
                    return k
                }
                j = k
            } else {
                j += 1
            }
        }
        noBacktickCloser.insert(length)
        return runEnd   // unmatched: the backticks stay literal
    }

    // MARK: Emphasis

    mutating func delimiterRun(at start: Int) -> Int {
        let n = bytes.count
        let c = bytes[start]
        var end = start
        while end < n && bytes[end] == c { end += 1 }
        let before = scalar(before: start)
        let after = scalar(at: end)
        let beforeSpace = before.map(Self.isWhitespace) ?? true
        let afterSpace = after.map(Self.isWhitespace) ?? true
        let beforePunct = before.map(Self.isPunctuation) ?? false
        let afterPunct = after.map(Self.isPunctuation) ?? false
        let left = !afterSpace && (!afterPunct || beforeSpace || beforePunct)
        let right = !beforeSpace && (!beforePunct || afterSpace || afterPunct)
        var canOpen: Bool
        var canClose: Bool
        if c == UInt8(ascii: "_") {
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
        guard canOpen || canClose else { return end }   // literal
        flushText(upTo: start)
        let count = end - start
        delimiters.append(Delimiter(node: nodes.count, char: c, count: count, original: count,
                                    canOpen: canOpen, canClose: canClose))
        nodes.append(Node(text: "", attributes: base, delimiter: delimiters.count - 1))
        runStart = end
        return end
    }

    /// Matches delimiter runs (the CommonMark "process emphasis" procedure)
    /// and turns the nodes into spans.
    mutating func resolve() -> [Span] {
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
                let key = (closer.char == UInt8(ascii: "*") ? 0 : 6) + (closer.canOpen ? 3 : 0) + closer.original % 3
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
                text = String(repeating: String(UnicodeScalar(d.char)), count: d.count)
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

}
