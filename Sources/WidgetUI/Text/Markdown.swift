#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

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

private struct MDBlocks {
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

    private mutating func emit(_ lines: [StyledLine]) {
        if pendingBlank && (!out.isEmpty || hasEarlierOutput) { out.append(StyledLine()) }
        pendingBlank = false
        out.append(contentsOf: lines)
    }

    // MARK: Checkpoints (streaming)

    /// Notes that the render could resume at block start `i`. Every line examined so
    /// far must be final: the block before `i` was ended by looking at line `i`.
    private mutating func blockCheckpoint(_ i: Int) {
        guard recording, max(i, lookahead) < finalLines else { return }
        checkpoint = (i, out.count, MDResumeState(pendingBlank: pendingBlank, listIndents: listIndents,
                                                  hasEarlierOutput: hasEarlierOutput || !out.isEmpty, mode: .block))
    }

    /// Notes that the render could resume inside a paragraph or code block at line
    /// `i` (lines before `i` consumed and complete); `rendered` lines of the block
    /// are final. The block's own emit adds a pending blank line first.
    private mutating func innerCheckpoint(_ i: Int, rendered: Int, mode: MDResumeState.Mode) {
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

    private static func isPlain(bytes: some Collection<UInt8>) -> Bool {
        var colons = 0
        for b in bytes {
            switch b {
            case UInt8(ascii: "\\"), UInt8(ascii: "`"), UInt8(ascii: "*"), UInt8(ascii: "_"), UInt8(ascii: "["),
                 UInt8(ascii: "<"):
                return false
            case UInt8(ascii: ":"):
                colons = 1
            case UInt8(ascii: "/"):
                if colons >= 1 {
                    if colons == 2 { return false }
                    colons = 2
                }
            default:
                colons = 0
            }
        }
        return true
    }

    /// A paragraph while streaming: its leading plain lines are rendered one by one,
    /// so that a checkpoint can fall between them. Same lines as `renderParagraph`.
    private mutating func streamParagraph(_ lines: ArraySlice<Substring>, from start: Int, first: Substring?,
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
    private mutating func streamFence(_ lines: ArraySlice<Substring>, from start: Int, fence: MDFence,
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

            if let item = MDListItem(rest) {
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
                        lookahead = max(lookahead, j)
                        guard j < end else { break }
                        let (ji, jrest) = Self.splitIndent(lines[j])
                        if ji >= max(contentColumn, 1) && MDListItem(jrest) == nil && MDFence(jrest) == nil {
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

    private mutating func listLevel(_ indent: Int) -> Int {
        while let top = listIndents.last, top > indent { listIndents.removeLast() }
        if listIndents.last != indent { listIndents.append(indent) }
        return listIndents.count - 1
    }

    // MARK: Rendering

    private func renderParagraph(_ lines: [Substring]) -> [StyledLine] {
        let spans = MDInline.parse(Self.joinLines(lines), base: [])
        return Wrapper.wrap(spans, width: width)
    }

    private func renderListItem(_ item: MDListItem, level: Int, content: [Substring]) -> [StyledLine] {
        let marker = item.marker + " "
        let indent = String(repeating: " ", count: 2 * min(level, Self.maxListLevel))
        let spans = MDInline.parse(Self.joinLines(content), base: [])
        return Self.wrapPrefixed(spans, width: width, first: indent + marker, attributes: [], rest: nil)
    }

    private func renderQuote(_ inner: [Substring]) -> [StyledLine] {
        let prefix = DisplayWidth.truncate("│ ", to: Self.maxPrefixWidth(width), ellipsis: "")
        let prefixWidth = DisplayWidth.of(prefix)
        let lines = MDBlocks.render(inner[...], width: width - prefixWidth, depth: depth + 1)
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

    private func renderCode(_ code: [Substring], indent: Int) -> [StyledLine] {
        let prefix = String(repeating: " ", count: min(indent, 8, Self.maxPrefixWidth(width)))
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

// MARK: - Streaming

/// Where a resumed render of a stream starts, and the block state there.
private struct MDResumeState {
    enum Mode {
        case block
        /// Inside a paragraph whose lines so far were plain (`joinedBytes`: their
        /// UTF-8 length with line breaks, for the link budget).
        case paragraph(joinedBytes: Int)
        case fence(MDFence, indent: Int)
    }
    var pendingBlank = false
    var listIndents: [Int] = []
    var hasEarlierOutput = false
    var mode: Mode = .block
}

/// Renders a text that only grows (an answer streaming in) again and again at a
/// cost that does not grow with the text: the lines of the part that can no longer
/// change are kept in `frozen`, and only the rest is sanitized and rendered again.
///
/// `frozen + render(text, width:)` is always exactly
/// `Markdown.render(Sanitizer.clean(text), width:)`; a text that does not extend
/// the previous one, or another width, starts over (and bumps `generation`).
public final class MarkdownStream {
    public private(set) var width = 0
    /// Final lines of the text rendered last. Only grows until `generation` changes.
    public private(set) var frozen: [StyledLine] = []
    /// Bumped whenever `frozen` starts over.
    public private(set) var generation = 0
    /// The raw text `frozen` stands for: complete lines without escape sequences.
    private var frozenRaw: [UInt8] = []
    private var state = MDResumeState()

    public init() {}

    /// The lines of `text` (raw server text) after `frozen`, which may grow by this call.
    public func render(_ text: String, width requested: Int) -> [StyledLine] {
        let width = max(1, min(requested, Wrapper.maxWidth))
        var text = text
        return text.withUTF8 { raw in
            if width != self.width || !Self.starts(raw, with: frozenRaw) { reset(width) }
            return renderTail(raw)
        }
    }

    private func reset(_ width: Int) {
        self.width = width
        frozen = []
        frozenRaw = []
        state = MDResumeState()
        generation += 1
    }

    private static func starts(_ raw: UnsafeBufferPointer<UInt8>, with prefix: [UInt8]) -> Bool {
        guard raw.count >= prefix.count else { return false }
        return prefix.withUnsafeBufferPointer { p in
            guard let a = raw.baseAddress, let b = p.baseAddress, p.count > 0 else { return true }
            return memcmp(a, b, p.count) == 0
        }
    }

    private func renderTail(_ raw: UnsafeBufferPointer<UInt8>) -> [StyledLine] {
        let start = frozenRaw.count
        let n = raw.count
        // Sanitize complete lines without escape sequences one by one: the sanitizer
        // starts such a line fresh, so this is `Sanitizer.clean` of the whole tail.
        // `settled` holds the line starts (clean offset, raw offset) where that holds.
        var clean = ""
        var settled: [(clean: Int, raw: Int)] = [(0, start)]
        var lineStart = start
        var k = start
        // Printable ASCII and LF only (the usual case): every line is clean as it is, so
        // the tail is taken whole, without cleaning it line by line.
        var printable = true
        for i in start..<n {
            let b = raw[i]
            if (b < 0x20 && b != 0x0A) || b >= 0x7F {
                printable = false
                break
            }
        }
        if printable {
            for i in start..<n where raw[i] == 0x0A { settled.append((i + 1 - start, i + 1)) }
            clean = String(decoding: UnsafeBufferPointer(rebasing: raw[start..<n]), as: UTF8.self)
            k = n
            lineStart = n
        }
        scan: while k < n {
            switch raw[k] {
            case 0x1B:
                break scan
            case 0xC2 where k + 1 < n:   // C1 controls that start a sequence: U+0090, 98, 9B, 9D, 9E, 9F
                switch raw[k + 1] {
                case 0x90, 0x98, 0x9B, 0x9D, 0x9E, 0x9F: break scan
                default: break
                }
            case 0x0A:
                clean += Sanitizer.clean(String(decoding: UnsafeBufferPointer(rebasing: raw[lineStart...k]), as: UTF8.self))
                lineStart = k + 1
                settled.append((clean.utf8.count, lineStart))
            default:
                break
            }
            k += 1
        }
        if lineStart < n {
            clean += Sanitizer.clean(String(decoding: UnsafeBufferPointer(rebasing: raw[lineStart..<n]), as: UTF8.self))
        }

        let lines = MDBlocks.splitLines(clean)
        let utf8 = clean.utf8
        func offset(_ line: Int) -> Int { utf8.distance(from: utf8.startIndex, to: lines[line].startIndex) }
        // Lines that start before the last settled line start are complete and final.
        let lastSettled = settled[settled.count - 1].clean
        var finalLines = 0
        while finalLines < lines.count && offset(finalLines) < lastSettled { finalLines += 1 }

        var r = MDBlocks(width: width, depth: 0)
        r.pendingBlank = state.pendingBlank
        r.listIndents = state.listIndents
        r.hasEarlierOutput = state.hasEarlierOutput
        r.recording = true
        r.finalLines = finalLines
        r.run(lines[...], resume: state.mode)
        guard let cp = r.checkpoint, cp.line > 0 else { return r.out }
        // Freeze up to the checkpoint if it starts a raw line.
        let at = offset(cp.line)
        var lo = 0, hi = settled.count - 1
        while lo < hi {
            let mid = (lo + hi) / 2
            if settled[mid].clean < at { lo = mid + 1 } else { hi = mid }
        }
        guard settled[lo].clean == at else { return r.out }
        frozen.append(contentsOf: r.out[..<cp.final])
        frozenRaw.append(contentsOf: UnsafeBufferPointer(rebasing: raw[start..<settled[lo].raw]))
        state = cp.state
        return Array(r.out[cp.final...])
    }
}

/// An opening code fence: three or more backticks or tildes.
private struct MDFence {
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
private struct MDListItem {
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

private enum MDInline {
    /// `budgetBytes`: the length the link budget is reckoned from (default: the text's).
    static func parse(_ text: some StringProtocol, base: TextAttributes, budgetBytes: Int? = nil) -> [Span] {
        var parser = MDInlineParser(Array(text.utf8), base: base, allowLinks: true,
                                    urlBudget: budgetBytes.map { 4 * $0 + 4096 })
        return parser.parse()
    }
}

/// Inline Markdown parser working on UTF-8 bytes (all syntax characters are
/// ASCII; text is copied out in runs).
private struct MDInlineParser {
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

    private mutating func takeRun(upTo end: Int) {
        if runStart < end { pending.append(contentsOf: bytes[runStart..<end]) }
        runStart = end
    }

    /// Ends the current text node at `end`.
    private mutating func flushText(upTo end: Int) {
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
    private mutating func addNode(_ text: String, _ attributes: TextAttributes, start: Int, resume: Int) {
        flushText(upTo: start)
        if !text.isEmpty { nodes.append(Node(text: text, attributes: attributes)) }
        runStart = resume
    }

    private func string(_ range: Range<Int>) -> String {
        String(decoding: bytes[range], as: UTF8.self)
    }

    // MARK: Code spans

    private mutating func codeSpan(at start: Int) -> Int {
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

    private mutating func delimiterRun(at start: Int) -> Int {
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

    // MARK: Links

    /// Parses `[text](url)` (or `![alt](url)`, starting at `start`) with `[`
    /// at `open`; on success adds its nodes and returns the index after it.
    private mutating func link(at open: Int, image: Bool, start: Int? = nil) -> Int? {
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
    private mutating func spend(_ scanned: Int) -> Int? {
        urlBudget -= max(1, scanned)
        return nil
    }

    /// For each `[`, the index of its matching `]` (nesting respected,
    /// backslash-escaped brackets ignored), or -1.
    private func matchBrackets() -> [Int32] {
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
    private mutating func autolink(at open: Int) -> Int? {
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
    private mutating func bareURL(at start: Int) -> Int? {
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

    private func hasPrefix(_ prefix: StaticString, at start: Int) -> Bool {
        let count = prefix.utf8CodeUnitCount
        guard start + count <= bytes.count else { return false }
        return prefix.withUTF8Buffer { p in
            for k in 0..<count where bytes[start + k] != p[k] { return false }
            return true
        }
    }

    // MARK: UTF-8 helpers

    /// The scalar starting at byte `i`, nil at the end (input is valid UTF-8).
    private func scalar(at i: Int) -> Unicode.Scalar? {
        let n = bytes.count
        guard i < n else { return nil }
        let b0 = bytes[i]
        if b0 < 0x80 { return Unicode.Scalar(b0) }
        var length = 0
        var value: UInt32 = 0
        if b0 & 0xE0 == 0xC0 {
            length = 2
            value = UInt32(b0 & 0x1F)
        } else if b0 & 0xF0 == 0xE0 {
            length = 3
            value = UInt32(b0 & 0x0F)
        } else if b0 & 0xF8 == 0xF0 {
            length = 4
            value = UInt32(b0 & 0x07)
        } else {
            return nil
        }
        guard i + length <= n else { return nil }
        for k in 1..<length { value = (value << 6) | UInt32(bytes[i + k] & 0x3F) }
        return Unicode.Scalar(value)
    }

    /// The scalar ending just before byte `i`, nil at the start.
    private func scalar(before i: Int) -> Unicode.Scalar? {
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
