import WidgetUI

/// The runtime's clock work: the frame clock (at most `maxFPS` frames a second), the
/// loader's ticks while something animates, and the status line's expiry.
extension ChatRuntime {
    /// Draws a frame now (the frame clock's turn).
    func frameNow() {
        tick()
        let start = clock.now
        draw()
        // Only a streamed frame's cost spaces out the next streamed ones (a key's or a new
        // size's whole frame does not).
        lastFrameCost = lastFrameStreamed ? clock.now - start : .zero
        if options.exitAfterFirstFrame && sawConnected && state.agentID != nil { firstFrameDone = true }
    }

    /// Lets time pass in the state; what a tick changes beyond the clock counts as a change.
    func tick() {
        let armed = state.quitArmedAt, status = state.status, closed = state.extras.closed
        _ = state.reduce(.tick(now))
        if state.quitArmedAt != armed || state.status != status || state.extras.closed != closed { markChanged() }
    }

    /// Something on screen moves with time: the loader, or the quit hint until it expires. The
    /// loader is the one thing that moves while an answer comes: once the answer's text is on
    /// screen (or the loader is scrolled out of view), the clock stops; a frame that shows the
    /// loader again starts it (`draw` asks again).
    var animating: Bool { (state.isBusy && renderer.showsLoader) || state.quitArmedAt != nil }

    /// Animations (loader, spinner) need a clock only while something moves.
    func updateTicker() {
        updateAutoCloseTimer()
        // A transient status line (shown 8 s) needs a frame when it expires, or it would stay
        // until the next key: one timer for that moment, not the 10 Hz clock (idle CPU).
        let expires = state.statusAt + AppState.statusSeconds
        let statusShowing = state.status != nil && !state.statusIsError && state.now < expires + 0.2
        let due = statusShowing && !animating ? expires + 0.05 : nil
        if due != statusTimerDue {
            statusTimer?.cancel()
            statusTimer = nil
            statusTimerDue = due
            if let due {
                let cont = continuation
                statusTimer = clock.after(.milliseconds(Int(max(0, due - now) * 1000))) { cont?.yield(.tick) }
            }
        }
        if animating, ticker == nil {
            let cont = continuation
            ticker = clock.every(.milliseconds(100)) { cont?.yield(.tick) }
        } else if !animating, let t = ticker {
            t.cancel()
            ticker = nil
        }
    }

    /// Coalesces changes into at most `maxFPS` frames a second, or `streamFPS` when only the
    /// conversation changed. A pending frame that a key needs sooner is drawn sooner (its
    /// timer is moved). `arrival`: the loop was woken by session events alone.
    func scheduleFrame(arrival: Bool = false) {
        guard dirty else { return }
        let streamOnly = !changedOutsideConversation
        let due = frameDue(streamOnly: streamOnly)
        if framePending, let pending = frameTimer, pending.due <= due { return }
        frameTimer?.timer?.cancel()
        frameTimer = nil
        let wait = due - clock.now
        // Streamed text that comes a frame's interval after the last (reads held for as long,
        // `RuntimeOptions.readWindow`) comes a little early or late: drawn as it comes.
        if wait <= .zero || (arrival && streamOnly && wait <= streamTickInterval / Self.arrivalLeewayDivisor) {
            // Due already (e.g. a loader tick): drawn in this turn of the loop, not the next.
            framePending = false
            applyPendingSession()
            frameNow()
            keepStreamClock(drawnAsItCame: arrival)
        } else {
            framePending = true
            frameTimer = armFrameTimer(due: due, wait: wait)
        }
    }

    /// When the next frame may be drawn: `maxFPS`'s interval after the last one; when only the
    /// conversation changed, also `streamFPS`'s after the stream's mark (`streamMark`). A streamed
    /// frame that took long (a hostile answer whose open block cannot be frozen is laid out whole
    /// at each frame) spaces the next ones out: at least `streamCostFactor` times its cost after
    /// it, up to `maxStreamInterval`, so drawing a stream takes at most about a fifth of the main
    /// thread (frames slower than a fifth of that second take more) and keys, drawn on the key
    /// clock, stay quick.
    func frameDue(streamOnly: Bool) -> Duration {
        let key = Duration.milliseconds(Int(1000 / max(1, options.maxFPS)))
        guard streamOnly else { return lastFrame + key }
        return max(streamMark + streamTickInterval,
                   lastFrame + max(key, min(Self.maxStreamInterval, lastFrameCost * Self.streamCostFactor)))
    }

