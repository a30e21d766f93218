import CTerminalRestore
import Dispatch
import Foundation
import Logging
import RobofyAPI
import RobofySession
import WidgetUI

#if canImport(Glibc)
import Glibc
#endif

public struct RuntimeOptions: Sendable {
    /// Where "download transcript" writes its files.
    public var downloadDirectory: String
    /// Frames per second at most while text streams in.
    public var maxFPS: Double = 60
    public var logger: Logger
    /// Preview: show the widget, send nothing.
    public var previewOnly = false
    /// Exit after the first complete frame following the handshake (start-up benchmark).
    public var exitAfterFirstFrame = false
    /// Shown in the status line once connected (e.g. where the transcript is autosaved).
    public var startupNotice: RuntimeNotice?
    /// Notices from outside the UI (e.g. an autosave failure), shown in the status line.
    public var notices: AsyncStream<RuntimeNotice>?
    /// Saves the conversation so far as a test script (F9); returns the path written.
    public var saveScript: (@Sendable () async throws -> String)?

    public init(downloadDirectory: String = FileManager.default.currentDirectoryPath,
                logger: Logger = Logger(label: "robofy.ui", factory: { _ in SwiftLogNoOpLogHandler() })) {
        self.downloadDirectory = downloadDirectory
        self.logger = logger
    }
}

/// A line for the status bar from outside the UI.
public struct RuntimeNotice: Sendable, Equatable {
    public enum Kind: Sendable, Equatable {
        case info
        case error
        /// A file the user relies on stopped being written (the transcript autosave, the
        /// `--log-file`): not a passing error; the status line keeps it until acknowledged.
        case storageFailure
    }
    public var text: String
    public var isError: Bool
    public var kind: Kind
    /// Writing the user's data failed (autosave, recording, log): shown until acknowledged (F12).
    public var isStorageFailure: Bool { kind == .storageFailure }
    public init(_ text: String, isError: Bool = false, isStorageFailure: Bool = false) {
        self.text = text
        self.isError = isError || isStorageFailure
        kind = isStorageFailure ? .storageFailure : (isError ? .error : .info)
    }

    /// The autosave or the log file failed (see `Kind.storageFailure`).
    public static func storageFailure(_ text: String) -> RuntimeNotice {
        RuntimeNotice(text, isStorageFailure: true)
    }
}

/// Runs the chat UI in the terminal: input, session events and the frame clock
/// all arrive on one main-actor loop; the session runs in its own actor.
@MainActor
public final class ChatRuntime {
    enum LoopEvent: Sendable {
        case input
        /// Session events are waiting in `pendingSession`.
        case session
        case frame
        case tick
        case signal(Int32)
        case fileWritten(String)
        case fileFailed(String)
        case notice(RuntimeNotice)
        case widget(WidgetEvent)
    }

    let session: ChatSession
    var state: AppState
    let options: RuntimeOptions
    let renderer = Renderer()
    let driver = NCursesDriver()
    var frame: Frame?
    var dirty = true
    /// Something other than time changed since the last frame (else `renderTick` may do).
    var changed = true
    var framePending = false
    /// `exitAfterFirstFrame`: that frame is drawn.
    var firstFrameDone = false
    var lastFrame = ContinuousClock.now
    let started = ContinuousClock.now
    var ticker: (any DispatchSourceTimer)?
    var statusTimer: Task<Void, Never>?
    var statusTimerDue: Double?
    var autoCloseTimer: (due: Double, task: Task<Void, Never>)?
    var continuation: LoopQueue?
    var commands: AsyncStream<AppCommand>.Continuation?
    var sawConnected = false
    /// The signal (SIGTERM, SIGHUP, SIGINT, SIGQUIT) that ended the loop, if one did. The
    /// exit is the same as F10's; the caller exits with 128 + this number.
    public private(set) var exitSignal: Int32?
    /// Session events not applied yet. A fast answer brings thousands of events a
    /// second: they are applied in bursts (before each turn of the loop, and at the
    /// latest before the next frame), not each on a turn of its own.
    let mailbox = SessionMailbox()

    public init(session: ChatSession, state: AppState, options: RuntimeOptions) {
        self.session = session
        self.state = state
        self.options = options
    }

    var now: Double {
        let d = ContinuousClock.now - started
        return Double(d.components.seconds) + Double(d.components.attoseconds) / 1e18
    }

