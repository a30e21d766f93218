import ArgumentParser
import DemoServer
import Foundation
import Logging
import RobofyAPI
import RobofySession
import Terminal
import WidgetUI

struct Preview: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Show how a widget will look, without chatting.",
        discussion: """
        The handshake comes from --handshake FILE (- for stdin), from the live service
        (--project-id and --chatbot-id), or from the demo server when neither is given.
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

    @Option(name: .long, help: "Frame size for --print, WIDTHxHEIGHT.")
    var size: String = "80x24"

    @Flag(name: .long, help: "Preview the narrow (mobile) layout.")
    var mobile = false

    @OptionGroup var look: LookOptions

    func validate() throws {
        _ = try parsedSize()
    }

    func parsedSize() throws -> (Int, Int) {
        let parts = size.lowercased().split(separator: "x")
        guard parts.count == 2, let w = Int(parts[0]), let h = Int(parts[1]), w > 0, h > 0, w <= 1000, h <= 1000 else {
            throw ValidationError("--size takes WIDTHxHEIGHT, e.g. 80x24.")
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
            let data: Data?
            if path == "-" {
                data = FileHandle.standardInput.readDataToEndOfFile()
            } else {
                data = FileManager.default.contents(atPath: path)
            }
            guard let data else { throw ValidationError("Cannot read the handshake file \(path).") }
            return .file(Array(data))
        }
        if target.projectId != nil || target.chatbotId != nil || env["ROBOFY_PROJECT_ID"] != nil {
            return .live(try target.target(env: env))
        }
        return .demo
    }

    func run() async throws {
        let env = ProcessInfo.processInfo.environment
        let src = try source(env: env)
        let spec = try look.themeSpec(env: env)
        let forceDark = look.forceDark

        if print || report {
            let h = try await fetchHandshake(src)
            if report {
                FileHandle.standardOutput.write(Data(ConfigReport.make(h).utf8))
                return
            }
            var (w, hgt) = try parsedSize()
            if mobile { w = Renderer.minWidth }
            let text = PreviewFrame.render(h, width: w, height: hgt, spec: spec, forceDark: forceDark,
                                           chatbotID: target.chatbotId, mobile: mobile, ansi: ansi)
            FileHandle.standardOutput.write(Data(text.utf8))
            return
        }

        // Interactive: the same UI as the chat, with sending switched off.
        var server: DemoServer?
        let t: RobofyTarget
        switch src {
        case .live(let target): t = target
        case .file(let bytes):
            var o = DemoServerOptions()
            o.handshakeOverride = bytes
            let s = try await DemoServer.start(o)
            server = s
            let first = (try? Handshake.decode(Data(bytes)))?.sortedAgents.first?.chatbotID ?? DemoServer.chatbotID
            t = RobofyTarget(baseURL: s.baseURL, projectID: DemoServer.projectID, chatbotID: target.chatbotId ?? first)
        case .demo:
            let s = try await DemoServer.start()
            server = s
            t = RobofyTarget(baseURL: s.baseURL, projectID: DemoServer.projectID, chatbotID: DemoServer.chatbotID)
        }
        let session = ChatSession(client: RobofyClient(target: t))
        var state = AppState(themeSpec: spec, forceDark: forceDark, noColor: ColorDepth.detect(env) == .none)
        state.previewOnly = true
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
            do { return try Handshake.decode(Data(bytes)) } catch {
                throw ValidationError("The handshake file is unusable: \(error)")
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
