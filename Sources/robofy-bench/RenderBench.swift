import DemoServer
import Foundation
import RobofyAPI
import RobofySession
import WidgetUI

/// Figure 2: the cost of laying out and rendering one 120×40 frame, by conversation length;
/// plus the frames that matter while an answer streams in.
enum RenderBench {
    /// Conversation lengths; the first is the reference.
    static let sizes = [10, 1_000, 10_000]

    static func run(_ report: Report, handshake: Handshake?, quick: Bool) {
        let cmd = "swift run -c release robofy-bench render"
        let states = sizes.map { Synthetic.state(messages: $0, handshake: handshake) }
        for (n, s) in zip(sizes, states) { precondition(s.conversation.messages.count == n) }
        // Interleave the sizes so that drift (frequency, cache) hits them alike.
        let runs = quick ? 30 : 300
        var cold = Array(repeating: [Double](), count: sizes.count)
        var warm = cold
        let warmRenderers = states.map { s in
            let r = Renderer()
            blackHole(r.render(s))
            return r
        }
        let clock = ContinuousClock()
        for k in 0..<runs {
            for i in sizes.indices {
                var s = states[i]
                _ = s.reduce(.tick(Double(k) * 0.1))
                // Cold: a new renderer lays out every visible message.
                let fresh = Renderer()
                var frame: Frame?
                cold[i].append(clock.measure { frame = fresh.render(s) }.seconds)
                blackHole(frame)
                // Warm: the runtime's renderer, with the visible messages' layouts cached.
                warm[i].append(clock.measure { frame = warmRenderers[i].render(s) }.seconds)
                blackHole(frame)
            }
        }
        let cold10 = median(cold[0]) * 1000, warm10 = median(warm[0]) * 1000
        for (i, n) in sizes.enumerated() {
            let c = median(cold[i]) * 1000, w = median(warm[i]) * 1000
            let label = grouped(n)
            let isRef = n == 10
            report.add(Figure(
                key: "render.cold.\(n)", name: "Frame, \(label) messages (layout + render)", value: c, unit: "ms",
                target: isRef ? nil : "≤ 1.2× 10 msgs (\(Figure.format(cold10 * 1.2, unit: "ms")))",
                pass: isRef ? nil : c <= cold10 * 1.2, command: cmd,
                detail: ["runs": "\(runs)", "ratio_to_10": String(format: "%.3f", c / cold10)]))
            report.add(Figure(
                key: "render.warm.\(n)", name: "Frame, \(label) messages (layouts cached)", value: w, unit: "ms",
                target: isRef ? nil : "≤ 1.2× 10 msgs (\(Figure.format(warm10 * 1.2, unit: "ms")))",
                pass: isRef ? nil : w <= warm10 * 1.2, command: cmd,
                detail: ["runs": "\(runs)", "ratio_to_10": String(format: "%.3f", w / warm10)]))
        }
        loader(report, handshake: handshake, quick: quick)
        streaming(report, handshake: handshake, quick: quick)
        pacedFrames(report, handshake: handshake, quick: quick)
        reduceDelta(report, handshake: handshake, quick: quick)
        layoutThroughput(report, handshake: handshake, quick: quick)
    }

    /// The frame the loader redraws 10 times a second while an answer is awaited.
    static func loader(_ report: Report, handshake: Handshake?, quick: Bool) {
        var s = Synthetic.state(messages: 10, handshake: handshake)
        Synthetic.startTurn(&s, "hello")
        let renderer = Renderer()
        blackHole(renderer.render(s))
        let runs = quick ? 100 : 2000
        let clock = ContinuousClock()
        var times: [Double] = []
        for k in 0..<runs {
            _ = s.reduce(.tick(Double(k) * 0.1))
            var f: Frame?
            times.append(clock.measure { f = renderer.render(s) }.seconds)
            blackHole(f)
        }
        report.add(Figure(key: "render.loader", name: "Frame with the loader (10 per second)", value: median(times) * 1000,
                          unit: "ms", target: nil, pass: nil, command: "swift run -c release robofy-bench render",
                          detail: ["runs": "\(runs)"]))
    }

    static let answerBytes = 1 << 20

    /// A state of `messages` messages whose last answer has 1 MiB of text and is still
    /// streaming, and that answer's text: grow it with `grow`.
    static func streamingState(messages: Int, handshake: Handshake?) -> (AppState, AnswerText) {
        var (s, answer) = newAnswer(messages: messages, handshake: handshake, question: "/bench")
        grow(&s, answer, BenchText.text(offset: 0, count: answerBytes))
        return (s, answer)
    }