    /// Runs until the user quits. The terminal is restored on every way out.
    public func run() async throws {
        rt_save_terminal()
        rt_install_crash_restore()
        try driver.start()
        defer {
            driver.stop()
        }
        let cont = LoopQueue()
        continuation = cont
        let watcher = InputWatcher(cont)
        watcher.start()
        defer { watcher.stop() }
        // Off the main actor, so that a long burst of events never holds up a frame.
        let forward = Task.detached { [session, mailbox] in
            for await e in session.events {
                if mailbox.push(e) { cont.yield(.session) }
            }
        }
        defer { forward.cancel() }
        let forwardNotices = Task { [notices = options.notices] in
            guard let notices else { return }
            for await n in notices { cont.yield(.notice(n)) }
        }
        defer { forwardNotices.cancel() }
        var signalSources: [any DispatchSourceSignal] = []
        for sig in [SIGTERM, SIGHUP, SIGINT, SIGQUIT] {
            signal(sig, SIG_IGN)
            signalSources.append(Self.watchSignal(sig, cont))
        }
        defer { for s in signalSources { s.cancel() } }

        // Commands to the session run in order, except sends, which run alongside
        // so that Esc can stop them.
        let (cmdStream, cmdCont) = AsyncStream.makeStream(of: AppCommand.self)
        commands = cmdCont
        let worker = Task { [session, cont] in
            for await c in cmdStream {
                switch c {
                case .send(let text): Task { await session.send(text) }
                case .connect: Task { await session.connect() }
                case .cancel: await session.cancel()
                case .selectAgent(let id): await session.selectAgent(id)
                case .endSession: await session.endSession()
                case .reset: await session.reset()
                case .saveTranscript, .saveScript, .quit: break
                case .widget(let w): Task { await Self.perform(w, session: session, loop: cont) }
                }
            }
        }
        defer { worker.cancel() }

        let s = driver.size
        _ = state.reduce(.resize(width: s.width, height: s.height))
        state.now = now
        issue([.connect])
        draw()

        loop: while let event = await cont.next() {
            // Session events that came in first are applied first.
            applyPendingSession()
            switch event {
            case .frame, .tick: break
            default: changed = true
            }
            switch event {
            case .input:
                // The clock moves only while something animates: bring it up to date, or a key
                // is judged by the time of the last tick (Ctrl-C twice took three presses).
                tick()
                for input in driver.readInput() { handle(input) }
                watcher.resume()
            case .session:
                break
            case .frame:
                framePending = false
                frameNow()
            case .tick:
                tick()
                dirty = true
            case .signal(let sig):
                exitSignal = sig
                break loop
            case .fileWritten(let path):
                _ = state.reduce(.notice("Transcript saved to \(path)", isError: false))
                dirty = true
            case .fileFailed(let why):
                _ = state.reduce(.notice(why, isError: true))
                dirty = true
            case .notice(let n):
                _ = state.reduce(n.isStorageFailure ? .storageFailed(n.text) : .notice(n.text, isError: n.isError))
                dirty = true
            case .widget(let e):
                _ = state.reduce(.widget(e))
                dirty = true
            }
            if state.shouldQuit { break }
            updateTicker()
            scheduleFrame()
            if firstFrameDone { break }
            // A pending frame applies the events that come meanwhile; without one, the
            // next event wakes the loop.
            if framePending { mailbox.disarm() } else if mailbox.arm() { cont.yield(.session) }
        }
        cont.finish()
        ticker?.cancel()
        statusTimer?.cancel()
        autoCloseTimer?.task.cancel()
        cmdCont.finish()
        // Give the terminal back at once; then let the session wind down, but not for long.
        driver.stop()
        let session = self.session
        let (done, doneCont) = AsyncStream.makeStream(of: Void.self)
        Task { await session.close(); doneCont.yield() }
        Task { try? await Task.sleep(for: .seconds(1)); doneCont.yield() }
        for await _ in done { break }  // whichever comes first
    }

    /// A signal source on a dispatch queue that tells the loop. Nonisolated: the handler
    /// runs on a dispatch thread, and a closure formed on the main actor would trap there.
    nonisolated static func watchSignal(_ sig: Int32, _ cont: LoopQueue) -> any DispatchSourceSignal {
        let src = DispatchSource.makeSignalSource(signal: sig, queue: .global())
        src.setEventHandler { @Sendable in cont.yield(.signal(sig)) }
        src.resume()
        return src
    }

    /// Draws a frame now (the frame clock's turn).
    func frameNow() {
        tick()
        draw()
        if options.exitAfterFirstFrame && sawConnected && state.agentID != nil { firstFrameDone = true }
    }

    /// Lets time pass in the state; what a tick changes beyond the clock counts as a change.
    func tick() {
        let armed = state.quitArmedAt, status = state.status, closed = state.extras.closed
        _ = state.reduce(.tick(now))
        if state.quitArmedAt != armed || state.status != status || state.extras.closed != closed { changed = true }
    }

