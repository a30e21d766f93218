import Foundation
import WidgetUI
import RobofyText
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The line editor of `--plain` on a terminal: a prompt, and editing with history.
///
/// Keys: Left/Right, Home/End (Ctrl-A/Ctrl-E), Backspace, Delete, Up/Down (history),
/// Ctrl-U (to the start), Ctrl-K (to the end), Ctrl-W (the word before), Ctrl-L
/// (redraw), Ctrl-D (leave, on an empty line), Enter. The terminal is in raw mode
/// (no echo, no line buffering; Ctrl-C and Ctrl-Z still signal) only while a line is
/// being read; it is put back after every line, and on SIGINT, SIGTERM, SIGHUP,
/// SIGQUIT and SIGTSTP before the signal does what it does.
final class LineEditor: @unchecked Sendable {
    let prompt: String
    private(set) var history: [String] = []
    private let input: Int32
    private let output: Int32

    /// `prompt` is printed before each line (plain text, no escapes).
    init(prompt: String, input: Int32 = STDIN_FILENO, output: Int32 = STDOUT_FILENO) {
        self.prompt = prompt
        self.input = input
        self.output = output
    }

    /// True when stdin and stdout are a terminal that understands cursor movement.
    static var usable: Bool {
        guard isatty(STDIN_FILENO) == 1, isatty(STDOUT_FILENO) == 1 else { return false }
        let term = ProcessInfo.processInfo.environment["TERM"] ?? ""
        return !term.isEmpty && term != "dumb"
    }

    /// Reads one line on a thread of its own (the read blocks). nil: end of input.
    func next() async -> String? {
        await withCheckedContinuation { (c: CheckedContinuation<String?, Never>) in
            let t = Thread { c.resume(returning: self.readLine()) }
            t.start()
        }
    }

    // MARK: Reading a line

    private var buffer: [Character] = []
    private var cursor = 0
    /// The entry of `history` on screen (history.count: the line being typed).
    private var historyIndex = 0
    private var draft: [Character] = []
    private var pendingUTF8: [UInt8] = []

    /// Reads and edits one line. nil at end of input (Ctrl-D on an empty line, EOF, a read error).
    func readLine() -> String? {
        guard TerminalMode.enterRaw(input) else {
            return Swift.readLine(strippingNewline: true)
        }
        defer { TerminalMode.restore() }
        buffer = []
        cursor = 0
        draft = []
        historyIndex = history.count
        pendingUTF8 = []
        redraw()
        while true {
            guard let b = readByte() else {
                if TerminalMode.takeResumed() {  // back from Ctrl-Z
                    redraw()
                    continue
                }
                emit("\r\n")
                return nil
            }
            switch b {
            case 0x0D, 0x0A:
                emit("\r\n")
                let line = String(buffer)
                if !line.trimmingCharacters(in: .whitespaces).isEmpty, history.last != line { history.append(line) }
                return line
            case 0x04:  // Ctrl-D
                if buffer.isEmpty {
                    emit("\r\n")
                    return nil
                }
                deleteAtCursor()
            case 0x01: moveTo(0)
            case 0x05: moveTo(buffer.count)
            case 0x02: moveTo(cursor - 1)  // Ctrl-B
            case 0x06: moveTo(cursor + 1)  // Ctrl-F
            case 0x7F, 0x08:
                if cursor > 0 {
                    buffer.remove(at: cursor - 1)
                    cursor -= 1
                    redraw()
                }
            case 0x15:  // Ctrl-U
                buffer.removeSubrange(0..<cursor)
                cursor = 0
                redraw()
            case 0x0B:  // Ctrl-K
                buffer.removeSubrange(cursor...)
                redraw()
            case 0x17:  // Ctrl-W
                var start = cursor
                while start > 0, buffer[start - 1].isWhitespace { start -= 1 }
                while start > 0, !buffer[start - 1].isWhitespace { start -= 1 }
                buffer.removeSubrange(start..<cursor)
                cursor = start
                redraw()
            case 0x0C:  // Ctrl-L
                emit("\u{1B}[H\u{1B}[2J")
                redraw()
            case 0x1B:
                escapeSequence()
            case 0x00...0x1F:
                break  // other controls: ignored
            default:
                insertByte(b)
            }
        }
    }

