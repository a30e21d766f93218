import Foundation
import RobofyAPI
import RobofySession
import Terminal
import WidgetUI

/// A session that answers from a script: connects at once, and streams `answer` (in
/// `pieces`) for each message sent. Records what the runtime asked of it.
actor FakeSession: ChatSessionProtocol {
    nonisolated let events: AsyncStream<SessionEvent>
    /// The same queue `ChatSession` reports through (`deliver(to:)` hands events straight on).
    private nonisolated let queue = AsyncEventQueue<SessionEvent>()
    let agent = Agent(chatbotID: "fake", name: "Fakey", greeting: "Hello from the fake agent")
    var pieces: [String] = ["The answer ", "streams ", "in."]
    private(set) var sent: [String] = []
    private(set) var cancelled = 0
    private(set) var closed = false
    /// Connections made: each one's events are in the runtime's mailbox (or applied) by then.
    private(set) var connects = 0
    private var nextTurn = 1

    /// `direct`: the events go straight to the runtime's mailbox, as `ChatSession`'s do
    /// (`emit` has put an event there when it returns); else through `events`.
    private nonisolated let direct: Bool

    init(direct: Bool = true) {
        events = queue.stream
        self.direct = direct
    }

    nonisolated func deliverEvents(directlyTo handler: @escaping @Sendable (SessionEvent, _ last: Bool) -> Void) -> Bool {
        guard direct else { return false }
        queue.deliver(batchedTo: handler)
        return true
    }

    private nonisolated func yield(_ e: SessionEvent) { queue.yield(e) }

    func setPieces(_ p: [String]) { pieces = p }

    /// Reports `e` as if the session had (a turn held open, an answer arriving piece by piece).
    nonisolated func emit(_ e: SessionEvent) { yield(e) }

    @discardableResult func connect() async -> Result<Handshake, RobofyError> {
        let h = Handshake(token: "secret-token", agents: [agent])
        yield(.connecting)
        yield(.connected(h))
        yield(.agentSelected(agent))
        connects += 1
        return .success(h)
    }

    @discardableResult func send(_ text: String) async -> Turn {
        sent.append(text)
        var turn = Turn(id: nextTurn, agentID: agent.chatbotID, agentName: agent.name, userText: text)
        nextTurn += 1
        yield(.turnStarted(turn))
        for p in pieces {
            turn.answer += p
            yield(.change(turnID: turn.id, .text(p)))
        }
        turn.status = .complete
        yield(.change(turnID: turn.id, .finished(reason: "stop")))
        yield(.turnFinished(turn))
        return turn
    }

    func cancel() async { cancelled += 1 }
    @discardableResult func selectAgent(_ id: String) async -> Agent? { id == agent.chatbotID ? agent : nil }
    func endSession() async {}
    func reset() async {}

    func close() async {
        closed = true
        queue.finish()
    }
}

/// A clock that moves only when told (`advance`): timers fire then, in order of their time.
final class ManualClock: RuntimeClock, @unchecked Sendable {
    private struct Entry {
        var due: Duration
        var interval: Duration?
        var action: @Sendable () -> Void
    }

    private let lock = NSLock()
    private var time: Duration = .zero
    private var entries: [Int: Entry] = [:]
    private var nextID = 0

    var now: Duration { lock.withLock { time } }

    /// Repeating timers running (the loader's clock).
    var repeating: Int { lock.withLock { entries.values.filter { $0.interval != nil }.count } }

    /// One-shot timers set and not yet fired or cancelled (a frame waiting for its time).
    var oneShotsPending: Int { lock.withLock { entries.values.filter { $0.interval == nil }.count } }

    /// One-shot timers made so far (`after`).
    var oneShotsMade: Int { lock.withLock { oneShots } }
    private var oneShots = 0

    func after(_ delay: Duration, _ action: @escaping @Sendable () -> Void) -> any RuntimeTimer {
        lock.withLock { oneShots += 1 }
        return add(Entry(due: now + delay, interval: nil, action: action))
    }

    func every(_ interval: Duration, _ action: @escaping @Sendable () -> Void) -> any RuntimeTimer {
        add(Entry(due: now + interval, interval: interval, action: action))
    }

    private func add(_ e: Entry) -> any RuntimeTimer {
        let id = lock.withLock {
            nextID += 1
            entries[nextID] = e
            return nextID
        }
        return Timer(clock: self, id: id)
    }

    /// Moves time on by `d` without firing any timer (time that a frame took): timers due
    /// meanwhile fire at the next `advance`.
    func pass(_ d: Duration) {
        lock.withLock { time += d }
    }

    /// Moves time on by `d`, firing each timer due meanwhile at its time.
    func advance(by d: Duration) {
        let end = now + d
        while true {
            let next: (@Sendable () -> Void)? = lock.withLock {
                guard let (id, e) = entries.filter({ $0.value.due <= end }).min(by: { $0.value.due < $1.value.due })
                else { return nil }
                time = max(time, e.due)
                if let i = e.interval { entries[id]?.due = e.due + i } else { entries[id] = nil }
                return e.action
            }
            guard let next else { break }
            next()
        }
        lock.withLock { time = end }
    }

    struct Timer: RuntimeTimer {
        let clock: ManualClock
        let id: Int
        func cancel() { clock.lock.withLock { _ = clock.entries.removeValue(forKey: id) } }
    }
}
