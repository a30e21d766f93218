// Styled lines kept compactly: a long answer's laid-out lines, in about the bytes of their text.

/// Styled lines in UTF-8 blocks, with each span's place and attributes: a laid-out answer
/// costs about its text, not a `String` and an array of spans a line (46,000 lines of a
/// 4 MiB answer were 2.2 bytes per answer byte). A line is made a `StyledLine` when read.
///
/// The text is kept in blocks of 128 KiB (each mapped on its own: see `malloc_arenas.c`)
/// that never move once full, not in one array: an array that grows by doubling copies all
/// it holds, and for that moment holds it twice (heaptrack: a 4 MiB answer's lines held
/// 11 MiB at the heap's peak).
/// A span never straddles two blocks: one that does not fit in the rest of a block starts
/// the next, and one longer than a block gets a block of its own.
public struct CompactLines: RandomAccessCollection, Sendable, Equatable {
    static let blockSize = 1 << 17
    /// The text. A span's place is a virtual offset: `block * blockSize + offset in the block`.
    /// Only the last block is appended to, and only while `lastOpen`; the first grows as an
    /// array does (a short message's lines take about their text, not a whole block).
    private var blocks: [[UInt8]] = []
    private var lastOpen = false
    /// Per line, the index of its first span; the last line's spans end at `spanStarts.count`.
    private var lineStarts: [UInt32] = []
    /// Per span, the virtual offset of its text and its length in bytes.
    private var spanStarts: [Int] = []
    private var spanLengths: [UInt32] = []
    private var spanAttributes: [UInt16] = []

    public init() {}

    public init(_ lines: some Sequence<StyledLine>) {
        append(contentsOf: lines)
    }

    public var startIndex: Int { 0 }
    public var endIndex: Int { lineStarts.count }

    /// A span's length with this bit set: its text is not kept here but at `spanStarts` in
    /// the text the lines were laid out from (`append(contentsOf:referencing:)`).
    static let referenceBit: UInt32 = 1 << 31

    /// Whether some spans are places in the laid-out text (read with `line(_:source:)`).
    public private(set) var hasReferences = false

    /// Line `i`. Spans that are places in the laid-out text read as empty: lines appended
    /// with `referencing` are read with `line(_:source:)`.
    public subscript(i: Int) -> StyledLine {
        line(i, source: nil)
    }

    /// Line `i`, its referenced spans read from `source` (the bytes of the text the lines
    /// were laid out from, by offset).
    public func line(_ i: Int, source: ((Range<Int>) -> String)?) -> StyledLine {
        let first = Int(lineStarts[i])
        let end = i + 1 < lineStarts.count ? Int(lineStarts[i + 1]) : spanStarts.count
        var spans: [Span] = []
        spans.reserveCapacity(end - first)
        for k in first..<end {
            let at = spanStarts[k], raw = spanLengths[k]
            let text: String
            if raw & Self.referenceBit != 0 {
                let length = Int(raw & ~Self.referenceBit)
                text = source?(at..<(at + length)) ?? ""
            } else if raw == 0 {
                text = ""
            } else {
                let block = at / Self.blockSize, from = at % Self.blockSize
                text = String(decoding: blocks[block][from..<(from + Int(raw))], as: UTF8.self)
            }
            spans.append(Span(text, TextAttributes(rawValue: spanAttributes[k])))
        }
        return StyledLine(spans)
    }

    public mutating func append(_ line: StyledLine) {
        lineStarts.append(UInt32(truncatingIfNeeded: spanStarts.count))
        for span in line.spans { appendKept(span) }
    }

    /// A span of the last line, its bytes kept here.
    private mutating func appendKept(_ span: Span) {
        spanStarts.append(store(span.text.utf8))
        spanLengths.append(UInt32(truncatingIfNeeded: span.text.utf8.count))
        spanAttributes.append(span.attributes.rawValue)
    }

    public mutating func append(contentsOf lines: some Sequence<StyledLine>) {
        for line in lines { append(line) }
    }

