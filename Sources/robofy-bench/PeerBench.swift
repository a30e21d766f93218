import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// `--peer elia`: the same answers in elia (a Textual chat app), against an OpenAI-compatible
/// fake stream (`scripts/peer/fake_openai.py`) that sends the text of `/bench` as
/// `chat.completion.chunk` events. Not part of the default run (nor of CI).
struct PeerBench {
    let command: String
    let server: String
    let report: Report
    let quick: Bool

    struct Scenario {
        var key: String
        var name: String
        var bytes: Int
        var deltas: Int
        var paceMs: Int
        /// How long the peer gets to receive the whole answer.
        var timeout: Double
        /// The UI's CPU for the same answer, in this report (its figure's key).
        var uiKey: String
    }

    static let scenarios = [
        Scenario(key: "paced", name: "4 KiB as 200 deltas at 50/s", bytes: 4096, deltas: 200, paceMs: 20, timeout: 60,
                 uiKey: "paced.ui_cpu"),
        Scenario(key: "e2e", name: "1 MiB as 50,000 deltas", bytes: 1 << 20, deltas: 50_000, paceMs: 0, timeout: 180,
                 uiKey: "e2e.ui_cpu"),
    ]

    struct Run {
        /// Launch → the chat request reached the server.
        var startup: Double
        /// CPU from the request until the peer settled after the last byte; nil when it never settled.
        var cpu: Double?
        var finished: Bool
    }

    /// Lines the fake server printed so far.
    func serverLines(_ path: String) -> [String] {
        ((try? String(contentsOfFile: path, encoding: .utf8)) ?? "").split(separator: "\n").map(String.init)
    }

    func runOnce(_ s: Scenario) throws -> Run {
        let home = NSTemporaryDirectory() + "robofy-bench-peer-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        let config = home + "/.config/elia"
        try FileManager.default.createDirectory(atPath: config, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: home) }
        let out = home + "/server.out"
        let serverPID = try spawn(["python3", server, "\(s.bytes)", "\(s.deltas)", "\(s.paceMs)"], stdout: out)
        defer {
            kill(serverPID, SIGKILL)
            _ = waitChild(serverPID, timeout: 5)
        }
        var port = ""
        let deadline = ContinuousClock.now + .seconds(10)
        while port.isEmpty, ContinuousClock.now < deadline {
            if let line = serverLines(out).first(where: { $0.hasPrefix("listening ") }) { port = String(line.dropFirst(10)) }
            usleep(10_000)
        }
        guard !port.isEmpty else { throw BenchError("the fake OpenAI server did not start (python3 \(server))") }
        try """
            default_model = "fake"
            [[models]]
            id = "fake"
            name = "openai/fake"
            display_name = "Fake"
            provider = "Fake"
            api_base = "http://127.0.0.1:\(port)/v1"
            api_key = "fake"
            """.write(toFile: config + "/config.toml", atomically: true, encoding: .utf8)
        let env = ["HOME": home, "XDG_CONFIG_HOME": home + "/.config", "XDG_DATA_HOME": home + "/.local/share",
                   "LITELLM_LOCAL_MODEL_COST_MAP": "True", "OPENAI_API_KEY": "fake"]
        let t0 = ContinuousClock.now
        let peer = try PtyChild([command, "-m", "fake", "Say something long."], env: env)
        defer { peer.kill() }
        let asked = peer.wait(timeout: 60) { serverLines(out).contains("request") }
        guard asked, let c0 = peer.cpuSeconds else {
            let screen = String(decoding: peer.output().suffix(400), as: UTF8.self)
            throw BenchError("elia did not send its request within 60 s; its last output: \(screen.debugDescription)")
        }
        let startup = (ContinuousClock.now - t0).seconds
        let finished = peer.wait(timeout: s.timeout) { serverLines(out).contains("done") }
        guard finished else { return Run(startup: startup, cpu: nil, finished: false) }
        // Settled: less than 10 ms of CPU in a quarter of a second (Textual animates while idle).
        var last = peer.cpuSeconds ?? c0
        var settled = false
        for _ in 0..<(Int(s.timeout) * 4) {
            usleep(250_000)
            guard let now = peer.cpuSeconds else { break }
            if now - last < 0.01 { settled = true; last = now; break }
            last = now
        }
        return Run(startup: startup, cpu: settled ? last - c0 : nil, finished: true)
    }

    func run() async throws {
        let runs = quick ? 1 : 3
        let cmd = "scripts/bench --peer elia paced e2e"
        var startups: [Double] = []
        for s in Self.scenarios {
            var results: [Run] = []
            for i in 0..<runs {
                log("peer elia: \(s.name), run \(i + 1)/\(runs)…")
                results.append(try runOnce(s))
                startups.append(results.last?.startup ?? .nan)
            }
            let cpus = results.compactMap(\.cpu)
            let done = results.filter(\.finished).count
            let value = cpus.count == results.count ? median(cpus) : .nan
            report.add(Figure(key: "peer.elia.\(s.key)_cpu", name: "Peer elia: CPU, \(s.name)", value: value, unit: "s",
                              target: nil, pass: nil, command: cmd,
                              detail: ["runs": results.map { $0.cpu.map { String(format: "%.3f", $0) } ?? "unfinished" }
                                          .joined(separator: ","),
                                       "finished": "\(done)/\(results.count)"]))
            if done < results.count {
                report.note("elia did not finish \(s.name) in \(Int(s.timeout)) s in \(results.count - done) of \(results.count) runs.")
            }
            // The reading of "≤ 3× curl" beside elia: the UI's CPU for the same answer in
            // this run (`paced`, `e2e`), if it was measured.
            if let ui = report.figures.first(where: { $0.key == s.uiKey })?.value, ui > 0, !value.isNaN {
                let times = value / ui
                report.add(Figure(key: "peer.elia.\(s.key)_ratio", name: "Peer elia: its CPU / the UI's, \(s.name)",
                                  value: times, unit: "×", target: s.uiKey == "paced.ui_cpu" ? "≥ 50×" : nil,
                                  pass: s.uiKey == "paced.ui_cpu" ? times >= 50 : nil, command: cmd,
                                  detail: ["elia_cpu": String(format: "%.4f", value), "ui_cpu": String(format: "%.4f", ui)]))
            }
        }
        report.add(Figure(key: "peer.elia.startup", name: "Peer elia: launch → its request reaches the server",
                          value: median(startups) * 1000, unit: "ms", target: nil, pass: nil, command: cmd))
    }
}
