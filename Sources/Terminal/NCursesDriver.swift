import CNCursesW
import CTerminalRestore
import Foundation
import RobofyAPI
import WidgetUI
import RobofyText

#if canImport(Glibc)
import Glibc
#endif

/// The only code that calls ncurses. Lives on the main actor: ncurses is not thread-safe.
@MainActor
public final class NCursesDriver: TerminalDriver {
    public private(set) var depth: ColorDepth = .none
    private var started = false
    private var last: Canvas?
    private var pairs: [PairKey: Int32] = [:]
    /// Each style's attributes and colour pair, as `apply` set them.
    private var attributes: [StyleID: (attrs: attr_t, pair: Int32)] = [:]
    /// Cell texts as drawn (`drawable`), kept: the same graphemes come back frame after frame.
    private var drawn: [String: String] = [:]
    private var decoder = KeyDecoder()
    private var watcher: InputWatcher?
    private var ctrlLeft: Int32 = -1, ctrlRight: Int32 = -1, altLeft: Int32 = -1, altRight: Int32 = -1
    private var altUp: Int32 = -1, altDown: Int32 = -1

    static let pasteStart: Int32 = 2001
    static let pasteEnd: Int32 = 2002
    static let altUpCode: Int32 = 2003
    static let altDownCode: Int32 = 2004

    struct PairKey: Hashable {
        var fg: Int32
        var bg: Int32
    }

    public init() {}

    /// Takes over the terminal (the terminal's modes are saved first, and restored on a crash).
    public func start() throws {
        rt_save_terminal()
        rt_install_crash_restore()
        try start(env: ProcessInfo.processInfo.environment)
    }

    /// Takes over the terminal. Throws when ncurses cannot start (no terminal, unknown TERM).
    public func start(env: [String: String] = ProcessInfo.processInfo.environment) throws {
        setlocale(LC_ALL, "")
        guard isatty(STDIN_FILENO) == 1, isatty(STDOUT_FILENO) == 1 else {
            throw TerminalError.notATerminal
        }
        // A terminal that cannot move the cursor (TERM=dumb, hardcopy) would show only the
        // first line or so of each frame: refuse it, as an unknown TERM, before ncurses writes anything.
        switch rt_term_can_address() {
        case 1: break
        case 0: throw TerminalError.noCursorAddressing(env["TERM"] ?? "")
        default: throw TerminalError.cannotStart(env["TERM"] ?? "")
        }
        // newterm instead of initscr: initscr exits the process when TERM is unknown.
        let direct = Self.directColorType(env)
        guard let screen = rt_newterm_stdio(direct) else { throw TerminalError.cannotStart(env["TERM"] ?? "") }
        _ = set_term(screen)
        // Until a screen has been through endwin once, ncurses (6.4) flushes its output after
        // every cursor move (its state for terminfo programs that never start a screen): each
        // frame went out as three to five write(2)s, each waking the terminal. One endwin and
        // refresh now, before anything is drawn, makes each frame one write.
        _ = endwin()
        _ = refresh()
        started = true
        raw()
        noecho()
        nonl()
        _ = keypad(rt_stdscr(), true)
        _ = set_escdelay(25)
        _ = nodelay(rt_stdscr(), true)
        _ = typeahead(-1)
        _ = mousemask(rt_mouse_mask_wanted(), nil)
        _ = mouseinterval(0)
        let noColor = (env["NO_COLOR"].map { !$0.isEmpty } ?? false)
        if !noColor && has_colors() {
            _ = start_color()
            _ = use_default_colors()
            let colors = rt_colors()
            depth = colors >= 0x1000000 ? .truecolor : colors >= 256 ? .ansi256 : colors >= 8 ? .ansi8 : .none
        }
        _ = define_key("\u{1B}[200~", Self.pasteStart)
        _ = define_key("\u{1B}[201~", Self.pasteEnd)
        ctrlLeft = key_defined("\u{1B}[1;5D")
        ctrlRight = key_defined("\u{1B}[1;5C")
        altLeft = key_defined("\u{1B}[1;3D")
        altRight = key_defined("\u{1B}[1;3C")
        altUp = Self.keyCode("\u{1B}[1;3A", else: Self.altUpCode)
        altDown = Self.keyCode("\u{1B}[1;3B", else: Self.altDownCode)
        // Bracketed paste on.
        writeRaw("\u{1B}[?2004h")
        last = nil
        attributes = [:]
    }

