import Foundation
import WidgetUI

/// A terminal without a terminal: records every frame drawn (as text) and plays scripted
/// input through the same `KeyDecoder` as the ncurses driver. For tests of the main loop.
@MainActor
public final class HeadlessDriver: TerminalDriver {
    public private(set) var size: (width: Int, height: Int)
    /// Every frame drawn, as text (`Canvas.plainText`), oldest first.
    public private(set) var frames: [String] = []
    /// The screen as last drawn.
    public private(set) var screen: Canvas?
    public private(set) var isStarted = false
    /// `invalidate()` calls (a full repaint asked for).
    public private(set) var invalidations = 0
    /// What each draw wrote, oldest first: as the ncurses driver does, only the changed
    /// cells of the rows that can differ (every cell after a new size or an invalidation).
    public private(set) var writes: [Write] = []
    /// The screen as a terminal shows it after the writes alone (each run written over the
    /// last one): equals `screen` when the writes missed nothing.
    public private(set) var terminal: Canvas?

    /// One draw's writes: the runs of cells (see `Canvas.changedRuns`), the cells and the
    /// bytes of text they hold, and the rows they are in.
    public struct Write: Sendable, Equatable {
        public var runs = 0
        public var cells = 0
        public var bytes = 0
        public var rows: [Int] = []
        public init() {}
    }
    /// `start()` throws this, when set (a terminal ncurses cannot drive).
    public var startError: (any Error)?
    /// Called at the end of each draw (a test's clock can let the frame's time pass there).
    public var onDraw: (() -> Void)?

    private var decoder = KeyDecoder()
    private var pending: [KeyDecoder.Raw] = []
    private var wake: (@Sendable (InputWake) -> Void)?
    /// The loop was woken and has not read yet.
    private var woken = false
    private var waiters: [Int: (predicate: (String) -> Bool, continuation: CheckedContinuation<String?, Never>)] = [:]
    private var nextWaiter = 0
    private var readWaiters: [CheckedContinuation<Void, Never>] = []

    public init(width: Int = 80, height: Int = 24) {
        size = (width, height)
    }

    // MARK: TerminalDriver

    public func start() throws {
        if let startError { throw startError }
        isStarted = true
    }

    public func stop() {
        isStarted = false
    }

    public func draw(_ canvas: Canvas, rows: [Int]?) {
        // As the ncurses driver: the changed cells against the last frame drawn.
        let full = terminal == nil || screen?.width != canvas.width || screen?.height != canvas.height
        var model = full ? Canvas(width: canvas.width, height: canvas.height) : terminal ?? canvas
        terminal = nil
        var write = Write()
        for y in (full ? nil : rows) ?? Array(0..<canvas.height) where y >= 0 && y < canvas.height {
            let runs = canvas.changedRuns(inRow: y, since: full ? nil : screen, form: { $0 })
            if !runs.isEmpty { write.rows.append(y) }
            for run in runs {
                write.runs += 1
                write.cells += run.cells
                write.bytes += run.text.utf8.count
                model.put(run.text, x: run.x, y: y, style: run.style.style)
            }
        }
        model.cursor = canvas.cursor
        terminal = model
        writes.append(write)
        screen = canvas
        let text = canvas.plainText
        frames.append(text)
        onDraw?()
        for (id, w) in waiters where w.predicate(text) {
            waiters[id] = nil
            w.continuation.resume(returning: text)
        }
    }

    public func invalidate() {
        invalidations += 1
        terminal = nil
    }

    /// Control sequences written (OSC 52 copies), each with the number of frames drawn before it.
    public private(set) var controls: [(sequence: String, afterFrames: Int)] = []
    /// Mouse reporting as last set (Alt-M).
    public private(set) var mouseReporting = true

    public func writeControl(_ sequence: String) {
        controls.append((sequence, frames.count))
    }

    public func setMouse(_ on: Bool) {
        mouseReporting = on
    }

    public func suspend() {}

    public func resume() {
        invalidations += 1
        terminal = nil
    }

    public func readInput() -> [TerminalInput] {
        let raw = pending
        pending = []
        return decoder.decode(raw)
    }

    public func startInput(_ wake: @escaping @Sendable (InputWake) -> Void) {
        self.wake = wake
        woken = false
        wakeIfPending()
    }

    public func inputRead() {
        woken = false
        wakeIfPending()
        if pending.isEmpty {
            let w = readWaiters
            readWaiters = []
            for c in w { c.resume() }
        }
    }

    public func stopInput() {
        wake = nil
    }

    // MARK: Scripted input

    /// Input as one read brings it (characters, key codes, a paste's markers).
    public func send(_ raw: [KeyDecoder.Raw]) {
        pending += raw
        wakeIfPending()
    }

    /// Types `text`, one character code after another, in one read.
    public func type(_ text: String) {
        send(text.unicodeScalars.map { .scalar($0) })
    }

    /// A key the terminal library names (arrows, F-keys, …).
    public func press(_ key: Key) {
        send([.code(.key(key))])
    }

    /// The window changes size.
    public func resize(width: Int, height: Int) {
        size = (width, height)
        send([.code(.resize(width: width, height: height))])
    }

    /// The terminal goes away (its window closed).
    public func hangUp() {
        wake?(.hangup)
    }

    /// Returns once the loop has read all the input sent so far.
    public func waitUntilInputRead() async {
        guard woken || !pending.isEmpty else { return }
        await withCheckedContinuation { readWaiters.append($0) }
    }

    private func wakeIfPending() {
        guard !woken, !pending.isEmpty, let wake else { return }
        woken = true
        wake(.ready)
    }

    // MARK: Waiting for the screen

    /// The screen as last drawn, as text ("" before the first frame).
    public var text: String { frames.last ?? "" }

    /// The first frame (the last one drawn, or one drawn later) for which `predicate` holds,
    /// or nil when none came within `timeout` (a deadline for a broken test, not a wait).
    public func waitForFrame(timeout: Duration = .seconds(10), _ predicate: @escaping (String) -> Bool) async -> String? {
        if let last = frames.last, predicate(last) { return last }
        let id = nextWaiter
        nextWaiter += 1
        let deadline = Task { [weak self] in
            try? await Task.sleep(for: timeout)
            self?.expire(id)
        }
        defer { deadline.cancel() }
        return await withCheckedContinuation { c in
            waiters[id] = (predicate, c)
        }
    }

    private func expire(_ id: Int) {
        waiters.removeValue(forKey: id)?.continuation.resume(returning: nil)
    }
}