    /// Appends lines laid out from `text[range]`, keeping a span that appears there, in
    /// order, as its place instead of its bytes: a long answer's plain lines are its own
    /// text, and need not be kept twice. A span is looked for a little way ahead of where
    /// the last one was found (past markup, a line break), and kept as bytes when it is not
    /// there, so a line always reads back exactly as it was. `text[range]` must not change
    /// while these lines are read.
    public mutating func append(contentsOf lines: some Sequence<StyledLine>,
                                referencing text: UnsafeBufferPointer<UInt8>, in range: Range<Int>) {
        var cursor = range.lowerBound
        let end = Swift.min(range.upperBound, text.count)
        // Bytes of the lines since the last span found: the text to look past grows with them
        // (a run of short or rewritten spans does not leave the search behind).
        var missed = 0
        for line in lines {
            lineStarts.append(UInt32(truncatingIfNeeded: spanStarts.count))
            missed += 1
            for span in line.spans {
                let utf8 = span.text.utf8
                let n = utf8.count
                var found: Int?
                if n >= Self.minimumReference, n < Int(Self.referenceBit) {
                    found = utf8.withContiguousStorageIfAvailable { s in
                        Self.find(s, in: text, from: cursor, to: end, ahead: Self.lookAhead + 2 * missed)
                    } ?? nil
                }
                guard let at = found else {
                    missed += n
                    appendKept(span)
                    continue
                }
                appendPlace(at: at, length: n, attributes: span.attributes)
                cursor = at + n
                missed = 0
            }
        }
    }

    /// Appends a line of one span, `text[range]` with no attributes, kept as its place in
    /// `text` (as bytes when it is too short to be worth a place). `text[range]` must not
    /// change while the line is read.
    public mutating func appendPlace(_ range: Range<Int>, in text: UnsafeBufferPointer<UInt8>) {
        let n = range.count
        guard n >= Self.minimumReference, n < Int(Self.referenceBit) else {
            append(StyledLine([Span(String(decoding: UnsafeBufferPointer(rebasing: text[range]), as: UTF8.self))]))
            return
        }
        lineStarts.append(UInt32(truncatingIfNeeded: spanStarts.count))
        appendPlace(at: range.lowerBound, length: n, attributes: TextAttributes())
    }

    /// A span of the last line, kept as its place `at` in the laid-out text.
    private mutating func appendPlace(at: Int, length: Int, attributes: TextAttributes) {
        spanStarts.append(at)
        spanLengths.append(UInt32(length) | Self.referenceBit)
        spanAttributes.append(attributes.rawValue)
        hasReferences = true
    }

    /// Bytes of text kept here (not counting the spans kept as places).
    var storedBytes: Int { blocks.reduce(0) { $0 + $1.count } }

    /// Spans shorter than this are kept as bytes (a place costs as much).
    static let minimumReference = 8
    /// How far past the last span a span is looked for.
    static let lookAhead = 256

    /// Where `span` first appears in `text[from..<to]`, starting within `ahead` of `from`.
    static func find(_ span: UnsafeBufferPointer<UInt8>, in text: UnsafeBufferPointer<UInt8>,
                     from: Int, to: Int, ahead: Int) -> Int? {
        let n = span.count
        guard n > 0 else { return nil }
        let first = span[0]
        var p = Swift.max(0, from)
        let last = Swift.min(to - n, p + ahead)
        search: while p <= last {
            defer { p += 1 }
            guard text[p] == first else { continue }
            for k in 1..<n where text[p + k] != span[k] { continue search }
            return p
        }
        return nil
    }

    /// Keeps `text` in a block; its virtual offset.
    private mutating func store(_ text: String.UTF8View) -> Int {
        let n = text.count
        let size = Self.blockSize
        guard n > 0 else { return 0 }  // never read
        if n > size {
            // A block of its own, taking up as many blocks' places as it needs (the
            // places after the first stay empty): the next span starts a new block.
            let at = blocks.count * size
            blocks.append(Array(text))
            for _ in 1..<((n + size - 1) / size) { blocks.append([]) }
            lastOpen = false
            return at
        }
        if !lastOpen || blocks[blocks.count - 1].count + n > size {
            // The first block grows as an array does; a second means a long text: its
            // blocks are made whole at once (no copies while they fill).
            var block: [UInt8] = []
            if !blocks.isEmpty { block.reserveCapacity(size) }
            blocks.append(block)
            lastOpen = true
        }
        let last = blocks.count - 1
        let at = last * size + blocks[last].count
        blocks[last].append(contentsOf: text)
        return at
    }
}
