import Foundation
import RobofyAPI
import RobofySession
import Terminal
import Testing
import WidgetUI

#if canImport(Glibc)
import Glibc
#endif

/// The main loop without a terminal: a fake session, the headless driver, a manual clock and
/// injected signals. Each waits for what the user would see (a frame), with a deadline.
@MainActor
@Suite(.timeLimit(.minutes(1))) struct RuntimeTests {
    let driver = HeadlessDriver(width: 80, height: 24)
    let session = FakeSession()
    let clock = ManualClock()
    let signals: AsyncStream<Int32>
    let signal: AsyncStream<Int32>.Continuation

    init() {
        (signals, signal) = AsyncStream.makeStream(of: Int32.self)
    }

    /// Starts the loop; `maxFPS` high: every change is drawn at once (the frame clocks have tests
    /// of their own). Streamed text is drawn on the same clock unless `streamFPS` says otherwise.
    func start(maxFPS: Double = 1_000_000, streamFPS: Double? = nil, readWindow: Double = 0,
               state: AppState = AppState()) -> (ChatRuntime, Task<Void, any Error>) {
        var options = RuntimeOptions()
        options.maxFPS = maxFPS
        options.streamFPS = streamFPS ?? maxFPS
        options.readWindow = readWindow
        let rt = ChatRuntime(session: session, state: state, options: options, driver: driver, clock: clock, signals: signals)
        return (rt, Task { try await rt.run() })
    }

    func screen(_ what: String, _ predicate: @escaping (String) -> Bool) async throws -> String {
        try #require(await driver.waitForFrame(predicate), "no frame showed \(what); last:\n\(driver.text)")
    }

    func connected() async throws {
        _ = try await screen("the greeting") { $0.contains("Hello from the fake agent") }
    }

    /// Connected, its greeting drawn after the clock moved by `step`. The clock moves once the
    /// session has reported the whole connection: moved between two of its events (a busy run
    /// saw it), the second one's frame waited for a tick that never came.
    func connected(advancing step: Duration) async throws {
        let session = self.session
        #expect(await eventually { await session.connects > 0 }, "the fake session never connected")
        clock.advance(by: step)
        try await connected()
    }

    @Test func typingAndEnterSendsAndTheStreamedAnswerIsDrawn() async throws {
        let (rt, run) = start()
        try await connected()
        driver.type("hi there")
        _ = try await screen("the typed text") { $0.contains("hi there") }
        driver.type("\r")
        let s = try await screen("the answer") { $0.contains("The answer streams in.") }
        #expect(s.contains("hi there"))
        #expect(await session.sent == ["hi there"])
        driver.press(.function(10))
        try await run.value
        #expect(rt.exitSignal == nil)
        #expect(await session.closed)
        #expect(!driver.isStarted)
    }

    /// Polls `condition` on the main actor until it holds or `seconds` pass.
    func eventually(_ seconds: Double = 10, _ condition: () async -> Bool) async -> Bool {
        let end = ContinuousClock.now + .seconds(seconds)
        while await !condition() {
            if ContinuousClock.now > end { return false }
            try? await Task.sleep(for: .milliseconds(5))
        }
        return true
    }

    /// A cancelled `run` ends its loop and gives the terminal back (it waits for no event).
    @Test func cancellingTheRunEndsTheLoop() async throws {
        let (rt, run) = start()
        try await connected()
        run.cancel()
        try await run.value
        #expect(!driver.isStarted)
        #expect(rt.exitSignal == nil)
        #expect(await session.closed)
    }

    @Test func theClockTicksOnlyWhileTheLoaderIsOnScreen() async throws {
        let (_, run) = start()
        try await connected()
        #expect(clock.repeating == 0, "nothing animates while idle")
        session.emit(.turnStarted(Turn(id: 7, agentID: "fake", agentName: "Fakey", userText: "Go")))
        _ = try await screen("the loader") { $0.contains(Renderer.spinner[0]) }
        #expect(await eventually { clock.repeating == 1 }, "the loader animates")
        clock.advance(by: .milliseconds(100))
        _ = try await screen("the loader's next step") { $0.contains(Renderer.spinner[1]) }
        session.emit(.change(turnID: 7, .text("The first words of the answer")))
        _ = try await screen("the answer's text") { $0.contains("The first words of the answer") }
        #expect(await eventually { clock.repeating == 0 }, "the clock still ticks with the text on screen, not the loader")
        var done = Turn(id: 7, agentID: "fake", agentName: "Fakey", userText: "Go")
        done.answer = "The first words of the answer"
        done.status = .complete
        session.emit(.turnFinished(done))
        driver.press(.function(10))
        try await run.value
    }

    @Test func ctrlCTwiceWithinTwoSecondsQuits() async throws {
        let (rt, run) = start()
        try await connected()
        driver.type("\u{03}")
        _ = try await screen("the quit hint") { $0.contains("Press Ctrl-C again to quit.") }
        clock.advance(by: .seconds(1))
        driver.type("\u{03}")
        try await run.value
        #expect(rt.state.shouldQuit)
    }

    @Test func ctrlCTwiceFurtherApartDoesNotQuit() async throws {
        let (rt, run) = start()
        try await connected()
        driver.type("\u{03}")
        _ = try await screen("the quit hint") { $0.contains("Press Ctrl-C again to quit.") }
        clock.advance(by: .milliseconds(2500))
        // The hint goes when the window closes (a tick of the test clock, no real time).
        _ = try await screen("the hint gone") { !$0.contains("Press Ctrl-C again to quit.") }
        driver.type("\u{03}")
        _ = try await screen("the hint again") { $0.contains("Press Ctrl-C again to quit.") }
        #expect(!rt.state.shouldQuit)
        driver.press(.function(10))
        try await run.value
    }

    @Test func resizeLaysOutAgain() async throws {
        let (rt, run) = start()
        try await connected()
        let before = driver.invalidations
        driver.resize(width: 100, height: 30)
        _ = try await screen("a 100x30 frame") { s in
            let lines = s.split(separator: "\n", omittingEmptySubsequences: false)
            return lines.count >= 30 && lines.contains { $0.count == 100 }
        }
        #expect(driver.screen?.width == 100 && driver.screen?.height == 30)
        #expect(rt.state.width == 100 && rt.state.height == 30)
        #expect(driver.invalidations > before)
        driver.press(.function(10))
        try await run.value
    }

    @Test func aPasteGoesIntoTheInputCleanedAndUnsent() async throws {
        let (rt, run) = start()
        try await connected()
        driver.send([.code(.pasteStart)] + "line one\rline two\u{1B}[31m\r".unicodeScalars.map { .scalar($0) } + [.code(.pasteEnd)])
        _ = try await screen("the pasted text") { $0.contains("line two") }
        #expect(rt.state.input.text == "line one\nline two\n")
        #expect(await session.sent.isEmpty)
        driver.press(.function(10))
        try await run.value
    }

    @Test(arguments: [SIGTERM, SIGHUP, SIGINT])
    func aSignalTakesTheOrderlyExit(sig: Int32) async throws {
        let (rt, run) = start()
        try await connected()
        signal.yield(sig)
        try await run.value
        #expect(rt.exitSignal == sig)
        #expect(await session.closed)
        #expect(!driver.isStarted)
    }

    @Test func theTerminalGoingAwayIsAHangup() async throws {
        let (rt, run) = start()
        try await connected()
        driver.hangUp()
        try await run.value
        #expect(rt.exitSignal == SIGHUP)
    }

    @Test func theMailboxDropsNoEvents() async throws {
        let n = 3000
        await session.setPieces((0..<n).map { "\($0) " })
        let (rt, run) = start()
        try await connected()
        driver.type("go\r")
        _ = try await screen("the last piece") { $0.contains("\(n - 1)") && $0.contains("Enter send") }
        let answer = rt.state.conversation.messages.last { $0.role == .agent }?.text ?? ""
        #expect(answer == (0..<n).map { "\($0) " }.joined())
        driver.press(.function(10))
        try await run.value
    }

    @Test func framesWaitForTheFrameClock() async throws {
        let (_, run) = start(maxFPS: 10)
        // The first frame is drawn at 0; then time enough that the greeting's is due (10 a second).
        _ = try await screen("the first frame") { !$0.isEmpty }
        try await connected(advancing: .milliseconds(200))
        // The greeting was drawn at 0.2 s at the latest: a key is drawn at 0.3 s, not before.
        driver.type("x")
        await driver.waitUntilInputRead()
        #expect(!driver.text.contains("› x"))
        clock.advance(by: .milliseconds(110))
        _ = try await screen("the key") { $0.contains("› x") }
        driver.press(.function(10))
        clock.advance(by: .seconds(1))
        try await run.value
    }

    /// The loop with a 50 fps key clock and a 10 fps stream clock, connected, turn 3 started
    /// (its loader on screen).
    func startTurnOnTheStreamClock(readWindow: Double = 0) async throws -> (ChatRuntime, Task<Void, any Error>) {
        let (rt, run) = start(maxFPS: 50, streamFPS: 10, readWindow: readWindow)
        _ = try await screen("the first frame") { !$0.isEmpty }
        try await connected(advancing: .milliseconds(200))
        session.emit(.turnStarted(Turn(id: 3, agentID: "fake", agentName: "Fakey", userText: "Go")))
        clock.advance(by: .milliseconds(200))
        _ = try await screen("the loader") { $0.contains("Go") }
        return (rt, run)
    }

    /// Text that comes right after a frame (applied at once, as the loader's frame is drawn):
    /// drawn by a timer a stream interval later, and from then on the stream clock is kept,
    /// ticking from that frame on.
    func streamOnTheClock(_ rt: ChatRuntime) async throws {
        session.emit(.change(turnID: 3, .text("Alpha words")))
        #expect(await eventually { rt.state.conversation.messages.contains { $0.text.contains("Alpha words") } })
        clock.advance(by: .milliseconds(100))
        _ = try await screen("the streamed text") { $0.contains("Alpha words") }
        #expect(await eventually { clock.repeating == 1 }, "the stream clock (the loader's is gone with the text)")
    }

    /// An answer streaming in is drawn on its own, slower clock (`streamFPS`); a key pressed
    /// meanwhile is drawn on the key clock (`maxFPS`), not kept waiting for the stream's frame.
    @Test func streamedTextWaitsForTheStreamClockAndAKeyDoesNot() async throws {
        let (rt, run) = try await startTurnOnTheStreamClock()
        // Text 100 ms apart at the most: not drawn 50 ms on (a key's clock would have drawn it at 20).
        session.emit(.change(turnID: 3, .text("Alpha words")))
        #expect(await eventually { rt.state.conversation.messages.contains { $0.text.contains("Alpha words") } })
        clock.advance(by: .milliseconds(50))
        await Task.yield()
        #expect(!driver.text.contains("Alpha words"))
        clock.advance(by: .milliseconds(60))
        _ = try await screen("the streamed text") { $0.contains("Alpha words") }
        // While it streams, the loop is not woken by each delta: it looks again a stream
        // interval after each frame (the event is in its mailbox when `emit` returns).
        session.emit(.change(turnID: 3, .text(" then gamma")))
        #expect(await !eventually(0.2) { rt.state.conversation.messages.contains { $0.text.contains("gamma") } },
                "a delta woke the loop while the stream clock was kept")
        clock.advance(by: .milliseconds(100))
        _ = try await screen("text on the stream clock") { $0.contains("then gamma") }
        // Many chunks waiting (600, past the mailbox's 512) wake the loop to apply them, and
        // what came with them, without drawing before the stream clock's frame.
        let framesBefore = driver.frames.count
        session.emit(.chunks(turnID: 3, Array(repeating: ChunkEvent(chunk: .textDelta(id: "t", delta: "x"), raw: "{}"),
                                              count: 600), offset: 0))
        session.emit(.change(turnID: 3, .text(" drained words")))
        #expect(await eventually { rt.state.conversation.messages.contains { $0.text.contains("drained words") } })
        #expect(driver.frames.count == framesBefore)
        clock.advance(by: .milliseconds(100))
        _ = try await screen("the drained text") { $0.contains("drained words") }
        // More text (its frame due 100 ms on), then a key: both are drawn 20 ms on.
        session.emit(.change(turnID: 3, .text(" and beta words")))
        driver.type("x")
        await driver.waitUntilInputRead()
        clock.advance(by: .milliseconds(25))
        let s = try await screen("the key") { $0.contains("› x") }
        #expect(s.contains("beta words"))
        driver.press(.function(10))
        clock.advance(by: .seconds(1))
        try await run.value
    }

    /// A streamed frame that took long spaces the next ones out (five times its cost): an
    /// answer whose open block is laid out whole at every frame (a hostile one that cannot be
    /// frozen) takes at most about a fifth of the main thread, and a key is still drawn at once.
    @Test func aSlowStreamedFrameSpacesTheNextOnesOut() async throws {
        let (rt, run) = try await startTurnOnTheStreamClock()
        try await streamOnTheClock(rt)
        // A frame that began 5 ms after its tick (the loop was busy): the next tick, 5 ms before
        // that frame's stream interval has passed, still draws (no frame in two skipped).
        session.emit(.change(turnID: 3, .text(" late words")))
        clock.advance(by: .milliseconds(105))
        _ = try await screen("a frame begun late") { $0.contains("late words") }
        session.emit(.change(turnID: 3, .text(" prompt words")))
        clock.advance(by: .milliseconds(95))
        _ = try await screen("the next tick's frame") { $0.contains("prompt words") }
        // From now on each frame takes 100 ms: the next streamed frame is due 500 ms after the
        // last one began (400 ms after it ended; a tick within half a stream interval of that
        // draws it), not the stream interval's 100 ms.
        driver.onDraw = { [clock] in clock.pass(.milliseconds(100)) }
        session.emit(.change(turnID: 3, .text(" beta words")))
        clock.advance(by: .milliseconds(100))
        _ = try await screen("a slow frame") { $0.contains("beta words") }
        session.emit(.change(turnID: 3, .text(" gamma words")))
        clock.advance(by: .milliseconds(300))
        #expect(await !eventually(0.3) { driver.text.contains("gamma words") },
                "drawn on the stream clock's tick after a slow frame")
        clock.advance(by: .milliseconds(100))
        _ = try await screen("the text after five times the frame's cost") { $0.contains("gamma words") }
        // A key is drawn on the key clock, slow frames or not.
        driver.type("x")
        await driver.waitUntilInputRead()
        clock.advance(by: .milliseconds(25))
        _ = try await screen("the key") { $0.contains("› x") }
        // The key's whole frame took as long, but only a streamed frame's cost spaces the
        // stream out: the next text comes on the stream interval.
        session.emit(.change(turnID: 3, .text(" delta words")))
        clock.advance(by: .milliseconds(100))
        _ = try await screen("the text after the key's frame") { $0.contains("delta words") }
        driver.onDraw = nil
        driver.press(.function(10))
        clock.advance(by: .seconds(1))
        try await run.value
    }

    /// The stream clock is one repeating timer while an answer streams (not a timer set anew
    /// for each frame: that woke the timer thread once more a frame), and a look that finds
    /// no new text stops it; the next text is drawn at once and starts it again.
    @Test func theStreamClockRepeatsWhileTextComesAndStopsWhenItDoesNot() async throws {
        let (rt, run) = try await startTurnOnTheStreamClock()
        // Text, then the stream interval: drawn on the clock's next tick (the event is in the
        // loop's mailbox when `emit` returns; while the clock is kept, it wakes nothing).
        func streams(_ words: String) async throws {
            session.emit(.change(turnID: 3, .text(words)))
            clock.advance(by: .milliseconds(100))
            _ = try await screen("“\(words)” on the stream clock") { $0.contains(words) }
        }
        try await streamOnTheClock(rt)
        let oneShots = clock.oneShotsMade
        for w in [" beta words", " gamma words", " delta words"] { try await streams(w) }
        #expect(clock.oneShotsMade == oneShots, "\(clock.oneShotsMade - oneShots) timers set for three frames")
        #expect(clock.repeating == 1)
        // A look that finds nothing new stops the clock.
        clock.advance(by: .milliseconds(100))
        #expect(await eventually { clock.repeating == 0 }, "the stream clock ticks on with nothing to draw")
        // The next text wakes the loop and is drawn at once (its frame is overdue); drawn as it
        // came, it starts no clock. Text that comes before its frame is due starts it again.
        session.emit(.change(turnID: 3, .text(" eps")))
        _ = try await screen("text after a pause") { $0.contains("eps") }
        #expect(clock.repeating == 0, "a frame drawn as its text came started the stream clock")
        session.emit(.change(turnID: 3, .text(" zeta")))
        #expect(await eventually { rt.state.conversation.messages.contains { $0.text.contains("zeta") } })
        clock.advance(by: .milliseconds(100))
        _ = try await screen("text that came early") { $0.contains("zeta") }
        #expect(await eventually { clock.repeating == 1 })
        driver.press(.function(10))
        clock.advance(by: .seconds(1))
        try await run.value
        #expect(clock.repeating == 0, "the loop's end stops the stream clock")
    }

    /// Text that comes no sooner than frames are drawn (an answer's reads held for a frame's
    /// interval, `RuntimeOptions.readWindow`) is drawn as it comes, by the wake it brings: no
    /// timer is set and no clock kept (its ticks woke two threads a frame besides). Text a little
    /// early (within a tenth of the interval) is drawn as it comes too; text sooner than that is
    /// drawn when its frame is due, and the stream clock is kept from then on.
    @Test func textThatComesAFrameApartIsDrawnAsItComes() async throws {
        let (rt, run) = try await startTurnOnTheStreamClock()
        // The first text comes as the loader is drawn: drawn by a timer, and the clock is kept
        // until a look finds nothing.
        try await streamOnTheClock(rt)
        // (Two looks: the loader's last tick, handled after that frame, can leave the first a
        // frame to draw.)
        clock.advance(by: .milliseconds(200))
        #expect(await eventually { clock.repeating == 0 }, "the stream clock ticks on with nothing to draw")
        clock.advance(by: .milliseconds(100))
        let oneShots = clock.oneShotsMade
        // Text a frame apart (10 a second), and 5 ms early: each drawn as it comes.
        session.emit(.change(turnID: 3, .text(" beta words")))
        _ = try await screen("text after a look found nothing") { $0.contains("beta words") }
        for (words, apart) in [(" gamma words", 100), (" delta words", 100), (" eps", 95)] {
            clock.advance(by: .milliseconds(apart))
            session.emit(.change(turnID: 3, .text(words)))
            _ = try await screen("“\(words)” \(apart) ms after the last frame") { $0.contains(words) }
        }
        #expect(clock.oneShotsMade == oneShots, "\(clock.oneShotsMade - oneShots) timers set for four frames drawn as their text came")
        #expect(clock.repeating == 0, "a stream clock kept for text drawn as it came")
        // Text 50 ms after the last frame waits for its frame, 100 ms after the last.
        clock.advance(by: .milliseconds(50))
        session.emit(.change(turnID: 3, .text(" zeta")))
        #expect(await !eventually(0.3) { driver.text.contains("zeta") }, "text 50 ms after a frame drawn at once")
        clock.advance(by: .milliseconds(50))
        _ = try await screen("text that came early, when its frame is due") { $0.contains("zeta") }
        #expect(await eventually { clock.repeating == 1 }, "text comes sooner than frames: the stream clock is kept")
        driver.press(.function(10))
        clock.advance(by: .seconds(1))
        try await run.value
    }

    /// With the answer read once a stream interval at most (`RuntimeOptions.readWindow`, as the
    /// full-screen UI reads it), no stream clock is kept: each read's text is drawn as it comes,
    /// and the stream interval counts from when the last frame's text came, not from when that
    /// frame was drawn: text drawn a little late once (here the first, waiting for the key
    /// clock) does not make every later read early too. Text read sooner (a body that comes
    /// fast is read as it comes) waits for its frame, by a timer; still no clock.
    @Test func textReadOnTheStreamsClockIsDrawnAsItComesWithoutAClock() async throws {
        let (rt, run) = try await startTurnOnTheStreamClock(readWindow: 0.1)
        // The first read, 5 ms after the loader's frame: drawn 20 ms after that frame (the
        // key clock's interval), 15 ms after it came.
        clock.advance(by: .milliseconds(5))
        session.emit(.change(turnID: 3, .text("Alpha words")))
        #expect(await eventually { rt.state.conversation.messages.contains { $0.text.contains("Alpha words") } })
        #expect(!driver.text.contains("Alpha words"), "text 5 ms after a frame drawn at once")
        clock.advance(by: .milliseconds(15))
        _ = try await screen("the first read's text") { $0.contains("Alpha words") }
        #expect(await eventually { clock.repeating == 0 }, "the loader's clock")
        let oneShots = clock.oneShotsMade
        // The next reads, 100 ms apart from the first: each drawn as it comes, by no timer
        // (counted from the frame, the first would have been 15 ms early).
        for words in [" beta words", " gamma words", " delta words"] {
            clock.advance(by: .milliseconds(words == " beta words" ? 85 : 100))
            session.emit(.change(turnID: 3, .text(words)))
            _ = try await screen("“\(words)” as it came") { $0.contains(words) }
        }
        #expect(clock.oneShotsMade == oneShots, "\(clock.oneShotsMade - oneShots) timers set for three reads")
        #expect(clock.repeating == 0, "a stream clock was kept")
        // Text read 40 ms after the last: it waits for its frame, and no clock is kept.
        clock.advance(by: .milliseconds(40))
        session.emit(.change(turnID: 3, .text(" fast")))
        #expect(await eventually { rt.state.conversation.messages.contains { $0.text.contains(" fast") } })
        #expect(!driver.text.contains("fast"), "text 40 ms after a frame drawn at once")
        clock.advance(by: .milliseconds(60))
        _ = try await screen("the fast text when its frame is due") { $0.contains("fast") }
        #expect(clock.repeating == 0, "a stream clock was kept")
        driver.press(.function(10))
        clock.advance(by: .seconds(1))
        try await run.value
    }

    /// Text read faster than frames are drawn, while reads come on the stream's clock: drawn no
    /// more often than the stream interval (nine tenths of it at the least), whatever its pace.
    @Test func textReadFasterThanFramesIsDrawnNoFaster() async throws {
        let (rt, run) = try await startTurnOnTheStreamClock(readWindow: 0.1)
        let before = driver.frames.count
        // Reads 60 ms apart for 1.2 s: 20 reads, 12 stream intervals. Each is applied (its wake
        // handled) or waits for a frame's timer before the clock moves on; a frame whose timer
        // fired meanwhile is drawn before the next read comes.
        for i in 0..<20 {
            clock.advance(by: .milliseconds(60))
            if i > 0 { #expect(await eventually { driver.text.contains("w\(i - 1)") || clock.oneShotsPending > 0 }) }
            session.emit(.change(turnID: 3, .text(" w\(i)")))
            #expect(await eventually {
                rt.state.conversation.messages.contains { $0.text.contains(" w\(i)") } || clock.oneShotsPending > 0
            })
        }
        clock.advance(by: .milliseconds(100))
        _ = try await screen("the last read") { $0.contains("w19") }
        // One a read would be 20 (and each mark 60 ms after the last); 13 or 14 at 90–100 ms.
        let frames = driver.frames.count - before
        #expect(frames <= 15, "\(frames) frames for 20 reads in 1.2 s, at 10 a second")
        #expect(clock.repeating == 0, "a stream clock was kept")
        driver.press(.function(10))
        clock.advance(by: .seconds(1))
        try await run.value
    }

    /// `preview --handshake FILE`: the session adopts the file's handshake and asks no server
    /// (port 9 on 127.0.0.1 has none: a request would fail and show an error instead).
    @Test func aPresetHandshakeNeedsNoServer() async throws {
        let json = #"{"message":"ok","data":{"token":"t","chatbots":[{"chatbot_id":"a1","agent_name":"Preset Pat","greeting":"Hi from the file"}],"widget":{}}}"#
        let h = try Handshake.decode(Data(json.utf8), forPreview: true)
        let s = ChatSession(client: RobofyClient(target: RobofyTarget(baseURL: "http://127.0.0.1:9", projectID: "preview", chatbotID: "a1")),
                            preset: h)
        var state = AppState()
        state.previewOnly = true
        var options = RuntimeOptions()
        options.maxFPS = 1_000_000
        options.streamFPS = 1_000_000
        let rt = ChatRuntime(session: s, state: state, options: options, driver: driver, clock: clock, signals: signals)
        let run = Task { try await rt.run() }
        let frame = try await screen("the file's greeting") { $0.contains("Hi from the file") }
        #expect(frame.contains("Preset Pat"))
        #expect(rt.state.connection == .connected)
        driver.press(.function(10))
        try await run.value
    }
}
