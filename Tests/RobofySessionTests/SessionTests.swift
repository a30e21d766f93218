import DemoServer
import Foundation
import RobofyAPI
import Testing
import TestSupport
@testable import RobofySession

/// Runs `body` against a fresh demo server on 127.0.0.1 (pacing off so tests are quick).
func withServer<T>(_ options: DemoServerOptions = {
    var o = DemoServerOptions()
    o.defaultDeltaDelayMs = 0
    return o
}(), _ body: (DemoServer) async throws -> T) async throws -> T {
    try await DemoServer.with(options, body)
}

func makeSession(_ server: DemoServer, chatbotID: String = DemoServer.chatbotID, fault: String? = nil,
                 streaming: Bool = true, stall: Double = 45,
                 retry: RetryPolicy = RetryPolicy(maxRetries: 2, baseDelay: 0.05, maxDelay: 2),
                 clock: any Clock<Duration> = ContinuousClock()) -> ChatSession {
    var t = RobofyTarget(baseURL: server.baseURL, projectID: DemoServer.projectID, chatbotID: chatbotID,
                         streaming: streaming)
    if let fault { t.extraHeaders["X-Robofy-Demo-Fault"] = fault }
    return ChatSession(client: RobofyClient(target: t, timeouts: RobofyTimeouts(connect: 5, response: 10, stall: stall)),
                       retry: retry, clock: clock)
}

/// Collects session events in the background, for assertions after the fact.
actor EventLog {
    var events: [SessionEvent] = []
    func add(_ e: SessionEvent) { events.append(e) }

    static func start(_ session: ChatSession) -> (EventLog, Task<Void, Never>) {
        let log = EventLog()
        let task = Task {
            for await e in session.events { await log.add(e) }
        }
        return (log, task)
    }

    /// Polls until a condition holds on the events seen so far, with a deadline.
    func wait(timeout: Double = 30, _ cond: @Sendable ([SessionEvent]) -> Bool) async -> Bool {
        let deadline = ContinuousClock.now + .milliseconds(Int(timeout * 1000))
        while ContinuousClock.now < deadline {
            if cond(events) { return true }
            try? await Task.sleep(for: .milliseconds(10))
        }
        return cond(events)
    }
}

