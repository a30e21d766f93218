import DemoServer
import Foundation
import Logging
import RobofyAPI
import RobofySession
import TestSupport

/// Runs `body` against a fresh demo server on 127.0.0.1 (pacing off so tests are quick).
func withDemoServer<T>(faults: String? = nil, _ body: (DemoServer) async throws -> T) async throws -> T {
    var o = DemoServerOptions()
    o.defaultDeltaDelayMs = 0
    if let faults { o.faults = try DemoFaults(spec: faults) }
    return try await DemoServer.with(o, body)
}

func demoSession(_ server: DemoServer, agent: String = DemoServer.chatbotID, taps: [SessionEventTap] = [],
                 logger: Logger? = nil) -> ChatSession {
    let t = RobofyTarget(baseURL: server.baseURL, projectID: DemoServer.projectID, chatbotID: agent)
    let noop = Logger(label: "test", factory: { _ in SwiftLogNoOpLogHandler() })
    // Generous timeouts: the whole test suite shares two cores, and a busy moment must not fail a test.
    return ChatSession(client: RobofyClient(target: t, timeouts: RobofyTimeouts(connect: 30, response: 60, stall: 60)),
                       retry: RetryPolicy(maxRetries: 1, baseDelay: 0.05, maxDelay: 1), logger: logger ?? noop, taps: taps)
}

/// Every event a session reported, in order (collected by a tap, so nothing is missed).
final class EventCollector: @unchecked Sendable {
    private let lock = NSLock()
    private var list: [SessionEvent] = []

    var tap: SessionEventTap {
        { [self] e in
            self.lock.lock()
            self.list.append(e)
            self.lock.unlock()
        }
    }

    var events: [SessionEvent] {
        lock.lock()
        defer { lock.unlock() }
        return list
    }

    var token: String? {
        for e in events { if case .connected(let h) = e { return h.token } }
        return nil
    }
}

func temporaryDirectory() throws -> String { try scratchDirectory("robofy-qa") }
