import ArgumentParser
import DemoServer
import Foundation
import RobofyText
import RobofyAPI
import RobofySession
import Terminal
import WidgetUI

/// How `open --resume` continues a saved conversation: the session gets the agent's
/// session id and turns, the screen the saved messages.
struct ResumePlan: Sendable {
    var replay: TranscriptReplay
    var agentID: String
    var sessionID: String?
    var note: String

    func prepare(_ session: ChatSession) async {
        await session.resume(agentID: agentID, sessionID: sessionID, turns: replay.conversation(of: agentID))
    }

    func prepare(_ state: inout AppState) {
        state.load(replay, note: note)
    }
}

// MARK: - robofy-tui open

struct OpenCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "open",
        abstract: "Show a saved conversation (an autosaved .jsonl transcript) in the widget; --resume continues it.",
        discussion: """
        Read-only, the conversation is shown as it was (PgUp/PgDn scroll, F10 quits). With --resume
        it continues against the server it came from, with the same agent and session id; new turns
        are appended to the same file.
          robofy-tui transcripts
          robofy-tui open ~/.local/state/robofy-tui/transcripts/20261201-101500-nova.jsonl --resume
        """)

    @Argument(help: "A transcript file (.jsonl), as `robofy-tui transcripts` lists them.")
    var file: String

    @Flag(name: .long, help: "Continue the conversation: the same agent and session id, against the server it came from.")
    var resume = false

    @Option(name: .long, help: "With --resume: talk to this base URL instead of the one the transcript names.")
    var baseURL: String?

    @OptionGroup var ui: UIOptions

    @Flag(name: .long, help: "With --resume: do not append the new turns to the file.")
    var noAutosave = false

    func run() async throws {
        let t: TranscriptFile
        do { t = try TranscriptStore.read(path: file) } catch {
            stderr("robofy-tui: \(error.description)\n")
            throw ExitCode(2)
        }
        let replay = TranscriptReplay(t)
        guard let agentID = replay.lastAgentID, !replay.turns.isEmpty else {
            stderr("robofy-tui: \(file) holds no conversation to open.\n")
            throw ExitCode(2)
        }
        for p in t.problems { stderr("robofy-tui: \(file): \(p) (skipped)\n") }
        if resume {
            try await continueConversation(replay, agentID: agentID)
        } else {
            try await show(replay, agentID: agentID, file: t)
        }
    }

    /// Read-only: the widget with the saved turns, nothing sent, no server asked.
    func show(_ replay: TranscriptReplay, agentID: String, file t: TranscriptFile) async throws {
        guard isatty(STDIN_FILENO) == 1, isatty(STDOUT_FILENO) == 1, !ui.plain else {
            FileHandle.standardOutput.write(Data(TranscriptRendering.markdown(t).utf8))
            return
        }
        var w = WidgetConfig()
        w.header.title = "Transcript"
        w.header.subtitle = (file as NSString).lastPathComponent
        w.header.inputPlaceholder = "Read-only · --resume continues it · PgUp/PgDn scroll · F10 quit"
        w.behaviour.enableSuggestedQuestions = false
        let agents = replay.agents.enumerated().map { Agent(chatbotID: $1.id, name: $1.name, sortOrder: Double($0)) }
        // Never contacted: the preset answers the handshake, and nothing is sent.
        let target = RobofyTarget(baseURL: "http://127.0.0.1:9", projectID: replay.projectID ?? "transcript", chatbotID: agentID)
        let session = ChatSession(client: RobofyClient(target: target), preset: Handshake(token: "", agents: agents, widget: w))
        var state = try ui.makeState()
        state.previewOnly = true
        state.load(replay, note: "Read-only: \(replay.turns.count) saved turn\(replay.turns.count == 1 ? "" : "s"). "
                   + "To continue this conversation: robofy-tui open \(file) --resume")
        var options = RuntimeOptions()
        options.keys = try UserSettings.config().keys
        let runtime = await ChatRuntime(session: session, state: state, options: options)
        try await runtime.run()
        if let sig = await runtime.exitSignal { throw ExitCode(128 + sig) }
    }

    /// `--resume`: a chat whose session starts with the saved session id and turns.
    func continueConversation(_ replay: TranscriptReplay, agentID: String) async throws {
        let sessionID = replay.sessionID(of: agentID)
        let short = sessionID.map { String(Sanitizer.clean(Redaction.redact($0), allowNewlines: false).prefix(8)) + "…" }
        let note = short.map { "Resumed: the conversation continues in session \($0) with the same agent." }
            ?? "Resumed: that session had ended, so your next message starts a new one (same agent)."
        let plan = ResumePlan(replay: replay, agentID: agentID, sessionID: sessionID, note: note)
        let qa = QASettings(transcriptPath: file, autosave: !noAutosave, recordTarget: .demo(fault: nil))
        let origin = baseURL ?? replay.target
        if origin == nil || origin == "demo" {
            let srv = try await DemoServer.start(DemoServerOptions())
            let target = RobofyTarget(baseURL: srv.baseURL, projectID: DemoServer.projectID, chatbotID: agentID)
            if ui.plain || isatty(STDOUT_FILENO) != 1 { stderr("robofy-tui: \(note)\n") }
            do {
                try await ChatRunner.run(target: target, timeouts: .init(stall: 20), ui: ui, description: "demo", qa: qa,
                                         resume: plan)
            } catch {
                await bounded(seconds: 1) { await srv.stop() }
                throw error
            }
            await bounded(seconds: 1) { await srv.stop() }
            return
        }
        let env = try UserSettings.environment()
        guard let base = origin else { return }
        let project = replay.projectID ?? env["ROBOFY_PROJECT_ID"] ?? ""
        guard !project.isEmpty else {
            stderr("robofy-tui: \(file) does not say which project it talked to; set ROBOFY_PROJECT_ID.\n")
            throw ExitCode(2)
        }
        var target = RobofyTarget(baseURL: base, projectID: project, chatbotID: agentID)
        target.streamPath = env["ROBOFY_STREAM_PATH"] ?? RobofyTarget.defaultStreamPath
        do { _ = try target.url("/") } catch {
            stderr("robofy-tui: the transcript's server \(Sanitizer.clean(base, allowNewlines: false)) is not a URL; "
                   + "give --base-url.\n")
            throw ExitCode(2)
        }
        var settings = qa
        settings.recordTarget = .service(target)
        if ui.plain || isatty(STDOUT_FILENO) != 1 { stderr("robofy-tui: \(note)\n") }
        try await ChatRunner.run(target: target, timeouts: RobofyTimeouts(stall: 45), ui: ui, description: base,
                                 qa: settings, resume: plan)
    }
}

