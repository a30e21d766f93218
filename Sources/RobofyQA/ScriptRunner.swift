import DemoServer
import Foundation
import Logging
import RobofyAPI
import RobofySession
import WidgetUI
import RobofyText

/// The outcome of one scripted turn.
public struct TurnResult: Sendable, Equatable, Codable {
    public var index: Int
    public var send: String
    public var name: String?
    public var agent: String
    /// What came back (nil when nothing was sent).
    public var turn: Turn?
    /// Why the turn failed; empty when it passed.
    public var failures: [String]
    /// True when the failure was not about the answer (no connection, unknown agent).
    public var isError: Bool
    public var seconds: Double

    public init(index: Int, send: String, name: String? = nil, agent: String, turn: Turn? = nil,
                failures: [String] = [], isError: Bool = false, seconds: Double = 0) {
        self.index = index
        self.send = send
        self.name = name
        self.agent = agent
        self.turn = turn
        self.failures = failures
        self.isError = isError
        self.seconds = seconds
    }

    public var passed: Bool { failures.isEmpty }

    /// The test case's name: `turn N: <name or message>`.
    public var title: String {
        let label = name ?? send.split(whereSeparator: \.isNewline).joined(separator: " ")
        let short = label.count > 80 ? String(label.prefix(79)) + "…" : label
        return index == 0 ? short : "turn \(index): " + short
    }
}

/// The outcome of a whole run.
public struct RunReport: Sendable, Equatable, Codable {
    public var suiteName: String
    /// The script file (in a suite).
    public var file: String? = nil
    public var target: String
    public var startedAt: Date
    public var seconds: Double
    public var results: [TurnResult]

    public init(suiteName: String, file: String? = nil, target: String, startedAt: Date, seconds: Double,
                results: [TurnResult]) {
        self.suiteName = suiteName
        self.file = file
        self.target = target
        self.startedAt = startedAt
        self.seconds = seconds
        self.results = results
    }

    public var failed: Int { results.filter { !$0.passed && !$0.isError }.count }
    public var errors: Int { results.filter(\.isError).count }
    public var passed: Bool { results.allSatisfy(\.passed) }
}

/// Options of a run beyond the script.
public struct RunOptions: Sendable {
    /// Overrides the script's target (e.g. from the command line).
    public var target: Script.Target?
    public var taps: [SessionEventTap] = []
    public var logger: Logger = Logger(label: "robofy", factory: { _ in SwiftLogNoOpLogHandler() })
    /// Default seconds a turn may take (the script's `timeout_seconds` wins).
    public var timeoutSeconds: Double = 60
    /// Pacing of the demo server's streamed answers, in milliseconds (nil: its default).
    public var demoPaceMs: Int?
    public var retry = RetryPolicy()
    /// Shared by every job of a suite: 429/Retry-After and `--rate` per target.
    public var limiter: RateLimiter?
    /// Times the turn watchdog, the session's retry waits and the run (tests pass a clock they advance).
    public var clock: any Clock<Duration> = ContinuousClock()
    public init() {}
}

/// Checks an answer against expectations. Returns one readable reason per failure.
public enum ExpectationCheck {
    public static func failures(_ e: Expectations, turn t: Turn, seconds: Double) -> [String] {
        var out: [String] = []
        let expected = e.status ?? .complete
        if t.status != expected {
            var why = "status: expected \(expected.rawValue), got \(t.status.rawValue)"
            if let err = t.errors.last { why += " (\(oneLine(err, 160)))" }
            out.append(why)
        } else if e.status == nil, let err = t.errors.first {
            // Without an explicit status, an error reported inside the stream fails the turn too.
            out.append("error: the answer reported \(quoted(oneLine(err, 160)))")
        }
        for s in e.contains where !t.answer.contains(s) {
            out.append("contains \(quoted(s)): not in the answer \(quoted(oneLine(t.answer, 120)))")
        }
        for s in e.notContains where t.answer.contains(s) {
            out.append("not_contains \(quoted(s)): the answer has it: \(quoted(excerpt(t.answer, around: s)))")
        }
        for p in e.matches {
            guard let r = try? NSRegularExpression(pattern: p) else {
                out.append("matches \(quoted(p)): not a valid regular expression")
                continue
            }
            if r.firstMatch(in: t.answer, range: NSRange(t.answer.startIndex..., in: t.answer)) == nil {
                out.append("matches \(quoted(p)): no match in the answer \(quoted(oneLine(t.answer, 120)))")
            }
        }
        if let max = e.maxSeconds {
            let took = t.timing.duration ?? seconds
            if took > max {
                out.append(String(format: "max_seconds %@: the turn took %.2f s", JSONValue.number(max).compactText, took))
            }
        }
        if let max = e.maxFirstTextSeconds {
            if let first = t.timing.firstText {
                if first > max {
                    out.append(String(format: "max_first_text_seconds %@: the first text came after %.2f s", JSONValue.number(max).compactText, first))
                }
            } else {
                out.append("max_first_text_seconds \(JSONValue.number(max).compactText): no text came")
            }
        }
        let called = t.tools.map(\.name)
        for name in e.toolCalled where !called.contains(name) {
            out.append("tool_called \(quoted(name)): " + (called.isEmpty ? "no tool was called" : "called \(called.joined(separator: ", "))"))
        }
        if let want = e.finishReason, t.finishReason != want {
            out.append("finish_reason: expected \(quoted(want)), got \(t.finishReason.map(quoted) ?? "none")")
        }
        return out
    }

