// Streaming Markdown: renders an answer that only grows, laying out only its open tail.

// MARK: - Streaming

/// Where a resumed render of a stream starts, and the block state there.
struct MDResumeState {
    enum Mode {
        case block
        /// Inside a paragraph whose lines so far were plain (`joinedBytes`: their
        /// UTF-8 length with line breaks, for the link budget).
        case paragraph(joinedBytes: Int)
        case fence(MDFence, indent: Int)
        /// Inside a quote: its content's render resumes in this state; `restOfLine`: the text
        /// resumes inside one of its lines (`MarkdownStream.freezeOpenRows`), whose rest is the
        /// first line, without a ">".
        indirect case quote(MDResumeState, restOfLine: Bool = false)
        /// Inside a list item whose content lines so far were plain (`MDBlocks.streamItem`).
        case item(MDItemResume)
    }
    var pendingBlank = false
    var listIndents: [Int] = []
    var hasEarlierOutput = false
    var mode: Mode = .block
}

/// A list item's rows so far, for its render to go on at a line of its content.
struct MDItemResume {
    /// The first row's prefix (indent and marker, cut to the width), as `MDBlocks.itemPrefix`.
    var firstPrefix: String
    /// The source column of the item's content (a line after a blank line continues the item
    /// from there on).
    var contentColumn: Int
    /// The item's first row is rendered (the next rows are behind spaces).
    var started: Bool
    /// The UTF-8 length of the content so far with its line breaks (for the link budget).
    var joinedBytes: Int

    /// The rows of the item's content behind its marker (the first row, an empty one as the
    /// marker alone) or spaces as wide, as `MDBlocks.wrapPrefixed` puts them; `started` is
    /// then true.
    func prefixed(_ rows: [StyledLine], started: inout Bool) -> [StyledLine] {
        let rest = String(repeating: " ", count: DisplayWidth.of(firstPrefix))
        return rows.map { line in
            defer { started = true }
            let p = started ? rest : firstPrefix
            if !started && line.spans.isEmpty {
                let marker = MDBlocks.trimmingTrailingSpaces(p)
                return StyledLine(marker.isEmpty ? [] : [Span(marker)])
            }
            return p.isEmpty || line.spans.isEmpty ? line : StyledLine([Span(p)] + line.spans)
        }
    }
}

/// Renders a text that only grows (an answer streaming in) again and again at a
/// cost that does not grow with the text: the lines of the part that can no longer
/// change are kept in `frozen`, and only the rest (the open tail block) is sanitized
/// and rendered again.
///
/// `frozenLines(of: text) + render(text, width:)` is always exactly
/// `Markdown.render(Sanitizer.clean(text), width:)` (`frozen` keeps spans as places in the
/// raw text: a text rendered here must only ever grow at its end); a text that does not extend
/// the previous one, or another width, starts over (and bumps `generation`).
///
/// The finished part is not compared byte by byte on every call (that made a frame
/// O(answer)): the stream keeps its length, a fingerprint of it and its first and last
/// bytes. A text in the same storage as the last one (a `String` appended to in place)
/// is checked by those bytes only, O(1); a text in other storage (a reallocation while
/// growing, or another string) is checked by hashing its first `frozenCount` bytes,
/// which happens O(log n) times while a string doubles its capacity.
public final class MarkdownStream {
    public private(set) var width = 0
    /// Final lines of the text rendered last. Only grows until `generation` changes. (Kept
    /// compactly: a long answer's lines cost about their text, and its plain spans are places
    /// in the text itself: read them with `frozen.line(_:source:)`, from the text rendered.)
    public private(set) var frozen = CompactLines()
    /// Bumped whenever `frozen` starts over.
    public private(set) var generation = 0
    /// The length of the raw text `frozen` stands for (complete lines without escape
    /// sequences), and how that text is recognised again.
    private var frozenCount = 0
    private var frozenPrint = TextFingerprint()
    private var frozenHead: [UInt8] = []
    private var frozenEnd: [UInt8] = []
    /// The UTF-8 storage and length of the text rendered last.
    private var lastBase: UInt = 0
    private var lastCount = 0
    private var state = MDResumeState()
    /// The sanitizer's column at `frozenCount`: 0 at a line's start, the width of the rows
    /// frozen before it inside a long line (`freezeOpenRows`).
    private var tailColumn = 0
    /// Raw bytes the stream has read since it was made: fingerprints checked and tails
    /// scanned (for tests: O(delta) per call, not O(text)).
    private(set) var bytesExamined = 0

    static let sampleLength = 32

    /// The stream resumes inside a list item (for tests).
    var resumesInItem: Bool {
        if case .item = state.mode { return true }
        return false
    }

    public init() {}

    /// The lines of `text` (raw server text) after `frozen`, which may grow by this call.
    public func render(_ text: String, width requested: Int) -> [StyledLine] {
        let width = max(1, min(requested, Wrapper.maxWidth))
        var text = text
        return text.withUTF8 { raw in
            if width != self.width || !extendsFrozen(raw) { reset(width) }
            lastBase = UInt(bitPattern: raw.baseAddress)
            lastCount = raw.count
            return renderTail(raw)
        }
    }

