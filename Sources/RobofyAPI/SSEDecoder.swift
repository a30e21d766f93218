// Server-sent events: the "event stream interpretation" of the WHATWG HTML
// standard (section 9.2.6), as a push decoder that works on raw bytes.
//
// The decoder splits the byte stream into lines on bytes (CR and LF never occur
// inside a UTF-8 multi-byte sequence, so this is the same as decoding first and
// splitting afterwards), keeps an incomplete line across feeds, and decodes
// UTF-8 only for complete lines or a complete event's data. Invalid UTF-8
// becomes U+FFFD, exactly as the spec's "UTF-8 decode" would produce it.
//
// `feed(_:each:)` hands each event's data over as bytes, without making a String:
// the data of an event whose one `data` line lies in the buffer being fed is handed
// over straight from that buffer (no copy at all); other data is gathered first.

/// A dispatched event as bytes (``SSEDecoder/feed(_:each:)``), valid only during the call.
public struct SSEEventBytes {
    /// The `event:` field's value; empty when there was none (the type is then "message").
    public let type: UnsafeBufferPointer<UInt8>
    /// The `data:` lines of the event joined with LF.
    public let data: UnsafeBufferPointer<UInt8>
    /// The last event ID string of the stream when this event was dispatched.
    public let lastEventId: String
}

/// One dispatched server-sent event.
public struct SSEEvent: Sendable, Equatable {
    /// The event type: the last `event:` field of the event, `"message"` when there was none (or it was empty).
    public var event: String
    /// The `data:` lines of the event joined with LF.
    public var data: String
    /// The last event ID string of the stream when this event was dispatched.
    public var lastEventId: String

    public init(event: String = "message", data: String, lastEventId: String = "") {
        self.event = event
        self.data = data
        self.lastEventId = lastEventId
    }
}

/// An incremental `text/event-stream` decoder.
///
/// Feed it the response body in chunks of any size (down to one byte); each
/// call returns the events completed by that chunk. Call ``finish()`` at the
/// end of the body: per the spec an event that was not terminated by a blank
/// line is discarded. After `finish()` the decoder is ready for a new stream
/// (for example a reconnection); ``lastEventId`` and ``retryMilliseconds`` are kept.
public struct SSEDecoder: Sendable {
    /// The stream's "last event ID string": updated from the `id:` field when
    /// an event is completed by a blank line; persists across events (and
    /// across `finish()`), as a reconnecting client needs it.
    public private(set) var lastEventId: String = ""
    /// The reconnection time from the last valid `retry:` field (ASCII digits only), if any.
    public private(set) var retryMilliseconds: Int?

    /// Bytes of the current, not yet terminated line (only when a line spans feeds).
    @usableFromInline var lineBuffer: [UInt8] = []
    /// The event's data buffer, as UTF-8 bytes; each `data` field appends its value and an LF.
    private var dataBuffer: [UInt8] = []
    /// The event's only `data` value so far, when it lies in the buffer being fed (not copied
    /// yet); moved into `dataBuffer` when a second one comes or the feed ends. Never set
    /// outside a `feed` call, so the decoder stays a plain value between calls.
    nonisolated(unsafe) private var pendingData: UnsafeBufferPointer<UInt8>?
    /// The event type buffer (UTF-8).
    private var eventType: [UInt8] = []
    /// The last event ID buffer.
    private var lastEventIdBuffer: String = ""
    /// The previous feed ended with a CR: an LF at the start of the next feed belongs to it.
    @usableFromInline var skipLeadingLF = false
    /// How many bytes of a leading BOM (EF BB BF) have been seen; 3 = BOM handling is over.
    @usableFromInline var bomState: UInt8 = 0

    /// Buffers that grew beyond this are released instead of being kept for reuse.
    private static let retainedCapacityLimit = 1 << 16

