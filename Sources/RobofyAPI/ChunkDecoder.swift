// RobofyAPI: an answer's bytes to its events, with no HTTP in the way.

/// What `ChunkStream` does with each read of an answer's body: the SSE decoder, each event
/// decoded from the read buffer itself, and (with `joinsDeltas`) the `text-delta`s as servers
/// write them joined into runs, one event per run of a read (``ChunkEvent/eventCount``).
/// The benchmark feeds it a stream from memory, the same way.
public struct ChunkDecoder: Sendable {
    private var sse = SSEDecoder()
    private var runs = DeltaRunBuilder()
    /// Canonical text-deltas of one read are joined into runs.
    public var joinsDeltas: Bool

    public init(joinsDeltas: Bool) {
        self.joinsDeltas = joinsDeltas
    }

    /// An event grew past ``SSEDecoder/maxEventBytes``: the events before it were delivered;
    /// stop reading.
    public var tooLarge: Bool { sse.tooLarge }

    /// Decodes what one read brought, appending the events it completed to `out`.
    public mutating func feed(_ bytes: UnsafeRawBufferPointer, into out: inout [ChunkEvent]) {
        if joinsDeltas {
            // (The builder keeps its buffers between reads; it is moved out while used.)
            var builder = DeltaRunBuilder()
            swap(&builder, &runs)
            sse.feed(bytes) { e in
                if !builder.add(e.data, flushingInto: &out) { out.append(UIChunkDecoder.event(utf8: e.data)) }
            }
            builder.flush(into: &out)
            swap(&builder, &runs)
        } else {
            sse.feed(bytes) { out.append(UIChunkDecoder.event(utf8: $0.data)) }
        }
    }

    /// The end of the body: the event it completed, if any, is appended to `out`.
    public mutating func finish(into out: inout [ChunkEvent]) {
        for e in sse.finish() { out.append(ChunkEvent(chunk: UIChunkDecoder.decode(e.data), raw: e.data)) }
    }
}