    /// The frozen lines as they read, their places read from `text` (the text rendered last,
    /// or one that extends it).
    public func frozenLines(of text: String) -> [StyledLine] {
        frozen.indices.map { i in frozen.line(i) { text.utf8Slice($0) } }
    }

    private func reset(_ width: Int) {
        self.width = width
        frozen = CompactLines()
        frozenCount = 0
        frozenPrint = TextFingerprint()
        frozenHead = []
        frozenEnd = []
        state = MDResumeState()
        tailColumn = 0
        generation += 1
    }

    /// Whether `raw` starts with the raw text `frozen` stands for.
    private func extendsFrozen(_ raw: UnsafeBufferPointer<UInt8>) -> Bool {
        guard raw.count >= frozenCount else { return false }
        guard frozenCount > 0 else { return true }
        // The first and last bytes of the finished text, always (O(1)).
        let head = min(frozenCount, Self.sampleLength)
        bytesExamined += head + frozenEnd.count
        guard raw[0..<head].elementsEqual(frozenHead[..<head]),
              raw[(frozenCount - frozenEnd.count)..<frozenCount].elementsEqual(frozenEnd) else { return false }
        // The same storage, not shorter than last time: appended to in place.
        if UInt(bitPattern: raw.baseAddress) == lastBase && raw.count >= lastCount { return true }
        bytesExamined += frozenCount
        var print = TextFingerprint()
        print.add(UnsafeBufferPointer(rebasing: raw[0..<frozenCount]))
        return print == frozenPrint
    }

    /// Adds `raw[frozenCount..<end]` to the finished text, which ends at a line's start or at
    /// `column` of a line.
    private func freeze(_ raw: UnsafeBufferPointer<UInt8>, upTo end: Int, column: Int = 0) {
        let added = UnsafeBufferPointer(rebasing: raw[frozenCount..<end])
        frozenPrint.add(added)
        bytesExamined += added.count
        frozenCount = end
        tailColumn = column
        if frozenHead.count < Self.sampleLength {
            frozenHead = Array(raw[0..<min(end, Self.sampleLength)])
        }
        frozenEnd = Array(raw[max(0, end - Self.sampleLength)..<end])
    }

    /// Freezes the complete lines at the start of the tail that continue a paragraph of plain
    /// lines and are laid out as they are (most of a long answer), straight from the raw
    /// bytes: each is one line of one plain span, kept as its place in the text. This is what
    /// `MDBlocks.streamParagraph` makes of such a line (and where it would checkpoint), without
    /// making the line, its span and their strings first.
    private func freezePlainLines(_ raw: UnsafeBufferPointer<UInt8>) {
        guard case .paragraph(var joined) = state.mode, state.listIndents.isEmpty else { return }
        let n = raw.count
        var at = frozenCount
        while at < n {
            // A line that starts with a letter (no indent, starts no block), ends without a
            // space (nothing trimmed), fits the width, and is printable ASCII without inline
            // syntax (a line of its own, as it is).
            guard (0x61...0x7A).contains(raw[at] | 0x20) else { break }
            var end = at
            var printable = true
            // A byte `isPlain` looks at was seen.
            var syntax = false
            while end < n {
                // Eight printable bytes without any of those at a time.
                end = ByteWords.skip(raw, from: end, to: n) { ByteWords.hasUnprintable($0) || MDBlocks.hasPlainBreaker($0) }
                guard end < n else { break }
                let b = raw[end]
                if b == 0x0A { break }
                if b < 0x20 || b >= 0x7F { printable = false }
                if MDBlocks.isPlainBreaker(b) { syntax = true }
                end += 1
            }
            guard printable, end < n, end - at <= width, raw[end - 1] != 0x20,
                  !syntax || MDBlocks.isPlain(bytes: UnsafeBufferPointer(rebasing: raw[at..<end])) else { break }
            frozen.appendPlace(at..<end, in: raw)
            joined += end - at + 1
            at = end + 1
        }
        guard at > frozenCount else { return }
        freeze(raw, upTo: at)
        state.mode = .paragraph(joinedBytes: joined)
        state.pendingBlank = false
        state.hasEarlierOutput = true
    }

    /// An open line whose rows may be frozen (`openLine`).
    private struct OpenLine {
        /// Where the line starts: the tail's start, after blank lines there.
        var at: Int
        /// Where its content starts (after a list item's indent and marker, the indent of an
        /// item's next line, or a quote's bar).
        var content: Int
        /// The link budget spent before it (`MDResumeState.Mode.paragraph`).
        var joined: Int
        /// A blank line goes before its rows.
        var blank: Bool
        /// An item that goes on after blank lines: its content's empty line goes before the rows.
        var emptyLine: [StyledLine]
        /// In a list item: the item and the list's indents after it.
        var item: MDItemResume?
        var listIndents: [Int]
        /// In a quote: its content's render before the line (a paragraph's, or at a block's start).
        var quote: MDResumeState?
    }

