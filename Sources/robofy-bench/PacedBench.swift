import DemoServer
import Foundation
import RobofyAPI
#if canImport(Glibc)
import Glibc
#endif

/// The paced realistic answer and the memory an answer costs, with the release UI in a pty.
extension ProcessBench {
    // MARK: Paced realistic answer

    /// 4 KiB in 200 deltas; the server paces them 20 ms apart (50 deltas/s).
    static let pacedBytes = 4096
    static let pacedDeltas = 200
    static let pacedQuery = "/bench \(pacedBytes) \(pacedDeltas)"
    static let pacedSpec = "pace=20"

    func paced() async throws {
        var opts = DemoServerOptions()
        opts.faults = try DemoFaults(spec: Self.pacedSpec)
        try await DemoServer.with(opts) { try await paced($0) }
    }

    func paced(_ server: DemoServer) async throws {
        let cmd = "swift run -c release robofy-bench paced"
        let (uiRuns, curlRuns, _, token) = try await uiAndCurlRuns(server, label: "paced", query: Self.pacedQuery,
                                                               answerBytes: Self.pacedBytes)
        let runs = uiRuns.count
        let uiCPU = median(uiRuns.map(\.cpu)), curlCPU = median(curlRuns.map(\.cpu))
        let detail = ["runs": "\(runs)", "ui_cpu_runs": uiRuns.map { String(format: "%.3f", $0.cpu) }.joined(separator: ","),
                      "curl_cpu_runs": curlRuns.map { String(format: "%.3f", $0.cpu) }.joined(separator: ","),
                      "server_faults": Self.pacedSpec, "query": Self.pacedQuery]
        report.add(Figure(key: "paced.ui_cpu", name: "Paced: UI CPU, 4 KiB as 200 deltas at 50/s", value: uiCPU, unit: "s",
                          target: "≤ 3× curl (\(Figure.format(curlCPU * 3, unit: "s")))", pass: uiCPU <= curlCPU * 3,
                          command: cmd, detail: detail))
        report.add(Figure(key: "paced.curl_cpu", name: "Paced: curl -sN CPU, same stream (floor)", value: curlCPU, unit: "s",
                          target: nil, pass: nil, command: cmd + " (curl with the server's pace=20)"))
        report.add(Figure(key: "paced.ratio", name: "Paced: UI CPU / curl CPU", value: uiCPU / curlCPU, unit: "×",
                          target: "≤ 3×", pass: uiCPU <= curlCPU * 3, command: cmd))
        report.add(Figure(key: "paced.frames", name: "Paced: frames drawn (output bursts)",
                          value: median(uiRuns.map { Double($0.bursts) }), unit: "", target: nil, pass: nil, command: cmd,
                          detail: ["runs": uiRuns.map { "\($0.bursts)" }.joined(separator: ","),
                                   "how": "terminal reads after ≥ 3 ms without output"]))
        report.add(Figure(key: "paced.bytes", name: "Paced: bytes written to the terminal",
                          value: median(uiRuns.map { Double($0.bytes) }) / 1e3, unit: "kB", target: nil, pass: nil,
                          command: cmd, detail: ["bytes": uiRuns.map { "\($0.bytes)" }.joined(separator: ",")]))
        report.add(Figure(key: "paced.bytes_per_frame", name: "Paced: bytes written per frame",
                          value: median(uiRuns.map { Double($0.bytes) / Double(max(1, $0.bursts)) }), unit: "B",
                          target: nil, pass: nil, command: cmd))
        pacedWakes(uiRuns, curlRuns, command: cmd)
        // What the libraries alone cost for the same answer (the UI's figure read against them).
        let frames = Int(median(uiRuns.map { Double($0.bursts) }).rounded())
        let floors = try pacedFloors(server, token: token, uiCPU: uiCPU, curlCPU: curlCPU, frames: max(1, frames),
                                     selfPath: benchPath)
        try await pacedPerDelta(server, ui: uiCPU, curl: curlCPU, ahc: floors[.ahc] ?? .nan, command: cmd)
        if let compare { try pacedCompare(server, with: compare) }
    }

