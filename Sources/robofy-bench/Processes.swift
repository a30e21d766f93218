import Foundation
#if canImport(Glibc)
import Glibc
#endif

struct BenchError: Error, CustomStringConvertible {
    var description: String
    init(_ d: String) { description = d }
}

/// What `wait4` reports about a finished child.
struct ChildExit {
    var status: Int32
    var userSeconds: Double
    var systemSeconds: Double
    /// Peak resident set size, in bytes.
    var maxRSS: Int
    /// Times a thread of the child went to sleep of its own accord (to wait for input, a
    /// timer or another thread), each followed by a wake: `ru_nvcsw`.
    var wakes: Int = 0
    var cpuSeconds: Double { userSeconds + systemSeconds }
    var exitedNormally: Bool { (status & 0x7f) == 0 }
    var exitCode: Int32 { (status >> 8) & 0xff }
}

private func seconds(_ t: timeval) -> Double { Double(t.tv_sec) + Double(t.tv_usec) / 1e6 }

/// Where the UI's transcript autosave (on by default, left on: it is part of what the UI
/// does) writes during the bench, instead of the user's own state folder; removed at the end.
let benchStateDirectory = NSTemporaryDirectory() + "robofy-bench-state-\(getpid())"

/// The environment for children: the bench's own, with a known terminal and a UTF-8 locale,
/// and none of the user's settings (no `ROBOFY_*` variable, and a configuration folder of its
/// own: a user's `stream_fps` or theme would change the figures).
func childEnvironment(_ extra: [String: String] = [:]) -> [String] {
    var env = ProcessInfo.processInfo.environment.filter { !$0.key.hasPrefix("ROBOFY_") }
    env["XDG_STATE_HOME"] = benchStateDirectory
    env["XDG_CONFIG_HOME"] = benchStateDirectory + "/config"
    env["TERM"] = "xterm-256color"
    env["LANG"] = "C.UTF-8"
    env["LC_ALL"] = "C.UTF-8"
    env["NO_COLOR"] = nil
    env["COLORTERM"] = nil
    env["TMUX"] = nil
    env.merge(extra) { $1 }
    return env.map { "\($0.key)=\($0.value)" }
}

/// Spawns `args` (in `childEnvironment()`) with stdin from /dev/null, stdout to a file (or
/// /dev/null) and stderr to /dev/null; or with all three on the terminal `ttyPath`.
func spawn(_ args: [String], stdout: String = "/dev/null", setsid: Bool = false, ttyPath: String? = nil,
           env extraEnv: [String: String] = [:]) throws -> pid_t {
    var actions = posix_spawn_file_actions_t()
    posix_spawn_file_actions_init(&actions)
    defer { posix_spawn_file_actions_destroy(&actions) }
    if let tty = ttyPath {
        posix_spawn_file_actions_addopen(&actions, 0, tty, O_RDWR, 0)
        posix_spawn_file_actions_adddup2(&actions, 0, 1)
        posix_spawn_file_actions_adddup2(&actions, 0, 2)
    } else {
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, stdout, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0)
    }
    var attr = posix_spawnattr_t()
    posix_spawnattr_init(&attr)
    defer { posix_spawnattr_destroy(&attr) }
    // Default signal handling and an empty mask, whatever the bench's own are.
    var defaults = sigset_t()
    sigemptyset(&defaults)
    for s in [SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGPIPE, SIGCHLD, SIGWINCH] { sigaddset(&defaults, s) }
    posix_spawnattr_setsigdefault(&attr, &defaults)
    var empty = sigset_t()
    sigemptyset(&empty)
    posix_spawnattr_setsigmask(&attr, &empty)
    var flags = Int32(POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK)
    // POSIX_SPAWN_SETSID (glibc 2.26+): a new session, so the pty becomes the controlling terminal.
    if setsid { flags |= 0x80 }
    posix_spawnattr_setflags(&attr, Int16(flags))
    var cargs: [UnsafeMutablePointer<CChar>?] = args.map { strdup($0) } + [nil]
    defer { for p in cargs { free(p) } }
    var cenv: [UnsafeMutablePointer<CChar>?] = childEnvironment(extraEnv).map { strdup($0) } + [nil]
    defer { for p in cenv { free(p) } }
    var pid: pid_t = 0
    let rc = posix_spawnp(&pid, args[0], &actions, &attr, &cargs, &cenv)
    guard rc == 0 else { throw BenchError("cannot run \(args[0]): \(String(cString: strerror(rc)))") }
    return pid
}

