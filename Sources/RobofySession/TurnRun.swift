import Foundation
import Logging
import RobofyAPI

/// How a turn ended, as found by its attempts and its stream; `ChatSession.finish` turns it
/// into the verdict (the one place a turn's status is set).
enum TurnEnd: Sendable, Equatable {
    /// The stream said the answer is whole (`finish`, `[DONE]` or `abort`). `complete`, unless
    /// nothing but errors came (then `failed`).
    case ended
    /// Stopped (the user, a watchdog, a send that replaced it); `interrupted` when the program quit.
    case stopped
    /// Nothing usable: the message is added to the turn's errors (and sent as a `.change` when `announce`).
    case failed(String, announce: Bool)
    /// The stream broke off, outgrew a limit or ended without `finish`: what arrived is kept,
    /// `interrupted` (or `whenEmpty` when no text and no tool arrived).
    case cut(RobofyError, whenEmpty: TurnStatus)
}

/// What to do after a request failed before its answer began.
enum Recovery: Sendable, Equatable {
    case again
    case end(TurnEnd)
}

extension Clock where Duration == Swift.Duration {
    /// A function that tells the time passed on this clock since the call.
    public func stopwatch() -> @Sendable () -> Swift.Duration {
        let start = now
        return { start.duration(to: self.now) }
    }
}

extension ChatSession {
    /// Runs one turn: attempts (with retries and a re-handshake), the stream, then the verdict.
    func run(_ start: Turn) async -> Turn {
        var acc = TurnAccumulator(turn: start)
        continuation.yield(.answer(turnID: start.id, acc.answer))
        let elapsed = clock.stopwatch()
        let since: @Sendable () -> Double = { elapsed() / .seconds(1) }
        let end = await attempts(&acc, since: since)
        return finish(&acc, end, duration: since())
    }

    /// Sends the request until it is answered, given up, or stopped; then reads the answer.
    private func attempts(_ acc: inout TurnAccumulator, since: @Sendable () -> Double) async -> TurnEnd {
        let start = acc.turn
        var attempt = 0
        var reauthenticated = false
        while true {
            if Task.isCancelled { return .stopped }
            // Renew a token that is about to expire.
            if let exp = tokenExpiry, exp.timeIntervalSinceNow < 30 {
                if let h = try? await handshakeWithRetry() { continuation.yield(.reauthenticated(h)) }
            }
            guard let token else { return .failed("Not connected. Press Ctrl-R to reconnect.", announce: false) }
            let request = ChatRequest(query: start.userText, chatbotID: start.agentID,
                                      sessionID: sessionIDs[start.agentID])
            let answer: (ResponseInfo, ChunkStream)
            do {
                answer = try await client.send(request, token: token)
            } catch {
                switch await recover(from: error, turnID: start.id, attempt: &attempt, reauthenticated: &reauthenticated) {
                case .again: continue
                case .end(let end): return end
                }
            }
            acc.noteFirstByte(since())
            continuation.yield(.response(turnID: start.id, answer.0))
            // Read on the client's event loop: each read is decoded and handed on by the
            // thread that receives it (`EventLoopTaskExecutor`), not by a thread woken for it.
            return await withTaskExecutorPreference(client.executor) {
                await client.executor.enter()
                return await stream(answer.1, into: &acc, since: since)
            }
        }
    }

    /// After a request failed: handshake again once on a 401, wait and retry what may pass.
    private func recover(from error: RobofyError, turnID: Int, attempt: inout Int,
                         reauthenticated: inout Bool) async -> Recovery {
        if Task.isCancelled || error == .cancelled { return .end(.stopped) }
        if error.status == 401 && !reauthenticated {
            reauthenticated = true
            logger.info("token refused; handshaking again")
            do {
                let h = try await handshakeWithRetry()
                continuation.yield(.reauthenticated(h))
                return .again
            } catch {
                return .end(.failed(error.userMessage, announce: false))
            }
        }
        if error.isRetryable && attempt < retry.maxRetries {
            attempt += 1
            let delay = delayFor(error, attempt: attempt)
            // The reason without the server's "wait N s": the delay said here is the real one.
            continuation.yield(.retrying(turnID: turnID, reason: error.retryReason, delay: delay))
            do {
                try await clock.sleep(for: .milliseconds(NetNumber.milliseconds(delay)))
            } catch {
                return .end(.stopped)
            }
            return .again
        }
        return .end(.failed(error.userMessage, announce: true))
    }

