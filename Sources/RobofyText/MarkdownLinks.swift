// Inline Markdown links: [text](url), images, <autolinks>, bare URLs; UTF-8 and
// character-class helpers of the inline parser.

extension MDInlineParser {
    // MARK: Links

    /// Parses `[text](url)` (or `![alt](url)`, starting at `start`) with `[`
    /// at `open`; on success adds its nodes and returns the index after it.
    mutating func link(at open: Int, image: Bool, start: Int? = nil) -> Int? {
        guard allowLinks, urlBudget > 0, bytes.count < Int(Int32.max) else { return nil }
        if bracketMatch == nil { bracketMatch = matchBrackets() }
        guard let matches = bracketMatch, open < matches.count else { return nil }
        let close = Int(matches[open])
        let n = bytes.count
        guard close > open, close + 1 < n, bytes[close + 1] == UInt8(ascii: "(") else { return nil }
        let limit = min(n, close + 2 + Self.maxURLLength, close + 2 + urlBudget)
        var k = close + 2
        while k < limit && (bytes[k] == 0x20 || bytes[k] == 0x0A) { k += 1 }
        var urlRange = k..<k
        var escaped = false
        if k < limit && bytes[k] == UInt8(ascii: "<") {
            k += 1
            let urlStart = k
            while k < limit && bytes[k] != UInt8(ascii: ">") && bytes[k] != 0x0A && bytes[k] != UInt8(ascii: "<") {
                k += 1
            }
            guard k < limit, bytes[k] == UInt8(ascii: ">") else { return spend(k - open) }
            urlRange = urlStart..<k
            k += 1
        } else {
            let urlStart = k
            var depth = 0
            while k < limit {
                let c = bytes[k]
                if c <= 0x20 { break }
                if c == UInt8(ascii: "\\"), k + 1 < n, Self.isASCIIPunctuation(bytes[k + 1]) {
                    escaped = true
                    k += 2
                    continue
                }
                if c == UInt8(ascii: "(") { depth += 1 }
                if c == UInt8(ascii: ")") {
                    if depth == 0 { break }
                    depth -= 1
                }
                k += 1
            }
            guard k < limit else { return spend(k - open) }
            urlRange = urlStart..<min(k, n)
        }
        while k < limit && (bytes[k] == 0x20 || bytes[k] == 0x0A) { k += 1 }
        // Optional title: "…", '…' or (…); it is not shown.
        if k < limit, k > urlRange.upperBound,
           bytes[k] == UInt8(ascii: "\"") || bytes[k] == UInt8(ascii: "'") || bytes[k] == UInt8(ascii: "(") {
            let closing = bytes[k] == UInt8(ascii: "(") ? UInt8(ascii: ")") : bytes[k]
            var t = k + 1
            while t < limit && bytes[t] != closing { t += 1 }
            guard t < limit else { return spend(t - open) }
            k = t + 1
            while k < limit && (bytes[k] == 0x20 || bytes[k] == 0x0A) { k += 1 }
        }
        guard k < limit, bytes[k] == UInt8(ascii: ")") else { return spend(k - open) }
        urlBudget -= k - open

        var url: String
        if escaped {
            var unescaped: [UInt8] = []
            var u = urlRange.lowerBound
            while u < urlRange.upperBound {
                if bytes[u] == UInt8(ascii: "\\"), u + 1 < urlRange.upperBound, Self.isASCIIPunctuation(bytes[u + 1]) {
                    u += 1
                }
                unescaped.append(bytes[u])
                u += 1
            }
            url = String(decoding: unescaped, as: UTF8.self)
        } else {
            url = string(urlRange)
        }
        url = Sanitizer.clean(url, allowNewlines: false)

        let linkAttributes = base.union([.link, .underline])
        var inner = MDInlineParser(Array(bytes[(open + 1)..<close]), base: linkAttributes, allowLinks: false,
                                 urlBudget: 0)
        let textSpans = inner.parse()
        var plain = ""
        for span in textSpans { plain += span.text }

        // An image is shown like a link, labelled with its alt text.
        flushText(upTo: start ?? open)
        if textSpans.isEmpty || plain.allSatisfy({ $0 == " " }) {
            if !url.isEmpty { nodes.append(Node(text: url, attributes: linkAttributes)) }
        } else {
            for span in textSpans { nodes.append(Node(text: span.text, attributes: span.attributes)) }
            if !url.isEmpty && plain != url {
                nodes.append(Node(text: " (" + url + ")", attributes: base.union(.dim)))
            }
        }
        runStart = k + 1
        return k + 1
    }

