import Foundation

/// An unbounded buffer of events with one reader, ended by `finish()` or by cancelling the
/// reading task (as an `AsyncStream`'s own buffer is). A fast answer sends thousands of
/// events a second, and the loader ticks ten times a second; `AsyncStream`'s generic buffer
/// looks up type metadata on every yield and read, where this costs a lock. (Inlinable, so
/// that each user gets it specialized for its own event type.)
public final class AsyncEventQueue<Element: Sendable>: @unchecked Sendable {
    @usableFromInline let lock = NSLock()
    @usableFromInline var buffer: [Element] = []
    @usableFromInline var head = 0
    @usableFromInline var finished = false
    @usableFromInline var waiter: UnsafeContinuation<Element?, Never>?

    public init() {}

    /// An `AsyncStream` over this queue (for readers that want one).
    public var stream: AsyncStream<Element> {
        AsyncStream(unfolding: { [self] in await self.next() })
    }

    /// Adds an event (dropped once the queue is finished).
    @inlinable public func yield(_ event: Element) {
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

    /// Ends the queue: the reader gets what is buffered, then nil.
    @inlinable public func finish() {
        lock.lock()
        finished = true
        let w = waiter
        waiter = nil
        lock.unlock()
        w?.resume(returning: nil)
    }

    /// Call with the lock held: the next buffered event, if any.
    @inlinable func pop() -> Element? {
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

    @inlinable func tryNext() -> Element? {
        lock.lock()
        defer { lock.unlock() }
        return pop()
    }

    /// The next event, or nil once finished. Resumes on the caller's actor (no hop through
    /// the global executor when the reader is an actor, e.g. the UI's main loop).
    @inlinable public func next(isolation: isolated (any Actor)? = #isolation) async -> Element? {
        if let e = tryNext() { return e }
        return await withTaskCancellationHandler {
            await withUnsafeContinuation(isolation: isolation) { (c: UnsafeContinuation<Element?, Never>) in
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
            // A cancelled reader ends the queue, and what was buffered is dropped.
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
