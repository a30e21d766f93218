import Foundation
#if canImport(Glibc)
import Glibc
#endif

// Spawning the real binaries (robofy-tui, tmux, curl) from tests. posix_spawn and
// waitpid, not swift-subprocess: the tmux helpers are synchronous (they run in `deinit`
// and in blocking polls on threads of their own), and output must go through a file,
// not a pipe, because a tmux server started by a command inherits its stdout and
// would hold a pipe open after the command exits.

/// An exit status from `waitpid`: the code when the process exited, -1 when a signal ended it.
public func exitCode(_ status: Int32) -> Int32 {
    (status & 0x7f) == 0 ? (status >> 8) & 0xff : -1
}

/// The signal that ended a process, or -1 when it exited.
public func terminatingSignal(_ status: Int32) -> Int32 {
    (status & 0x7f) != 0 ? status & 0x7f : -1
}

/// Spawns `args` (argv[0] looked up on PATH) with stdin from `stdinPath`, stdout and
/// stderr into the file at `outputPath`, and the test's environment plus `env`.
private func spawn(_ args: [String], stdinPath: String?, stdinFD: Int32?, closeFD: Int32?, outputPath: String,
                   env: [String: String]) -> (pid: pid_t, error: Int32) {
    var actions = posix_spawn_file_actions_t()
    posix_spawn_file_actions_init(&actions)
    defer { posix_spawn_file_actions_destroy(&actions) }
    if let stdinFD { posix_spawn_file_actions_adddup2(&actions, stdinFD, 0) }
    if let closeFD { posix_spawn_file_actions_addclose(&actions, closeFD) }
    if let stdinPath { posix_spawn_file_actions_addopen(&actions, 0, stdinPath, O_RDONLY, 0) }
    posix_spawn_file_actions_addopen(&actions, 1, outputPath, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
    posix_spawn_file_actions_adddup2(&actions, 1, 2)
    var cargs: [UnsafeMutablePointer<CChar>?] = args.map { strdup($0) } + [nil]
    defer { for p in cargs { free(p) } }
    let envStrings = ProcessInfo.processInfo.environment.merging(env) { $1 }.map { "\($0.key)=\($0.value)" }.sorted()
    var cenv: [UnsafeMutablePointer<CChar>?] = envStrings.map { strdup($0) } + [nil]
    defer { for p in cenv { free(p) } }
    var pid: pid_t = 0
    let rc = posix_spawnp(&pid, args[0], &actions, nil, &cargs, &cenv)
    return (rc == 0 ? pid : 0, rc)
}

/// Waits for `pid` (retrying on EINTR) and returns its raw wait status.
@discardableResult
public func reap(_ pid: pid_t) -> Int32 {
    var status: Int32 = 0
    while waitpid(pid, &status, 0) == -1 && errno == EINTR {}
    return status
}

/// Runs a command to its end and returns its output (stdout and stderr together) and exit
/// status (-1 when a signal ended it or it could not start).
@discardableResult
public func sh(_ args: [String], stdin: String? = nil, env: [String: String] = [:]) -> (out: String, status: Int32) {
    let path = NSTemporaryDirectory() + "robofy-sh-" + UUID().uuidString
    defer { unlink(path) }
    var inputPath = "/dev/null"
    if let stdin {
        inputPath = path + ".in"
        _ = FileManager.default.createFile(atPath: inputPath, contents: Data(stdin.utf8))
    }
    defer { if stdin != nil { unlink(inputPath) } }
    let (pid, rc) = spawn(args, stdinPath: inputPath, stdinFD: nil, closeFD: nil, outputPath: path, env: env)
    guard rc == 0 else { return ("cannot run \(args[0]): \(rc)", -1) }
    let status = reap(pid)
    let text = (try? String(contentsOfFile: path, encoding: .utf8)) ?? ""
    return (text, exitCode(status))
}

/// Runs blocking work (waiting for a child, polling a screen) on a thread of its own, so a
/// test does not hold one of the few cooperative threads that other tests (and the demo
/// server in this process) need meanwhile.
public func offPool<T: Sendable>(_ work: @escaping @Sendable () -> T) async -> T {
    await withCheckedContinuation { cont in
        Thread { cont.resume(returning: work()) }.start()
    }
}

/// `sh`, off the cooperative pool.
public func shOff(_ args: [String], stdin: String? = nil, env: [String: String] = [:]) async -> (out: String, status: Int32) {
    await offPool { sh(args, stdin: stdin, env: env) }
}

/// A child process running alongside the test: its standard input is a pipe the test
/// writes to, its output goes to a file; the test signals it and collects its status.
public final class Child {
    public let pid: pid_t
    public let input: Int32
    private var reaped = false

    public init(args: [String], output: String, env: [String: String] = [:]) throws {
        var fds: [Int32] = [0, 0]
        guard pipe(&fds) == 0 else { throw E2EError("pipe failed") }
        let (p, rc) = spawn(args, stdinPath: nil, stdinFD: fds[0], closeFD: fds[1], outputPath: output, env: env)
        close(fds[0])
        guard rc == 0 else {
            close(fds[1])
            throw E2EError("cannot run \(args[0]): \(rc)")
        }
        pid = p
        input = fds[1]
    }

    deinit { kill() }

    public func send(_ text: String) {
        let bytes = Array(text.utf8)
        _ = bytes.withUnsafeBytes { write(input, $0.baseAddress, $0.count) }
    }

    /// Sends `signal` and waits for the child to end (once); returns its raw wait status, or
    /// nil when it was already reaped.
    @discardableResult
    public func stop(_ signal: Int32) -> Int32? {
        guard !reaped, pid > 0 else { return nil }  // never kill(0): that signals the test runner too
        reaped = true
        Glibc.kill(pid, signal)
        let status = reap(pid)
        close(input)
        return status
    }

    /// SIGKILLs the child (once) and returns the signal that ended it (or -1).
    @discardableResult
    public func kill() -> Int32 {
        stop(SIGKILL).map(terminatingSignal) ?? -1
    }
}

/// Polls (blocking this thread) until `cond` holds or the deadline passes.
public func waitUntil(timeout: Double, _ cond: () -> Bool) -> Bool {
    let deadline = Date().addingTimeInterval(timeout)
    while Date() < deadline {
        if cond() { return true }
        Thread.sleep(forTimeInterval: 0.02)
    }
    return cond()
}

/// Polls (suspending) until `cond` holds or the deadline passes.
public func eventually(timeout: Double = 10, _ cond: () -> Bool) async -> Bool {
    let deadline = ContinuousClock.now + .milliseconds(Int(timeout * 1000))
    while ContinuousClock.now < deadline {
        if cond() { return true }
        try? await Task.sleep(for: .milliseconds(10))
    }
    return cond()
}

public func readFile(_ path: String) -> String {
    (try? String(contentsOfFile: path, encoding: .utf8)) ?? ""
}

/// The records of a JSON Lines file; nil if any line is not a JSON object.
public func jsonlFile(_ path: String) -> [[String: Any]]? {
    var out: [[String: Any]] = []
    for line in readFile(path).split(separator: "\n") {
        guard let obj = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any] else { return nil }
        out.append(obj)
    }
    return out
}

/// Hands a non-Sendable test helper to a thread that uses it alone.
public final class UncheckedBox<T>: @unchecked Sendable {
    public let value: T
    public init(_ value: T) { self.value = value }
}

/// A folder of its own under the temporary directory, named `prefix-XXXXXXXX`.
public func scratchDirectory(_ prefix: String) throws -> String {
    let dir = NSTemporaryDirectory() + prefix + "-" + UUID().uuidString.prefix(8)
    try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
    return dir
}

public struct E2EError: Error, CustomStringConvertible {
    public let description: String
    public init(_ d: String) { description = d }
}
