import Foundation
import Testing

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

/// Runs a command and returns its output and exit status. Output goes through a
/// file, not a pipe: a tmux server started by the command inherits its stdout and
/// would keep a pipe open for ever.
@discardableResult
func sh(_ args: [String], input: String? = nil) -> (out: String, status: Int32) {
    let p = Process()
    p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    p.arguments = args
    let path = NSTemporaryDirectory() + "robofy-sh-" + UUID().uuidString
    FileManager.default.createFile(atPath: path, contents: nil)
    defer { try? FileManager.default.removeItem(atPath: path) }
    guard let out = FileHandle(forWritingAtPath: path) else { return ("cannot create \(path)", -1) }
    p.standardOutput = out
    p.standardError = out
    p.standardInput = FileHandle.nullDevice
    do { try p.run() } catch { return ("\(error)", -1) }
    p.waitUntilExit()
    try? out.close()
    let text = (try? String(contentsOfFile: path, encoding: .utf8)) ?? ""
    return (text, p.terminationStatus)
}

/// A private tmux server with one window running a command: a real terminal to drive.
final class Tmux {
    let socket = "robofy-e2e-\(UUID().uuidString.prefix(8))"
    let name = "e2e"

    init(command: String, width: Int = 80, height: Int = 24, env: [String: String] = [:]) throws {
        var args = ["tmux", "-L", socket, "-f", "/dev/null", "new-session", "-d", "-s", name, "-x", "\(width)", "-y", "\(height)"]
        for (k, v) in env { args += ["-e", "\(k)=\(v)"] }
        args.append(command)
        let r = sh(args)
        guard r.status == 0 else { throw E2EError("tmux new-session failed: \(r.out)") }
        sh(["tmux", "-L", socket, "set-option", "-t", name, "remain-on-exit", "on"])
        sh(["tmux", "-L", socket, "set-option", "-g", "set-clipboard", "on"])
    }

    deinit {
        sh(["tmux", "-L", socket, "kill-server"])
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

    func paneDead() -> (dead: Bool, status: Int?) {
        let out = sh(["tmux", "-L", socket, "display-message", "-p", "-t", name, "#{pane_dead} #{pane_dead_status}"]).out
        let parts = out.trimmingCharacters(in: .whitespacesAndNewlines).split(separator: " ")
        return (parts.first == "1", parts.count > 1 ? Int(parts[1]) : nil)
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
            if cond(s) { return (true, s) }
            Thread.sleep(forTimeInterval: 0.05)
            s = screen()
        }
        return (cond(s), s)
    }

    func waitFor(_ text: String, timeout: Double = 15) -> (ok: Bool, screen: String) {
        waitFor(timeout: timeout, text) { $0.contains(text) }
    }

    func waitUntilDead(timeout: Double = 10) -> Int? {
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            let d = paneDead()
            if d.dead { return d.status }
            Thread.sleep(forTimeInterval: 0.05)
        }
        return nil
    }
}

struct E2EError: Error, CustomStringConvertible {
    let description: String
    init(_ d: String) { description = d }
}
