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
            // A storage failure: the status line keeps it until acknowledged; line mode prints it once.
            cont.yield(RuntimeNotice.storageFailure(message))
        }
        eventLog = logger.map(SessionEventLog.init(logger:))
    }

    /// Tells the user something through the chat's notice channel (status line, or stderr in line mode).
    func report(_ notice: RuntimeNotice) {
        noticeContinuation.yield(notice)
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
        do {
            return try ScriptFile.write(Script.recorded(turns, target: settings.recordTarget), to: path)
        } catch let e as LocalFile.Failure {
            throw CLIError(e.description)
        } catch {
            throw CLIError("cannot write \(path): \(ScriptFile.reason(error))")
        }
    }

    private let finished = Once()

    /// At exit: flushes the autosave and writes `--record`. Runs once, however often it is called.
    func finish() {
        guard finished.first() else { return }
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
        } catch let e as LocalFile.Failure {
            stderr("robofy-tui: could not save the script: \(e.description)\n")
        } catch {
            stderr("robofy-tui: could not save the script to \(path): \(ScriptFile.reason(error))\n")
        }
    }
}

/// True the first time only.
final class Once: @unchecked Sendable {
    private let lock = NSLock()
    private var done = false
    func first() -> Bool {
        lock.lock()
        defer { lock.unlock() }
        if done { return false }
        done = true
        return true
    }
}

func stderr(_ s: String) {
    // `write(_:)` traps on an error: after the terminal was closed (SIGHUP) stderr gives EIO.
    try? FileHandle.standardError.write(contentsOf: Data(s.utf8))
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
            do { try LocalFile.write(Data(text.utf8), to: output) } catch {
                stderr("robofy-tui: \(error)\n")
                throw ExitCode(1)
            }
        } else {
            FileHandle.standardOutput.write(Data(text.utf8))
        }
    }

    func list() throws {
        TranscriptsCommand.list(limit: 20)
    }
}