    /// The paced answer in this UI and in another build of it (`--compare`, e.g. main's), run
    /// after run in turn so that both meet the same machine: what a change saves, in one run.
    /// The run-to-run spread of this figure is about ±15 %: a few runs cannot tell 5 % apart.
    func pacedCompare(_ server: DemoServer, with other: String) throws {
        let runs = quick ? 3 : 15
        var mine: [E2ERun] = [], theirs: [E2ERun] = []
        var otherBench = self
        otherBench.tui = other
        for i in 0..<runs {
            log("paced, compared with \(other): run \(i + 1)/\(runs)…")
            mine.append(try e2eOnce(server, query: Self.pacedQuery, answerBytes: Self.pacedBytes))
            theirs.append(try otherBench.e2eOnce(server, query: Self.pacedQuery, answerBytes: Self.pacedBytes))
        }
        let cmd = "swift run -c release robofy-bench paced --compare PATH"
        for (key, name, path, rs) in [("paced.compare_tui", "this UI (--tui)", tui, mine),
                                      ("paced.compare_other", "the compared UI (--compare)", other, theirs)] {
            report.add(Figure(key: key, name: "Paced, side by side: \(name), UI CPU", value: median(rs.map(\.cpu)), unit: "s",
                              target: nil, pass: nil, command: cmd,
                              detail: ["path": path, "runs": rs.map { String(format: "%.4f", $0.cpu) }.joined(separator: ","),
                                       "frames": rs.map { "\($0.bursts)" }.joined(separator: ","),
                                       "wakes": rs.map { "\($0.wakes)" }.joined(separator: ",")]))
        }
        report.add(Figure(key: "paced.compare_ratio", name: "Paced, side by side: this UI's CPU / the compared UI's",
                          value: median(mine.map(\.cpu)) / median(theirs.map(\.cpu)), unit: "×", target: nil, pass: nil,
                          command: cmd, detail: ["runs": "\(runs) each, alternated"]))
    }

    /// Twice the paced answer (8 KiB in 400 deltas, the same pace): what one more delta costs the
    /// UI, curl and AsyncHTTPClient alone, without what the answer costs once (curl's start-up,
    /// the request, the first frame). A long paced answer tends to these ratios.
    static let pacedDoubleQuery = "/bench \(2 * pacedBytes) \(2 * pacedDeltas)"

    func pacedPerDelta(_ server: DemoServer, ui: Double, curl: Double, ahc: Double, command cmd: String) async throws {
        let (uiRuns, curlRuns, _, token) = try await uiAndCurlRuns(server, label: "paced ×2", query: Self.pacedDoubleQuery,
                                                                    answerBytes: 2 * Self.pacedBytes)
        var ahcRuns: [Double] = []
        for i in 0..<(quick ? 1 : 3) {
            log("paced ×2: floor ahc, run \(i + 1)…")
            ahcRuns.append(try floorOnce(.ahc, server: server, token: token, frames: 1, selfPath: benchPath,
                                         query: Self.pacedDoubleQuery))
        }
        let extra = Double(Self.pacedDeltas)  // deltas (and network reads) more than the paced answer
        let ui2 = median(uiRuns.map(\.cpu)), curl2 = median(curlRuns.map(\.cpu)), ahc2 = median(ahcRuns)
        let perUI = (ui2 - ui) / extra, perCurl = (curl2 - curl) / extra, perAHC = (ahc2 - ahc) / extra
        let how = "(CPU of \(Self.pacedDoubleQuery) − CPU of \(Self.pacedQuery)) / \(Self.pacedDeltas), medians"
        report.add(Figure(key: "paced.per_delta_curl", name: "Paced, per delta: curl -sN", value: perCurl * 1e6, unit: "µs",
                          target: nil, pass: nil, command: cmd,
                          detail: ["how": how, "runs_x2": curlRuns.map { String(format: "%.4f", $0.cpu) }.joined(separator: ",")]))
        report.add(Figure(key: "paced.per_delta_ahc", name: "Paced, per delta: AsyncHTTPClient alone", value: perAHC * 1e6,
                          unit: "µs", target: nil, pass: nil, command: cmd,
                          detail: ["how": how, "times_curl": String(format: "%.2f", perAHC / perCurl),
                                   "runs_x2": ahcRuns.map { String(format: "%.4f", $0) }.joined(separator: ",")]))
        report.add(Figure(key: "paced.per_delta_ui", name: "Paced, per delta: the UI (its frames included)", value: perUI * 1e6,
                          unit: "µs", target: nil, pass: nil, command: cmd,
                          detail: ["how": how, "times_curl": String(format: "%.2f", perUI / perCurl),
                                   "frames_x2": uiRuns.map { "\($0.bursts)" }.joined(separator: ","),
                                   "runs_x2": uiRuns.map { String(format: "%.4f", $0.cpu) }.joined(separator: ",")]))
    }