    /// Where the rows of the open line at the tail's start would go (`freezeOpenRows`): what
    /// the line sits in and where its content starts. Nil when its rows cannot be frozen.
    private func openLine(_ raw: UnsafeBufferPointer<UInt8>) -> OpenLine? {
        var at = frozenCount
        let n = raw.count
        var joined = 0
        var blank = false
        var content = at
        var item: MDItemResume?
        var listIndents: [Int] = []
        var quote: MDResumeState?
        // Blank lines at a line's start end a paragraph, and an item unless an indented line of
        // the item follows them: the render goes on after them as at a block's start, with a
        // blank line pending (whichever delta brought them). (An indented line freezes nothing
        // at a block's start but an item's marker line, which ends the item before it too.)
        var mode = state.mode
        var pendingBlank = state.pendingBlank
        // An item goes on after blank lines: its content's empty line, as `MDBlocks.streamItem`
        // lays it out, goes before the rows.
        var emptyLine: [StyledLine] = []
        if tailColumn == 0 {
            var next = at
            while let after = Self.afterBlankLine(raw, at: next) { next = after }
            if next > at {
                switch mode {
                case .paragraph, .block, .quote:
                    // (A blank line ends a quote too: its lines begin with ">". A quote resumed
                    // inside a line, `restOfLine`, has its tail at a column past 0: not here.)
                    mode = .block
                    pendingBlank = true
                case .item(var x):
                    // `MDBlocks.itemGoesOn`: an indented line follows (one that starts with a
                    // letter is neither an item nor a fence); else the item ends there.
                    var s = next
                    while s < n, raw[s] == 0x20 { s += 1 }
                    if x.started, s - next >= max(x.contentColumn, 1), s < n, Self.startsRow(raw, at: s) {
                        var started = true
                        emptyLine = x.prefixed(Wrapper.wrap([Span("")], width: width - DisplayWidth.of(x.firstPrefix)),
                                               started: &started)
                        x.joinedBytes += 1
                        mode = .item(x)
                    } else {
                        mode = .block
                        pendingBlank = true
                    }
                case .fence:
                    return nil
                }
                at = next
                content = at
            }
        }
        switch mode {
        case .paragraph(let before):
            // A quote or a list item that interrupts the paragraph ends it: the quote's first
            // line or the item's marker line, as at a block's start (no blank line before it).
            if tailColumn == 0, let (c, q) = quoteLine(raw, at: &at, inner: MDResumeState()) {
                (content, quote) = (c, q)
                break
            }
            if tailColumn == 0, !Self.startsRow(raw, at: at), let start = itemStart(raw, at: at, interrupting: true) {
                (content, item, listIndents) = start
                break
            }
            guard state.listIndents.isEmpty else { return nil }
            joined = before
        case .item(let x):
            // A line of the item's content (its indent dropped), or the rest of one.
            if tailColumn == 0 {
                while content < n, raw[content] == 0x20 { content += 1 }
                // Another item ends this one: its marker line, as at a block's start.
                if content < n, !Self.startsRow(raw, at: content), let start = itemStart(raw, at: at, interrupting: false) {
                    (content, item, listIndents) = start
                    break
                }
            }
            guard x.started else { return nil }
            item = x
            joined = x.joinedBytes
            listIndents = state.listIndents
        case .block:
            // A paragraph's first line, at no indent (resets the list context), or a list
            // item's marker line.
            guard tailColumn == 0 else { return nil }
            blank = pendingBlank && state.hasEarlierOutput
            if let (c, q) = quoteLine(raw, at: &at, inner: MDResumeState()) {
                (content, quote) = (c, q)
            } else if at < n, !Self.startsRow(raw, at: at), let start = itemStart(raw, at: at, interrupting: false) {
                (content, item, listIndents) = start
            }
        case .quote(var inner, let restOfLine):
            // A line of a quote (one level) whose content goes on with a paragraph's line or
            // begins one (as at a block's start, at no indent), or the rest of one.
            if !restOfLine {
                guard tailColumn == 0, let (c, q) = quoteLine(raw, at: &at, inner: inner) else { return nil }
                (content, inner) = (c, q)
            }
            switch inner.mode {
            case .paragraph(let before) where inner.listIndents.isEmpty:
                joined = before
            case .block where !restOfLine:
                break
            default:
                return nil
            }
            quote = inner
        case .fence:
            return nil
        }
        // The content starts a row (a letter: no block, no indent to keep or drop), or a
        // paragraph's line with inline syntax (`lineStart`).
        guard content < n, Self.startsContent(raw, at: content) else { return nil }
        return OpenLine(at: at, content: content, joined: joined, blank: blank, emptyLine: emptyLine, item: item,
                        listIndents: listIndents, quote: quote)
    }