    private func escapeSequence() {
        guard let first = readByte(timeoutMs: 50) else { return }  // a lone Esc
        guard first == UInt8(ascii: "[") || first == UInt8(ascii: "O") else { return }
        var params: [UInt8] = []
        while let b = readByte(timeoutMs: 50) {
            if (0x40...0x7E).contains(b) {
                finalByte(b, params: String(decoding: params, as: UTF8.self))
                return
            }
            params.append(b)
            if params.count > 16 { return }
        }
    }

    private func finalByte(_ b: UInt8, params: String) {
        switch b {
        case UInt8(ascii: "A"): recall(historyIndex - 1)
        case UInt8(ascii: "B"): recall(historyIndex + 1)
        case UInt8(ascii: "C"): moveTo(cursor + 1)
        case UInt8(ascii: "D"): moveTo(cursor - 1)
        case UInt8(ascii: "H"): moveTo(0)
        case UInt8(ascii: "F"): moveTo(buffer.count)
        case UInt8(ascii: "~"):
            switch params {
            case "1", "7": moveTo(0)
            case "4", "8": moveTo(buffer.count)
            case "3": deleteAtCursor()
            default: break
            }
        default: break
        }
    }

    private func recall(_ index: Int) {
        guard index >= 0, index <= history.count, index != historyIndex else { return }
        if historyIndex == history.count { draft = buffer }
        historyIndex = index
        buffer = index == history.count ? draft : Array(history[index])
        cursor = buffer.count
        redraw()
    }

    private func moveTo(_ position: Int) {
        let p = max(0, min(buffer.count, position))
        guard p != cursor else { return }
        cursor = p
        redraw()
    }

    private func deleteAtCursor() {
        guard cursor < buffer.count else { return }
        buffer.remove(at: cursor)
        redraw()
    }

    /// Adds a byte of UTF-8 text; a complete scalar joins the line (a combining mark
    /// joins the character before it).
    private func insertByte(_ b: UInt8) {
        pendingUTF8.append(b)
        let lead = pendingUTF8[0]
        let need = lead < 0x80 ? 1 : lead >= 0xF0 ? 4 : lead >= 0xE0 ? 3 : lead >= 0xC0 ? 2 : 1
        guard pendingUTF8.count >= need else { return }
        let text = String(decoding: pendingUTF8, as: UTF8.self)
        pendingUTF8 = []
        for scalar in Sanitizer.clean(text, allowNewlines: false).unicodeScalars {
            if cursor > 0 {
                let joined = String(buffer[cursor - 1]) + String(scalar)
                if joined.count == 1, let c = joined.first {
                    buffer[cursor - 1] = c
                    continue
                }
            }
            buffer.insert(Character(scalar), at: cursor)
            cursor += 1
        }
        redraw()
    }

    // MARK: Drawing

    /// Draws the prompt and the line on one terminal row; a line wider than the terminal
    /// scrolls sideways to keep the cursor in view.
    private func redraw() {
        let columns = max(10, Self.columns(output))
        let promptWidth = DisplayWidth.of(prompt)
        let room = max(4, columns - promptWidth - 1)
        let widths = buffer.map { max(0, DisplayWidth.of($0)) }
        var start = 0
        var before = widths[0..<cursor].reduce(0, +)
        while before > room - 1, start < cursor {
            before -= widths[start]
            start += 1
        }
        var end = start
        var shown = 0
        while end < buffer.count, shown + widths[end] <= room {
            shown += widths[end]
            end += 1
        }
        let visible = String(buffer[start..<end])
        let back = widths[cursor..<end].reduce(0, +)
        var out = "\r" + prompt + visible + "\u{1B}[K"
        if back > 0 { out += "\u{1B}[\(back)D" }
        emit(out)
    }

    private func emit(_ s: String) {
        let bytes = Array(s.utf8)
        var offset = 0
        while offset < bytes.count {
            let n = bytes.withUnsafeBytes { buf -> Int in
                guard let base = buf.baseAddress else { return 0 }
                return write(output, base + offset, buf.count - offset)
            }
            if n < 0 && errno == EINTR { continue }
            if n <= 0 { return }
            offset += n
        }
    }

    private func readByte(timeoutMs: Int32? = nil) -> UInt8? {
        if let timeoutMs {
            var p = pollfd(fd: input, events: Int16(POLLIN), revents: 0)
            guard poll(&p, 1, timeoutMs) > 0 else { return nil }
        }
        var b: UInt8 = 0
        while true {
            let n = read(input, &b, 1)
            if n == 1 { return b }
            if n < 0 && errno == EINTR {
                if TerminalMode.peekResumed() { return nil }
                continue
            }
            return nil
        }
    }

