// Word wrapping of styled text by display width (and hard wrapping for code).

public enum Wrapper {
    /// Widths above this are treated as this (guards against absurd values).
    static let maxWidth = 1 << 16

    /// Word-wraps styled paragraphs to `width` columns.
    ///
    /// Breaks at spaces (the breaking space, and any run of spaces at a break,
    /// is dropped; trailing spaces at the end of a paragraph are dropped),
    /// also between CJK ideographs/kana (never before closing punctuation),
    /// keeps LF as hard line breaks, and hard-breaks a word longer than a
    /// line at grapheme boundaries by display width: a grapheme is never split
    /// and a width-2 grapheme never overflows a line, except on a line only
    /// one column wide, where it gets a line of its own. Leading spaces of a
    /// paragraph are kept. Attributes of the spans are preserved across breaks
    /// (adjacent pieces with equal attributes are merged). Every line after
    /// the first (after a wrap or an LF) is indented by `hangingIndent` spaces
    /// (capped at `width - 1`). `width` < 1 is treated as 1.
    ///
    /// Always returns at least one line (an empty one for empty input).
    public static func wrap(_ spans: [Span], width: Int, hangingIndent: Int = 0) -> [StyledLine] {
        if spans.count == 1, hangingIndent == 0, let lines = wrapPrintableASCII(spans[0], width: width) {
            return lines
        }
        return wrapGeneral(spans, width: width, hangingIndent: hangingIndent)
    }

    /// `wrap` by the general engine (graphemes, CJK, line breaks, indents).
    static func wrapGeneral(_ spans: [Span], width: Int, hangingIndent: Int = 0) -> [StyledLine] {
        var engine = WrapEngine(spans: spans, width: width, hangingIndent: hangingIndent, hard: false)
        return engine.run()
    }

    /// `wrap` of one span of printable ASCII (most streamed text, line by line): every byte
    /// is one column and one grapheme, and lines break only at spaces, so the engine's
    /// rules come down to a greedy pass over the bytes. Nil for any other text.
    static func wrapPrintableASCII(_ span: Span, width requested: Int) -> [StyledLine]? {
        var text = span.text
        return text.withUTF8 { b -> [StyledLine]? in
            for c in b where c < 0x20 || c >= 0x7F { return nil }
            let width = max(1, min(requested, maxWidth))
            let n = b.count
            // A line that fits, without spaces to drop at either end, is itself.
            if n > 0, n <= width, b[0] != 0x20, b[n - 1] != 0x20 { return [StyledLine([span])] }
            var lines: [StyledLine] = []
            // The current line's bytes (kept leading spaces, words and the spaces between them,
            // or the piece of a word too long for a line).
            var line: [UInt8] = []
            var hasContent = false
            var atParagraphStart = true
            func finish() {
                lines.append(StyledLine(line.isEmpty ? [] : [Span(String(decoding: line, as: UTF8.self), span.attributes)]))
                line.removeAll(keepingCapacity: true)
            }
            func newLine() {
                finish()
                hasContent = false
                atParagraphStart = false
            }
            var i = 0
            while i < n {
                let spaceStart = i
                while i < n && b[i] == 0x20 { i += 1 }
                let wordStart = i
                while i < n && b[i] != 0x20 { i += 1 }
                let spaces = wordStart - spaceStart, word = i - wordStart
                if word == 0 { break }   // spaces at the end: dropped
                if hasContent {
                    if line.count + spaces + word <= width {
                        line.append(contentsOf: UnsafeBufferPointer(rebasing: b[spaceStart..<i]))
                        continue
                    }
                    newLine()   // the spaces at the break are dropped
                } else if atParagraphStart {
                    // Leading spaces are kept, leaving at least one column.
                    let take = min(spaces, max(0, width - 1 - line.count))
                    line.append(contentsOf: repeatElement(0x20, count: take))
                }
                if line.count + word <= width {
                    line.append(contentsOf: UnsafeBufferPointer(rebasing: b[wordStart..<i]))
                    hasContent = true
                    continue
                }
                // A word longer than the line: broken wherever the line is full.
                var k = wordStart
                while k < i {
                    if line.count >= width && !line.isEmpty { newLine() }
                    let take = max(1, min(width - line.count, i - k))
                    line.append(contentsOf: UnsafeBufferPointer(rebasing: b[k..<(k + take)]))
                    hasContent = true
                    k += take
                }
            }
            finish()
            return lines
        }
    }