    /// A long line of a paragraph, open or not, is laid out again whole on every call until
    /// it ends (a paragraph that never breaks its line cost O(answer) a frame). This freezes
    /// its first rows: the rows of its start laid out alone (`lineStart`: a plain start, with
    /// no inline syntax and nothing the sanitizer changes, or one after a head whose inline
    /// syntax pairs up within it), all but the last two. What follows resumes as the next line
    /// of the paragraph, at a row's start. (The same in a list item or a quote, behind its
    /// marker or bar.)
    ///
    /// Why those rows are final, whatever comes after: wrapping is greedy, so a row ends when
    /// the next word does not fit or a long word fills it, and a word can only grow; a later
    /// byte changes at most the row of the last word (a closing mark that may not start a
    /// row, a combining mark). Nothing inline after the start can pair with it, and no bare
    /// URL or image can straddle the cut (`canCut`). The rest starts with a letter, so it starts no
    /// block and keeps no indent; it is cleaned from the cut's column (`tailColumn`, for
    /// TABs), and it spends the same link budget (`joinedBytes`).
    private func freezeOpenRows(_ raw: UnsafeBufferPointer<UInt8>) {
        let n = raw.count
        guard n - frozenCount > Self.openLineRows * width, let line = openLine(raw) else { return }
        let (at, content, joined, item, quote) = (line.at, line.content, line.joined, line.item, line.quote)
        guard let start = lineStart(raw, content: content) else { return }
        bytesExamined += content - at
        // An item's rows are behind its marker, or spaces as wide; a quote's behind its bar.
        let quotePrefix = MDBlocks.quotePrefix(width: width)
        let prefixWidth = item.map { DisplayWidth.of($0.firstPrefix) } ?? (quote == nil ? 0 : DisplayWidth.of(quotePrefix))
        let rows = Wrapper.wrap(start.spans, width: width - prefixWidth)
        guard rows.count > 2 else { return }
        // The rows read as the head's text as laid out (`start.head`), then the plain run as it
        // is in the text: `pos` counts bytes of that, and from the run on a byte's place in the
        // text is `start.run.lowerBound + pos - head.count`.
        let head = start.head
        let run = start.run
        let end = head.count + run.count
        func byte(_ i: Int) -> UInt8 { i < head.count ? head[i] : raw[run.lowerBound + i - head.count] }
        // Each row is a place in the text: rows after the first begin after the spaces the
        // break dropped, all of them or all but the last (a space that the next character
        // joins, as Thai SARA AM does, is the row's own). Any other row (other bytes; a span
        // with attributes in the run) freezes nothing past it.
        var places: [Range<Int>] = []
        var cut = content
        var frozenRows = 0
        var pos = 0
        for (j, row) in rows.dropLast().enumerated() {
            let plain = row.spans.count == 1 && row.spans[0].attributes.isEmpty
            guard plain || pos < head.count else { break }
            var text = plain ? row.spans[0].text : row.spans.map(\.text).joined()
            let length = text.utf8.count
            func isRow(at p: Int) -> Bool {
                guard length > 0, p + length <= end else { return false }
                return text.withUTF8 { t in
                    p >= head.count ? t.elementsEqual(raw[(run.lowerBound + p - head.count)...].prefix(length))
                        : t.indices.allSatisfy { t[$0] == byte(p + $0) }
                }
            }
            if j > 0 {
                let from = pos
                var skipped = pos
                while skipped < end && byte(skipped) == 0x20 { skipped += 1 }
                pos = isRow(at: skipped) ? skipped : skipped - 1
                guard pos >= from, isRow(at: pos) else { break }
            } else {
                guard isRow(at: pos) else { break }
            }
            // Row j starts at `pos`, as it reads: the rows before it may be frozen, cut here
            // (inside the run: its place in the text).
            let place = run.lowerBound + pos - head.count
            if j > 0, pos > head.count, Self.canCut(raw, at: place) {
                cut = place
                frozenRows = j
            }
            if head.isEmpty { places.append(place..<(place + length)) }
            pos += length
        }
        guard frozenRows > 0 else { return }
        if line.blank { frozen.append(StyledLine()) }
        frozen.append(contentsOf: line.emptyLine)
        if let x = item {
            // Behind the marker or spaces, as `MDBlocks.streamItem` lays them out (the rows are
            // the text at `places`, checked above).
            var started = x.started
            frozen.append(contentsOf: x.prefixed(Array(rows[..<frozenRows]), started: &started), referencing: raw, in: at..<cut)
        } else if let q = quote {
            // Behind the bar, as `MDBlocks.quote` lays them out; a paragraph that begins in the
            // quote after a blank line of it has an empty line (the bar alone) first.
            let lines = (q.pendingBlank && q.hasEarlierOutput ? [StyledLine()] : []) + Array(rows[..<frozenRows])
            frozen.append(contentsOf: MDBlocks.quoted(lines, prefix: quotePrefix), referencing: raw, in: at..<cut)
        } else if head.isEmpty {
            for place in places[..<frozenRows] { frozen.appendPlace(place, in: raw) }
        } else {
            frozen.append(contentsOf: rows[..<frozenRows], referencing: raw, in: at..<cut)
        }
        freeze(raw, upTo: cut, column: tailColumn + Self.columns(raw, from: at, to: cut))
        // The render resumes at the cut, inside the line, with the link budget spent so far.
        let mode: MDResumeState.Mode
        var listIndents = line.listIndents
        if var x = item {
            x.started = true
            x.joinedBytes = joined + cut - content
            mode = .item(x)
        } else if quote != nil {
            let inner = MDResumeState(pendingBlank: false, listIndents: [], hasEarlierOutput: true,
                                      mode: .paragraph(joinedBytes: joined + cut - content))
            mode = .quote(inner, restOfLine: true)
            listIndents = []
        } else {
            mode = .paragraph(joinedBytes: joined + cut - content)
        }
        state = MDResumeState(pendingBlank: false, listIndents: listIndents, hasEarlierOutput: true, mode: mode)
    }