/// Waits for a child (polling, so that a hung child can be killed after `timeout`).
func waitChild(_ pid: pid_t, timeout: Double) -> ChildExit? {
    let deadline = ContinuousClock.now + .milliseconds(Int(timeout * 1000))
    var status: Int32 = 0
    var ru = rusage()
    while true {
        let r = wait4(pid, &status, WNOHANG, &ru)
        if r == pid {
            return ChildExit(status: status, userSeconds: seconds(ru.ru_utime), systemSeconds: seconds(ru.ru_stime),
                             maxRSS: Int(ru.ru_maxrss) * 1024, wakes: Int(ru.ru_nvcsw))
        }
        if r == -1 && errno != EINTR { return nil }
        if ContinuousClock.now > deadline {
            kill(pid, SIGKILL)
            _ = wait4(pid, &status, 0, &ru)
            return nil
        }
        usleep(1_000)
    }
}

/// CPU time (user + system, all threads) a live process has used so far, in seconds.
func processCPUSeconds(_ pid: pid_t) -> Double? {
    var clock = clockid_t()
    guard clock_getcpuclockid(pid, &clock) == 0 else { return nil }
    var ts = timespec()
    guard clock_gettime(clock, &ts) == 0 else { return nil }
    return Double(ts.tv_sec) + Double(ts.tv_nsec) / 1e9
}

/// Each live thread of a process: its name and how many times it went to sleep of its own
/// accord so far (`voluntary_ctxt_switches`), by thread id. A thread that ended is missing.
func threadWakes(_ pid: pid_t) -> [Int32: (name: String, wakes: Int)] {
    var out: [Int32: (name: String, wakes: Int)] = [:]
    guard let tids = try? FileManager.default.contentsOfDirectory(atPath: "/proc/\(pid)/task") else { return out }
    for t in tids {
        guard let tid = Int32(t), let status = procStatus("/proc/\(pid)/task/\(t)/status") else { continue }
        out[tid] = (status["Name"] ?? "?", status["voluntary_ctxt_switches"].flatMap { Int($0) } ?? 0)
    }
    return out
}

/// The fields of a /proc status file (`Name: value`), values without their padding; nil
/// when it cannot be read.
func procStatus(_ path: String) -> [String: String]? {
    guard let text = try? String(contentsOfFile: path, encoding: .utf8) else { return nil }
    var fields: [String: String] = [:]
    for line in text.split(separator: "\n") {
        guard let colon = line.firstIndex(of: ":") else { continue }
        fields[String(line[..<colon])] = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
    }
    return fields
}

/// The wakes of each thread between two `threadWakes` snapshots (threads born meanwhile count
/// from 0), by thread name, most first, and their sum.
func wakesBetween(_ a: [Int32: (name: String, wakes: Int)], _ b: [Int32: (name: String, wakes: Int)])
    -> (total: Int, byThread: [(name: String, wakes: Int)])
{
    var by: [String: Int] = [:]
    for (tid, t) in b {
        let n = t.wakes - (a[tid]?.wakes ?? 0)
        if n > 0 { by[t.name, default: 0] += n }
    }
    let sorted = by.map { (name: $0.key, wakes: $0.value) }.sorted { $0.wakes > $1.wakes }
    return (sorted.reduce(0) { $0 + $1.wakes }, sorted)
}

