// RobofyAPI: the chunks of one answer as an async sequence over the HTTP body.
import AsyncHTTPClient
import Foundation
import Logging
import NIOCore
import NIOHTTP1

/// The chunks of one answer, pulled from the HTTP body as they arrive (with the
/// body's own backpressure), or replayed from a non-streaming answer.
public struct ChunkStream: AsyncSequence, Sendable {
    public typealias Element = ChunkEvent
    let body: HTTPClientResponse.Body?
    let events: [ChunkEvent]
    /// The body's stall timeout (nil for an answer that was read whole). Each read touches it;
    /// the reader starts it with a way to stop itself (cancel the task that reads), and the
    /// read then ends with `RobofyError.stalled`. A body read without it started is not timed.
    public let stallWatch: StallWatch?
    /// The queue the body is read from (how many reads it held), when it is read from the network.
    let reads: ResponseBodyQueue?

    init(body: HTTPClientResponse.Body, stallWatch: StallWatch, reads: ResponseBodyQueue? = nil) {
        self.body = body
        self.events = []
        self.stallWatch = stallWatch
        self.reads = reads
    }

    init(events: [ChunkEvent]) {
        self.body = nil
        self.events = events
        self.stallWatch = nil
        self.reads = nil
    }

    public func makeAsyncIterator() -> Iterator {
        Iterator(body: body?.makeAsyncIterator(), pending: events, stallWatch: stallWatch)
    }

    /// An iterator whose ``Iterator/nextBatch()`` joins the `text-delta`s as servers write them
    /// that arrive together into runs (``ChunkEvent/eventCount``): one event per run instead of
    /// one per delta. `next()` still hands over each event as received.
    public func makeBatchIterator() -> Iterator {
        var it = makeAsyncIterator()
        it.joinsDeltas = true
        return it
    }

    public struct Iterator: AsyncIteratorProtocol {
        var body: HTTPClientResponse.Body.AsyncIterator?
        var pending: [ChunkEvent]
        var index = 0
        var decoder = ChunkDecoder(joinsDeltas: false)
        var finished = false
        /// An error to throw once the events decoded before it were returned.
        var pendingError: RobofyError?
        let stallWatch: StallWatch?
        /// The stall timeout (from the watch), for the errors a stall is read from.
        var stallSeconds: Double { stallWatch?.seconds ?? 0 }
        /// Canonical text-deltas of one read are joined into runs (``ChunkStream/makeBatchIterator()``).
        var joinsDeltas: Bool {
            get { decoder.joinsDeltas }
            set { decoder.joinsDeltas = newValue }
        }
        /// The events of the run `next()` is handing over one by one, and the next one's index.
        private var expanding: (event: ChunkEvent, next: Int)?
        /// Bytes received so far (for the inspector).
        public private(set) var bytesReceived = 0

        init(body: HTTPClientResponse.Body.AsyncIterator?, pending: [ChunkEvent], stallWatch: StallWatch?) {
            self.body = body
            self.pending = pending
            self.stallWatch = stallWatch
        }

        public mutating func next() async throws(RobofyError) -> ChunkEvent? {
            if let (run, i) = expanding {
                expanding = i + 1 < run.eventCount ? (run, i + 1) : nil
                return run.event(at: i)
            }
            guard try await fill() else { return nil }
            defer { index += 1 }
            let e = pending[index]
            if e.eventCount > 1 {
                expanding = (e, 1)
                return e.event(at: 0)
            }
            return e
        }

        /// Every event decoded and not returned yet (the events of one or more network
        /// reads), waiting for the network only when there is none; nil at the end.
        public mutating func nextBatch() async throws(RobofyError) -> ArraySlice<ChunkEvent>? {
            guard try await fill() else { return nil }
            defer { index = pending.count }
            return pending[index...]
        }

        /// Makes sure an event is waiting (reading and decoding from the body as needed);
        /// false at the end of the stream.
        mutating func fill() async throws(RobofyError) -> Bool {
            while true {
                if index < pending.count { return true }
                if finished { return false }
                pending.removeAll(keepingCapacity: true)
                index = 0
                guard var it = body else {
                    if let e = pendingError {
                        pendingError = nil
                        finished = true
                        throw e
                    }
                    finished = true
                    return false
                }
                if let e = pendingError {
                    pendingError = nil
                    finished = true
                    throw e
                }
                let buffer: ByteBuffer?
                do {
                    buffer = try await it.next()
                    stallWatch?.touch()
                } catch {
                    body = it
                    finished = true
                    if stallWatch?.stalled == true { throw .stalled(seconds: stallSeconds) }
                    // Events completed before the failure are delivered first by the caller's loop.
                    throw Self.midStream(RobofyClient.map(error, url: "the stream", timeouts: .init(stall: stallSeconds)))
                }
                body = it
                guard let buffer else {
                    finished = true
                    // A stall ends the body by cancelling its reader: not the answer's end.
                    if stallWatch?.stalled == true { throw .stalled(seconds: stallSeconds) }
                    decoder.finish(into: &pending)
                    continue
                }
                bytesReceived += buffer.readableBytes
                // Each event is decoded from the read buffer itself (no String of its data).
                buffer.withUnsafeReadableBytes { decoder.feed($0, into: &pending) }
                if decoder.tooLarge {
                    // Deliver what was complete, then fail; the rest of the body is not read.
                    body = nil
                    pendingError = .eventTooLarge(limit: SSEDecoder.maxEventBytes)
                }
            }
        }

        /// An error that ends a body already streaming, as the user should read it.
        static func midStream(_ e: RobofyError) -> RobofyError {
            switch e {
            case .cannotConnect:
                // The server closed (or broke) the connection without ending the body.
                return .cutOff(reason: "the connection closed before the answer finished")
            default:
                return e
            }
        }
    }
}
