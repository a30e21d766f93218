import Hummingbird

/// Ends a stream early because of a byte-count fault.
enum SSEStop: Error {
    /// `cut=N`: end the body cleanly (terminating chunk), mid-event.
    case cut
    /// `drop=N`: abort the connection without ending the chunked body.
    case drop
    /// `stall=N` ran out its time: end the body cleanly.
    case stallTimeout
    /// The client closed its side of the connection.
    case clientGone
}

/// Writes SSE bytes to the response body, applying the byte-count faults
/// (cut / drop / stall). Used from a single task only.
final class SSESink {
    private var writer: any ResponseBodyWriter
    private var pending = ByteBuffer()
    private var written = 0
    private let cutAfter: Int?
    private let dropAfter: Int?
    private let stallAfter: Int?
    /// When unpaced, small events are coalesced into ~16 KiB writes.
    let batching: Bool
    static let stallSeconds = 60
    static let batchBytes = 16 * 1024

    private let clientGone: DemoSignal

    init(writer: any ResponseBodyWriter, faults: DemoFaults, batching: Bool, clientGone: DemoSignal) {
        self.writer = writer
        self.clientGone = clientGone
        self.cutAfter = faults.cutAfterBytes
        self.dropAfter = faults.dropAfterBytes
        self.stallAfter = faults.stallAfterBytes
        self.batching = batching
    }

    private func nextLimit() -> (Int, SSEStop?)? {
        var best: (Int, SSEStop?)?
        for (limit, action) in [(dropAfter, SSEStop.drop), (cutAfter, .cut)] as [(Int?, SSEStop?)] {
            if let limit, best.map({ limit < $0.0 }) ?? true { best = (limit, action) }
        }
        if let stallAfter, best.map({ stallAfter < $0.0 }) ?? true { best = (stallAfter, nil) }
        return best
    }

    func send(_ text: String) async throws {
        if clientGone.isFired { throw SSEStop.clientGone }
        let utf8 = text.utf8
        if let (limit, action) = nextLimit(), written + utf8.count >= limit {
            let keep = max(0, limit - written)
            pending.writeBytes(utf8.prefix(keep))
            written += keep
            try await flush()
            if let action { throw action }
            // Stall: no more bytes; wait until the stall times out, the client goes
            // away or the server stops (which cancels this task).
            await clientGone.wait(upTo: .seconds(Self.stallSeconds))
            try Task.checkCancellation()
            throw clientGone.isFired ? SSEStop.clientGone : SSEStop.stallTimeout
        }
        pending.writeBytes(utf8)
        written += utf8.count
        if !batching || pending.readableBytes >= Self.batchBytes {
            try await flush()
        }
    }

    func flush() async throws {
        guard pending.readableBytes > 0 else { return }
        let buffer = pending
        pending = ByteBuffer()
        try await writer.write(buffer)
    }

    func finish() async throws {
        try await flush()
        try await writer.finish(nil)
    }
}

/// Produces the UI-message-stream events of one scripted turn, writing each one as
/// soon as it is produced (nothing is built up front).
struct SSEStreamer {
    var plan: DemoTurnPlan
    var sessionID: String
    var deltaDelayMs: Int
    var faults: DemoFaults

    static let malformedEvent = "data: {not json\n\n"
    static let unknownEvents: [DemoJSON] = [["type": "custom-thing", "foo": 1], ["type": "reset-step"]]

