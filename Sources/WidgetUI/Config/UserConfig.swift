import Foundation
import RobofyAPI
import RobofyText

/// The user's configuration file, `$XDG_CONFIG_HOME/robofy-tui/config.toml`
/// (`~/.config/robofy-tui/config.toml` when unset): the flags a user repeats.
/// Flags win over the environment, the environment over the file, the file over defaults.
///
/// ```toml
/// base_url = "https://agents.robofy.ai"
/// project_id = "P"
/// chatbot_id = "C"
/// stream_path = "/v1/ai-agent/chat/stream"
/// theme = "high-contrast"
/// download_dir = "~/Downloads"
/// clipboard = "osc52"   # or "file": copies only to a file in download_dir
/// stream_fps = 10        # frames a second while an answer streams in (1–60)
///
/// [keys]
/// compose = "ctrl-e"
/// ```
public struct UserConfig: Sendable, Equatable {
    /// A value the file may set, with the flag and environment variable that win over it.
    public struct Setting: Sendable, Equatable {
        public var key: String
        public var flag: String
        public var env: String
        /// What applies when nobody sets it, in words.
        public var defaultText: String
        public var defaultValue: String?
        public var isPath: Bool
        /// A number of frames a second (`streamFPS(_:)`): written bare (`10`) or quoted.
        public var isFrameRate = false
    }

    /// Frames a second at most while an answer streams in, when nobody sets it.
    public static let defaultStreamFPS: Double = 20
    /// What `stream_fps` (and `--stream-fps`, `ROBOFY_STREAM_FPS`) accepts.
    public static let streamFPSRange: ClosedRange<Double> = 1...60
    /// What every message about a refused frame rate says of it.
    public static let streamFPSExpected = "a number of frames a second from 1 to 60"

    /// A frame rate as written ("10", "12.5": decimal digits and a point), when it is a number
    /// in `streamFPSRange`.
    public static func streamFPS(_ text: String) -> Double? {
        let t = text.trimmingCharacters(in: .whitespaces)
        // Not "nan", "inf", "1e1" or "0x10" (which Double would take).
        guard !t.isEmpty, t.unicodeScalars.allSatisfy({ ("0"..."9").contains($0) || $0 == "." }),
              let v = Double(t), streamFPSRange.contains(v) else { return nil }
        return v
    }

    /// The frame rate a command uses: the flag's (checked by the flag's own parser), else
    /// `ROBOFY_STREAM_FPS`'s in `settings` (the environment, with the file's values where it
    /// sets none: `environment(over:)`), else the default. A bad value there is the variable's:
    /// the file's was checked as it was read.
    public static func resolveStreamFPS(flag: Double?, settings: [String: String]) -> Result<Double, Failure> {
        if let flag { return .success(flag) }
        guard let text = settings["ROBOFY_STREAM_FPS"], !text.isEmpty else { return .success(defaultStreamFPS) }
        guard let fps = streamFPS(text) else {
            return .failure(Failure("ROBOFY_STREAM_FPS: \"\(Sanitizer.clean(text, allowNewlines: false).prefix(20))\" "
                                    + "is not \(streamFPSExpected)"))
        }
        return .success(fps)
    }

    public static let settings: [Setting] = [
        Setting(key: "base_url", flag: "--base-url", env: "ROBOFY_BASE_URL", defaultText: RobofyTarget.defaultBaseURL,
                defaultValue: RobofyTarget.defaultBaseURL, isPath: false),
        Setting(key: "project_id", flag: "--project-id", env: "ROBOFY_PROJECT_ID", defaultText: "(none)",
                defaultValue: nil, isPath: false),
        Setting(key: "chatbot_id", flag: "--chatbot-id", env: "ROBOFY_CHATBOT_ID", defaultText: "(none)",
                defaultValue: nil, isPath: false),
        Setting(key: "stream_path", flag: "--stream-path", env: "ROBOFY_STREAM_PATH",
                defaultText: RobofyTarget.defaultStreamPath, defaultValue: RobofyTarget.defaultStreamPath, isPath: false),
        Setting(key: "theme", flag: "--theme", env: "ROBOFY_THEME", defaultText: "default", defaultValue: "default",
                isPath: true),
        Setting(key: "download_dir", flag: "--download-dir", env: "ROBOFY_DOWNLOAD_DIR", defaultText: "the current folder",
                defaultValue: nil, isPath: true),
        Setting(key: "clipboard", flag: "--clipboard", env: "ROBOFY_CLIPBOARD", defaultText: "osc52", defaultValue: "osc52",
                isPath: false),
        Setting(key: "stream_fps", flag: "--stream-fps", env: "ROBOFY_STREAM_FPS", defaultText: "20", defaultValue: "20",
                isPath: false, isFrameRate: true),
    ]