    /// Longest line accepted (1 MiB of value plus 64 bytes for the field name, without the
    /// line ending), and the largest event (1 MiB: the sum of its `data` values). A stream
    /// that sends a longer one (or a line that never ends) sets ``tooLarge``: the decoder then
    /// frees its buffers and ignores the rest of the stream, so memory stays bounded; the
    /// caller fails the answer (`RobofyError.eventTooLarge`).
    public static let maxEventBytes = 1 << 20
    public static let maxLineBytes = maxEventBytes + 64

    /// Set when a line or an event went over its limit; every later byte is ignored.
    public private(set) var tooLarge = false

    public init() {}

    /// Decodes the next chunk of the stream. Any `Sequence<UInt8>` works; contiguous
    /// collections (`[UInt8]`, `ArraySlice`, `Data`, `ByteBuffer` views…) take the fast path.
    @inlinable
    public mutating func feed(_ bytes: some Sequence<UInt8>) -> [SSEEvent] {
        if let events = bytes.withContiguousStorageIfAvailable({ buffer in
            self.feed(UnsafeRawBufferPointer(buffer))
        }) {
            return events
        }
        let copy = Array(bytes)
        return copy.withUnsafeBytes { self.feed($0) }
    }

    /// Decodes the next chunk of the stream from raw memory (the fast path).
    @inlinable
    public mutating func feed(_ buffer: UnsafeRawBufferPointer) -> [SSEEvent] {
        var events: [SSEEvent] = []
        feed(buffer) { e in
            events.append(SSEEvent(event: e.type.isEmpty ? "message" : String(decoding: e.type, as: UTF8.self),
                                   data: String(decoding: e.data, as: UTF8.self), lastEventId: e.lastEventId))
        }
        return events
    }

    /// Decodes the next chunk of the stream, handing each completed event to `body` as
    /// bytes (valid only during the call): no String is made.
    @inlinable
    public mutating func feed(_ buffer: UnsafeRawBufferPointer, each body: (SSEEventBytes) -> Void) {
        // One-byte reads (inlined into the caller): an ordinary byte only needs
        // appending to the current line.
        if tooLarge { return }
        if buffer.count == 1, bomState == 3, lineBuffer.count < Self.maxLineBytes {
            let byte = buffer[0]
            if byte > 0x0D || (byte != 0x0A && byte != 0x0D) {
                skipLeadingLF = false
                lineBuffer.append(byte)
                return
            }
        }
        feedBuffer(buffer, body)
    }

