// Styled lines kept compactly: a long answer's laid-out lines, in about the bytes of their text.

/// Styled lines in one UTF-8 buffer, with each span's end and attributes: a laid-out answer
/// costs about its text, not a `String` and an array of spans a line (46,000 lines of a
/// 4 MiB answer were 2.2 bytes per answer byte). A line is made a `StyledLine` when read.
public struct CompactLines: RandomAccessCollection, Sendable, Equatable {
    private var bytes: [UInt8] = []
    /// Per line, the index of its first span; the last line's spans end at `spanEnds.count`.
    private var lineStarts: [UInt32] = []
    /// Per span, the end of its text in `bytes` (its start is the end of the span before).
    private var spanEnds: [UInt32] = []
    private var spanAttributes: [UInt16] = []

    public init() {}

    public init(_ lines: some Sequence<StyledLine>) {
        append(contentsOf: lines)
    }

    public var startIndex: Int { 0 }
    public var endIndex: Int { lineStarts.count }

    public subscript(i: Int) -> StyledLine {
        let first = Int(lineStarts[i])
        let end = i + 1 < lineStarts.count ? Int(lineStarts[i + 1]) : spanEnds.count
        var spans: [Span] = []
        spans.reserveCapacity(end - first)
        var from = first == 0 ? 0 : Int(spanEnds[first - 1])
        for k in first..<end {
            let to = Int(spanEnds[k])
            spans.append(Span(String(decoding: bytes[from..<to], as: UTF8.self), TextAttributes(rawValue: spanAttributes[k])))
            from = to
        }
        return StyledLine(spans)
    }

    public mutating func append(_ line: StyledLine) {
        lineStarts.append(UInt32(truncatingIfNeeded: spanEnds.count))
        for span in line.spans {
            bytes.append(contentsOf: span.text.utf8)
            spanEnds.append(UInt32(truncatingIfNeeded: bytes.count))
            spanAttributes.append(span.attributes.rawValue)
        }
    }

    public mutating func append(contentsOf lines: some Sequence<StyledLine>) {
        for line in lines { append(line) }
    }
}
