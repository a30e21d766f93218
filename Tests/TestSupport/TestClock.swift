import NIOConcurrencyHelpers

/// A clock that moves only when a test says so (`advance(by:)`): retry waits and watchdogs
/// run without real seconds passing. Sleepers wake, in deadline order, once the clock
/// reaches their deadline; a cancelled sleeper throws `CancellationError` at once.
/// (Shared with QATests through a link to this file; to move to TestSupport.)
public final class TestClock: Clock, Sendable {
    public struct Instant: InstantProtocol {
        public var offset: Duration
        public init(offset: Duration) { self.offset = offset }
        public func advanced(by duration: Duration) -> Instant { Instant(offset: offset + duration) }
        public func duration(to other: Instant) -> Duration { other.offset - offset }
        public static func < (a: Instant, b: Instant) -> Bool { a.offset < b.offset }
    }

    private struct Sleeper {
        var id: Int
        var deadline: Instant
        var continuation: CheckedContinuation<Void, any Error>
    }

    private struct State {
        var now = Instant(offset: .zero)
        var nextID = 0
        var sleepers: [Sleeper] = []
        var cancelled: Set<Int> = []
        /// Every sleep asked for so far (for tests that check the waits).
        var slept: [Duration] = []
    }

    private let state = NIOLockedValueBox(State())

    public init() {}

    public var now: Instant { state.withLockedValue { $0.now } }
    public var minimumResolution: Duration { .zero }

    /// Every sleep asked for so far, in order.
    public var sleeps: [Duration] { state.withLockedValue { $0.slept } }

    /// How many are asleep now.
    public var sleeperCount: Int { state.withLockedValue { $0.sleepers.count } }

    public func sleep(until deadline: Instant, tolerance: Duration? = nil) async throws {
        let id = state.withLockedValue { s in
            s.nextID += 1
            s.slept.append(s.now.duration(to: deadline))
            return s.nextID
        }
        try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (c: CheckedContinuation<Void, any Error>) in
                let resume: Result<Void, any Error>? = state.withLockedValue { s in
                    if s.cancelled.remove(id) != nil { return .failure(CancellationError()) }
                    if deadline <= s.now { return .success(()) }
                    s.sleepers.append(Sleeper(id: id, deadline: deadline, continuation: c))
                    return nil
                }
                if let resume { c.resume(with: resume) }
            }
        } onCancel: {
            let sleeper: Sleeper? = state.withLockedValue { s in
                guard let i = s.sleepers.firstIndex(where: { $0.id == id }) else {
                    s.cancelled.insert(id)  // not asleep yet: refused when it gets there
                    return nil
                }
                return s.sleepers.remove(at: i)
            }
            sleeper?.continuation.resume(throwing: CancellationError())
        }
    }

    /// Moves the clock on and wakes every sleeper whose deadline has come.
    public func advance(by duration: Duration) {
        let due: [Sleeper] = state.withLockedValue { s in
            s.now = s.now.advanced(by: duration)
            let now = s.now
            let due = s.sleepers.filter { $0.deadline <= now }.sorted { $0.deadline < $1.deadline }
            s.sleepers.removeAll { $0.deadline <= now }
            return due
        }
        for sleeper in due { sleeper.continuation.resume() }
    }

    /// Moves the clock on to `deadline` (if it is later) and wakes who is due.
    public func advance(to deadline: Instant) {
        advance(by: max(now.duration(to: deadline), .zero))
    }

    /// Runs `body` and, while it runs, moves the clock to each sleeper's deadline as soon as it
    /// sleeps: every wait passes at once, in order. Returns what `body` returned.
    public func running<T: Sendable>(_ body: @escaping @Sendable () async -> T) async -> T {
        let done = NIOLockedValueBox(false)
        let task = Task {
            let r = await body()
            done.withLockedValue { $0 = true }
            return r
        }
        while !done.withLockedValue({ $0 }) {
            if let next = state.withLockedValue({ $0.sleepers.map(\.deadline).min() }) { advance(to: next) }
            try? await Task.sleep(for: .milliseconds(2))
        }
        return await task.value
    }

    /// Waits (polling, up to `timeout` real seconds) until `count` tasks sleep on this clock.
    public func waitForSleepers(_ count: Int = 1, timeout: Double = 30) async -> Bool {
        let deadline = ContinuousClock.now + .milliseconds(Int(timeout * 1000))
        while ContinuousClock.now < deadline {
            if sleeperCount >= count { return true }
            try? await Task.sleep(for: .milliseconds(5))
        }
        return sleeperCount >= count
    }
}
