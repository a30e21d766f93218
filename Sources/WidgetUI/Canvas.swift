// Render: the canvas (a grid of styled cells) the renderer draws and the terminal driver shows.
import Foundation
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
/// and its style. The driver draws the grapheme in `DisplayWidth.terminalForm`. The canvas
/// keeps its cells compact and makes a `Cell` only when one is asked for.
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
///
/// The cells are compact: each is one `UInt64` holding a style's number (`StyleID`, in the
/// process's style table) and a glyph — a Unicode scalar, an index into this canvas's table
/// of graphemes of more than one scalar (emoji sequences, keycaps, combining marks), or 0
/// for the columns a wide grapheme covers after its first. A frame is a few arrays, not a
/// String per cell; two frames compare row by row (`changedRows(since:)`), and the driver
/// writes only the cells that changed (`forEachChangedRun`).
public struct Canvas: Sendable, Equatable {
    public let width: Int
    public let height: Int
    /// The cells, row after row (see `Canvas`).
    private(set) var codes: [UInt64]
    /// The graphemes of more than one scalar the cells show, and their indexes.
    private(set) var clusters: [String] = []
    private var clusterIDs: [String: UInt32] = [:]
    /// The last style `put` or `fill` looked up, and its number.
    private var memoStyle = CellStyle.plain
    private var memoID: UInt32 = 0
    /// Where the terminal cursor should be (the input caret), if visible.
    public var cursor: (x: Int, y: Int)?

    static let clusterBit: UInt32 = 0x8000_0000
    static let space: UInt32 = 0x20

    public init(width: Int, height: Int, fill: CellStyle = .plain) {
        self.width = max(0, width)
        self.height = max(0, height)
        codes = Array(repeating: Self.code(Self.space, StyleTable.shared.id(fill)), count: self.width * self.height)
    }

    @inline(__always) static func code(_ glyph: UInt32, _ style: UInt32) -> UInt64 { UInt64(style) << 32 | UInt64(glyph) }
    @inline(__always) static func glyph(_ c: UInt64) -> UInt32 { UInt32(truncatingIfNeeded: c) }
    @inline(__always) static func styleNumber(_ c: UInt64) -> UInt32 { UInt32(truncatingIfNeeded: c >> 32) }
    @inline(__always) static func withGlyph(_ c: UInt64, _ g: UInt32) -> UInt64 { c & 0xFFFF_FFFF_0000_0000 | UInt64(g) }

    public static func == (a: Canvas, b: Canvas) -> Bool {
        guard a.width == b.width, a.height == b.height, a.cursor?.x == b.cursor?.x, a.cursor?.y == b.cursor?.y else {
            return false
        }
        for y in 0..<a.height where !a.rowEquals(y, b) { return false }
        return true
    }

    /// Whether row `y` shows the same cells as row `y` of `other` (a canvas of the same width).
    public func rowEquals(_ y: Int, _ other: Canvas) -> Bool {
        guard other.width == width, y >= 0, y < height, y < other.height else { return false }
        let base = y * width
        for i in base..<(base + width) where !sameCell(codes[i], other, other.codes[i]) { return false }
        return true
    }

    /// The rows that differ from `previous` (looking at `rows` only: the others are known to be
    /// the same); nil when there is none or it has another size.
    public func changedRows(since previous: Canvas?, in rows: Range<Int>? = nil) -> [Int]? {
        changedRows(since: previous, among: Array(rows ?? 0..<height))
    }

    /// The rows among `rows` (in any order, repeats allowed) that differ from `previous`, in
    /// order; nil when there is none or it has another size.
    public func changedRows(since previous: Canvas?, among rows: [Int]) -> [Int]? {
        guard let previous, previous.width == width, previous.height == height else { return nil }
        var out: [Int] = []
        for y in rows.sorted() where y >= 0 && y < height && out.last != y && !rowEquals(y, previous) { out.append(y) }
        return out
    }

