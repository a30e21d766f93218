// Look: colours mapped to what a terminal can show (truecolor, 256, 8, none).
import Foundation
import RobofyAPI

/// How many colours the output can show.
public enum ColorDepth: String, Sendable, Equatable {
    case none, ansi8, ansi256, truecolor

    /// What the environment allows: NO_COLOR wins, then COLORTERM, then TERM.
    public static func detect(_ env: [String: String] = ProcessInfo.processInfo.environment) -> ColorDepth {
        if let nc = env["NO_COLOR"], !nc.isEmpty { return .none }
        let term = env["TERM"] ?? ""
        if term == "dumb" { return .none }
        let ct = (env["COLORTERM"] ?? "").lowercased()
        if ct == "truecolor" || ct == "24bit" || term.hasSuffix("-direct") { return .truecolor }
        if term.contains("256") { return .ansi256 }
        return term.isEmpty ? .none : .ansi8
    }
}

public enum ColorMapping {
    static let cube: [Int] = [0, 95, 135, 175, 215, 255]

    /// The nearest xterm-256 colour index (6×6×6 cube or the grey ramp).
    public static func xterm256(_ c: RGB) -> Int {
        func nearestCube(_ v: UInt8) -> Int {
            var best = 0
            for i in 1..<6 where abs(cube[i] - Int(v)) < abs(cube[best] - Int(v)) { best = i }
            return best
        }
        let ri = nearestCube(c.r), gi = nearestCube(c.g), bi = nearestCube(c.b)
        let cubeIndex = 16 + 36 * ri + 6 * gi + bi
        let cubeRGB = (cube[ri], cube[gi], cube[bi])
        let avg = (Int(c.r) + Int(c.g) + Int(c.b)) / 3
        let grayIndex = max(0, min(23, (avg - 8 + 5) / 10))
        let grayV = 8 + grayIndex * 10
        func dist(_ a: (Int, Int, Int)) -> Int {
            let dr = a.0 - Int(c.r), dg = a.1 - Int(c.g), db = a.2 - Int(c.b)
            return dr * dr + dg * dg + db * db
        }
        return dist((grayV, grayV, grayV)) < dist(cubeRGB) ? 232 + grayIndex : cubeIndex
    }

    static let basic: [RGB] = [
        RGB(0, 0, 0), RGB(205, 0, 0), RGB(0, 205, 0), RGB(205, 205, 0),
        RGB(0, 0, 238), RGB(205, 0, 205), RGB(0, 205, 205), RGB(229, 229, 229),
    ]

    /// The nearest of the 8 basic ANSI colours.
    public static func ansi8(_ c: RGB) -> Int {
        var best = 0, bestD = Int.max
        for (i, b) in basic.enumerated() {
            let dr = Int(b.r) - Int(c.r), dg = Int(b.g) - Int(c.g), db = Int(b.b) - Int(c.b)
            let d = dr * dr + dg * dg + db * db
            if d < bestD { best = i; bestD = d }
        }
        return best
    }
}

/// Writes a canvas as text with ANSI SGR colours (for `preview --print --ansi`).
public enum ANSIWriter {
    public static func write(_ canvas: Canvas, depth: ColorDepth) -> String {
        var out = ""
        for y in 0..<canvas.height {
            var last: CellStyle?
            for cell in canvas.row(y) {
                if depth != .none || true {
                    if cell.style != last {
                        out += sgr(cell.style, depth: depth)
                        last = cell.style
                    }
                }
                out += cell.text
            }
            out += "\u{1B}[0m\n"
        }
        return out
    }

    public static func sgr(_ s: CellStyle, depth: ColorDepth) -> String {
        var codes = ["0"]
        if s.bold { codes.append("1") }
        if s.dim { codes.append("2") }
        if s.italic { codes.append("3") }
        if s.underline { codes.append("4") }
        if s.reverse { codes.append("7") }
        func color(_ c: Color, fg: Bool) {
            guard case .rgb(let rgb) = c else { return }
            switch depth {
            case .none: break
            case .ansi8: codes.append(String((fg ? 30 : 40) + ColorMapping.ansi8(rgb)))
            case .ansi256: codes.append("\(fg ? 38 : 48);5;\(ColorMapping.xterm256(rgb))")
            case .truecolor: codes.append("\(fg ? 38 : 48);2;\(rgb.r);\(rgb.g);\(rgb.b)")
            }
        }
        color(s.fg, fg: true)
        color(s.bg, fg: false)
        return "\u{1B}[" + codes.joined(separator: ";") + "m"
    }
}
