import RobofyText

/// A decoded chunk with the event data it came from.
///
/// A `text-delta` as servers write it (``UIChunkDecoder/event(utf8:)``) keeps no copy of
/// its data: ``raw`` is written again from the chunk when asked for (the inspector asks for
/// the events it keeps), byte for byte what was received. Other events keep their data.
///
/// A **run** stands for several such `text-delta`s of one part that arrived together
/// (``ChunkStream/Iterator/nextBatch()``): its chunk is one `text-delta` with their texts
/// joined, and it knows where each delta ended, so each event can be written again
/// (``events``) exactly as it was received. A fast answer brings tens of thousands of deltas
/// a second; as runs they cost one event per network read, not one each.
public struct ChunkEvent: Sendable, Equatable {
    public var chunk: UIChunk
    /// The data as received; nil when it is ``UIChunkDecoder/canonicalRaw(_:)`` of the chunk.
    private var storedRaw: String?
    /// A run's delta ends: the UTF-8 offset in the joined delta where each delta ended (the
    /// last is the joined delta's length). Nil for one event.
    public private(set) var deltaEnds: [UInt32]?

    /// The SSE `data` text (for the inspector); synthesized for non-streaming answers. For a
    /// run, the data of its events one per line (see ``events``).
    public var raw: String {
        get {
            if deltaEnds != nil { return events.map(\.raw).joined(separator: "\n") }
            return storedRaw ?? UIChunkDecoder.canonicalRaw(chunk) ?? ""
        }
        set {
            storedRaw = newValue
            deltaEnds = nil
        }
    }

    public init(chunk: UIChunk, raw: String) {
        self.chunk = chunk
        self.storedRaw = raw
    }

    /// An event whose data was exactly the canonical form of `chunk`.
    init(canonical chunk: UIChunk) {
        self.chunk = chunk
        self.storedRaw = nil
    }

    /// A run of canonical `text-delta`s of part `id`: `text` is their deltas joined, `ends`
    /// where each ended (ascending, the last one `text`'s UTF-8 length, each on a scalar boundary).
    init(run id: String, text: String, ends: [UInt32]) {
        self.chunk = .textDelta(id: id, delta: text)
        self.storedRaw = nil
        self.deltaEnds = ends.count > 1 ? ends : nil
    }

    /// Whether the event holds a copy of its data (false for canonical `text-delta`s and runs).
    public var keepsRawCopy: Bool { storedRaw != nil }

    /// How many events of the stream this one stands for (more than 1 for a run).
    public var eventCount: Int { deltaEnds?.count ?? 1 }

    /// The events this one stands for, as received (itself, unless it is a run).
    public var events: [ChunkEvent] {
        guard deltaEnds != nil else { return [self] }
        return (0..<eventCount).map { event(at: $0) }
    }

    /// The `i`th event this one stands for (0 ..< ``eventCount``).
    public func event(at i: Int) -> ChunkEvent {
        slice(i..<(i + 1))
    }

    /// Events `range` of a run, as a run of their own (their text copied; one event when the
    /// range holds one); the event itself when the range is all of it or it is not a run.
    public func slice(_ range: Range<Int>) -> ChunkEvent {
        guard let ends = deltaEnds, case .textDelta(let id, let text) = chunk, !range.isEmpty,
              range.lowerBound >= 0, range.upperBound <= ends.count, range != ends.indices else { return self }
        let lower = range.lowerBound == 0 ? 0 : ends[range.lowerBound - 1], upper = ends[range.upperBound - 1]
        return ChunkEvent(run: id, text: text.utf8Slice(Int(lower)..<Int(upper)), ends: ends[range].map { $0 - lower })
    }

    /// The longest delta a run takes (bytes of its JSON text): a longer one is an event of its
    /// own, so that whoever keeps a few events of a run (the inspector) keeps short texts.
    public static let maxRunDelta = 1_000

    /// Bytes of the delta texts of events `range` of a run (or of the one event's delta).
    public func deltaBytes(_ range: Range<Int>) -> Int {
        guard let ends = deltaEnds else {
            if case .textDelta(_, let d) = chunk { return d.utf8.count }
            return 0
        }
        guard !range.isEmpty else { return 0 }
        return Int(ends[range.upperBound - 1]) - (range.lowerBound == 0 ? 0 : Int(ends[range.lowerBound - 1]))
    }

    public static func == (a: ChunkEvent, b: ChunkEvent) -> Bool {
        a.chunk == b.chunk && a.deltaEnds == b.deltaEnds && a.raw == b.raw
    }
}

/// Joins the canonical `text-delta`s of one read into runs (``ChunkEvent/init(run:text:ends:)``).
struct DeltaRunBuilder {
    private var id: [UInt8] = []
    private var text: [UInt8] = []
    private var ends: [UInt32] = []

    /// Adds an event's data; false when it is not a canonical `text-delta` (then the run so far
    /// was flushed into `out` and the caller decodes the event itself).
    mutating func add(_ data: UnsafeBufferPointer<UInt8>, flushingInto out: inout [ChunkEvent]) -> Bool {
        guard let p = UIChunkDecoder.canonicalTextDeltaParts(data), p.delta.count <= ChunkEvent.maxRunDelta else {
            flush(into: &out)
            return false
        }
        let idBytes = UnsafeBufferPointer(rebasing: data[p.id])
        if !ends.isEmpty, !id.elementsEqual(idBytes) { flush(into: &out) }
        if ends.isEmpty {
            id.removeAll(keepingCapacity: true)
            id.append(contentsOf: idBytes)
        }
        let delta = UnsafeBufferPointer(rebasing: data[p.delta])
        if p.escaped {
            UIChunkDecoder.appendCanonicalUnescaped(delta, to: &text)
        } else {
            text.append(contentsOf: delta)
        }
        // (A run's text stays far below 4 GiB: the SSE decoder caps what one read holds.)
        ends.append(UInt32(truncatingIfNeeded: text.count))
        return true
    }

    /// Hands the run so far over as one event (a single delta as an ordinary event).
    mutating func flush(into out: inout [ChunkEvent]) {
        guard !ends.isEmpty else { return }
        let idString = String(decoding: id, as: UTF8.self)
        let joined = String(decoding: text, as: UTF8.self)
        out.append(ends.count == 1 ? ChunkEvent(canonical: .textDelta(id: idString, delta: joined))
                                   : ChunkEvent(run: idString, text: joined, ends: ends))
        ends.removeAll(keepingCapacity: true)
        text.removeAll(keepingCapacity: text.capacity <= 1 << 20)
    }
}
