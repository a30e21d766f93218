// Canvas: a region of a canvas, for drawing one part of the screen (header, conversation, footer, an
// overlay) in its own coordinates. A region cannot write outside its rectangle.
import RobofyText

/// A rectangle of a canvas, drawn in local coordinates ((0, 0) is its top-left corner).
/// Text and fills are clipped to the rectangle (the only cell outside it that a write may
/// touch is the other half of a wide grapheme it cuts, which becomes a blank).
public struct CanvasRegion {
    /// The rectangle in the canvas, clipped to it.
    public let rect: Rect
    fileprivate var canvas: Canvas

    public var width: Int { rect.width }
    public var height: Int { rect.height }

    /// Fills a rectangle (local coordinates) with spaces in a style, or with `glyph` (see `Canvas.fill`).
    public mutating func fill(_ r: Rect, _ style: CellStyle, glyph: Unicode.Scalar = " ") {
        let x0 = max(0, r.x), y0 = max(0, r.y)
        let x1 = min(width, r.x + r.width), y1 = min(height, r.y + r.height)
        guard x0 < x1, y0 < y1 else { return }
        canvas.fill(Rect(x: rect.x + x0, y: rect.y + y0, width: x1 - x0, height: y1 - y0), style, glyph: glyph)
    }

    /// Writes text from (x, y), clipped to the region and at `maxX` (local, exclusive).
    /// Returns the column after the last one written, in local coordinates.
    @discardableResult
    public mutating func put(_ text: some StringProtocol, x: Int, y: Int, style: CellStyle, maxX: Int? = nil) -> Int {
        guard y >= 0, y < height else { return x }
        let limit = min(maxX ?? width, width)
        return canvas.put(text, x: rect.x + x, y: rect.y + y, style: style, maxX: rect.x + limit, minX: rect.x) - rect.x
    }

    /// Writes styled spans from (x, y) over a base style.
    @discardableResult
    public mutating func put(_ line: StyledLine, x: Int, y: Int, base: CellStyle, theme: Theme, maxX: Int? = nil) -> Int {
        guard y >= 0, y < height else { return x }
        let limit = min(maxX ?? width, width)
        return canvas.put(line, x: rect.x + x, y: rect.y + y, base: base, theme: theme, maxX: rect.x + limit,
                          minX: rect.x) - rect.x
    }

    /// Where the terminal cursor should be (local coordinates), or nil to hide it.
    public var cursor: (x: Int, y: Int)? {
        get { canvas.cursor.map { (x: $0.x - rect.x, y: $0.y - rect.y) } }
        set { canvas.cursor = newValue.map { (x: rect.x + $0.x, y: rect.y + $0.y) } }
    }
}

extension Canvas {
    /// Draws in a region of this canvas (clipped to it): `body` sees local coordinates.
    @discardableResult
    public mutating func draw<T>(in r: Rect, _ body: (inout CanvasRegion) -> T) -> T {
        let x0 = max(0, r.x), y0 = max(0, r.y)
        let clipped = Rect(x: x0, y: y0, width: max(0, min(width, r.x + r.width) - x0),
                           height: max(0, min(height, r.y + r.height) - y0))
        // The cells move into the region and back (no copy of the grid).
        var region = CanvasRegion(rect: clipped, canvas: Canvas(width: 0, height: 0))
        swap(&region.canvas, &self)
        defer { swap(&region.canvas, &self) }
        return body(&region)
    }
}
