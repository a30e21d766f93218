// Terminal images: what the terminal can draw (asked, never assumed) and the kitty graphics
// commands that draw the agents' avatars over their initials badges, outside ncurses.
import Foundation

/// What the terminal said it can draw.
public enum GraphicsSupport: String, Sendable, Equatable {
    case none, kitty, sixel
}

public enum GraphicsProbe {
    /// A kitty graphics query (image id 31, one RGB pixel, answer expected) followed by DA1: a
    /// terminal answers DA1 whatever it is; a kitty reply before it means kitty graphics.
    public static let query = "\u{1B}_Gi=31,s=1,v=1,a=q,t=d,f=24;AAAA\u{1B}\\\u{1B}[c"

    /// Reads the terminal's replies: `complete` once the DA1 reply (`ESC [ ? … c`) is in.
    /// Kitty: a `ESC _G i=31 … ;OK ESC \` reply before DA1; sixel: DA1 attribute 4.
    public static func parse(_ bytes: [UInt8]) -> (support: GraphicsSupport, complete: Bool) {
        let s = String(decoding: bytes, as: UTF8.self)
        guard let da = s.range(of: "\u{1B}\\[\\?[0-9;]*c", options: .regularExpression) else { return (.none, false) }
        let before = s[..<da.lowerBound]
        if let k = before.range(of: "\u{1B}_G"), before[k.upperBound...].contains("i=31"),
           before[k.upperBound...].contains(";OK") {
            return (.kitty, true)
        }
        let attrs = s[da].dropFirst(3).dropLast().split(separator: ";")
        return (attrs.contains("4") ? .sixel : .none, true)
    }

    /// Asks the terminal (before ncurses takes it) and waits at most `timeoutMs` for the DA1
    /// reply; the replies are read here, so none reaches the input. No terminal, no answer:
    /// `.none`.
    public static func detect(input: Int32 = STDIN_FILENO, output: Int32 = STDOUT_FILENO, timeoutMs: Int = 500) -> GraphicsSupport {
        guard isatty(input) == 1, isatty(output) == 1 else { return .none }
        var saved = termios()
        guard tcgetattr(input, &saved) == 0 else { return .none }
        var raw = saved
        raw.c_lflag &= ~tcflag_t(ICANON | ECHO)
        withUnsafeMutableBytes(of: &raw.c_cc) { cc in
            cc[Int(VMIN)] = 0
            cc[Int(VTIME)] = 0
        }
        guard tcsetattr(input, TCSANOW, &raw) == 0 else { return .none }
        // Whatever came in meanwhile (keys, a reply cut by the deadline) is dropped, not typed.
        defer { _ = tcflush(input, TCIFLUSH); _ = tcsetattr(input, TCSANOW, &saved) }
        let q = Array(query.utf8)
        guard q.withUnsafeBytes({ write(output, $0.baseAddress, $0.count) }) == q.count else { return .none }
        var got: [UInt8] = []
        let deadline = Date().addingTimeInterval(Double(timeoutMs) / 1000)
        var buf = [UInt8](repeating: 0, count: 512)
        while got.count < 4096 {
            let left = Int(deadline.timeIntervalSinceNow * 1000)
            if left <= 0 { break }
            var p = pollfd(fd: input, events: Int16(POLLIN), revents: 0)
            let r = poll(&p, 1, Int32(left))
            if r < 0, errno == EINTR { continue }
            if r <= 0 { break }
            let n = buf.withUnsafeMutableBytes { read(input, $0.baseAddress, $0.count) }
            if n <= 0 { break }
            got += buf[0..<n]
            let parsed = parse(got)
            if parsed.complete { return parsed.support }
        }
        return .none
    }
}

/// The kitty graphics protocol's commands (responses suppressed: `q=2`).
public enum KittyGraphics {
    /// Sends a PNG as image `id` (kitty decodes PNG itself: `f=100`), in chunks of 4096.
    public static func transmit(id: Int, png: [UInt8]) -> String {
        let b64 = Array(Data(png).base64EncodedString().utf8)
        var out = ""
        var i = 0
        repeat {
            let end = min(b64.count, i + 4096)
            let more = end < b64.count ? 1 : 0
            let head = i == 0 ? "a=t,f=100,t=d,i=\(id),q=2,m=\(more)" : "m=\(more),q=2"
            out += "\u{1B}_G\(head);" + String(decoding: b64[i..<end], as: UTF8.self) + "\u{1B}\\"
            i = end
        } while i < b64.count
        return out
    }

    /// Shows image `id` at a cell (0-based), over `columns`×`rows` cells, leaving the cursor where it was.
    public static func place(id: Int, placement: Int, x: Int, y: Int, columns: Int, rows: Int) -> String {
        "\u{1B}7\u{1B}[\(y + 1);\(x + 1)H\u{1B}_Ga=p,i=\(id),p=\(placement),c=\(columns),r=\(rows),C=1,q=2\u{1B}\\\u{1B}8"
    }

    /// Takes every placement off the screen (the images stay loaded).
    public static let deleteAll = "\u{1B}_Ga=d,d=a,q=2\u{1B}\\"
}