    /// Plain-text convenience for `wrap(_:width:hangingIndent:)`.
    public static func wrap(_ text: String, width: Int) -> [String] {
        wrap([Span(text)], width: width).map(\.plainText)
    }

    /// Breaks styled text into lines of at most `width` columns at grapheme
    /// boundaries, ignoring words: every space is kept (used for code). LF is
    /// a hard line break. `width` < 1 is treated as 1; a width-2 grapheme on
    /// a 1-column line gets a line of its own.
    public static func hardWrap(_ spans: [Span], width: Int) -> [StyledLine] {
        var engine = WrapEngine(spans: spans, width: width, hangingIndent: 0, hard: true)
        return engine.run()
    }
}

// MARK: - Wrapping engine

/// One grapheme of the input, or a run of printable ASCII characters (each
/// one byte, one column and one grapheme, so a run can be split anywhere),
/// located in its span by UTF-8 offsets.
private struct WrapAtom {
    enum Kind: UInt8 { case text, space, newline }
    static let breaksAround: UInt8 = 1   // ideographs, kana: a break is allowed before and after
    static let noBreakBefore: UInt8 = 2  // closing punctuation
    static let noBreakAfter: UInt8 = 4   // opening punctuation
    static let asciiRun: UInt8 = 8       // printable ASCII: width == end - start

    static let maxRun = 4096

    var start: Int
    var end: Int
    var span: Int32
    var width: Int16
    var kind: Kind
    var flags: UInt8 = 0
}

private struct WrapEngine {
    let spans: [Span]
    let width: Int
    let indent: Int
    let hard: Bool

    var atoms: [WrapAtom] = []
    var lines: [StyledLine] = []

    // Current line.
    var lineSpans: [Span] = []
    var lineWidth = 0
    var lineHasAtoms = false       // anything placed (beyond the indent)
    var lineHasContent = false     // a non-space grapheme placed
    var atParagraphStart = true    // line begun by the start of text or an LF
    var indentPending = false      // indent to be written before the first atom
    // Pending run of text from one span, not yet copied into lineSpans.
    var runSpan: Int = -1
    var runStart = 0
    var runEnd = 0

    init(spans: [Span], width: Int, hangingIndent: Int, hard: Bool) {
        self.spans = spans
        self.width = max(1, min(width, Wrapper.maxWidth))
        self.indent = max(0, min(hangingIndent, self.width - 1))
        self.hard = hard
    }

    mutating func run() -> [StyledLine] {
        buildAtoms()
        let n = atoms.count
        var i = 0
        while i < n {
            let kind = atoms[i].kind
            if kind == .newline {
                newLine(soft: false)
                i += 1
                continue
            }
            if hard {
                placeHard(i)
                i += 1
                continue
            }
            // A run of spaces, then a word.
            var wordStart = i
            var spaceWidth = 0
            while wordStart < n && atoms[wordStart].kind == .space {
                spaceWidth += Int(atoms[wordStart].width)
                wordStart += 1
            }
            var wordEnd = wordStart
            var wordWidth = 0
            if wordEnd < n && atoms[wordEnd].kind == .text {
                wordWidth += Int(atoms[wordEnd].width)
                wordEnd += 1
                while wordEnd < n && atoms[wordEnd].kind == .text
                        && !Self.canBreak(atoms[wordEnd - 1], atoms[wordEnd]) {
                    wordWidth += Int(atoms[wordEnd].width)
                    wordEnd += 1
                }
            }
            if wordEnd == wordStart {
                // Spaces before an LF or the end of the text: dropped.
                i = wordStart
                continue
            }
            placeWord(spaces: i..<wordStart, spaceWidth: spaceWidth, word: wordStart..<wordEnd, wordWidth: wordWidth)
            i = wordEnd
        }
        finishLine()
        return lines
    }

