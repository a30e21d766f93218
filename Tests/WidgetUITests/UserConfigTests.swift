import Foundation
import Testing
@testable import WidgetUI

/// The configuration file: its TOML subset, the settings, the precedence, the key remaps.
@Suite struct UserConfigTests {
    @Test func readsEverySettingAndTheKeysTable() throws {
        let text = """
            # my settings
            base_url = "http://127.0.0.1:8787"   # a comment after a value
            project_id = 'demo-project'
            chatbot_id = "demo-\\u00e9"
            theme = "~/themes/ocean.toml"
            download_dir = "~/Downloads"

            [keys]
            compose = "ctrl-e"
            quit = "F11"
            """
        let c = try UserConfig.parse(text, path: "/cfg/config.toml", env: ["HOME": "/home/ada"])
        #expect(c.values["base_url"] == "http://127.0.0.1:8787")
        #expect(c.values["project_id"] == "demo-project")
        #expect(c.values["chatbot_id"] == "demo-é")
        #expect(c.values["theme"] == "/home/ada/themes/ocean.toml")
        #expect(c.values["download_dir"] == "/home/ada/Downloads")
        #expect(c.lines["base_url"] == 2)
        #expect(c.keys.translate(.ctrl("e")) == .ctrl("g"))
        #expect(c.keys.translate(.function(11)) == .ctrl("q"))
        #expect(c.keys.translate(.ctrl("a")) == .ctrl("a"))
        #expect(c.keys.key(for: "compose") == .ctrl("e"))
        #expect(c.keys.key(for: "reasoning") == .ctrl("t"))
    }

    @Test(arguments: [
        ("base_ur = \"x\"", "line 1: base_ur: unknown key (did you mean 'base_url'?)"),
        ("theme = 3", "line 1: theme: expected a string in quotes, got an integer"),
        ("\n\nproject_id = \"unterminated", "line 3: project_id: the string has no closing \""),
        ("chatbot_id = [\"a\"]", "line 1: chatbot_id: arrays are not supported"),
        ("x = 1.5", "line 1: x: 1.5: floats and dates are not supported"),
        ("theme = \"a\"\ntheme = \"b\"", "line 2: theme: the key is given twice"),
        ("[key]\nquit = \"f11\"", "line 1: [key]: unknown table (did you mean [keys]?)"),
        ("[keys]\nqiut = \"f11\"", "line 2: qiut: unknown action (did you mean 'quit'?)"),
        ("[keys]\nquit = \"ctrl-m\"", "line 2: quit: ctrl-m reaches the program as Enter"),
        ("[keys]\nquit = \"hyper-q\"", "line 2: quit: \"hyper-q\" is not a key"),
        ("[keys]\nquit = \"f11\"\ncompose = \"F11\"", "line 3: compose: F11 is already bound to quit (line 2)"),
        ("theme \"x\"", "line 1: theme: expected = after the key"),
        ("theme = \"x\" extra", "line 1: theme: unexpected text after the value"),
        ("a.b = 1", "line 1: a: dotted keys are not supported"),
        ("\nstream_fps = 0", "line 2: stream_fps: 0 is not a number of frames a second from 1 to 60"),
        ("stream_fps = 61", "line 1: stream_fps: 61 is not a number of frames a second from 1 to 60"),
        ("stream_fps = -5", "line 1: stream_fps: -5 is not a number"),
        ("stream_fps = \"fast\"", "line 1: stream_fps: \"fast\" is not a number of frames a second from 1 to 60"),
        ("stream_fps = \"nan\"", "line 1: stream_fps: \"nan\" is not a number"),
        ("stream_fps = \"inf\"", "line 1: stream_fps: \"inf\" is not a number"),
        ("stream_fps = \"\"", "line 1: stream_fps: \"\" is not a number"),
        ("stream_fps = true", "line 1: stream_fps: expected a number of frames a second from 1 to 60, got a boolean"),
    ])
    func refusesWhatItDoesNotKnowNamingLineAndKey(text: String, message: String) {
        do {
            _ = try UserConfig.parse(text, path: "/cfg/config.toml")
            Issue.record("accepted: \(text)")
        } catch {
            #expect(error.description.hasPrefix("/cfg/config.toml: "), "\(error)")
            #expect(error.description.contains(message), "\(error)")
        }
    }

    @Test func flagsWinOverEnvironmentOverFileOverDefaults() throws {
        let c = try UserConfig.parse("base_url = \"http://file\"\nproject_id = \"file-p\"\nchatbot_id = \"file-c\"\n",
                                     path: "/c.toml")
        let env = ["ROBOFY_PROJECT_ID": "env-p", "ROBOFY_CHATBOT_ID": "env-c"]
        let r = Dictionary(uniqueKeysWithValues: c.resolve(flags: ["chatbot_id": "flag-c"], env: env).map { ($0.setting.key, $0) })
        #expect(r["base_url"]?.value == "http://file" && r["base_url"]?.origin == .file && r["base_url"]?.detail == "/c.toml:1")
        #expect(r["project_id"]?.value == "env-p" && r["project_id"]?.origin == .env)
        #expect(r["chatbot_id"]?.value == "flag-c" && r["chatbot_id"]?.origin == .flag)
        #expect(r["stream_path"]?.origin == .default && r["stream_path"]?.value == "/v1/ai-agent/chat/stream")
        #expect(r["download_dir"]?.origin == .default && r["download_dir"]?.value == nil)
        // What the commands read: the environment first, the file where it says nothing.
        let merged = c.environment(over: env)
        #expect(merged["ROBOFY_BASE_URL"] == "http://file")
        #expect(merged["ROBOFY_PROJECT_ID"] == "env-p")
    }

