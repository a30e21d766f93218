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

/// How the session retries failures that may pass (429, 5xx, refused connections).
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
    private var tokenExpiry: Date?
    public private(set) var handshake: Handshake?
    public private(set) var agent: Agent?
    private var sessionIDs: [String: String] = [:]
    private var transcripts: [String: [Turn]] = [:]
    private var nextTurnID = 1
    private var current: (id: Int, task: Task<Turn, Never>)?
    private var connecting: Task<Result<Handshake, RobofyError>, Never>?

    /// Largest answer kept (8 MiB of text). A longer one is stopped there: the first 8 MiB
    /// are kept, the turn is `interrupted` with `RobofyError.answerTooLarge`'s message.
    public static let maxAnswerBytes = 8 << 20
    /// `close` was called: a turn stopped now was cut off by the program quitting, not by the user.
    private var closing = false
    private let clock = ContinuousClock()
    /// A handshake given up front (`preview --handshake FILE`): `connect()` adopts it and asks no server.
    private let preset: Handshake?

    /// `taps` see every event, in order, before `events` delivers it (autosave, event log).
    public init(client: RobofyClient, retry: RetryPolicy = .init(),
                logger: Logger = Logger(label: "robofy.session", factory: { _ in SwiftLogNoOpLogHandler() }),
                taps: [SessionEventTap] = [], preset: Handshake? = nil) {
        self.client = client
        self.preset = preset
        self.retry = retry
        self.logger = logger
        let queue = SessionEventQueue()
        events = queue.stream
        continuation = SessionEventSink(queue: queue, taps: taps)
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
                do { try await Task.sleep(for: .milliseconds(NetNumber.milliseconds(delay))) } catch { throw .cancelled }
            }
        }
    }

    func adopt(_ h: Handshake) {
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
        if let running = current {
            running.task.cancel()
            _ = await running.task.value
        }
        if handshake == nil {
            if case .failure(let e) = await connect() {
                let t = failedTurn(text, error: e)
                return t
            }
        }
        guard let agent else {
            return failedTurn(text, error: .badHandshake("no agent to talk to."))
        }
        let id = nextTurnID
        nextTurnID += 1
        let turn = Turn(id: id, agentID: agent.chatbotID, agentName: agent.name, userText: text)
        continuation.yield(.turnStarted(turn))
        let task = Task { await self.run(turn) }
        current = (id, task)
        let finished = await task.value
        if current?.id == id { current = nil }
        return finished
    }

    func failedTurn(_ text: String, error: RobofyError) -> Turn {
        let id = nextTurnID
        nextTurnID += 1
        var t = Turn(id: id, agentID: agent?.chatbotID ?? "", agentName: agent?.name ?? "", userText: text)
        continuation.yield(.turnStarted(t))
        t.errors.append(error.userMessage)
        t.status = .failed
        t.finishedAt = Date()
        record(t)
        continuation.yield(.turnFinished(t))
        return t
    }

    /// Stops the turn in flight. Its partial answer stays, marked stopped.
    public func cancel() {
        current?.task.cancel()
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

    private func record(_ t: Turn) {
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

    private func delayFor(_ error: RobofyError, attempt: Int) -> Double {
        // `retryAfter` went through `NetNumber` (finite, >= 0); the policy's numbers may be anything.
        let cap = retry.maxDelay.isFinite ? max(retry.maxDelay, 0) : 10
        if let ra = error.retryAfter, ra.isFinite { return min(max(ra, 0), cap) }
        let backoff = retry.baseDelay * pow(2, Double(min(max(attempt - 1, 0), 30)))
        return backoff.isFinite ? min(max(backoff, 0), cap) : cap
    }

    private func run(_ start: Turn) async -> Turn {
        var acc = TurnAccumulator(turn: start)
        let began = clock.now
        func since() -> Double {
            let d = clock.now - began
            return Double(d.components.seconds) + Double(d.components.attoseconds) / 1e18
        }
        var attempt = 0
        var reauthenticated = false
        outer: while true {
            if Task.isCancelled {
                acc.close(.stopped, duration: since())
                break
            }
            // Renew a token that is about to expire.
            if let exp = tokenExpiry, exp.timeIntervalSinceNow < 30 {
                if let h = try? await handshakeWithRetry() { continuation.yield(.reauthenticated(h)) }
            }
            guard let token else {
                acc.addError("Not connected. Press Ctrl-R to reconnect.")
                acc.close(.failed, duration: since())
                break
            }
            let request = ChatRequest(query: start.userText, chatbotID: start.agentID,
                                      sessionID: sessionIDs[start.agentID])
            do {
                let (info, stream) = try await client.send(request, token: token)
                acc.noteFirstByte(since())
                continuation.yield(.response(turnID: start.id, info))
                // The chunks that arrived together are delivered together, as one `.chunks`
                // event followed by their changes (consecutive text joined): a consumer then
                // handles one batch per network read, not thousands of events a second.
                var batch: [ChunkEvent] = []
                var batchOffset = 0.0
                var changes: [TurnChange] = []
                var text = ""
                func flushText() {
                    if !text.isEmpty {
                        changes.append(.text(text))
                        text = ""
                    }
                }
                func deliver() {
                    flushText()
                    if !batch.isEmpty {
                        continuation.yield(.chunks(turnID: start.id, batch, offset: batchOffset))
                        batch = []
                    }
                    for c in changes { continuation.yield(.change(turnID: start.id, c)) }
                    changes.removeAll(keepingCapacity: true)
                }
                // How the body ended: only `finish` (or `[DONE]`, for servers that send no
                // finish) or `abort` make an answer that arrived whole.
                var ended = false
                var capped = false
                func fail(_ error: RobofyError, empty: TurnStatus) {
                    acc.addError(error.userMessage)
                    continuation.yield(.change(turnID: start.id, .error(error.userMessage)))
                    let nothing = acc.turn.answer.isEmpty && acc.turn.tools.isEmpty
                    acc.close(nothing ? empty : .interrupted, duration: since())
                }
                do {
                    var chunks = stream.makeAsyncIterator()
                    reading: while let events = try await chunks.nextBatch() {
                        batchOffset = since()
                        batch.reserveCapacity(events.count)
                        for event in events {
                            batch.append(event)
                            var chunk = event.chunk
                            switch chunk {
                            case .finish, .done, .abort: ended = true
                            case .textDelta(let id, let delta):
                                let room = Self.maxAnswerBytes - acc.turn.answer.utf8.count
                                if delta.utf8.count > room {
                                    chunk = .textDelta(id: id, delta: Self.prefix(delta, bytes: max(room, 0)))
                                    capped = true
                                }
                            default: break
                            }
                            let change = acc.apply(chunk)
                            if case .text(let piece) = change {
                                acc.noteFirstText(batchOffset)
                                text += piece
                            } else if change != .ignored {
                                if case .sessionID(let sid) = change { sessionIDs[start.agentID] = sid }
                                flushText()
                                changes.append(change)
                            }
                            if Task.isCancelled || capped { break }
                        }
                        deliver()
                        if Task.isCancelled || capped { break reading }
                    }
                } catch {
                    // (Every batch was delivered as it was read.)
                    if Task.isCancelled || error == .cancelled {
                        acc.close(.stopped, duration: since())
                    } else if ended {
                        // `finish` arrived; only the tail ([DONE], data-session) broke off.
                        acc.close(acc.turn.answer.isEmpty && !acc.turn.errors.isEmpty ? .failed : .complete,
                                  duration: since())
                    } else {
                        fail(error, empty: .failed)
                    }
                    break outer
                }
                if Task.isCancelled {
                    acc.close(.stopped, duration: since())
                } else if capped {
                    fail(.answerTooLarge(limit: Self.maxAnswerBytes), empty: .interrupted)
                } else if !ended {
                    // The body just ended: whatever arrived is a partial answer, never a complete one.
                    // With nothing at all it failed (nothing usable arrived).
                    fail(.cutOff(reason: "the stream ended without finish"), empty: .failed)
                } else if acc.turn.answer.isEmpty && !acc.turn.errors.isEmpty {
                    acc.close(.failed, duration: since())
                } else {
                    acc.close(.complete, duration: since())
                }
                break
            } catch {
                if Task.isCancelled || error == .cancelled {
                    acc.close(.stopped, duration: since())
                    break
                }
                if error.status == 401 && !reauthenticated {
                    reauthenticated = true
                    logger.info("token refused; handshaking again")
                    do {
                        let h = try await handshakeWithRetry()
                        continuation.yield(.reauthenticated(h))
                        continue outer
                    } catch {
                        acc.addError(error.userMessage)
                        acc.close(.failed, duration: since())
                        break
                    }
                }
                if error.isRetryable && attempt < retry.maxRetries {
                    attempt += 1
                    let delay = delayFor(error, attempt: attempt)
                    // The reason without the server's "wait N s": the delay said here is the real one.
                    continuation.yield(.retrying(turnID: start.id, reason: error.retryReason, delay: delay))
                    do {
                        try await Task.sleep(for: .milliseconds(NetNumber.milliseconds(delay)))
                    } catch {
                        acc.close(.stopped, duration: since())
                        break
                    }
                    continue outer
                }
                acc.addError(error.userMessage)
                continuation.yield(.change(turnID: start.id, .error(error.userMessage)))
                acc.close(.failed, duration: since())
                break
            }
        }
        if closing, acc.turn.status == .stopped {
            acc.addError("The program quit while the answer was arriving; the partial answer is kept.")
            acc.close(.interrupted, duration: since())
        }
        let finished = acc.turn
        record(finished)
        logger.info("turn finished", metadata: [
            "turn": "\(finished.id)", "status": "\(finished.status.rawValue)",
            "chars": "\(finished.characterCount)", "finishReason": "\(finished.finishReason ?? "-")",
        ])
        continuation.yield(.turnFinished(finished))
        return finished
    }
}
