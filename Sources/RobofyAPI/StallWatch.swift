// RobofyAPI: the stall timeout of a body being read — a silence longer than `seconds` between
// two reads — kept by one lazy timer instead of a timer reset at every read.
import Foundation
import NIOConcurrencyHelpers
import NIOCore
import Synchronization

/// Watches a body being read for a silence of `seconds` or more.
///
/// AsyncHTTPClient's read timeout did this by cancelling its timer and scheduling a new one at
/// every read: at 50 reads a second that was about 4 % of the UI's CPU for a paced answer. Here
/// a read only stores the time (`touch`); the one timer, when it fires, looks at the time of the
/// last read and either declares the stall or sets itself again for that read's deadline. A
/// stall is found between `seconds` and `seconds` plus a timer's lateness after the last read.
public final class StallWatch: Sendable {
    public let seconds: Double
    private let loop: any EventLoop
    /// When the body was last read (`NIODeadline` uptime nanoseconds).
    private let lastRead = Atomic<UInt64>(0)
    private let stalledFlag = Atomic<Bool>(false)
    private let state = NIOLockedValueBox<(timer: Scheduled<Void>?, started: Bool, stopped: Bool)>((nil, false, false))

    public init(seconds: Double, loop: any EventLoop) {
        self.seconds = seconds
        self.loop = loop
    }

    /// The body was read just now.
    @inline(__always)
    public func touch() {
        lastRead.store(NIODeadline.now().uptimeNanoseconds, ordering: .relaxed)
    }

    /// True once a silence of `seconds` was found.
    public var stalled: Bool { stalledFlag.load(ordering: .relaxed) }

    /// The silence allowed, in nanoseconds: as every timeout here (`NetNumber.milliseconds`,
    /// at most a day), and at least 1 ms (NaN, 0 and negatives allow none).
    var allowed: Int64 { Int64(max(1, NetNumber.milliseconds(seconds))) * 1_000_000 }

    /// Starts watching from now; `onStall` is called once, on the event loop, when the body has
    /// been silent for `seconds`. Calling it again does nothing.
    public func start(onStall: @escaping @Sendable () -> Void) {
        let first = state.withLockedValue { s in
            defer { s.started = true }
            return !s.started
        }
        guard first else { return }
        touch()
        arm(after: lastRead.load(ordering: .relaxed), onStall: onStall)
    }

    /// Stops watching (the body ended, or its reader went away).
    public func stop() {
        let timer = state.withLockedValue { s -> Scheduled<Void>? in
            s.stopped = true
            defer { s.timer = nil }
            return s.timer
        }
        timer?.cancel()
    }

    /// Sets the timer for `seconds` after the read at `from` (uptime nanoseconds).
    private func arm(after from: UInt64, onStall: @escaping @Sendable () -> Void) {
        let due = from + UInt64(allowed)
        state.withLockedValue { s in
            guard !s.stopped else { return }
            s.timer = loop.scheduleTask(deadline: .uptimeNanoseconds(due)) { [self] in check(due: due, onStall: onStall) }
        }
    }

    /// The timer due at `due` fired. A timer that fired later than half the timeout after it was
    /// due (the process was stopped, with ^Z, or the machine slept) gives the body a new window
    /// from now instead: data may be waiting in the socket that its reader has not had the time
    /// to read. What was decided under the lock holds: after `stop`, no stall is reported.
    private func check(due: UInt64, onStall: @escaping @Sendable () -> Void) {
        let now = NIODeadline.now().uptimeNanoseconds
        if now > due, now - due > UInt64(allowed / 2) { touch() }
        let last = lastRead.load(ordering: .relaxed)
        let stalled = state.withLockedValue { s -> Bool in
            guard !s.stopped else { return false }
            s.timer = nil
            guard now >= last, now - last >= UInt64(allowed) else { return false }
            stalledFlag.store(true, ordering: .relaxed)
            s.stopped = true
            return true
        }
        if stalled {
            onStall()
        } else if !state.withLockedValue({ $0.stopped }) {
            arm(after: last, onStall: onStall)
        }
    }
}
