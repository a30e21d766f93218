// Fuzz target `sse`: SSEDecoder with a differential oracle. The same bytes fed
// whole, byte by byte, in input-derived random splits, split at every CR, and as a
// non-contiguous sequence must give the same events, last event ID and retry.
#if canImport(Glibc)
import Glibc
#endif

struct SSEOutcome: Equatable {
    var events: [SSEEvent]
    var lastEventId: String
    var retry: Int?
}

func decodeSSE(_ bytes: [UInt8], chunks: [Range<Int>]) -> SSEOutcome {
    var decoder = SSEDecoder()
    var events: [SSEEvent] = []
    for r in chunks { events += decoder.feed(bytes[r]) }
    events += decoder.finish()
    return SSEOutcome(events: events, lastEventId: decoder.lastEventId, retry: decoder.retryMilliseconds)
}

func describe(_ o: SSEOutcome) -> String {
    let events = o.events.prefix(8).map { "(\(visible($0.event, limit: 40)) \(visible($0.data, limit: 80)) id=\(visible($0.lastEventId, limit: 40)))" }
    return "\(o.events.count) events \(events.joined(separator: " ")) last=\(visible(o.lastEventId, limit: 40)) retry=\(String(describing: o.retry))"
}

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzSSE(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    let n = bytes.count
    let whole = decodeSSE(bytes, chunks: n == 0 ? [] : [0..<n])

    func compare(_ mode: String, _ chunks: [Range<Int>]) {
        let other = decodeSSE(bytes, chunks: chunks)
        if other != whole {
            fuzzFail("sse-\(mode)", "fed whole: \(describe(whole))\nfed \(mode): \(describe(other))")
        }
    }
    if checking("sse-bytewise") { compare("bytewise", (0..<n).map { $0..<($0 + 1) }) }
    if checking("sse-splits") {
        var rng = SplitMix(hashing: bytes)
        for _ in 0..<3 {
            var chunks: [Range<Int>] = []
            var i = 0
            while i < n {
                // Mostly short pieces, sometimes empty, sometimes long ones.
                let len = rng.below(4) == 0 ? rng.below(64) : rng.below(9)
                let end = min(n, i + len)
                chunks.append(i..<end)
                i = end
            }
            compare("splits", chunks)
        }
    }
    if checking("sse-cr") {
        // A cut right after every CR and right before every LF.
        var chunks: [Range<Int>] = []
        var start = 0
        for i in 0..<n where bytes[i] == 0x0D || bytes[i] == 0x0A {
            let cut = bytes[i] == 0x0D ? i + 1 : i
            if cut > start { chunks.append(start..<cut); start = cut }
        }
        if start < n { chunks.append(start..<n) }
        compare("cr", chunks)
    }
    if checking("sse-sequence") {
        // The non-contiguous path (`Sequence` without contiguous storage).
        var decoder = SSEDecoder()
        var events = decoder.feed(AnySequence(bytes))
        events += decoder.finish()
        let other = SSEOutcome(events: events, lastEventId: decoder.lastEventId, retry: decoder.retryMilliseconds)
        if other != whole { fuzzFail("sse-sequence", "fed whole: \(describe(whole))\nas sequence: \(describe(other))") }
    }
    if checking("sse-restart") {
        // After finish() the decoder starts a new stream: the same bytes give the same events
        // (the last event ID carries over, so compare types and data only).
        var decoder = SSEDecoder()
        _ = decoder.feed(bytes)
        _ = decoder.finish()
        var again = decoder.feed(bytes)
        again += decoder.finish()
        let a = again.map { [$0.event, $0.data] }, b = whole.events.map { [$0.event, $0.data] }
        if a != b { fuzzFail("sse-restart", "second stream gave \(again.count) events, first \(whole.events.count)") }
    }
    return 0
}
