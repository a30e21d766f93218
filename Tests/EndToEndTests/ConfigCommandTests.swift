import Foundation
import Testing
import TestSupport

/// `robofy-tui config`, the configuration file as `chat` reads it, and the shell completions.
@Suite(.timeLimit(.minutes(2))) struct ConfigCommandTests: ScratchSuite {
    let dir: String

    init() throws {
        dir = try Self.makeScratch("robofy-config")
    }

    func writeConfig(_ text: String) throws {
        try FileManager.default.createDirectory(atPath: dir + "/xdg/robofy-tui", withIntermediateDirectories: true)
        _ = try write("xdg/robofy-tui/config.toml", text)
    }

    /// The variables a developer's own shell may set, cleared so the test sees only its own.
    var cleanEnv: [String: String] {
        ["XDG_CONFIG_HOME": dir + "/xdg", "HOME": dir, "ROBOFY_BASE_URL": "", "ROBOFY_PROJECT_ID": "",
         "ROBOFY_CHATBOT_ID": "", "ROBOFY_STREAM_PATH": "", "ROBOFY_THEME": "", "ROBOFY_DOWNLOAD_DIR": "", "ROBOFY_CLIPBOARD": "", "ROBOFY_STREAM_FPS": ""]
    }

    @Test func configSaysWhereEachValueComesFrom() throws {
        let bin = try binary()
        try writeConfig("""
            base_url = "http://127.0.0.1:9999"
            project_id = "file-project"
            chatbot_id = "file-bot"
            download_dir = "~/dl"
            stream_fps = 10

            [keys]
            compose = "ctrl-e"
            """)
        var env = cleanEnv
        env["ROBOFY_PROJECT_ID"] = "env-project"
        let r = sh([bin, "config", "--chatbot-id", "flag-bot"], env: env)
        #expect(r.status == 0, "\(r.out)")
        let lines = r.out.split(separator: "\n").map(String.init)
        func line(_ key: String) -> String { lines.first { $0.hasPrefix(key + " ") } ?? "(no line for \(key))" }
        #expect(r.out.contains("Configuration file: \(dir)/xdg/robofy-tui/config.toml\n"), "\(r.out)")
        #expect(line("base_url").contains("\"http://127.0.0.1:9999\"") && line("base_url").contains("# file \(dir)/xdg/robofy-tui/config.toml:1"), "\(r.out)")
        #expect(line("project_id").contains("\"env-project\"") && line("project_id").contains("# env ROBOFY_PROJECT_ID"), "\(r.out)")
        #expect(line("chatbot_id").contains("\"flag-bot\"") && line("chatbot_id").contains("# flag --chatbot-id"), "\(r.out)")
        #expect(line("stream_path").contains("\"/v1/ai-agent/chat/stream\"") && line("stream_path").contains("# default"), "\(r.out)")
        #expect(line("download_dir").contains("\"\(dir)/dl\""), "\(r.out)")
        #expect(line("stream_fps").contains("= 10 ") && line("stream_fps").contains("config.toml:5"), "\(r.out)")
        #expect(line("compose").contains("\"ctrl-e\"") && line("compose").contains("config.toml:8"), "\(r.out)")
        // The flag wins over the file; a rate out of range is refused (exit 64).
        let flagged = sh([bin, "config", "--stream-fps", "5"], env: env)
        #expect(flagged.out.contains("= 5 ") && flagged.out.contains("# flag --stream-fps"), "\(flagged.out)")
        let bad = sh([bin, "config", "--stream-fps", "0"], env: env)
        #expect(bad.status == 64 && bad.out.contains("--stream-fps: 0 is not a number of frames a second from 1 to 60"), "\(bad.out)")
        #expect(line("quit").contains("\"ctrl-q\"") && line("quit").contains("# default"), "\(r.out)")
    }

    @Test func aBrokenFileStopsWithItsLineAndKey() throws {
        let bin = try binary()
        try writeConfig("theme = \"monochrome\"\nbase_ur = \"http://x\"\n")
        let r = sh([bin, "config"], env: cleanEnv)
        #expect(r.status == 2, "\(r.out)")
        #expect(r.out.contains("config.toml: line 2: base_ur: unknown key (did you mean 'base_url'?)"), "\(r.out)")
        // `chat` stops the same way, before connecting anywhere.
        let chat = sh([bin, "chat", "--plain", "--no-autosave"], stdin: "", env: cleanEnv)
        #expect(chat.status == 2, "\(chat.out)")
        #expect(chat.out.contains("line 2: base_ur"), "\(chat.out)")
    }

    /// A frame rate out of range in `ROBOFY_STREAM_FPS` stops `chat` before it connects, in
    /// line mode too (the file's was refused as the file was read).
    @Test func aBadStreamFPSInTheEnvironmentStopsChat() throws {
        let bin = try binary()
        var env = cleanEnv
        env["ROBOFY_STREAM_FPS"] = "fast\u{1b}]0;x\u{07}\u{9b}2J"
        let r = sh([bin, "chat", "--plain", "--no-autosave", "--base-url", "http://127.0.0.1:9", "--project-id", "p", "--chatbot-id", "c"],
                   stdin: "", env: env)
        #expect(r.status == 64, "\(r.out)")
        #expect(r.out.contains("ROBOFY_STREAM_FPS: \"fast\" is not a number of frames a second from 1 to 60"), "\(r.out)")
        #expect(!r.out.contains("127.0.0.1:9"), "it connected:\n\(r.out)")
        #expect(!r.out.unicodeScalars.contains { $0.value == 0x1B || $0.value == 0x07 || $0.value == 0x9B }, "a control reached the terminal")
        // `config` shows the variable as `chat` would take it: refused.
        let shown = sh([bin, "config"], env: env)
        #expect(shown.out.contains("stream_fps   = \"fast\" (not a number of frames a second from 1 to 60)  # env ROBOFY_STREAM_FPS"),
                "\(shown.out)")
        // A rate with a fraction is shown quoted, as the file takes it.
        try writeConfig("stream_fps = \"12.5\"\n")
        let fraction = sh([bin, "config"], env: cleanEnv)
        #expect(fraction.out.contains("stream_fps   = \"12.5\""), "\(fraction.out)")
        try writeConfig("stream_fps = 61\n")
        let file = sh([bin, "chat", "--plain", "--no-autosave"], stdin: "", env: cleanEnv)
        #expect(file.status == 2 && file.out.contains("line 1: stream_fps: 61 is not a number of frames a second from 1 to 60"), "\(file.out)")
    }

    @Test func chatTakesTheTargetFromTheFileAndTheEnvironmentWins() throws {
        let bin = try binary()
        // Nothing listens on port 9: the error names the URL the file gave.
        try writeConfig("base_url = \"http://127.0.0.1:9\"\nproject_id = \"p\"\nchatbot_id = \"c\"\n")
        let r = sh([bin, "chat", "--plain", "--no-autosave"], stdin: "", env: cleanEnv)
        #expect(r.status == 1, "\(r.out)")
        #expect(r.out.contains("127.0.0.1:9"), "\(r.out)")
        #expect(!r.out.contains("--project-id and --chatbot-id"), "the file's ids were not used:\n\(r.out)")
        // Without the file's ids, the usual message.
        try writeConfig("base_url = \"http://127.0.0.1:9\"\n")
        let none = sh([bin, "chat", "--plain", "--no-autosave"], stdin: "", env: cleanEnv)
        #expect(none.status != 0 && none.out.contains("--project-id and --chatbot-id"), "\(none.out)")
    }

    @Test(arguments: ["bash", "zsh", "fish"])
    func completionScriptNamesTheSubcommands(shell: String) throws {
        let bin = try binary()
        let r = sh([bin, "--generate-completion-script", shell])
        #expect(r.status == 0, "\(r.out)")
        for sub in ["chat", "demo", "serve", "preview", "run", "transcript", "transcripts", "open", "config", "leads", "inbox"] {
            #expect(r.out.contains(sub), "\(shell) completion does not name \(sub)")
        }
        #expect(r.out.contains("--project-id") || r.out.contains("project-id"), "\(shell): no options")
    }
}
