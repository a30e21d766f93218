import DemoServer
import Foundation
@testable import RobofyAPI
import RobofySession
import Testing
@testable import WidgetUI
import RobofyText

@Suite(.timeLimit(.minutes(2))) struct InspectorTests {
    /// A real tool-call turn from the demo server (Atlas, "Weather in Paris?"), fed to the app state.
    func toolCallState() async throws -> (AppState, token: String) {
        try await withDemoServer { server in
            let events = EventCollector()
            let s = demoSession(server, agent: "demo-atlas", taps: [events.tap])
            let turn = await s.send("Weather in Paris?")
            #expect(turn.status == .complete)
            await s.close()
            var state = AppState()
            _ = state.reduce(.resize(width: 100, height: 40))
            for e in events.events { _ = state.reduce(.session(e)) }
            return (state, try #require(events.token))
        }
    }

    @Test func inspectorShowsEverythingAboutAToolCallTurn() async throws {
        let (state, token) = try await toolCallState()
        let lines = InspectorView.lines(state.inspector, width: 98)
        let text = lines.map(\.text).joined(separator: "\n")

        // The handshake, token redacted.
        #expect(text.contains("── Handshake (token redacted)"))
        #expect(text.contains("\"token\": \"[redacted]\""))
        #expect(text.contains("\"chatbot_id\": \"demo-atlas\""))
        // The request that was sent, auth redacted.
        #expect(text.contains("── Turn 1 · Atlas · “Weather in Paris?”"))
        #expect(text.contains("Request   POST http://127.0.0.1:"))
        #expect(text.contains("/v1/ai-agent/chat/stream"))
        #expect(text.contains("Authorization: Bearer [redacted]"))
        #expect(text.contains("Accept: text/event-stream"))
        #expect(text.contains("\"query\":\"Weather in Paris?\""))
        // Status and headers.
        #expect(text.contains("Response  HTTP 200 · event stream"))
        #expect(text.lowercased().contains("content-type: text/event-stream"))
        // Timings.
        let timing = try #require(lines.first { $0.text.hasPrefix("Timing") }).text
        let pattern = #"^Timing    first byte \d+\.\d{3} s · first text \d+\.\d{3} s · duration \d+\.\d{3} s · \d+ chars/s$"#
        #expect(timing.range(of: pattern, options: .regularExpression) != nil, "\(timing)")
        #expect(!timing.contains("first byte –"))
        #expect(text.contains("Result    complete · finish stop"))
        #expect(text.contains("tools: get_weather"))
        // Every event as received, with its offset.
        let eventLines = lines.filter { $0.text.hasPrefix("  +") }
        let count = try #require(state.inspector.turns.first?.totalEvents)
        #expect(eventLines.count == count)
        #expect(text.contains("Events (\(count))"))
        #expect(eventLines.first?.text.contains("{\"type\":\"start\"") == true)
        for type in ["tool-input-start", "tool-input-delta", "tool-input-available", "tool-output-available",
                     "text-delta", "finish", "data-session"] {
            #expect(eventLines.contains { $0.text.contains("\"type\":\"\(type)\"") }, "no \(type) event")
        }
        #expect(eventLines.contains { $0.text.contains("[DONE]") })
        #expect(eventLines.allSatisfy { $0.text.range(of: #"^  \+\d+\.\d{3}s "#, options: .regularExpression) != nil })
        // Long lines are cut to the width.
        #expect(lines.allSatisfy { DisplayWidth.of($0.text) <= 98 })
        // The token appears nowhere.
        #expect(!text.contains(token))
    }

    @Test func f8OpensTheInspectorAtTheLatestTurnAndKeysScrollIt() async throws {
        var (state, token) = try await toolCallState()
        let renderer = Renderer()
        #expect(state.reduce(.key(.function(8))).isEmpty)
        #expect(state.overlay == .inspector)
        var frame = renderer.render(state)
        var screen = frame.canvas.plainText
        #expect(screen.contains("Inspector"))
        #expect(screen.split(separator: "\n").dropFirst().first?.contains("── Turn 1 · Atlas") == true, "\(screen)")
        #expect(screen.contains("Authorization: Bearer [redacted]"))
        #expect(!screen.contains(token))
        if let top = frame.inspectorScroll { state.inspectorScroll = top }
        let turnTop = state.inspectorScroll
        #expect(turnTop > 0)

        _ = state.reduce(.key(.up))
        frame = renderer.render(state)
        #expect(frame.inspectorScroll == turnTop - 1)
        _ = state.reduce(.key(.home))
        screen = renderer.render(state).canvas.plainText
        #expect(screen.contains("── Handshake (token redacted)"))
        _ = state.reduce(.key(.end))
        screen = renderer.render(state).canvas.plainText
        #expect(screen.contains("[DONE]"))
        _ = state.reduce(.key(.escape))
        #expect(state.overlay == .none)
        #expect(!renderer.render(state).canvas.plainText.contains("Inspector"))

        // F9 asks the runtime to save a script; F8 closes the inspector too.
        #expect(state.reduce(.key(.function(9))) == [.saveScript])
        _ = state.reduce(.key(.function(8)))
        _ = state.reduce(.key(.function(8)))
        #expect(state.overlay == .none)
    }

    @Test func helpListsTheInspectorAndRecordKeys() {
        var state = AppState()
        _ = state.reduce(.resize(width: 80, height: 24))
        _ = state.reduce(.key(.function(1)))
        let screen = Renderer().render(state).canvas.plainText
        #expect(screen.contains("F8") && screen.contains("inspector"))
        #expect(screen.contains("F9") && screen.contains("test script"))
    }

    @Test func memoryStaysBounded() {
        var s = InspectorState()
        for id in 1...60 {
            s.record(.turnStarted(Turn(id: id, agentID: "a", agentName: "A", userText: "q\(id)")))
        }
        #expect(s.turns.count == InspectorState.maxTurns)
        #expect(s.droppedTurns == 10)
        #expect(s.turns.first?.id == 11)
        let big = String(repeating: "x", count: 10_000)
        for i in 0..<5_000 {
            s.record(.chunks(turnID: 60, [ChunkEvent(chunk: .textDelta(id: "0", delta: "\(i)"), raw: i == 1 ? big : "{\"n\":\(i)}")],
                             offset: Double(i) / 1000))
        }
        guard let t = s.turns.last else {
            Issue.record("no turn")
            return
        }
        #expect(t.events.count <= InspectorState.maxEvents + InspectorState.dropSlack)
        #expect(t.totalEvents == 5_000)
        #expect(t.omittedEvents > 0)
        #expect(t.events.first?.raw == "{\"n\":0}")
        #expect(t.events.last?.raw == "{\"n\":4999}")
        #expect(t.events[1].raw.count <= InspectorState.maxEventChars + 1)
        let lines = InspectorView.lines(s, width: 80).map(\.text)
        #expect(lines.contains { $0.contains("events not kept") })
        #expect(lines.contains { $0.contains("10 older turns not kept") })
    }

    /// Events' server text is kept within `maxRawBytes` over all turns (each turn alone may
    /// keep 2,000 events of 2,000 bytes: 50 such turns were 200 MB): the oldest turns' events
    /// go first, and the streaming turn keeps its first events.
    @Test func rawCopiesOfEventsAreCappedOverAllTurns() throws {
        var s = InspectorState()
        let big = "{\"type\":\"data-x\",\"data\":\"" + String(repeating: "y", count: 1_900) + "\"}"
        for id in 1...4 {
            s.record(.turnStarted(Turn(id: id, agentID: "a", agentName: "A", userText: "q\(id)")))
            for _ in 0..<10 {
                let batch = (0..<100).map { _ in ChunkEvent(chunk: .unknown(type: "data-x", raw: big), raw: big) }
                s.record(.chunks(turnID: id, batch, offset: 0.1))
            }
        }
        let kept = s.turns.reduce(0) { $0 + $1.events.reduce(0) { $0 + $1.raw.utf8.count } }
        #expect(kept <= InspectorState.maxRawBytes, "\(kept) bytes of events kept")
        let last = try #require(s.turns.last)
        #expect(last.events.count >= InspectorState.headEvents)
        #expect(last.totalEvents == 1_000)
        #expect(s.turns.first?.events.isEmpty == true)
        #expect(s.turns.first.map { $0.omittedEvents == $0.totalEvents } == true)
    }

    /// An inspector with turn 1 started.
    static func oneTurn() -> InspectorState {
        var s = InspectorState()
        s.record(.turnStarted(Turn(id: 1, agentID: "a", agentName: "A", userText: "q")))
        return s
    }

    @Test func batchesKeepTheSameEventsAsSingleEvents() {
        // Batches of every size (one network read can bring thousands of events) keep the
        // head and the most recent events, in order, and count the ones dropped between.
        var sizes = [1, 3, 150, 60, 1, 5_000, 7, 2_500, 1, 1_799, 1_801, 40, 9_000, 2, 2]
        var rng = SystemRandomNumberGenerator()
        for _ in 0..<30 { sizes.append(Int.random(in: 1...700, using: &rng)) }
        var (batched, single) = (Self.oneTurn(), Self.oneTurn())
        var n = 0
        for size in sizes {
            let batch = (n..<(n + size)).map { ChunkEvent(chunk: .textDelta(id: "0", delta: "x"), raw: "{\"i\":\($0)}") }
            n += size
            batched.record(.chunks(turnID: 1, batch, offset: 1))
            for e in batch { single.record(.chunks(turnID: 1, [e], offset: 1)) }
            guard let b = batched.turns.last, let o = single.turns.last else {
                Issue.record("no turn")
                return
            }
            #expect(b.totalEvents == n)
            #expect(b.events.count + b.omittedEvents == n)
            #expect(b.events.count <= InspectorState.maxEvents + InspectorState.dropSlack)
            let idx = b.events.compactMap { Int($0.raw.dropFirst(5).dropLast()) }
            #expect(idx == idx.sorted() && Set(idx).count == idx.count, "events stay in order, once each")
            #expect(Array(idx.prefix(InspectorState.headEvents)) == Array(0..<min(n, InspectorState.headEvents)))
            #expect(idx.last == n - 1)
            // The recent window is at least as long as the one-by-one recording keeps.
            let keptRecent = b.events.count - min(b.events.count, InspectorState.headEvents)
            let keptRecentSingle = o.events.count - min(o.events.count, InspectorState.headEvents)
            #expect(keptRecent >= min(keptRecentSingle, InspectorState.maxEvents - InspectorState.headEvents))
        }
    }

    /// Runs of text-deltas (one entry however many events they stand for) keep the same
    /// events as the events one by one: the head, the most recent window, in order, byte for byte.
    @Test func runsKeepTheSameEventsAsSingleEvents() {
        var rng = SystemRandomNumberGenerator()
        var sizes = [1, 150, 60, 5_000, 2_500, 1, 1_799, 1_801, 9_000, 2]
        for _ in 0..<25 { sizes.append(Int.random(in: 1...900, using: &rng)) }
        var (runs, single) = (Self.oneTurn(), Self.oneTurn())
        var n = 0
        for size in sizes {
            // A read: runs of up to 700 deltas, now and then an event of another kind between them.
            var batch: [ChunkEvent] = []
            var ones: [ChunkEvent] = []
            var left = size
            while left > 0 {
                if Int.random(in: 0..<5, using: &rng) == 0 {
                    let e = ChunkEvent(chunk: .unknown(type: "data-x", raw: "{\"i\":\(n)}"), raw: "{\"i\":\(n)}")
                    batch.append(e)
                    ones.append(e)
                    n += 1
                    left -= 1
                    continue
                }
                let k = min(left, Int.random(in: 1...700, using: &rng))
                let deltas = (n..<(n + k)).map { "d\($0) é\n" }
                var ends: [UInt32] = []
                var total = 0
                for d in deltas {
                    total += d.utf8.count
                    ends.append(UInt32(total))
                }
                let run = ChunkEvent(run: "0", text: deltas.joined(), ends: ends)
                batch.append(k == 1 ? ChunkEvent(canonical: .textDelta(id: "0", delta: deltas[0])) : run)
                ones += deltas.map { ChunkEvent(canonical: .textDelta(id: "0", delta: $0)) }
                n += k
                left -= k
            }
            runs.record(.chunks(turnID: 1, batch, offset: 1))
            single.record(.chunks(turnID: 1, ones, offset: 1))
            guard let r = runs.turns.last, let o = single.turns.last else {
                Issue.record("no turn")
                return
            }
            #expect(r.totalEvents == n)
            #expect(r.keptEvents == r.events.count)
            #expect(r.events.count + r.omittedEvents == n)
            #expect(r.events.count <= InspectorState.maxEvents + InspectorState.dropSlack)
            #expect(r.events.map(\.raw) == o.events.map(\.raw), "after \(n) events")
            #expect(r.rawBytes == o.rawBytes)
            #expect(r.events(from: 150).map(\.raw) == Array(o.events.dropFirst(150)).map(\.raw))
        }
        #expect(runs.turns.last?.stored.count ?? 0 < runs.turns.last?.keptEvents ?? 0, "runs are stored as runs")
    }

    /// A run of one network read is kept in part (the head, the recent window): the part is
    /// all it holds, and the byte cap drops part of a run, not the whole of it.
    @Test func aRunKeptInPartHoldsOnlyThatPart() throws {
        var s = Self.oneTurn()
        let delta = String(repeating: "d", count: 600)
        let n = 1_900
        let run = ChunkEvent(run: "0", text: String(repeating: delta, count: n), ends: (1...n).map { UInt32($0 * 600) })
        s.record(.chunks(turnID: 1, [run], offset: 1))
        let t = try #require(s.turns.last)
        #expect(t.totalEvents == n)
        #expect(t.rawBytes <= InspectorState.maxRawBytes)
        // Over the cap by about 90 KB: about 150 of the recent window's events go, not all 1,700.
        #expect(t.keptEvents > InspectorState.headEvents + 1_500, "\(t.keptEvents)")
        #expect(t.keptEvents + t.omittedEvents == n)
        #expect(t.stored.allSatisfy { $0.heldBytes == $0.bytes }, "\(t.stored.map { ($0.heldBytes, $0.bytes) })")
        #expect(t.stored.reduce(0) { $0 + $1.heldBytes } <= InspectorState.maxRawBytes)
        #expect(t.events.last?.raw == #"{"type":"text-delta","id":"0","delta":""# + delta + #""}"#)
    }

    @Test func tokensInEventsAreRedactedWhenShown() {
        // Events are kept as received and redacted when shown: nothing token-shaped reaches the screen,
        // however the event is cut for the width.
        var s = InspectorState()
        s.record(.turnStarted(Turn(id: 1, agentID: "a", agentName: "A", userText: "q")))
        let jwt = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJkZW1vIn0.c2lnbmF0dXJlLXNpZ25hdHVyZQ"
        let raws = ["{\"type\":\"text-delta\",\"delta\":\"Authorization: Bearer abcdef0123456789\"}",
                    "{\"type\":\"text-delta\",\"delta\":\"\(jwt)\"}",
                    String(repeating: "x", count: 30) + jwt]
        s.record(.chunks(turnID: 1, raws.map { ChunkEvent(chunk: .textDelta(id: "0", delta: $0), raw: $0) }, offset: 0.5))
        for width in [40, 50, 60, 80, 200] {
            let text = InspectorView.lines(s, width: width).map(\.text).joined(separator: "\n")
            #expect(!text.contains("abcdef0123456789"), "width \(width)")
            #expect(!text.contains("eyJhbGciOiJIUzI1NiJ9.eyJz"), "width \(width)")
            #expect(!text.contains("c2lnbmF0dXJl"), "width \(width)")
        }
        let wide = InspectorView.lines(s, width: 200).map(\.text).joined(separator: "\n")
        #expect(wide.contains("Bearer [redacted]"))
    }

    @Test func theRenderCacheMatchesThePureView() {
        var s = InspectorState()
        let cache = InspectorCache()
        s.record(.turnStarted(Turn(id: 1, agentID: "a", agentName: "A", userText: "q")))
        s.record(.turnStarted(Turn(id: 2, agentID: "a", agentName: "A", userText: "q2")))
        for i in 0..<2_600 {
            s.record(.chunks(turnID: 2, [ChunkEvent(chunk: .textDelta(id: "0", delta: "x"), raw: "{\"i\":\(i)}")],
                             offset: Double(i) / 100))
            if i % 97 == 0 || i == 2_599 {
                #expect(cache.lines(s, width: 60).lines == InspectorView.lines(s, width: 60), "after event \(i)")
            }
        }
        #expect(cache.lines(s, width: 41).lines == InspectorView.lines(s, width: 41))
        var done = Turn(id: 2, agentID: "a", agentName: "A", userText: "q2")
        done.status = .complete
        s.record(.turnFinished(done))
        #expect(cache.lines(s, width: 41).lines == InspectorView.lines(s, width: 41))
    }

    @Test func aFailedTurnSaysWhyInTheInspector() async throws {
        try await withDemoServer(faults: "500") { server in
            let events = EventCollector()
            let s = demoSession(server, taps: [events.tap])
            let turn = await s.send("hello")
            #expect(turn.status == .failed)
            await s.close()
            var state = AppState()
            for e in events.events { _ = state.reduce(.session(e)) }
            let text = InspectorView.lines(state.inspector, width: 120).map(\.text).joined(separator: "\n")
            #expect(text.contains("Request   no HTTP answer"))
            #expect(text.contains("retrying in"))
            #expect(text.contains("Result    failed"))
            #expect(text.contains("error: "))
            #expect(text.contains("500"))
        }
    }
}