    /// Charges a failed scan to the budget.
    mutating func spend(_ scanned: Int) -> Int? {
        urlBudget -= max(1, scanned)
        return nil
    }

    /// For each `[`, the index of its matching `]` (nesting respected,
    /// backslash-escaped brackets ignored), or -1.
    func matchBrackets() -> [Int32] {
        var result = [Int32](repeating: -1, count: bytes.count)
        var stack: [Int] = []
        var k = 0
        let n = bytes.count
        while k < n {
            let c = bytes[k]
            if c == UInt8(ascii: "\\") {
                k += 2
                continue
            }
            if c == UInt8(ascii: "[") {
                stack.append(k)
            } else if c == UInt8(ascii: "]"), let top = stack.popLast() {
                result[top] = Int32(truncatingIfNeeded: k)
            }
            k += 1
        }
        return result
    }

    /// `<http://…>`, `<https://…>` or `<mailto:…>`.
    mutating func autolink(at open: Int) -> Int? {
        guard allowLinks, urlBudget > 0 else { return nil }
        guard hasPrefix("http://", at: open + 1) || hasPrefix("https://", at: open + 1)
                || hasPrefix("mailto:", at: open + 1) else { return nil }
        let n = bytes.count
        let limit = min(n, open + 1 + Self.maxURLLength, open + 1 + urlBudget)
        var k = open + 1
        while k < limit {
            let c = bytes[k]
            if c == UInt8(ascii: ">") { break }
            if c == UInt8(ascii: "<") || c <= 0x20 { return spend(k - open) }
            k += 1
        }
        guard k < limit, bytes[k] == UInt8(ascii: ">") else { return spend(k - open) }
        urlBudget -= k - open
        let url = string((open + 1)..<k)
        guard url.utf8.count > 8 || url.hasPrefix("mailto:") else { return nil }
        addNode(Sanitizer.clean(url, allowNewlines: false), base.union(.link), start: open, resume: k + 1)
        return k + 1
    }

    /// A bare `http://` or `https://` URL starting at `start`.
    mutating func bareURL(at start: Int) -> Int? {
        guard allowLinks, urlBudget > 0 else { return nil }
        if start > 0 {
            let p = bytes[start - 1]
            if Self.isASCIIAlphanumeric(p) || p == UInt8(ascii: "/") || p == UInt8(ascii: ".") || p == UInt8(ascii: "@") {
                return nil
            }
        }
        var schemeLength = 0
        if hasPrefix("https://", at: start) {
            schemeLength = 8
        } else if hasPrefix("http://", at: start) {
            schemeLength = 7
        } else {
            return nil
        }
        let n = bytes.count
        var end = start + schemeLength
        let limit = min(n, start + Self.maxURLLength)
        while end < limit {
            let c = bytes[end]
            if c <= 0x20 || c == UInt8(ascii: "<") || c == UInt8(ascii: ">") || c == UInt8(ascii: "\"")
                || c == UInt8(ascii: "`") || c == 0x7F {
                break
            }
            if c >= 0x80, let s = scalar(at: end), Self.isWhitespace(s) || Self.isCJKPunctuation(s) { break }
            end += 1
        }
        urlBudget -= end - start
        // Trailing punctuation is not part of the URL (GFM autolink rules);
        // a closing parenthesis or bracket only if unbalanced.
        var parens = 0, brackets = 0   // closing minus opening
        for c in bytes[start..<end] {
            switch c {
            case UInt8(ascii: "("): parens -= 1
            case UInt8(ascii: ")"): parens += 1
            case UInt8(ascii: "["): brackets -= 1
            case UInt8(ascii: "]"): brackets += 1
            default: break
            }
        }
        while end > start + schemeLength {
            let last = bytes[end - 1]
            switch last {
            case UInt8(ascii: "?"), UInt8(ascii: "!"), UInt8(ascii: "."), UInt8(ascii: ","), UInt8(ascii: ":"),
                 UInt8(ascii: ";"), UInt8(ascii: "*"), UInt8(ascii: "_"), UInt8(ascii: "~"), UInt8(ascii: "'"):
                end -= 1
                continue
            case UInt8(ascii: ")") where parens > 0:
                parens -= 1
                end -= 1
                continue
            case UInt8(ascii: "]") where brackets > 0:
                brackets -= 1
                end -= 1
                continue
            default:
                break
            }
            break
        }
        guard end > start + schemeLength else { return nil }
        addNode(string(start..<end), base.union(.link), start: start, resume: end)
        return end
    }

