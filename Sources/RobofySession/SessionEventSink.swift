import Foundation

/// Something that watches a session's events as they happen (autosave, the event log).
/// Called on the session's actor, in order, before the event reaches `ChatSession.events`:
/// keep it quick and never call back into the session.
public typealias SessionEventTap = @Sendable (SessionEvent) -> Void

/// Delivers each event to the taps, then to the session's event stream.
struct SessionEventSink: Sendable {
    let queue: SessionEventQueue
    let taps: [SessionEventTap]

    func yield(_ event: SessionEvent) {
        for tap in taps { tap(event) }
        queue.yield(event)
    }

    /// See `AsyncEventQueue.deliver(to:)`.
    func deliver(to handler: @escaping @Sendable (SessionEvent) -> Void) {
        queue.deliver(to: handler)
    }

    func finish() {
        queue.finish()
    }
}

/// The buffer behind `ChatSession.events`.
typealias SessionEventQueue = AsyncEventQueue<SessionEvent>
