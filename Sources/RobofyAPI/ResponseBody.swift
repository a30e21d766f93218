// RobofyAPI: a response read through AsyncHTTPClient's delegate API, so that the reads of a body
// that trickles in can be held and taken together.
import AsyncHTTPClient
import NIOConcurrencyHelpers
import NIOCore
import NIOHTTP1
import Synchronization

/// The body of one response as it arrives, read through AsyncHTTPClient's delegate API.
///
/// The client's async body asks the socket for more as soon as its reader takes a read (it keeps
/// one read ahead), so an answer that trickles in is read, decoded and handed on once per network
/// packet: 50 times a second for a paced answer, though the UI draws 20 frames a second. Here the
/// delegate decides when the socket is read again. While a body trickles in (two reads less than
/// `window` apart, slower than `bulkRate` over the last window), the next read waits until
/// `window` after the last one handed on: what the server sent meanwhile waits in the socket and
/// is read, decoded and handed on together, once a window, on a steady clock (a UI that draws a
/// frame as each comes draws one a window). A body that comes fast (faster than `bulkRate`) is
/// read as fast as it comes; the first read after a silence is never held. A reader that falls
/// behind by `maxQueued` bytes holds the reads too, until it catches up.
final class ResponseBodyQueue: @unchecked Sendable {
    /// The least time between two reads of a trickle (seconds as `TimeAmount`); zero: never held.
    let window: TimeAmount
    /// A body that comes faster than this (bytes a second, over the last window) is read as it
    /// comes: it is no trickle (a fast model writes a few kilobytes a second, with its framing).
    static let bulkRate = 64 << 10
    static let maxQueued = 1 << 20

    private struct State {
        var buffers: [ByteBuffer] = []
        var queued = 0
        var end: Result<Void, any Error>?
        var waiter: UnsafeContinuation<ByteBuffer?, any Error>?
        /// The read held because the reader is `maxQueued` behind.
        var catchUp: EventLoopPromise<Void>?
        var task: HTTPClient.Task<Void>?
        var cancelled = false
        /// A waiting reader is to be woken by the loop (`wakeReader`).
        var wakeScheduled = false
    }

    private let state = NIOLockedValueBox(State())
    /// How many times a read was held for the window (for tests and the bench).
    let holds = Atomic<Int>(0)
    // The hold's bookkeeping: only the event loop's delegate calls touch it.
    private var lastPart = NIODeadline.uptimeNanoseconds(0)
    private var rateStart = NIODeadline.uptimeNanoseconds(0)
    private var rateBytes = 0, lastRateBytes = 0
    /// When the reader was last handed what was read (a read not held, or a hold's end).
    private var lastRelease = NIODeadline.uptimeNanoseconds(0)
    /// Set while a held read's parts, queued by the client meanwhile, are handed over.
    private var releasing = false

    init(window: TimeAmount) {
        self.window = window
    }

    func attach(_ task: HTTPClient.Task<Void>) {
        let cancelled = state.withLockedValue { s -> Bool in
            s.task = task
            return s.cancelled
        }
        if cancelled { task.cancel() }
    }

    /// A part of the body (the delegate, on the event loop); the future says when to read on.
    /// A waiting reader is woken once the loop has handed over every part of this read (one
    /// read of the socket can hold many), so that it takes them together; a part whose read
    /// is followed by a held one waits for the hold's end, with the parts read after it.
    func append(_ buffer: ByteBuffer, on loop: any EventLoop) -> EventLoopFuture<Void> {
        let until = holdsNext(bytes: buffer.readableBytes)
        let hold = until != nil
        let (wake, behind) = state.withLockedValue { s -> (Bool, EventLoopPromise<Void>?) in
            s.buffers.append(buffer)
            s.queued += buffer.readableBytes
            // (A reader this far behind is woken even for a held part: it holds the read.)
            let wake = s.waiter != nil && !s.wakeScheduled && (!hold || s.queued >= Self.maxQueued)
            if wake { s.wakeScheduled = true }
            guard s.queued >= Self.maxQueued else { return (wake, nil) }
            let p = loop.makePromise(of: Void.self)
            s.catchUp = p
            return (wake, p)
        }
        if wake { loop.execute { self.wakeReader() } }
        if let behind { return behind.futureResult }
        guard let until else { return loop.makeSucceededVoidFuture() }
        holds.add(1, ordering: .relaxed)
        let p = loop.makePromise(of: Void.self)
        loop.scheduleTask(deadline: until) { [self] in
            // The parts the client read with this one come now, in this turn of the loop: not
            // held again; then the reader takes them all.
            releasing = true
            lastRelease = until
            p.succeed()
            loop.execute {
                self.releasing = false
                self.wakeReader()
            }
        }
        return p.futureResult
    }

