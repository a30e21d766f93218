import DemoServer
import Foundation
import RobofyAPI

/// Figure 1: SSE + chunk decoding throughput over a generated stream of small text-deltas.
enum DecodeBench {
    static let streamBytes = 16 << 20

    /// Small `text-delta` events like those of the demo server's `/bench` query, over its
    /// text (`BenchText`): 18–24 bytes of text each, newlines escaped in the JSON.
    static func makeStream(bytes target: Int) -> (stream: [UInt8], events: Int, textBytes: Int) {
        let pattern = BenchText.pattern
        var out: [UInt8] = []
        out.reserveCapacity(target + 128)
        out += Array("data: {\"type\":\"start\",\"messageId\":\"bench\"}\n\ndata: {\"type\":\"text-start\",\"id\":\"0\"}\n\n".utf8)
        let prefix = Array("data: {\"type\":\"text-delta\",\"id\":\"0\",\"delta\":\"".utf8)
        let suffix = Array("\"}\n\n".utf8)
        let end = Array("data: {\"type\":\"text-end\",\"id\":\"0\"}\n\ndata: {\"type\":\"finish\",\"finishReason\":\"stop\"}\n\ndata: [DONE]\n\n".utf8)
        var p = 0
        var events = 2
        var text = 0
        var k = 0
        while out.count + prefix.count + 48 + suffix.count + end.count < target {
            let size = 18 + (k % 7)   // 18…24 bytes of text: 1 MiB / 50,000 deltas is ~21
            k += 1
            out += prefix
            for _ in 0..<size {
                let b = pattern[p]
                p += 1
                if p == pattern.count { p = 0 }
                if b == 0x0A { out += [0x5C, 0x6E] } else { out.append(b) }   // \n
            }
            out += suffix
            events += 1
            text += size
        }
        // Pad with an SSE comment so the stream is exactly `target` bytes.
        let pad = target - out.count - end.count
        if pad >= 2 {
            out += [0x3A] + [UInt8](repeating: 0x20, count: pad - 2) + [0x0A]
        }
        out += end
        events += 3
        return (out, events, text)
    }

    struct Tally {
        var events = 0
        var textBytes = 0
    }

    /// Decodes the whole stream, fed `slice` bytes at a time, as `ChunkStream` does (each event
    /// decoded from the read buffer into a `ChunkEvent`).
    @inline(never)
    static func decode(_ stream: [UInt8], slice: Int) -> Tally {
        var decoder = SSEDecoder()
        var tally = Tally()
        stream.withUnsafeBytes { all in
            var i = 0
            let n = all.count
            while i < n {
                let j = min(n, i + slice)
                decoder.feed(UnsafeRawBufferPointer(rebasing: all[i..<j])) { e in
                    let ev = UIChunkDecoder.event(utf8: e.data)
                    tally.events += 1
                    if case .textDelta(_, let d) = ev.chunk { tally.textBytes += d.utf8.count }
                    blackHole(ev)
                }
                i = j
            }
        }
        _ = decoder.finish()
        return tally
    }

    /// The same, as the runtime reads an answer (`ChunkDecoder` with `joinsDeltas`, as
    /// `ChunkStream`'s batch iterator uses it): a read's text-deltas become one run.
    @inline(never)
    static func decodeRuns(_ stream: [UInt8], slice: Int) -> Tally {
        var decoder = ChunkDecoder(joinsDeltas: true)
        var tally = Tally()
        var out: [ChunkEvent] = []
        func count() {
            for ev in out {
                tally.events += ev.eventCount
                if case .textDelta(_, let d) = ev.chunk { tally.textBytes += d.utf8.count }
            }
            blackHole(out)
            out.removeAll(keepingCapacity: true)
        }
        stream.withUnsafeBytes { all in
            var i = 0
            let n = all.count
            while i < n {
                let j = min(n, i + slice)
                decoder.feed(UnsafeRawBufferPointer(rebasing: all[i..<j]), into: &out)
                count()
                i = j
            }
        }
        decoder.finish(into: &out)
        count()
        return tally
    }

    static func run(_ report: Report, quick: Bool) {
        log("decode: generating a \(streamBytes >> 20) MiB stream…")
        let (stream, events, textBytes) = makeStream(bytes: streamBytes)
        for (slice, label, key, joined) in [(4096, "4 KiB reads", "decode.4k", false), (1, "1-byte reads", "decode.1b", false),
                                            (4096, "4 KiB reads, deltas as runs (as the UI reads)", "decode.4k_runs", true)] {
            let runs = quick ? 1 : (slice == 1 ? 3 : 7)
            var last = Tally()
            let times = timeRuns(runs) { last = joined ? decodeRuns(stream, slice: slice) : decode(stream, slice: slice) }
            precondition(last.events == events && last.textBytes == textBytes,
                         "decoded \(last.events) events / \(last.textBytes) bytes, expected \(events) / \(textBytes)")
            let t = median(times)
            let mbps = Double(stream.count) / t / 1e6
            report.add(Figure(
                key: key, name: "Decode throughput, \(label)", value: mbps, unit: "MB/s", target: nil, pass: nil,
                command: "swift run -c release robofy-bench decode",
                detail: ["stream_bytes": "\(stream.count)", "events": "\(events)", "text_bytes": "\(textBytes)",
                         "median_seconds": String(format: "%.4f", t), "runs": "\(runs)",
                         "events_per_second": String(format: "%.0f", Double(events) / t)]))
        }
    }
}
