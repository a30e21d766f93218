// RobofySession: one conversation with a widget, as an actor (`ChatSession`): connecting,
// agents, turns and their verdicts, retries, and the taps that watch it (autosave, event log,
// "record to script"). Imports RobofyAPI (the wire protocol), swift-log and Foundation only;
// never the UI, the terminal or QA. This file: the session's state and its public calls;
// a turn's attempts, stream and verdict are in TurnRun.swift.
import Foundation
import Logging
import RobofyAPI

/// Everything the session reports, in order, on `ChatSession.events`.
///
/// The cases with large payloads are `indirect`: an event is copied several times on its
/// way to the screen, and a streaming answer sends thousands of `chunk` and `change`
/// events a second, which would otherwise each be as large as a `Handshake`.
public enum SessionEvent: Sendable {
    case connecting
    indirect case connected(Handshake)
    indirect case connectFailed(RobofyError)
    indirect case agentSelected(Agent)
    indirect case turnStarted(Turn)
    /// The HTTP answer's head arrived (status, headers; for the inspector).
    indirect case response(turnID: Int, ResponseInfo)
    /// The chunks that arrived together (decoded from one network read), as received, with
    /// the seconds since the request was sent (for the inspector and the event log). A fast
    /// answer brings thousands of chunks a second; they travel in batches, not one by one.
    case chunks(turnID: Int, [ChunkEvent], offset: Double)
    /// The answer of a turn as it streams (sent once, before its text): the one copy of its
    /// text, which the session appends to; `.change(.text)` then says that text was added.
    /// The finished turn's `answer` shares its storage.
    case answer(turnID: Int, AnswerText)
    /// What the chunks changed in the turn. Consecutive text of one batch comes as one `.text`.
    case change(turnID: Int, TurnChange)
    /// A request failed in a way that may pass; the session waits and sends it again.
    case retrying(turnID: Int, reason: String, delay: Double)
    /// The token was refused or about to expire; the session handshook again and holds the
    /// handshake's new token (already known to `Redaction`; consumers that keep their own
    /// list of secrets add `token` from it, as on `.connected`).
    indirect case reauthenticated(Handshake)
    indirect case turnFinished(Turn)
    case sessionEnded(agentID: String)
    case chatReset(agentID: String)
    /// A lead or a rating was sent (or could not be sent): see `ChatSession.submit`.
    indirect case submitted(WidgetSubmission)
}

/// How the session retries failures that may pass (429, 5xx, timeouts, reset connections).
public struct RetryPolicy: Sendable, Equatable {
    public var maxRetries: Int = 2
    public var baseDelay: Double = 0.5
    public var maxDelay: Double = 10
    public init(maxRetries: Int = 2, baseDelay: Double = 0.5, maxDelay: Double = 10) {
        self.maxRetries = maxRetries
        self.baseDelay = baseDelay
        self.maxDelay = maxDelay
    }
}

