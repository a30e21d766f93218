import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Reading and writing the user's local files with bounds and without surprises.
///
/// - Every read has a limit: a handshake file, a script or a theme is read up to
///   `limit` bytes and refused beyond it (so `/dev/zero` or a runaway pipe cannot
///   fill memory).
/// - A write replaces a regular file atomically (temporary file + rename), writes
///   *through* a symbolic link to the file it points at (the link stays a link), and
///   writes straight into a device, FIFO or other non-regular file (never renaming a
///   regular file over `/dev/full` or a named pipe).
public enum LocalFile {
    public struct Failure: Error, CustomStringConvertible, Equatable {
        public var description: String
        public init(_ description: String) { self.description = description }
    }

    /// Limits for the files robofy-tui reads.
    public enum Limit {
        /// A saved handshake answer.
        public static let handshake = 8 << 20
        /// A test script.
        public static let script = 4 << 20
        /// A theme file.
        public static let theme = 1 << 20
        /// A saved transcript (JSON Lines).
        public static let transcript = 256 << 20
    }

    /// Reads `path` (`-` for standard input) whole, refusing more than `limit` bytes.
    /// `what` names the file in messages ("handshake file", "script").
    public static func read(_ path: String, limit: Int, what: String) throws -> Data {
        let fd: Int32
        let name = path == "-" ? "standard input" : path
        if path == "-" {
            fd = 0
        } else {
            fd = open(path, O_RDONLY | O_CLOEXEC)
            guard fd >= 0 else {
                throw Failure("Cannot read the \(what) \(path): \(errnoText()). Check the path.")
            }
        }
        defer { if fd != 0 { close(fd) } }
        var st = stat()
        if fstat(fd, &st) == 0, (st.st_mode & S_IFMT) == S_IFDIR {
            throw Failure("The \(what) \(path) is a folder, not a file.")
        }
        // A regular file says its size: refuse a big one before reading any of it.
        if (st.st_mode & S_IFMT) == S_IFREG, st.st_size > limit {
            throw tooLarge(what, name, limit)
        }
        var data = Data()
        var buffer = [UInt8](repeating: 0, count: 64 << 10)
        while true {
            let n = buffer.withUnsafeMutableBytes { systemRead(fd, $0.baseAddress, $0.count) }
            if n < 0 {
                if errno == EINTR { continue }
                throw Failure("Cannot read the \(what) \(name): \(errnoText()).")
            }
            if n == 0 { break }
            data.append(contentsOf: buffer[0..<n])
            if data.count > limit { throw tooLarge(what, name, limit) }
        }
        return data
    }

    private static func tooLarge(_ what: String, _ name: String, _ limit: Int) -> Failure {
        Failure("The \(what) \(name) is larger than \(sizeText(limit)), the most robofy-tui reads for a \(what). Check that it is the right file.")
    }

    /// Writes `data` to `path` safely (see the type's comment). Throws a `Failure`
    /// whose text names the file and the reason.
    public static func write(_ data: Data, to path: String) throws {
        var target = path
        var st = stat()
        if lstat(path, &st) == 0, (st.st_mode & S_IFMT) == S_IFLNK {
            // Write through the link: find the file it names (following a chain).
            guard let resolved = realpath(path, nil) else {
                // A dangling link: create the file it points at.
                try writeDirect(data, to: path, create: true)
                return
            }
            target = String(cString: resolved)
            free(resolved)
        }
        if stat(target, &st) == 0 {
            switch st.st_mode & S_IFMT {
            case S_IFREG: break
            case S_IFDIR: throw Failure("Cannot write \(path): it is a folder. Give a file name.")
            default:
                try writeDirect(data, to: target, create: false)
                return
            }
        }
        try writeAtomically(data, to: target)
    }

    private static func writeAtomically(_ data: Data, to path: String) throws {
        let url = URL(fileURLWithPath: path)
        let dir = url.deletingLastPathComponent().path
        let tmp = dir + "/." + url.lastPathComponent + ".tmp-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        let fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw Failure("Cannot write \(path): \(errnoText()).") }
        do {
            try writeAll(fd, data, path: path)
            guard fsync(fd) == 0 else { throw Failure("Cannot write \(path): \(errnoText()).") }
        } catch {
            close(fd)
            unlink(tmp)
            throw error
        }
        close(fd)
        // Keep the mode of the file being replaced.
        var old = stat()
        if stat(path, &old) == 0 { chmod(tmp, old.st_mode & 0o7777) }
        guard rename(tmp, path) == 0 else {
            let text = errnoText()
            unlink(tmp)
            throw Failure("Cannot write \(path): \(text).")
        }
    }

    private static func writeDirect(_ data: Data, to path: String, create: Bool) throws {
        let flags = O_WRONLY | O_CLOEXEC | (create ? (O_CREAT | O_TRUNC) : 0)
        let fd = open(path, flags, 0o644)
        guard fd >= 0 else { throw Failure("Cannot write \(path): \(errnoText()).") }
        defer { close(fd) }
        try writeAll(fd, data, path: path)
    }

    private static func writeAll(_ fd: Int32, _ data: Data, path: String) throws {
        try data.withUnsafeBytes { raw in
            var offset = 0
            while offset < raw.count {
                let n = systemWrite(fd, raw.baseAddress.map { $0 + offset }, raw.count - offset)
                if n < 0 {
                    if errno == EINTR { continue }
                    throw Failure("Cannot write \(path): \(errnoText()).")
                }
                if n == 0 { throw Failure("Cannot write \(path): nothing was written.") }
                offset += n
            }
        }
    }

    private static func systemRead(_ fd: Int32, _ p: UnsafeMutableRawPointer?, _ n: Int) -> Int {
        #if canImport(Glibc)
        return Glibc.read(fd, p, n)
        #else
        return Darwin.read(fd, p, n)
        #endif
    }

    private static func systemWrite(_ fd: Int32, _ p: UnsafeRawPointer?, _ n: Int) -> Int {
        #if canImport(Glibc)
        return Glibc.write(fd, p, n)
        #else
        return Darwin.write(fd, p, n)
        #endif
    }

    static func errnoText() -> String {
        String(cString: strerror(errno))
    }

    /// "8 MiB", "512 KiB", "100 bytes".
    public static func sizeText(_ bytes: Int) -> String {
        if bytes >= 1 << 20, bytes % (1 << 20) == 0 { return "\(bytes >> 20) MiB" }
        if bytes >= 1 << 10, bytes % (1 << 10) == 0 { return "\(bytes >> 10) KiB" }
        return "\(bytes) bytes"
    }
}