    /// The stream clock's own interval (`streamFPS`'s, never shorter than `maxFPS`'s), however
    /// slow the last frame was.
    var streamTickInterval: Duration {
        .milliseconds(Int(1000 / max(1, min(options.maxFPS, options.streamFPS))))
    }

    nonisolated static let streamCostFactor = 5
    /// Streamed text that comes within this part of a stream interval before its frame is due
    /// is drawn as it comes (a tenth: at 20 frames a second, 5 ms).
    nonisolated static let arrivalLeewayDivisor = 10
    nonisolated static let maxStreamInterval = Duration.seconds(1)

    /// A frame timer `wait` from now, numbered.
    func armFrameTimer(due: Duration, wait: Duration) -> (id: Int, due: Duration, timer: (any RuntimeTimer)?) {
        frameTimers += 1
        let id = frameTimers, cont = continuation
        return (id, due, clock.after(wait) { cont?.yield(.frame(id)) })
    }

    /// The `.frame` number of the stream clock's ticks (frame timers count from 1).
    nonisolated static let streamTick = 0

    /// While an answer streams, the loop keeps the stream clock when text comes sooner than
    /// frames are drawn: after a frame of streamed text it looks again one stream interval later
    /// and draws what came meanwhile, instead of being woken by each delta to set a timer (a
    /// thread woken less per frame). A look that finds nothing new lets the next event wake the
    /// loop again.
    ///
    /// Text that comes no sooner than frames are drawn (a slow answer) is drawn as it comes
    /// (`drawnAsItCame`): the loop is woken by the text alone, with no clock. Text that comes
    /// before its frame is due is drawn by a timer, and from then on the clock is kept. While
    /// the client reads an answer once a stream interval at most (`readsComeOnTheStreamClock`,
    /// the full-screen UI), the clock is never kept: each read's text wakes the loop and is drawn
    /// as it comes, and text that comes early (a body that comes fast is read as it comes) is
    /// drawn by a timer when its frame is due. (The clock's ticks woke the timer thread and the
    /// main thread once a frame besides the reads.)
    ///
    /// The looks come from one repeating timer, started with a streamed frame drawn by a timer
    /// and stopped by a look that finds nothing (or a tick that no frame waits for): a timer set
    /// anew for each frame cost a wake of the timer thread to arm it, besides the one to
    /// fire it. A tick draws what waits once the frame is due, or within half a tick of it
    /// (ticks come a little early or late); an earlier tick (after a key's frame between two
    /// ticks, or while slow frames are spaced out) leaves it for a later one.
    func keepStreamClock(drawnAsItCame: Bool = false) {
        guard lastFrameStreamed, state.isBusy, !framePending else { return }
        if readsComeOnTheStreamClock || (drawnAsItCame && streamTicker == nil) { return }
        let due = frameDue(streamOnly: true)
        guard due - clock.now > .zero else { return }
        if streamTicker == nil {
            // Ticks at the stream's rate; a tick well before the frame is due (a slow frame
            // spaced the next one out) draws nothing.
            let cont = continuation
            streamTicker = clock.every(streamTickInterval) { cont?.yield(.frame(Self.streamTick)) }
        }
        framePending = true
        frameTimer = (Self.streamTick, due, nil)
    }

    /// The client reads an answer that trickles in once a stream interval at most
    /// (`RuntimeOptions.readWindow`): its text wakes the loop no sooner than frames are drawn
    /// (a body that comes fast, read as it comes, is drawn by a timer when its frame is due).
    var readsComeOnTheStreamClock: Bool {
        let w = options.readWindow
        return w.isFinite && w > 0
            && (w >= 1 || Duration.milliseconds(Int(w * 1000)) >= streamTickInterval - streamTickInterval / Self.arrivalLeewayDivisor)
    }

    func stopStreamTicker() {
        streamTicker?.cancel()
        streamTicker = nil
    }
}
