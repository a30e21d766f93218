// robofy-tui: the command line. This file holds the entry point, the shared option groups
// (target, look, UI, demo server; `--log-file` is LogFileOption in FileLogHandler.swift)
// and the chat commands; RunCommand, QACommands, AccountCommands and Preview hold the rest.
// It may import every library target (and ArgumentParser, Logging); nothing imports it.
// Benchmark hooks (hidden options) come from BenchSupport, never from the product libraries.

import ArgumentParser
import BenchSupport
import DemoServer
import Foundation
import Logging
import RobofyAPI
import RobofyQA
import RobofySession
import RobofyText
import Terminal
import WidgetUI

@main
struct RobofyTUI: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "robofy-tui",
        abstract: "The Robofy chat widget, in your terminal.",
        discussion: """
        Try it without an account:  robofy-tui demo
        Talk to a real widget:      robofy-tui chat --project-id P --chatbot-id C
        """,
        version: RobofyVersion.string,
        subcommands: [Chat.self, Demo.self, Serve.self, Preview.self, Run.self, ReportCommand.self, TranscriptCommand.self,
                      Leads.self, Inbox.self, ConfigCommand.self, TranscriptsCommand.self, OpenCommand.self],
        defaultSubcommand: nil
    )
}

/// Where to connect; flags win over the environment.
struct TargetOptions: ParsableArguments {
    @Option(name: .long, help: "Robofy API base URL (env ROBOFY_BASE_URL; default \(RobofyTarget.defaultBaseURL)).")
    var baseURL: String?

    @Option(name: .long, help: "Project id (env ROBOFY_PROJECT_ID).")
    var projectId: String?

    @Option(name: .long, help: "Agent (chatbot) id (env ROBOFY_CHATBOT_ID).")
    var chatbotId: String?

    @Option(name: .long, help: "Path of the streaming chat endpoint (env ROBOFY_STREAM_PATH).")
    var streamPath: String?

    @Option(name: .long, help: "Path of the non-streaming chat endpoint.")
    var chatPath: String = RobofyTarget.defaultChatPath

    @Flag(name: .long, help: "Use the non-streaming endpoint only.")
    var noStream = false

    @Option(name: .long, help: "Seconds without data before a streaming answer counts as stalled.")
    var stallTimeout: Double = 45

    func validate() throws {
        // (NaN fails the comparison too.)
        guard stallTimeout > 0 else {
            throw ValidationError("--stall-timeout: \(String(format: "%g", stallTimeout)) is not a number of seconds above 0")
        }
    }

    func target(env: [String: String], requireIDs: Bool = true) throws -> RobofyTarget {
        let base = baseURL ?? env["ROBOFY_BASE_URL"] ?? RobofyTarget.defaultBaseURL
        let project = projectId ?? env["ROBOFY_PROJECT_ID"]
        let chatbot = chatbotId ?? env["ROBOFY_CHATBOT_ID"]
        guard let project, !project.isEmpty, let chatbot, !chatbot.isEmpty else {
            throw ValidationError("""
                Give --project-id and --chatbot-id (or set ROBOFY_PROJECT_ID and ROBOFY_CHATBOT_ID).
                To try robofy-tui without an account, run: robofy-tui demo
                """)
        }
        var t = RobofyTarget(baseURL: base, projectID: project, chatbotID: chatbot)
        t.streamPath = streamPath ?? env["ROBOFY_STREAM_PATH"] ?? RobofyTarget.defaultStreamPath
        t.chatPath = chatPath
        t.streaming = !noStream
        _ = try t.url("/")
        return t
    }

    var timeouts: RobofyTimeouts {
        RobofyTimeouts(stall: stallTimeout)
    }
}

/// The look: theme and light/dark, shared by the chat and the preview.
struct LookOptions: ParsableArguments {
    @Option(name: .long, help: "Theme: default, high-contrast, monochrome, or a theme file.")
    var theme: String?

    @Flag(name: .long, help: "Use the light look, whatever theme_mode says.")
    var light = false

    @Flag(name: .long, help: "Use the dark look, whatever theme_mode says.")
    var dark = false

    var forceDark: Bool? { dark ? true : light ? false : nil }

    func validate() throws {
        if light && dark { throw ValidationError("Choose --light or --dark, not both.") }
    }

