import Foundation
import RobofySession

/// Session events on their way to the main loop. The loop asks to be woken (`arm`)
/// only when no frame is pending: a pending frame applies whatever came meanwhile.
///
/// A fast answer brings hundreds of thousands of chunks a second; between two frames they
/// piled up here, each with its decoded chunk and raw JSON (a 4 MiB answer at 30 frames a
/// second: 5.0 bytes of peak RSS per answer byte; 3.1 with this limit). Past `drainChunks`
/// chunks waiting, the loop is woken anyway, to apply them without drawing: what waits here
/// stays bounded whatever the frame rate.
final class SessionMailbox: @unchecked Sendable {
    static let drainChunks = 512
    private let lock = NSLock()
    private var events: [SessionEvent] = []
    private var chunks = 0
    private var wake = true
    private var drainAsked = false
    private var lastAt: Duration = .zero
    /// Events that came together are being pushed: the last of them wakes the loop.
    private var batchOpen = false

    /// Adds an event that came `at` (the runtime's clock); true when the loop should be woken.
    /// An event followed by others that came with it (`last` false: a read's chunks, before
    /// their changes) wakes nothing: the last of them does, so that the loop finds them all.
    func push(_ e: SessionEvent, at: Duration, last: Bool = true) -> Bool {
        lock.lock()
        defer { lock.unlock() }
        events.append(e)
        lastAt = at
        if case .chunks(_, let batch, _) = e { chunks += batch.reduce(0) { $0 + $1.eventCount } } else { chunks += 1 }
        batchOpen = !last
        guard last else { return false }
        if wake {
            wake = false
            drainAsked = true  // a wake is on its way: it takes these too
            return true
        }
        if chunks >= Self.drainChunks && !drainAsked {
            drainAsked = true
            return true
        }
        return false
    }

    /// The events waiting, and when the last of them came.
    func take() -> (events: [SessionEvent], lastAt: Duration) {
        lock.lock()
        defer { lock.unlock() }
        var out: [SessionEvent] = []
        swap(&out, &events)
        chunks = 0
        drainAsked = false
        return (out, lastAt)
    }

    /// Wake the loop on the next event; true when events are already waiting (and none that
    /// came with them is still to come: then the last of those wakes it).
    func arm() -> Bool {
        lock.lock()
        defer { lock.unlock() }
        if events.isEmpty || batchOpen {
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