@Suite(.timeLimit(.minutes(2))) struct SessionTests {
    /// Whatever the server puts a remembered token or a JWT into, the turn keeps it redacted:
    /// tool names, titles, inputs, outputs and errors, sources, error chunks, reasons, chunk
    /// types, the reasoning (streamed, split across deltas) and the answer.
    @Test func everyTextTheServerSendsIntoATurnIsRedacted() {
        let secret = "rbf_" + UUID().uuidString.replacingOccurrences(of: "-", with: "")
        Redaction.remember(secret)
        let jwt = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ6In0.c2lnbmF0dXJlMw"
        var acc = TurnAccumulator(turn: Turn(id: 1, agentID: "a", agentName: "A", userText: "hi"))
        let half = secret.index(secret.startIndex, offsetBy: 10)
        let chunks: [UIChunk] = [
            .reasoningStart(id: "r"), .reasoningDelta(id: "r", delta: "Using " + secret[..<half]),
            .reasoningDelta(id: "r", delta: secret[half...] + " now"), .reasoningEnd(id: "r"),
            .toolInputStart(toolCallId: "c1", toolName: "t " + secret, title: "title " + jwt),
            .toolInputDelta(toolCallId: "c1", inputTextDelta: "{\"a\":\"" + secret[..<half]),
            .toolInputDelta(toolCallId: "c1", inputTextDelta: secret[half...] + "\"}"),
            .toolOutputAvailable(toolCallId: "c1", output: .object(["o": .string(jwt)]), preliminary: false),
            .toolInputError(toolCallId: "c2", toolName: "n", input: .string(secret), errorText: "bad " + secret),
            .toolOutputError(toolCallId: "c3", errorText: "Bearer abc.def " + jwt),
            .sourceURL(sourceId: "s", url: "https://x.test/?t=" + secret, title: jwt),
            .sourceDocument(sourceId: "d", mediaType: "text/plain", title: secret, filename: secret + ".txt"),
            .unknown(type: "x-" + secret, raw: "{}"),
            .error(errorText: "failed for " + secret),
            .textStart(id: "t"), .textDelta(id: "t", delta: "ok " + secret),
            .abort(reason: secret),
            .finish(finishReason: jwt, messageMetadata: nil),
        ]
        var changes: [TurnChange] = []
        for c in chunks { changes.append(acc.apply(c)) }
        changes += acc.releaseHeldText()
        let t = acc.turn
        let kept = [t.answer, t.reasoning, t.finishReason ?? "", t.errors.joined(), t.unknownChunkTypes.joined(),
                    "\(t.tools)", "\(t.sources)", "\(changes)"].joined(separator: "\n")
        #expect(!kept.contains(secret) && !kept.contains(String(secret[..<half])) && !kept.contains("c2lnbmF0dXJlMw"), "\(kept)")
        #expect(!kept.contains("abc.def"), "\(kept)")
        #expect(t.reasoning == "Using [redacted] now")
        #expect(t.tools.first?.input == "{\"a\":\"[redacted]\"}")
        #expect(t.answer == "ok [redacted]")
    }

    @Test func characterCountsAreGraphemeCounts() {
        let samples = ["", "abc", "a\r\nb", "\r\n\r\n", "\r\r\n\n", "\n\r", "é", "e\u{301}", "👩‍👩‍👧 hi", "漢字\r\n",
                       String(repeating: "The quick brown fox.\r\n", count: 500)]
        for s in samples { #expect(Turn.characters(s) == s.count, "\(s.debugDescription)") }
    }

    @Test func handshakeListsTheDemoAgentsAndPicksTheTargetOne() async throws {
        try await withServer { server in
            let s = makeSession(server)
            let h = try await s.connect().get()
            #expect(h.agents.count >= 3)
            #expect(h.sortedAgents.map(\.sortOrder) == h.sortedAgents.map(\.sortOrder).sorted())
            #expect(await s.agent?.chatbotID == DemoServer.chatbotID)
            #expect(!h.description.contains(h.token))
            await s.close()
        }
    }

    @Test func twoStreamingTurnsShareTheSessionID() async throws {
        try await withServer { server in
            let s = makeSession(server)
            let first = await s.send("Hello, my name is Ada")
            #expect(first.status == .complete)
            #expect(first.finishReason == "stop")
            #expect(!first.answer.isEmpty)
            let sid = try #require(first.sessionID)
            #expect(await s.sessionID == sid)
            let second = await s.send("What is my name?")
            #expect(second.status == .complete)
            #expect(second.sessionID == sid)
            #expect(second.answer.contains("Ada"), "the server did not see the same session: \(second.answer)")
            #expect(second.timing.firstText != nil)
            #expect(await s.transcript.count == 2)
            await s.close()
        }
    }

    @Test func nonStreamingEndpointCarriesTheSessionToo() async throws {
        try await withServer { server in
            let s = makeSession(server, streaming: false)
            let first = await s.send("my name is Grace")
            #expect(first.status == .complete)
            let sid = try #require(first.sessionID)
            let second = await s.send("what is my name")
            #expect(second.sessionID == sid)
            #expect(second.answer.contains("Grace"))
            await s.close()
        }
    }

    @Test func endSessionStartsANewConversationAndResetClearsTheTranscript() async throws {
        try await withServer { server in
            let s = makeSession(server)
            let a = await s.send("my name is Linus")
            await s.endSession()
            #expect(await s.sessionID == nil)
            let b = await s.send("what is my name")
            #expect(b.sessionID != nil && b.sessionID != a.sessionID)
            #expect(!b.answer.contains("Linus"))
            await s.reset()
            #expect(await s.transcript.isEmpty)
            #expect(await s.sessionID == nil)
            await s.close()
        }
    }

    @Test func toolCallsAreReported() async throws {
        try await withServer { server in
            let s = makeSession(server, chatbotID: "demo-atlas")
            let (log, task) = EventLog.start(s)
            let t = await s.send("Weather in Paris?")
            #expect(t.status == .complete)
            let tool = try #require(t.tools.first)
            #expect(tool.name == "get_weather")
            #expect(tool.state == .done)
            #expect(tool.input.contains("Paris"))
            #expect(tool.output != nil)
            #expect(await log.wait { evs in
                evs.contains { if case .change(_, .toolStarted(let c)) = $0 { return c.name == "get_weather" } else { return false } }
            })
            await s.close()
            task.cancel()
        }
    }

    @Test func sourcesAndMarkdownArrive() async throws {
        try await withServer { server in
            let s = makeSession(server, chatbotID: "demo-sage")
            let t = await s.send("How do I install the widget?")
            #expect(t.status == .complete)
            #expect(t.sources.count == 2)
            #expect(t.sources.allSatisfy { $0.url?.hasPrefix("http") == true })
            #expect(t.answer.contains("**") || t.answer.contains("`"))
            await s.close()
        }
    }

    @Test func switchingAgentsKeepsSeparateConversations() async throws {
        try await withServer { server in
            let s = makeSession(server)
            _ = try await s.connect().get()
            let nova = await s.send("hello")
            #expect(await s.selectAgent("demo-sage")?.name == "Sage")
            let sage = await s.send("hello")
            #expect(sage.agentID == "demo-sage")
            #expect(sage.sessionID != nova.sessionID)
            #expect(await s.transcript.count == 1)
            #expect(await s.transcript(for: DemoServer.chatbotID).count == 1)
            await s.close()
        }
    }

    @Test func cancelKeepsThePartialAnswerMarkedStopped() async throws {
        try await withServer { server in
            let s = makeSession(server)
            let (log, task) = EventLog.start(s)
            let turn = Task { await s.send("/slow") }
            let sawText = await log.wait { evs in
                evs.contains { if case .change(_, .text) = $0 { return true } else { return false } }
            }
            #expect(sawText)
            await s.cancel()
            let t = await turn.value
            #expect(t.status == .stopped)
            #expect(!t.answer.isEmpty)
            #expect(await s.transcript.last?.status == .stopped)
            await s.close()
            task.cancel()
        }
    }

    @Test func connectionRefusedGivesAClearMessage() async throws {
        // A port bound but not listening: refused. (A port just freed by a server was taken,
        // now and then, by another test's server started meanwhile.)
        let closed = try ClosedPort()
        let url = closed.url
        defer { withExtendedLifetime(closed) {} }
        // The refusal is said after a short grace (a server still starting), never after the
        // connect timeout (which, on a loaded machine, came before the first refusal and was
        // reported instead). The handshake's own timeout is as long: it bounds nothing here.
        let s = ChatSession(client: RobofyClient(target: RobofyTarget(baseURL: url, projectID: "p", chatbotID: "c"),
                                                timeouts: RobofyTimeouts(connect: 60, handshake: 60)),
                            retry: RetryPolicy(maxRetries: 0))
        let started = ContinuousClock.now
        let r = await s.connect()
        #expect(ContinuousClock.now - started < .seconds(30), "waited for the connect timeout")
        guard case .failure(let e) = r else { Issue.record("connected to a closed port"); return }
        // Refused: said plainly, never NIO's text.
        #expect(e.userMessage.contains("Cannot connect") && e.userMessage.contains("refused"), "\(e.userMessage)")
        #expect(!e.userMessage.contains("errno") && !e.userMessage.contains("descriptor"), "\(e.userMessage)")
        await s.close()
    }

    @Test func aPresetHandshakesTokenIsRedactedEverywhere() async throws {
        // A handshake read from a file (`preview --handshake`) never passed `RobofyClient.handshake()`.
        let token = "preset-\(UUID().uuidString)"
        let json = #"{"data": {"token": "\#(token)", "chatbots": [{"chatbot_id": "a", "agent_name": "A"}]}}"#
        let preset = try Handshake.decode(Data(json.utf8))
        let s = ChatSession(client: RobofyClient(target: RobofyTarget(baseURL: "http://127.0.0.1:9", projectID: "p", chatbotID: "a")),
                            preset: preset)
        _ = try await s.connect().get()
        #expect(Redaction.redact("token \(token) here") == "token \(Redaction.placeholder) here")
        await s.close()
    }

    @Test func unknownProjectSaysWhatToCheck() async throws {
        try await withServer { server in
            let s = ChatSession(client: RobofyClient(target: RobofyTarget(baseURL: server.baseURL, projectID: "nope",
                                                                          chatbotID: "c")))
            guard case .failure(let e) = await s.connect() else { Issue.record("connected"); return }
            #expect(e.status == 404)
            #expect(e.userMessage.contains("--project-id"))
            await s.close()
        }
    }
}