    /// The start of an open line's content (at `content`) laid out alone, for `freezeOpenRows`:
    /// the spans it reads as, the place of its plain run in the text, and the text of the head
    /// before the run as laid out. The run goes up to a line break, a byte of inline syntax
    /// other than ':' (it has no "://": `MDBlocks.isPlain`), or a scalar the sanitizer would change, and
    /// is more than `openLineRows` rows long. It is the line's plain start, or it follows a
    /// head of up to `settledHeadBytes` whose emphasis and code spans all pair up within it:
    /// nothing of their syntax is left as text and nothing is a link, so nothing after the
    /// head can pair with it, and the whole line's parse begins as the head's does. (Each
    /// delimiter run is matched by the first closer after it that fits, closers in order; a
    /// code span by the first run of as many backticks; a delimiter's flanking looks at the
    /// run's first character, which is parsed with the head.) Nil otherwise.
    private func lineStart(_ raw: UnsafeBufferPointer<UInt8>, content: Int)
        -> (spans: [Span], run: Range<Int>, head: [UInt8])? {
        let n = raw.count
        let rows = Self.openLineRows * width
        // Plain pieces between bytes of emphasis or code, up to one of more than `rows` bytes.
        var p = content
        while true {
            let e = Self.plainEnd(raw, from: p, inlineSyntax: true, limit: p + rows + 1)
            if e - p > rows { break }
            guard e < n, e - content < Self.settledHeadBytes, Self.isEmphasisOrCode(raw[e]) else { return nil }
            p = e + 1
        }
        // The head and the run's first scalar, parsed alone (before the run is read: a head that
        // does not pair up, as an emphasis never closed, costs no more than itself).
        var spans: [Span] = []
        var q = p
        if p > content {
            q = Self.scalarEnd(raw, at: p)
            spans = MDInline.parse(String(decoding: UnsafeBufferPointer(rebasing: raw[content..<q]), as: UTF8.self), base: [])
            // (A code span's text is code: its `*`, `_` and backticks pair with nothing.)
            func settled(_ span: Span) -> Bool {
                !span.attributes.contains(.link)
                    && (span.attributes.contains(.code) || !span.text.utf8.contains(where: Self.isEmphasisOrCode))
            }
            // The run is plain text after the head: its first scalar is the last span.
            guard spans.allSatisfy(settled), let last = spans.last, last.attributes.isEmpty,
                  last.text.utf8.elementsEqual(raw[p..<q]) else { return nil }
        }
        let end = Self.plainEnd(raw, from: p, inlineSyntax: true)
        bytesExamined += end - content
        let runBytes = UnsafeBufferPointer(rebasing: raw[p..<end])
        guard MDBlocks.isPlain(bytes: runBytes) else { return nil }
        guard var last = spans.popLast() else { return ([Span(String(decoding: runBytes, as: UTF8.self))], p..<end, []) }
        var head: [UInt8] = []
        for span in spans { head.append(contentsOf: span.text.utf8) }
        last.text += String(decoding: UnsafeBufferPointer(rebasing: raw[q..<end]), as: UTF8.self)
        spans.append(last)
        return (spans, p..<end, head)
    }

    /// How far into a line's content a head of inline syntax is looked for (`lineStart`).
    static let settledHeadBytes = 1_024

    /// A byte of emphasis or a code span: `*`, `_` or a backtick.
    private static func isEmphasisOrCode(_ b: UInt8) -> Bool {
        b == 0x2A || b == 0x5F || b == 0x60
    }

    /// Whether a paragraph's line whose rows may be frozen can start at `i`: with a letter
    /// (`startsRow`) or with inline syntax (`startsInlineSyntax`).
    private static func startsContent(_ raw: UnsafeBufferPointer<UInt8>, at i: Int) -> Bool {
        startsRow(raw, at: i) || startsInlineSyntax(raw, at: i)
    }

    /// Whether a paragraph's line (a row) may start at `i` with a byte of emphasis or a code
    /// span: a run of `*` or `_` then neither a space nor the line's end, or one backtick then
    /// not the line's end, so that it is no list item, rule or fence.
    private static func startsInlineSyntax(_ raw: UnsafeBufferPointer<UInt8>, at i: Int) -> Bool {
        let c = raw[i]
        guard isEmphasisOrCode(c) else { return false }
        var k = i
        while k < raw.count, raw[k] == c { k += 1 }
        guard k < raw.count, raw[k] != 0x0A, raw[k] != 0x0D, raw[k] != 0x09 else { return false }
        return c == 0x60 ? k - i == 1 : raw[k] != 0x20
    }

