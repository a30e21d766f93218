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
        let width = max(1, min(width, Wrapper.maxWidth))
        return MDBlocks.render(MDBlocks.splitLines(markdown)[...], width: width, depth: 0)
    }
}

// MARK: - Blocks

struct MDBlocks {
    static let maxQuoteDepth = 6
    static let maxListLevel = 8

    let width: Int
    let depth: Int
    var out: [StyledLine] = []
    var pendingBlank = false
    var listIndents: [Int] = []
    /// Lines were output before `out` (a resumed render, see `MarkdownStream`).
    var hasEarlierOutput = false
    /// Record checkpoints (the top level of a `MarkdownStream` render).
    var recording = false
    /// Lines before this index can no longer change (for checkpoints).
    var finalLines = 0
    /// The last line index a list item looked ahead to (for checkpoints).
    var lookahead = -1
    /// The latest checkpoint: resuming at `line` with `state` continues this render
    /// exactly, and the first `final` lines of `out` can no longer change.
    var checkpoint: (line: Int, final: Int, state: MDResumeState)?

    static func render(_ lines: ArraySlice<Substring>, width: Int, depth: Int) -> [StyledLine] {
        var r = MDBlocks(width: width, depth: depth)
        r.run(lines)
        return r.out
    }

    mutating func emit(_ lines: [StyledLine]) {
        if pendingBlank && (!out.isEmpty || hasEarlierOutput) { out.append(StyledLine()) }
        pendingBlank = false
        out.append(contentsOf: lines)
    }

    // MARK: Checkpoints (streaming)

    /// Notes that the render could resume at block start `i`. Every line examined so
    /// far must be final: the block before `i` was ended by looking at line `i`.
    mutating func blockCheckpoint(_ i: Int) {
        guard recording, max(i, lookahead) < finalLines else { return }
        checkpoint = (i, out.count, MDResumeState(pendingBlank: pendingBlank, listIndents: listIndents,
                                                  hasEarlierOutput: hasEarlierOutput || !out.isEmpty, mode: .block))
    }

    /// Notes that the render could resume at block start `i` after a block that ends with its
    /// own line (a heading, a rule): line `i` itself need not be final, as nothing before it
    /// was decided by looking at it.
    mutating func blockCheckpoint(after i: Int) {
        guard recording, max(i - 1, lookahead) < finalLines else { return }
        checkpoint = (i, out.count, MDResumeState(pendingBlank: pendingBlank, listIndents: listIndents,
                                                  hasEarlierOutput: hasEarlierOutput || !out.isEmpty, mode: .block))
    }

    /// Notes that the render could resume inside a paragraph or code block at line
    /// `i` (lines before `i` consumed and complete); `rendered` lines of the block
    /// are final. The block's own emit adds a pending blank line first.
    mutating func innerCheckpoint(_ i: Int, rendered: Int, mode: MDResumeState.Mode) {
        guard recording, max(i - 1, lookahead) < finalLines else { return }
        let blank = pendingBlank && (!out.isEmpty || hasEarlierOutput) ? 1 : 0
        let final = out.count + blank + rendered
        checkpoint = (i, final, MDResumeState(pendingBlank: false, listIndents: listIndents,
                                              hasEarlierOutput: hasEarlierOutput || final > 0, mode: mode))
    }

    /// A paragraph line without inline syntax (no `\\`, backtick, `*`, `_`, `[`, `<` or
    /// "://"): its inline parse is the text itself, nothing after it can pair with
    /// anything in it, and it spends no link budget. Leading lines like these render
    /// the same one by one as together with the rest of their paragraph.
    static func isPlain(_ line: Substring) -> Bool {
        if let plain = line.utf8.withContiguousStorageIfAvailable({ isPlain(bytes: $0) }) { return plain }
        return isPlain(bytes: Array(line.utf8))
    }

    /// The bytes `isPlain` looks at (\ ` * _ [ < :): a line without any is plain.
    @inline(__always) static func isPlainBreaker(_ b: UInt8) -> Bool {
        switch b {
        case 0x5C, 0x60, 0x2A, 0x5F, 0x5B, 0x3C, 0x3A: return true
        default: return false
        }
    }

    /// Some byte of the word is one `isPlain` looks at (`isPlainBreaker`).
    @inline(__always) static func hasPlainBreaker(_ x: UInt64) -> Bool {
        ByteWords.has(x, 0x5C) || ByteWords.has(x, 0x60) || ByteWords.has(x, 0x2A) || ByteWords.has(x, 0x5F)
            || ByteWords.has(x, 0x5B) || ByteWords.has(x, 0x3C) || ByteWords.has(x, 0x3A)
    }