    /// When the next read may be, after a part of `bytes` that came now: nil for at once (the body
    /// does not trickle, or a window has passed since the reader was last handed a read); else a
    /// window after that hand-over. While the body trickles (this part less than `window` after
    /// the last, slower than `bulkRate`), reads are handed on once a window, on a steady clock:
    /// a hold counted from the part that began it drifted by up to a part's interval each time.
    private func holdsNext(bytes: Int) -> NIODeadline? {
        guard window > .zero else { return nil }
        let now = NIODeadline.now()
        defer { lastPart = now }
        if now - rateStart >= window {
            lastRateBytes = now - rateStart >= window + window ? 0 : rateBytes
            rateStart = now
            rateBytes = 0
        }
        rateBytes += bytes
        if releasing { return nil }
        let bulkBytes = Int(Double(Self.bulkRate) * Double(window.nanoseconds) / 1e9)
        let until = lastRelease + window
        guard now - lastPart < window, lastRateBytes < bulkBytes, until > now else {
            lastRelease = now
            return nil
        }
        return until
    }

    private func wakeReader() {
        let (waiter, taken) = state.withLockedValue { s -> (UnsafeContinuation<ByteBuffer?, any Error>?, (ByteBuffer, EventLoopPromise<Void>?)?) in
            s.wakeScheduled = false
            guard let w = s.waiter, let t = Self.takeAll(&s) else { return (nil, nil) }
            s.waiter = nil
            return (w, t)
        }
        guard let waiter, let (b, catchUp) = taken else { return }
        catchUp?.succeed()
        waiter.resume(returning: b)
    }

    /// Every buffer queued, as one, and the read held for the reader to catch up; nil when none is.
    private static func takeAll(_ s: inout State) -> (ByteBuffer, EventLoopPromise<Void>?)? {
        guard !s.buffers.isEmpty else { return nil }
        let joined: ByteBuffer
        if s.buffers.count == 1 {
            joined = s.buffers[0]
        } else {
            var b = ByteBuffer()
            b.reserveCapacity(s.queued)
            for var part in s.buffers { b.writeBuffer(&part) }
            joined = b
        }
        s.buffers.removeAll(keepingCapacity: true)
        s.queued = 0
        defer { s.catchUp = nil }
        return (joined, s.catchUp)
    }

    /// The body ended (`nil`), or failed.
    func finish(_ error: (any Error)?) {
        let (waiter, taken, catchUp) = state.withLockedValue { s -> (UnsafeContinuation<ByteBuffer?, any Error>?, ByteBuffer?, EventLoopPromise<Void>?) in
            if s.end == nil { s.end = error.map { .failure($0) } ?? .success(()) }
            defer { s.waiter = nil; s.catchUp = nil }
            // What came before the end is read first (the end on the reader's next call).
            var taken: ByteBuffer?, catchUp = s.catchUp
            if s.waiter != nil, let (b, c) = Self.takeAll(&s) {
                taken = b
                catchUp = c ?? catchUp
            }
            return (s.waiter, taken, catchUp)
        }
        catchUp?.succeed()
        guard let waiter else { return }
        if let taken { waiter.resume(returning: taken) } else if let error { waiter.resume(throwing: error) } else { waiter.resume(returning: nil) }
    }

    /// Stops the request (the reader was cancelled or went away before the end).
    func cancel() {
        let (task, catchUp) = state.withLockedValue { s -> (HTTPClient.Task<Void>?, EventLoopPromise<Void>?) in
            s.cancelled = true
            // What nobody will read is let go, and a read held for the reader goes on (the client
            // reports the cancel only once its last part's future completes).
            s.buffers.removeAll()
            s.queued = 0
            defer { s.catchUp = nil }
            return (s.end == nil ? s.task : nil, s.catchUp)
        }
        catchUp?.succeed()
        task?.cancel()
    }

    /// What arrived since the last call, as one buffer; waits when nothing did; nil at the end.
    func next() async throws -> ByteBuffer? {
        enum Taken { case buffer(ByteBuffer, EventLoopPromise<Void>?), end(Result<Void, any Error>), wait }
        let taken = state.withLockedValue { s -> Taken in
            if let (b, catchUp) = Self.takeAll(&s) { return .buffer(b, catchUp) }
            if let end = s.end { return .end(end) }
            return .wait
        }
        switch taken {
        case .buffer(let b, let catchUp):
            catchUp?.succeed()
            return b
        case .end(.success): return nil
        case .end(.failure(let e)): throw e
        case .wait: break
        }
        return try await withTaskCancellationHandler {
            try await withUnsafeThrowingContinuation { (c: UnsafeContinuation<ByteBuffer?, any Error>) in
                let now = state.withLockedValue { s -> Taken? in
                    if let (b, catchUp) = Self.takeAll(&s) { return .buffer(b, catchUp) }
                    if let end = s.end { return .end(end) }
                    if s.cancelled { return .end(.failure(CancellationError())) }
                    s.waiter = c
                    return nil
                }
                switch now {
                case .end(.success): c.resume(returning: nil)
                case .end(.failure(let e)): c.resume(throwing: e)
                case .buffer(let b, let catchUp):
                    catchUp?.succeed()
                    c.resume(returning: b)
                case .wait, nil: break
                }
            }
        } onCancel: {
            let waiter = state.withLockedValue { s -> UnsafeContinuation<ByteBuffer?, any Error>? in
                s.cancelled = true
                defer { s.waiter = nil }
                return s.waiter
            }
            cancel()
            waiter?.resume(throwing: CancellationError())
        }
    }
}