    /// The terminal says it shows 24-bit colour (`COLORTERM=truecolor` or `24bit`) but its
    /// terminfo entry has 256 colours at most (TERM=xterm-256color): the direct-colour entry
    /// of the same terminal (xterm-direct, tmux-direct…, in Debian's ncurses-term) when it is
    /// installed, so that ncurses sends 24-bit colours. nil: keep TERM's entry.
    static func directColorType(_ env: [String: String]) -> String? {
        guard let colorterm = env["COLORTERM"]?.lowercased(), colorterm == "truecolor" || colorterm == "24bit",
              let term = env["TERM"], !term.isEmpty, env["NO_COLOR"].map({ $0.isEmpty }) ?? true else { return nil }
        let direct: Int32 = 0x1000000
        if rt_term_colors(term) >= direct { return nil }
        var base = Substring(term)
        for suffix in ["-256color", "-88color", "-16color", "-color"] where base.hasSuffix(suffix) {
            base = base.dropLast(suffix.count)
            break
        }
        let candidate = String(base) + "-direct"
        return rt_term_colors(candidate) >= direct ? candidate : nil
    }

    /// Gives the terminal back. Safe to call more than once.
    public func stop() {
        guard started else { return }
        started = false
        writeRaw("\u{1B}[?2004l")
        _ = curs_set(1)
        _ = endwin()
    }

    private func writeRaw(_ s: String) {
        rt_write_stdout(s)
    }

    /// The key code ncurses gives a sequence: terminfo's, else `code`, defined for it.
    private static func keyCode(_ sequence: String, else code: Int32) -> Int32 {
        let known = key_defined(sequence)
        if known > 0 { return known }
        _ = define_key(sequence, code)
        return code
    }

    /// Writes a control sequence (OSC 52) between frames: ncurses has flushed the last frame,
    /// and the next one is drawn after this returns.
    public func writeControl(_ sequence: String) {
        guard started else { return }
        writeRaw(sequence)
    }

    /// Mouse reporting on (clicks and the wheel come to the app) or off (the terminal selects text).
    public func setMouse(_ on: Bool) {
        guard started else { return }
        _ = mousemask(on ? rt_mouse_mask_wanted() : 0, nil)
        _ = refresh()
    }

    public var size: (width: Int, height: Int) {
        var y: Int32 = 0, x: Int32 = 0
        rt_getmaxyx(rt_stdscr(), &y, &x)
        return (Int(x), Int(y))
    }

    /// Reads every input event that is waiting, without blocking.
    public func readInput() -> [TerminalInput] {
        var raw: [KeyDecoder.Raw] = []
        while true {
            var wch: wint_t = 0
            let r = wget_wch(rt_stdscr(), &wch)
            if r == ERR { break }
            if r == KEY_CODE_YES {
                raw.append(.code(code(Int32(wch))))
            } else {
                raw.append(.scalar(Unicode.Scalar(UInt32(wch)) ?? "\u{FFFD}"))
            }
        }
        return decoder.decode(raw)
    }

    public func startInput(_ wake: @escaping @Sendable (InputWake) -> Void) {
        let w = InputWatcher(wake)
        watcher = w
        w.start()
    }

    public func inputRead() { watcher?.resume() }

    public func stopInput() {
        watcher?.stop()
        watcher = nil
    }

    /// Names an ncurses key code for the `KeyDecoder`.
    private func code(_ code: Int32) -> KeyDecoder.Code {
        switch code {
        case Self.pasteStart: return .pasteStart
        case Self.pasteEnd: return .pasteEnd
        case KEY_UP: return .key(.up)
        case KEY_DOWN: return .key(.down)
        case KEY_LEFT: return .key(.left)
        case KEY_RIGHT: return .key(.right)
        case KEY_HOME: return .key(.home)
        case KEY_END: return .key(.end)
        case KEY_PPAGE: return .key(.pageUp)
        case KEY_NPAGE: return .key(.pageDown)
        case KEY_BACKSPACE: return .key(.backspace)
        case KEY_DC: return .key(.delete)
        case KEY_BTAB: return .key(.backTab)
        case KEY_ENTER: return .key(.enter)
        case KEY_RESIZE:
            let s = size
            last = nil
            return .resize(width: s.width, height: s.height)
        case KEY_MOUSE:
            var ev = MEVENT()
            guard getmouse(&ev) == OK else { return .other }
            var b: KeyDecoder.MouseButtons = []
            if ev.bstate & rt_button4_pressed() != 0 { b.insert(.button4) }
            if rt_button5_pressed() != 0, ev.bstate & rt_button5_pressed() != 0 { b.insert(.button5) }
            if ev.bstate & rt_button1_pressed() != 0 { b.insert(.leftPressed) }
            if ev.bstate & rt_button1_clicked() != 0 { b.insert(.leftClicked) }
            return .mouse(b, x: Int(ev.x), y: Int(ev.y))
        default:
            if code == ctrlLeft || code == altLeft { return .key(.wordLeft) }
            if code == ctrlRight || code == altRight { return .key(.wordRight) }
            if code == altUp { return .key(.altUp) }
            if code == altDown { return .key(.altDown) }
            for n in 1...12 where code == rt_key_f(Int32(n)) { return .key(.function(n)) }
            return .other
        }
    }

    /// Forces the next draw to repaint everything.
    public func invalidate() {
        last = nil
        _ = clearok(rt_stdscr(), true)
    }

