import Foundation
import RobofyAPI
import RobofySession
import WidgetUI

/// Figure 2: the cost of laying out and rendering one 120×40 frame, by conversation length;
/// plus the frames that matter while an answer streams in.
enum RenderBench {
    static let sizes = [10, 1_000, 10_000]

    static func run(_ report: Report, handshake: Handshake?, quick: Bool) {
        let cmd = "swift run -c release robofy-bench render"
        var states: [Int: AppState] = [:]
        for n in sizes {
            states[n] = Synthetic.state(messages: n, handshake: handshake)
            precondition(states[n]!.conversation.messages.count == n)
        }
        // Interleave the sizes so that drift (frequency, cache) hits them alike.
        let runs = quick ? 30 : 300
        var cold: [Int: [Double]] = [:]
        var warm: [Int: [Double]] = [:]
        var warmRenderers: [Int: Renderer] = [:]
        for n in sizes {
            let r = Renderer()
            blackHole(r.render(states[n]!))
            warmRenderers[n] = r
        }
        let clock = ContinuousClock()
        for k in 0..<runs {
            for n in sizes {
                var s = states[n]!
                _ = s.reduce(.tick(Double(k) * 0.1))
                // Cold: a new renderer lays out every visible message.
                let fresh = Renderer()
                var frame: Frame?
                cold[n, default: []].append(clock.measure { frame = fresh.render(s) }.seconds)
                blackHole(frame)
                // Warm: the runtime's renderer, with the visible messages' layouts cached.
                let r = warmRenderers[n]!
                warm[n, default: []].append(clock.measure { frame = r.render(s) }.seconds)
                blackHole(frame)
            }
        }
        let cold10 = median(cold[10]!) * 1000, warm10 = median(warm[10]!) * 1000
        for n in sizes {
            let c = median(cold[n]!) * 1000, w = median(warm[n]!) * 1000
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
        layoutThroughput(report, handshake: handshake, quick: quick)
    }

    /// The frame the loader redraws 10 times a second while an answer is awaited.
    static func loader(_ report: Report, handshake: Handshake?, quick: Bool) {
        var s = Synthetic.state(messages: 10, handshake: handshake)
        let agentID = s.agentID ?? Synthetic.agent.chatbotID
        _ = s.reduce(.session(.turnStarted(Turn(id: 1, agentID: agentID, agentName: "Nova", userText: "hello"))))
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

    /// The frames drawn while a 1 MiB answer streams in: each frame follows a new
    /// delta, so the answer's layout is never in the cache. Also the reducer's cost
    /// of one delta in a 10,000-message conversation.
    static func streaming(_ report: Report, handshake: Handshake?, quick: Bool) {
        let cmd = "swift run -c release robofy-bench render"
        let pattern = Array("The quick brown fox jumps over the lazy dog while the demo server streams benchmark text.\n".utf8)
        func text(_ offset: Int, _ count: Int) -> String {
            String(decoding: (0..<count).map { pattern[(offset + $0) % pattern.count] }, as: UTF8.self)
        }
        let answerBytes = 1 << 20
        let clock = ContinuousClock()
        for (messages, key) in [(10, "render.streaming"), (10_000, "reduce.delta")] {
            var s = Synthetic.state(messages: messages, handshake: handshake)
            let agentID = s.agentID ?? Synthetic.agent.chatbotID
            let turnID = 1
            _ = s.reduce(.session(.turnStarted(Turn(id: turnID, agentID: agentID, agentName: "Nova", userText: "/bench"))))
            _ = s.reduce(.session(.change(turnID: turnID, .text(text(0, answerBytes)))))
            var offset = answerBytes
            let renderer = Renderer()
            blackHole(renderer.render(s))
            let runs = quick ? 10 : 60
            var renderTimes: [Double] = []
            var reduceTimes: [Double] = []
            for _ in 0..<runs {
                let piece = text(offset, 21)
                offset += 21
                reduceTimes.append(clock.measure {
                    _ = s.reduce(.session(.change(turnID: turnID, .text(piece))))
                }.seconds)
                if key == "render.streaming" {
                    var f: Frame?
                    renderTimes.append(clock.measure { f = renderer.render(s) }.seconds)
                    blackHole(f)
                }
            }
            if key == "render.streaming" {
                let v = median(renderTimes) * 1000
                report.add(Figure(
                    key: key, name: "Frame while a 1 MiB answer streams", value: v, unit: "ms",
                    target: "< 16.7 ms (60 fps budget)", pass: v < 16.7, command: cmd,
                    detail: ["runs": "\(runs)", "answer_bytes": "\(offset)"]))
            } else {
                let v = median(reduceTimes) * 1e6
                report.add(Figure(
                    key: key, name: "Reduce one text-delta (1 MiB answer, 10,000 msgs)", value: v, unit: "µs",
                    target: nil, pass: nil, command: cmd,
                    detail: ["runs": "\(runs)", "answer_bytes": "\(offset)"]))
            }
        }
    }

    /// What a frame costs the UI while a fast answer streams: the whole answer is laid out
    /// once as it grows. A 1 MiB answer arrives in 16 KiB pieces with a frame after each
    /// (a fast stream at 60 fps brings about that much per frame); the figure is MB of
    /// answer text laid out and rendered per second.
    static func layoutThroughput(_ report: Report, handshake: Handshake?, quick: Bool) {
        let pattern = Array("The quick brown fox jumps over the lazy dog while the demo server streams benchmark text.\n".utf8)
        let answerBytes = 1 << 20, piece = 16 << 10
        let clock = ContinuousClock()
        var times: [Double] = []
        for _ in 0..<(quick ? 2 : 7) {
            var s = Synthetic.state(messages: 10, handshake: handshake)
            let agentID = s.agentID ?? Synthetic.agent.chatbotID
            _ = s.reduce(.session(.turnStarted(Turn(id: 1, agentID: agentID, agentName: "Nova", userText: "/bench"))))
            let renderer = Renderer()
            blackHole(renderer.render(s))
            let pieces = stride(from: 0, to: answerBytes, by: piece).map { start in
                String(decoding: (start..<min(answerBytes, start + piece)).map { pattern[$0 % pattern.count] }, as: UTF8.self)
            }
            times.append(clock.measure {
                for p in pieces {
                    _ = s.reduce(.session(.change(turnID: 1, .text(p))))
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
