import Foundation
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// The real robofy-tui binary, built by `swift build` / `swift test` next to the test bundle.
enum Binary {
    static var path: String? {
        let env = ProcessInfo.processInfo.environment
        if let p = env["ROBOFY_TUI_BIN"], FileManager.default.isExecutableFile(atPath: p) { return p }
        var candidates: [String] = []
        if let arg0 = CommandLine.arguments.first {
            var dir = URL(fileURLWithPath: arg0).deletingLastPathComponent()
            // On some layouts the test binary sits inside a bundle folder.
            for _ in 0..<4 {
                candidates.append(dir.appendingPathComponent("robofy-tui").path)
                dir = dir.deletingLastPathComponent()
            }
        }
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent()
        candidates.append(root.appendingPathComponent(".build/debug/robofy-tui").path)
        return candidates.first { FileManager.default.isExecutableFile(atPath: $0) }
    }

    static var tmuxAvailable: Bool {
        FileManager.default.isExecutableFile(atPath: "/usr/bin/tmux") || FileManager.default.isExecutableFile(atPath: "/usr/local/bin/tmux")
    }
}

/// Runs a command and returns its output and exit status. Spawned and reaped with
/// posix_spawn/waitpid; output goes through a file, not a pipe, because a tmux
/// server started by the command inherits its stdout and would hold a pipe open.
@discardableResult
func sh(_ args: [String], stdin: String? = nil, env: [String: String] = [:]) -> (out: String, status: Int32) {
    let path = NSTemporaryDirectory() + "robofy-sh-" + UUID().uuidString
    defer { unlink(path) }
    var inputPath = "/dev/null"
    if let stdin {
        inputPath = path + ".in"
        _ = FileManager.default.createFile(atPath: inputPath, contents: Data(stdin.utf8))
    }
    defer { if stdin != nil { unlink(inputPath) } }
    var actions = posix_spawn_file_actions_t()
    posix_spawn_file_actions_init(&actions)
    defer { posix_spawn_file_actions_destroy(&actions) }
    posix_spawn_file_actions_addopen(&actions, 0, inputPath, O_RDONLY, 0)
    posix_spawn_file_actions_addopen(&actions, 1, path, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
    posix_spawn_file_actions_adddup2(&actions, 1, 2)
    var cargs: [UnsafeMutablePointer<CChar>?] = args.map { strdup($0) } + [nil]
    defer { for p in cargs { free(p) } }
    var envStrings = ProcessInfo.processInfo.environment.merging(env) { $1 }.map { "\($0.key)=\($0.value)" }
    envStrings.sort()
    var cenv: [UnsafeMutablePointer<CChar>?] = envStrings.map { strdup($0) } + [nil]
    defer { for p in cenv { free(p) } }
    var pid: pid_t = 0
    let rc = posix_spawnp(&pid, args[0], &actions, nil, &cargs, &cenv)
    guard rc == 0 else { return ("cannot run \(args[0]): \(rc)", -1) }
    var status: Int32 = 0
    while waitpid(pid, &status, 0) == -1 && errno == EINTR {}
    let text = (try? String(contentsOfFile: path, encoding: .utf8)) ?? ""
    let exited = (status & 0x7f) == 0
    return (text, exited ? (status >> 8) & 0xff : -1)
}

/// A private tmux server with one window running a command: a real terminal to drive.
final class Tmux {
    let socket = "robofy-e2e-\(UUID().uuidString.prefix(8))"
    private(set) var serverPID: Int32?
    let name = "e2e"

    init(command: String, width: Int = 80, height: Int = 24, env: [String: String] = [:]) throws {
        var args = ["tmux", "-L", socket, "-f", "/dev/null", "new-session", "-d", "-s", name, "-x", "\(width)", "-y", "\(height)"]
        for (k, v) in env { args += ["-e", "\(k)=\(v)"] }
        args.append(command)
        // tmux decides UTF-8 handling from its own locale, whatever the CI environment has.
        let r = sh(args, env: ["LANG": "C.UTF-8", "LC_ALL": "C.UTF-8"])
        guard r.status == 0 else { throw E2EError("tmux new-session failed: \(r.out)") }
        serverPID = Int32(sh(["tmux", "-L", socket, "display-message", "-p", "#{pid}"]).out
            .trimmingCharacters(in: .whitespacesAndNewlines))
        sh(["tmux", "-L", socket, "set-option", "-t", name, "remain-on-exit", "on"])
        sh(["tmux", "-L", socket, "set-option", "-g", "set-clipboard", "on"])
    }

    deinit {
        sh(["tmux", "-L", socket, "kill-server"])
        // kill-server is not always enough here: make sure the server and its panes are gone.
        if let pid = serverPID, pid > 1 {
            sh(["pkill", "-KILL", "-P", "\(pid)"])
            kill(pid, SIGKILL)
        }
        unlink("/tmp/tmux-\(getuid())/\(socket)")
    }

    func keys(_ keys: String...) {
        sh(["tmux", "-L", socket, "send-keys", "-t", name] + keys)
    }

    /// Types text literally (no key names).
    func type(_ text: String) {
        sh(["tmux", "-L", socket, "send-keys", "-t", name, "-l", text])
    }

    /// Pastes text as a bracketed paste, the way a terminal does.
    func paste(_ text: String) {
        sh(["tmux", "-L", socket, "set-buffer", "-b", "e2epaste", text])
        sh(["tmux", "-L", socket, "paste-buffer", "-p", "-b", "e2epaste", "-t", name])
    }

    func screen() -> String {
        sh(["tmux", "-L", socket, "capture-pane", "-p", "-t", name]).out
    }

    /// The screen with escape codes for colours (tmux's own rendering of cell attributes).
    func screenWithAttributes() -> String {
        sh(["tmux", "-L", socket, "capture-pane", "-p", "-e", "-t", name]).out
    }

    func resize(_ w: Int, _ h: Int) {
        sh(["tmux", "-L", socket, "resize-window", "-t", name, "-x", "\(w)", "-y", "\(h)"])
    }

    /// The pid of the shell running in the pane.
    func panePID() -> Int32? {
        Int32(sh(["tmux", "-L", socket, "display-message", "-p", "-t", name, "#{pane_pid}"]).out
            .trimmingCharacters(in: .whitespacesAndNewlines))
    }

    func buffers() -> String {
        sh(["tmux", "-L", socket, "list-buffers"]).out
    }

    func paneTitle() -> String {
        sh(["tmux", "-L", socket, "display-message", "-p", "-t", name, "#{pane_title}"]).out
    }

    /// Polls the screen until `cond` holds or the deadline passes; returns the last screen.
    @discardableResult
    func waitFor(timeout: Double = 15, _ what: String = "", _ cond: (String) -> Bool) -> (ok: Bool, screen: String) {
        let deadline = Date().addingTimeInterval(timeout)
        var s = screen()
        while Date() < deadline {
            if cond(s) { return (true, settled(from: s, cond)) }
            Thread.sleep(forTimeInterval: 0.05)
            s = screen()
        }
        return (cond(s), s)
    }

    /// tmux can be captured between two writes of one refresh. Once the condition holds, wait
    /// (up to half a second, for screens that animate) for two equal captures that both satisfy it.
    private func settled(from first: String, _ cond: (String) -> Bool) -> String {
        var last = first
        for _ in 0..<10 {
            Thread.sleep(forTimeInterval: 0.05)
            let next = screen()
            guard cond(next) else { return last }
            if next == last { return next }
            last = next
        }
        return last
    }

    func waitFor(_ text: String, timeout: Double = 15) -> (ok: Bool, screen: String) {
        waitFor(timeout: timeout, text) { $0.contains(text) }
    }

    /// Waits for the app to exit; the test command prints "EXIT=<status>" after it.
    func waitUntilExit(timeout: Double = 10) -> Int? {
        let r = waitFor(timeout: timeout, "EXIT=") { $0.contains("EXIT=") }
        guard r.ok, let range = r.screen.range(of: "EXIT=") else { return nil }
        return Int(r.screen[range.upperBound...].prefix { $0.isNumber })
    }
}

struct E2EError: Error, CustomStringConvertible {
    let description: String
    init(_ d: String) { description = d }
}

/// A suite that works in a scratch folder of its own and runs the real binary.
protocol ScratchSuite {
    var dir: String { get }
}

extension ScratchSuite {
    /// A new scratch folder under the temporary directory, named `prefix-XXXXXXXX`.
    static func makeScratch(_ prefix: String) throws -> String {
        let dir = NSTemporaryDirectory() + prefix + "-" + UUID().uuidString.prefix(8)
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        return dir
    }

    func binary() throws -> String {
        guard let bin = Binary.path else { throw E2EError("robofy-tui binary not found; run swift build") }
        return bin
    }

    /// Writes `text` to `name` in the scratch folder and returns its path.
    func write(_ name: String, _ text: String) throws -> String {
        let path = dir + "/" + name
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }
}
