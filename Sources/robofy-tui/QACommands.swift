import ArgumentParser
import Foundation
import Logging
import RobofyAPI
import RobofyQA
import RobofySession
import Terminal
import WidgetUI

// MARK: - Options shared by chat and demo

/// Transcript autosave and record-to-script flags of `chat` and `demo`.
struct QAOptions: ParsableArguments {
    @Option(name: .long, help: ArgumentHelp(
        "Append every turn to this JSON Lines file (default: a new file under $XDG_STATE_HOME/robofy-tui/transcripts).",
        valueName: "file"))
    var transcript: String?

    @Flag(name: .long, help: "Do not autosave the transcript.")
    var noAutosave = false

    @Option(name: .long, help: ArgumentHelp(
        "On exit (and on F9) save the conversation as a test script here (.yaml/.yml: YAML, else JSON).",
        valueName: "file"))
    var record: String?

    func validate() throws {
        if noAutosave && transcript != nil { throw ValidationError("Choose --transcript FILE or --no-autosave, not both.") }
    }

    func settings(_ recordTarget: RecordTarget) -> QASettings {
        QASettings(transcriptPath: transcript, autosave: !noAutosave, recordPath: record, recordTarget: recordTarget)
    }
}

/// What `ChatRunner` needs to know for autosave and recording.
struct QASettings: Sendable {
    var transcriptPath: String?
    var autosave = true
    var recordPath: String?
    var recordTarget: RecordTarget
}

/// Wires the autosave, the event log and record-to-script to a chat.
final class QASession: Sendable {
    let recorder: SessionRecorder
    let eventLog: SessionEventLog?
    let settings: QASettings
    let transcriptPath: String?
    /// Set when the autosave cannot work from the start.
    let setupProblem: String?
    let notices: AsyncStream<RuntimeNotice>
    let noticeContinuation: AsyncStream<RuntimeNotice>.Continuation

    init(settings: QASettings, agent: String, target: String, projectID: String, logger: Logger?) {
        self.settings = settings
        (notices, noticeContinuation) = AsyncStream.makeStream(of: RuntimeNotice.self)
        var store: TranscriptStore?
        var problem: String?
        var path: String?
        if settings.autosave {
            let p = settings.transcriptPath ?? TranscriptStore.defaultPath(agent: agent)
            let s = TranscriptStore(path: p)
            do {
                try s.prepare()
                store = s
                path = p
            } catch {
                problem = "Autosave is off: \(error.description)"
            }
        }
        transcriptPath = path
        setupProblem = problem
        let cont = noticeContinuation
        recorder = SessionRecorder(store: store, target: target, projectID: projectID) { message in
            cont.yield(RuntimeNotice(message, isError: true, isStorageFailure: true))
        }
        eventLog = logger.map(SessionEventLog.init(logger:))
    }

    var taps: [SessionEventTap] {
        [recorder.tap] + (eventLog.map { [$0.tap] } ?? [])
    }

    /// What the status line says at start.
    var startupNotice: RuntimeNotice? {
        if let setupProblem { return RuntimeNotice(setupProblem, isError: true) }
        if let transcriptPath { return RuntimeNotice("Autosaving to \(Self.shortened(transcriptPath))") }
        return nil
    }

    /// A path that fits the status line: `~` for home, and the middle cut before the file name.
    static func shortened(_ path: String, limit: Int = 52) -> String {
        let p = abbreviated(path)
        guard p.count > limit else { return p }
        let name = (p as NSString).lastPathComponent
        let head = p.prefix(max(0, limit - name.count - 2))
        return head + "…/" + name
    }

    static func abbreviated(_ path: String) -> String {
        let home = NSHomeDirectory()
        if !home.isEmpty, home != "/", path.hasPrefix(home + "/") { return "~" + path.dropFirst(home.count) }
        return path
    }

    /// Line mode: says where the transcript goes (stderr), and prints autosave failures there.
    func announcePlain() -> Task<Void, Never> {
        if let setupProblem { stderr("robofy-tui: \(setupProblem)\n") }
        if let transcriptPath { stderr("robofy-tui: autosaving the transcript to \(transcriptPath)\n") }
        let notices = notices
        return Task {
            for await n in notices { stderr("robofy-tui: \(n.text)\n") }
        }
    }