@Suite(.timeLimit(.minutes(2))) struct FaultTests {
    @Test func latency() async throws {
        try await withServer { server in
            let s = makeSession(server, fault: "latency=150")
            let t = await s.send("hello")
            #expect(t.status == .complete)
            #expect((t.timing.firstByte ?? 0) >= 0.15)
            await s.close()
        }
    }

    @Test func cutStreamKeepsTextAndSaysInterrupted() async throws {
        try await withServer { server in
            let s = makeSession(server, fault: "cut=700")
            let t = await s.send("/long 200")
            #expect(!t.answer.isEmpty)
            #expect(t.finishReason == nil)
            // The body ended early without `finish`: what arrived is kept, marked interrupted.
            #expect(t.status == .interrupted)
            #expect(t.errors.contains { $0.contains("The answer was cut off (the stream ended without finish)") })
            #expect(t.answer.count < 1200)
            await s.close()
        }
    }

    @Test func stallIsDetected() async throws {
        try await withServer { server in
            // (3 s of silence: a busy machine's slow first bytes must not count as the stall.)
            let s = makeSession(server, fault: "stall=600", stall: 3)
            let t = await s.send("/long 300")
            // Text that arrived before the stall is kept and the turn is interrupted; on a machine
            // so busy that the stall came before any text, nothing usable arrived: failed.
            #expect(t.status == (t.answer.isEmpty ? .failed : .interrupted))
            #expect(t.errors.contains { $0.contains("stalled") })
            await s.close()
        }
    }

    @Test func unauthorizedOnceReauthenticatesAndRetries() async throws {
        try await withServer { server in
            let s = makeSession(server, fault: "401once,id=\(UUID().uuidString)")
            let (log, task) = EventLog.start(s)
            let t = await s.send("hello")
            #expect(t.status == .complete, "\(t.errors)")
            #expect(await log.wait { $0.contains { if case .reauthenticated = $0 { return true } else { return false } } })
            await s.close()
            task.cancel()
        }
    }

    @Test func rateLimitIsRetriedAfterRetryAfter() async throws {
        var o = DemoServerOptions()
        o.defaultDeltaDelayMs = 0
        o.faults.rateLimitRetryAfter = 1
        try await withServer(o) { server in
            let clock = TestClock()
            let s = makeSession(server, clock: clock)
            let (log, task) = EventLog.start(s)
            let turn = Task { await s.send("hello") }
            // The session waits the server's Retry-After (1 s) on its clock, and only that.
            #expect(await clock.waitForSleepers(1))
            #expect(clock.sleeps == [.seconds(1)])
            #expect(await log.wait { evs in
                evs.contains { if case .retrying(_, let reason, let delay) = $0 { return reason.contains("429") && delay == 1 } else { return false } }
            })
            clock.advance(by: .seconds(1))
            let t = await turn.value
            #expect(t.status == .complete, "\(t.errors)")
            await s.close()
            task.cancel()
        }
    }

    @Test func serverErrorFailsWithAClearMessageAfterRetries() async throws {
        var o = DemoServerOptions()
        o.defaultDeltaDelayMs = 0
        o.faults.serverError = true  // chat calls only; the handshake still works
        try await withServer(o) { server in
            let clock = TestClock()
            let s = makeSession(server, clock: clock)
            let (log, task) = EventLog.start(s)
            let t = await clock.running { await s.send("hello") }
            #expect(t.status == .failed)
            #expect(t.errors.last?.contains("500") == true)
            #expect(t.errors.last?.contains("try again") == true)
            // Two waits, doubling from the policy's base delay (0.05 s).
            #expect(clock.sleeps == [.milliseconds(50), .milliseconds(100)])
            let retried = await log.wait { evs in
                evs.filter { if case .retrying = $0 { return true } else { return false } }.count == 2
                    && evs.contains { if case .turnFinished = $0 { return true } else { return false } }
            }
            #expect(retried, "expected exactly two retries before giving up")
            await s.close()
            task.cancel()
        }
    }

    @Test func malformedChunkIsRecordedAndTheAnswerCompletes() async throws {
        try await withServer { server in
            let s = makeSession(server, fault: "malformed")
            let t = await s.send("hello")
            #expect(t.status == .complete)
            #expect(!t.answer.isEmpty)
            #expect(t.errors.contains { $0.contains("malformed") })
            await s.close()
        }
    }

    @Test func unknownChunkTypesAreSkipped() async throws {
        try await withServer { server in
            let s = makeSession(server, fault: "unknown")
            let t = await s.send("hello")
            #expect(t.status == .complete)
            #expect(t.errors.isEmpty)
            #expect(t.unknownChunkTypes.contains("custom-thing"))
            await s.close()
        }
    }

    @Test func noStreamingEndpointFallsBackToPlainChat() async throws {
        try await withServer { server in
            let s = makeSession(server, fault: "nostream")
            let (log, task) = EventLog.start(s)
            let first = await s.send("my name is Alan")
            #expect(first.status == .complete)
            #expect(first.sessionID != nil)
            #expect(await log.wait { evs in
                evs.contains { if case .response(_, let info) = $0 { return info.fallbackReason?.contains("404") == true } else { return false } }
            })
            let second = await s.send("what is my name")
            #expect(second.answer.contains("Alan"))
            await s.close()
            task.cancel()
        }
    }

    @Test func jsonAnswerOnTheStreamPathIsAccepted() async throws {
        try await withServer { server in
            let s = makeSession(server, fault: "json")
            let t = await s.send("hello")
            #expect(t.status == .complete)
            #expect(!t.answer.isEmpty)
            #expect(t.sessionID != nil)
            await s.close()
        }
    }

    @Test func errorChunkKeepsTextAndReportsIt() async throws {
        try await withServer { server in
            let s = makeSession(server)
            let t = await s.send("/error")
            // The stream said `finish` (reason "error") after its text: complete, with the error kept.
            #expect(t.status == .complete)
            #expect(!t.answer.isEmpty)
            #expect(!t.errors.isEmpty)
            #expect(t.finishReason == "error")
            await s.close()
        }
    }
}