/// A field of /proc/PID/status in bytes (VmHWM, VmRSS…: "123 kB").
func procStatusBytes(_ pid: pid_t, _ field: String) -> Int? {
    guard let kb = procStatus("/proc/\(pid)/status")?[field]?.split(separator: " ").first.flatMap({ Int($0) })
    else { return nil }
    return kb * 1024
}

/// A child running in a pseudo-terminal the bench owns: the bench is the terminal.
/// Everything the child writes is read (and counted) on a thread of its own.
final class PtyChild: @unchecked Sendable {
    let pid: pid_t
    let master: Int32
    private let lock = NSLock()
    private var buffer: [UInt8] = []
    private var lastOutputAt: ContinuousClock.Instant
    private var bursts = 0
    private var exit: ChildExit?
    /// The reader has had the terminal's last byte (EIO once the child and its terminal closed).
    private var readerEnded = false

    /// Starts `args` on a new 120×40 pseudo-terminal.
    init(_ args: [String], env: [String: String] = [:]) throws {
        // posix_openpt/grantpt/unlockpt/ptsname are not in the Glibc module: the Linux ioctls instead.
        let m = open("/dev/ptmx", O_RDWR | O_NOCTTY | O_CLOEXEC)
        guard m >= 0 else { throw BenchError("cannot open /dev/ptmx: \(String(cString: strerror(errno)))") }
        var unlock: Int32 = 0
        var number: UInt32 = 0
        let TIOCSPTLCK: UInt = 0x4004_5431, TIOCGPTN: UInt = 0x8004_5430
        guard ioctl(m, TIOCSPTLCK, &unlock) == 0, ioctl(m, TIOCGPTN, &number) == 0 else {
            close(m)
            throw BenchError("cannot set up the pseudo-terminal")
        }
        let slave = "/dev/pts/\(number)"
        var ws = winsize(ws_row: 40, ws_col: 120, ws_xpixel: 0, ws_ypixel: 0)
        _ = ioctl(m, UInt(TIOCSWINSZ), &ws)
        master = m
        lastOutputAt = .now
        pid = try spawn(args, setsid: true, ttyPath: slave, env: env)
        let t = Thread { [self] in self.readLoop() }
        t.name = "pty-reader"
        t.start()
    }

    deinit {
        close(master)
    }

    private func readLoop() {
        var chunk = [UInt8](repeating: 0, count: 1 << 16)
        var tail: [UInt8] = []   // the last bytes of the previous read (a query cut in two)
        while true {
            let n = chunk.withUnsafeMutableBytes { read(master, $0.baseAddress, $0.count) }
            if n > 0 {
                let now = ContinuousClock.now
                // Answer a primary device attributes query (ESC [ c) as a VT220-class terminal does
                // at once: robofy-tui asks it at start-up to detect image support.
                let seen = tail + chunk[0..<n]
                tail = Array(seen.suffix(3))
                if Self.asksDA1(seen[...], endingAfter: seen.count - n) {
                    let reply = Array("\u{1B}[?62;22c".utf8)
                    _ = reply.withUnsafeBytes { write(master, $0.baseAddress, $0.count) }
                }
                lock.lock()
                buffer.append(contentsOf: chunk[0..<n])
                if (now - lastOutputAt) >= .milliseconds(3) { bursts += 1 }
                lastOutputAt = now
                lock.unlock()
            } else if n < 0 && errno == EINTR {
                continue
            } else {
                break   // EIO: the child closed the terminal
            }
        }
        lock.lock()
        readerEnded = true
        lock.unlock()
    }

    /// The bytes hold `ESC [ c` (or `ESC [ 0 c`) ending past `endingAfter` (earlier ones were answered).
    static func asksDA1(_ bytes: ArraySlice<UInt8>, endingAfter: Int = 0) -> Bool {
        var i = bytes.startIndex
        while let e = bytes[i...].firstIndex(of: 0x1B) {
            let rest = bytes[(e + 1)...].prefix(3)
            let length = rest.starts(with: [0x5B, 0x63]) ? 3 : rest.starts(with: [0x5B, 0x30, 0x63]) ? 4 : 0
            if length > 0, e - bytes.startIndex + length > endingAfter { return true }
            i = e + 1
        }
        return false
    }

