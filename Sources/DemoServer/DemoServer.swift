// DemoServer: the embedded Robofy-compatible server (handshake, streaming chat, fault knobs, account API,
// leads and ratings); may import Foundation, Hummingbird, NIO and swift-log, never the client targets.
import Foundation
import Hummingbird
import Logging

public struct DemoServerOptions: Sendable {
    public var host: String = "127.0.0.1"
    /// 0 = an ephemeral port.
    public var port: Int = 0
    /// Server-wide faults. Per request, `X-Robofy-Demo-Fault: <spec>` adds to / overrides them.
    /// Server-wide 401once/429/500 only affect chat calls (the handshake keeps working);
    /// per-request 429/500 affect the handshake too.
    public var faults: DemoFaults = .init()
    /// Served verbatim as the handshake response body. When it is JSON with a string
    /// at `data.token`, that string is replaced by a freshly issued (valid) token.
    public var handshakeOverride: [UInt8]? = nil
    /// Adds the agent "Mallory" (`demo-hostile`) whose texts are full of terminal escape sequences.
    public var hostile: Bool = false
    /// Pause before each delta of a streamed answer.
    public var defaultDeltaDelayMs: Int = 18
    /// Lifetime of issued tokens (`exp - iat`). 0 or less issues already-expired tokens.
    public var tokenLifetimeSeconds: Int = 3600
    /// Issue opaque tokens (`rbf_…`, no JWT shape), as some deployments do: nothing but the
    /// exact token can redact them (tests of the redaction registry).
    public var opaqueTokens: Bool = false
    /// Rows per page of the account API listings (leads, inbox); small values exercise `nextPageToken`.
    public var accountPageSize: Int = 20

    public init() {}
}

public enum DemoServerError: Error, Sendable, CustomStringConvertible {
    case invalidPort(Int)
    case failedToStart(String)

    public var description: String {
        switch self {
        case .invalidPort(let p): "Invalid port \(p) (use 0…65535)."
        case .failedToStart(let why): "The demo server could not start: \(why)"
        }
    }
}

/// An HTTP server speaking the Robofy widget protocol with scripted agents.
///
/// Endpoints: `POST /v1/widget/handshake`, `POST /v1/ai-agent/chat`,
/// `POST /v1/ai-agent/chat/stream`, and `GET /` (a JSON summary of the demo).
/// It never writes to stdout/stderr: everything is logged through the given logger.
public final class DemoServer: Sendable {
    public static let projectID: String = DemoCatalog.projectID
    /// The default agent (Nova).
    public static let chatbotID: String = DemoCatalog.defaultAgentID
    /// All agent ids, sorted by `sort_order`: Nova, Atlas, Sage (and Mallory with `hostile`).
    public static let agentIDs: [String] = [DemoCatalog.nova.id, DemoCatalog.atlas.id, DemoCatalog.sage.id]
    public static let novaID = DemoCatalog.nova.id
    public static let atlasID = DemoCatalog.atlas.id
    public static let sageID = DemoCatalog.sage.id
    public static let hostileID = DemoCatalog.mallory.id
    /// The request header carrying per-request faults.
    public static let faultHeader = "X-Robofy-Demo-Fault"

    public let port: Int
    public let baseURL: String
    public let options: DemoServerOptions
    /// How many avatar images (`/v1/demo/avatars/…`) the server has sent.
    public let avatarRequests: DemoAvatarCounter
    private let runTask: Task<Void, Never>

    private init(port: Int, host: String, options: DemoServerOptions, runTask: Task<Void, Never>, avatarRequests: DemoAvatarCounter) {
        self.avatarRequests = avatarRequests
        self.port = port
        self.options = options
        self.runTask = runTask
        let connectHost: String
        switch host {
        case "0.0.0.0", "": connectHost = "127.0.0.1"
        case "::": connectHost = "[::1]"
        default: connectHost = host.contains(":") && !host.hasPrefix("[") ? "[\(host)]" : host
        }
        self.baseURL = "http://\(connectHost):\(port)"
    }

    deinit {
        runTask.cancel()
    }

    private enum StartEvent: Sendable {
        case listening(Int?)
        case ended(String)
    }

    /// Starts the server and returns once it is listening (``port`` is the bound port).
    public static func start(
        _ options: DemoServerOptions = .init(),
        logger: Logger = Logger(label: "robofy.demo", factory: { _ in SwiftLogNoOpLogHandler() })
    ) async throws -> DemoServer {
        guard (0...65535).contains(options.port) else { throw DemoServerError.invalidPort(options.port) }
        let avatarRequests = DemoAvatarCounter()
        let core = DemoCore(options: options, logger: logger, avatarRequests: avatarRequests)
        let (events, continuation) = AsyncStream<StartEvent>.makeStream()
        let app = Application(
            responder: DemoResponder(core: core),
            server: .http1(configuration: .init(additionalChannelHandlers: [DemoConnectionWatch()])),
            configuration: .init(address: .hostname(options.host, port: options.port), serverName: nil),
            onServerRunning: { channel in
                continuation.yield(.listening(channel.localAddress?.port))
            },
            logger: logger
        )
        let runTask = Task {
            do {
                try await app.run()
                continuation.yield(.ended("the server stopped before listening"))
            } catch {
                logger.debug("demo server stopped", metadata: ["error": .string("\(error)")])
                continuation.yield(.ended("\(error)"))
            }
            continuation.finish()
        }
        for await event in events {
            switch event {
            case .listening(let port):
                guard let port else {
                    runTask.cancel()
                    await runTask.value
                    throw DemoServerError.failedToStart("the bound port is unknown")
                }
                logger.info("demo server listening", metadata: ["port": .stringConvertible(port)])
                return DemoServer(port: port, host: options.host, options: options, runTask: runTask, avatarRequests: avatarRequests)
            case .ended(let why):
                await runTask.value
                throw DemoServerError.failedToStart(why)
            }
        }
        // The caller was cancelled while waiting.
        runTask.cancel()
        await runTask.value
        throw CancellationError()
    }

    /// Stops listening, ends every open connection and stream, and returns when all
    /// of the server's tasks have finished. Safe to call more than once.
    /// Runs `body` against a server started for it, and waits until the server has stopped,
    /// however `body` ends (a server left stopping in the background would share the CPU
    /// with whatever comes next).
    public static func with<T>(_ options: DemoServerOptions = .init(),
                               isolation: isolated (any Actor)? = #isolation,
                               _ body: (DemoServer) async throws -> T) async throws -> T {
        let server = try await start(options)
        do {
            let result = try await body(server)
            await server.stop()
            return result
        } catch {
            await server.stop()
            throw error
        }
    }

    public func stop() async {
        runTask.cancel()
        await runTask.value
    }
}