    @usableFromInline
    mutating func feedBuffer(_ buffer: UnsafeRawBufferPointer, _ emit: (SSEEventBytes) -> Void) {
        guard let base = buffer.baseAddress, !buffer.isEmpty else { return }
        // The buffer is only valid during this call: a data value still pointing into it is copied at the end.
        defer { keepPendingData() }
        let bytes = UnsafeBufferPointer(start: base.assumingMemoryBound(to: UInt8.self), count: buffer.count)
        let count = bytes.count
        var index = 0

        // One leading BOM, possibly split across feeds, only at the very start of the stream.
        if bomState < 3 {
            while bomState < 3, index < count {
                if bytes[index] == Self.bomByte(bomState) {
                    bomState += 1
                    index += 1
                } else {
                    // Not a BOM after all: the bytes matched so far are ordinary content.
                    for k in 0..<bomState { lineBuffer.append(Self.bomByte(k)) }
                    bomState = 3
                }
            }
            if index == count { return }
        }

        // A CR ended the previous feed: an LF starting this one is part of that line ending.
        if skipLeadingLF {
            skipLeadingLF = false
            if bytes[index] == 0x0A { index += 1 }
        }

        var lineStart = index
        while index < count {
            // Find the next CR or LF: eight bytes at a time, then byte by byte for the tail.
            var found = false
            while count - index >= 8 {
                let word = UInt64(littleEndian: UnsafeRawPointer(base + index).loadUnaligned(as: UInt64.self))
                let mask = Self.lineEndMask(word)
                if mask != 0 {
                    index += mask.trailingZeroBitCount >> 3
                    found = true
                    break
                }
                index += 8
            }
            if !found {
                while index < count, bytes[index] > 0x0D || (bytes[index] != 0x0A && bytes[index] != 0x0D) { index += 1 }
                if index == count { break }
            }
            let byte = bytes[index]  // CR or LF
            if lineBuffer.isEmpty {
                processLine(UnsafeBufferPointer(rebasing: bytes[lineStart..<index]), inFeedBuffer: true, emit)
            } else if lineBuffer.count + (index - lineStart) > Self.maxLineBytes {
                overflow()
            } else {
                lineBuffer.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[lineStart..<index]))
                processBufferedLine(emit)
            }
            if tooLarge { return }
            index += 1
            if byte == 0x0D {
                if index < count {
                    if bytes[index] == 0x0A { index += 1 }
                } else {
                    skipLeadingLF = true
                }
            }
            lineStart = index
        }
        if lineStart < count {
            if lineBuffer.count + (count - lineStart) > Self.maxLineBytes {
                overflow()
            } else {
                lineBuffer.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[lineStart..<count]))
            }
        }
    }

    /// Copies a data value that still points into the buffer being fed into `dataBuffer`.
    @usableFromInline
    mutating func keepPendingData() {
        guard let value = pendingData else { return }
        pendingData = nil
        dataBuffer.append(contentsOf: value)
        dataBuffer.append(0x0A)
    }

    /// A line or an event went over its limit: free everything and ignore the rest.
    private mutating func overflow() {
        tooLarge = true
        lineBuffer = []
        dataBuffer = []
        pendingData = nil
        eventType = []
    }

    /// Ends the stream. An event without its terminating blank line (and any
    /// incomplete last line) is discarded, as the spec requires, so this returns
    /// no events. The decoder can then be fed a new stream.
    public mutating func finish() -> [SSEEvent] {
        lineBuffer = []
        dataBuffer = []
        pendingData = nil
        eventType = []
        lastEventIdBuffer = lastEventId
        skipLeadingLF = false
        bomState = 0
        return []
    }

    // MARK: - Lines

    /// A mask with the high bit set in (at least) the lowest byte of `word` that is
    /// LF or CR, zero when there is none. This is the classic "has a zero byte"
    /// test; it can also flag bytes above a real match, never below one, so the
    /// lowest flagged byte is exact.
    @inline(__always)
    private static func lineEndMask(_ word: UInt64) -> UInt64 {
        let ones: UInt64 = 0x0101_0101_0101_0101
        let highs: UInt64 = 0x8080_8080_8080_8080
        let lf = word ^ (ones &* 0x0A)
        let cr = word ^ (ones &* 0x0D)
        return ((lf &- ones) & ~lf | (cr &- ones) & ~cr) & highs
    }

    @inline(__always)
    private static func bomByte(_ k: UInt8) -> UInt8 {
        switch k {
        case 0: 0xEF
        case 1: 0xBB
        default: 0xBF
        }
    }

    /// Processes the line accumulated in `lineBuffer` and empties it.
    private mutating func processBufferedLine(_ emit: (SSEEventBytes) -> Void) {
        var line: [UInt8] = []
        swap(&line, &lineBuffer)
        line.withUnsafeBufferPointer { self.processLine($0, inFeedBuffer: false, emit) }
        if line.capacity <= Self.retainedCapacityLimit {
            line.removeAll(keepingCapacity: true)
            swap(&line, &lineBuffer)
        }
    }

    /// Interprets one complete line (without its line ending); `inFeedBuffer`: the line lies in
    /// the buffer being fed (so a data value may point into it until the feed ends).
    private mutating func processLine(_ line: UnsafeBufferPointer<UInt8>, inFeedBuffer: Bool,
                                      _ emit: (SSEEventBytes) -> Void) {
        let count = line.count
        if count > Self.maxLineBytes {
            overflow()
            return
        }
        if count == 0 {
            dispatch(emit)
            return
        }
        if line[0] == 0x3A { return }  // ':' comment

        var colon = 0
        while colon < count, line[colon] != 0x3A { colon += 1 }
        let name = UnsafeBufferPointer(rebasing: line[0..<colon])
        var valueStart = Swift.min(colon + 1, count)
        if valueStart < count, line[valueStart] == 0x20 { valueStart += 1 }
        let value = UnsafeBufferPointer(rebasing: line[valueStart..<count])

        switch Self.field(name) {
        case .data:
            if dataBuffer.count + (pendingData.map { $0.count + 1 } ?? 0) + value.count > Self.maxEventBytes {
                overflow()
                return
            }
            if inFeedBuffer, dataBuffer.isEmpty, pendingData == nil {
                pendingData = value
            } else {
                keepPendingData()
                dataBuffer.append(contentsOf: value)
                dataBuffer.append(0x0A)
            }
        case .event:
            eventType.removeAll(keepingCapacity: true)
            eventType.append(contentsOf: value)
        case .id:
            if !value.contains(0) {
                lastEventIdBuffer = String(decoding: value, as: UTF8.self)
            }
        case .retry:
            if let milliseconds = Self.parseRetry(value) { retryMilliseconds = milliseconds }
        case .other:
            break
        }
    }

    private enum Field { case data, event, id, retry, other }

    /// Field names are compared as bytes: a name holding invalid UTF-8 decodes to
    /// something with U+FFFD in it, which matches no known name either.
    @inline(__always)
    private static func field(_ name: UnsafeBufferPointer<UInt8>) -> Field {
        switch name.count {
        case 4:
            if name[0] == 0x64, name[1] == 0x61, name[2] == 0x74, name[3] == 0x61 { return .data }  // data
        case 5:
            if name[0] == 0x65, name[1] == 0x76, name[2] == 0x65, name[3] == 0x6E, name[4] == 0x74 { return .event }
            if name[0] == 0x72, name[1] == 0x65, name[2] == 0x74, name[3] == 0x72, name[4] == 0x79 { return .retry }
        case 2:
            if name[0] == 0x69, name[1] == 0x64 { return .id }
        default:
            break
        }
        return .other
    }

    /// A `retry` value counts only when it is one or more ASCII digits; a value too
    /// large for `Int` saturates.
    private static func parseRetry(_ value: UnsafeBufferPointer<UInt8>) -> Int? {
        guard !value.isEmpty else { return nil }
        var result = 0
        var overflowed = false
        for byte in value {
            guard byte >= 0x30, byte <= 0x39 else { return nil }
            if overflowed { continue }
            let (times10, o1) = result.multipliedReportingOverflow(by: 10)
            let (sum, o2) = times10.addingReportingOverflow(Int(byte - 0x30))
            if o1 || o2 { overflowed = true } else { result = sum }
        }
        return overflowed ? Int.max : result
    }

    /// "Dispatch the event" on a blank line.
    private mutating func dispatch(_ emit: (SSEEventBytes) -> Void) {
        lastEventId = lastEventIdBuffer
        if let value = pendingData, dataBuffer.isEmpty {
            // One data line, still in the buffer being fed: handed over without a copy.
            pendingData = nil
            eventType.withUnsafeBufferPointer { emit(SSEEventBytes(type: $0, data: value, lastEventId: lastEventId)) }
            eventType.removeAll(keepingCapacity: true)
            return
        }
        keepPendingData()
        guard !dataBuffer.isEmpty else {
            eventType.removeAll(keepingCapacity: true)
            return
        }
        eventType.withUnsafeBufferPointer { type in
            dataBuffer.withUnsafeBufferPointer { buffer in
                emit(SSEEventBytes(type: type, data: UnsafeBufferPointer(rebasing: buffer.dropLast()),
                                   lastEventId: lastEventId))
            }
        }
        if dataBuffer.capacity > Self.retainedCapacityLimit {
            dataBuffer = []
        } else {
            dataBuffer.removeAll(keepingCapacity: true)
        }
        eventType.removeAll(keepingCapacity: true)
    }
}
