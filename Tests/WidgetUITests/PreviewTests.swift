import Foundation
import RobofyAPI
import Testing
import TestSupport
@testable import WidgetUI
import RobofyText

/// Golden-text tests of the preview frame (what `robofy-tui preview --print` writes).
/// Set UPDATE_GOLDENS=1 to rewrite the files after an intended change, then review the diff.
enum Golden {
    static let dir = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Golden")

    static func handshake(_ name: String) throws -> Handshake {
        try Handshake.decode(Data(contentsOf: dir.appendingPathComponent(name)))
    }

    static func check(_ actual: String, _ file: String) throws {
        if let failure = try GoldenFile.check(actual, dir.appendingPathComponent(file)) { Issue.record("\(failure)") }
    }
}

@Suite struct PreviewTests {
    static let cases: [(String, String)] = [("handshake.json", "documented"), ("handshake-nulls.json", "nulls")]
    static let sizes: [(Int, Int)] = [(80, 24), (40, 20)]

    @Test(arguments: cases, sizes)
    func plainFrames(_ c: (String, String), _ size: (Int, Int)) throws {
        let h = try Golden.handshake(c.0)
        let text = PreviewFrame.render(h, width: size.0, height: size.1)
        try Golden.check(text, "\(c.1)-\(size.0)x\(size.1).txt")
        let rows = text.split(separator: "\n", omittingEmptySubsequences: false).dropLast()
        #expect(rows.count == size.1)
        #expect(rows.allSatisfy { DisplayWidth.of($0) <= size.0 })
    }

    @Test(arguments: cases, sizes)
    func lightAndDarkFrames(_ c: (String, String), _ size: (Int, Int)) throws {
        let h = try Golden.handshake(c.0)
        let light = PreviewFrame.render(h, width: size.0, height: size.1, forceDark: false, ansi: true)
        let dark = PreviewFrame.render(h, width: size.0, height: size.1, forceDark: true, ansi: true)
        try Golden.check(light, "\(c.1)-\(size.0)x\(size.1)-light.ansi")
        try Golden.check(dark, "\(c.1)-\(size.0)x\(size.1)-dark.ansi")
        #expect(light != dark)
        // The light look paints a white background, the dark one a near-black one.
        #expect(light.contains("48;2;255;255;255"))
        #expect(dark.contains("48;2;17;24;39"))
    }

    @Test func documentedFrameShowsTheWidget() throws {
        let text = PreviewFrame.render(try Golden.handshake("handshake.json"), width: 80, height: 24)
        #expect(text.contains("Hello there 👋"))
        #expect(text.contains("How can I assist you today?"))
        #expect(text.contains("Type message here.."))
        #expect(text.contains("Powered by Robofy"))
        #expect(!text.contains("JWT_TOKEN"))
        // The accent is the widget's theme_color (#2563EB) in the header.
        let ansi = PreviewFrame.render(try Golden.handshake("handshake.json"), width: 80, height: 24, ansi: true)
        #expect(ansi.contains("48;2;37;99;235"))
    }

    @Test func mobileRespectsShowOnMobile() throws {
        var h = try Golden.handshake("handshake.json")
        #expect(PreviewFrame.render(h, width: 40, height: 20, mobile: true).contains("Hello there"))
        h.widget.behaviour.showOnMobile = false
        #expect(PreviewFrame.render(h, width: 40, height: 20, mobile: true).contains("hidden on mobile"))
    }

