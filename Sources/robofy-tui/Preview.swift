import ArgumentParser
import DemoServer
import Foundation
import Logging
import RobofyAPI
import RobofySession
import Terminal
import WidgetUI
import RobofyText

struct Preview: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Show how a widget will look, without chatting.",
        discussion: """
        The handshake comes from --handshake FILE (- for stdin; read offline, no server is
        asked), from the live service (--project-id and --chatbot-id), or from the demo
        server when neither is given. A file without a token or without agents is shown as
        far as it goes, and the report says what is missing.
          robofy-tui preview --handshake widget.json --print --size 80x24
          robofy-tui preview --report
        """)

    @Option(name: .long, help: "Read the handshake answer from this JSON file (- for stdin).")
    var handshake: String?

    @OptionGroup var target: TargetOptions

    @Flag(name: .long, help: "Print one frame as text and exit.")
    var print = false

    @Flag(name: .long, help: "With --print: include colours (ANSI escape codes).")
    var ansi = false

    @Flag(name: .long, help: "Print the configuration report and exit.")
    var report = false

    @Option(name: .long, help: "Frame size for --print, WIDTHxHEIGHT (each 1…\(Preview.maxSide); the widget needs \(Renderer.minWidth)x\(Renderer.minHeight)).")
    var size: String = "80x24"

    @Flag(name: .long, help: "Preview the narrow (mobile) layout, \(PreviewFrame.mobileWidth) columns wide.")
    var mobile = false

    @OptionGroup var look: LookOptions

    @Option(name: .long, help: ArgumentHelp("With --print: the state to draw, \(PreviewState.names) (default greeting).",
                                            valueName: "state"))
    var state: String?

    @OptionGroup var widget: WidgetFlags

    func validate() throws {
        _ = try parsedSize()
        _ = try previewState()
    }

    func previewState() throws -> PreviewState {
        guard let state else { return .greeting }
        guard let p = PreviewState(rawValue: state.lowercased()) else {
            let got = DisplayWidth.truncate(Sanitizer.clean(state, allowNewlines: false), to: 40)
            throw ValidationError("--state takes one of \(PreviewState.names) (got \"\(got)\").")
        }
        if !print { throw ValidationError("--state works with --print (one frame as text).") }
        return p
    }

    static let maxSide = 1000

    func parsedSize() throws -> (Int, Int) {
        let parts = size.lowercased().split(separator: "x", omittingEmptySubsequences: false)
        let m = Self.maxSide
        guard parts.count == 2, let w = Int(parts[0]), let h = Int(parts[1]), (1...m).contains(w), (1...m).contains(h) else {
            let got = DisplayWidth.truncate(Sanitizer.clean(size, allowNewlines: false), to: 40)
            throw ValidationError("""
                --size takes WIDTHxHEIGHT with each side from 1 to \(m), e.g. 80x24 (got "\(got)"). \
                Below \(Renderer.minWidth)x\(Renderer.minHeight) the frame only says the terminal is too small.
                """)
        }
        return (w, h)
    }

    enum Source {
        case file([UInt8])
        case live(RobofyTarget)
        case demo
    }

    func source(env: [String: String]) throws -> Source {
        if let path = handshake {
            do {
                return .file(Array(try LocalFile.read(path, limit: LocalFile.Limit.handshake, what: "handshake file")))
            } catch let e as LocalFile.Failure {
                throw ValidationError(e.description)
            }
        }
        if target.projectId != nil || target.chatbotId != nil || env["ROBOFY_PROJECT_ID"] != nil {
            return .live(try target.target(env: env))
        }
        return .demo
    }

    func run() async throws {
        let env = try UserSettings.environment()
        let src = try source(env: env)
        let spec = try look.themeSpec(env: env)
        let forceDark = look.forceDark

        if print || report {
            let h = try await fetchHandshake(src)
            if report {
                FileHandle.standardOutput.write(Data(ConfigReport.make(h, spec: spec, forceDark: forceDark).utf8))
                return
            }
            let (w, hgt) = try parsedSize()
            let text = PreviewFrame.render(h, width: w, height: hgt, spec: spec, forceDark: forceDark,
                                           chatbotID: target.chatbotId, mobile: mobile, ansi: ansi,
                                           previewState: try previewState())
            FileHandle.standardOutput.write(Data(text.utf8))
            return
        }

        // Interactive: the same UI as the chat, with sending switched off. A file is read
        // here and handed to the session: no server is started and nothing is asked of one.
        var server: DemoServer?
        let t: RobofyTarget
        var preset: Handshake?
        switch src {
        case .live(let target): t = target
        case .file:
            let h = try await fetchHandshake(src)
            preset = h
            let first = h.sortedAgents.first?.chatbotID ?? ""
            // Never contacted: the preset answers the handshake and a preview sends nothing.
            t = RobofyTarget(baseURL: "http://127.0.0.1:9", projectID: "preview", chatbotID: target.chatbotId ?? first)
        case .demo:
            let s = try await DemoServer.start()
            server = s
            t = RobofyTarget(baseURL: s.baseURL, projectID: DemoServer.projectID, chatbotID: DemoServer.chatbotID)
        }
        let session = ChatSession(client: RobofyClient(target: t), preset: preset)
        var state = AppState(themeSpec: spec, forceDark: forceDark, noColor: ColorDepth.detect(env) == .none)
        state.previewOnly = true
        widget.apply(&state, demo: false)
        if mobile { state.mobileWidth = PreviewFrame.mobileWidth }
        let runtime = await ChatRuntime(session: session, state: state, options: RuntimeOptions())
        do {
            try await runtime.run()
        } catch {
            await session.close()
            await server?.stop()
            throw error
        }
        await server?.stop()
    }

    func fetchHandshake(_ src: Source) async throws -> Handshake {
        switch src {
        case .file(let bytes):
            do { return try Handshake.decode(Data(bytes), forPreview: true) } catch {
                let name = handshake == "-" ? "standard input" : handshake ?? ""
                throw ValidationError("The handshake file \(name) cannot be previewed: \(error)")
            }
        case .live(let t):
            return try await handshake(from: t)
        case .demo:
            return try await DemoServer.with { s in
                try await handshake(from: RobofyTarget(baseURL: s.baseURL, projectID: DemoServer.projectID,
                                                       chatbotID: DemoServer.chatbotID))
            }
        }
    }

    func handshake(from t: RobofyTarget) async throws -> Handshake {
        do { return try await RobofyClient.handshake(t) } catch { throw ValidationError(error.userMessage) }
    }
}