    /// The F9 action: writes the script now, returns the path.
    func saveScriptNow(directory: String) throws -> String {
        let turns = recorder.recordedTurns
        guard !turns.isEmpty else { throw CLIError("nothing to save yet: no answer has finished.") }
        let path = settings.recordPath ?? ScriptFile.defaultPath(directory: directory, agent: turns[0].turn.agentID)
        return try ScriptFile.write(Script.recorded(turns, target: settings.recordTarget), to: path)
    }

    /// At exit: flushes the autosave and writes `--record`.
    func finish() {
        recorder.flush()
        recorder.store?.close()
        noticeContinuation.finish()
        guard let path = settings.recordPath else { return }
        let turns = recorder.recordedTurns
        guard !turns.isEmpty else {
            stderr("robofy-tui: no finished turn to record; \(path) was not written.\n")
            return
        }
        do {
            try ScriptFile.write(Script.recorded(turns, target: settings.recordTarget), to: path)
            stderr("robofy-tui: script saved to \(path) (run it: robofy-tui run \(path))\n")
        } catch {
            stderr("robofy-tui: could not save the script to \(path): \(error.localizedDescription)\n")
        }
    }
}

func stderr(_ s: String) {
    FileHandle.standardError.write(Data(s.utf8))
}

// MARK: - robofy-tui run