    static func isPlain(bytes: some Collection<UInt8>) -> Bool {
        var colons = 0
        for b in bytes {
            switch b {
            case UInt8(ascii: ":"):
                colons = 1
            case UInt8(ascii: "/"):
                if colons >= 1 {
                    if colons == 2 { return false }
                    colons = 2
                }
            default:
                if isPlainBreaker(b) { return false }
                colons = 0
            }
        }
        return true
    }

    /// A paragraph while streaming: its leading plain lines are rendered one by one,
    /// so that a checkpoint can fall between them. Same lines as `renderParagraph`.
    mutating func streamParagraph(_ lines: ArraySlice<Substring>, from start: Int, first: Substring?,
                                          joinedBefore: Int) -> Int {
        var i = start
        let end = lines.endIndex
        var rendered: [StyledLine] = []
        var rest: [Substring] = []
        var joined = joinedBefore   // bytes of the paragraph before `rest`, with their line breaks
        func add(_ line: Substring) {
            if rest.isEmpty && Self.isPlain(line) {
                rendered.append(contentsOf: Wrapper.wrap([Span(String(line))], width: width))
                joined += line.utf8.count + 1
            } else {
                rest.append(line)
            }
        }
        if let first {
            add(first)
            i += 1
        }
        while i < end {
            if rest.isEmpty { innerCheckpoint(i, rendered: rendered.count, mode: .paragraph(joinedBytes: joined)) }
            let (ni, nrest) = Self.splitIndent(lines[i])
            if nrest.isEmpty || Self.startsBlock(nrest, indent: ni, inList: false) { break }
            add(nrest)
            i += 1
        }
        if !rest.isEmpty {
            let text = Self.joinLines(rest)
            // The link budget of the whole paragraph, as `renderParagraph` would give it.
            let spans = MDInline.parse(text, base: [], budgetBytes: joined + text.utf8.count)
            rendered.append(contentsOf: Wrapper.wrap(spans, width: width))
        }
        emit(rendered)
        return i
    }

    /// A fenced code block: each line is rendered as it is read (code lines render on
    /// their own), so that while streaming a checkpoint can fall between them.
    mutating func streamFence(_ lines: ArraySlice<Substring>, from start: Int, fence: MDFence,
                                      indent: Int) -> Int {
        var i = start
        let end = lines.endIndex
        var rendered: [StyledLine] = []
        while i < end {
            innerCheckpoint(i, rendered: rendered.count, mode: .fence(fence, indent: indent))
            let (_, crest) = Self.splitIndent(lines[i])
            if fence.isClosed(by: crest) {
                i += 1
                break
            }
            rendered.append(contentsOf: renderCode([Self.dropSpaces(lines[i], upTo: indent)], indent: indent))
            i += 1
        }
        emit(rendered)
        return i
    }

