import Foundation
import Logging
import RobofyAPI
import RobofySession
import UnixSignals
import WidgetUI

#if canImport(Glibc)
import Glibc
#endif

/// Runs the chat UI in the terminal: input, session events and the frame clock
/// all arrive on one main-actor loop; the session runs in its own actor.
/// Files: this one holds the loop; `RuntimeTimers` the frame clock and the ticks,
/// `RuntimeFiles` saving, `SessionMailbox` the session's events on their way in,
/// `InputWatcher` the ncurses driver's input thread.
@MainActor
public final class ChatRuntime {
    enum LoopEvent: Sendable {
        case input
        /// Session events are waiting in `mailbox`.
        case session
        /// A frame timer fired (its number: a timer replaced meanwhile finds another in `frameTimer`).
        case frame(Int)
        case tick
        case signal(Int32)
        case fileWritten(String)
        case fileFailed(String)
        case notice(RuntimeNotice)
        case widget(WidgetEvent)
    }

    /// The signals that end the loop as F10 does.
    static let trapped: [UnixSignal] = [.sigterm, .sighup, .sigint, .sigquit]
    public static var exitSignals: [Int32] { trapped.map(\.rawValue) }

    let session: any ChatSessionProtocol
    /// Changed only by `reduce`.
    public internal(set) var state: AppState
    let options: RuntimeOptions
    let renderer = Renderer()
    let driver: any TerminalDriver
    let clock: any RuntimeClock
    /// nil: the process's signals (`exitSignals`), trapped while the loop runs.
    let signals: AsyncStream<Int32>?
    var frame: Frame?
    var dirty = true
    /// Something other than time changed since the last frame (else `renderTick` may do).
    var changed = true
    /// Something other than the conversation's messages changed since the last frame (else
    /// the frame may redraw the conversation alone: `FrameDamage.conversation`).
    var changedOutsideConversation = true
    var framePending = false
    /// The pending frame's timer and when it fires (a key may need a frame before it); no
    /// timer of its own when the stream clock's next tick brings it (`streamTicker`).
    var frameTimer: (id: Int, due: Duration, timer: (any RuntimeTimer)?)?
    var frameTimers = 0
    /// The stream clock's repeating timer, while an answer streams (`keepStreamClock`).
    var streamTicker: (any RuntimeTimer)?
    /// The last frame showed session events and changed the conversation alone (an answer
    /// streaming in), and session events were applied since the last frame.
    var lastFrameStreamed = false
    var appliedSinceFrame = false
    var terminalGivenBack = false
    /// `exitAfterFirstFrame`: that frame is drawn.
    var firstFrameDone = false
    var lastFrame: Duration = .zero
    /// What the stream interval counts from: when the last frame began; or, while the text is
    /// read on the stream's clock (`readsComeOnTheStreamClock`), when the newest text of the last
    /// frame of streamed text came (other frames, a key's or the loader's, leave it). Counted from
    /// when the frame began, such text that came a little early once, and was drawn by a timer,
    /// came early ever after: each frame waited for a timer.
    var streamMark: Duration = .zero
    /// When the newest session event applied came (the mailbox's clock).
    var lastArrival: Duration = .zero
    /// How long the last frame took to draw (`frameDue` spaces slow streamed frames out).
    var lastFrameCost: Duration = .zero
    var ticker: (any RuntimeTimer)?
    var statusTimer: (any RuntimeTimer)?
    var statusTimerDue: Double?
    var autoCloseTimer: (due: Double, timer: any RuntimeTimer)?
    var continuation: LoopQueue?
    /// Resumed when the loop ends (`run` waits on it while `loopTurn` takes the events).
    var loopEnded: CheckedContinuation<Void, Never>?
    var commands: AsyncStream<AppCommand>.Continuation?
    var sawConnected = false
    /// The signal (SIGTERM, SIGHUP, SIGINT, SIGQUIT) that ended the loop, if one did. The
    /// exit is the same as F10's; the caller exits with 128 + this number.
    public private(set) var exitSignal: Int32?
    /// Session events not applied yet. A fast answer brings thousands of events a
    /// second: they are applied in bursts (before each turn of the loop, and at the
    /// latest before the next frame), not each on a turn of its own.
    let mailbox = SessionMailbox()

