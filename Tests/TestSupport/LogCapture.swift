import InMemoryLogging
import Logging

/// Captures what a `Logger` writes, in memory (swift-log's `InMemoryLogHandler`), so a test
/// can assert what reached the log — and what never did (tokens, keys).
public struct LogCapture: Sendable {
    private let handler: InMemoryLogHandler

    /// Keeps every message at `level` and above.
    public init(level: Logger.Level = .info) {
        var h = InMemoryLogHandler()
        h.logLevel = level
        handler = h
    }

    /// A logger that writes here.
    public var logger: Logger {
        let h = handler
        return Logger(label: "robofy", factory: { _ in h })
    }

    /// Every message, in order, without level or metadata.
    public var messages: [String] { handler.entries.map { "\($0.message)" } }

    /// One line per message: `level message key=value …` (metadata sorted by key).
    public var lines: [String] {
        handler.entries.map { e in
            let meta = e.metadata.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: " ")
            return "\(e.level) \(e.message) \(meta)"
        }
    }

    /// All lines, joined with newlines.
    public var text: String { lines.joined(separator: "\n") }
}
