import DemoServer
import Foundation
import RobofyAPI
import Testing
import TestSupport
@testable import RobofySession

/// How a turn ends when the body ends early, is too large, is rate limited with hostile
/// numbers, or echoes a renewed token (issues 10 and 11).
@Suite(.timeLimit(.minutes(3))) struct NetSessionTests {
    static let query = "Hello there"

    /// Byte offsets in the demo's SSE body for `query`: where the first text delta ends,
    /// where `finish` ends, and the total. Derived from a whole answer's events (each
    /// written as `data: RAW\n\n`, with `: keep-alive\n\n` after the first).
    static func offsets(_ server: DemoServer) async throws -> (firstText: Int, finish: Int, total: Int) {
        let s = makeSession(server)
        let (log, task) = EventLog.start(s)
        let t = await s.send(query)
        #expect(t.status == .complete)
        await s.close()
        await task.value
        var at = 0
        var firstText = 0, finish = 0
        for case .chunks(_, let batch, _) in await log.events {
            for e in batch.flatMap(\.events) {
                at += 6 + e.raw.utf8.count + 2
                if at == 6 + e.raw.utf8.count + 2 { at += ": keep-alive\n\n".utf8.count }
                if firstText == 0, case .textDelta = e.chunk { firstText = at }
                if case .finish = e.chunk { finish = at }
            }
        }
        return (firstText, finish, at)
    }

    static func turn(_ server: DemoServer, fault: String, _ query: String = NetSessionTests.query,
                     retry: RetryPolicy = RetryPolicy(maxRetries: 0),
                     clock: TestClock? = nil) async -> (Turn, [SessionEvent]) {
        let s = if let clock { makeSession(server, fault: fault, retry: retry, clock: clock) } else { makeSession(server, fault: fault, retry: retry) }
        let (log, task) = EventLog.start(s)
        let t = if let clock { await clock.running { await s.send(query) } } else { await s.send(query) }
        await s.close()
        await task.value
        return (t, await log.events)
    }

    /// The answer is read, decoded and handed on by the thread that receives it (the client's
    /// event loop, `EventLoopTaskExecutor`): the batches of chunks of a paced answer reach the
    /// session's listener there, and the answer is whole. (Not every one: a read that finds the
    /// session actor held by another thread is handled by that thread. A busy run showed one,
    /// a busier one, with every suite running alongside, four of about fifty; without the
    /// loop as the task's executor, next to none are.)
    @Test func anAnswersChunksAreHandedOnByTheLoopThatReadThem() async throws {
        final class Counts: @unchecked Sendable {
            let lock = NSLock()
            var batches = 0, onLoop = 0
        }
        try await withServer { server in
            // (20 ms apart: reads that come while the session is busy are handed on together, as
            // one batch, and a loaded machine keeps it busy longer.)
            let s = makeSession(server, fault: "pace=20")
            let loop = await s.client.executor.loop
            let counts = Counts()
            s.deliverEvents { e in
                guard case .chunks = e else { return }
                let here = loop.inEventLoop
                counts.lock.withLock {
                    counts.batches += 1
                    if here { counts.onLoop += 1 }
                }
            }
            let t = await s.send("/bench 4096 50")
            await s.close()
            #expect(t.status == .complete)
            #expect(t.answer.utf8.count == 4096)
            let (batches, onLoop) = counts.lock.withLock { (counts.batches, counts.onLoop) }
            #expect(batches >= 5, "a paced answer comes in many reads (\(batches))")
            #expect(onLoop * 4 >= batches * 3, "\(batches - onLoop) of \(batches) batches were handed on off the loop")
        }
    }

    // MARK: Issue 11 item 1: complete only with finish (or [DONE])

    @Test func aBodyThatEndsWithoutFinishIsNeverComplete() async throws {
        try await withServer { server in
            let o = try await Self.offsets(server)
            #expect(o.firstText > 0 && o.finish > o.firstText && o.total > o.finish)

            // Before any text: nothing usable arrived.
            for fault in ["cut=20", "drop=20", "cut=\(o.firstText - 4)"] {
                let (t, _) = await Self.turn(server, fault: fault)
                #expect(t.status == .failed, "\(fault)")
                #expect(t.answer.isEmpty)
                #expect(t.errors.contains { $0.contains("The answer was cut off") }, "\(fault): \(t.errors)")
            }
            // Mid-text: the partial answer is kept, marked interrupted.
            for fault in ["cut=\(o.firstText + 3)", "cut=\(o.finish - 10)", "drop=\(o.firstText + 3)", "drop=\(o.finish - 10)"] {
                let (t, events) = await Self.turn(server, fault: fault)
                #expect(t.status == .interrupted, "\(fault)")
                #expect(!t.answer.isEmpty)
                #expect(t.finishReason == nil)
                let cut = t.errors.first { $0.contains("The answer was cut off") }
                #expect(cut != nil, "\(fault): \(t.errors)")
                if fault.hasPrefix("cut") { #expect(cut?.contains("the stream ended without finish") == true) }
                // The error reached the consumers too (screen, log), not only the record.
                #expect(events.contains { if case .change(_, .error(let e)) = $0 { e.contains("cut off") } else { false } })
            }
            // After finish, before [DONE]: complete.
            for fault in ["cut=\(o.finish + 2)", "cut=\(o.total - 5)", "drop=\(o.total - 5)"] {
                let (t, _) = await Self.turn(server, fault: fault)
                #expect(t.status == .complete, "\(fault): \(t.errors)")
                #expect(t.errors.isEmpty)
            }
            // [DONE] without finish (servers that send none): complete.
            let (t, _) = await Self.turn(server, fault: "nofinish")
            #expect(t.status == .complete, "\(t.errors)")
            #expect(!t.answer.isEmpty)
        }
    }

    // MARK: Issue 10 items 6, 7: bounded events and answers

    @Test func anEventLargerThanOneMiBFailsTheTurnClearly() async throws {
        try await withServer { server in
            let (t, _) = await Self.turn(server, fault: "longevent=3000000")
            #expect(t.status == .interrupted)
            #expect(!t.answer.isEmpty)
            #expect(t.errors.contains { $0.contains("The server sent one event larger than 1 MiB") }, "\(t.errors)")
        }
    }

    @Test func anAnswerLargerThanTheCapKeepsItsFirstBytesAndIsMarked() async throws {
        try await withServer { server in
            let (t, _) = await Self.turn(server, fault: "pace=0", "/bench 9000000 300")
            #expect(t.status == .interrupted)
            #expect(t.answer.utf8.count == ChatSession.maxAnswerBytes)
            #expect(t.errors.contains { $0.contains("The answer is larger than 8 MiB") }, "\(t.errors)")
        }
        // In runs of short deltas: the events after the one the answer stops in are not handed on.
        try await withServer { server in
            let (t, events) = await Self.turn(server, fault: "pace=0", "/bench 8400000 84000")
            #expect(t.answer.utf8.count == ChatSession.maxAnswerBytes)
            var delivered = 0, runs = 0
            for case .chunks(_, let batch, _) in events {
                runs += batch.filter { $0.eventCount > 1 }.count
                for e in batch.flatMap(\.events) { if case .textDelta(_, let d) = e.chunk { delivered += d.utf8.count } }
            }
            #expect(runs > 0)
            #expect(delivered >= ChatSession.maxAnswerBytes && delivered < ChatSession.maxAnswerBytes + 100, "\(delivered)")
        }
        #expect(ChatSession.prefix("aé😀", bytes: 4) == "aé")
        #expect(ChatSession.prefix("aé😀", bytes: 3) == "aé")
        #expect(ChatSession.prefix("aé😀", bytes: 2) == "a")
    }

    // MARK: Issue 10 items 3, 15: hostile Retry-After

    @Test func aRetryNeverPromisesTheServersWaitButSaysItsOwn() async throws {
        var o = DemoServerOptions()
        o.defaultDeltaDelayMs = 0
        o.faults = try DemoFaults(spec: "429=86400")
        try await withServer(o) { server in
            let clock = TestClock()
            let (t, events) = await Self.turn(server, fault: "pace=0", retry: RetryPolicy(maxRetries: 2, baseDelay: 0.01, maxDelay: 0.05),
                                              clock: clock)
            #expect(t.status == .complete)
            #expect(clock.sleeps == [.milliseconds(50)], "the wait is the policy's cap, not the server's day")
            let retries = events.compactMap { e -> (String, Double)? in
                if case .retrying(_, let reason, let delay) = e { return (reason, delay) }
                return nil
            }
            #expect(retries.count == 1)
            #expect(retries.allSatisfy { $0.1 == 0.05 })
            #expect(retries.allSatisfy { !$0.0.contains("1440") && !$0.0.contains("86400") && !$0.0.contains("wait") }, "\(retries)")
            #expect(retries.allSatisfy { $0.0.contains("429") })
        }
    }

    @Test(arguments: ["NaN", "inf", "1e308", "-3"])
    func hostileRetryAfterOnTheHandshakeIsAMessage(_ raw: String) async throws {
        try await withServer { server in
            let clock = TestClock()
            let s = makeSession(server, fault: "retryafter=\(raw)",
                                retry: RetryPolicy(maxRetries: 1, baseDelay: 0.01, maxDelay: 0.05), clock: clock)
            let r = await clock.running { await s.connect() }
            #expect(clock.sleeps.count == 1)
            #expect(clock.sleeps.allSatisfy { $0 >= .zero && $0 <= .milliseconds(50) }, "\(clock.sleeps)")
            guard case .failure(let e) = r else {
                Issue.record("connected despite 429")
                return
            }
            #expect(e.status == 429)
            #expect(e.userMessage.contains("Too many requests"))
            await s.close()
        }
    }

    // MARK: Issue 10 item 13: renewed tokens are redacted everywhere

    @Test func aTokenRenewedAfter401IsRedactedInTheTranscriptAndEverywhere() async throws {
        var o = DemoServerOptions()
        o.defaultDeltaDelayMs = 0
        o.opaqueTokens = true
        let dir = NSTemporaryDirectory() + "robofy-net-\(UUID().uuidString)"
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let path = dir + "/t.jsonl"
        let store = TranscriptStore(path: path)
        try store.prepare()
        let recorder = SessionRecorder(store: store, target: "demo")
        try await withServer(o) { server in
            var target = RobofyTarget(baseURL: server.baseURL, projectID: DemoServer.projectID, chatbotID: DemoServer.chatbotID)
            target.extraHeaders["X-Robofy-Demo-Fault"] = "401once,echotoken,id=\(UUID().uuidString)"
            let s = ChatSession(client: RobofyClient(target: target), taps: [recorder.tap])
            let (log, task) = EventLog.start(s)
            let first = try await s.connect().get()
            let t = await s.send("hello")
            await s.close()
            await task.value
            #expect(t.status == .complete)
            let renewed = await log.events.compactMap { e -> String? in
                if case .reauthenticated(let h) = e { return h.token }
                return nil
            }
            let token = try #require(renewed.first)
            #expect(token != first.token)
            // The server echoes the renewed token: the answer, which the screen, line mode,
            // F5, F9, run and the autosave all show or keep, never holds it.
            #expect(t.answer.hasPrefix("Your token is [redacted]. "), "\(t.answer.prefix(80))")
            // And everywhere else it echoes it: the reasoning, a tool call's input (streamed in
            // two halves) and output, a source.
            #expect(t.reasoning == "The widget sent Authorization: Bearer\u{A0}[redacted] with this question.", "\(t.reasoning)")
            let tool = try #require(t.tools.first { $0.name == "echo_token" })
            #expect(tool.input == "{\"token\":\"[redacted]\"}" && tool.output == "{\"seen\":\"[redacted]\"}", "\(tool)")
            #expect(t.sources.map(\.title) == ["Token [redacted]"] && t.sources.map(\.url) == ["https://example.com/?token=[redacted]"])
            for text in [t.answer, t.reasoning, tool.input, tool.output ?? "", t.sources.description] {
                #expect(!text.contains(token) && !text.contains(first.token))
            }
            // What the screen was told as the tool's input streamed never held it either.
            let inputs = await log.events.compactMap { e -> String? in
                if case .change(_, .toolUpdated(let c)) = e { return c.input }
                return nil
            }
            #expect(!inputs.isEmpty && !inputs.contains { $0.contains(token) || $0.contains(String(token.prefix(token.count / 2))) }, "\(inputs)")
            let shown = await log.events.compactMap { e -> String? in
                if case .change(_, .text(let piece)) = e { return piece }
                return nil
            }.joined()
            #expect(shown == t.answer, "the text changes add up to the answer")
        }
        recorder.flush()
        store.close()
        let text = try String(contentsOfFile: path, encoding: .utf8)
        #expect(text.contains("Your token is [redacted]"))
        #expect(!text.contains("rbf_"))
    }

    // MARK: Issue 10 item 10: a send while connecting waits for that handshake

    @Test func aSendWhileConnectingJoinsThatHandshake() async throws {
        try await withServer { server in
            let s = makeSession(server, fault: "latency=200")
            let (log, task) = EventLog.start(s)
            async let connected = s.connect()
            async let sent = s.send("Hello")
            let (c, t) = await (connected, sent)
            #expect((try? c.get()) != nil)
            #expect(t.status == .complete)
            await s.close()
            await task.value
            let connecting = await log.events.filter { if case .connecting = $0 { true } else { false } }
            #expect(connecting.count == 1)
        }
    }
}
