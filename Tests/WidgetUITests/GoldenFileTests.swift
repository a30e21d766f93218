import Foundation
import Testing
import TestSupport

/// A golden check passes only when the file already holds the output and nothing was
/// recorded: a run with UPDATE_GOLDENS=1 rewrites the file and fails, even when the output
/// did not change.
@Suite struct GoldenFileTests {
    private func temporaryGolden(_ text: String) throws -> URL {
        let url = URL(fileURLWithPath: try scratchDirectory("robofy-golden")).appendingPathComponent("frame.txt")
        try Data(text.utf8).write(to: url)
        return url
    }

    @Test func aRecordingRunRewritesTheFileAndFails() throws {
        let url = try temporaryGolden("old frame\n")
        defer { try? FileManager.default.removeItem(at: url.deletingLastPathComponent()) }
        let failure = try GoldenFile.check("new frame\n", url, record: true)
        #expect(failure?.contains("frame.txt rewritten (UPDATE_GOLDENS=1)") == true)
        #expect(try String(contentsOf: url, encoding: .utf8) == "new frame\n")
    }

    @Test func aRecordingRunFailsEvenWhenNothingChanged() throws {
        let url = try temporaryGolden("same frame\n")
        defer { try? FileManager.default.removeItem(at: url.deletingLastPathComponent()) }
        #expect(try GoldenFile.check("same frame\n", url, record: true) != nil)
    }

    @Test func aCheckingRunPassesOnlyOnIdenticalBytes() throws {
        let url = try temporaryGolden("line 1\nline 2\n")
        defer { try? FileManager.default.removeItem(at: url.deletingLastPathComponent()) }
        #expect(try GoldenFile.check("line 1\nline 2\n", url, record: false) == nil)
        let failure = try #require(try GoldenFile.check("line 1\nline two\n", url, record: false))
        #expect(failure.contains("differs (first at line 2)"))
        #expect(failure.contains("actual:   line two"))
        // A check never writes the file.
        #expect(try String(contentsOf: url, encoding: .utf8) == "line 1\nline 2\n")
    }
}