    private static func canBreak(_ a: WrapAtom, _ b: WrapAtom) -> Bool {
        ((a.flags | b.flags) & WrapAtom.breaksAround) != 0
            && (b.flags & WrapAtom.noBreakBefore) == 0 && (a.flags & WrapAtom.noBreakAfter) == 0
    }

    // MARK: Placement

    private mutating func placeWord(spaces: Range<Int>, spaceWidth: Int, word: Range<Int>, wordWidth: Int) {
        if lineHasContent {
            if lineWidth + spaceWidth + wordWidth <= width {
                for k in spaces { emit(k) }
                for k in word { emit(k) }
                return
            }
            newLine(soft: true)   // the spaces at the break are dropped
        } else if atParagraphStart {
            // Leading spaces of a paragraph are kept, leaving at least one column.
            for k in spaces {
                let atom = atoms[k]
                let room = width - 1 - lineWidth
                if atom.flags & WrapAtom.asciiRun != 0 {
                    let take = min(room, Int(atom.width))
                    if take > 0 { emit(atom, start: atom.start, end: atom.start + take, width: take) }
                } else if Int(atom.width) <= room {
                    emit(k)
                }
            }
        }
        if lineWidth + wordWidth <= width {
            for k in word { emit(k) }
            return
        }
        // Hard-break a word longer than the line.
        for k in word {
            placeHard(k)
        }
    }

    /// Places an atom grapheme by grapheme, starting a new line whenever the
    /// next grapheme would overflow.
    private mutating func placeHard(_ k: Int) {
        let atom = atoms[k]
        if atom.flags & WrapAtom.asciiRun != 0 {
            // One column per byte: split the run wherever the line is full.
            var start = atom.start
            var remaining = Int(atom.width)
            while remaining > 0 {
                if lineWidth >= width && lineHasAtoms { newLine(soft: true) }
                let take = max(1, min(width - lineWidth, remaining))
                emit(atom, start: start, end: start + take, width: take)
                start += take
                remaining -= take
            }
            return
        }
        let w = Int(atom.width)
        if lineWidth + w > width {
            if lineHasAtoms {
                newLine(soft: true)
            }
            if lineWidth + w > width && indentPending {
                // Does not fit even after the indent: drop the indent on this line.
                indentPending = false
                lineWidth = 0
            }
        }
        emit(k)
    }

    private mutating func emit(_ k: Int) {
        let atom = atoms[k]
        emit(atom, start: atom.start, end: atom.end, width: Int(atom.width))
    }

    /// Appends the bytes `start..<end` of `atom`'s span to the line.
    private mutating func emit(_ atom: WrapAtom, start: Int, end: Int, width w: Int) {
        if indentPending {
            indentPending = false
            flushRun()
            append(String(repeating: " ", count: indent), [])
        }
        let s = Int(atom.span)
        if s == runSpan && start == runEnd {
            runEnd = end
        } else {
            flushRun()
            runSpan = s
            runStart = start
            runEnd = end
        }
        lineWidth += w
        lineHasAtoms = true
        if atom.kind == .text { lineHasContent = true }
    }

    private mutating func flushRun() {
        guard runSpan >= 0 else { return }
        let span = spans[runSpan]
        let utf8 = span.text.utf8
        let a = utf8.index(utf8.startIndex, offsetBy: runStart)
        let b = utf8.index(a, offsetBy: runEnd - runStart)
        append(Substring(utf8[a..<b]), span.attributes)
        runSpan = -1
    }

    private mutating func append(_ text: some StringProtocol, _ attributes: TextAttributes) {
        if text.isEmpty { return }
        if let last = lineSpans.indices.last, lineSpans[last].attributes == attributes {
            lineSpans[last].text += text
        } else {
            lineSpans.append(Span(String(text), attributes))
        }
    }