    static func columns(_ fd: Int32) -> Int {
        var ws = winsize()
        if ioctl(fd, UInt(TIOCGWINSZ), &ws) == 0, ws.ws_col > 0 { return Int(ws.ws_col) }
        return 80
    }
}

/// Raw mode for the line editor, and putting the terminal back on signals.
/// The state is global because signal handlers can reach nothing else.
enum TerminalMode {
    nonisolated(unsafe) private static var saved = termios()
    nonisolated(unsafe) private static var fd: Int32 = -1
    nonisolated(unsafe) private static var raw: Int32 = 0
    nonisolated(unsafe) private static var resumed: Int32 = 0
    nonisolated(unsafe) private static var installed = false

    /// Saves the terminal's mode and switches to raw input. False when `fd` is no terminal.
    static func enterRaw(_ fd: Int32) -> Bool {
        var t = termios()
        guard tcgetattr(fd, &t) == 0 else { return false }
        installHandlers()
        saved = t
        Self.fd = fd
        t.c_lflag &= ~tcflag_t(ICANON | ECHO | IEXTEN)
        t.c_iflag &= ~tcflag_t(IXON | ICRNL | INLCR)
        setControl(&t, VMIN, 1)
        setControl(&t, VTIME, 0)
        guard tcsetattr(fd, TCSADRAIN, &t) == 0 else { return false }
        raw = 1
        return true
    }

    /// Puts the saved mode back (async-signal-safe).
    static func restore() {
        guard raw == 1 else { return }
        raw = 0
        var t = saved
        _ = tcsetattr(fd, TCSADRAIN, &t)
    }

    /// True once after the process was stopped (Ctrl-Z) and continued while reading.
    static func takeResumed() -> Bool {
        guard resumed == 1 else { return false }
        resumed = 0
        return true
    }

    static func peekResumed() -> Bool { resumed == 1 }

    private static func setControl(_ t: inout termios, _ index: Int32, _ value: UInt8) {
        withUnsafeMutableBytes(of: &t.c_cc) { $0[Int(index)] = value }
    }

    private static func installHandlers() {
        guard !installed else { return }
        installed = true
        for sig in [SIGINT, SIGTERM, SIGHUP, SIGQUIT] { install(sig, onFatal) }
        install(SIGTSTP, onStop)
    }

    private static func install(_ sig: Int32, _ handler: @convention(c) (Int32) -> Void) {
        var action = sigaction()
        #if canImport(Glibc)
        action.__sigaction_handler.sa_handler = handler
        #else
        action.__sigaction_u.__sa_handler = handler
        #endif
        sigemptyset(&action.sa_mask)
        action.sa_flags = 0  // no SA_RESTART: a read is interrupted, so a resumed editor redraws
        sigaction(sig, &action, nil)
    }

    /// Terminal back, then the signal's usual effect (the process ends).
    private static let onFatal: @convention(c) (Int32) -> Void = { sig in
        TerminalMode.restore()
        signal(sig, SIG_DFL)
        raise(sig)
    }

    /// Ctrl-Z: terminal back, stop; when continued, raw mode again and a redraw.
    private static let onStop: @convention(c) (Int32) -> Void = { sig in
        let wasRaw = TerminalMode.raw == 1
        TerminalMode.restore()
        signal(SIGTSTP, SIG_DFL)
        var set = sigset_t()
        sigemptyset(&set)
        sigaddset(&set, SIGTSTP)
        sigprocmask(SIG_UNBLOCK, &set, nil)  // (blocked while its handler runs)
        raise(SIGTSTP)
        // Continued.
        TerminalMode.install(SIGTSTP, TerminalMode.onStop)
        if wasRaw {
            var t = TerminalMode.saved
            t.c_lflag &= ~tcflag_t(ICANON | ECHO | IEXTEN)
            t.c_iflag &= ~tcflag_t(IXON | ICRNL | INLCR)
            TerminalMode.setControl(&t, VMIN, 1)
            TerminalMode.setControl(&t, VTIME, 0)
            _ = tcsetattr(TerminalMode.fd, TCSADRAIN, &t)
            TerminalMode.raw = 1
            TerminalMode.resumed = 1
        }
    }
}
