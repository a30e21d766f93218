import ArgumentParser
import Foundation
import Logging
import RobofyAPI
import RobofyQA
import RobofySession
import WidgetUI
import RobofyText
#if canImport(Glibc)
import Glibc
#endif

// MARK: - robofy-tui run

struct Run: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Run test scripts (YAML or JSON) headless; exit 1 if a turn fails.",
        discussion: """
        A script names a target, an agent and the turns to send, each with what its
        answer must satisfy:

          target: {demo: true}     # or {base_url: U, project_id: P, chatbot_id: C}
          agent: demo-atlas
          fault: latency=100       # demo server fault knobs (demo target only)
          turns:
            - send: Weather in Paris?
              expect:
                contains: Paris    # or a list; also not_contains, matches
                tool_called: get_weather
                finish_reason: stop
                max_seconds: 10
                max_first_text_seconds: 2

        Give several files, folders (searched for *.yaml, *.yml, *.json) or globs to run a
        suite: --jobs scripts at a time, one summary table, one JUnit file.

        Exit status: 0 every turn passed, 1 a turn failed, 2 a script could not be used.
        """)

    @Argument(help: "Scripts (.yaml, .yml or .json), folders of scripts, or globs.")
    var scripts: [String]

    @Option(name: .long, help: ArgumentHelp("Write a JUnit XML report here (for CI).", valueName: "file"))
    var junit: String?

    @Option(name: .long, help: ArgumentHelp("Write every script's results and every turn's timings (JSON) here; join shards with `report merge`.", valueName: "file"))
    var json: String?

    @Option(name: .long, help: "Scripts run at the same time (each its own session).")
    var jobs: Int = 4

    @Option(name: .long, help: ArgumentHelp("Run only shard I of N (1-based), chosen by a stable hash of each path.", valueName: "I/N"))
    var shard: String?

    @Option(name: .long, help: ArgumentHelp("Fail the run when the 95th percentile of the time to the first text is above S seconds.", valueName: "S"))
    var maxP95FirstText: Double?

    @OptionGroup var log: LogFileOption

    @Option(name: .long, help: ArgumentHelp("Save the run's transcript (JSON Lines) here.", valueName: "file"))
    var transcript: String?

    @Option(name: .long, help: "Seconds a turn may take before it fails (the script's timeout_seconds wins).")
    var timeout: Double = 60

    @Option(name: .long, help: ArgumentHelp("Demo target: pause between streamed words (default 18; 0: as fast as possible).", valueName: "ms"))
    var pace: Int?

    @Flag(name: .long, help: "Run against the demo server, whatever the script's target.")
    var demo = false

    @Option(name: .long, help: "Run against this Robofy base URL instead of the script's target.")
    var baseUrl: String?

    @Option(name: .long, help: "Project id (overrides the script's target).")
    var projectId: String?

    @Option(name: .long, help: "Agent (chatbot) id (overrides the script's agent).")
    var chatbotId: String?

    @Option(name: .long, help: ArgumentHelp("At most N turn starts per second to each target (all jobs together), e.g. 5/s.", valueName: "N/s"))
    var rate: String?

    @Option(name: .long, help: ArgumentHelp("Compare with an earlier run's --json results: outcomes, tools and latency that changed.", valueName: "file"))
    var baseline: String?

    @Option(name: .long, help: ArgumentHelp("With --baseline: a first-text p95 this many times the baseline's is a regression (default 1.5).", valueName: "x"))
    var latencyThreshold: Double = 1.5

    @Flag(name: .long, help: "With --baseline: exit 1 when something regressed.")
    var failOnRegression = false

    @Flag(name: .shortAndLong, help: "Print every answer.")
    var verbose = false

    func validate() throws {
        guard (1...64).contains(jobs) else { throw ValidationError("--jobs: give a number from 1 to 64.") }
        if let shard, parseShard(shard) == nil {
            throw ValidationError("--shard: give I/N with 1 ≤ I ≤ N, e.g. --shard 1/2.")
        }
        if let pace, !(0...10_000).contains(pace) { throw ValidationError("--pace: give milliseconds from 0 to 10000.") }
        if !(latencyThreshold >= 1 && latencyThreshold.isFinite) {
            throw ValidationError("--latency-threshold: give a factor of 1 or more, e.g. 1.5.")
        }
        if let rate, parseRate(rate) == nil { throw ValidationError("--rate: give turns per second above 0, e.g. --rate 5/s.") }
        if let m = maxP95FirstText, !(m > 0 && m.isFinite) {
            throw ValidationError("--max-p95-first-text: give a number of seconds above 0.")
        }
    }

    func parseRate(_ s: String) -> Double? {
        let n = s.hasSuffix("/s") ? String(s.dropLast(2)) : s
        guard let v = Double(n), v > 0, v.isFinite else { return nil }
        return v
    }

    func parseShard(_ s: String) -> (Int, Int)? {
        let parts = s.split(separator: "/")
        guard parts.count == 2, let i = Int(parts[0]), let n = Int(parts[1]), n >= 1, i >= 1, i <= n else { return nil }
        return (i, n)
    }

    /// Says why the run cannot start (exit 2); `path` names the script it is about.
    func fail(_ message: String, path: String? = nil, suite: String = "robofy-tui") throws -> Never {
        stderr("robofy-tui: " + (path.map { "\($0): " } ?? "") + "\(message)\n")
        if junit != nil { writeJUnit([JUnitReport.brokenScript(suiteName: suite, message: message)], quiet: true) }
        throw ExitCode(2)
    }

    @discardableResult
    func writeJUnit(_ reports: [RunReport], quiet: Bool = false) -> Bool {
        guard let junit else { return true }
        do {
            try LocalFile.write(Data(JUnitReport.xml(reports).utf8), to: junit)
            if !quiet { stdoutWrite("JUnit report: \(junit)\n") }
            return true
        } catch {
            stderr("robofy-tui: could not write the JUnit report: \(error)\n")
            return false
        }
    }

    /// The script with the command line's overrides applied.
    func prepared(_ s: Script) throws(ScriptError) -> Script {
        var s = s
        if let chatbotId { s.agent = chatbotId }
        if !demo, baseUrl != nil || projectId != nil {
            var svc: Script.Service
            if case .service(let existing)? = s.target { svc = existing } else { svc = Script.Service(projectID: "") }
            if let baseUrl { svc.baseURL = baseUrl }
            if let projectId { svc.projectID = projectId }
            guard !svc.projectID.isEmpty else { throw ScriptError("target: give --project-id (the script's target has none)") }
            s.target = .service(svc)
            s.fault = nil
        }
        return s
    }

    func run() async throws {
        let files: [String]
        do { files = try SuiteFiles.expand(scripts) } catch { try fail(error.description) }
        var before: [RunReport]?
        if let baseline {
            do { before = try SuiteReport.read(path: baseline) } catch { try fail("--baseline: \(error.description)") }
        }
        var selected = files
        if let shard, let (i, n) = parseShard(shard) { selected = SuiteFiles.shard(files, index: i, count: n) }
        let single = files.count == 1 && shard == nil
        var items: [SuiteItem] = []
        for path in selected {
            do {
                for script in try ScriptEach.loadAll(path: path) {
                    items.append(SuiteItem(path: path, script: .success(try prepared(script))))
                }
            } catch {
                if single { try fail(error.description, path: path, suite: SuiteFiles.suiteName(for: path)) }
                items.append(SuiteItem(path: path, script: .failure(error)))
            }
        }
        var options = RunOptions()
        options.timeoutSeconds = timeout
        options.demoPaceMs = pace
        options.limiter = RateLimiter(rate: rate.flatMap(parseRate))
        if demo { options.target = .demo }
        if let logFile = log.logFile {
            let l: Logger
            do {
                let (logger, sink) = try FileLogHandler.logger(path: logFile)
                sink.setOnFailure { stderr("robofy-tui: \($0)\n") }
                l = logger
            } catch { try fail("\(error)") }
            options.logger = l
            options.taps.append(SessionEventLog(logger: l).tap)
        }
        var recorder: SessionRecorder?
        if let transcript {
            let store = TranscriptStore(path: transcript)
            let allDemo = items.allSatisfy { item in
                if case .success(let s) = item.script { return s.target == .demo }
                return true
            }
            let r = SessionRecorder(store: store, target: options.target == .demo || allDemo ? "demo" : "service") {
                stderr("robofy-tui: \($0)\n")
            }
            options.taps.append(r.tap)
            recorder = r
        }
        let started = ContinuousClock.now
        let reports: [RunReport]
        let oneScript = single && items.count == 1
        if oneScript, case .success(let script)? = items.first?.script {
            reports = [try await runSingle(script, path: files[0], options: options)]
        } else {
            let shardText = shard.map { " (shard \($0) of \(files.count) scripts)" } ?? ""
            stdoutWrite("Running \(items.count) script\(items.count == 1 ? "" : "s")\(shardText), \(jobs) at a time\n")
            let printer = SuitePrinter(total: items.count, live: SuitePrinter.isLive, verbose: verbose)
            reports = await SuiteRunner.run(items, options: options, jobs: jobs,
                                            onTurn: { _, _ in printer.turnDone() },
                                            onFinish: { _, report in printer.finished(report) })
            printer.end()
        }
        let wall = (ContinuousClock.now - started) / .seconds(1)
        recorder?.flush()
        recorder?.store?.close()
        var code = SuiteReport.exitCode(reports)
        if oneScript {
            stdoutWrite(RunOutput.summary(reports[0]) + "\n")
        } else {
            stdoutWrite("\n" + SuiteReport.table(reports, wallSeconds: wall))
            let lat = SuiteReport.latency(reports)
            if !lat.isEmpty { stdoutWrite("\n" + lat) }
        }
        if let limit = maxP95FirstText, let p95 = SuiteReport.p95FirstText(reports), p95 > limit {
            stdoutWrite(String(format: "✗ p95 of the time to the first text is %.2f s, above --max-p95-first-text %@ s.\n",
                       p95, JSONValue.number(limit).compactText))
            if code == 0 { code = 1 }
        }
        if let json {
            do {
                try LocalFile.write(SuiteReport.json(reports, wallSeconds: wall), to: json)
                stdoutWrite("Results: \(json)\n")
            } catch {
                stderr("robofy-tui: could not write the results: \(error)\n")
                throw ExitCode(2)
            }
        }
        var junitReports = reports
        if let before, let baseline {
            let changes = Baseline.compare(reports, baseline: before, threshold: latencyThreshold)
            stdoutWrite("\n" + Baseline.text(changes, baselinePath: baseline))
            junitReports.append(Baseline.report(changes, baselinePath: baseline))
            if failOnRegression, changes.contains(where: \.regression), code == 0 { code = 1 }
        }
        if !writeJUnit(junitReports) { throw ExitCode(2) }
        if code != 0 { throw ExitCode(code) }
    }

    /// One script: each turn printed as it finishes (as before suites existed).
    func runSingle(_ parsed: Script, path: String, options: RunOptions) async throws -> RunReport {
        let effective = options.target ?? parsed.target
        let where_ = Script.Target.describe(effective, fault: parsed.fault)
        let agent = parsed.agent ?? { if case .service(let s)? = effective { return s.chatbotID } else { return nil } }()
        stdoutWrite(Sanitizer.clean("Running \(path): \(parsed.turns.count) turn\(parsed.turns.count == 1 ? "" : "s") against \(where_)"
            + (agent.map { " (agent \($0))" } ?? ""), allowNewlines: false) + "\n")
        let verbose = verbose
        let suiteName = parsed.name ?? SuiteFiles.suiteName(for: path)
        do {
            var report = try await ScriptRunner.run(parsed, suiteName: suiteName, options: options) { result in
                stdoutWrite(RunOutput.lines(for: result, verbose: verbose).joined(separator: "\n") + "\n")
            }
            report.file = path
            return report
        } catch {
            try fail(error.description, path: path, suite: suiteName)
        }
    }
}

