import DemoServer
import Foundation
import RobofyAPI
import WidgetUI
#if canImport(Glibc)
import Glibc
#endif

/// robofy-bench: measures robofy-tui and prints a table of figures (and writes them as JSON).
///
///     robofy-bench [decode|render|e2e|idle|startup|memory|all]… [--quick] [--json FILE] [--tui PATH]
@main
struct RobofyBench {
    static let usage = """
        usage: robofy-bench [decode|render|e2e|idle|startup|memory|all]... [--quick] [--json FILE] [--tui PATH]

          decode   SSE + chunk decoding throughput (16 MiB stream, 4 KiB and 1-byte reads)
          render   one 120x40 frame for 10 / 1,000 / 10,000 messages; a frame while 1 MiB streams
          e2e      the release UI in a pty vs curl, 1 MiB answer as 50,000 deltas
          idle     UI CPU over 10 s idle, and with the loader animating
          startup  launch -> first frame after the handshake
          memory   peak RSS with 10,000 messages
          all      everything (the default)

          --quick      fewer runs and shorter windows (a smoke test)
          --json FILE  where to write the figures (default bench-results.json)
          --tui PATH   the robofy-tui binary (default: next to robofy-bench)
          --wrap CMD   run the UI under CMD, for profiling (e.g. --wrap "perf record -g -o ui.perf --");
                       the UI's CPU figures are then meaningless
        """

    static func main() async {
        var args = Array(CommandLine.arguments.dropFirst())
        if args.first == "memory-child" {
            memoryChild(Int(args.dropFirst().first ?? "") ?? 10_000)
            return
        }
        var quick = false
        var jsonPath = "bench-results.json"
        var tuiPath: String?
        var wrap: [String] = []
        var selected: [String] = []
        let all = ["decode", "render", "e2e", "idle", "startup", "memory"]
        while !args.isEmpty {
            let a = args.removeFirst()
            switch a {
            case "--quick": quick = true
            case "--json":
                guard !args.isEmpty else { fail("--json needs a file name") }
                jsonPath = args.removeFirst()
            case "--tui":
                guard !args.isEmpty else { fail("--tui needs a path") }
                tuiPath = args.removeFirst()
            case "--wrap":
                guard !args.isEmpty else { fail("--wrap needs a command") }
                wrap = args.removeFirst().split(separator: " ").map(String.init)
            case "-h", "--help", "help":
                print(usage)
                return
            case "all": selected += all
            default:
                guard all.contains(a) else { fail("unknown argument \(a)\n\n\(usage)") }
                selected.append(a)
            }
        }
        if selected.isEmpty { selected = all }
        selected = all.filter(selected.contains)

        signal(SIGPIPE, SIG_IGN)
        let selfPath = (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe"))
            ?? CommandLine.arguments[0]
        let binDir = (selfPath as NSString).deletingLastPathComponent
        let tui = tuiPath ?? binDir + "/robofy-tui"
        let needsTUI = selected.contains { ["e2e", "idle", "startup", "memory"].contains($0) }
        if needsTUI && !FileManager.default.isExecutableFile(atPath: tui) {
            fail("""
                robofy-tui was not found at \(tui).
                Build it first: swift build -c release --product robofy-tui   (or run scripts/bench)
                """)
        }
        if needsTUI && tui.contains("/debug/") {
            log("warning: \(tui) is a debug build; the figures are meant for a release build.")
        }
        if selected.contains("e2e") && !isExecutable("curl") {
            fail("curl is needed for the e2e floor (apt-get install curl).")
        }

        let report = Report()
        var failures: [String] = []
        var bench = ProcessBench(tui: tui, report: report, quick: quick)
        bench.wrap = wrap
        for name in selected {
            log("== \(name)")
            do {
                switch name {
                case "decode": DecodeBench.run(report, quick: quick)
                case "render": RenderBench.run(report, handshake: try await DemoServer.with { try await demoHandshake($0) }, quick: quick)
                case "e2e": try await bench.e2e()
                case "idle": try await bench.idle()
                case "startup": try await bench.startup()
                case "memory": try await bench.memory(selfPath: selfPath)
                default: break
                }
            } catch {
                log("\(name) failed: \(error)")
                failures.append("\(name): \(error)")
            }
        }

        try? FileManager.default.removeItem(atPath: benchStateDirectory)
        print(report.table())
        for n in report.notes { print("\n" + n) }
        for f in failures { print("\nFAILED \(f)") }
        let env = environment(quick: quick, tui: needsTUI ? tui : nil, selected: selected)
        do {
            try report.json(environment: env).write(to: URL(fileURLWithPath: jsonPath))
            print("\nWrote \(jsonPath)")
        } catch {
            log("cannot write \(jsonPath): \(error)")
            exit(1)
        }
        if !failures.isEmpty { exit(1) }
    }

    static func fail(_ message: String) -> Never {
        log("robofy-bench: \(message)")
        exit(2)
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