    /// A list item's marker line at `at`, at a block's start, as `MDBlocks.run` reads it: its
    /// content's start, the item (its rows not begun) and the list's indents after it. Nil
    /// unless the line is spaces, a marker, spaces and a letter or inline syntax
    /// (`startsInlineSyntax`; all ASCII but the letter, none of it changed by the sanitizer: no
    /// TAB).
    /// `interrupting`: only an item that interrupts a paragraph (a bullet, or an ordered item
    /// numbered 1; `MDBlocks.startsBlock`).
    private func itemStart(_ raw: UnsafeBufferPointer<UInt8>, at: Int, interrupting: Bool) -> (Int, MDItemResume, [Int])? {
        let n = raw.count
        var i = at
        while i < n, raw[i] == 0x20 { i += 1 }
        let indent = i - at
        let markerStart = i
        if i < n, raw[i] == 0x2D || raw[i] == 0x2A || raw[i] == 0x2B {   // - * +
            i += 1
        } else {
            while i < n, i - markerStart < 10, (0x30...0x39).contains(raw[i]) { i += 1 }
            guard i > markerStart, i < n, raw[i] == 0x2E || raw[i] == 0x29 else { return nil }   // . )
            i += 1
        }
        guard i < n, raw[i] == 0x20 else { return nil }
        while i < n, raw[i] == 0x20 { i += 1 }
        guard i < n, Self.startsContent(raw, at: i) else { return nil }
        // The marker as the render reads it: the line up to the content and its first scalar,
        // whose content must start at that scalar. (A letter that joins the space before it
        // into one character, as Thai SARA AM or a halfwidth sound mark does, leaves no space
        // after the marker, or puts the space in the content.)
        let first = Self.scalarEnd(raw, at: i)
        let line = String(decoding: UnsafeBufferPointer(rebasing: raw[markerStart..<first]), as: UTF8.self)
        guard let parsed = MDListItem(line[...]), parsed.content.utf8.count == first - i,
              !interrupting || parsed.number == nil || parsed.number == 1 else { return nil }
        var blocks = MDBlocks(width: width, depth: 0)
        blocks.listIndents = state.listIndents
        let level = blocks.listLevel(indent)
        let prefix = MDBlocks.itemPrefix(parsed, level: level, width: width)
        let x = MDItemResume(firstPrefix: prefix, contentColumn: indent + parsed.markerLength, started: false, joinedBytes: 0)
        return (i, x, blocks.listIndents)
    }

    /// A long line of a code block, like a paragraph's (`freezeOpenRows`), was laid out again
    /// whole on every call until it ended. This freezes its first rows, all but the last three.
    ///
    /// Why those rows are final, whatever comes after: a code line is broken at the width,
    /// grapheme by grapheme, greedily, and whether two scalars part as graphemes is settled by
    /// the text up to the second. Rows are frozen only from the line's plain start (printable,
    /// nothing the sanitizer changes), and three rows follow the cut, so the graphemes before
    /// it and the one at it are complete: a later byte changes none of them. The rest resumes
    /// as the next line of the block. It starts with neither a space (an indent to drop) nor a
    /// fence character (it could close the block); it is cleaned from the cut's column
    /// (`tailColumn`, for TABs); and it is wider than the content (three rows, each cut short
    /// by at most a wide character's column), so its breaks are marked "↩" as the whole line's
    /// are.
    private func freezeOpenCodeRows(_ raw: UnsafeBufferPointer<UInt8>) {
        guard case .fence(_, let indent) = state.mode else { return }
        let at = frozenCount
        let n = raw.count
        guard n - at > Self.openLineRows * width else { return }
        // The plain start of the open line: up to a control (a line break, a TAB, an escape)
        // or a scalar the sanitizer would change.
        let end = Self.plainEnd(raw, from: at, inlineSyntax: false)
        guard end - at > Self.openLineRows * width else { return }
        bytesExamined += end - at
        // The code itself: at a line's start, after the fence's indent.
        var content = at
        if tailColumn == 0 {
            while content < end, content - at < indent, raw[content] == 0x20 { content += 1 }
            // A space that the next scalar joins (a combining mark, a variation selector) is
            // one character with it, and the block keeps it: freeze nothing then.
            if content > at, content < end, raw[content] >= 0x80 { return }
        }
        let blocks = MDBlocks(width: width, depth: 0)
        let contentWidth = width - blocks.codePrefixWidth(indent: indent)
        guard contentWidth >= 4 else { return }
        let code = String(decoding: UnsafeBufferPointer(rebasing: raw[content..<end]), as: UTF8.self)
        let rows = blocks.renderCode([code[...]], indent: indent)
        guard rows.count > 3 else { return }
        var pos = content
        var frozenRows = 0
        var cut = content
        for (j, row) in rows.dropLast(3).enumerated() {
            // The row's code, as it reads in the text from where the row before it ended.
            guard let span = row.spans.first(where: { $0.attributes == .code }) else { break }
            var text = span.text
            let length = text.utf8.count
            guard length > 0, pos + length < end,
                  text.withUTF8({ $0.elementsEqual(raw[pos..<(pos + length)]) }) else { break }
            pos += length
            if Self.canCutCode(raw[pos]) {
                cut = pos
                frozenRows = j + 1
            }
        }
        guard frozenRows > 0 else { return }
        frozen.append(contentsOf: rows[..<frozenRows], referencing: raw, in: content..<cut)
        freeze(raw, upTo: cut, column: tailColumn + Self.columns(raw, from: at, to: cut))
        state.pendingBlank = false
        state.hasEarlierOutput = true
    }