// MARK: - robofy-tui transcripts

struct TranscriptsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "transcripts",
        abstract: "List the autosaved transcripts, newest first (agent, turns, size, path).",
        discussion: """
        The folder is $XDG_STATE_HOME/robofy-tui/transcripts (default ~/.local/state/robofy-tui/transcripts).
        Open one with: robofy-tui open PATH   (add --resume to continue it)
        """)

    @Option(name: .long, help: "Show at most this many (default 20).")
    var limit: Int = 20

    func validate() throws {
        if limit < 1 { throw ValidationError("--limit must be at least 1.") }
    }

    func run() throws {
        Self.list(limit: limit)
    }

    static func list(limit: Int) {
        let dir = TranscriptStore.defaultDirectory()
        let fm = FileManager.default
        let names = ((try? fm.contentsOfDirectory(atPath: dir)) ?? []).filter { $0.hasSuffix(".jsonl") }
        guard !names.isEmpty else {
            print("No transcripts in \(dir) yet.")
            return
        }
        struct Row { var path: String; var date: Date; var size: Int }
        let rows = names.map { name -> Row in
            let p = (dir as NSString).appendingPathComponent(name)
            let attrs = try? fm.attributesOfItem(atPath: p)
            return Row(path: p, date: attrs?[.modificationDate] as? Date ?? .distantPast,
                       size: (attrs?[.size] as? NSNumber)?.intValue ?? 0)
        }.sorted { $0.date != $1.date ? $0.date > $1.date : $0.path > $1.path }
        let f = DateFormatter()
        f.locale = Locale(identifier: "en_US_POSIX")
        f.dateFormat = "yyyy-MM-dd HH:mm"
        var table: [[String]] = [["modified", "agent", "turns", "size", "path"]]
        for r in rows.prefix(limit) {
            var agent = "?", turns = "?"
            if let t = try? TranscriptStore.read(path: r.path) {
                let replay = TranscriptReplay(t)
                agent = replay.agents.map(\.name).joined(separator: ", ")
                turns = "\(replay.turns.count)"
            }
            table.append([f.string(from: r.date), Sanitizer.clean(agent.isEmpty ? "-" : agent, allowNewlines: false),
                          turns, size(r.size), r.path])
        }
        let widths = (0..<4).map { c in table.map { DisplayWidth.of($0[c]) }.max() ?? 0 }
        for row in table {
            var line = ""
            for c in 0..<4 {
                let cell = c == 1 ? DisplayWidth.truncate(row[c], to: 30) : row[c]
                let pad = max(0, min(widths[c], c == 1 ? 30 : widths[c]) - DisplayWidth.of(cell))
                line += (c == 2 || c == 3 ? String(repeating: " ", count: pad) + cell : cell + String(repeating: " ", count: pad)) + "  "
            }
            print(line + row[4])
        }
        if rows.count > limit { print("… and \(rows.count - limit) more (--limit N)") }
    }

    static func size(_ bytes: Int) -> String {
        if bytes < 1024 { return "\(bytes) B" }
        if bytes < 1 << 20 { return String(format: "%.1f KiB", Double(bytes) / 1024) }
        return String(format: "%.1f MiB", Double(bytes) / Double(1 << 20))
    }
}