    mutating func run(_ lines: ArraySlice<Substring>, resume: MDResumeState.Mode = .block) {
        var i = lines.startIndex
        let end = lines.endIndex
        switch resume {
        case .block: break
        case .paragraph(let joined): i = streamParagraph(lines, from: i, first: nil, joinedBefore: joined)
        case .fence(let fence, let indent): i = streamFence(lines, from: i, fence: fence, indent: indent)
        case .quote(let inner, let restOfLine): i = quote(lines, from: i, resume: inner, restOfLine: restOfLine)
        case .item(let item): i = streamItem(lines, from: i, item, first: nil)
        }
        while i < end {
            blockCheckpoint(i)
            let (indent, rest) = Self.splitIndent(lines[i])
            if rest.isEmpty {
                pendingBlank = true
                i += 1
                continue
            }

            // Fenced code block.
            if let fence = MDFence(rest) {
                // Code lines render one by one (checkpoints between them when streaming).
                i = streamFence(lines, from: i + 1, fence: fence, indent: indent)
                continue
            }

            if indent <= 3, let heading = Self.heading(rest) {
                let spans = MDInline.parse(heading, base: [.heading, .bold])
                emit(Wrapper.wrap(spans, width: width))
                listIndents = []
                i += 1
                blockCheckpoint(after: i)
                continue
            }

            if indent <= 3, Self.isRule(rest) {
                emit([StyledLine([Span(String(repeating: "─", count: width), .dim)])])
                listIndents = []
                i += 1
                blockCheckpoint(after: i)
                continue
            }

            if indent <= 3, rest.first == ">" {
                i = quote(lines, from: i, resume: nil)
                continue
            }

            if let item = MDListItem(rest) {
                let level = listLevel(indent)
                let contentColumn = indent + item.markerLength
                if recording {
                    // Content lines render one by one (checkpoints between them when streaming).
                    let prefix = Self.itemPrefix(item, level: level, width: width)
                    let x = MDItemResume(firstPrefix: prefix, contentColumn: contentColumn, started: false, joinedBytes: 0)
                    i = streamItem(lines, from: i + 1, x, first: item.content)
                    continue
                }
                var content: [Substring] = [item.content]
                i += 1
                while i < end {
                    let (ni, nrest) = Self.splitIndent(lines[i])
                    if nrest.isEmpty {
                        guard let j = itemGoesOn(lines, afterBlankAt: i, contentColumn: contentColumn) else { break }
                        content.append("")
                        i = j
                        continue
                    }
                    if Self.startsBlock(nrest, indent: ni, inList: true) { break }
                    content.append(nrest)
                    i += 1
                }
                emit(renderListItem(item, level: level, content: content))
                continue
            }

            // Paragraph: lines up to a blank line or the start of another block.
            if recording {
                if indent == 0 { listIndents = [] }
                i = streamParagraph(lines, from: i, first: rest, joinedBefore: 0)
                continue
            }
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

    mutating func listLevel(_ indent: Int) -> Int {
        while let top = listIndents.last, top > indent { listIndents.removeLast() }
        if listIndents.last != indent { listIndents.append(indent) }
        return listIndents.count - 1
    }

    // MARK: Rendering

    func renderParagraph(_ lines: [Substring]) -> [StyledLine] {
        let spans = MDInline.parse(Self.joinLines(lines), base: [])
        return Wrapper.wrap(spans, width: width)
    }

    func renderListItem(_ item: MDListItem, level: Int, content: [Substring]) -> [StyledLine] {
        let marker = item.marker + " "
        let indent = String(repeating: " ", count: 2 * min(level, Self.maxListLevel))
        let spans = MDInline.parse(Self.joinLines(content), base: [])
        return Self.wrapPrefixed(spans, width: width, first: indent + marker, attributes: [], rest: nil)
    }

    /// A blank line at `i` continues a list item only if an indented paragraph of the item
    /// follows: the line where it goes on, or nil (the item ends). Looks ahead past the blank
    /// lines (`lookahead`).
    mutating func itemGoesOn(_ lines: ArraySlice<Substring>, afterBlankAt i: Int, contentColumn: Int) -> Int? {
        var j = i
        while j < lines.endIndex && Self.splitIndent(lines[j]).1.isEmpty { j += 1 }
        lookahead = max(lookahead, j)
        guard j < lines.endIndex else { return nil }
        let (ji, jrest) = Self.splitIndent(lines[j])
        return ji >= max(contentColumn, 1) && MDListItem(jrest) == nil && MDFence(jrest) == nil ? j : nil
    }

    /// The prefix of a list item's first row: its indent and marker, cut to leave two columns
    /// (as `renderListItem` makes it).
    static func itemPrefix(_ item: MDListItem, level: Int, width: Int) -> String {
        let prefix = String(repeating: " ", count: 2 * min(level, maxListLevel)) + item.marker + " "
        guard DisplayWidth.of(prefix) > maxPrefixWidth(width) else { return prefix }
        return DisplayWidth.truncate(prefix, to: maxPrefixWidth(width), ellipsis: "")
    }

    /// A list item while streaming, from its content line `start` on (`first`: the content of
    /// its marker's line, when the item begins there): its leading plain lines are rendered one
    /// by one, so that a checkpoint can fall between them (a long item was laid out whole at
    /// every call). Same lines as `renderListItem`.
    mutating func streamItem(_ lines: ArraySlice<Substring>, from start: Int, _ x: MDItemResume,
                             first: Substring?) -> Int {
        var i = start
        let end = lines.endIndex
        var rendered: [StyledLine] = []
        var rest: [Substring] = []
        var joined = x.joinedBytes
        var started = x.started
        let inner = width - DisplayWidth.of(x.firstPrefix)
        func add(rows: [StyledLine]) { rendered.append(contentsOf: x.prefixed(rows, started: &started)) }
        func add(_ line: Substring) {
            if rest.isEmpty && Self.isPlain(line) {
                add(rows: Wrapper.wrap([Span(String(line))], width: inner))
                joined += line.utf8.count + 1
            } else {
                rest.append(line)
            }
        }
        if let first { add(first) }
        while i < end {
            if rest.isEmpty {
                innerCheckpoint(i, rendered: rendered.count, mode: .item(MDItemResume(
                    firstPrefix: x.firstPrefix, contentColumn: x.contentColumn, started: started, joinedBytes: joined)))
            }
            let (ni, nrest) = Self.splitIndent(lines[i])
            if nrest.isEmpty {
                guard let j = itemGoesOn(lines, afterBlankAt: i, contentColumn: x.contentColumn) else { break }
                add("")
                i = j
                continue
            }
            if Self.startsBlock(nrest, indent: ni, inList: true) { break }
            add(nrest)
            i += 1
        }
        if !rest.isEmpty {
            let text = Self.joinLines(rest)
            // The link budget of the whole item, as `renderListItem` would give it.
            let spans = MDInline.parse(text, base: [], budgetBytes: joined + text.utf8.count)
            add(rows: Wrapper.wrap(spans, width: inner))
        }
        emit(rendered)
        return i
    }

    /// A quote: its lines from `start` (those that begin with ">"), their content rendered as
    /// Markdown of its own at the quote's width, behind a bar. `resume`: the content's render
    /// goes on from a checkpoint inside the quote (`MDResumeState.Mode.quote`). While streaming,
    /// the content's render records checkpoints too, and the last one is this render's: a long
    /// quote is laid out as it grows, not whole at every call. `restOfLine`: the render resumes
    /// inside a line of the quote, and the first line is that line's rest (no ">").
    mutating func quote(_ lines: ArraySlice<Substring>, from start: Int, resume: MDResumeState?,
                        restOfLine: Bool = false) -> Int {
        var inner: [Substring] = []
        var raw: [Substring] = []
        var i = start
        if restOfLine, i < lines.endIndex {
            let rest = Self.splitIndent(lines[i]).1
            inner.append(rest)
            raw.append(rest)
            i += 1
        }
        while i < lines.endIndex {
            let (qi, qrest) = Self.splitIndent(lines[i])
            guard qi <= 3, qrest.first == ">" else { break }
            var content = qrest.dropFirst()
            if content.first == " " { content = content.dropFirst() }
            inner.append(content)
            raw.append(qrest)
            i += 1
        }
        listIndents = []
        guard depth < Self.maxQuoteDepth else {
            emit(renderParagraph(raw))
            return i
        }
        let prefix = Self.quotePrefix(width: width)
        var r = MDBlocks(width: width - DisplayWidth.of(prefix), depth: depth + 1)
        if let resume {
            r.pendingBlank = resume.pendingBlank
            r.listIndents = resume.listIndents
            r.hasEarlierOutput = resume.hasEarlierOutput
        }
        // Content line k is line `start + k`.
        r.recording = recording
        r.finalLines = finalLines - start
        r.run(inner[...], resume: resume?.mode ?? .block)
        if recording, let cp = r.checkpoint, cp.line > 0 {
            let blank = pendingBlank && (!out.isEmpty || hasEarlierOutput) ? 1 : 0
            let final = out.count + blank + cp.final
            checkpoint = (start + cp.line, final, MDResumeState(pendingBlank: false, listIndents: [],
                                                                hasEarlierOutput: hasEarlierOutput || final > 0,
                                                                mode: .quote(cp.state)))
        }
        emit(Self.quoted(r.out, prefix: prefix))
        return i
    }

    /// A quote's bar at `width`, before each of its rows.
    static func quotePrefix(width: Int) -> String {
        DisplayWidth.truncate("│ ", to: maxPrefixWidth(width), ellipsis: "")
    }

    /// Content lines behind the quote's bar (`prefix`), marked `.quote`.
    static func quoted(_ lines: [StyledLine], prefix: String) -> [StyledLine] {
        let bar = Self.trimmingTrailingSpaces(prefix)
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

    /// The columns of indent a code block's lines keep before their code.
    func codePrefixWidth(indent: Int) -> Int { min(indent, 8, Self.maxPrefixWidth(width)) }

    func renderCode(_ code: [Substring], indent: Int) -> [StyledLine] {
        let prefix = String(repeating: " ", count: codePrefixWidth(indent: indent))
        let contentWidth = width - prefix.count
        var result: [StyledLine] = []
        for line in code {
            if line.isEmpty {
                result.append(StyledLine([Span("", .code)]))
                continue
            }
            // A line too long is broken at the width, each break marked "↩" (never silently).
            let text = String(line)
            let mark = contentWidth >= 3 && DisplayWidth.of(text) > contentWidth
            let pieces = Wrapper.hardWrap([Span(text, .code)], width: mark ? contentWidth - 1 : contentWidth)
            for (n, wrapped) in pieces.enumerated() {
                var spans = wrapped.spans
                if mark && n + 1 < pieces.count { spans.append(Span("↩", [.code, .dim])) }
                result.append(StyledLine(prefix.isEmpty ? spans : [Span(prefix)] + spans))
            }
        }
        return result
    }

    /// Prefixes (quote bars, list markers, indents) leave at least two
    /// columns for the content, so that a wide character fits.
    static func maxPrefixWidth(_ width: Int) -> Int {
        max(0, width - 2)
    }

    /// Wraps `spans` at `width` minus the prefix width and prefixes the first
    /// line with `first` and the others with `rest` (spaces by default). A
    /// prefix too wide for the width is cut.
    static func wrapPrefixed(_ spans: [Span], width: Int, first: String,
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
                let marker = trimmingTrailingSpaces(firstPrefix)   // an empty item: no trailing space
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

}