    /// A quote's line at `at`, a line's start, after the quote's blank lines there (which end a
    /// paragraph of its content): where its content starts, and the state of the content's
    /// render before it (`inner` before the blank lines); `at` moves past the blank lines.
    /// Nil unless the line is one of a quote.
    private func quoteLine(_ raw: UnsafeBufferPointer<UInt8>, at: inout Int,
                           inner: MDResumeState) -> (Int, MDResumeState)? {
        var inner = inner
        var next = at
        while let after = Self.afterBlankQuoteLine(raw, at: next) { next = after }
        if next > at {
            switch inner.mode {
            case .paragraph, .block: break
            default: return nil
            }
            inner.mode = .block
            inner.pendingBlank = true
        }
        guard let content = Self.quoteContent(raw, at: next) else { return nil }
        at = next
        return (content, inner)
    }

    /// The start of the next line when the line at `at` is a quote's blank line (up to three
    /// spaces, a ">", spaces, a line feed).
    private static func afterBlankQuoteLine(_ raw: UnsafeBufferPointer<UInt8>, at: Int) -> Int? {
        quoteBarEnd(raw, at: at).flatMap { afterBlankLine(raw, at: $0) }
    }

    /// Where a quote's bar at `at` ends: after up to three spaces and a ">" (nil unless the line
    /// begins with one).
    private static func quoteBarEnd(_ raw: UnsafeBufferPointer<UInt8>, at: Int) -> Int? {
        var i = at
        while i < raw.count, i - at < 3, raw[i] == 0x20 { i += 1 }
        return i < raw.count && raw[i] == 0x3E ? i + 1 : nil
    }

    /// Where the scalar whose encoding starts at `i` ends (the text is a `String`'s UTF-8).
    private static func scalarEnd(_ raw: UnsafeBufferPointer<UInt8>, at i: Int) -> Int {
        i + (UTF8Scalars.scalar(in: raw, at: i)?.length ?? 1)
    }

    /// Where the content of a quote's line at `at` starts: after up to three spaces, a ">" and
    /// a space (nil unless the line is one). The space is a character of its own: `MDBlocks.quote`
    /// drops it as one. (A letter that joins it, as Thai SARA AM or a halfwidth sound mark does,
    /// leaves it in the content, as an indent that keeps the quote's list context: nil then.)
    private static func quoteContent(_ raw: UnsafeBufferPointer<UInt8>, at: Int) -> Int? {
        guard let bar = quoteBarEnd(raw, at: at), bar + 1 < raw.count, raw[bar] == 0x20 else { return nil }
        let content = bar + 1
        if raw[content] >= 0x80 {
            let end = scalarEnd(raw, at: content)
            guard String(decoding: UnsafeBufferPointer(rebasing: raw[bar..<end]), as: UTF8.self).first == " " else { return nil }
        }
        return content
    }

    /// The start of the next line when the line at `at` is blank (spaces, then a line feed).
    private static func afterBlankLine(_ raw: UnsafeBufferPointer<UInt8>, at: Int) -> Int? {
        var i = at
        while i < raw.count, raw[i] == 0x20 { i += 1 }
        return i < raw.count && raw[i] == 0x0A ? i + 1 : nil
    }

    /// Where the plain start of `raw[from...]` ends: at a control (a line break, a TAB, an
    /// escape), a scalar the sanitizer would change, or (`inlineSyntax`) a byte of inline
    /// syntax other than ':'.
    private static func plainEnd(_ raw: UnsafeBufferPointer<UInt8>, from: Int, inlineSyntax: Bool,
                                 limit: Int = .max) -> Int {
        let n = min(raw.count, limit)
        var end = from
        while end < n {
            end = ByteWords.skip(raw, from: end, to: n) {
                ByteWords.hasUnprintable($0) || (inlineSyntax && MDBlocks.hasPlainBreaker($0))
            }
            guard end < n else { break }
            let b = raw[end]
            if b < 0x80 {
                if b < 0x20 || b == 0x7F || (inlineSyntax && b != 0x3A && MDBlocks.isPlainBreaker(b)) { break }
                end += 1
                continue
            }
            guard let (scalar, length) = UTF8Scalars.scalar(in: raw, at: end), Sanitizer.keepsAsIs(scalar.value) else { break }
            end += length
        }
        return end
    }

    /// Whether the rest of a code line may start with `b`, a row's first byte: not a space,
    /// a backtick or a tilde (see `freezeOpenCodeRows`).
    private static func canCutCode(_ b: UInt8) -> Bool {
        b != 0x20 && b != 0x60 && b != 0x7E
    }

