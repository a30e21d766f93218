// The paced answer's floors: what the libraries robofy-tui is built on cost by themselves for the
// same answer, measured in child processes of the bench, so that the UI's figure can be read
// against them as well as against curl. Run with `paced`; never by CI beyond its smoke test.
import ArgumentParser
import AsyncHTTPClient
import DemoServer
import Dispatch
import Foundation
import NIOCore
import RobofyAPI
import Terminal
import WidgetUI
#if canImport(Glibc)
import Glibc
#endif

/// A floor child's work (`robofy-bench --floor-child MODE …`, hidden).
enum FloorMode: String, ExpressibleByArgument {
    /// AsyncHTTPClient alone: the paced answer POSTed and its body read and dropped.
    case ahc
    /// robofy-tui's read path without the UI: `RobofyClient.send` and its chunk stream (the
    /// SSE lines and the chunks' JSON decoded) on the client's event loop, as a turn reads it,
    /// its socket reads held as the UI's are (`RobofyClient.readWindow`).
    case client
    /// ncurses alone: the paced answer's frames (20 a second, the stream rate at which the UI draws them)
    /// drawn by the ncurses driver from canvases that hold the text so far, in a pty.
    case frames
    /// The same frames' wakes and canvases, without ncurses: `frames` less this is what ncurses
    /// itself costs.
    case canvases
    /// The same frames' wakes alone (the timer fires, nothing is drawn): the least a frame costs.
    case ticks

    /// Drawn in a pseudo-terminal of the bench's (the frames and their parts).
    var needsTerminal: Bool { [.frames, .canvases, .ticks].contains(self) }

    func figureName(frames: Int) -> String {
        switch self {
        case .ahc: "Paced floor: AsyncHTTPClient alone reading the answer"
        case .client: "Paced floor: robofy-tui's read path without the UI"
        case .frames: "Paced floor: \(frames) frames drawn by ncurses, nothing else"
        case .canvases: "Paced floor: the same frames' wakes and canvases, without ncurses"
        case .ticks: "Paced floor: the same frames' wakes alone"
        }
    }
}

/// CPU seconds of this process so far, on the clock the UI's figures are read from.
func selfCPUSeconds() -> Double { processCPUSeconds(getpid()) ?? .nan }

struct FloorChild {
    /// The environment variable that hands the child the demo server's token.
    static let tokenVariable = "ROBOFY_BENCH_FLOOR_TOKEN"

    let mode: FloorMode
    let url: String
    let token: String
    let query: String
    let frames: Int
    let out: String

    /// Does the work, and writes `cpu=<seconds of CPU during it>` to `out`.
    func run() async throws {
        let cpu: Double
        switch mode {
        case .ahc: cpu = try await ahc()
        case .client: cpu = try await client()
        case .frames: cpu = await drawFrames(canvases: true, ncurses: true)
        case .canvases: cpu = await drawFrames(canvases: true, ncurses: false)
        case .ticks: cpu = await drawFrames(canvases: false, ncurses: false)
        }
        try "cpu=\(cpu)\n".write(toFile: out, atomically: true, encoding: .utf8)
    }

    func ahc() async throws -> Double {
        let http = HTTPClient(eventLoopGroup: HTTPClient.defaultEventLoopGroup)
        var request = HTTPClientRequest(url: url + RobofyTarget.defaultStreamPath)
        request.method = .POST
        request.headers.add(name: "Content-Type", value: "application/json")
        request.headers.add(name: "Accept", value: "text/event-stream")
        request.headers.add(name: "Authorization", value: "Bearer \(token)")
        let body = RobofyClient.chatBody(ChatRequest(query: query, chatbotID: DemoServer.chatbotID),
                                         projectID: DemoServer.projectID)
        request.body = .bytes(ByteBuffer(string: body))
        let c0 = selfCPUSeconds()
        let response = try await http.execute(request, timeout: .seconds(60))
        var bytes = 0
        for try await part in response.body { bytes += part.readableBytes }
        let cpu = selfCPUSeconds() - c0
        try? await http.shutdown()
        guard bytes > 0 else { throw BenchError("the answer was empty") }
        return cpu
    }

    func client() async throws -> Double {
        let target = RobofyTarget(baseURL: url, projectID: DemoServer.projectID, chatbotID: DemoServer.chatbotID)
        // Its reads held as the UI's are (at its default frame rate).
        let client = RobofyClient(target: target, readWindow: RuntimeOptions.readWindow(streamFPS: RuntimeOptions.defaultStreamFPS))
        let c0 = selfCPUSeconds()
        let (_, chunks) = try await client.send(ChatRequest(query: query, chatbotID: DemoServer.chatbotID), token: token)
        // Watched for a stall as a turn watches it (the paced answer never stalls).
        chunks.stallWatch?.start {}
        defer { chunks.stallWatch?.stop() }
        let count = try await withTaskExecutorPreference(client.executor) { () async throws(RobofyError) -> Int in
            await client.executor.enter()
            var n = 0
            var it = chunks.makeAsyncIterator()
            while let batch = try await it.nextBatch() { n += batch.count }
            return n
        }
        let cpu = selfCPUSeconds() - c0
        await client.shutdown()
        guard count > 0 else { throw BenchError("the answer had no events") }
        return cpu
    }