    func applyPendingSession() {
        let events = mailbox.take()
        guard !events.isEmpty else { return }
        changed = true
        for e in events {
            // A queued message goes out when connected or when the answer before it ends.
            issue(state.reduce(.session(e)))
            if case .connected = e {
                // The startup notice follows the first handshake only.
                if !sawConnected, let n = options.startupNotice { _ = state.reduce(.notice(n.text, isError: n.isError)) }
                sawConnected = true
            }
        }
        dirty = true
    }

    func handle(_ input: TerminalInput) {
        let cmds: [AppCommand]
        switch input {
        case .key(let k): cmds = state.reduce(.key(k))
        case .paste(let p): cmds = state.reduce(.paste(p))
        case .wheel(let n): cmds = state.reduce(.wheel(lines: n))
        case .click(let x, let y):
            if let target = frame?.target(x: x, y: y) { cmds = state.reduce(.click(target)) } else { cmds = [] }
        case .resize(let w, let h):
            cmds = state.reduce(.resize(width: w, height: h))
            driver.invalidate()
        }
        if case .key(.ctrl("l")) = input { driver.invalidate() }
        dirty = true
        issue(cmds)
    }

    func issue(_ cmds: [AppCommand]) {
        for c in cmds {
            switch c {
            case .saveTranscript(let md, let name):
                save(md, agentName: name)
            case .saveScript:
                saveScript()
            case .quit:
                break
            default:
                commands?.yield(c)
            }
        }
    }

    func save(_ markdown: String, agentName: String) {
        let dir = options.downloadDirectory
        let cont = continuation
        Task.detached {
            let f = DateFormatter()
            f.dateFormat = "yyyyMMdd-HHmmss"
            f.locale = Locale(identifier: "en_US_POSIX")
            let slug = String(agentName.lowercased().map { $0.isLetter || $0.isNumber ? $0 : "-" }.prefix(40))
            let path = (dir as NSString).appendingPathComponent("robofy-transcript-\(slug)-\(f.string(from: Date())).md")
            do {
                if !FileManager.default.fileExists(atPath: dir) {
                    try? FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
                }
                // Through symlinks, never replacing a device (LocalFile).
                try LocalFile.write(Data(markdown.utf8), to: path)
                cont?.yield(.fileWritten(path))
            } catch {
                cont?.yield(.fileFailed("Could not save the transcript: \(error). Check --download-dir."))
            }
        }
    }

    func saveScript() {
        let cont = continuation
        guard let save = options.saveScript else {
            cont?.yield(.notice(RuntimeNotice("Saving a script is not available here.", isError: true)))
            return
        }
        Task.detached {
            do {
                let path = try await save()
                cont?.yield(.notice(RuntimeNotice("Script saved to \(path)")))
            } catch {
                cont?.yield(.notice(RuntimeNotice("Could not save the script: \(error)", isError: true)))
            }
        }
    }

    /// Animations (loader, spinner) need a clock only while something moves.
    func updateTicker() {
        updateAutoCloseTimer()
        // A transient status line (shown 8 s) needs a frame when it expires, or it would stay
        // until the next key: one timer for that moment, not the 10 Hz clock (idle CPU).
        let expires = state.statusAt + AppState.statusSeconds
        let statusShowing = state.status != nil && !state.statusIsError && state.now < expires + 0.2
        let animating = state.isBusy || state.quitArmedAt != nil
        let due = statusShowing && !animating ? expires + 0.05 : nil
        if due != statusTimerDue {
            statusTimer?.cancel()
            statusTimer = nil
            statusTimerDue = due
            if let due {
                let cont = continuation
                let delay = Duration.milliseconds(Int(max(0, due - now) * 1000))
                statusTimer = Task {
                    try? await Task.sleep(for: delay)
                    if !Task.isCancelled { cont?.yield(.tick) }
                }
            }
        }
        if animating, ticker == nil {
            // A repeating dispatch timer costs less per tick than a task that sleeps in a
            // loop (this runs 10 times a second for as long as the loader spins).
            let cont = continuation
            // On the main queue: the tick wakes the main thread, not a worker thread and then it.
            let t = DispatchSource.makeTimerSource(queue: .main)
            t.schedule(deadline: .now() + .milliseconds(100), repeating: .milliseconds(100), leeway: .milliseconds(5))
            // @Sendable: runs on a dispatch thread, not on the main actor.
            t.setEventHandler { @Sendable in cont?.yield(.tick) }
            t.resume()
            ticker = t
        } else if !animating, let t = ticker {
            t.cancel()
            ticker = nil
        }
    }

