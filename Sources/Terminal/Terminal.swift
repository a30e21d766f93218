// Terminal: runs the chat UI in a terminal.
//
// Holds the main loop (`ChatRuntime` and its files: loop and mailbox, file saving, timers,
// input thread), the seams it runs against (`TerminalDriver`, `ChatSessionProtocol`,
// `RuntimeClock`, injected signals), the pure `KeyDecoder`, the ncurses driver (the only
// code that calls ncurses) and the `HeadlessDriver` that tests use instead of a terminal.
//
// May import: CNCursesW and CTerminalRestore (the ncurses driver and terminal restore only),
// WidgetUI, RobofySession, RobofyAPI, swift-log, UnixSignals (swift-service-lifecycle),
// Foundation and Dispatch. Nothing here imports ArgumentParser, DemoServer or RobofyQA.

import WidgetUI

/// An input event, decoded (`KeyDecoder`).
public enum TerminalInput: Sendable, Equatable {
    case key(Key)
    case paste(String)
    case click(x: Int, y: Int)
    case wheel(Int)
    case resize(width: Int, height: Int)
}

/// What the input watcher tells the loop.
public enum InputWake: Sendable, Equatable {
    /// Input (or a new window size) is waiting: call `readInput()`, then `inputRead()`.
    case ready
    /// The terminal is gone (its window closed): quit as on SIGHUP.
    case hangup
}

/// What `ChatRuntime` needs of a terminal: take it over and give it back, its size, draw a
/// frame, and read input. The ncurses driver is one; `HeadlessDriver` (tests) is another.
@MainActor
public protocol TerminalDriver: AnyObject {
    /// Takes over the terminal. Throws `TerminalError` when it cannot.
    func start() throws
    /// Gives the terminal back. Safe to call more than once.
    func stop()
    var size: (width: Int, height: Int) { get }
    /// Draws a frame; `rows`: the only rows that can differ from the last one (nil: any).
    func draw(_ canvas: Canvas, rows: [Int]?)
    /// The next draw repaints everything.
    func invalidate()
    /// Every input event waiting, without blocking.
    func readInput() -> [TerminalInput]
    /// Starts watching for input: `wake` is called (on any thread) when input is waiting,
    /// then not again until `inputRead()`.
    func startInput(_ wake: @escaping @Sendable (InputWake) -> Void)
    /// The loop has read what was waiting: watch again.
    func inputRead()
    /// Stops watching for input.
    func stopInput()
    /// Gives the terminal to another program for a while (the `$EDITOR`, Ctrl-G).
    func suspend()
    /// Takes the terminal back after `suspend()`; the next draw repaints everything.
    func resume()
    /// Writes a control sequence to the terminal between frames (OSC 52 copies).
    func writeControl(_ sequence: String)
    /// Mouse reporting on or off (off: the terminal's own text selection works without Shift).
    func setMouse(_ on: Bool)
}

extension TerminalDriver {
    /// Drivers without a terminal to write to ignore control sequences.
    public func writeControl(_ sequence: String) {}
    public func setMouse(_ on: Bool) {}
}