    func hasPrefix(_ prefix: StaticString, at start: Int) -> Bool {
        let count = prefix.utf8CodeUnitCount
        guard start + count <= bytes.count else { return false }
        return prefix.withUTF8Buffer { p in
            for k in 0..<count where bytes[start + k] != p[k] { return false }
            return true
        }
    }

    // MARK: UTF-8 helpers

    /// The scalar starting at byte `i`, nil at the end (input is valid UTF-8).
    func scalar(at i: Int) -> Unicode.Scalar? {
        UTF8Scalars.scalar(in: bytes, at: i)?.scalar
    }

    /// The scalar ending just before byte `i`, nil at the start.
    func scalar(before i: Int) -> Unicode.Scalar? {
        guard i > 0 else { return nil }
        var s = i - 1
        while s > 0 && i - s < 4 && bytes[s] & 0xC0 == 0x80 { s -= 1 }
        return scalar(at: s)
    }

    // MARK: Character classes

    static func isWhitespace(_ c: Unicode.Scalar) -> Bool {
        switch c.value {
        case 0x20, 0x09, 0x0A, 0x0B, 0x0C, 0x0D: return true
        case 0..<0x80: return false
        default: return c.properties.isWhitespace
        }
    }

    static func isASCIIPunctuation(_ c: UInt8) -> Bool {
        switch c {
        case 0x21...0x2F, 0x3A...0x40, 0x5B...0x60, 0x7B...0x7E: return true
        default: return false
        }
    }

    static func isPunctuation(_ c: Unicode.Scalar) -> Bool {
        if c.value < 0x80 { return isASCIIPunctuation(UInt8(c.value)) }
        switch c.properties.generalCategory {
        case .connectorPunctuation, .dashPunctuation, .openPunctuation, .closePunctuation,
             .initialPunctuation, .finalPunctuation, .otherPunctuation,
             .mathSymbol, .currencySymbol, .modifierSymbol, .otherSymbol:
            return true
        default:
            return false
        }
    }

    /// Ideographic punctuation that ends a bare URL in CJK text ("、", "。", "（", …).
    static func isCJKPunctuation(_ c: Unicode.Scalar) -> Bool {
        (0x3000...0x303F).contains(c.value) || (0xFF00...0xFF0F).contains(c.value)
            || (0xFF1A...0xFF20).contains(c.value) || (0xFF3B...0xFF40).contains(c.value)
            || (0xFF5B...0xFF65).contains(c.value)
    }

    static func isASCIIAlphanumeric(_ c: UInt8) -> Bool {
        (0x30...0x39).contains(c) || (0x41...0x5A).contains(c) || (0x61...0x7A).contains(c)
    }

    static func isASCIIAlphanumeric(_ c: Unicode.Scalar?) -> Bool {
        guard let v = c?.value, v < 0x80 else { return false }
        return isASCIIAlphanumeric(UInt8(v))
    }
}
