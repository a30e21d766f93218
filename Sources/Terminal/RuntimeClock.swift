import Dispatch
import Foundation

/// The runtime's time: what time it is, and timers (the frame clock, the loader's ticks, the
/// status line's expiry, the wait for the session to close). Production uses `SystemClock`;
/// tests a manual clock, so that no test waits real seconds.
public protocol RuntimeClock: Sendable {
    /// Time since the clock was made.
    var now: Duration { get }
    /// Runs `action` once, `delay` from now, on any thread.
    func after(_ delay: Duration, _ action: @escaping @Sendable () -> Void) -> any RuntimeTimer
    /// Runs `action` every `interval` until cancelled, on any thread.
    func every(_ interval: Duration, _ action: @escaping @Sendable () -> Void) -> any RuntimeTimer
}

/// A timer from a `RuntimeClock`.
public protocol RuntimeTimer: Sendable {
    func cancel()
}

/// `ContinuousClock` for the time; timers on the main dispatch queue (a tick wakes the main
/// thread, not a worker thread and then it), a repeating dispatch timer for the loader (it
/// costs less per tick than a task that sleeps in a loop: it runs 10 times a second for as
/// long as the loader spins).
public struct SystemClock: RuntimeClock {
    let started = ContinuousClock.now

    public init() {}

    public var now: Duration { ContinuousClock.now - started }

    public func after(_ delay: Duration, _ action: @escaping @Sendable () -> Void) -> any RuntimeTimer {
        let item = DispatchWorkItem(block: action)
        DispatchQueue.main.asyncAfter(deadline: .now() + Self.dispatch(delay), execute: item)
        return WorkItemTimer(item: item)
    }

    public func every(_ interval: Duration, _ action: @escaping @Sendable () -> Void) -> any RuntimeTimer {
        let t = DispatchSource.makeTimerSource(queue: .main)
        let i = Self.dispatch(interval)
        t.schedule(deadline: .now() + i, repeating: i, leeway: .milliseconds(5))
        t.setEventHandler(handler: action)
        t.resume()
        return SourceTimer(source: t)
    }

    static func dispatch(_ d: Duration) -> DispatchTimeInterval {
        .nanoseconds(max(0, Int((d / .nanoseconds(1)).rounded(.down))))
    }

    struct WorkItemTimer: RuntimeTimer, @unchecked Sendable {
        let item: DispatchWorkItem
        func cancel() { item.cancel() }
    }

    struct SourceTimer: RuntimeTimer, @unchecked Sendable {
        let source: any DispatchSourceTimer
        func cancel() { source.cancel() }
    }
}

extension Duration {
    /// In seconds, as the app state counts time.
    var seconds: Double { self / .seconds(1) }
}