    private mutating func finishLine() {
        flushRun()
        lines.append(StyledLine(lineSpans))
        lineSpans = []
    }

    private mutating func newLine(soft: Bool) {
        finishLine()
        lineWidth = indent
        indentPending = indent > 0
        lineHasAtoms = false
        lineHasContent = false
        atParagraphStart = !soft
    }

    // MARK: Atoms

    private mutating func buildAtoms() {
        var total = 0
        for span in spans { total += span.text.utf8.count }
        atoms.reserveCapacity(total / 4 + 8)
        for (index, span) in spans.enumerated() {
            addAtoms(of: span.text, span: Int32(truncatingIfNeeded: index))
        }
    }

    private mutating func addAtoms(of text: String, span: Int32) {
        var text = text
        text.makeContiguousUTF8()   // no-op for native strings
        var list = atoms
        atoms = []
        let hard = self.hard
        text.utf8.withContiguousStorageIfAvailable { bytes in
            Self.addAtoms(of: text, bytes: bytes, span: span, hard: hard, to: &list)
        }
        atoms = list
    }

    private static func addAtoms(of text: String, bytes: UnsafeBufferPointer<UInt8>, span: Int32, hard: Bool,
                                 to atoms: inout [WrapAtom]) {
        let n = bytes.count
        var i = 0
        while i < n {
            let b = bytes[i]
            // A printable ASCII byte followed by ASCII (or the end) is a whole
            // grapheme; gather a run of them (spaces and non-spaces apart).
            if b >= 0x20 && b < 0x7F && (i + 1 == n || bytes[i + 1] < 0x80) {
                let isSpace = b == 0x20 && !hard
                var j = i + 1
                let limit = min(n, i + WrapAtom.maxRun)
                while j < limit {
                    let c = bytes[j]
                    guard c >= 0x20 && c < 0x7F && (hard || (c == 0x20) == (b == 0x20))
                            && (j + 1 == n || bytes[j + 1] < 0x80) else { break }
                    j += 1
                }
                var atom = WrapAtom(start: i, end: j,
                                span: span, width: Int16(j - i), kind: isSpace ? .space : .text,
                                flags: WrapAtom.asciiRun)
                switch b {
                case 0x29, 0x2C, 0x2E, 0x3A, 0x3B, 0x3F, 0x21, 0x5D, 0x7D, 0x25:  // ) , . : ; ? ! ] } %
                    atom.flags |= WrapAtom.noBreakBefore
                default:
                    break
                }
                switch bytes[j - 1] {
                case 0x28, 0x5B, 0x7B:  // ( [ {
                    atom.flags |= WrapAtom.noBreakAfter
                default:
                    break
                }
                atoms.append(atom)
                i = j
                continue
            }
            // Common CJK characters (one 3-byte scalar each) followed by ASCII,
            // by another of them or by the end: a whole grapheme of width 2.
            if b >= 0xE3 && b <= 0xEF, let v = Self.simpleCJK(bytes, i),
               i + 3 == n || bytes[i + 3] < 0x80 || Self.simpleCJK(bytes, i + 3) != nil {
                atoms.append(WrapAtom(start: i, end: i + 3, span: span, width: 2, kind: .text,
                                      flags: Self.classify(v, width: 2)))
                i += 3
                continue
            }
            // Anything else: find the grapheme's end.
            let utf8 = text.utf8
            let index = utf8.index(utf8.startIndex, offsetBy: i)
            let clusterEnd = text.index(after: index)
            let next = utf8.distance(from: utf8.startIndex, to: clusterEnd)
            guard next > i else { break }   // cannot happen; guarantees progress
            let scalars = text.unicodeScalars[index..<clusterEnd]
            var atom = WrapAtom(start: i, end: next,
                            span: span, width: 0, kind: .text)
            if let first = scalars.first {
                let v = first.value
                if v == 0x0A || v == 0x0D || v == 0x0B || v == 0x0C || v == 0x85 || v == 0x2028 || v == 0x2029 {
                    atom.kind = .newline   // LF, CRLF, CR and other line breaks
                } else {
                    atom.width = Int16(DisplayWidth.clusterWidth(scalars))
                    if !hard && Self.isBreakingSpace(v) && next - i == Int(UTF8.width(first)) {
                        atom.kind = .space
                    } else {
                        atom.flags = Self.classify(v, width: atom.width)
                    }
                }
            }
            atoms.append(atom)
            i = next
        }
    }

