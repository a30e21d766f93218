/// A decoded chunk with the event data it came from.
///
/// A `text-delta` as servers write it (``UIChunkDecoder/event(utf8:)``) keeps no copy of
/// its data: ``raw`` is written again from the chunk when asked for (the inspector asks for
/// the events it keeps), byte for byte what was received. Other events keep their data.
public struct ChunkEvent: Sendable, Equatable {
    public var chunk: UIChunk
    /// The data as received; nil when it is ``UIChunkDecoder/canonicalRaw(_:)`` of the chunk.
    private var storedRaw: String?

    /// The SSE `data` text (for the inspector); synthesized for non-streaming answers.
    public var raw: String {
        get { storedRaw ?? UIChunkDecoder.canonicalRaw(chunk) ?? "" }
        set { storedRaw = newValue }
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

    /// Whether the event holds a copy of its data (false for canonical `text-delta`s).
    public var keepsRawCopy: Bool { storedRaw != nil }

    public static func == (a: ChunkEvent, b: ChunkEvent) -> Bool {
        a.chunk == b.chunk && a.raw == b.raw
    }
}
