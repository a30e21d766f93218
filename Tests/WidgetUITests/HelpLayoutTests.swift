import Foundation
import Testing
import RobofyAPI
import RobofyText
@testable import WidgetUI

/// F1 help: every key-map row with help text can be read at 80×24 and 120×40, and the keys
/// remapped in config.toml are the ones it shows.
@Suite struct HelpLayoutTests {
    /// Every screen of the help at a size (PgDn until the footer says "end" or nothing scrolls).
    static func helpScreens(_ s0: AppState) -> [String] {
        var s = s0
        _ = s.reduce(.key(.function(1)))
        var screens = [render(s)]
        for _ in 0..<20 where Renderer.helpLines(s).count > Renderer.helpVisibleRows(s) {
            _ = s.reduce(.key(.pageDown))
            screens.append(render(s))
            if screens.last?.contains("│ end ") == true { break }
        }
        return screens
    }

    /// True when one screen line holds the key and its whole text.
    static func shows(_ row: KeyHelp, in screens: [String]) -> Bool {
        screens.contains { lines($0).contains { $0.contains(row.keys + " ") && $0.contains(row.text) } }
    }

    @Test(arguments: [(80, 24), (120, 40)])
    func everyRowWithHelpTextIsReachable(width: Int, height: Int) {
        let s = Fixture.state(width: width, height: height)
        let screens = Self.helpScreens(s)
        // The key map's rows (F4 and F5 with the widget's labels).
        let rows = Renderer.helpEntries(s)
        #expect(rows.map(\.keys) == KeyMap.helpRows.map(\.keys))
        #expect(rows.count >= 26)
        for row in rows {
            #expect(Self.shows(row, in: screens),
                    "F1 at \(width)×\(height) does not show \"\(row.keys)\" with \"\(row.text)\" whole (keys ≤ 16, text ≤ 19 columns):\n\(screens.joined(separator: "\n---\n"))")
        }
        // The keys that were missing at 80×24.
        let all = screens.joined()
        for keys in ["Ctrl-O", "Ctrl-Y / Ctrl-N", "F11", "Ctrl-G", "Ctrl-P"] { #expect(all.contains(keys)) }
    }

    @Test func at80x24TheHelpIsTwoColumnsOnOneScreen() {
        let screen = Self.helpScreens(Fixture.state(width: 80, height: 24))
        #expect(screen.count == 1)
        let text = screen[0]
        #expect(text.contains("Any key closes this."))
        // Two columns: the first row of each on one line.
        let second = Renderer.helpEntries(Fixture.state())[(KeyMap.helpRows.count + 1) / 2]
        #expect(lines(text).contains { $0.contains("Enter ") && $0.contains(second.keys + " ") && $0.contains(second.text) }, "\(text)")
    }

    /// When the rows do not fit, the footer says the help scrolls and where it is.
    @Test func aSmallScreenSaysTheHelpScrolls() {
        let screens = Self.helpScreens(Fixture.state(width: 50, height: 14))
        #expect(screens.count > 1)
        #expect(screens[0].contains("↓ more"), "\(screens[0])")
        #expect(screens.last?.contains("│ end \(KeyMap.helpRows.count)/\(KeyMap.helpRows.count)") == true)
        for row in KeyMap.helpRows { #expect(screens.contains { $0.contains(row.keys) }, "\(row.keys) unreachable:\n\(screens.joined(separator: "\n"))") }
    }

    @Test func remappedKeysShowInF1() throws {
        var remap = KeyRemap()
        try remap.bind(action: "details", to: "f11")
        try remap.bind(action: "quit", to: "ctrl-t")
        try remap.bind(action: "reasoning", to: "ctrl-v")
        var s = Fixture.state(width: 80, height: 24)
        s.keyRemap = remap
        let screen = Self.helpScreens(s).joined(separator: "\n")
        // F11 now shows the details next to Ctrl-P; the server's record has no key left.
        #expect(lines(screen).contains { $0.contains("Ctrl-P, F11 ") && $0.contains("times and timings") }, "\(screen)")
        #expect(lines(screen).contains { $0.contains("— ") && $0.contains("the server's") }, "\(screen)")
        // Ctrl-T quits now; the reasoning moved to Ctrl-V (its default key was taken).
        #expect(lines(screen).contains { $0.contains("F10, Ctrl-Q, Ctrl-T ") && $0.contains("quit") }, "\(screen)")
        #expect(lines(screen).contains { $0.contains("Ctrl-V ") && $0.contains("show/fold reasoning") }, "\(screen)")
        #expect(!lines(screen).contains { $0.contains("Ctrl-T ") && $0.contains("reasoning") }, "\(screen)")
    }

    @Test func helpKeysFollowTheBindings() throws {
        var remap = KeyRemap()
        #expect(remap.helpKeys("F5, Ctrl-S") == "F5, Ctrl-S")
        try remap.bind(action: "save_transcript", to: "ctrl-e")
        #expect(remap.helpKeys("F5, Ctrl-S") == "F5, Ctrl-S, Ctrl-E")
        #expect(remap.helpKeys("Ctrl-A / Ctrl-E") == "Ctrl-A")
        try remap.bind(action: "newline", to: "ctrl-a")
        #expect(remap.helpKeys("Ctrl-A / Ctrl-E") == "—")
        #expect(remap.helpKeys("Ctrl-J") == "Ctrl-J, Ctrl-A")
    }
}

/// Where the terminal draws avatar images: over the initials badges on screen, none under an
/// overlay (the agent picker shows its own).
@Suite struct AvatarBadgeTests {
    @Test func badgesOfAgentsWithAnImageAreInTheFrame() {
        var nova = Fixture.agent()
        nova.avatarURL = "/v1/demo/avatars/demo-nova.png"
        let sage = Fixture.agent("a2", name: "Sage", order: 1)
        var s = Fixture.state(Fixture.handshake(agents: [nova, sage]), width: 80, height: 24)
        let badges = Renderer.avatarBadges(Renderer().render(s))
        #expect(badges.count == 1, "\(badges)")
        let b = badges.first
        #expect(b?.path == "/v1/demo/avatars/demo-nova.png")
        // The badge is where the initials are.
        let row = lines(render(s))[b?.y ?? 0]
        #expect(DisplayWidth.truncate(String(row.dropFirst(b?.x ?? 0)), to: 3, ellipsis: "") == " N ", "\(row)")
        // F1 covers it: no image; the picker: Nova's badge (Sage has no image).
        _ = s.reduce(.key(.function(1)))
        #expect(Renderer.avatarBadges(Renderer().render(s)).isEmpty)
        _ = s.reduce(.key(.escape))
        _ = s.reduce(.key(.function(2)))
        let picker = Renderer.avatarBadges(Renderer().render(s))
        #expect(picker.count == 1 && picker.first?.path == nova.avatarURL, "\(picker)")
        // A click on the badge still chooses the agent.
        if let p = picker.first { #expect(Renderer().render(s).target(x: p.x, y: p.y) == .agent(0)) }
    }
}
