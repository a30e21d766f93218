// Render: the canvas (a grid of styled cells) the renderer draws and the terminal driver shows.
import RobofyAPI
import RobofyText

/// A colour as the theme names it; the terminal driver maps it to what the
/// terminal can show (truecolor, 256, 8 colours or none).
public enum Color: Sendable, Hashable {
    case terminalDefault
    case rgb(RGB)
}

/// The look of one cell.
public struct CellStyle: Sendable, Hashable {
    public var fg: Color
    public var bg: Color
    public var bold = false
    public var italic = false
    public var underline = false
    public var dim = false
    public var reverse = false

    public init(fg: Color = .terminalDefault, bg: Color = .terminalDefault, bold: Bool = false, italic: Bool = false,
                underline: Bool = false, dim: Bool = false, reverse: Bool = false) {
        self.fg = fg
        self.bg = bg
        self.bold = bold
        self.italic = italic
        self.underline = underline
        self.dim = dim
        self.reverse = reverse
    }

    public static let plain = CellStyle()

    /// This style with a text's attributes (bold, code, link…) laid over it.
    public func with(_ a: TextAttributes, theme: Theme) -> CellStyle {
        var s = self
        if a.contains(.bold) || a.contains(.heading) { s.bold = true }
        if a.contains(.italic) { s.italic = true }
        if a.contains(.underline) || a.contains(.link) { s.underline = true }
        if a.contains(.dim) { s.dim = true }
        if a.contains(.reverse) { s.reverse = true }
        if a.contains(.code) { s.fg = theme.code.fg; if theme.code.bg != .terminalDefault { s.bg = theme.code.bg } }
        if a.contains(.link) { s.fg = theme.link.fg }
        if a.contains(.heading) { s.fg = theme.accentText.fg }
        if a.contains(.quote) { s.dim = true }
        return s
    }
}

/// One terminal cell: a grapheme (or "" for the columns a wide one covers after its first)
/// and its style. The driver draws the grapheme in `DisplayWidth.terminalForm`.
public struct Cell: Sendable, Hashable {
    public var text: String
    public var style: CellStyle
    public init(_ text: String, _ style: CellStyle) {
        self.text = text
        self.style = style
    }
}

public struct Rect: Sendable, Hashable {
    public var x: Int, y: Int, width: Int, height: Int
    public init(x: Int, y: Int, width: Int, height: Int) {
        self.x = x
        self.y = y
        self.width = width
        self.height = height
    }
    public func contains(x px: Int, y py: Int) -> Bool {
        px >= x && px < x + width && py >= y && py < y + height
    }
}

/// A grid of cells: what one frame shows. Only sanitized text should be put here.
public struct Canvas: Sendable, Equatable {
    public let width: Int
    public let height: Int
    public private(set) var cells: [Cell]
    /// Where the terminal cursor should be (the input caret), if visible.
    public var cursor: (x: Int, y: Int)?

    public init(width: Int, height: Int, fill: CellStyle = .plain) {
        self.width = max(0, width)
        self.height = max(0, height)
        cells = Array(repeating: Cell(" ", fill), count: self.width * self.height)
    }

    public static func == (a: Canvas, b: Canvas) -> Bool {
        a.width == b.width && a.height == b.height && a.cells == b.cells
            && a.cursor?.x == b.cursor?.x && a.cursor?.y == b.cursor?.y
    }

    public subscript(x: Int, y: Int) -> Cell {
        get { cells[y * width + x] }
        set { cells[y * width + x] = newValue }
    }

    public func row(_ y: Int) -> ArraySlice<Cell> {
        cells[(y * width)..<((y + 1) * width)]
    }

    /// Copies row `y` of a canvas of the same size into this one.
    public mutating func copyRow(_ y: Int, from other: Canvas) {
        guard other.width == width, other.height == height, y >= 0, y < height else { return }
        let r = (y * width)..<((y + 1) * width)
        cells.replaceSubrange(r, with: other.cells[r])
    }

    /// Fills a rectangle with spaces in a style.
    public mutating func fill(_ r: Rect, _ style: CellStyle) {
        let x0 = max(0, r.x), x1 = min(width, r.x + r.width)
        let y0 = max(0, r.y), y1 = min(height, r.y + r.height)
        guard x0 < x1, y0 < y1 else { return }
        for y in y0..<y1 {
            for x in x0..<x1 { cells[y * width + x] = Cell(" ", style) }
        }
    }