    /// Draws a frame, writing only the cells that changed since the last one. `rows`: the
    /// only rows that can differ (nil: any); each is compared with the last frame's, cell by
    /// cell, and only its changed cells are written (then one refresh).
    public func draw(_ canvas: Canvas, rows: [Int]? = nil) {
        guard started else { return }
        let full = last == nil || last?.width != canvas.width || last?.height != canvas.height
        if full { _ = erase() }
        let previous = full ? nil : last
        for y in (full ? nil : rows) ?? Array(0..<canvas.height) where y >= 0 && y < canvas.height {
            if let previous, canvas.rowEquals(y, previous) { continue }
            for run in canvas.changedRuns(inRow: y, since: previous, form: drawable) {
                apply(run.style)
                _ = run.text.withCString { rt_mvaddstr(Int32(y), Int32(run.x), $0) }
            }
        }
        if let c = canvas.cursor, c.x >= 0, c.x < canvas.width, c.y >= 0, c.y < canvas.height {
            _ = curs_set(1)
            _ = move(Int32(c.y), Int32(c.x))
        } else {
            _ = curs_set(0)
        }
        _ = refresh()
        last = canvas
    }

    /// What is written for a cell's grapheme: its terminal form (`DisplayWidth.terminalForm`),
    /// or, when the C library (whose wcwidth ncurses and the terminal place text by)
    /// disagrees with the layout's width for it (a code point newer than the C library, a
    /// locale that is not UTF-8), a replacement character padded to the same width. So
    /// ncurses, the terminal and the canvas always agree where every cell is.
    func drawable(_ text: String) -> String {
        if let d = drawn[text] { return d }
        guard let c = text.first else { return text }
        let want = DisplayWidth.of(c)
        let form = DisplayWidth.terminalForm(c)
        var got = 0
        var known = true
        for s in form.unicodeScalars {
            let w = rt_wcwidth(wchar_t(bitPattern: s.value))
            if w < 0 { known = false }
            got += Int(max(0, w))
        }
        var out = form
        if !known || got != want {
            let mark = rt_wcwidth(0xFFFD) == 1 ? "\u{FFFD}" : "?"
            out = want == 0 ? "" : mark + String(repeating: " ", count: want - 1)
        }
        if drawn.count > 4096 { drawn.removeAll(keepingCapacity: true) }
        drawn[text] = out
        return out
    }

    /// Sets the attributes and colour pair of a style (worked out once per style).
    private func apply(_ id: StyleID) {
        let a: (attrs: attr_t, pair: Int32)
        if let known = attributes[id] {
            a = known
        } else {
            let s = id.style
            var attrs = rt_a_normal()
            if s.bold { attrs |= rt_a_bold() }
            if s.dim { attrs |= rt_a_dim() }
            if s.underline { attrs |= rt_a_underline() }
            if s.reverse { attrs |= rt_a_reverse() }
            if s.italic { attrs |= rt_a_italic() }
            a = (attrs, depth == .none ? 0 : pairFor(fg: color(s.fg), bg: color(s.bg)))
            attributes[id] = a
        }
        _ = rt_set_attr(a.attrs, a.pair)
    }

    private func color(_ c: Color) -> Int32 {
        guard case .rgb(let rgb) = c else { return -1 }
        switch depth {
        case .none: return -1
        case .ansi8: return Int32(ColorMapping.ansi8(rgb))
        case .ansi256: return Int32(ColorMapping.xterm256(rgb))
        case .truecolor:
            // A direct-colour terminfo sends values below 8 as the palette's colours 0–7:
            // #000000–#000007 go as #010000–#010007 instead (the difference is invisible).
            let v = Int32(rgb.r) << 16 | Int32(rgb.g) << 8 | Int32(rgb.b)
            return v < 8 ? v | 0x10000 : v
        }
    }

    private func pairFor(fg: Int32, bg: Int32) -> Int32 {
        if fg == -1 && bg == -1 { return 0 }
        let key = PairKey(fg: fg, bg: bg)
        if let p = pairs[key] { return p }
        let p = alloc_pair(fg, bg)
        let pair = p < 0 ? 0 : p
        pairs[key] = pair
        return pair
    }
}

public enum TerminalError: Error, CustomStringConvertible {
    case notATerminal
    case cannotStart(String)
    case noCursorAddressing(String)

    public var description: String {
        switch self {
        case .notATerminal:
            return "This is not an interactive terminal. Use --plain to chat line by line, or run in a terminal."
        case .cannotStart(let term):
            return "The terminal (TERM=\(term.isEmpty ? "unset" : term)) cannot be driven by ncurses. Set TERM (e.g. xterm-256color) or use --plain."
        case .noCursorAddressing(let term):
            return "The terminal (TERM=\(term)) cannot move the cursor, so the full-screen UI cannot run; chatting line by line instead (set TERM, e.g. xterm-256color, for the full UI; --plain skips this notice)."
        }
    }
}
