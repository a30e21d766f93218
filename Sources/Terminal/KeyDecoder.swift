import WidgetUI

/// Turns what the terminal sends (characters, and key codes the terminal library already
/// recognised) into input events: Esc alone or as Alt, bracketed paste, mouse. Pure: no
/// terminal library, so it is tested on its own. Keeps its state (a paste in progress)
/// from one read to the next; an Esc at the end of a read is the Esc key (the terminal
/// library waits `ESCDELAY` for the rest of a sequence before it hands one over).
public struct KeyDecoder: Sendable {
    /// A key code from the terminal library, already named.
    public enum Code: Sendable, Equatable {
        case key(Key)
        case pasteStart
        case pasteEnd
        case mouse(MouseButtons, x: Int, y: Int)
        case resize(width: Int, height: Int)
        /// A code the UI has no use for.
        case other
    }

    /// The buttons of a mouse event (ncurses' `bstate`, the bits the UI uses).
    public struct MouseButtons: OptionSet, Sendable, Equatable {
        public let rawValue: UInt8
        public init(rawValue: UInt8) { self.rawValue = rawValue }
        public static let leftPressed = MouseButtons(rawValue: 1)
        public static let leftClicked = MouseButtons(rawValue: 2)
        /// Wheel up.
        public static let button4 = MouseButtons(rawValue: 4)
        /// Wheel down.
        public static let button5 = MouseButtons(rawValue: 8)
    }

    /// One unit of input as read.
    public enum Raw: Sendable, Equatable {
        case scalar(Unicode.Scalar)
        case code(Code)
    }

    public private(set) var inPaste = false
    private var pasteBuffer = ""
    /// A terminal's reply being skipped (one that came after the start-up query's deadline):
    /// an APC (`ESC _ … ESC \`, kitty graphics) or a device-attributes reply (`ESC [ ? … c`).
    /// `csi` and `apcStart`: `ESC [` and `ESC _` seen, not yet known to start a reply (a
    /// kitty graphics reply is `ESC _ G …`; anything else was Esc, then "[" or "_").
    private enum Reply: Sendable { case none, csi, deviceAttributes, apcStart, apc, apcEscape }
    private var reply = Reply.none
    private var replyLength = 0

    public init() {}

    /// Decodes one read's worth of input.
    public mutating func decode<S: Sequence>(_ input: S) -> [TerminalInput] where S.Element == Raw {
        var out: [TerminalInput] = []
        var pendingEscape = false
        for raw in input {
            switch raw {
            case .code(let code):
                if pendingEscape { pendingEscape = false; out.append(.key(.escape)) }
                if code == .pasteStart { inPaste = true; pasteBuffer = ""; continue }
                if code == .pasteEnd {
                    inPaste = false
                    out.append(.paste(pasteBuffer))
                    pasteBuffer = ""
                    continue
                }
                // Inside a paste, a sequence the library took for a key is dropped.
                if inPaste { continue }
                if let e = Self.decode(code) { out.append(e) }
            case .scalar(let scalar):
                if reply != .none {
                    let started = reply
                    if skipReply(scalar) { continue }
                    // `ESC [` not followed by `?`, or `ESC _` not by `G`: that was Esc, then the key.
                    if let key = Self.startKey(started) {
                        out.append(.key(.escape))
                        out.append(contentsOf: Self.decode(key))
                    }
                }
                if inPaste {
                    if scalar == "\r" { pasteBuffer.append("\n") } else { pasteBuffer.unicodeScalars.append(scalar) }
                    continue
                }
                if pendingEscape {
                    pendingEscape = false
                    switch scalar {
                    case "\r", "\n": out.append(.key(.newline))
                    case "\u{7F}", "\u{08}": out.append(.key(.wordBackspace))
                    case "b": out.append(.key(.wordLeft))
                    case "f": out.append(.key(.wordRight))
                    case "\u{1B}": out.append(.key(.escape)); pendingEscape = true
                    case "_": reply = .apcStart; replyLength = 0
                    case "[": reply = .csi; replyLength = 0
                    // Alt with a letter the key map binds (Alt-C, Alt-M); other letters stay Esc, then the letter.
                    case _ where KeyMap.altLetters.contains(Character(scalar)): out.append(.key(.alt(Character(scalar))))
                    default: out.append(.key(.escape)); out.append(contentsOf: Self.decode(scalar))
                    }
                    continue
                }
                if scalar == "\u{1B}" { pendingEscape = true; continue }
                out.append(contentsOf: Self.decode(scalar))
            }
        }
        if pendingEscape { out.append(.key(.escape)) }
        // A reply starts in the read that holds its start (a terminal writes it whole): else
        // it was Esc and a key (Alt-[ or Alt-_, e.g. the shell's yank-last-arg).
        if let key = Self.startKey(reply) {
            reply = .none
            out.append(.key(.escape))
            out.append(contentsOf: Self.decode(key))
        }
        return out
    }

    /// The key after Esc of a reply's start that turned out not to be one.
    private static func startKey(_ r: Reply) -> Unicode.Scalar? {
        switch r {
        case .csi: return "["
        case .apcStart: return "_"
        default: return nil
        }
    }

    /// Skips one scalar of a terminal reply; false: `ESC [` turned out not to start one (the
    /// scalar is then decoded as usual). A reply longer than 4,096 scalars ends the skipping.
    private mutating func skipReply(_ scalar: Unicode.Scalar) -> Bool {
        replyLength += 1
        if replyLength > 4096 { reply = .none; return true }
        switch reply {
        case .csi:
            guard scalar == "?" else { reply = .none; return false }
            reply = .deviceAttributes
        case .deviceAttributes:
            // Parameters (digits, `;`) until the final byte.
            if !(("0"..."9").contains(scalar) || scalar == ";") { reply = .none }
        case .apcStart:
            guard scalar == "G" else { reply = .none; return false }
            reply = .apc
        case .apc:
            if scalar == "\u{1B}" { reply = .apcEscape } else if scalar == "\u{07}" { reply = .none }
        case .apcEscape:
            reply = scalar == "\\" ? .none : .apc
        case .none:
            return false
        }
        return true
    }

    static func decode(_ s: Unicode.Scalar) -> [TerminalInput] {
        switch s.value {
        case 13: return [.key(.enter)]
        case 10: return [.key(.newline)]
        case 9: return [.key(.tab)]
        case 8, 127: return [.key(.backspace)]
        case 1...26:
            let letter = Character(Unicode.Scalar(s.value + 96) ?? "?")
            return [.key(.ctrl(letter))]
        case 0..<32: return []
        default: return [.key(.char(Character(s)))]
        }
    }

    static func decode(_ code: Code) -> TerminalInput? {
        switch code {
        case .key(let k): return .key(k)
        case .resize(let w, let h): return .resize(width: w, height: h)
        case .mouse(let b, let x, let y):
            if b.contains(.button4) { return .wheel(3) }
            if b.contains(.button5) { return .wheel(-3) }
            if !b.isDisjoint(with: [.leftPressed, .leftClicked]) { return .click(x: x, y: y) }
            return nil
        case .pasteStart, .pasteEnd, .other: return nil
        }
    }
}