struct Run: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Run a test script (YAML or JSON) headless; exit 1 if a turn fails.",
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

        Exit status: 0 every turn passed, 1 a turn failed, 2 the script could not be used.
        """)

    @Argument(help: "The script (.yaml, .yml or .json).")
    var script: String

    @Option(name: .long, help: ArgumentHelp("Write a JUnit XML report here (for CI).", valueName: "file"))
    var junit: String?

    @Option(name: .long, help: ArgumentHelp("Log every event to this file (the token is never logged).", valueName: "file"))
    var logFile: String?

    @Option(name: .long, help: ArgumentHelp("Save the run's transcript (JSON Lines) here.", valueName: "file"))
    var transcript: String?

    @Option(name: .long, help: "Seconds a turn may take before it fails (the script's timeout_seconds wins).")
    var timeout: Double = 60

    @Flag(name: .long, help: "Run against the demo server, whatever the script's target.")
    var demo = false

    @Option(name: .long, help: "Run against this Robofy base URL instead of the script's target.")
    var baseUrl: String?

    @Option(name: .long, help: "Project id (overrides the script's target).")
    var projectId: String?

    @Option(name: .long, help: "Agent (chatbot) id (overrides the script's agent).")
    var chatbotId: String?

    @Flag(name: .shortAndLong, help: "Print every answer.")
    var verbose = false

    var suiteName: String {
        let base = (script as NSString).lastPathComponent
        for ext in [".yaml", ".yml", ".json"] where base.lowercased().hasSuffix(ext) {
            return String(base.dropLast(ext.count))
        }
        return base
    }

    func broken(_ message: String) throws -> Never {
        stderr("robofy-tui: \(script): \(message)\n")
        if let junit {
            try? Data(JUnitReport.xml(JUnitReport.brokenScript(suiteName: suiteName, message: message)).utf8)
                .write(to: URL(fileURLWithPath: junit))
        }
        throw ExitCode(2)
    }

    func run() async throws {
        var parsed: Script
        do {
            parsed = try Script.load(path: script)
        } catch {
            try broken(error.description)
        }
        if let chatbotId { parsed.agent = chatbotId }
        var options = RunOptions()
        options.timeoutSeconds = timeout
        if demo {
            options.target = .demo
        } else if baseUrl != nil || projectId != nil {
            var s: Script.Service
            if case .service(let existing)? = parsed.target { s = existing } else { s = Script.Service(projectID: "") }
            if let baseUrl { s.baseURL = baseUrl }
            if let projectId { s.projectID = projectId }
            guard !s.projectID.isEmpty else { try broken("target: give --project-id (the script's target has none)") }
            options.target = .service(s)
            parsed.fault = nil
        }
        if let logFile {
            let sink: FileLogHandler.Sink
            do { sink = try FileLogHandler.Sink(path: logFile) } catch { try broken("\(error)") }
            let l = Logger(label: "robofy", factory: { label in FileLogHandler(label: label, sink: sink) })
            options.logger = l
            options.taps.append(SessionEventLog(logger: l).tap)
        }
        var recorder: SessionRecorder?
        if let transcript {
            let store = TranscriptStore(path: transcript)
            let targetName = (options.target ?? parsed.target) == .demo ? "demo" : "service"
            let r = SessionRecorder(store: store, target: targetName) { stderr("robofy-tui: \($0)\n") }
            options.taps.append(r.tap)
            recorder = r
        }

        let effective = options.target ?? parsed.target
        let where_: String
        switch effective {
        case .demo?: where_ = "the demo server" + (parsed.fault.map { " (fault \($0))" } ?? "")
        case .service(let s)?: where_ = s.baseURL
        case nil: where_ = "?"
        }
        let agent = parsed.agent ?? { if case .service(let s)? = effective { return s.chatbotID } else { return nil } }()
        out("Running \(script): \(parsed.turns.count) turn\(parsed.turns.count == 1 ? "" : "s") against \(where_)"
            + (agent.map { " (agent \($0))" } ?? "") + "\n")
        let verbose = verbose
        let report: RunReport
        do {
            report = try await ScriptRunner.run(parsed, suiteName: parsed.name ?? suiteName, options: options) { result in
                out(RunOutput.lines(for: result, verbose: verbose).joined(separator: "\n") + "\n")
            }
        } catch {
            try broken(error.description)
        }
        recorder?.flush()
        recorder?.store?.close()
        out(RunOutput.summary(report) + "\n")
        if let junit {
            do {
                try Data(JUnitReport.xml(report).utf8).write(to: URL(fileURLWithPath: junit), options: .atomic)
                out("JUnit report: \(junit)\n")
            } catch {
                stderr("robofy-tui: could not write the JUnit report to \(junit): \(error.localizedDescription)\n")
                throw ExitCode(2)
            }
        }
        if !report.passed { throw ExitCode(1) }
    }

    func out(_ s: String) {
        FileHandle.standardOutput.write(Data(s.utf8))
    }
}

// MARK: - robofy-tui transcript

struct TranscriptCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "transcript",
        abstract: "Show an autosaved transcript (JSON Lines); without a file, list the recent ones.",
        discussion: """
          robofy-tui transcript                   # list recent transcripts
          robofy-tui transcript FILE              # a summary, one line per turn
          robofy-tui transcript FILE --markdown   # the conversation as Markdown
        """)

    @Argument(help: "A transcript file (.jsonl).")
    var file: String?

    @Flag(name: .long, help: "Print the conversation as Markdown.")
    var markdown = false

    @Option(name: .shortAndLong, help: ArgumentHelp("Write to this file instead of standard output.", valueName: "file"))
    var output: String?

    func run() throws {
        guard let file else {
            try list()
            return
        }
        let t: TranscriptFile
        do { t = try TranscriptStore.read(path: file) } catch {
            stderr("robofy-tui: \(error.description)\n")
            throw ExitCode(2)
        }
        if t.records.isEmpty {
            stderr("robofy-tui: \(file) holds no transcript records.\n")
            throw ExitCode(2)
        }
        for p in t.problems { stderr("robofy-tui: \(file): \(p) (skipped)\n") }
        let text = markdown ? TranscriptRendering.markdown(t) : TranscriptRendering.summary(t, path: file)
        if let output {
            do { try Data(text.utf8).write(to: URL(fileURLWithPath: output), options: .atomic) } catch {
                stderr("robofy-tui: cannot write \(output): \(error.localizedDescription)\n")
                throw ExitCode(1)
            }
        } else {
            FileHandle.standardOutput.write(Data(text.utf8))
        }
    }

    func list() throws {
        let dir = TranscriptStore.defaultDirectory()
        let fm = FileManager.default
        let names = ((try? fm.contentsOfDirectory(atPath: dir)) ?? []).filter { $0.hasSuffix(".jsonl") }
        guard !names.isEmpty else {
            print("No transcripts in \(dir) yet.")
            return
        }
        let dated = names.map { name -> (String, Date) in
            let p = (dir as NSString).appendingPathComponent(name)
            let d = (try? fm.attributesOfItem(atPath: p)[.modificationDate] as? Date) ?? nil
            return (p, d ?? .distantPast)
        }.sorted { $0.1 > $1.1 }
        print("Recent transcripts (\(dir)):")
        for (p, _) in dated.prefix(20) { print("  \(p)") }
        if dated.count > 20 { print("  … and \(dated.count - 20) more") }
    }
}
