import Foundation
import Testing
@testable import WidgetUI

/// The one key map: the README's key table, the F1 help and dispatch all come from it.
@Suite struct KeyMapTests {
    /// The package root, from this file's place (Tests/WidgetUITests/KeyMapTests.swift).
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()

    /// The README's table under "## Keys", as written.
    static func readmeKeyTable() throws -> String {
        let readme = try String(contentsOf: root.appendingPathComponent("README.md"), encoding: .utf8)
        let lines = readme.split(separator: "\n", omittingEmptySubsequences: false)
        let section = try #require(lines.firstIndex(of: "## Keys"), "README.md has no \"## Keys\" section")
        let start = try #require(lines[section...].firstIndex { $0.hasPrefix("|") }, "no table under \"## Keys\"")
        let end = lines[start...].firstIndex { !$0.hasPrefix("|") } ?? lines.endIndex
        return lines[start..<end].joined(separator: "\n") + "\n"
    }

    @Test func readmeKeyTableIsTheKeyMap() throws {
        let readme = try Self.readmeKeyTable()
        let generated = KeyMap.readmeTable
        #expect(readme == generated, "README.md's key table disagrees with KeyMap: replace it with\n\(generated)")
    }

    @Test func noKeyIsBoundTwiceInOneContext() {
        var seen: [KeyContext: [Key]] = [:]
        var twice: [String] = []
        for b in KeyMap.bindings {
            for k in b.keys {
                if seen[b.context, default: []].contains(k) { twice.append("\(b.context): \(k)") }
                seen[b.context, default: []].append(k)
            }
        }
        #expect(twice.isEmpty, "bound twice: \(twice)")
    }

    @Test func f1HelpShowsTheKeyMapRows() {
        var s = Fixture.state(width: 100, height: 40)
        _ = s.reduce(.key(.function(1)))
        #expect(s.overlay == .help(scroll: 0))
        #expect(Renderer.helpEntries(s).map(\.keys) == KeyMap.helpRows.map(\.keys))
        let screen = render(s)
        for row in Renderer.helpEntries(s) {
            #expect(screen.contains(row.keys) && screen.contains(row.text), "F1 help lacks \(row.keys): \(row.text)")
        }
        #expect(screen.contains("Ctrl-F") && screen.contains("Alt-C / Alt-M"))
    }

    /// Every chat row the help lists does what the map says: its keys reach its reducer.
    @Test func dispatchFollowsTheMap() {
        var s = Fixture.state()
        #expect(s.reduce(.key(.function(6))) == [.connect])
        #expect(s.reduce(.key(.ctrl("r"))) == [.connect])
        _ = s.reduce(.key(.function(8)))
        #expect(s.overlay == .inspector)
        _ = s.reduce(.key(.escape))
        #expect(s.overlay == .none)
        _ = s.reduce(.key(.function(7)))
        #expect(s.overlay == .report(scroll: 0))
        _ = s.reduce(.key(.char("q")))
        #expect(s.overlay == .none)
        // A global key works over an overlay without closing it.
        _ = s.reduce(.key(.function(1)))
        #expect(s.reduce(.key(.ctrl("q"))) == [.quit])
        #expect(s.overlay == .help(scroll: 0))
        // Each context's keys come from the map.
        for b in KeyMap.bindings {
            for k in b.keys { #expect(KeyMap.action(for: k, in: b.context) == b.action) }
        }
    }
}