    func run(_ sink: SSESink) async throws {
        var injectionsPending = faults.malformedChunk || faults.unknownChunk

        func event(_ json: DemoJSON) async throws {
            try await sink.send("data: " + json.serialized + "\n\n")
        }
        var longPending = faults.longEventBytes != nil
        func inject() async throws {
            if longPending, let bytes = faults.longEventBytes {
                longPending = false
                // One event whose data line is `bytes` long, written in 64 KiB pieces.
                var line = "data: {\"type\":\"text-delta\",\"id\":\"0\",\"delta\":\""
                var left = max(0, bytes - line.utf8.count - 3)
                try await sink.send(line)
                let piece = String(repeating: "x", count: 64 << 10)
                while left > 0 {
                    let n = min(left, piece.utf8.count)
                    try await sink.send(n == piece.utf8.count ? piece : String(repeating: "x", count: n))
                    left -= n
                }
                line = "\"}\n\n"
                try await sink.send(line)
            }
            guard injectionsPending else { return }
            injectionsPending = false
            if faults.unknownChunk { try await event(Self.unknownEvents[0]) }
            if faults.malformedChunk { try await sink.send(Self.malformedEvent) }
            if faults.unknownChunk { try await event(Self.unknownEvents[1]) }
        }
        func pace() async throws {
            guard deltaDelayMs > 0 else { return }
            try await sink.flush()
            try await Task.sleep(for: .milliseconds(deltaDelayMs))
        }
        /// Text deltas with the mid-stream injections at the middle delta.
        func deltas(_ pieces: [String], id: String, type: String) async throws {
            let middle = pieces.count / 2
            for (i, piece) in pieces.enumerated() {
                if i == middle, pieces.count >= 2 { try await inject() }
                try await pace()
                try await event(["type": .string(type), "id": .string(id), "delta": .string(piece)])
            }
        }

        try await event(["type": "start", "messageId": .string(DemoRandom.alphanumeric(16))])
        try await sink.send(": keep-alive\n\n")
        try await event(["type": "start-step"])

        var failed = false
        for segment in plan.segments {
            switch segment {
            case .text(let text):
                try await event(["type": "text-start", "id": "0"])
                try await deltas(DeltaSplitter.pieces(text), id: "0", type: "text-delta")
                try await event(["type": "text-end", "id": "0"])

            case .failingText(let text, let errorText):
                try await event(["type": "text-start", "id": "0"])
                try await deltas(DeltaSplitter.pieces(text), id: "0", type: "text-delta")
                try await inject()
                try await event(["type": "error", "errorText": .string(errorText)])
                failed = true

            case .bench(let bytes, let count, let shape):
                try await event(["type": "text-start", "id": "0"])
                let base = bytes / count
                let extra = bytes % count
                var offset = 0
                for i in 0..<count {
                    if i == count / 2, count >= 2 { try await inject() }
                    let size = base + (i < extra ? 1 : 0)
                    try await pace()
                    try await sink.send(
                        "data: {\"type\":\"text-delta\",\"id\":\"0\",\"delta\":"
                            + DemoJSON.quoted(BenchText.text(offset: offset, count: size, shape: shape)) + "}\n\n")
                    offset += size
                }
                try await event(["type": "text-end", "id": "0"])

            case .reasoning(let text):
                try await event(["type": "reasoning-start", "id": "reasoning-0"])
                try await deltas(DeltaSplitter.pieces(text), id: "reasoning-0", type: "reasoning-delta")
                try await event(["type": "reasoning-end", "id": "reasoning-0"])

            case .tool(let call):
                try await event([
                    "type": "tool-input-start", "toolCallId": .string(call.toolCallID), "toolName": .string(call.toolName),
                ])
                for piece in call.inputPieces {
                    try await pace()
                    try await event([
                        "type": "tool-input-delta", "toolCallId": .string(call.toolCallID), "inputTextDelta": .string(piece),
                    ])
                }
                try await event([
                    "type": "tool-input-available", "toolCallId": .string(call.toolCallID),
                    "toolName": .string(call.toolName), "input": call.input,
                ])
                try await event([
                    "type": "tool-output-available", "toolCallId": .string(call.toolCallID), "output": call.output,
                ])

            case .nextStep:
                try await event(["type": "finish-step"])
                try await event(["type": "start-step"])

            case .sources(let sources):
                for source in sources {
                    try await event([
                        "type": "source-url", "sourceId": .string(source.id), "url": .string(source.url),
                        "title": .string(source.title),
                    ])
                }
            }
        }
        try await inject()
        if !failed { try await event(["type": "finish-step"]) }
        let reason = plan.finishReason
        if !faults.noFinish { try await event(["type": "finish", "finishReason": .string(reason)]) }
        try await event(["type": "data-session", "data": .string(sessionID)])
        try await event([
            "type": "data-finish-reason",
            "data": ["finishReason": .string(reason), "rawFinishReason": .string(reason.uppercased())],
        ])
        try await sink.send("data: [DONE]\n\n")
        try await sink.flush()
    }
}

enum DeltaSplitter {
    /// Splits text into pieces of 1–3 words (each word keeps the whitespace that
    /// follows it), cycling 2, 1, 3, 1, 2, 3 words. Concatenating the pieces gives the text back.
    static func pieces(_ text: String) -> [String] {
        var words: [Substring] = []
        var start = text.startIndex
        var seenWordChar = false
        var previousWasSpace = false
        for index in text.indices {
            let isSpace = text[index].isWhitespace
            if !isSpace, previousWasSpace, seenWordChar {
                words.append(text[start..<index])
                start = index
            }
            if !isSpace { seenWordChar = true }
            previousWasSpace = isSpace
        }
        if start < text.endIndex { words.append(text[start...]) }

        let cycle = [2, 1, 3, 1, 2, 3]
        var pieces: [String] = []
        pieces.reserveCapacity(words.count / 2 + 1)
        var i = 0
        var c = 0
        while i < words.count {
            let n = min(cycle[c % cycle.count], words.count - i)
            pieces.append(words[i..<(i + n)].joined())
            i += n
            c += 1
        }
        return pieces
    }
}
