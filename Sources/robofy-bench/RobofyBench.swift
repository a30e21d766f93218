// robofy-bench: the benchmark (start-up, idle, streaming CPU against curl, paced answers, memory per
// answer byte, render and decode figures); may import every target. Never run by CI beyond its smoke test.
import ArgumentParser
import DemoServer
import Foundation
import RobofyAPI
import WidgetUI
#if canImport(Glibc)
import Glibc
#endif

/// The figures `robofy-bench` can measure, in the order they run.
enum Benchmark: String, CaseIterable, ExpressibleByArgument {
    case decode, render, e2e, paced, idle, startup, memory, answermem, search, all

    static let everything: [Benchmark] = [.decode, .render, .e2e, .paced, .idle, .startup, .memory, .answermem, .search]

    var needsTUI: Bool { [.e2e, .paced, .idle, .startup, .memory, .answermem].contains(self) }
}

/// A terminal chat app measured next to robofy-tui (`--peer`).
enum Peer: String, CaseIterable, ExpressibleByArgument {
    case elia
}

/// robofy-bench: measures robofy-tui and prints a table of figures (and writes them as JSON).
@main
struct RobofyBench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "robofy-bench",
        abstract: "Measures robofy-tui and prints a table of figures (also written as JSON).",
        discussion: """
            decode     SSE + chunk decoding throughput (16 MiB stream, 4 KiB and 1-byte reads)
            render     one 120x40 frame for 10 / 1,000 / 10,000 messages; a frame while 1 MiB streams
            e2e        the release UI in a pty vs curl, 1 MiB answer as 50,000 deltas
            paced      the release UI in a pty vs curl, 4 KiB answer as 200 deltas at 50 deltas/s; and its
                       floors: AsyncHTTPClient alone, the read path, ncurses, the frames' wakes;
                       and per delta (the answer twice as long): the UI, curl, AsyncHTTPClient
            idle       UI CPU over 10 s idle, and with the loader animating
            startup    launch -> first frame after the handshake
            memory     peak RSS with 10,000 messages
            answermem  peak RSS above idle per answer byte, 256 KiB / 1 MiB / 4 MiB answers
            search     Ctrl-F over 10,000 messages: per keystroke (search + frame), next match (n)
            all        everything (the default)
            """)

    @Argument(help: "What to measure (default: all).")
    var benchmarks: [Benchmark] = []

    @Flag(help: "Fewer runs and shorter windows (a smoke test).")
    var quick = false

    @Option(help: ArgumentHelp("Where to write the figures.", valueName: "file"))
    var json = "bench-results.json"

    @Option(help: ArgumentHelp("The robofy-tui binary (default: next to robofy-bench).", valueName: "path"))
    var tui: String?

    @Option(help: ArgumentHelp("""
        Another robofy-tui build (e.g. main's) to run the paced answer in too, run after run \
        with --tui's, so that a change's saving is measured on the same machine at the same time.
        """, valueName: "path"))
    var compare: String?

    @Option(help: ArgumentHelp("""
        Run the UI under this command, for profiling (e.g. --wrap "perf record -g -o ui.perf --"); \
        the UI's CPU figures are then the wrapper's.
        """, valueName: "command"))
    var wrap: String?

    @Option(help: ArgumentHelp("""
        Also measure a peer app on the same answers (elia: installed from PyPI into a venv, \
        against an OpenAI-compatible fake stream). Not run by default.
        """, valueName: "app"))
    var peer: Peer?

    @Option(help: ArgumentHelp("The peer's executable (default: found by scripts/bench).", valueName: "path"))
    var peerCommand: String?

    @Option(help: ArgumentHelp("The OpenAI-compatible fake stream the peer talks to.", valueName: "path"))
    var peerServer = "scripts/peer/fake_openai.py"

    /// A bare process holding an AppState of N messages (the memory figure's comparison).
    @Option(name: .customLong("memory-child"), help: .hidden)
    var memoryChildMessages: Int?

    /// A floor of the paced answer, measured in a child process (`FloorBench`).
    @Option(name: .customLong("floor-child"), help: .hidden)
    var floorChild: FloorMode?
    @Option(name: .customLong("floor-url"), help: .hidden)
    var floorURL = ""
    @Option(name: .customLong("floor-query"), help: .hidden)
    var floorQuery = ""
    @Option(name: .customLong("floor-frames"), help: .hidden)
    var floorFrames = 124
    @Option(name: .customLong("floor-out"), help: .hidden)
    var floorOut = ""

    mutating func run() async throws {
        if let mode = floorChild {
            try await FloorChild(mode: mode, url: floorURL,
                                 token: ProcessInfo.processInfo.environment[FloorChild.tokenVariable] ?? "", query: floorQuery, frames: floorFrames,
                                 out: floorOut).run()
            return
        }
        if let n = memoryChildMessages {
            Self.memoryChild(n)
            return
        }
        var selected = benchmarks.isEmpty || benchmarks.contains(.all) ? Benchmark.everything : benchmarks
        selected = Benchmark.everything.filter(selected.contains)

        signal(SIGPIPE, SIG_IGN)
        let selfPath = (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe"))
            ?? CommandLine.arguments[0]
        let binDir = (selfPath as NSString).deletingLastPathComponent
        let tuiPath = tui ?? binDir + "/robofy-tui"
        let needsTUI = selected.contains { $0.needsTUI }
        if needsTUI && !FileManager.default.isExecutableFile(atPath: tuiPath) {
            throw ValidationError("""
                robofy-tui was not found at \(tuiPath).
                Build it first: swift build -c release --product robofy-tui   (or run scripts/bench)
                """)
        }
        if needsTUI && tuiPath.contains("/debug/") {
            log("warning: \(tuiPath) is a debug build; the figures are meant for a release build.")
        }
        if selected.contains(where: { $0 == .e2e || $0 == .paced }) && !Self.isExecutable("curl") {
            throw ValidationError("curl is needed for the e2e floor (apt-get install curl).")
        }
        if let compare, !(selected.contains(.paced) && FileManager.default.isExecutableFile(atPath: compare)) {
            throw ValidationError("--compare needs the paced benchmark and an executable robofy-tui (\(compare) is not one).")
        }
        if peer != nil && peerCommand == nil {
            throw ValidationError("--peer needs --peer-command PATH (scripts/bench --peer elia installs elia and passes it).")
        }

        let report = Report()
        var failures: [String] = []
        var bench = ProcessBench(tui: tuiPath, report: report, quick: quick)
        bench.benchPath = selfPath
        bench.compare = compare
        bench.wrap = wrap.map { $0.split(separator: " ").map(String.init) } ?? []
        for name in selected {
            log("== \(name.rawValue)")
            do {
                switch name {
                case .decode: DecodeBench.run(report, quick: quick)
                case .render:
                    RenderBench.run(report, handshake: try await DemoServer.with { try await demoHandshake($0) }, quick: quick)
                case .e2e: try await bench.e2e()
                case .paced: try await bench.paced()
                case .idle: try await bench.idle()
                case .startup: try await bench.startup()
                case .memory: try await bench.memory(selfPath: selfPath)
                case .answermem: try await bench.answerMemory()
                case .search: SearchBench.run(report, quick: quick)
                case .all: break
                }
            } catch {
                log("\(name.rawValue) failed: \(error)")
                failures.append("\(name.rawValue): \(error)")
            }
        }
        if let peer, let peerCommand {
            log("== peer \(peer.rawValue)")
            do {
                try await PeerBench(command: peerCommand, server: peerServer, report: report, quick: quick).run()
            } catch {
                log("peer \(peer.rawValue) failed: \(error)")
                failures.append("peer \(peer.rawValue): \(error)")
            }
        }

        try? FileManager.default.removeItem(atPath: benchStateDirectory)
        print(report.table())
        for n in report.notes { print("\n" + n) }
        for f in failures { print("\nFAILED \(f)") }
        let env = Self.environment(quick: quick, tui: needsTUI ? tuiPath : nil, selected: selected.map(\.rawValue))
        do {
            try report.json(environment: env).write(to: URL(fileURLWithPath: json))
            print("\nWrote \(json)")
        } catch {
            log("cannot write \(json): \(error)")
            throw ExitCode(1)
        }
        if !failures.isEmpty { throw ExitCode(1) }
    }

    static func isExecutable(_ name: String) -> Bool {
        let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"
        return path.split(separator: ":").contains { FileManager.default.isExecutableFile(atPath: "\($0)/\(name)") }
    }

    static func environment(quick: Bool, tui: String?, selected: [String]) -> [String: String] {
        var env: [String: String] = ["quick": "\(quick)", "benchmarks": selected.joined(separator: ","),
                                     "cpus": "\(ProcessInfo.processInfo.activeProcessorCount)",
                                     "date": ISO8601DateFormatter().string(from: Date())]
        if let tui { env["tui"] = tui }
        if let info = try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8),
           let line = info.split(separator: "\n").first(where: { $0.hasPrefix("model name") }),
           let colon = line.firstIndex(of: ":") {
            env["cpu"] = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
        }
        if let load = try? String(contentsOfFile: "/proc/loadavg", encoding: .utf8) {
            env["loadavg_at_end"] = load.trimmingCharacters(in: .whitespacesAndNewlines)
        }
        var u = utsname()
        uname(&u)
        env["kernel"] = withUnsafeBytes(of: &u.release) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
        return env
    }

    /// A bare process holding an AppState of `n` messages and one rendered frame; its parent reads the peak RSS.
    static func memoryChild(_ n: Int) {
        let before = procStatusBytes(getpid(), "VmRSS") ?? 0
        let state = Synthetic.state(messages: n, handshake: nil)
        let renderer = Renderer()
        let frame = renderer.render(state)
        let hwm = procStatusBytes(getpid(), "VmHWM") ?? 0
        print("messages=\(state.conversation.messages.count) rss_before_kb=\(before / 1024) vmhwm_kb=\(hwm / 1024) rows=\(frame.canvas.height)")
        withExtendedLifetime((state, renderer, frame)) {}
    }
}