    /// The chosen theme, or a message naming the broken file, line and key.
    func themeSpec(env: [String: String]) throws -> ThemeSpec {
        do { return try ThemeLoader.load(theme ?? env["ROBOFY_THEME"], env: env) } catch let e as ThemeError {
            throw ValidationError("Theme: \(e.description)")
        }
    }
}

/// How the chat looks and behaves.
struct UIOptions: ParsableArguments {
    @Flag(name: .long, help: "Chat line by line on stdin/stdout instead of the full-screen UI.")
    var plain = false

    @OptionGroup var look: LookOptions

    @OptionGroup var widget: WidgetFlags

    @Option(name: .long, help: "Folder for downloaded transcripts (default: the current folder).")
    var downloadDir: String?

    @Option(name: .long, help: "Where copies (Alt-C) go: osc52 (the terminal's clipboard, and a file in the download folder) or file (the file only).")
    var clipboard: String?

    @OptionGroup var log: LogFileOption
    var logFile: String? { log.logFile }

    @Flag(name: .long, help: "Never draw avatar images (the initials badges stay), even in a terminal that can.")
    var noImages = false

    @Flag(name: .long, help: "In --plain mode, print the session id after each answer.")
    var verbose = false

    @Option(name: .long, help: ArgumentHelp("Frames a second at most while an answer streams in (1–60, default 20). More looks smoother and costs more CPU.",
                                            valueName: "n"))
    var streamFPS: Double?

    func validate() throws {
        // (Also NaN: a comparison with it is false.)
        if let fps = streamFPS, !RuntimeOptions.streamFPSRange.contains(fps) {
            throw ValidationError("--stream-fps: \(String(format: "%g", fps)) is not \(UserConfig.streamFPSExpected)")
        }
    }

    /// The flag's frame rate, else `ROBOFY_STREAM_FPS`'s, else `stream_fps`'s in config.toml
    /// (`settings`: the environment with the file's values), else the default.
    func resolvedStreamFPS(settings: [String: String]) throws -> Double {
        switch UserConfig.resolveStreamFPS(flag: streamFPS, settings: settings) {
        case .success(let fps): return fps
        case .failure(let e): throw ValidationError(e.description)
        }
    }

    // Benchmark hooks (robofy-bench), hidden from --help.
    @Flag(name: .long, help: ArgumentHelp("Exit after the first complete frame after the handshake.", visibility: .hidden))
    var exitAfterFirstFrame = false

    @Option(name: .long, help: ArgumentHelp("Start with N synthetic messages in the conversation.", visibility: .hidden))
    var benchPreload: Int = 0


    /// The logger for `--log-file` (a no-op logger without it), and its file when there is one.
    func makeLogger(_ label: String) throws -> (Logger, FileLogHandler.Sink?) {
        guard let path = logFile else {
            return (Logger(label: label, factory: { _ in SwiftLogNoOpLogHandler() }), nil)
        }
        return try FileLogHandler.logger(path: path, label: label)
    }

    /// `settings`: the environment with the configuration file's values, when the caller has
    /// read the file already.
    func makeState(settings: [String: String]? = nil) throws -> AppState {
        let env = try settings ?? UserSettings.environment()
        return AppState(themeSpec: try look.themeSpec(env: env), forceDark: look.forceDark,
                        noColor: ColorDepth.detect(env) == .none)
    }
}