    /// The file read (or looked for).
    public var path: String
    /// Whether the file was there.
    public var exists = false
    /// Top-level values by key (paths with `~` expanded).
    public var values: [String: String] = [:]
    /// The line of each top-level key, for `robofy-tui config`.
    public var lines: [String: Int] = [:]
    /// `[keys]`: action name → key, in file order.
    public var keys = KeyRemap()

    public init(path: String) {
        self.path = path
    }

    /// A problem in the file, with the file, line and key.
    public struct Failure: Error, Sendable, Equatable, CustomStringConvertible {
        public var description: String
        public init(_ d: String) { description = d }
    }

    /// `$XDG_CONFIG_HOME/robofy-tui/config.toml`, or `~/.config/robofy-tui/config.toml`.
    public static func defaultPath(env: [String: String]) -> String {
        var base = env["XDG_CONFIG_HOME"] ?? ""
        if !base.hasPrefix("/") {  // the spec says relative values are ignored
            let home = env["HOME"].flatMap { $0.isEmpty ? nil : $0 } ?? NSHomeDirectory()
            base = (home as NSString).appendingPathComponent(".config")
        }
        return (base as NSString).appendingPathComponent("robofy-tui/config.toml")
    }

    /// Largest configuration file read.
    public static let sizeLimit = 256 << 10

    /// The file at `defaultPath(env:)`: empty when there is none, an error naming the line
    /// and key when it is broken.
    public static func load(env: [String: String]) throws(Failure) -> UserConfig {
        let path = defaultPath(env: env)
        guard FileManager.default.fileExists(atPath: path) else { return UserConfig(path: path) }
        let data: Data
        do { data = try LocalFile.read(path, limit: sizeLimit, what: "configuration file") } catch {
            throw Failure("\(error)")
        }
        guard let text = String(data: data, encoding: .utf8) else {
            throw Failure("\(path): not UTF-8 text")
        }
        var c = try parse(text, path: path, env: env)
        c.exists = true
        return c
    }

