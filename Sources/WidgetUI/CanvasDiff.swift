// Render: what the canvas's compact cells refer to (the style table), and the damage between two
// frames — the rows that changed and, in them, the runs of cells a terminal driver writes.
import Foundation

/// A style's number in the process's style table: what a compact cell keeps instead of the style.
public struct StyleID: Hashable, Sendable {
    public let raw: UInt32
    /// The style it stands for.
    public var style: CellStyle { StyleTable.shared.style(raw) }
}

/// The styles cells use, numbered once for the process (a frame holds a few dozen; a theme or
/// a text attribute adds a few). Shared, so that two frames' cells compare as numbers.
final class StyleTable: @unchecked Sendable {
    static let shared = StyleTable()
    /// More styles than any theme can make: past it, a new style draws as the plain one.
    static let limit = 1 << 20
    private let lock = NSLock()
    private var ids: [CellStyle: UInt32] = [.plain: 0]
    private var styles: [CellStyle] = [.plain]

    func id(_ s: CellStyle) -> UInt32 {
        lock.lock()
        defer { lock.unlock() }
        if let i = ids[s] { return i }
        guard styles.count < Self.limit else { return 0 }
        let i = UInt32(styles.count)
        styles.append(s)
        ids[s] = i
        return i
    }

    func style(_ id: UInt32) -> CellStyle {
        lock.lock()
        defer { lock.unlock() }
        return Int(id) < styles.count ? styles[Int(id)] : .plain
    }
}

extension Canvas {
    /// A run of changed cells, as a driver writes it: from column `x`, `cells` columns in
    /// one style; `text` holds each grapheme through the driver's `form` (the columns a wide
    /// grapheme covers after its first add nothing).
    public struct Run {
        public var x: Int
        public var cells: Int
        public var style: StyleID
        public var text: String
    }

    /// The cells of row `y` that differ from `previous` (all of them when it is nil or of
    /// another size), in runs of one style, left to right. A run starts at a changed cell and
    /// goes on while the style holds, up to the next cell that has not changed (the columns a
    /// wide grapheme covers after its first go with it; a run never starts inside a wide
    /// grapheme, but at its first column). Runs with no text are left out.
    /// `form`: what to write for a grapheme that is not ASCII (ASCII goes as it is).
    public func changedRuns(inRow y: Int, since previous: Canvas?, form: (String) -> String) -> [Run] {
        guard y >= 0, y < height else { return [] }
        let prev = previous.flatMap { $0.width == width && $0.height == height ? $0 : nil }
        let base = y * width
        var runs: [Run] = []
        var x = 0
        while x < width {
            let c = codes[base + x]
            if let prev, sameCell(c, prev, prev.codes[base + x]) {
                x += 1
                continue
            }
            // A changed column a wide grapheme covers after its first: the run starts at that
            // grapheme (written again whole; the text goes where its first column is).
            let changedAt = x
            while x > 0, Self.glyph(codes[base + x]) == 0 { x -= 1 }
            let sid = Self.styleNumber(codes[base + x])
            let start = x
            var text = ""
            while x < width {
                let d = codes[base + x]
                if Self.styleNumber(d) != sid { break }
                let g = Self.glyph(d)
                if x > start, g != 0, let prev, sameCell(d, prev, prev.codes[base + x]) { break }
                if g >= 0x20 && g < 0x7F {
                    text.unicodeScalars.append(Unicode.Scalar(UInt8(g)))
                } else if g != 0 {
                    text += form(self.text(of: d))
                }
                x += 1
            }
            if !text.isEmpty { runs.append(Run(x: start, cells: x - start, style: StyleID(raw: sid), text: text)) }
            x = max(x, changedAt + 1)
        }
        return runs
    }
}