    /// Whether cell code `a` of this canvas shows what code `b` of `other` does.
    @inline(__always) func sameCell(_ a: UInt64, _ other: Canvas, _ b: UInt64) -> Bool {
        if a == b { return Self.glyph(a) & Self.clusterBit == 0 || cluster(a) == other.cluster(b) }
        // The same cluster under another index (two canvases' tables).
        return a >> 32 == b >> 32 && Self.glyph(a & b) & Self.clusterBit != 0 && cluster(a) == other.cluster(b)
    }

    func cluster(_ c: UInt64) -> String {
        let i = Int(Self.glyph(c) & ~Self.clusterBit)
        return i < clusters.count ? clusters[i] : " "
    }

    /// The grapheme a cell code shows ("" for the columns a wide one covers after its first).
    func text(of c: UInt64) -> String {
        let g = Self.glyph(c)
        if g == 0 { return "" }
        if g & Self.clusterBit != 0 { return cluster(c) }
        return Unicode.Scalar(g).map { String($0) } ?? " "
    }

    func cell(_ c: UInt64) -> Cell { Cell(text(of: c), StyleTable.shared.style(Self.styleNumber(c))) }

    /// A grapheme's glyph: its scalar, or its index in the cluster table.
    mutating func glyph(of ch: Character) -> UInt32 {
        let us = ch.unicodeScalars
        if let first = us.first, us.index(after: us.startIndex) == us.endIndex { return first.value }
        return intern(String(ch))
    }

    mutating func glyph(of text: String) -> UInt32 {
        guard let ch = text.first else { return 0 }
        return glyph(of: ch)
    }

    /// A cluster's index, added to the table if new. The table is rebuilt from the cells
    /// when it grows far past what they can show (a canvas patched frame after frame).
    mutating func intern(_ s: String) -> UInt32 {
        if let i = clusterIDs[s] { return i | Self.clusterBit }
        if clusters.count >= max(1024, 2 * codes.count) { compactClusters() }
        let i = UInt32(clusters.count)
        clusters.append(s)
        clusterIDs[s] = i
        return i | Self.clusterBit
    }

    private mutating func compactClusters() {
        let old = clusters
        clusters = []
        clusterIDs = [:]
        for i in codes.indices where Self.glyph(codes[i]) & Self.clusterBit != 0 {
            let k = Int(Self.glyph(codes[i]) & ~Self.clusterBit)
            let s = k < old.count ? old[k] : " "
            let n: UInt32
            if let e = clusterIDs[s] { n = e } else {
                n = UInt32(clusters.count)
                clusters.append(s)
                clusterIDs[s] = n
            }
            codes[i] = Self.withGlyph(codes[i], n | Self.clusterBit)
        }
    }

    mutating func styleID(_ s: CellStyle) -> UInt32 {
        if s == memoStyle { return memoID }
        memoStyle = s
        memoID = StyleTable.shared.id(s)
        return memoID
    }

    /// Every cell (made on demand: the canvas keeps compact cells).
    public var cells: [Cell] { codes.map { cell($0) } }

    public subscript(x: Int, y: Int) -> Cell {
        get { cell(codes[y * width + x]) }
        set { codes[y * width + x] = Self.code(glyph(of: newValue.text), styleID(newValue.style)) }
    }

    /// The cells of row `y` (made on demand).
    public func row(_ y: Int) -> ArraySlice<Cell> {
        ArraySlice(codes[(y * width)..<((y + 1) * width)].map { cell($0) })
    }

    /// Copies row `y` of a canvas of the same size into this one.
    public mutating func copyRow(_ y: Int, from other: Canvas) {
        guard other.width == width, other.height == height, y >= 0, y < height else { return }
        for i in (y * width)..<((y + 1) * width) {
            let c = other.codes[i]
            codes[i] = Self.glyph(c) & Self.clusterBit == 0 ? c : Self.code(intern(other.cluster(c)), Self.styleNumber(c))
        }
    }

