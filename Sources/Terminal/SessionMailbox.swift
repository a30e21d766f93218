import Foundation
import RobofySession

/// Session events on their way to the main loop. The loop asks to be woken (`arm`)
/// only when no frame is pending: a pending frame applies whatever came meanwhile.
final class SessionMailbox: @unchecked Sendable {
    private let lock = NSLock()
    private var events: [SessionEvent] = []
    private var wake = true

    /// Adds an event; true when the loop should be woken.
    func push(_ e: SessionEvent) -> Bool {
        lock.lock()
        defer { lock.unlock() }
        events.append(e)
        let w = wake
        wake = false
        return w
    }

    func take() -> [SessionEvent] {
        lock.lock()
        defer { lock.unlock() }
        var out: [SessionEvent] = []
        swap(&out, &events)
        return out
    }

    /// Wake the loop on the next event; true when events are already waiting.
    func arm() -> Bool {
        lock.lock()
        defer { lock.unlock() }
        if events.isEmpty {
            wake = true
            return false
        }
        return true
    }

    func disarm() {
        lock.lock()
        wake = false
        lock.unlock()
    }
}
