import CNCursesW
import RobofyAPI
import Foundation
import RobofyText
import WidgetUI

#if canImport(Glibc)
import Glibc
#endif

/// Compose in `$EDITOR` (Ctrl-G): the screen is given back to the terminal, the user's
/// editor runs on a temporary file holding the message so far, and what it saved comes
/// back into the input.
public enum ExternalEditor {
    /// `$VISUAL`, else `$EDITOR`, else `vi`: a shell command, as git runs it (it may hold arguments).
    public static func command(env: [String: String]) -> String {
        for name in ["VISUAL", "EDITOR"] {
            if let v = env[name]?.trimmingCharacters(in: .whitespaces), !v.isEmpty { return v }
        }
        return "vi"
    }

    /// Largest message read back from the editor.
    static let limit = 1 << 20

    /// Runs the editor on `text` and returns what it saved (one final line break removed),
    /// or a message saying why the input was left as it was.
    public static func edit(_ text: String, env: [String: String]) -> Result<String, EditorFailure> {
        let editor = command(env: env)
        var template = Array((NSTemporaryDirectory() + "robofy-compose-XXXXXX").utf8CString)
        let made = template.withUnsafeMutableBufferPointer { buf -> Bool in
            guard let base = buf.baseAddress else { return false }
            return mkdtemp(base) != nil
        }
        guard made else {
            return .failure(EditorFailure("Could not make a temporary folder for the editor: \(String(cString: strerror(errno)))."))
        }
        let dir = String(decoding: template.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let path = dir + "/message.md"
        guard FileManager.default.createFile(atPath: path, contents: Data(text.utf8), attributes: [.posixPermissions: 0o600]) else {
            return .failure(EditorFailure("Could not write the message for the editor in \(dir)."))
        }
        let status = run(["/bin/sh", "-c", editor + " \"$@\"", "sh", path])
        switch status {
        case .failure(let f): return .failure(f)
        case .success(let code) where code != 0:
            let shown = Sanitizer.clean(editor, allowNewlines: false)
            let why = code == 127 ? "was not found (set VISUAL or EDITOR)" : "exited with status \(code)"
            return .failure(EditorFailure("The editor \(shown) \(why); the message was not changed."))
        case .success:
            break
        }
        guard let data = try? LocalFile.read(path, limit: limit, what: "message") else {
            return .failure(EditorFailure("The editor's file could not be read (over 1 MiB?); the message was not changed."))
        }
        var out = String(decoding: data, as: UTF8.self)
        if out.hasSuffix("\r\n") { out.removeLast() } else if out.hasSuffix("\n") { out.removeLast() }
        return .success(out)
    }

    /// Spawns `args` on the terminal with default signal handling (the chat ignores SIGINT
    /// and friends; the editor must not), and waits for it. The exit status, or 128 + signal.
    static func run(_ args: [String]) -> Result<Int32, EditorFailure> {
        var attr = posix_spawnattr_t()
        posix_spawnattr_init(&attr)
        defer { posix_spawnattr_destroy(&attr) }
        var defaults = sigset_t()
        sigemptyset(&defaults)
        for s in [SIGINT, SIGQUIT, SIGTERM, SIGHUP, SIGTSTP, SIGPIPE, SIGWINCH] { sigaddset(&defaults, s) }
        posix_spawnattr_setsigdefault(&attr, &defaults)
        var none = sigset_t()
        sigemptyset(&none)
        posix_spawnattr_setsigmask(&attr, &none)
        posix_spawnattr_setflags(&attr, Int16(POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK))
        var cargs: [UnsafeMutablePointer<CChar>?] = args.map { strdup($0) } + [nil]
        defer { for p in cargs { free(p) } }
        var pid: pid_t = 0
        let rc = posix_spawn(&pid, args[0], nil, &attr, &cargs, environ)
        guard rc == 0 else {
            return .failure(EditorFailure("Could not start the editor: \(String(cString: strerror(rc)))."))
        }
        var status: Int32 = 0
        while waitpid(pid, &status, 0) == -1 && errno == EINTR {}
        let signaled = status & 0x7f
        return .success(signaled == 0 ? (status >> 8) & 0xff : 128 + signaled)
    }
}

public struct EditorFailure: Error, Sendable, CustomStringConvertible {
    public let description: String
    init(_ d: String) { description = d }
}

extension NCursesDriver {
    /// Gives the terminal to another program for a while (the editor); `resume()` takes it back.
    public func suspend() {
        rt_write_stdout("\u{1B}[?2004l")
        _ = mousemask(0, nil)
        _ = def_prog_mode()
        _ = endwin()
    }

    /// Takes the terminal back after `suspend()` and repaints everything on the next frame.
    public func resume() {
        _ = reset_prog_mode()
        _ = mousemask(rt_mouse_mask_wanted(), nil)
        rt_write_stdout("\u{1B}[?2004h")
        _ = clearok(rt_stdscr(), true)
        invalidate()
    }
}

extension ChatRuntime {
    /// Ctrl-G: the message in the user's editor, the screen restored afterwards.
    func compose(_ text: String) {
        driver.suspend()
        let result = ExternalEditor.edit(text, env: ProcessInfo.processInfo.environment)
        driver.resume()
        if !state.mouseReporting { driver.setMouse(false) }  // resume() turns it on
        invalidateScreen()
        switch result {
        case .success(let edited): _ = state.reduce(.composed(edited))
        case .failure(let f): _ = state.reduce(.notice(f.description, isError: true))
        }
        tick()
        markChanged()
        dirty = true
    }
}