    public static func parse(_ text: String, path: String, env: [String: String] = [:]) throws(Failure) -> UserConfig {
        var c = UserConfig(path: path)
        let shownPath = ThemeError.shown(path)
        let entries: [TOMLSubset.Entry]
        do { entries = try TOMLSubset.parse(text) } catch { throw Failure("\(shownPath): \(error.description)") }
        func fail(_ e: TOMLSubset.Entry, _ message: String) -> Failure {
            Failure("\(shownPath): line \(e.line): \(ThemeError.shown(String(e.key.prefix(40)))): \(message)")
        }
        let known = settings.map(\.key)
        for e in entries {
            switch e.table {
            case "":
                guard let setting = settings.first(where: { $0.key == e.key }) else {
                    let hint = Suggest.closest(e.key, in: known + ["keys"]).map { " (did you mean '\($0)'?)" } ?? ""
                    throw fail(e, "unknown key\(hint); known keys: \(known.joined(separator: ", ")) and a [keys] table")
                }
                if setting.isFrameRate {
                    let written: String, shown: String
                    switch e.value {
                    case .integer(let n): written = String(n); shown = written
                    case .string(let t): written = t; shown = "\"\(ThemeError.shown(String(t.prefix(20))))\""
                    case .bool: throw fail(e, "expected \(streamFPSExpected), got \(e.value.typeName)")
                    }
                    guard let fps = streamFPS(written) else {
                        throw fail(e, "\(shown) is not \(streamFPSExpected)")
                    }
                    c.values[e.key] = String(format: "%g", fps)
                    c.lines[e.key] = e.line
                    continue
                }
                guard case .string(let v) = e.value else {
                    throw fail(e, "expected a string in quotes, got \(e.value.typeName)")
                }
                guard !v.isEmpty else { throw fail(e, "is empty; leave the key out instead") }
                c.values[e.key] = setting.isPath ? expandTilde(v, env: env) : v
                c.lines[e.key] = e.line
            case "keys":
                guard case .string(let spec) = e.value else {
                    throw fail(e, "expected a key in quotes such as \"ctrl-e\" or \"f11\", got \(e.value.typeName)")
                }
                do { try c.keys.bind(action: e.key, to: spec, line: e.line) } catch { throw fail(e, error.description) }
            default:
                let hint = Suggest.closest(e.table, in: ["keys"]).map { " (did you mean [\($0)]?)" } ?? ""
                throw Failure("\(shownPath): line \(e.tableLine): [\(ThemeError.shown(String(e.table.prefix(40))))]: "
                              + "unknown table\(hint); the only table is [keys]")
            }
        }
        return c
    }

    /// `~` or `~/…` with the home folder.
    static func expandTilde(_ p: String, env: [String: String]) -> String {
        guard p == "~" || p.hasPrefix("~/") else { return p }
        let home = env["HOME"].flatMap { $0.isEmpty ? nil : $0 } ?? NSHomeDirectory()
        return home + p.dropFirst()
    }

    /// The environment the commands read, with the file's values under the names of their
    /// environment variables where the environment does not set them: flags then win over
    /// both, as they always did over the environment.
    public func environment(over env: [String: String]) -> [String: String] {
        var out = env
        for s in Self.settings {
            if let v = values[s.key], (env[s.env] ?? "").isEmpty { out[s.env] = v }
        }
        return out
    }

    /// Where one setting's effective value comes from.
    public enum Origin: String, Sendable, Equatable {
        case flag, env, file, `default`
    }

    public struct Resolved: Sendable, Equatable {
        public var setting: Setting
        public var value: String?
        public var origin: Origin
        /// What the origin is exactly: the flag, variable, file:line, or nothing.
        public var detail: String
    }

    /// Each setting's value and origin, given the flags that were passed (by key).
    public func resolve(flags: [String: String], env: [String: String]) -> [Resolved] {
        Self.settings.map { s in
            if let v = flags[s.key] { return Resolved(setting: s, value: v, origin: .flag, detail: s.flag) }
            if let v = env[s.env], !v.isEmpty { return Resolved(setting: s, value: v, origin: .env, detail: s.env) }
            if let v = values[s.key] {
                return Resolved(setting: s, value: v, origin: .file, detail: "\(path):\(lines[s.key] ?? 0)")
            }
            return Resolved(setting: s, value: s.defaultValue, origin: .default, detail: "")
        }
    }
}

/// "Did you mean": the closest known name within two edits.
public enum Suggest {
    static func closest(_ word: String, in candidates: [String]) -> String? {
        var best: (String, Int)?
        for c in candidates {
            let d = distance(word.lowercased(), c)
            if d <= 2, d < (best?.1 ?? .max) { best = (c, d) }
        }
        return best?.0
    }

    /// The Levenshtein distance between two texts, in characters.
    public static func distance(_ a: String, _ b: String) -> Int {
        let a = Array(a), b = Array(b)
        if a.isEmpty { return b.count }
        if b.isEmpty { return a.count }
        var prev = Array(0...b.count)
        for i in 1...a.count {
            var cur = [i] + Array(repeating: 0, count: b.count)
            for j in 1...b.count {
                cur[j] = min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1))
            }
            prev = cur
        }
        return prev[b.count]
    }
}