    /// `frames` frames, 1/20 s apart from a repeating timer on the main queue (as the stream
    /// clock's, `RuntimeOptions.defaultStreamFPS`); frame k shows the first k/frames of a 4 KiB
    /// text, wrapped at 110 columns in the bottom of a 120×40 canvas with an input line below,
    /// and the driver writes the rows that changed.
    @MainActor
    func drawFrames(canvases: Bool, ncurses: Bool) async -> Double {
        let driver = NCursesDriver()
        if ncurses {
            do { try driver.start() } catch { return .nan }
        }
        let text = Self.text(bytes: 4096)
        let frames = self.frames
        let bubble = CellStyle(fg: .rgb(RGB(20, 20, 20)), bg: .rgb(RGB(240, 240, 240)))
        let input = CellStyle(fg: .rgb(RGB(90, 90, 90)), bg: .rgb(RGB(255, 255, 255)))
        // The text as lines of 110 columns (ASCII), made once: a frame puts the lines in view.
        let lines = stride(from: 0, to: text.utf8.count, by: 110).map { String(text.dropFirst($0).prefix(110)) }
        func canvas(_ k: Int) -> Canvas {
            var c = Canvas(width: 120, height: 40)
            let shown = text.utf8.count * k / max(1, frames)
            let full = shown / 110, part = shown % 110
            var view = lines.prefix(full).suffix(part > 0 ? 33 : 34).map { $0[...] }
            if part > 0, full < lines.count { view.append(lines[full].prefix(part)) }
            for (i, line) in view.enumerated() { c.put(line, x: 3, y: 2 + i, style: bubble) }
            c.put("  › Type message here..", x: 0, y: 38, style: input)
            c.cursor = (4, 38)
            return c
        }
        driver.draw(canvas(0))
        let c0 = selfCPUSeconds()
        await withCheckedContinuation { (done: CheckedContinuation<Void, Never>) in
            var k = 0
            var last = canvas(0)
            let timer = DispatchSource.makeTimerSource(queue: .main)
            let interval = DispatchTimeInterval.milliseconds(Int(1000 / RuntimeOptions.defaultStreamFPS))
            timer.schedule(deadline: .now() + interval, repeating: interval, leeway: .milliseconds(5))
            timer.setEventHandler {
                MainActor.assumeIsolated {
                    k += 1
                    if canvases {
                        let c = canvas(k)
                        let rows = c.changedRows(since: last)
                        if ncurses { driver.draw(c, rows: rows) }
                        last = c
                    }
                    if k >= frames {
                        timer.cancel()
                        done.resume()
                    }
                }
            }
            timer.resume()
        }
        let cpu = selfCPUSeconds() - c0
        driver.stop()
        return cpu
    }

    /// ASCII words, `bytes` long.
    static func text(bytes: Int) -> String {
        let words = ["the", "answer", "streams", "in", "small", "pieces", "of", "one", "to", "three", "words", "each"]
        var s = ""
        var i = 0
        while s.utf8.count < bytes {
            s += words[i % words.count] + " "
            i += 1
        }
        return String(s.prefix(bytes))
    }
}

extension ProcessBench {
    /// The floors of the paced answer (`FloorMode`), medians of runs like the UI's, added to the
    /// report next to the UI's figure; returns the medians, by mode.
    @discardableResult
    func pacedFloors(_ server: DemoServer, token: String, uiCPU: Double, curlCPU: Double, frames: Int,
                     selfPath: String) throws -> [FloorMode: Double] {
        var medians: [FloorMode: Double] = [:]
        let runs = quick ? 1 : 3
        let cmd = "swift run -c release robofy-bench paced"
        for mode in [FloorMode.ahc, .client, .frames, .canvases, .ticks] {
            var cpus: [Double] = []
            for i in 0..<runs {
                log("paced: floor \(mode.rawValue), run \(i + 1)/\(runs)…")
                cpus.append(try floorOnce(mode, server: server, token: token, frames: frames, selfPath: selfPath))
            }
            let cpu = median(cpus)
            medians[mode] = cpu
            report.add(Figure(key: "paced.floor_\(mode.rawValue)", name: mode.figureName(frames: frames), value: cpu, unit: "s", target: nil,
                              pass: nil, command: cmd,
                              detail: ["runs": cpus.map { String(format: "%.4f", $0) }.joined(separator: ","),
                                       "times_curl": String(format: "%.2f", cpu / curlCPU),
                                       "share_of_ui": String(format: "%.2f", cpu / uiCPU)]))
        }
        return medians
    }

    func floorOnce(_ mode: FloorMode, server: DemoServer, token: String, frames: Int, selfPath: String,
                   query: String = ProcessBench.pacedQuery) throws -> Double {
        let out = NSTemporaryDirectory() + "robofy-bench-floor-\(getpid())-\(mode.rawValue)"
        unlink(out)
        defer { unlink(out) }
        let args = [selfPath, "--floor-child", mode.rawValue, "--floor-url", server.baseURL,
                    "--floor-query", query, "--floor-frames", "\(frames)", "--floor-out", out]
        // The token by the environment, not the command line (which any process can read).
        let env = [FloorChild.tokenVariable: token]
        if mode.needsTerminal {
            let child = try PtyChild(args, env: env)
            guard child.finish(timeout: 60) != nil else { throw BenchError("the frames floor did not finish") }
        } else {
            let pid = try spawn(args, env: env)
            guard let e = waitChild(pid, timeout: 120), e.exitedNormally, e.exitCode == 0 else {
                throw BenchError("the \(mode.rawValue) floor failed")
            }
        }
        guard let s = try? String(contentsOfFile: out, encoding: .utf8), s.hasPrefix("cpu="),
              let v = Double(s.dropFirst(4).trimmingCharacters(in: .whitespacesAndNewlines)), v.isFinite else {
            throw BenchError("the \(mode.rawValue) floor wrote no figure")
        }
        return v
    }
}