    /// `driver`: nil for the ncurses driver. `signals`: nil to trap the process's signals.
    public init(session: any ChatSessionProtocol, state: AppState, options: RuntimeOptions,
                driver: (any TerminalDriver)? = nil, clock: any RuntimeClock = SystemClock(),
                signals: AsyncStream<Int32>? = nil) {
        self.session = session
        var state = state
        state.keyRemap = options.keys
        self.state = state
        self.options = options
        self.driver = driver ?? NCursesDriver()
        self.clock = clock
        self.signals = signals
    }

    /// Seconds since the runtime's clock started.
    var now: Double { clock.now.seconds }

    /// Runs until the user quits. The terminal is restored on every way out.
    public func run() async throws {
        try driver.start()
        defer { giveTerminalBack() }
        let cont = LoopQueue()
        continuation = cont
        options.images?.setWake { cont.yield(.tick) }
        driver.startInput { wake in
            switch wake {
            case .ready: cont.yield(.input)
            case .hangup: cont.yield(.signal(SIGHUP))
            }
        }
        defer { driver.stopInput() }
        // Off the main actor, so that a long burst of events never holds up a frame: straight
        // from the session's thread into the mailbox when the session can, else by a task.
        // The events of one read of an answer come together: the loop is woken once the last is in.
        let push: @Sendable (SessionEvent, Bool) -> Void = { [mailbox, clock] e, last in
            if mailbox.push(e, at: clock.now, last: last) { cont.yield(.session) }
        }
        let forward: Task<Void, Never>? = session.deliverEvents(directlyTo: push) ? nil : Task.detached { [session] in
            for await e in session.events { push(e, true) }
        }
        defer { forward?.cancel() }
        let forwardNotices = Task { [notices = options.notices] in
            guard let notices else { return }
            for await n in notices { cont.yield(.notice(n)) }
        }
        defer { forwardNotices.cancel() }
        let forwardSignals = await watchSignals(cont)
        defer { forwardSignals.cancel() }

        // Commands to the session run in order, except sends, which run alongside
        // so that Esc can stop them.
        let (cmdStream, cmdCont) = AsyncStream.makeStream(of: AppCommand.self)
        commands = cmdCont
        let worker = Task { [session, cont] in
            for await c in cmdStream {
                switch c {
                case .send(let text): Task { await session.send(text) }
                case .sendVersion(let text, let of): Task { await session.send(text, versionOf: of) }
                case .connect: Task { await session.connect() }
                case .cancel: await session.cancel()
                case .selectAgent(let id): await session.selectAgent(id)
                case .endSession: await session.endSession()
                case .reset: await session.reset()
                case .saveTranscript, .saveScript, .compose, .quit, .copy, .setMouse: break
                case .widget(let w): Task { await Self.perform(w, session: session, loop: cont) }
                }
            }
        }
        defer { worker.cancel() }

        let s = driver.size
        _ = state.reduce(.resize(width: s.width, height: s.height))
        _ = state.reduce(.tick(now))
        issue([.connect])
        draw()
        // After the first frame, not before it.
        KeyMap.prepare()

        // Each event is handled by a job of its own, put on the main queue by the thread that
        // yields it: no task waits for the next event, so no thread of the global pool is
        // woken to resume it and hop back to the main actor. A cancelled `run` ends the loop.
        await withTaskCancellationHandler {
            await withCheckedContinuation { (ended: CheckedContinuation<Void, Never>) in
                loopEnded = ended
                cont.deliver { [weak self] e in
                    DispatchQueue.main.async { MainActor.assumeIsolated { self?.loopTurn(e) } }
                }
            }
        } onCancel: {
            DispatchQueue.main.async { MainActor.assumeIsolated { [weak self] in self?.endLoop() } }
        }
        cont.finish()
        frameTimer?.timer?.cancel()
        stopStreamTicker()
        ticker?.cancel()
        statusTimer?.cancel()
        autoCloseTimer?.timer.cancel()
        cmdCont.finish()
        // Give the terminal back at once; then let the session wind down, but not for long.
        giveTerminalBack()
        let session = self.session
        let (done, doneCont) = AsyncStream.makeStream(of: Void.self)
        Task { await session.close(); doneCont.yield() }
        let giveUp = clock.after(.seconds(1)) { doneCont.yield() }
        for await _ in done { break }  // whichever comes first
        giveUp.cancel()
    }