    /// Fills a rectangle with spaces in a style, or with `glyph`: a scalar one column wide that
    /// is a grapheme of its own (a rule's "─"; anything else fills with spaces).
    public mutating func fill(_ r: Rect, _ style: CellStyle, glyph: Unicode.Scalar = " ") {
        let x0 = max(0, r.x), x1 = min(width, r.x + r.width)
        let y0 = max(0, r.y), y1 = min(height, r.y + r.height)
        guard x0 < x1, y0 < y1 else { return }
        let g = glyph == " " || DisplayWidth.of(Character(glyph)) != 1 ? Self.space : glyph.value
        let c = Self.code(g, styleID(style))
        let w = width
        codes.withUnsafeMutableBufferPointer { p in
            for y in y0..<y1 {
                // A wide grapheme the rectangle cuts leaves a blank outside it, as under `put`.
                if x0 > 0, Self.glyph(p[y * w + x0]) == 0 { p[y * w + x0 - 1] = Self.withGlyph(p[y * w + x0 - 1], Self.space) }
                if x1 < w, Self.glyph(p[y * w + x1]) == 0 { p[y * w + x1] = Self.withGlyph(p[y * w + x1], Self.space) }
                for x in x0..<x1 { p[y * w + x] = c }
            }
        }
    }

    /// Sets one narrow cell; a wide grapheme it cuts in half leaves a blank, not a broken glyph.
    @inline(__always) private mutating func setNarrow(_ i: Int, x: Int, _ c: UInt64) {
        if x > 0, Self.glyph(codes[i]) == 0 { codes[i - 1] = Self.withGlyph(codes[i - 1], Self.space) }
        codes[i] = c
        if x + 1 < width, Self.glyph(codes[i + 1]) == 0 { codes[i + 1] = Self.withGlyph(codes[i + 1], Self.space) }
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
        let sid = styleID(style)
        let rowStart = y * width
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
                if c >= lo { setNarrow(rowStart + c, x: c, Self.code(UInt32(bytes[i]), sid)) }
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
                if w == 1 {
                    setNarrow(rowStart + col, x: col, Self.code(glyph(of: ch), sid))
                } else {
                    // Overwriting half of a wide character leaves a blank, not a broken glyph.
                    if col > 0, Self.glyph(codes[rowStart + col]) == 0 {
                        codes[rowStart + col - 1] = Self.withGlyph(codes[rowStart + col - 1], Self.space)
                    }
                    codes[rowStart + col] = Self.code(glyph(of: ch), sid)
                    // The columns a wide grapheme covers after its first hold glyph 0 (a cluster
                    // can be wider than 2: a prepended mark before a wide letter, a conjunct).
                    var k = 1
                    while k < w, col + k < width {
                        codes[rowStart + col + k] = Self.code(0, sid)
                        k += 1
                    }
                    if col + w < width, Self.glyph(codes[rowStart + col + w]) == 0 {
                        codes[rowStart + col + w] = Self.withGlyph(codes[rowStart + col + w], Self.space)
                    }
                }
            }
            col += w
        }
        return col
    }

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
        (0..<height).map { text(ofRow: $0) }.joined(separator: "\n")
    }

    /// The text of one row (trailing spaces trimmed).
    public func text(ofRow y: Int) -> String {
        guard y >= 0, y < height else { return "" }
        var line = ""
        var kept = 0
        for i in (y * width)..<((y + 1) * width) {
            let g = Self.glyph(codes[i])
            if g == 0 { continue }
            if g & Self.clusterBit == 0, let u = Unicode.Scalar(g) { line.unicodeScalars.append(u) } else { line += cluster(codes[i]) }
            if g != Self.space { kept = line.utf8.count }
        }
        if kept < line.utf8.count { line = String(decoding: line.utf8.prefix(kept), as: UTF8.self) }
        return line
    }
}