    /// A state of `messages` messages and a question whose answer has only begun (no text
    /// yet), and that answer's text, read in place by the message as the session's is.
    static func newAnswer(messages: Int, handshake: Handshake?, question: String) -> (AppState, AnswerText) {
        var s = Synthetic.state(messages: messages, handshake: handshake)
        Synthetic.startTurn(&s, question)
        let answer = AnswerText()
        _ = s.reduce(.session(.answer(turnID: 1, answer)))
        return (s, answer)
    }

    /// A delta of the streaming answer, as the session delivers it: appended to the answer's
    /// text, which the message reads in place, and then announced. (A message without that
    /// text appends each delta to a `String` of its own; while the last frame's layout still
    /// holds that string, each delta copied the whole answer, and each frame looked over all
    /// of it for its finished lines: that is not what the runtime draws.)
    static func grow(_ s: inout AppState, _ answer: AnswerText, _ piece: String) {
        answer.append(piece)
        _ = s.reduce(.session(.change(turnID: 1, .text(piece))))
    }

    /// The frames drawn while a 1 MiB answer streams in: each frame follows a new
    /// delta, so the answer's layout is never in the cache.
    static func streaming(_ report: Report, handshake: Handshake?, quick: Bool) {
        var (s, answer) = streamingState(messages: 10, handshake: handshake)
        let renderer = Renderer()
        blackHole(renderer.render(s))
        let runs = quick ? 10 : 60
        let clock = ContinuousClock()
        var times: [Double] = []
        var last = renderer.render(s)
        // The cells and bytes a driver writes for each frame (only the changed ones).
        var cells: [Double] = [], bytes: [Double] = []
        for k in 0..<runs {
            grow(&s, answer, BenchText.text(offset: answerBytes + 21 * k, count: 21))
            var f: Frame?
            times.append(clock.measure { f = renderer.render(s) }.seconds)
            guard let f else { continue }
            let runs = (f.changedRows ?? Array(0..<f.canvas.height)).flatMap {
                f.canvas.changedRuns(inRow: $0, since: last.canvas, form: { $0 })
            }
            cells.append(Double(runs.reduce(0) { $0 + $1.cells }))
            bytes.append(Double(runs.reduce(0) { $0 + $1.text.utf8.count }))
            last = f
        }
        report.add(Figure(
            key: "render.streaming_cells", name: "Cells written per frame while an answer streams (120×40)",
            value: median(cells), unit: "", target: nil, pass: nil, command: "swift run -c release robofy-bench render",
            detail: ["runs": "\(runs)", "text_bytes_median": String(format: "%.0f", median(bytes)),
                     "of_cells": "\(last.canvas.width * last.canvas.height)"]))
        let v = median(times) * 1000
        report.add(Figure(
            key: "render.streaming", name: "Frame while a 1 MiB answer streams", value: v, unit: "ms",
            target: "< 16.7 ms (60 fps budget)", pass: v < 16.7, command: "swift run -c release robofy-bench render",
            detail: ["runs": "\(runs)", "answer_bytes": "\(answerBytes + 21 * runs)"]))
        // The same frames as the runtime draws them: a delta's damage is the conversation alone.
        var (d, dAnswer) = streamingState(messages: 10, handshake: handshake)
        let damaged = Renderer()
        blackHole(damaged.render(d))
        var dtimes: [Double] = []
        for k in 0..<runs {
            grow(&d, dAnswer, BenchText.text(offset: answerBytes + 21 * k, count: 21))
            dtimes.append(clock.measure { blackHole(damaged.render(d, damage: .conversation)) }.seconds)
        }
        let dv = median(dtimes) * 1000
        report.add(Figure(
            key: "render.streaming_conversation", name: "Frame while a 1 MiB answer streams, conversation only (as drawn)",
            value: dv, unit: "ms", target: nil, pass: nil, command: "swift run -c release robofy-bench render",
            detail: ["runs": "\(runs)", "conversation_frames": "\(damaged.conversationFrames)"]))
    }

