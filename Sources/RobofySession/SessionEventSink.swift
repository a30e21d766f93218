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

    func finish() {
        queue.finish()
    }
}

/// The buffer behind `ChatSession.events`: unbounded, one reader, ended by `finish()`
/// or by cancelling the reading task (as an `AsyncStream`'s own buffer is). A fast
/// answer sends thousands of events a second, and `AsyncStream`'s generic buffer
/// looks up type metadata on every yield and read; this one costs a lock.
final class SessionEventQueue: @unchecked Sendable {
    private let lock = NSLock()
    private var buffer: [SessionEvent] = []
    private var head = 0
    private var finished = false
    private var waiter: UnsafeContinuation<SessionEvent?, Never>?

    /// `ChatSession.events`.
    var stream: AsyncStream<SessionEvent> {
        AsyncStream(unfolding: { [self] in await self.next() })
    }

    func yield(_ event: SessionEvent) {
        lock.lock()
        if finished {
            lock.unlock()
            return
        }
        if let w = waiter {
            waiter = nil
            lock.unlock()
            w.resume(returning: event)
            return
        }
        buffer.append(event)
        lock.unlock()
    }

    func finish() {
        lock.lock()
        finished = true
        let w = waiter
        waiter = nil
        lock.unlock()
        w?.resume(returning: nil)
    }

    /// Call with the lock held: the next buffered event, if any.
    private func pop() -> SessionEvent? {
        guard head < buffer.count else { return nil }
        let e = buffer[head]
        head += 1
        if head == buffer.count {
            buffer.removeAll(keepingCapacity: buffer.capacity <= 4096)
            head = 0
        } else if head >= 1024 && head * 2 >= buffer.count {
            buffer.removeFirst(head)
            head = 0
        }
        return e
    }

    private func tryNext() -> SessionEvent? {
        lock.lock()
        defer { lock.unlock() }
        return pop()
    }

    func next() async -> SessionEvent? {
        if let e = tryNext() { return e }
        return await withTaskCancellationHandler {
            await withUnsafeContinuation { (c: UnsafeContinuation<SessionEvent?, Never>) in
                lock.lock()
                if let e = pop() {
                    lock.unlock()
                    c.resume(returning: e)
                } else if finished || Task.isCancelled {
                    lock.unlock()
                    c.resume(returning: nil)
                } else {
                    waiter = c
                    lock.unlock()
                }
            }
        } onCancel: {
            // A cancelled reader ends the stream, and what was buffered is dropped.
            lock.lock()
            finished = true
            buffer = []
            head = 0
            let w = waiter
            waiter = nil
            lock.unlock()
            w?.resume(returning: nil)
        }
    }
}
