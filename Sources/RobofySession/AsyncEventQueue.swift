import Foundation
import NIOConcurrencyHelpers

/// An unbounded buffer of events with one reader, ended by `finish()` or by cancelling the
/// reading task (as an `AsyncStream`'s own buffer is). A fast answer sends thousands of
/// events a second, and the loader ticks ten times a second; `AsyncStream`'s generic buffer
/// looks up type metadata on every yield and read, where this costs a lock (`NIOLockedValueBox`). (Inlinable, so
/// that each user gets it specialized for its own event type.)
public final class AsyncEventQueue<Element: Sendable>: Sendable {
    @usableFromInline struct State: Sendable {
        @usableFromInline var buffer: [Element] = []
        @usableFromInline var head = 0
        @usableFromInline var finished = false
        @usableFromInline var waiter: UnsafeContinuation<Element?, Never>?
        /// Set by `deliver(to:)`: events go to it as they come, not into the buffer (with
        /// whether each is the last of what was yielded together).
        @usableFromInline var handler: (@Sendable (Element, Bool) -> Void)?

        @usableFromInline init() {}

        /// The next buffered event, if any.
        @inlinable mutating func pop() -> Element? {
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

        /// Ends the queue; returns the reader waiting, to be resumed outside the lock.
        @inlinable mutating func end(dropping: Bool) -> UnsafeContinuation<Element?, Never>? {
            finished = true
            if dropping {
                buffer = []
                head = 0
            }
            defer { waiter = nil }
            return waiter
        }
    }

    @usableFromInline let state = NIOLockedValueBox(State())

    public init() {}

    /// An `AsyncStream` over this queue (for readers that want one).
    public var stream: AsyncStream<Element> {
        AsyncStream(unfolding: { [self] in await self.next() })
    }

    /// Adds an event (dropped once the queue is finished).
    @inlinable public func yield(_ event: Element) {
        let waiting: UnsafeContinuation<Element?, Never>? = state.withLockedValue { s in
            if s.finished { return nil }
            if let h = s.handler {
                // Under the lock, so that events reach the handler in the order they came.
                h(event, true)
                return nil
            }
            if let w = s.waiter {
                s.waiter = nil
                return w
            }
            s.buffer.append(event)
            return nil
        }
        waiting?.resume(returning: event)
    }

    /// Adds events that belong together (one read of an answer), in order: a handler
    /// (`deliver(batchedTo:)`) is told which is the last.
    @inlinable public func yield(contentsOf events: [Element]) {
        guard let first = events.first, let lastIndex = events.indices.last else { return }
        let waiting: UnsafeContinuation<Element?, Never>? = state.withLockedValue { s in
            if s.finished { return nil }
            if let h = s.handler {
                for i in events.indices { h(events[i], i == lastIndex) }
                return nil
            }
            // Buffered under the same lock: a handler set meanwhile gets them together.
            if let w = s.waiter {
                s.waiter = nil
                s.buffer.append(contentsOf: events.dropFirst())
                return w
            }
            s.buffer.append(contentsOf: events)
            return nil
        }
        waiting?.resume(returning: first)
    }

    /// Hands every event to `handler` from now on, on the thread that yields it and in order
    /// (what is buffered first): one thread hop less per event than a reading task. The
    /// handler runs under the queue's lock: it must be quick and never yield into this queue.
    /// The queue is not read after this (a reader waiting gets nil).
    @inlinable public func deliver(to handler: @escaping @Sendable (Element) -> Void) {
        deliver(batchedTo: { e, _ in handler(e) })
    }

    /// `deliver(to:)`, telling the handler whether each event is the last of those yielded
    /// together (`yield(contentsOf:)`; a lone event is its own last).
    @inlinable public func deliver(batchedTo handler: @escaping @Sendable (Element, _ last: Bool) -> Void) {
        let waiting: UnsafeContinuation<Element?, Never>? = state.withLockedValue { s in
            while let e = s.pop() { handler(e, s.head >= s.buffer.count) }
            s.handler = handler
            defer { s.waiter = nil }
            return s.waiter
        }
        waiting?.resume(returning: nil)
    }

    /// Ends the queue: the reader gets what is buffered, then nil.
    @inlinable public func finish() {
        state.withLockedValue { $0.end(dropping: false) }?.resume(returning: nil)
    }

    /// The next event, or nil once finished. Resumes on the caller's actor (no hop through
    /// the global executor when the reader is an actor, e.g. the UI's main loop).
    @inlinable public func next(isolation: isolated (any Actor)? = #isolation) async -> Element? {
        if let e = state.withLockedValue({ $0.pop() }) { return e }
        return await withTaskCancellationHandler {
            await withUnsafeContinuation(isolation: isolation) { (c: UnsafeContinuation<Element?, Never>) in
                // (event, true): resume now with it; (nil, false): the continuation waits for `yield`.
                let now: (Element?, Bool) = state.withLockedValue { s in
                    if let e = s.pop() { return (e, true) }
                    // Delivered to a handler (`deliver(to:)`): the queue is not read any more.
                    if s.finished || s.handler != nil || Task.isCancelled { return (nil, true) }
                    s.waiter = c
                    return (nil, false)
                }
                if now.1 { c.resume(returning: now.0) }
            }
        } onCancel: {
            // A cancelled reader ends the queue, and what was buffered is dropped.
            state.withLockedValue { $0.end(dropping: true) }?.resume(returning: nil)
        }
    }
}
