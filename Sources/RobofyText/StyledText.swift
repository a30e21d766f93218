// Styled text: attributed spans and lines (what Markdown and the wrapper produce).

/// Text styles a span can carry. The renderer maps them to terminal attributes.
public struct TextAttributes: OptionSet, Sendable, Hashable {
    public let rawValue: UInt16
    public init(rawValue: UInt16) { self.rawValue = rawValue }

    public static let bold      = TextAttributes(rawValue: 1 << 0)
    public static let italic    = TextAttributes(rawValue: 1 << 1)
    public static let underline = TextAttributes(rawValue: 1 << 2)
    public static let dim       = TextAttributes(rawValue: 1 << 3)
    public static let reverse   = TextAttributes(rawValue: 1 << 4)
    public static let code      = TextAttributes(rawValue: 1 << 5)
    public static let link      = TextAttributes(rawValue: 1 << 6)
    public static let heading   = TextAttributes(rawValue: 1 << 7)
    public static let quote     = TextAttributes(rawValue: 1 << 8)
}

/// A run of text with one set of attributes.
public struct Span: Sendable, Equatable {
    public var text: String
    public var attributes: TextAttributes

    public init(_ text: String, _ attributes: TextAttributes = []) {
        self.text = text
        self.attributes = attributes
    }
}

/// One display line: spans drawn left to right.
public struct StyledLine: Sendable, Equatable {
    public var spans: [Span]

    public init(_ spans: [Span] = []) {
        self.spans = spans
    }

    /// Display width in terminal columns.
    public var width: Int {
        var w = 0
        for span in spans { w += DisplayWidth.of(span.text) }
        return w
    }

    /// The line's text without attributes.
    public var plainText: String {
        if spans.count == 1 { return spans[0].text }
        var s = ""
        for span in spans { s += span.text }
        return s
    }
}
