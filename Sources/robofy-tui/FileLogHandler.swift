import ArgumentParser
import Foundation
import Logging
import RobofyAPI
import WidgetUI
import RobofyText
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A swift-log handler that appends lines to a file (stdout belongs to ncurses).
///
/// Every line is escaped (`TextEscaping.escape`): server text with ESC, BEL, NUL, C1
/// or bidi controls is written as `\u{1B}`…, so `cat`-ing the log is harmless. A log
/// that cannot be written (a full disk, `/dev/full`, a closed pipe) is reported once
/// through `onFailure` and turned off; the program goes on.
struct FileLogHandler: LogHandler {
    final class Sink: @unchecked Sendable {
        let path: String
        private let lock = NSLock()
        private var fd: Int32
        private var onFailure: (@Sendable (String) -> Void)?
        private var failure: String?
        /// One formatter for every line (guarded by `lock`): making one is not cheap, and a
        /// streaming answer logs thousands of events a second.
        private let stamps = ISO8601DateFormatter()

        init(path: String) throws {
            self.path = path
            let opened = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0o600)
            guard opened >= 0 else {
                let why = String(cString: strerror(errno))
                throw CLIError("Cannot open the log file \(path): \(why). Check that its folder exists and is writable.")
            }
            fd = opened
        }

        deinit {
            if fd >= 0 { close(fd) }
        }

        /// Who hears, once, that the log stopped. A failure that happened before is told at once.
        func setOnFailure(_ report: @escaping @Sendable (String) -> Void) {
            lock.lock()
            let already = failure
            onFailure = already == nil ? report : nil
            lock.unlock()
            if let already { report(already) }
        }

        /// Why the log stopped, if it did.
        var failureMessage: String? {
            lock.lock()
            defer { lock.unlock() }
            return failure
        }

        /// Appends a line, stamped with the time. One `write(2)` per line.
        func write(_ line: String) {
            lock.lock()
            guard fd >= 0 else {
                lock.unlock()
                return
            }
            let bytes = Array((stamps.string(from: Date()) + " " + line).utf8)
            var offset = 0
            var error: Int32 = 0
            while offset < bytes.count {
                let n = bytes.withUnsafeBytes { buf -> Int in
                    guard let base = buf.baseAddress else { return 0 }
                    return systemWrite(fd, base + offset, buf.count - offset)
                }
                if n < 0 && errno == EINTR { continue }
                if n <= 0 {
                    error = n < 0 ? errno : ENOSPC
                    break
                }
                offset += n
            }
            var report: (@Sendable (String) -> Void)?
            var message = ""
            if offset < bytes.count {
                close(fd)
                fd = -1
                message = "The log file \(path) cannot be written (\(String(cString: strerror(error)))); logging is off."
                failure = message
                report = onFailure
                onFailure = nil
            }
            lock.unlock()
            report?(message)
        }

        private func systemWrite(_ fd: Int32, _ p: UnsafeRawPointer, _ n: Int) -> Int {
            #if canImport(Glibc)
            return Glibc.write(fd, p, n)
            #else
            return Darwin.write(fd, p, n)
            #endif
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
        // Anything that looks like a bearer token or JWT is removed before it is written,
        // and control characters are escaped: one record is one line, inert on a terminal.
        let text = Redaction.redact("\(event.message)") + Redaction.redact(meta)
        sink.write("\(event.level) \(label): \(TextEscaping.escape(text))\n")
    }

    /// The one place `--log-file` is set up (`chat`, `demo`, `run`): a logger writing to
    /// `path`, or a message saying why the file cannot be opened.
    static func logger(path: String, label: String = "robofy") throws -> (Logger, Sink) {
        let sink = try Sink(path: path)
        return (Logger(label: label, factory: { l in FileLogHandler(label: l, sink: sink) }), sink)
    }
}

/// `--log-file`, one declaration for every command that logs (`chat`, `demo`, `run`, `leads`, `inbox`).
struct LogFileOption: ParsableArguments {
    @Option(name: .long, help: ArgumentHelp("Write a log to this file (tokens and API keys are never logged).", valueName: "file"))
    var logFile: String?
}

struct CLIError: Error, CustomStringConvertible {
    let description: String
    init(_ d: String) { description = d }
}