    /// `stream_fps` is a number, bare or quoted; the file's value reaches the commands as
    /// `ROBOFY_STREAM_FPS`, which wins over it, and the flag over both (`resolve`).
    @Test func streamFPSIsANumberAndFollowsTheSamePrecedence() throws {
        let bare = try UserConfig.parse("stream_fps = 10\n", path: "/c.toml")
        #expect(bare.values["stream_fps"] == "10" && bare.lines["stream_fps"] == 1)
        let quoted = try UserConfig.parse("stream_fps = \" 12.5\"\n", path: "/c.toml")
        #expect(quoted.values["stream_fps"] == "12.5")
        #expect(bare.environment(over: [:])["ROBOFY_STREAM_FPS"] == "10")
        #expect(bare.environment(over: ["ROBOFY_STREAM_FPS": "30"])["ROBOFY_STREAM_FPS"] == "30")
        let r = bare.resolve(flags: [:], env: [:]).first { $0.setting.key == "stream_fps" }
        #expect(r?.value == "10" && r?.origin == .file)
        let none = UserConfig(path: "/c.toml").resolve(flags: [:], env: [:]).first { $0.setting.key == "stream_fps" }
        #expect(none?.value == "20" && none?.origin == .default)
        #expect(UserConfig.streamFPS("1") == 1 && UserConfig.streamFPS("60") == 60)
        #expect(UserConfig.streamFPS("0.5") == nil && UserConfig.streamFPS("60.1") == nil && UserConfig.streamFPS("1e400") == nil)
        #expect(UserConfig.streamFPS("0x10") == nil && UserConfig.streamFPS("1e1") == nil && UserConfig.streamFPS("+10") == nil)
    }

    /// What `chat` uses: the flag, else the variable (with the file's value under its name
    /// where the environment sets none), else the default; a bad variable is refused, cleaned.
    @Test func theCommandsFrameRateFollowsFlagThenEnvironmentThenFile() throws {
        let file = try UserConfig.parse("stream_fps = 10\n", path: "/c.toml")
        func resolved(flag: Double?, env: [String: String]) -> Double? {
            try? UserConfig.resolveStreamFPS(flag: flag, settings: file.environment(over: env)).get()
        }
        #expect(resolved(flag: 5, env: ["ROBOFY_STREAM_FPS": "30"]) == 5)
        #expect(resolved(flag: nil, env: ["ROBOFY_STREAM_FPS": "30"]) == 30)
        #expect(resolved(flag: nil, env: ["ROBOFY_STREAM_FPS": ""]) == 10)
        #expect(resolved(flag: nil, env: [:]) == 10)
        #expect(try UserConfig.resolveStreamFPS(flag: nil, settings: [:]).get() == 20)
        #expect(resolved(flag: 5, env: ["ROBOFY_STREAM_FPS": "fast"]) == 5, "the flag wins over a bad variable")
        guard case .failure(let e) = UserConfig.resolveStreamFPS(flag: nil, settings: ["ROBOFY_STREAM_FPS": "9\u{1b}[2J0"]) else {
            Issue.record("a bad variable was taken"); return
        }
        #expect(e.description == "ROBOFY_STREAM_FPS: \"90\" is not a number of frames a second from 1 to 60", "\(e)")
    }

    @Test func theFileIsUnderXDGConfigHomeAndOptional() throws {
        #expect(UserConfig.defaultPath(env: ["XDG_CONFIG_HOME": "/x", "HOME": "/h"]) == "/x/robofy-tui/config.toml")
        #expect(UserConfig.defaultPath(env: ["XDG_CONFIG_HOME": "rel", "HOME": "/h"]) == "/h/.config/robofy-tui/config.toml")
        let dir = NSTemporaryDirectory() + "robofy-cfg-" + UUID().uuidString.prefix(8)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let none = try UserConfig.load(env: ["XDG_CONFIG_HOME": dir])
        #expect(!none.exists && none.values.isEmpty)
        try FileManager.default.createDirectory(atPath: dir + "/robofy-tui", withIntermediateDirectories: true)
        try "theme = \"monochrome\"\n".write(toFile: dir + "/robofy-tui/config.toml", atomically: true, encoding: .utf8)
        let some = try UserConfig.load(env: ["XDG_CONFIG_HOME": dir])
        #expect(some.exists && some.values["theme"] == "monochrome")
    }

    @Test func tomlSubsetValues() throws {
        let e = try TOMLSubset.parse("a = 1_000\nb = -7\nc = true\nd = \"tab\\there\"\n\"quoted key\" = false\r\n")
        #expect(e.map(\.value) == [.integer(1000), .integer(-7), .bool(true), .string("tab\there"), .bool(false)])
        #expect(e[4].key == "quoted key")
        #expect(throws: TOMLSubset.ParseError.self) { try TOMLSubset.parse("a = 01") }
        #expect(throws: TOMLSubset.ParseError.self) { try TOMLSubset.parse("a = \"\\q\"") }
        #expect(throws: TOMLSubset.ParseError.self) { try TOMLSubset.parse("a = {b = 1}") }
    }
}