    /// How often the UI's threads and curl were woken for the paced answer, and what a wake
    /// costs on this machine: the paced answer is mostly waiting, and each wake has a price of
    /// its own (`WakeCost`), whatever the thread then does.
    func pacedWakes(_ uiRuns: [E2ERun], _ curlRuns: [CurlRun], command cmd: String) {
        let uiWakes = median(uiRuns.map { Double($0.wakes) }), curlWakes = median(curlRuns.map { Double($0.wakes) })
        // The threads of the run nearest the median, by name (Dispatch's threads share one).
        let typical = uiRuns.min { abs(Double($0.wakes) - uiWakes) < abs(Double($1.wakes) - uiWakes) }
        let byThread = (typical?.wakesByThread ?? []).map { "\($0.name) \($0.wakes)" }.joined(separator: ", ")
        report.add(Figure(key: "paced.ui_wakes", name: "Paced: wakes of the UI's threads during the answer",
                          value: uiWakes, unit: "", target: nil, pass: nil, command: cmd,
                          detail: ["runs": uiRuns.map { "\($0.wakes)" }.joined(separator: ","), "by_thread": byThread,
                                   "how": "voluntary context switches of each thread (/proc/PID/task/*/status)"]))
        report.add(Figure(key: "paced.curl_wakes", name: "Paced: wakes of curl -sN, the whole process",
                          value: curlWakes, unit: "", target: nil, pass: nil, command: cmd,
                          detail: ["runs": curlRuns.map { "\($0.wakes)" }.joined(separator: ","), "how": "ru_nvcsw"]))
        let count = quick ? 50 : 200, interval = Duration.milliseconds(5)
        let own = WakeCost.ownTimer(count: count, interval: interval)
        let handoff = WakeCost.handoff(count: count, interval: interval)
        let how = "\(count) times, \(interval.components.attoseconds / 1_000_000_000_000_000) ms apart; the CPU of the threads each time"
        report.add(Figure(key: "paced.wake_cost_own", name: "This machine: CPU per wake, a thread woken by its own timer",
                          value: own * 1e6, unit: "µs", target: nil, pass: nil, command: cmd, detail: ["how": how]))
        report.add(Figure(key: "paced.wake_cost_handoff",
                          name: "This machine: CPU per handoff, a timer's thread waking another (two wakes)",
                          value: handoff * 1e6, unit: "µs", target: nil, pass: nil, command: cmd, detail: ["how": how]))
    }

    // MARK: Memory per answer byte

    static let answerSizes = [256 * 1024, 1 << 20, 4 << 20]

    /// VmHWM of the UI after an unpaced answer of `bytes`, minus its VmHWM before it, per answer byte.
    func answerMemoryOnce(_ server: DemoServer, bytes: Int) throws -> (perByte: Double, idle: Int, peak: Int) {
        let dir = NSTemporaryDirectory() + "robofy-bench-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let ui = try launchReady(server.baseURL, ["--download-dir", dir])
        defer { ui.kill() }
        ui.send("/bench \(bytes) \(max(1, bytes / 21))")
        ui.waitQuiet(0.3, timeout: 5)
        guard let idle = procStatusBytes(ui.pid, "VmHWM") else { throw BenchError("cannot read VmHWM of the UI") }
        let b0 = ui.bytesWritten
        ui.send("\r")
        ui.wait(timeout: 30) { ui.bytesWritten > b0 }
        guard ui.waitQuiet(Self.quietSeconds, timeout: 300) else { throw BenchError("the UI never went quiet") }
        guard let peak = procStatusBytes(ui.pid, "VmHWM") else { throw BenchError("cannot read VmHWM of the UI") }
        _ = quit(ui)
        return (Double(peak - idle) / Double(bytes), idle, peak)
    }

    func answerMemory() async throws {
        let cmd = "swift run -c release robofy-bench answermem"
        let runs = quick ? 1 : 3
        try await DemoServer.with { server in
            for bytes in Self.answerSizes {
                var results: [(perByte: Double, idle: Int, peak: Int)] = []
                for i in 0..<runs {
                    log("answermem: \(bytes >> 10) KiB, run \(i + 1)/\(runs)…")
                    results.append(try answerMemoryOnce(server, bytes: bytes))
                }
                let v = median(results.map(\.perByte))
                let isTarget = bytes == Self.answerSizes.last
                report.add(Figure(key: "answermem.\(bytes >> 10)k",
                                  name: "Peak RSS above idle per answer byte, \(bytes >> 10) KiB answer", value: v,
                                  unit: "B/B", target: isTarget ? "≤ 3 B/B" : nil, pass: isTarget ? v <= 3 : nil,
                                  command: cmd,
                                  detail: ["runs": results.map { String(format: "%.2f", $0.perByte) }.joined(separator: ","),
                                           "idle_hwm_mb": String(format: "%.1f", median(results.map { Double($0.idle) }) / 1e6),
                                           "peak_hwm_mb": String(format: "%.1f", median(results.map { Double($0.peak) }) / 1e6)]))
            }
        }
    }
}
