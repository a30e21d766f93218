import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// The real robofy-tui binary, built by `swift build` / `swift test` next to the test bundle.
public enum Binary {
    public static var path: String? {
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

    /// The robofy-tui binary, or an error that says to build it.
    public static func require() throws -> String {
        guard let p = path else { throw E2EError("robofy-tui binary not found; run swift build") }
        return p
    }

    /// Another product of this package (`robofy-bench`), built next to robofy-tui.
    public static func sibling(_ name: String) throws -> String {
        let p = URL(fileURLWithPath: try require()).deletingLastPathComponent().appendingPathComponent(name).path
        guard FileManager.default.isExecutableFile(atPath: p) else { throw E2EError("\(name) not found next to \(p); run swift build") }
        return p
    }

    public static var tmuxAvailable: Bool {
        FileManager.default.isExecutableFile(atPath: "/usr/bin/tmux") || FileManager.default.isExecutableFile(atPath: "/usr/local/bin/tmux")
    }
}

/// A private tmux server with one window running a command: a real terminal to drive.
public final class Tmux {
    public let socket = "robofy-e2e-\(UUID().uuidString.prefix(8))"
    public private(set) var serverPID: Int32?
    public let name = "e2e"

    public init(command: String, width: Int = 80, height: Int = 24, env: [String: String] = [:]) throws {
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

    public func keys(_ keys: String...) {
        sh(["tmux", "-L", socket, "send-keys", "-t", name] + keys)
    }

    /// Types text literally (no key names).
    public func type(_ text: String) {
        sh(["tmux", "-L", socket, "send-keys", "-t", name, "-l", text])
    }

    /// Pastes text as a bracketed paste, the way a terminal does.
    public func paste(_ text: String) {
        sh(["tmux", "-L", socket, "set-buffer", "-b", "e2epaste", text])
        sh(["tmux", "-L", socket, "paste-buffer", "-p", "-b", "e2epaste", "-t", name])
    }

    public func screen() -> String {
        sh(["tmux", "-L", socket, "capture-pane", "-p", "-t", name]).out
    }

    /// The screen with escape codes for colours (tmux's own rendering of cell attributes).
    public func screenWithAttributes() -> String {
        sh(["tmux", "-L", socket, "capture-pane", "-p", "-e", "-t", name]).out
    }

    public func resize(_ w: Int, _ h: Int) {
        sh(["tmux", "-L", socket, "resize-window", "-t", name, "-x", "\(w)", "-y", "\(h)"])
    }

    /// The pid of the shell running in the pane.
    public func panePID() -> Int32? {
        Int32(sh(["tmux", "-L", socket, "display-message", "-p", "-t", name, "#{pane_pid}"]).out
            .trimmingCharacters(in: .whitespacesAndNewlines))
    }

    public func buffers() -> String {
        sh(["tmux", "-L", socket, "list-buffers"]).out
    }

    public func paneTitle() -> String {
        sh(["tmux", "-L", socket, "display-message", "-p", "-t", name, "#{pane_title}"]).out
    }

    /// Polls the screen until `cond` holds or the deadline passes; returns the last screen.
    @discardableResult
    public func waitFor(timeout: Double = 15, _ what: String = "", _ cond: (String) -> Bool) -> (ok: Bool, screen: String) {
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

    public func waitFor(_ text: String, timeout: Double = 15) -> (ok: Bool, screen: String) {
        waitFor(timeout: timeout, text) { $0.contains(text) }
    }

    /// Waits for the app to exit; the test command prints "EXIT=<status>" after it.
    public func waitUntilExit(timeout: Double = 10) -> Int? {
        let r = waitFor(timeout: timeout, "EXIT=") { $0.contains("EXIT=") }
        guard r.ok, let range = r.screen.range(of: "EXIT=") else { return nil }
        return Int(r.screen[range.upperBound...].prefix { $0.isNumber })
    }
}

/// A suite that works in a scratch folder of its own and runs the real binary.
public protocol ScratchSuite {
    var dir: String { get }
}

extension ScratchSuite {
    /// A new scratch folder under the temporary directory, named `prefix-XXXXXXXX`.
    public static func makeScratch(_ prefix: String) throws -> String { try scratchDirectory(prefix) }

    public func binary() throws -> String { try Binary.require() }

    /// Writes `text` to `name` in the scratch folder and returns its path.
    public func write(_ name: String, _ text: String) throws -> String {
        let path = dir + "/" + name
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }
}

extension Tmux {
    /// The real robofy-tui in a new tmux window, started in `dir` (autosaves under `dir/state`):
    /// `cd DIR && [env VARS] robofy-tui ARGS; rc=$?; AFTER; echo "EXIT=$rc"`, so `waitUntilExit`
    /// reads its exit status. `vars` are set in the pane's command (tmux sets its own TERM in a
    /// pane); without them the pane gets TERM=xterm-256color.
    public static func robofy(_ args: String, in dir: String, width: Int = 80, height: Int = 24,
                              vars: [String: String]? = nil, after: String? = nil) throws -> Tmux {
        guard Binary.tmuxAvailable else { throw E2EError("tmux is not installed (apt-get install tmux)") }
        let bin = try Binary.require()
        var env = ["LANG": "C.UTF-8", "XDG_STATE_HOME": dir + "/state"]
        var prefix = ""
        if let vars {
            prefix = "env " + vars.map { "\($0.key)='\($0.value)'" }.sorted().joined(separator: " ") + " "
        } else {
            env["TERM"] = "xterm-256color"
        }
        let cmd = "cd '\(dir)' && \(prefix)'\(bin)' \(args); rc=$?; " + (after.map { "\($0); " } ?? "") + "echo \"EXIT=$rc\""
        return try Tmux(command: cmd, width: width, height: height, env: env)
    }
}