    /// One turn of the loop: an event (in the order they came), then a frame if one is due.
    func loopTurn(_ event: LoopEvent) {
        guard loopEnded != nil else { return }
        if !step(event) { endLoop() }
    }

    /// Lets `run` go on past its loop (once; later events are dropped).
    func endLoop() {
        let ended = loopEnded
        loopEnded = nil
        ended?.resume()
    }

    /// False when the loop ends (quit, a signal, `exitAfterFirstFrame`).
    func step(_ event: LoopEvent) -> Bool {
        // Session events that came in first are applied first.
        applyPendingSession()
        switch event {
        case .frame, .tick, .session: break
        default: markChanged()
        }
        switch event {
        case .input:
            // The clock moves only while something animates: bring it up to date, or a key
            // is judged by the time of the last tick (Ctrl-C twice took three presses).
            tick()
            for input in driver.readInput() { handle(input) }
            driver.inputRead()
        case .session:
            break
        case .frame(let id):
            // A timer that was replaced (a key needed a frame sooner) draws nothing; a stream
            // tick that no frame waits for stops the stream clock.
            guard framePending, frameTimer?.id == id else {
                if id == Self.streamTick { stopStreamTicker() }
                break
            }
            // A stream tick well before the frame is due (slow frames are spaced out) waits. (Not
            // any tick before it: a tick comes a little early or late, and the frame's due time
            // is reckoned from when the last frame began, so half a tick's leeway.)
            if id == Self.streamTick, let due = frameTimer?.due,
               due - clock.now > streamTickInterval / 2 { break }
            framePending = false
            frameTimer = nil
            // The stream clock's look finds nothing new: the next event wakes the loop.
            guard dirty else {
                stopStreamTicker()
                break
            }
            frameNow()
            keepStreamClock()
        case .tick:
            tick()
            dirty = true
        case .signal(let sig):
            exitSignal = sig
            return false
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
        if state.shouldQuit { return false }
        updateTicker()
        // Woken by session events alone: what they brought may be drawn as it came.
        if case .session = event { scheduleFrame(arrival: true) } else { scheduleFrame() }
        if firstFrameDone { return false }
        // A pending frame applies the events that come meanwhile; without one, the
        // next event wakes the loop.
        if framePending { mailbox.disarm() } else if mailbox.arm() { continuation?.yield(.session) }
        return true
    }

    /// Gives the terminal back, once: the avatar images are deleted first, while the screen is
    /// still ours (written after, the delete reached the user's own screen).
    func giveTerminalBack() {
        guard !terminalGivenBack else { return }
        terminalGivenBack = true
        options.images?.clear()
        driver.stop()
    }

    /// Tells the loop of the signals that end it: the injected ones, or the process's
    /// (`UnixSignals`; ignored first, so that the default action never kills the process
    /// between its trap and the loop's orderly exit).
    func watchSignals(_ cont: LoopQueue) async -> Task<Void, Never> {
        if let signals {
            return Task.detached {
                for await sig in signals { cont.yield(.signal(sig)) }
            }
        }
        for sig in Self.exitSignals { signal(sig, SIG_IGN) }
        let trapped = await UnixSignalsSequence(trapping: Self.trapped)
        return Task.detached {
            for await sig in trapped { cont.yield(.signal(sig.rawValue)) }
        }
    }

    /// Something other than time changed (input, a notice, a file written…).
    func markChanged() {
        changed = true
        changedOutsideConversation = true
    }

    func applyPendingSession() {
        let (events, at) = mailbox.take()
        guard !events.isEmpty else { return }
        lastArrival = at
        // The state's clock moves only while something animates: the events are stamped with
        // the time they are applied (an answer's start, the last activity), not the last tick's.
        tick()
        changed = true
        appliedSinceFrame = true
        for e in events {
            if !AppState.changesConversationOnly(e) { changedOutsideConversation = true }
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
        case .key(let k): cmds = state.reduce(.key(options.keys.translate(k)))
        case .paste(let p): cmds = state.reduce(.paste(p))
        case .wheel(let n): cmds = state.reduce(.wheel(lines: n))
        case .click(let x, let y):
            if let target = frame?.target(x: x, y: y) { cmds = state.reduce(.click(target)) } else { cmds = [] }
        case .resize(let w, let h):
            cmds = state.reduce(.resize(width: w, height: h))
            invalidateScreen()
        }
        if case .key(.ctrl("l")) = input { invalidateScreen() }
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
            case .compose(let text):
                compose(text)
            case .copy(let text, let what):
                copy(text, what: what)
            case .setMouse(let on):
                driver.setMouse(on)
            case .quit:
                break
            default:
                commands?.yield(c)
            }
        }
    }

    /// The terminal's screen is to be drawn whole again (resize, Ctrl-L, after the editor):
    /// the next frame, and the avatar images' placements.
    func invalidateScreen() {
        driver.invalidate()
        options.images?.invalidate()
    }

    func draw() {
        defer {
            // Avatar images go over their badges once ncurses has drawn the frame.
            if let images = options.images, let f = frame { images.frameDrawn(Renderer.avatarBadges(f)) }
            // The loader came into view or went out of it: the clock starts or stops.
            if (ticker != nil) != animating { updateTicker() }
        }
        dirty = false
        lastFrame = clock.now
        if !readsComeOnTheStreamClock { streamMark = lastFrame }
        // Only time passed: the renderer redraws the loader's row alone when it can, in the
        // last frame. The driver keeps that frame's canvas to diff against, so the change
        // copies its cells once (a 120×40 canvas is 38 KB; ten ticks a second).
        lastFrameStreamed = false
        if !changed, var f = frame {
            frame = nil
            if renderer.renderTick(state, into: &f) {
                frame = f
                driver.draw(f.canvas, rows: f.changedRows)
                return
            }
        }
        changed = false
        let damage: FrameDamage = changedOutsideConversation ? .whole : .conversation
        changedOutsideConversation = false
        lastFrameStreamed = damage == .conversation && appliedSinceFrame
        if lastFrameStreamed && readsComeOnTheStreamClock {
            // Never less than nine tenths of an interval after the last mark: text read faster
            // than that (a body that comes fast is read as it comes) is drawn no faster.
            let floor = streamMark + streamTickInterval - streamTickInterval / Self.arrivalLeewayDivisor
            streamMark = max(min(lastFrame, lastArrival), floor)
        }
        appliedSinceFrame = false
        let f = renderer.render(state, damage: damage)
        _ = state.reduce(f.shown)
        frame = f
        // The rows that differ from the last frame (the renderer's last frame is the one drawn last).
        driver.draw(f.canvas, rows: f.changedRows)
    }
}

/// The main loop's events: input, session events, timers, signals (a lock per event:
/// `AsyncStream` looked up type metadata on every one, a measurable share of the idle CPU).
typealias LoopQueue = AsyncEventQueue<ChatRuntime.LoopEvent>
