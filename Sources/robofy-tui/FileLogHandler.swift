import Foundation
import Logging
import RobofyAPI

/// A swift-log handler that appends lines to a file (stdout belongs to ncurses).
struct FileLogHandler: LogHandler {
    final class Sink: @unchecked Sendable {
        let lock = NSLock()
        let handle: FileHandle
        /// One formatter for every line (guarded by `lock`): making one is not cheap, and a
        /// streaming answer logs thousands of events a second.
        let stamps = ISO8601DateFormatter()
        init(path: String) throws {
            if !FileManager.default.fileExists(atPath: path) {
                guard FileManager.default.createFile(atPath: path, contents: nil) else {
                    throw CLIError("Cannot create the log file \(path). Check that its folder exists and is writable.")
                }
            }
            guard let h = FileHandle(forWritingAtPath: path) else {
                throw CLIError("Cannot open the log file \(path) for writing.")
            }
            h.seekToEndOfFile()
            handle = h
        }
        /// Appends a line, stamped with the time.
        func write(_ line: String) {
            lock.lock()
            defer { lock.unlock() }
            handle.write(Data((stamps.string(from: Date()) + " " + line).utf8))
        }
    }

    let label: String
    let sink: Sink
    var logLevel: Logger.Level = .info
    var metadata: Logger.Metadata = [:]

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    func log(event: LogEvent) {
        var all = metadata
        if let m = event.metadata { all.merge(m) { $1 } }
        let meta = all.isEmpty ? "" : " " + all.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: " ")
        // Anything that looks like a bearer token or JWT is removed before it is written.
        sink.write("\(event.level) \(label): \(Redaction.redact("\(event.message)"))\(Redaction.redact(meta))\n")
    }
}

struct CLIError: Error, CustomStringConvertible {
    let description: String
    init(_ d: String) { description = d }
}