    /// Coalesces changes into at most `maxFPS` frames a second.
    func scheduleFrame() {
        guard dirty, !framePending else { return }
        framePending = true
        let interval = Duration.milliseconds(Int(1000 / max(1, options.maxFPS)))
        let wait = lastFrame + interval - ContinuousClock.now
        let cont = continuation
        if wait <= .zero {
            // Due already (e.g. a loader tick): drawn in this turn of the loop, not the next.
            framePending = false
            applyPendingSession()
            frameNow()
        } else {
            let ns = Int(wait.components.seconds) * 1_000_000_000 + Int(wait.components.attoseconds / 1_000_000_000)
            DispatchQueue.main.asyncAfter(deadline: .now() + .nanoseconds(ns)) { @Sendable in cont?.yield(.frame) }
        }
    }

    func draw() {
        dirty = false
        lastFrame = ContinuousClock.now
        // Only time passed: the renderer redraws the loader's row alone when it can, in the
        // last frame (held here alone, so that it is changed in place).
        if !changed, var f = frame {
            frame = nil
            if renderer.renderTick(state, into: &f) {
                frame = f
                driver.draw(f.canvas, rows: f.changedRows)
                return
            }
        }
        changed = false
        let f = renderer.render(state)
        state.scroll = f.scroll
        if let top = f.inspectorScroll { state.inspectorScroll = top }
        frame = f
        driver.draw(f.canvas)
    }
}

/// The main loop's events: input, session events, timers, signals (a lock per event:
/// `AsyncStream` looked up type metadata on every one, a measurable share of the idle CPU).
typealias LoopQueue = AsyncEventQueue<ChatRuntime.LoopEvent>

/// Session events on their way to the main loop. The loop asks to be woken (`arm`)
/// only when no frame is pending: a pending frame applies whatever came meanwhile.
final class SessionMailbox: @unchecked Sendable {
    private let lock = NSLock()
    private var events: [SessionEvent] = []
    private var wake = true

    /// Adds an event; true when the loop should be woken.
    func push(_ e: SessionEvent) -> Bool {
        lock.lock()
        defer { lock.unlock() }
        events.append(e)
        let w = wake
        wake = false
        return w
    }

    func take() -> [SessionEvent] {
        lock.lock()
        defer { lock.unlock() }
        var out: [SessionEvent] = []
        swap(&out, &events)
        return out
    }

    /// Wake the loop on the next event; true when events are already waiting.
    func arm() -> Bool {
        lock.lock()
        defer { lock.unlock() }
        if events.isEmpty {
            wake = true
            return false
        }
        return true
    }

    func disarm() {
        lock.lock()
        wake = false
        lock.unlock()
    }
}

/// Watches standard input on its own thread (without touching ncurses) and
/// tells the main loop when there is something to read, or the window changed size.
final class InputWatcher: @unchecked Sendable {
    private let continuation: LoopQueue
    private let lock = NSLock()
    private var stopped = false
    private let ready = DispatchSemaphore(value: 0)

    init(_ continuation: LoopQueue) {
        self.continuation = continuation
    }

    func start() {
        let t = Thread { [self] in self.loop() }
        t.name = "robofy-input"
        t.start()
    }

    func stop() {
        lock.lock()
        stopped = true
        lock.unlock()
        ready.signal()
    }

    /// The main loop has read what was waiting.
    func resume() {
        ready.signal()
    }

    private var isStopped: Bool {
        lock.lock()
        defer { lock.unlock() }
        return stopped
    }

    private func windowSize() -> (Int, Int) {
        var ws = winsize()
        if ioctl(STDOUT_FILENO, UInt(TIOCGWINSZ), &ws) == 0 { return (Int(ws.ws_col), Int(ws.ws_row)) }
        return (0, 0)
    }

    private func loop() {
        var size = windowSize()
        while !isStopped {
            var pfd = pollfd(fd: STDIN_FILENO, events: Int16(POLLIN), revents: 0)
            let r = poll(&pfd, 1, 250)
            if isStopped { break }
            if r > 0, Int32(pfd.revents) & (POLLHUP | POLLERR | POLLNVAL) != 0 {
                // The terminal is gone (its window closed, without a SIGHUP reaching us):
                // quit as on SIGHUP, instead of waking the loop for input forever.
                continuation.yield(.signal(SIGHUP))
                break
            }
            var wake = r > 0
            let now = windowSize()
            if now != size {
                size = now
                wake = true
            }
            if wake {
                continuation.yield(.input)
                ready.wait()
            }
        }
    }
}
