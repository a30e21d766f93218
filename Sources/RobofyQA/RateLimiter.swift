import Foundation
import RobofySession

/// One limiter for a whole suite, keyed by target (base URL): when any job is answered
/// 429 with `Retry-After`, every job to that target waits until then before its next
/// turn; with a rate, turn starts to a target are spaced at least `1/rate` seconds apart.
public actor RateLimiter {
    /// Turn starts per second per target (nil: no ceiling).
    public nonisolated let rate: Double?
    private var heldUntil: [String: ContinuousClock.Instant] = [:]
    private var nextStart: [String: ContinuousClock.Instant] = [:]
    /// Turns that waited for a target's `Retry-After`.
    public private(set) var retryAfterWaits = 0
    /// 429 answers reported, across all jobs.
    public private(set) var rateLimited = 0

    public init(rate: Double? = nil) {
        self.rate = rate.flatMap { $0 > 0 && $0.isFinite ? $0 : nil }
    }

    /// Waits until a turn to `target` may start.
    public func beforeTurn(_ target: String) async {
        let clock = ContinuousClock()
        var waited = false
        // A 429 reported while this job waited holds it again.
        while let until = heldUntil[target], until > clock.now {
            waited = true
            try? await Task.sleep(until: until, clock: clock)
            if Task.isCancelled { return }
        }
        if waited { retryAfterWaits += 1 }
        guard let rate else { return }
        let now = clock.now
        let slot = max(now, nextStart[target] ?? now)
        nextStart[target] = slot + .seconds(1 / rate)
        if slot > now { try? await Task.sleep(until: slot, clock: clock) }
    }

    /// A job was answered 429: hold every job to `target` for `seconds`.
    public func rateLimited(_ target: String, seconds: Double) {
        rateLimited += 1
        let s = seconds.isFinite ? min(max(seconds, 0), NetLimits.maxHoldSeconds) : NetLimits.maxHoldSeconds
        let until = ContinuousClock.now + .milliseconds(Int(s * 1000))
        if until > heldUntil[target] ?? .now { heldUntil[target] = until }
    }

    /// A session tap that reports the 429s a session retries.
    public nonisolated func tap(target: String) -> SessionEventTap {
        { [self] event in
            if case .retrying(_, let reason, let delay) = event, reason.hasPrefix("the server answered 429") {
                Task { await self.rateLimited(target, seconds: delay) }
            }
        }
    }
}

enum NetLimits {
    /// The longest a suite holds a target for one 429 (the session caps its own wait too).
    static let maxHoldSeconds = 60.0
}