    /// Writes text from (x, y), clipped at `maxX` (exclusive; default the right edge) and
    /// left of `minX` (a region's left edge). Returns the column after the last one written.
    /// Never splits a wide grapheme.
    @discardableResult
    public mutating func put(_ text: some StringProtocol, x: Int, y: Int, style: CellStyle, maxX: Int? = nil,
                             minX: Int = 0) -> Int {
        guard y >= 0, y < height else { return x }
        let limit = min(maxX ?? width, width)
        let lo = max(0, minX)
        var col = x
        // Fast path: a printable ASCII byte followed by ASCII (or the end) is a grapheme of
        // its own, one column wide, so a run of them needs no grapheme breaking. The last
        // byte before other text goes the slow way (it may be the base of a cluster).
        let utf8 = text.utf8
        let fast = utf8.withContiguousStorageIfAvailable { bytes -> (done: Int, col: Int, full: Bool) in
            var k = 0
            while k < bytes.count, bytes[k] >= 0x20, bytes[k] < 0x7F { k += 1 }
            if k < bytes.count { k = max(0, k - 1) }
            var c = col
            for i in 0..<k {
                if c + 1 > limit { return (i, c, true) }
                if c >= lo {
                    if c < width, cells[y * width + c].text.isEmpty, c > 0 {
                        cells[y * width + c - 1].text = " "
                    }
                    cells[y * width + c] = Cell(Self.asciiText[Int(bytes[i])], style)
                    if c + 1 < width, cells[y * width + c + 1].text.isEmpty {
                        cells[y * width + c + 1].text = " "
                    }
                }
                c += 1
            }
            return (k, c, false)
        }
        if let fast {
            col = fast.col
            if fast.full || fast.done == utf8.count { return col }
        }
        let remaining = fast.map { text[utf8.index(utf8.startIndex, offsetBy: $0.done)...] } ?? text[...]
        for ch in remaining {
            let w = DisplayWidth.of(ch)
            if w == 0 {
                // A lone zero-width grapheme (already sanitized): attach nothing.
                continue
            }
            if col + w > limit { break }
            if col >= lo {
                // Overwriting half of a wide character leaves a blank, not a broken glyph.
                if col < width, cells[y * width + col].text.isEmpty, col > 0 {
                    cells[y * width + col - 1].text = " "
                }
                cells[y * width + col] = Cell(String(ch), style)
                // The columns a wide grapheme covers after its first hold "" (a cluster can
                // be wider than 2: a prepended mark before a wide letter, a conjunct).
                var k = 1
                while k < w, col + k < width {
                    cells[y * width + col + k] = Cell("", style)
                    k += 1
                }
                if col + w < width, cells[y * width + col + w].text.isEmpty {
                    cells[y * width + col + w].text = " "
                }
            }
            col += w
        }
        return col
    }

    /// One-character strings for the ASCII bytes (the fast path of `put`).
    private static let asciiText: [String] = (0..<128).map { String(UnicodeScalar(UInt8($0))) }

    /// Writes styled spans from (x, y) over a base style.
    @discardableResult
    public mutating func put(_ line: StyledLine, x: Int, y: Int, base: CellStyle, theme: Theme, maxX: Int? = nil,
                             minX: Int = 0) -> Int {
        var col = x
        for span in line.spans {
            col = put(span.text, x: col, y: y, style: base.with(span.attributes, theme: theme), maxX: maxX, minX: minX)
        }
        return col
    }

    /// The frame as plain text, one line per row, trailing spaces trimmed.
    public var plainText: String {
        (0..<height).map { y in
            var line = ""
            for c in row(y) { line += c.text }
            while line.hasSuffix(" ") { line.removeLast() }
            return line
        }.joined(separator: "\n")
    }

    /// The text of one row (trailing spaces trimmed).
    public func text(ofRow y: Int) -> String {
        var line = ""
        for c in row(y) { line += c.text }
        while line.hasSuffix(" ") { line.removeLast() }
        return line
    }
}
