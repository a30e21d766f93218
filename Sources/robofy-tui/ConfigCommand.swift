import ArgumentParser
import Foundation
import RobofyText
import WidgetUI

/// The configuration file (`$XDG_CONFIG_HOME/robofy-tui/config.toml`) as the commands see it.
enum UserSettings {
    /// The file, or exit status 2 with the file, line and key of the problem.
    static func config(env: [String: String] = ProcessInfo.processInfo.environment) throws -> UserConfig {
        do { return try UserConfig.load(env: env) } catch {
            stderr("robofy-tui: \(error.description)\nFix the file, or move it aside to run without it.\n")
            throw ExitCode(2)
        }
    }

    /// The environment with the file's values where the environment has none (flags still win).
    static func environment() throws -> [String: String] {
        let env = ProcessInfo.processInfo.environment
        return try config(env: env).environment(over: env)
    }
}

// MARK: - robofy-tui config

struct ConfigCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "config",
        abstract: "Print the effective configuration and where each value comes from.",
        discussion: """
        Values come from, in order of precedence: a flag, the environment, the configuration
        file ($XDG_CONFIG_HOME/robofy-tui/config.toml, default ~/.config/robofy-tui/config.toml),
        the default. Give the same flags as to `chat` to see what they change:
          robofy-tui config --theme monochrome
        """)

    @Option(name: .long, help: "API base URL.") var baseURL: String?
    @Option(name: .long, help: "Project id.") var projectId: String?
    @Option(name: .long, help: "Agent (chatbot) id.") var chatbotId: String?
    @Option(name: .long, help: "Path of the streaming chat endpoint.") var streamPath: String?
    @Option(name: .long, help: "Theme: default, high-contrast, monochrome, or a theme file.") var theme: String?
    @Option(name: .long, help: "Folder for downloaded transcripts.") var downloadDir: String?
    @Option(name: .long, help: "Where copies go: osc52 (and a file) or file.") var clipboard: String?
    @Option(name: .long, help: "Frames a second at most while an answer streams in (1–60).") var streamFps: String?

    @Flag(name: .long, help: "Print where the configuration file is and stop.")
    var path = false

    func validate() throws {
        if let fps = streamFps, UserConfig.streamFPS(fps) == nil {
            throw ValidationError("--stream-fps: \(Self.clean(fps).prefix(20)) is not \(UserConfig.streamFPSExpected)")
        }
    }

    func run() throws {
        let env = ProcessInfo.processInfo.environment
        let config = try UserSettings.config(env: env)
        if path {
            print(config.path)
            return
        }
        let flags = ["base_url": baseURL, "project_id": projectId, "chatbot_id": chatbotId, "stream_path": streamPath,
                     "theme": theme, "download_dir": downloadDir, "clipboard": clipboard,
                     "stream_fps": streamFps].compactMapValues { $0 }
        print(Self.report(config, flags: flags, env: env), terminator: "")
    }

    /// The report: one line per setting, then the key bindings.
    static func report(_ config: UserConfig, flags: [String: String], env: [String: String]) -> String {
        var out = "Configuration file: \(clean(config.path))\(config.exists ? "" : " (not there; defaults apply)")\n\n"
        let rows = config.resolve(flags: flags, env: env)
        let keyWidth = rows.map(\.setting.key.count).max() ?? 0
        // A frame rate is written as the file takes it: a whole number bare, "12.5" quoted. One
        // that `chat` would refuse (from the environment) says so.
        let values = rows.map { r in
            r.value.map { v in
                guard r.setting.isFrameRate else { return "\"\(clean(v))\"" }
                guard let fps = UserConfig.streamFPS(v) else { return "\"\(clean(v))\" (not \(UserConfig.streamFPSExpected))" }
                return fps == fps.rounded() ? String(Int(fps)) : "\"\(String(format: "%g", fps))\""
            } ?? r.setting.defaultText
        }
        let valueWidth = min(48, values.map(\.count).max() ?? 0)
        for (r, v) in zip(rows, values) {
            let from: String
            switch r.origin {
            case .flag: from = "flag \(r.detail)"
            case .env: from = "env \(r.detail)"
            case .file: from = "file \(clean(r.detail))"
            case .default: from = "default"
            }
            out += pad(r.setting.key, keyWidth) + " = " + pad(v, valueWidth) + "  # " + from + "\n"
        }
        out += "\n[keys]\n"
        let width = KeyRemap.actions.map(\.name.count).max() ?? 0
        for a in KeyRemap.actions {
            let key = config.keys.key(for: a.name).map(KeyRemap.name) ?? "?"
            let bound = config.keys.bindings.first { $0.action == a.name }
            let from = bound.map { "file \(clean(config.path)):\($0.line)" } ?? "default"
            out += pad(a.name, width) + " = " + pad("\"\(key.lowercased())\"", 10) + "  # " + from + " — " + a.help + "\n"
        }
        return out
    }

    static func pad(_ s: String, _ n: Int) -> String {
        s.count >= n ? s : s + String(repeating: " ", count: n - s.count)
    }

    /// What the environment or the file gave, without control characters.
    static func clean(_ s: String) -> String {
        Sanitizer.clean(s, allowNewlines: false)
    }
}