    /// The reader has read everything the terminal will give.
    var outputEnded: Bool {
        lock.lock()
        defer { lock.unlock() }
        return readerEnded
    }

    /// Bytes written to the terminal so far.
    var bytesWritten: Int {
        lock.lock()
        defer { lock.unlock() }
        return buffer.count
    }

    /// Bursts of output so far: reads after at least 3 ms of silence (a frame, when frames are apart).
    var outputBursts: Int {
        lock.lock()
        defer { lock.unlock() }
        return bursts
    }

    var lastOutput: ContinuousClock.Instant {
        lock.lock()
        defer { lock.unlock() }
        return lastOutputAt
    }

    /// Everything written to the terminal so far.
    func output() -> [UInt8] {
        lock.lock()
        defer { lock.unlock() }
        return buffer
    }

    /// Whether the terminal output so far holds `needle`.
    func contains(_ needle: String) -> Bool {
        let n = Array(needle.utf8)
        lock.lock()
        defer { lock.unlock() }
        guard let first = n.first, buffer.count >= n.count else { return false }
        for i in 0...(buffer.count - n.count) where buffer[i] == first && buffer[i..<(i + n.count)].elementsEqual(n) {
            return true
        }
        return false
    }

    func send(_ text: String) {
        let bytes = Array(text.utf8)
        var off = 0
        while off < bytes.count {
            let n = bytes[off...].withUnsafeBytes { write(master, $0.baseAddress, $0.count) }
            if n > 0 { off += n } else if errno != EINTR && errno != EAGAIN { break }
        }
    }

    /// Polls `condition` every 2 ms until it holds or `timeout` seconds pass.
    @discardableResult
    func wait(timeout: Double, until condition: () -> Bool) -> Bool {
        let deadline = ContinuousClock.now + .milliseconds(Int(timeout * 1000))
        while ContinuousClock.now < deadline {
            if condition() { return true }
            // A child that exited may still have output on its way to the reader (a busy
            // machine): it is over once the reader has had the last byte.
            if hasExited && outputEnded { return condition() }
            usleep(2_000)
        }
        return condition()
    }

    /// Waits until nothing was written for `quiet` seconds.
    @discardableResult
    func waitQuiet(_ quiet: Double, timeout: Double) -> Bool {
        wait(timeout: timeout) { (ContinuousClock.now - lastOutput).seconds >= quiet }
    }

    var cpuSeconds: Double? { processCPUSeconds(pid) }

    /// Whether the child has exited (reaps it and keeps its rusage).
    var hasExited: Bool {
        lock.lock()
        if exit != nil { lock.unlock(); return true }
        lock.unlock()
        var status: Int32 = 0
        var ru = rusage()
        if wait4(pid, &status, WNOHANG, &ru) == pid {
            let e = ChildExit(status: status, userSeconds: seconds(ru.ru_utime), systemSeconds: seconds(ru.ru_stime),
                              maxRSS: Int(ru.ru_maxrss) * 1024)
            lock.lock()
            exit = e
            lock.unlock()
            return true
        }
        return false
    }

    /// Waits for the child to exit; kills it after `timeout`.
    func finish(timeout: Double) -> ChildExit? {
        if hasExited { return exitInfo }
        if let e = waitChild(pid, timeout: timeout) {
            lock.lock()
            exit = e
            lock.unlock()
            return e
        }
        return nil
    }

    var exitInfo: ChildExit? {
        lock.lock()
        defer { lock.unlock() }
        return exit
    }

    /// Makes sure the child is gone (used on error paths).
    func kill() {
        if !hasExited {
            Glibc.kill(pid, SIGKILL)
            _ = finish(timeout: 5)
        }
    }
}