    @Test func reportListsEveryFieldOfTheDocumentedHandshake() throws {
        let data = try Data(contentsOf: Golden.dir.appendingPathComponent("handshake.json"))
        let h = try Handshake.decode(data)
        let report = ConfigReport.make(h)
        var leaves: [(String, String)] = []
        ConfigReport.leaves(try #require(JSONValue.parse(data)), path: "", into: &leaves)
        #expect(leaves.count == 47)
        for (path, _) in leaves {
            #expect(report.contains(path), "report lacks \(path)")
        }
        #expect(!report.contains("JWT_TOKEN"))
        #expect(report.contains("set; an image: the closed bar (auto-close) shows 💬 in its place"))
        #expect(report.contains("set, never run in a terminal") || report.contains("null: not set"))
        #expect(report.contains("no quick questions"))
        #expect(report.contains("lead-capture labels missing"))
    }

    @Test func reportSaysWhatWasMissing() throws {
        let h = try Golden.handshake("handshake-nulls.json")
        let report = ConfigReport.make(h)
        #expect(report.contains("data.widget.header.title: null"))
        #expect(report.contains("data.chatbots[0].greeting: null"))
        #expect(report.contains("has no greeting"))
        let missing = try Handshake.decode(Data(#"{"data":{"token":"t","chatbots":[{"chatbot_id":"x"}]}}"#.utf8))
        #expect(ConfigReport.make(missing).contains("data.widget: missing"))
    }

    @Test func reportPanelOpensWithF7() throws {
        var s = PreviewFrame.state(try Golden.handshake("handshake.json"), width: 80, height: 24)
        _ = s.reduce(.key(.function(7)))
        let text = Renderer().render(s).canvas.plainText
        #expect(text.contains("Configuration report"))
        #expect(text.contains("data.chatbots[0].agent_name"))
        _ = s.reduce(.key(.escape))
        #expect(s.overlay == .none)
    }
}

@Suite struct ThemeTests {
    @Test func parsesAThemeFile() throws {
        let spec = try ThemeParser.parse("""
            # comment
            name = "ocean"
            extends = "default"
            accent = "#0E7490"
            dark = true

            [header]
            fg = "#FFFFFF"   # white
            bg = "accent"
            bold = true
            """, file: "ocean.toml")
        #expect(spec.name == "ocean")
        #expect(spec.accent == RGB(0x0E, 0x74, 0x90))
        let t = spec.make(widgetAccent: "#FF0000", widgetDark: false)
        #expect(t.dark)
        #expect(t.header.fg == .rgb(RGB(255, 255, 255)))
        #expect(t.header.bg == .rgb(RGB(0x0E, 0x74, 0x90)), "accent fixed by the theme, not the widget")
        #expect(t.header.bold)
    }

    @Test func defaultThemeFollowsTheWidget() {
        let t = ThemeSpec().make(widgetAccent: "#FF0000", widgetDark: false)
        #expect(t.header.bg == .rgb(RGB(255, 0, 0)))
        #expect(!t.dark)
        #expect(ThemeSpec().make(widgetAccent: "#FF0000", widgetDark: false, forceDark: true).dark)
    }

    @Test(arguments: [
        ("[header]\nfg = \"blue\"", 2, "fg"),
        ("[headr]\nfg = \"#FFFFFF\"", 1, "headr"),
        ("extends = \"fancy\"", 1, "extends"),
        ("\n\n[header]\nbold = yes", 4, "bold"),
        ("colour = \"#FFFFFF\"", 1, "colour"),
        ("[header]\nfg \"#FFFFFF\"", 2, "fg \"#FFFFFF\""),
    ])
    func brokenThemesNameFileLineAndKey(_ text: String, _ line: Int, _ key: String) {
        do {
            _ = try ThemeParser.parse(text, file: "bad.toml")
            Issue.record("no error for \(text)")
        } catch {
            #expect(error.line == line)
            #expect(error.key == key)
            #expect(error.description.hasPrefix("bad.toml:\(line): \(key): "))
        }
    }

    @Test func shippedThemesParse() throws {
        let dir = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("themes")
        let files = try FileManager.default.contentsOfDirectory(atPath: dir.path).filter { $0.hasSuffix(".toml") }
        #expect(Set(files).isSuperset(of: ["default.toml", "high-contrast.toml", "monochrome.toml"]))
        for f in files {
            _ = try ThemeLoader.load(dir.appendingPathComponent(f).path)
        }
    }

    @Test func loaderSearchesTheUserDirectoryAndReportsUnknownNames() throws {
        let tmp = NSTemporaryDirectory() + "robofy-themes-" + UUID().uuidString
        let dir = tmp + "/robofy-tui/themes"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        try Data("name = \"mine\"\nextends = \"monochrome\"\n".utf8).write(to: URL(fileURLWithPath: dir + "/mine.toml"))
        let spec = try ThemeLoader.load("mine", env: ["XDG_CONFIG_HOME": tmp])
        #expect(spec.base == .monochrome)
        #expect(throws: ThemeError.self) { try ThemeLoader.load("nope", env: ["XDG_CONFIG_HOME": tmp]) }
        #expect(try ThemeLoader.load("high-contrast", env: ["XDG_CONFIG_HOME": tmp]).base == .highContrast)
    }

    @Test func monochromeAndNoColorHaveNoColours() {
        var s = AppState(themeSpec: ThemeSpec(), noColor: true)
        s.refreshTheme()
        let frame = Renderer().render(s)
        #expect(frame.canvas.cells.allSatisfy { $0.style.fg == .terminalDefault && $0.style.bg == .terminalDefault })
    }

    @Test func colourDepthDetection() {
        #expect(ColorDepth.detect(["NO_COLOR": "1", "COLORTERM": "truecolor"]) == .none)
        #expect(ColorDepth.detect(["TERM": "xterm-256color", "COLORTERM": "truecolor"]) == .truecolor)
        #expect(ColorDepth.detect(["TERM": "xterm-256color"]) == .ansi256)
        #expect(ColorDepth.detect(["TERM": "xterm"]) == .ansi8)
        #expect(ColorMapping.xterm256(RGB(0x25, 0x63, 0xEB)) == 26)
        #expect(ColorMapping.ansi8(RGB(0xB9, 0x1C, 0x1C)) == 1)
        #expect(ColorMapping.xterm256(RGB(128, 128, 128)) == 244)
    }
}