    /// The columns `raw[from..<to]` takes (text without controls or TABs).
    private static func columns(_ raw: UnsafeBufferPointer<UInt8>, from: Int, to: Int) -> Int {
        var column = 0
        var i = from
        while i < to {
            if raw[i] < 0x80 {
                column += 1
                i += 1
            } else if let (scalar, length) = UTF8Scalars.scalar(in: raw, at: i) {
                column += DisplayWidth.scalarWidth(scalar)
                i += length
            } else {
                i += 1
            }
        }
        return column
    }

    /// Whether the rest of a line may start at `i`, inside it, as a line of its own. After a
    /// break's spaces: when it starts a row. Inside a word (a long word's fill, a break between
    /// ideographs), also where no bare URL ("http://", "https://") could start or end across
    /// the cut and no image's "!" is left before it: the inline parse would see them there in
    /// the whole line, not in its rest.
    private static func canCut(_ raw: UnsafeBufferPointer<UInt8>, at i: Int) -> Bool {
        guard startsRow(raw, at: i) else { return false }
        let before = raw[i - 1]
        if before == 0x20 { return true }
        if raw[i] | 0x20 == 0x68 { return false }   // "h"
        if before >= 0x80 { return true }
        switch before | 0x20 {
        case 0x68, 0x74, 0x70, 0x73: return false   // "h", "t", "p", "s" of a scheme
        case 0x61...0x7A: return true
        default: return false
        }
    }

    /// Rows are frozen inside a line only past this many rows of it.
    static let openLineRows = 4

    /// Whether a paragraph's row can start at `i` as a line of its own: with a letter (no
    /// block starts with one, and no space to keep or drop).
    private static func startsRow(_ raw: UnsafeBufferPointer<UInt8>, at i: Int) -> Bool {
        let b = raw[i]
        if b < 0x80 { return (0x61...0x7A).contains(b | 0x20) }
        guard let scalar = UTF8Scalars.scalar(in: raw, at: i)?.scalar else { return false }
        return scalar.properties.isAlphabetic && !scalar.properties.isWhitespace
            && scalar.properties.generalCategory != .nonspacingMark && scalar.properties.generalCategory != .spacingMark
            && scalar.properties.generalCategory != .enclosingMark
    }

    private func renderTail(_ raw: UnsafeBufferPointer<UInt8>) -> [StyledLine] {
        freezePlainLines(raw)
        freezeOpenRows(raw)
        freezeOpenCodeRows(raw)
        let start = frozenCount
        let n = raw.count
        bytesExamined += n - start
        // Sanitize complete lines piece by piece, each ending at a line feed outside any
        // escape sequence: the sanitizer starts each piece fresh, so this is
        // `Sanitizer.clean` of the whole tail. `settled` holds the piece starts (clean
        // offset, raw offset): a render can resume there.
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
        // Otherwise the tail is cleaned in pieces that end at a line feed outside any
        // escape sequence: the sanitizer is back at its start state there.
        // The first piece starts at the tail's column (rows of its line may be frozen).
        var column = tailColumn
        var splitter = Sanitizer.LineSplitter()
        while k < n {
            if splitter.take(raw[k]) {
                clean += Sanitizer.clean(String(decoding: UnsafeBufferPointer(rebasing: raw[lineStart...k]), as: UTF8.self),
                                         column: column)
                column = 0
                lineStart = k + 1
                settled.append((clean.utf8.count, lineStart))
            }
            k += 1
        }
        if lineStart < n {
            clean += Sanitizer.clean(String(decoding: UnsafeBufferPointer(rebasing: raw[lineStart..<n]), as: UTF8.self),
                                     column: column)
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
        // Spans found byte for byte in the raw text are kept as places in it (the answer's
        // one copy), not as bytes of their own; a span the sanitizer changed is not found.
        frozen.append(contentsOf: r.out[..<cp.final], referencing: raw, in: start..<settled[lo].raw)
        freeze(raw, upTo: settled[lo].raw)
        state = cp.state
        return Array(r.out[cp.final...])
    }
}

/// A 64-bit fingerprint of a byte string, added to piece by piece (the same value
/// whatever the pieces), eight bytes at a time.
struct TextFingerprint: Equatable {
    private var hash: UInt64 = 0xCBF2_9CE4_8422_2325
    private var pending: UInt64 = 0
    private var pendingCount = 0

    mutating func add(_ bytes: UnsafeBufferPointer<UInt8>) {
        var i = 0
        let n = bytes.count
        while pendingCount != 0 && i < n {
            take(bytes[i])
            i += 1
        }
        if let base = bytes.baseAddress {
            let raw = UnsafeRawPointer(base)
            while n - i >= 8 {
                mix(UInt64(littleEndian: raw.loadUnaligned(fromByteOffset: i, as: UInt64.self)))
                i += 8
            }
        }
        while i < n {
            take(bytes[i])
            i += 1
        }
    }

    private mutating func take(_ b: UInt8) {
        pending |= UInt64(b) << (8 * UInt64(pendingCount))
        pendingCount += 1
        if pendingCount == 8 {
            mix(pending)
            pending = 0
            pendingCount = 0
        }
    }

    private mutating func mix(_ word: UInt64) {
        hash = (hash ^ word) &* 0x9E37_79B9_7F4A_7C15
        hash ^= hash >> 29
    }
}