    /// The frames of the paced answer (`robofy-bench paced`: 4 KiB in 200 deltas at 50 a
    /// second, drawn 30 times a second), as the runtime draws them, in process: the answer
    /// starts empty under ten messages and grows at the bottom of the view, so each new line
    /// moves every row above it. The figure is the mean frame (the total over the answer and
    /// the frames drawn are in the details): what drawing costs the paced answer, without its
    /// wakes and the terminal.
    ///
    /// Measured twice: back to back, and with the caches cold (32 MiB walked before each
    /// frame), as in the UI, which sleeps 33 ms between two frames while other processes run.
    /// In a profile of the paced UI a frame's render costs about what the cold figure says.
    static func pacedFrames(_ report: Report, handshake: Handshake?, quick: Bool) {
        let deltas = 200, deltaBytes = 21
        let clock = ContinuousClock()
        var evict = [UInt8](repeating: 0, count: 32 << 20)
        for cold in [false, true] {
            var totals: [Double] = []
            var frames = 0
            for _ in 0..<(quick ? 2 : (cold ? 7 : 15)) {
                var (s, answer) = newAnswer(messages: 10, handshake: handshake, question: "/bench 4096 200")
                let renderer = Renderer()
                blackHole(renderer.render(s))
                var total = Duration.zero
                frames = 0
                for k in 0..<deltas {
                    grow(&s, answer, BenchText.text(offset: deltaBytes * k, count: deltaBytes))
                    // A delta every 20 ms, a frame at most every 1/30 s: a frame after the deltas
                    // that cross a frame's boundary (122 frames; the paced run draws 123-125).
                    guard k == 0 || (k + 1) * 20 / 33 != k * 20 / 33 else { continue }
                    if cold {
                        evict.withUnsafeMutableBufferPointer { b in
                            for i in stride(from: 0, to: b.count, by: 64) { b[i] &+= 1 }
                        }
                        blackHole(evict[k])
                    }
                    total += clock.measure { blackHole(renderer.render(s, damage: .conversation)) }
                    frames += 1
                }
                totals.append(total.seconds)
            }
            let t = median(totals)
            report.add(Figure(
                key: cold ? "render.paced_frame_cold" : "render.paced_frame",
                name: "Frame of the paced answer, conversation only (as drawn)" + (cold ? ", caches cold" : ""),
                value: t / Double(frames) * 1000, unit: "ms", target: nil, pass: nil,
                command: "swift run -c release robofy-bench render",
                detail: ["frames": "\(frames)", "answer_total_ms": String(format: "%.3f", t * 1000),
                         "deltas": "\(deltas)", "runs": "\(totals.count)"]))
        }
    }

    /// The reducer's cost of one delta of a 1 MiB answer in a 10,000-message conversation.
    static func reduceDelta(_ report: Report, handshake: Handshake?, quick: Bool) {
        var (s, answer) = streamingState(messages: 10_000, handshake: handshake)
        let runs = quick ? 10 : 60
        let clock = ContinuousClock()
        var times: [Double] = []
        for k in 0..<runs {
            let piece = BenchText.text(offset: answerBytes + 21 * k, count: 21)
            times.append(clock.measure { grow(&s, answer, piece) }.seconds)
        }
        report.add(Figure(
            key: "reduce.delta", name: "Reduce one text-delta (1 MiB answer, 10,000 msgs)", value: median(times) * 1e6,
            unit: "µs", target: nil, pass: nil, command: "swift run -c release robofy-bench render",
            detail: ["runs": "\(runs)", "answer_bytes": "\(answerBytes + 21 * runs)"]))
    }

    /// What a frame costs the UI while a fast answer streams: the whole answer is laid out
    /// once as it grows. A 1 MiB answer arrives in 16 KiB pieces with a frame after each
    /// (a fast stream at 60 fps brings about that much per frame); the figure is MB of
    /// answer text laid out and rendered per second.
    static func layoutThroughput(_ report: Report, handshake: Handshake?, quick: Bool) {
        let piece = 16 << 10
        let pieces = stride(from: 0, to: answerBytes, by: piece).map {
            BenchText.text(offset: $0, count: min(piece, answerBytes - $0))
        }
        let clock = ContinuousClock()
        var times: [Double] = []
        for _ in 0..<(quick ? 2 : 7) {
            var (s, answer) = newAnswer(messages: 10, handshake: handshake, question: "/bench")
            let renderer = Renderer()
            blackHole(renderer.render(s))
            times.append(clock.measure {
                for p in pieces {
                    grow(&s, answer, p)
                    blackHole(renderer.render(s))
                }
            }.seconds)
        }
        let t = median(times)
        report.add(Figure(
            key: "render.layout_throughput", name: "Layout of a streaming answer (16 KiB per frame)",
            value: Double(answerBytes) / 1e6 / t, unit: "MB/s", target: nil, pass: nil,
            command: "swift run -c release robofy-bench render",
            detail: ["answer_bytes": "\(answerBytes)", "piece_bytes": "\(piece)", "seconds": String(format: "%.4f", t)]))
    }
}