    static func quoted(_ s: String) -> String { "“" + s + "”" }

    static func oneLine(_ s: String, _ limit: Int) -> String {
        let flat = Sanitizer.clean(s, allowNewlines: false).trimmingCharacters(in: .whitespaces)
        return flat.count > limit ? String(flat.prefix(limit - 1)) + "…" : flat
    }

    static func excerpt(_ s: String, around needle: String) -> String {
        guard let r = s.range(of: needle) else { return oneLine(s, 120) }
        let start = s.index(r.lowerBound, offsetBy: -40, limitedBy: s.startIndex) ?? s.startIndex
        let end = s.index(r.upperBound, offsetBy: 40, limitedBy: s.endIndex) ?? s.endIndex
        return (start > s.startIndex ? "…" : "") + oneLine(String(s[start..<end]), 200) + (end < s.endIndex ? "…" : "")
    }
}

/// Runs scripts headless against the demo server or a Robofy deployment.
public enum ScriptRunner {
    /// Runs `script`. `progress` is told each result as it is known (for printing).
    /// `sharedDemo`: a demo server already running for a suite; used for a demo target
    /// when the script sets no `fault` (a script with faults gets a server of its own).
    public static func run(_ script: Script, suiteName: String, options: RunOptions = .init(),
                           sharedDemo: DemoServer? = nil,
                           progress: @Sendable (TurnResult) -> Void = { _ in }) async throws(ScriptError) -> RunReport {
        guard let target = options.target ?? script.target else {
            throw ScriptError("target: missing (use target: {demo: true} or {base_url, project_id, chatbot_id})")
        }
        var server: DemoServer?
        let robofyTarget: RobofyTarget
        let description: String
        switch target {
        case .demo:
            var o = DemoServerOptions()
            if let fault = script.fault {
                do { o.faults = try DemoFaults(spec: fault) } catch { throw ScriptError("fault: \(error.message)") }
            }
            if let pace = options.demoPaceMs { o.defaultDeltaDelayMs = pace }
            o.hostile = script.usesHostileAgent
            let base: String
            if script.fault == nil, let sharedDemo {
                base = sharedDemo.baseURL
            } else {
                do {
                    let started = try await DemoServer.start(o)
                    server = started
                    base = started.baseURL
                } catch {
                    throw ScriptError("the demo server could not start: \(error)")
                }
            }
            robofyTarget = RobofyTarget(baseURL: base, projectID: DemoServer.projectID,
                                        chatbotID: script.agent ?? DemoServer.chatbotID)
            description = Script.Target.describe(.demo, fault: script.fault)
        case .service(let s):
            if script.fault != nil { throw ScriptError("fault: fault knobs work with the demo target only") }
            guard let chatbot = script.agent ?? s.chatbotID else {
                throw ScriptError("agent: missing (the chatbot id to talk to)")
            }
            var t = RobofyTarget(baseURL: s.baseURL, projectID: s.projectID, chatbotID: chatbot, streaming: s.streaming)
            if let p = s.streamPath { t.streamPath = p }
            if let p = s.chatPath { t.chatPath = p }
            do { _ = try t.url("/") } catch { throw ScriptError("target.base_url: \(error.userMessage)") }
            robofyTarget = t
            description = Script.Target.describe(.service(s), fault: nil)
        }
        let client = RobofyClient(target: robofyTarget, timeouts: RobofyTimeouts(stall: 30), logger: options.logger)
        let limiter = options.limiter
        let key = robofyTarget.baseURL
        let taps = options.taps + (limiter.map { [$0.tap(target: key)] } ?? [])
        let session = ChatSession(client: client, retry: options.retry, logger: options.logger, taps: taps,
                                  clock: options.clock)
        let report = await run(script, session: session, suiteName: suiteName, target: description,
                               defaultTimeout: options.timeoutSeconds, clock: options.clock,
                               beforeTurn: { await limiter?.beforeTurn(key) }, progress: progress)
        await session.close()
        await server?.stop()
        return report
    }

