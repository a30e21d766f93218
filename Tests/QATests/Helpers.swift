import DemoServer
import Foundation
import Logging
import RobofyAPI
import RobofySession

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

/// A log handler that keeps every line in memory.
final class CapturedLog: @unchecked Sendable {
    private let lock = NSLock()
    private var lines: [String] = []

    func add(_ s: String) {
        lock.lock()
        lines.append(s)
        lock.unlock()
    }

    var text: String {
        lock.lock()
        defer { lock.unlock() }
        return lines.joined(separator: "\n")
    }

    var logger: Logger {
        Logger(label: "robofy", factory: { label in CapturingHandler(label: label, sink: self) })
    }
}

struct CapturingHandler: LogHandler {
    let label: String
    let sink: CapturedLog
    var logLevel: Logger.Level = .info
    var metadata: Logger.Metadata = [:]

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    func log(event: LogEvent) {
        var all = metadata
        if let m = event.metadata { all.merge(m) { $1 } }
        let meta = all.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: " ")
        sink.add("\(event.level) \(label): \(event.message) \(meta)")
    }
}

func temporaryDirectory() throws -> String {
    let dir = NSTemporaryDirectory() + "robofy-qa-" + UUID().uuidString.prefix(8)
    try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
    return dir
}

/// Polls until `cond` holds or the deadline passes.
func eventually(timeout: Double = 10, _ cond: () -> Bool) async -> Bool {
    let deadline = ContinuousClock.now + .milliseconds(Int(timeout * 1000))
    while ContinuousClock.now < deadline {
        if cond() { return true }
        try? await Task.sleep(for: .milliseconds(10))
    }
    return cond()
}