func stdoutWrite(_ s: String) {
    FileHandle.standardOutput.write(Data(s.utf8))
}

/// Suite output: one block per finished script (its failures in full), and on a terminal
/// a live progress line kept at the bottom. Called from many tasks at once.
final class SuitePrinter: @unchecked Sendable {
    private let lock = NSLock()
    private let total: Int
    private let live: Bool
    private let verbose: Bool
    private var done = 0
    private var failed = 0
    private var turns = 0
    private var showing = false

    init(total: Int, live: Bool, verbose: Bool) {
        self.total = total
        self.live = live
        self.verbose = verbose
    }

    /// A live line only on a terminal, and not in CI logs.
    static var isLive: Bool {
        isatty(1) == 1 && ProcessInfo.processInfo.environment["CI"] == nil
            && ProcessInfo.processInfo.environment["TERM"] != "dumb"
    }

    func turnDone() {
        lock.lock()
        defer { lock.unlock() }
        turns += 1
        redraw()
    }

    func finished(_ r: RunReport) {
        lock.lock()
        defer { lock.unlock() }
        done += 1
        if !r.passed { failed += 1 }
        clear()
        let name = Sanitizer.clean(r.file ?? r.suiteName, allowNewlines: false)
        let mark = r.couldNotRun ? "!" : (r.passed ? "✓" : "✗")
        var text = "\(mark) \(name)"
        if r.couldNotRun {
            text += ": " + Sanitizer.clean(r.results.first?.failures.first ?? "could not run", allowNewlines: false) + "\n"
        } else {
            text += String(format: "  (%d turn%@, %.2f s)\n", r.results.count, r.results.count == 1 ? "" : "s", r.seconds)
            for t in r.results where !t.passed || verbose {
                text += RunOutput.lines(for: t, verbose: verbose).map { "    " + $0 }.joined(separator: "\n") + "\n"
            }
        }
        stdoutWrite(text)
        redraw()
    }