    /// The scalar encoded at `i` if it is a kana, a CJK ideograph, common
    /// CJK punctuation or a fullwidth form: wide characters that never join a
    /// neighbour into one grapheme (checked against the runtime's Unicode data).
    private static func simpleCJK(_ bytes: UnsafeBufferPointer<UInt8>, _ i: Int) -> UInt32? {
        guard i + 2 < bytes.count else { return nil }
        let b0 = bytes[i], b1 = bytes[i + 1], b2 = bytes[i + 2]
        guard b0 & 0xF0 == 0xE0, b1 & 0xC0 == 0x80, b2 & 0xC0 == 0x80 else { return nil }
        let v = UInt32(b0 & 0x0F) << 12 | UInt32(b1 & 0x3F) << 6 | UInt32(b2 & 0x3F)
        switch v {
        case 0x4E00...0x9FFF, 0x3041...0x3096, 0x30A1...0x30FF, 0x3001...0x3003, 0x3008...0x3011,
             0x3014...0x301B, 0xFF01...0xFF60:
            return v
        default:
            return nil
        }
    }

    private static func isBreakingSpace(_ v: UInt32) -> Bool {
        switch v {
        case 0x20, 0x1680, 0x2000...0x2006, 0x2008...0x200A, 0x205F, 0x3000:
            return true
        default:
            return false   // NBSP U+00A0, U+2007, U+202F do not break
        }
    }

    /// Line-break class for text without spaces (a small subset of UAX #14).
    private static func classify(_ v: UInt32, width: Int16) -> UInt8 {
        switch v {
        // Closing punctuation, small kana, prolonged sound mark: no break before.
        case 0x3001, 0x3002, 0xFF0C, 0xFF0E, 0xFF1A, 0xFF1B, 0xFF01, 0xFF1F, 0xFF09, 0xFF3D, 0xFF5D,
             0x300D, 0x300F, 0x3011, 0x3009, 0x300B, 0x3015, 0x3017, 0x3019, 0x301B, 0x2019, 0x201D,
             0x30FB, 0x30FC, 0x3005, 0xFF5E, 0x2026, 0x2025, 0xFF61, 0xFF63, 0xFF64,
             0x3041, 0x3043, 0x3045, 0x3047, 0x3049, 0x3063, 0x3083, 0x3085, 0x3087, 0x308E, 0x3095, 0x3096,
             0x30A1, 0x30A3, 0x30A5, 0x30A7, 0x30A9, 0x30C3, 0x30E3, 0x30E5, 0x30E7, 0x30EE, 0x30F5, 0x30F6:
            return WrapAtom.noBreakBefore | (width == 2 ? WrapAtom.breaksAround : 0)
        // Opening punctuation: no break after.
        case 0xFF08, 0xFF3B, 0xFF5B, 0x300C, 0x300E, 0x3010, 0x3008, 0x300A, 0x3014, 0x3016, 0x3018,
             0x301A, 0x2018, 0x201C:
            return WrapAtom.noBreakAfter | (width == 2 ? WrapAtom.breaksAround : 0)
        // Hangul is written with spaces between words: wrap it like Latin.
        case 0x1100...0x11FF, 0x3130...0x318F, 0xA960...0xA97F, 0xAC00...0xD7FF:
            return 0
        default:
            // Ideographs, kana, fullwidth forms: a break is allowed between
            // them. (No emoji has default emoji presentation in 2E80..<1F000.)
            if width == 2 && ((v >= 0x2E80 && v < 0x1F000) || v >= 0x20000) {
                return WrapAtom.breaksAround
            }
            return 0
        }
    }
}