    /// Reads the answer, applying each chunk to the turn. The chunks that arrived together are
    /// delivered together, as one `.chunks` event followed by their changes (consecutive text
    /// joined): a consumer then handles one batch per network read, not thousands of events a
    /// second, and the `text-delta`s of a read come joined as runs (``ChunkEvent/eventCount``).
    private func stream(_ stream: ChunkStream, into acc: inout TurnAccumulator,
                        since: @Sendable () -> Double) async -> TurnEnd {
        let turnID = acc.turn.id, agentID = acc.turn.agentID
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
            var events: [SessionEvent] = []
            events.reserveCapacity(changes.count + 1)
            if !batch.isEmpty {
                events.append(.chunks(turnID: turnID, batch, offset: batchOffset))
                batch = []
            }
            for c in changes { events.append(.change(turnID: turnID, c)) }
            changes.removeAll(keepingCapacity: true)
            // Together: the UI is woken once they are all in its mailbox.
            continuation.yield(contentsOf: events)
        }
        // How the body ended: only `finish` (or `[DONE]`, for servers that send no
        // finish) or `abort` make an answer that arrived whole.
        var ended = false
        var capped = false
        // A silence of the stall timeout stops the turn's task, which ends the read; the turn is
        // then cut off as stalled, not stopped by the user.
        let watch = stream.stallWatch
        watch?.start { [weak self] in Task { await self?.stopStalled(turnID: turnID) } }
        defer { watch?.stop() }
        func stalled() -> TurnEnd? {
            guard let watch, watch.stalled else { return nil }
            return ended ? .ended : .cut(.stalled(seconds: watch.seconds), whenEmpty: .failed)
        }
        do {
            var chunks = stream.makeBatchIterator()
            reading: while let events = try await chunks.nextBatch() {
                batchOffset = since()
                batch.reserveCapacity(events.count)
                for event in events {
                    batch.append(event)
                    var chunk = event.chunk
                    switch chunk {
                    case .finish, .done, .abort: ended = true
                    case .textDelta(let id, let delta):
                        let room = Self.maxAnswerBytes - acc.answer.utf8Count
                        if delta.utf8.count > room {
                            chunk = .textDelta(id: id, delta: Self.prefix(delta, bytes: max(room, 0)))
                            capped = true
                            // Of a run, the events after the one the answer stops in were not read.
                            if let ends = event.deltaEnds, let k = ends.firstIndex(where: { Int($0) > max(room, 0) }) {
                                batch[batch.count - 1] = event.slice(0..<(k + 1))
                            }
                        }
                    default: break
                    }
                    let change = acc.apply(chunk)
                    if case .text(let piece) = change {
                        acc.noteFirstText(batchOffset)
                        text += piece
                    } else if change != .ignored {
                        if case .sessionID(let sid) = change { sessionIDs[agentID] = sid }
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
            if let end = stalled() { return end }
            if Task.isCancelled || error == .cancelled { return .stopped }
            // After `finish` only the tail ([DONE], data-session) broke off.
            return ended ? .ended : .cut(error, whenEmpty: .failed)
        }
        if let end = stalled() { return end }
        if Task.isCancelled { return .stopped }
        if capped { return .cut(.answerTooLarge(limit: Self.maxAnswerBytes), whenEmpty: .interrupted) }
        // The body just ended without `finish`: whatever arrived is a partial answer, never a
        // complete one. With nothing at all it failed (nothing usable arrived).
        if !ended { return .cut(.cutOff(reason: "the stream ended without finish"), whenEmpty: .failed) }
        return .ended
    }

    /// The one place a turn is closed: sets the verdict from how it ended, records the turn and
    /// reports it. `complete` only when the stream said the answer is whole.
    func finish(_ acc: inout TurnAccumulator, _ end: TurnEnd, duration: Double?) -> Turn {
        // The answer's last word, held back until no more text could complete a token in it.
        for rest in acc.releaseHeldText() { continuation.yield(.change(turnID: acc.turn.id, rest)) }
        let status: TurnStatus
        switch end {
        case .ended:
            status = acc.answer.isEmpty && !acc.turn.errors.isEmpty ? .failed : .complete
        case .stopped where closing:
            acc.addError("The program quit while the answer was arriving; the partial answer is kept.")
            status = .interrupted
        case .stopped:
            status = .stopped
        case .failed(let message, let announce):
            acc.addError(message)
            if announce { continuation.yield(.change(turnID: acc.turn.id, .error(message))) }
            status = .failed
        case .cut(let error, let whenEmpty):
            acc.addError(error.userMessage)
            continuation.yield(.change(turnID: acc.turn.id, .error(error.userMessage)))
            let nothing = acc.answer.isEmpty && acc.turn.tools.isEmpty
            status = nothing ? whenEmpty : .interrupted
        }
        acc.close(status, duration: duration)
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