    func end() {
        lock.lock()
        defer { lock.unlock() }
        clear()
    }

    private func clear() {
        if showing { stdoutWrite("\r\u{1B}[K") }
        showing = false
    }

    private func redraw() {
        guard live else { return }
        stdoutWrite("\r\u{1B}[K[\(done)/\(total) scripts] \(turns) turns done, \(failed) script\(failed == 1 ? "" : "s") failed")
        showing = true
    }
}

// MARK: - robofy-tui report

struct ReportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "report",
        abstract: "Work with results files written by `run --json`.",
        subcommands: [Merge.self])

    struct Merge: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Join results files (e.g. one per CI shard) into one summary and one JUnit report.",
            discussion: "Exit status: 0 every turn passed, 1 a turn failed, 2 a script could not be used or a file could not be read.")

        @Argument(help: "Results files from `robofy-tui run --json FILE`.")
        var files: [String]

        @Option(name: .long, help: ArgumentHelp("Write the joined JUnit XML report here.", valueName: "file"))
        var junit: String?

        @Option(name: .long, help: ArgumentHelp("Write the joined results file here.", valueName: "file"))
        var json: String?

        func run() throws {
            var reports: [RunReport] = []
            for f in files {
                do { reports += try SuiteReport.read(path: f) } catch {
                    stderr("robofy-tui: \(error.description)\n")
                    throw ExitCode(2)
                }
            }
            reports.sort { ($0.file ?? $0.suiteName) < ($1.file ?? $1.suiteName) }
            stdoutWrite(SuiteReport.table(reports, wallSeconds: nil))
            let lat = SuiteReport.latency(reports)
            if !lat.isEmpty { stdoutWrite("\n" + lat) }
            do {
                if let junit {
                    try LocalFile.write(Data(JUnitReport.xml(reports).utf8), to: junit)
                    stdoutWrite("JUnit report: \(junit)\n")
                }
                if let json {
                    try LocalFile.write(SuiteReport.json(reports, wallSeconds: nil), to: json)
                    stdoutWrite("Results: \(json)\n")
                }
            } catch {
                stderr("robofy-tui: \(error)\n")
                throw ExitCode(2)
            }
            let code = SuiteReport.exitCode(reports)
            if code != 0 { throw ExitCode(code) }
        }
    }
}