/// The queue as the body of an `HTTPClientResponse`. A reader that goes away before the end
/// stops the request, as the client's own body does; so does a body dropped unread.
struct ResponseBodySequence: AsyncSequence, Sendable {
    typealias Element = ByteBuffer
    let queue: ResponseBodyQueue
    let guardian: Guardian

    init(queue: ResponseBodyQueue) {
        self.queue = queue
        self.guardian = Guardian(queue: queue)
    }

    func makeAsyncIterator() -> Iterator { Iterator(queue: queue, body: guardian, reader: Guardian(queue: queue)) }

    struct Iterator: AsyncIteratorProtocol {
        let queue: ResponseBodyQueue
        /// Keeps the body's guardian while this reads (the body may be let go first).
        let body: Guardian
        let reader: Guardian
        mutating func next() async throws -> ByteBuffer? { try await queue.next() }
    }

    /// Stops the request when it goes (unless the body had ended).
    final class Guardian: Sendable {
        let queue: ResponseBodyQueue
        init(queue: ResponseBodyQueue) { self.queue = queue }
        deinit { queue.cancel() }
    }
}

/// Hands the response's head and body to the caller of `RobofyClient.execute`. AsyncHTTPClient
/// calls it on the request's event loop, one call at a time.
final class ResponseBodyDelegate: HTTPClientResponseDelegate, @unchecked Sendable {
    typealias Response = Void
    let head: EventLoopPromise<HTTPResponseHead>
    let queue: ResponseBodyQueue
    /// The head came, or the request failed first (read on the event loop only).
    private(set) var headDone = false

    init(head: EventLoopPromise<HTTPResponseHead>, queue: ResponseBodyQueue) {
        self.head = head
        self.queue = queue
    }

    func settleHead(_ result: Result<HTTPResponseHead, any Error>) {
        guard !headDone else { return }
        headDone = true
        head.completeWith(result)
    }

    func didReceiveHead(task: HTTPClient.Task<Void>, _ head: HTTPResponseHead) -> EventLoopFuture<Void> {
        settleHead(.success(head))
        return task.eventLoop.makeSucceededVoidFuture()
    }

    func didReceiveBodyPart(task: HTTPClient.Task<Void>, _ buffer: ByteBuffer) -> EventLoopFuture<Void> {
        queue.append(buffer, on: task.eventLoop)
    }

    func didReceiveError(task: HTTPClient.Task<Void>, _ error: any Error) {
        settleHead(.failure(error))
        queue.finish(error)
    }

    func didFinishRequest(task: HTTPClient.Task<Void>) throws {
        settleHead(.failure(HTTPClientError.remoteConnectionClosed))  // (a response has a head first)
        queue.finish(nil)
    }
}

extension RobofyClient {
    /// `request` (a POST of `body`) through the delegate API: the response once its head came,
    /// within `timeout`, its body read as it comes (`ResponseBodyQueue`, reads held by `window`),
    /// and the body's queue. Cancelling the calling task stops the request.
    func execute(_ request: HTTPClientRequest, body: String, timeout: TimeAmount,
                 window: TimeAmount) async throws -> (HTTPClientResponse, ResponseBodyQueue) {
        let r = try HTTPClient.Request(url: request.url, method: request.method, headers: request.headers,
                                       body: .byteBuffer(ByteBuffer(string: body)))
        let loop = executor.loop
        let queue = ResponseBodyQueue(window: window)
        let delegate = ResponseBodyDelegate(head: loop.makePromise(of: HTTPResponseHead.self), queue: queue)
        let task = http.execute(request: r, delegate: delegate, eventLoop: .delegateAndChannel(on: loop), logger: logger)
        queue.attach(task)
        // A request that never reached the delegate (the client is shutting down) fails only here.
        task.futureResult.hop(to: loop).whenFailure { error in
            delegate.settleHead(.failure(error))
            queue.finish(error)
        }
        // Its head is waited for at most `timeout` (AsyncHTTPClient's own deadline would also end
        // the body). The timer and the delegate both run on the loop: a head that came first wins.
        let timer = loop.scheduleTask(in: timeout) {
            if !delegate.headDone { task.fail(reason: HTTPClientError.deadlineExceeded) }
        }
        defer { timer.cancel() }
        let head = try await withTaskCancellationHandler {
            try await delegate.head.futureResult.get()
        } onCancel: {
            task.cancel()
        }
        let response = HTTPClientResponse(version: head.version, status: head.status, headers: head.headers,
                                          body: .stream(ResponseBodySequence(queue: queue)))
        return (response, queue)
    }
}
