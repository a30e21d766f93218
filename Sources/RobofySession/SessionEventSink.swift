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

    /// Events that belong together (one read of an answer): each to the taps, then all to the
    /// stream (a handler learns which is the last).
    func yield(contentsOf events: [SessionEvent]) {
        for e in events { for tap in taps { tap(e) } }
        queue.yield(contentsOf: events)
    }

    /// See `AsyncEventQueue.deliver(batchedTo:)`.
    func deliver(to handler: @escaping @Sendable (SessionEvent, _ last: Bool) -> Void) {
        queue.deliver(batchedTo: handler)
    }

    func finish() {
        queue.finish()
    }
}

/// The buffer behind `ChatSession.events`.
typealias SessionEventQueue = AsyncEventQueue<SessionEvent>