/// Runs a chat against a target: the full-screen UI, or line mode.
enum ChatRunner {
    static func run(target: RobofyTarget, timeouts: RobofyTimeouts, ui: UIOptions, description: String,
                    qa qaSettings: QASettings? = nil, resume: ResumePlan? = nil, demo: Bool = false) async throws {
        // The configuration file, read once: a broken one stops here (exit 2), then a broken theme
        // file or a bad ROBOFY_STREAM_FPS, in every mode, before any client exists.
        let env = ProcessInfo.processInfo.environment
        let config = try UserSettings.config(env: env)
        let settings = config.environment(over: env)
        var state = try ui.makeState(settings: settings)
        let streamFPS = try ui.resolvedStreamFPS(settings: settings)
        ui.widget.apply(&state, demo: demo)
        let (logger, logSink) = try ui.makeLogger("robofy")
        let interactive = isatty(STDIN_FILENO) == 1 && isatty(STDOUT_FILENO) == 1
        let fullScreen = interactive && !ui.plain
        // The full-screen UI draws a streaming answer `streamFPS` times a second: what comes
        // between two frames is read from the socket once (`RobofyClient.readWindow`), on a clock
        // of a frame's interval, and drawn as it comes.
        let readWindow = fullScreen ? RuntimeOptions.readWindow(streamFPS: streamFPS) : 0
        let client = RobofyClient(target: target, timeouts: timeouts, logger: logger, readWindow: readWindow)
        let qa = QASession(settings: qaSettings ?? QASettings(autosave: false, recordTarget: .service(target)),
                           agent: target.chatbotID, target: description, projectID: target.projectID,
                           logger: ui.logFile != nil ? logger : nil)
        // A log that cannot be written is told once (status line, or stderr in line mode) and turned off.
        defer { qa.finish() }  // (it runs once: the paths below may have called it already)
        logSink?.setOnFailure { qa.report(RuntimeNotice.storageFailure($0)) }
        let session = ChatSession(client: client, logger: logger, taps: qa.taps)
        if let resume { await resume.prepare(session) }
        if !fullScreen {
            if !ui.plain {
                FileHandle.standardError.write(Data("robofy-tui: not a terminal; chatting line by line (--plain).\n".utf8))
            }
            try await runPlain(session: session, ui: ui, qa: qa)
            return
        }
        state.targetDescription = description
        resume?.prepare(&state)
        if ui.benchPreload > 0 { SyntheticConversation.preload(&state, agentID: target.chatbotID, agentName: "Agent", messages: ui.benchPreload) }
        var options = RuntimeOptions(downloadDirectory: ui.downloadDir ?? settings["ROBOFY_DOWNLOAD_DIR"]
                                         ?? FileManager.default.currentDirectoryPath, logger: logger)
        options.keys = config.keys
        let clip = ui.clipboard ?? settings["ROBOFY_CLIPBOARD"] ?? "osc52"
        guard let clipMode = Clipboard.Mode(rawValue: clip.lowercased()) else {
            throw ValidationError("clipboard: \"\(String(Sanitizer.clean(clip, allowNewlines: false).prefix(20)))\" is not osc52 or file")
        }
        options.clipboard = clipMode
        options.inTmux = !(ProcessInfo.processInfo.environment["TMUX"] ?? "").isEmpty
        options.images = TerminalImagesSetup.make(enabled: !ui.noImages, baseURL: target.baseURL, logger: logger)
        options.maxFPS = 60
        options.streamFPS = streamFPS
        options.readWindow = readWindow
        options.exitAfterFirstFrame = ui.exitAfterFirstFrame
        options.startupNotice = qa.startupNotice
        state.inspector.transcriptPath = qa.transcriptPath
        options.notices = qa.notices
        let scriptDir = options.downloadDirectory
        options.saveScript = { try qa.saveScriptNow(directory: scriptDir) }
        let runtime = await ChatRuntime(session: session, state: state, options: options)
        do {
            try await runtime.run()
            // Quit by a signal: the same orderly exit as F10, then 128 + the signal (as a shell reports it).
            if let sig = await runtime.exitSignal { throw ExitCode(128 + sig) }
        } catch let e as TerminalError {
            FileHandle.standardError.write(Data("robofy-tui: \(e.description)\n".utf8))
            try await runPlain(session: session, ui: ui, qa: qa)
            return
        }
        qa.finish()
        // The screen is gone: say again what the status line said about the log file.
        if let why = logSink?.failureMessage { stderr("robofy-tui: \(why)\n") }
    }

    /// Line mode. Notices (autosave or log failures) are printed on stderr, each once,
    /// all of them before the program exits. Exit status: see `PlainChat.run`.
    static func runPlain(session: ChatSession, ui: UIOptions, qa: QASession) async throws {
        let noticePrinter = qa.announcePlain()
        let code = await PlainChat(session: session, verbose: ui.verbose).run()
        qa.finish()
        await noticePrinter.value
        if code != 0 { throw ExitCode(code) }
    }
}

struct Chat: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Chat with a Robofy widget's agents.")

    @OptionGroup var target: TargetOptions
    @OptionGroup var ui: UIOptions
    @OptionGroup var qa: QAOptions

    func run() async throws {
        let env = try UserSettings.environment()
        let t = try target.target(env: env)
        try await ChatRunner.run(target: t, timeouts: target.timeouts, ui: ui, description: t.baseURL,
                                 qa: qa.settings(.service(t)))
    }
}