/// Owns the conversation with one widget: the token (which never leaves this actor
/// except in the Authorization header), the chosen agent, each agent's session id
/// and transcript. Reports everything as `events`.
public actor ChatSession {
    public nonisolated let events: AsyncStream<SessionEvent>
    nonisolated let continuation: SessionEventSink
    let client: RobofyClient
    let logger: Logger
    let retry: RetryPolicy

    private(set) var token: String?
    private(set) var tokenExpiry: Date?
    public private(set) var handshake: Handshake?
    public private(set) var agent: Agent?
    var sessionIDs: [String: String] = [:]
    private var transcripts: [String: [Turn]] = [:]
    private var nextTurnID = 1
    private var current: (id: Int, task: Task<Turn, Never>)?
    /// Every turn still running, by id (two sends can overlap: the later one is `current`).
    private var running: [Int: Task<Turn, Never>] = [:]
    private var connecting: Task<Result<Handshake, RobofyError>, Never>?

    /// Largest answer kept (8 MiB of text). A longer one is stopped there: the first 8 MiB
    /// are kept, the turn is `interrupted` with `RobofyError.answerTooLarge`'s message.
    public static let maxAnswerBytes = 8 << 20
    /// `close` was called: a turn stopped now was cut off by the program quitting, not by the user.
    var closing = false
    /// Times retry waits and measures turns (`ContinuousClock`; tests pass a clock they advance).
    let clock: any Clock<Duration>
    /// A handshake given up front (`preview --handshake FILE`): `connect()` adopts it and asks no server.
    private let preset: Handshake?

    /// `taps` see every event, in order, before `events` delivers it (autosave, event log).
    public init(client: RobofyClient, retry: RetryPolicy = .init(),
                logger: Logger = Logger(label: "robofy.session", factory: { _ in SwiftLogNoOpLogHandler() }),
                taps: [SessionEventTap] = [], preset: Handshake? = nil,
                clock: any Clock<Duration> = ContinuousClock()) {
        self.client = client
        self.clock = clock
        self.preset = preset
        self.retry = retry
        self.logger = logger
        let queue = SessionEventQueue()
        events = queue.stream
        continuation = SessionEventSink(queue: queue, taps: taps)
    }

    /// Hands every event to `handler` as it happens (on the session's thread, quickly, in
    /// order), instead of through `events`, which then ends: one thread hop less per event
    /// for the UI's main loop. See `AsyncEventQueue.deliver(to:)`.
    public nonisolated func deliverEvents(to handler: @escaping @Sendable (SessionEvent) -> Void) {
        continuation.deliver { e, _ in handler(e) }
    }

    /// `deliverEvents(to:)`, telling `handler` whether each event is the last of those that came
    /// together (one read of an answer: its `.chunks` and their changes), so that a reader woken
    /// by them is woken once they are all there.
    public nonisolated func deliverEvents(batchedTo handler: @escaping @Sendable (SessionEvent, _ last: Bool) -> Void) {
        continuation.deliver(to: handler)
    }

    // MARK: State the UI may read

    /// The session id of the current agent's conversation, if the server gave one.
    public var sessionID: String? {
        agent.flatMap { sessionIDs[$0.chatbotID] }
    }

    /// The current agent's turns.
    public var transcript: [Turn] {
        agent.flatMap { transcripts[$0.chatbotID] } ?? []
    }

    public func transcript(for agentID: String) -> [Turn] {
        transcripts[agentID] ?? []
    }

    public var isBusy: Bool { current != nil }

    /// Continues a saved conversation (`robofy-tui open --resume`): the agent's session id
    /// and turns as they were; new turns are numbered after the saved ones.
    public func resume(agentID: String, sessionID: String?, turns: [Turn]) {
        sessionIDs[agentID] = sessionID
        transcripts[agentID] = turns
        nextTurnID = max(nextTurnID, (turns.map(\.id).max() ?? 0) + 1)
    }

    // MARK: Connecting

    /// Runs the handshake and picks the agent the target names (or the first by sort order).
    ///
    /// A call while a connect is in flight waits for that one (and gets its result): a
    /// `send` issued while connecting is queued until the handshake is done, then sent.
    @discardableResult
    public func connect() async -> Result<Handshake, RobofyError> {
        if let running = connecting { return await running.value }
        let task = Task { await self.connectNow() }
        connecting = task
        let result = await task.value
        connecting = nil
        return result
    }

    private func connectNow() async -> Result<Handshake, RobofyError> {
        continuation.yield(.connecting)
        do {
            let h = try await handshakeWithRetry()
            // A reconnect keeps the agent the user chose, while the widget still has it.
            let chosen = h.agents.first { $0.chatbotID == agent?.chatbotID }
                ?? h.agents.first { $0.chatbotID == client.target.chatbotID } ?? h.sortedAgents.first
            if let chosen, agent?.chatbotID != chosen.chatbotID || agent == nil {
                agent = chosen
            }
            continuation.yield(.connected(h))
            if let agent { continuation.yield(.agentSelected(agent)) }
            return .success(h)
        } catch {
            continuation.yield(.connectFailed(error))
            return .failure(error)
        }
    }

    func handshakeWithRetry() async throws(RobofyError) -> Handshake {
        if let preset {
            adopt(preset)
            return preset
        }
        var attempt = 0
        while true {
            do {
                let h = try await client.handshake()
                adopt(h)
                return h
            } catch {
                guard error.isRetryable, attempt < retry.maxRetries else { throw error }
                attempt += 1
                let delay = delayFor(error, attempt: attempt)
                logger.info("handshake retry", metadata: ["attempt": "\(attempt)", "error": "\(error.userMessage)"])
                do { try await clock.sleep(for: .milliseconds(NetNumber.milliseconds(delay))) } catch { throw .cancelled }
            }
        }
    }

    /// Takes a handshake's token: every token the session ever holds passes here, and
    /// `Redaction` learns it here (a preset handshake from a file as well as a server's).
    func adopt(_ h: Handshake) {
        Redaction.remember(h.token)
        handshake = h
        token = h.token
        tokenExpiry = Self.expiry(ofJWT: h.token)
        if let a = agent, let fresh = h.agents.first(where: { $0.chatbotID == a.chatbotID }) {
            agent = fresh
        }
    }

    /// The `exp` claim of a JWT, if the token is one.
    static func expiry(ofJWT token: String) -> Date? {
        let parts = token.split(separator: ".")
        guard parts.count == 3 else { return nil }
        var b64 = parts[1].replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        while b64.count % 4 != 0 { b64 += "=" }
        guard let data = Data(base64Encoded: b64), let exp = JSONValue.parse(data)?["exp"]?.doubleValue else { return nil }
        return Date(timeIntervalSince1970: exp)
    }

    /// Switches to another agent of the widget. Each agent keeps its own conversation.
    @discardableResult
    public func selectAgent(_ id: String) -> Agent? {
        guard let a = handshake?.agents.first(where: { $0.chatbotID == id }) else { return nil }
        agent = a
        continuation.yield(.agentSelected(a))
        return a
    }

    // MARK: Turns

    /// Sends a message to the current agent and streams the answer as events.
    /// Returns the finished turn. Only one turn runs at a time: a send while another
    /// is running first stops that one.
    @discardableResult
    public func send(_ text: String) async -> Turn {
        await send(text, versionOf: nil)
    }

    /// Sends a message as a new version of turn `versionOf` (asked again or edited): an
    /// ordinary turn in the same session, marked so (the transcript keeps the versions).
    @discardableResult
    public func send(_ text: String, versionOf: Int?) async -> Turn {
        if let running = current {
            running.task.cancel()
            _ = await running.task.value
        }
        if handshake == nil {
            if case .failure(let e) = await connect() {
                let t = failedTurn(text, error: e, versionOf: versionOf)
                return t
            }
        }
        guard let agent else {
            return failedTurn(text, error: .badHandshake("no agent to talk to."), versionOf: versionOf)
        }
        let id = nextTurnID
        nextTurnID += 1
        var turn = Turn(id: id, agentID: agent.chatbotID, agentName: agent.name, userText: text)
        turn.versionOf = versionOf
        continuation.yield(.turnStarted(turn))
        let task = Task { await self.run(turn) }
        current = (id, task)
        running[id] = task
        let finished = await task.value
        running[id] = nil
        if current?.id == id { current = nil }
        return finished
    }

    func failedTurn(_ text: String, error: RobofyError, versionOf: Int? = nil) -> Turn {
        let id = nextTurnID
        nextTurnID += 1
        var t = Turn(id: id, agentID: agent?.chatbotID ?? "", agentName: agent?.name ?? "", userText: text)
        t.versionOf = versionOf
        continuation.yield(.turnStarted(t))
        var acc = TurnAccumulator(turn: t)
        return finish(&acc, .failed(error.userMessage, announce: false), duration: nil)
    }

    /// Stops the turn in flight. Its partial answer stays, marked stopped.
    public func cancel() {
        current?.task.cancel()
    }

    /// The answer of turn `turnID` fell silent for the stall timeout: its task is stopped,
    /// and the turn ends as stalled (`StallWatch`).
    func stopStalled(turnID: Int) {
        running[turnID]?.cancel()
    }

    /// Forgets the current agent's session id: the next message starts a new conversation.
    public func endSession() async {
        await stopCurrent()
        guard let agent else { return }
        sessionIDs[agent.chatbotID] = nil
        continuation.yield(.sessionEnded(agentID: agent.chatbotID))
    }

    /// Forgets the current agent's session id and its transcript.
    public func reset() async {
        await stopCurrent()
        guard let agent else { return }
        sessionIDs[agent.chatbotID] = nil
        transcripts[agent.chatbotID] = []
        continuation.yield(.chatReset(agentID: agent.chatbotID))
    }

    func stopCurrent() async {
        if let running = current {
            running.task.cancel()
            _ = await running.task.value
        }
    }

    /// Ends the event stream and releases the HTTP client.
    public func close() async {
        closing = true
        await stopCurrent()
        continuation.finish()
        await client.shutdown()
    }

    func record(_ t: Turn) {
        transcripts[t.agentID, default: []].append(t)
    }

    /// The longest prefix of `s` of at most `bytes` UTF-8 bytes that ends on a scalar boundary.
    static func prefix(_ s: String, bytes: Int) -> String {
        let utf8 = s.utf8
        guard utf8.count > bytes else { return s }
        var end = utf8.index(utf8.startIndex, offsetBy: max(bytes, 0))
        // Back off continuation bytes (10xxxxxx) to the start of a scalar.
        while end > utf8.startIndex, utf8[end] & 0xC0 == 0x80 { end = utf8.index(before: end) }
        return String(decoding: utf8[..<end], as: UTF8.self)
    }

    func delayFor(_ error: RobofyError, attempt: Int) -> Double {
        // `retryAfter` went through `NetNumber` (finite, >= 0); the policy's numbers may be anything.
        let cap = retry.maxDelay.isFinite ? max(retry.maxDelay, 0) : 10
        if let ra = error.retryAfter, ra.isFinite { return min(max(ra, 0), cap) }
        let backoff = retry.baseDelay * pow(2, Double(min(max(attempt - 1, 0), 30)))
        return backoff.isFinite ? min(max(backoff, 0), cap) : cap
    }
}