    /// Runs `script` on a session that is not yet connected (closing it is the caller's job).
    /// `clock` times each turn's watchdog (`timeout_seconds`) and the run.
    public static func run(_ script: Script, session: ChatSession, suiteName: String, target: String,
                           defaultTimeout: Double = 60, clock: any Clock<Duration> = ContinuousClock(),
                           beforeTurn: @Sendable () async -> Void = {},
                           progress: @Sendable (TurnResult) -> Void = { _ in }) async -> RunReport {
        let started = Date()
        let runTime = clock.stopwatch()
        var results: [TurnResult] = []
        // Every token the session held is known to `Redaction`: never printed, never written to a report.
        func finish(_ r: TurnResult) {
            var r = r
            r.failures = r.failures.map { Redaction.redact($0) }
            results.append(r)
            progress(r)
        }
        let connected = await session.connect()
        var connectError: String?
        switch connected {
        case .failure(let e): connectError = "could not connect: \(e.userMessage)"
        case .success(let h):
            if let want = script.agent, await session.agent?.chatbotID != want {
                connectError = "agent: no agent “\(want)” in this widget (agents: \(h.sortedAgents.map(\.chatbotID).joined(separator: ", ")))"
            }
        }
        for (i, st) in script.turns.enumerated() {
            let agentNow = await session.agent?.chatbotID ?? ""
            var result = TurnResult(index: i + 1, send: st.send, name: st.name, agent: st.agent ?? agentNow, turn: nil,
                                    failures: [], isError: false, seconds: 0)
            if let connectError {
                result.failures = [connectError]
                result.isError = true
                finish(result)
                continue
            }
            if let want = st.agent, want != agentNow {
                if await session.selectAgent(want) == nil {
                    let known = await session.handshake?.sortedAgents.map(\.chatbotID).joined(separator: ", ") ?? ""
                    result.failures = ["agent: no agent “\(want)” in this widget (agents: \(known))"]
                    result.isError = true
                    finish(result)
                    continue
                }
            }
            if st.reset { await session.reset() }
            if st.newSession { await session.endSession() }
            await beforeTurn()
            let timeout = st.timeoutSeconds ?? script.timeoutSeconds ?? defaultTimeout
            let turnTime = clock.stopwatch()
            let watchdog = Task {
                try? await clock.sleep(for: .milliseconds(Int(timeout * 1000)))
                if !Task.isCancelled { await session.cancel() }
            }
            let sent = await session.send(st.send)
            watchdog.cancel()
            // What is reported is redacted; the extras talk to the server with the ids it sent
            // (a session id with a secret in it is looked up as it is, and named redacted).
            let turn = redacted(sent)
            let took = turnTime() / .seconds(1)
            result.turn = turn
            result.seconds = turn.timing.duration ?? took
            var failures = ExpectationCheck.failures(st.expect, turn: turn, seconds: took)
            if turn.status == .stopped, st.expect.status != .stopped {
                failures.removeAll { $0.hasPrefix("status:") }
                failures.insert(String(format: "timeout: no complete answer within %@ s", JSONValue.number(timeout).compactText), at: 0)
            }
            failures += await TurnExtrasRunner.run(st.extras, endpoints: script.endpoints, session: session, turn: sent)
            result.failures = failures
            finish(result)
        }
        return RunReport(suiteName: suiteName, target: target, startedAt: started,
                         seconds: runTime() / .seconds(1), results: results)
    }

    /// The turn with every secret (the tokens, bearer tokens, JWTs) taken out of the text
    /// that reaches output and reports.
    static func redacted(_ turn: Turn) -> Turn {
        func r(_ s: String) -> String { Redaction.redact(s) }
        var t = turn
        t.answer = r(t.answer)
        t.reasoning = r(t.reasoning)
        t.errors = t.errors.map(r)
        t.finishReason = t.finishReason.map(r)
        t.sessionID = t.sessionID.map(r)
        t.messageID = t.messageID.map(r)
        for i in t.tools.indices {
            t.tools[i].name = r(t.tools[i].name)
            t.tools[i].title = t.tools[i].title.map(r)
            t.tools[i].input = r(t.tools[i].input)
            t.tools[i].output = t.tools[i].output.map(r)
            t.tools[i].errorText = t.tools[i].errorText.map(r)
        }
        return t
    }
}

/// Human-readable run output.
public enum RunOutput {
    /// One line per turn, then one indented line per failure.
    public static func lines(for r: TurnResult, verbose: Bool = false) -> [String] {
        var out: [String] = []
        let mark = r.passed ? "✓" : "✗"
        var facts = [String(format: "%.2f s", r.seconds)]
        if let tools = r.turn?.tools, !tools.isEmpty { facts.append("tools: " + tools.map { Sanitizer.clean($0.name, allowNewlines: false) }.joined(separator: ", ")) }
        out.append("\(mark) \(Sanitizer.clean(r.title, allowNewlines: false))  (\(facts.joined(separator: ", ")))")
        for f in r.failures { out.append("    ✗ " + Sanitizer.clean(f, allowNewlines: false)) }
        if verbose || !r.passed, let answer = r.turn?.answer, !answer.isEmpty {
            out.append("    answer: " + ExpectationCheck.oneLine(answer, verbose ? 2000 : 200))
        }
        return out
    }

    public static func summary(_ report: RunReport) -> String {
        let total = report.results.count
        let ok = report.results.filter(\.passed).count
        let time = String(format: "%.1f s", report.seconds)
        if report.passed { return "All \(total) turn\(total == 1 ? "" : "s") passed (\(time))." }
        return "\(total - ok) of \(total) turn\(total == 1 ? "" : "s") failed (\(time))."
    }
}