/// Options of the embedded demo server.
struct DemoServerFlags: ParsableArguments {
    @Option(name: .long, help: "Fault knobs, e.g. \"latency=200,cut=300,401once,429=2,500,malformed,unknown,nostream,json,stall=100,pace=0\".")
    var fault: String?

    @Flag(name: .long, help: "Add an agent whose texts carry terminal escape sequences (for testing).")
    var hostile = false

    @Option(name: .long, help: "Milliseconds between streamed pieces (default 18).")
    var pace: Int?

    @Option(name: .long, help: "Serve this handshake JSON file instead of the demo widget.")
    var handshake: String?

    func options(port: Int = 0, host: String = "127.0.0.1") throws -> DemoServerOptions {
        var o = DemoServerOptions()
        o.host = host
        o.port = port
        if let fault {
            do { o.faults = try DemoFaults(spec: fault) } catch { throw ValidationError(error.description) }
        }
        o.hostile = hostile
        if let pace { o.defaultDeltaDelayMs = max(0, pace) }
        if let handshake {
            do {
                o.handshakeOverride = Array(try LocalFile.read(handshake, limit: LocalFile.Limit.handshake, what: "handshake file"))
            } catch let e as LocalFile.Failure {
                throw ValidationError(e.description)
            }
        }
        return o
    }
}

struct Demo: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Chat with the built-in demo agents (no account needed).")

    @OptionGroup var server: DemoServerFlags
    @OptionGroup var ui: UIOptions
    @OptionGroup var qa: QAOptions

    @Option(name: .long, help: "Start with this demo agent (id).")
    var chatbotId: String?

    @Flag(name: .long, help: "Use the non-streaming endpoint only.")
    var noStream = false

    func run() async throws {
        let srv = try await DemoServer.start(try server.options())
        let target = RobofyTarget(baseURL: srv.baseURL, projectID: DemoServer.projectID,
                                  chatbotID: chatbotId ?? DemoServer.chatbotID, streaming: !noStream)
        do {
            try await ChatRunner.run(target: target, timeouts: .init(stall: 20), ui: ui, description: "demo",
                                     qa: qa.settings(.demo(fault: server.fault)), demo: true)
        } catch {
            await bounded(seconds: 1) { await srv.stop() }
            throw error
        }
        // A graceful stop waits for answers in flight; the user asked to leave, so not for long.
        await bounded(seconds: 1) { await srv.stop() }
    }
}

struct Serve: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Run the demo server on its own and print its URL.")

    @Option(name: .long, help: "Port (0 picks a free one).")
    var port: Int = 8787

    @Option(name: .long, help: "Address to listen on.")
    var host: String = "127.0.0.1"

    @OptionGroup var server: DemoServerFlags

    func run() async throws {
        let srv = try await DemoServer.start(try server.options(port: port, host: host),
                                             logger: Logger(label: "robofy.demo", factory: { _ in SwiftLogNoOpLogHandler() }))
        let url = srv.baseURL
        FileHandle.standardOutput.write(Data("""
            Robofy demo server listening on \(url)
              project id: \(DemoServer.projectID)
              agent id:   \(DemoServer.chatbotID)
              account API key (demo only, for leads/inbox): \(DemoServer.accountAPIKey)
            Chat with it:  robofy-tui chat --base-url \(url) --project-id \(DemoServer.projectID) --chatbot-id \(DemoServer.chatbotID)
            Press Ctrl-C to stop.

            """.utf8))
        await waitForTermination()
        await srv.stop()
    }
}

/// Runs `work`, returning when it finishes or after `seconds`, whichever comes first.
func bounded(seconds: Double, _ work: @escaping @Sendable () async -> Void) async {
    let (done, cont) = AsyncStream.makeStream(of: Void.self)
    Task { await work(); cont.yield() }
    Task { try? await Task.sleep(for: .milliseconds(Int(seconds * 1000))); cont.yield() }
    for await _ in done { break }
}

/// Waits for SIGINT or SIGTERM.
func waitForTermination() async {
    let (stream, cont) = AsyncStream.makeStream(of: Int32.self)
    var sources: [any DispatchSourceSignal] = []
    for sig in [SIGINT, SIGTERM] {
        signal(sig, SIG_IGN)
        let s = DispatchSource.makeSignalSource(signal: sig, queue: .global())
        s.setEventHandler { cont.yield(sig) }
        s.resume()
        sources.append(s)
    }
    for await _ in stream { break }
    for s in sources { s.cancel() }
}
