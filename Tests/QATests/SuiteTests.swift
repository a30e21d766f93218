import Foundation
import RobofySession
import Testing
@testable import RobofyQA

@Suite struct SuiteTests {
    func tree() throws -> String {
        let root = NSTemporaryDirectory() + "robofy-suite-" + UUID().uuidString.prefix(8)
        for p in ["a/one.yaml", "a/b/two.yml", "a/b/three.JSON", "a/notes.txt", "c.yaml"] {
            let path = root + "/" + p
            try FileManager.default.createDirectory(atPath: (path as NSString).deletingLastPathComponent,
                                                    withIntermediateDirectories: true)
            try "x".write(toFile: path, atomically: true, encoding: .utf8)
        }
        return root
    }

    @Test func foldersGlobsAndFilesExpandOnceEach() throws {
        let root = try tree()
        let files = try SuiteFiles.expand([root + "/a", root + "/*.yaml", root + "/a/one.yaml"])
        #expect(files == [root + "/a/b/three.JSON", root + "/a/b/two.yml", root + "/a/one.yaml", root + "/c.yaml"])
        #expect(throws: ScriptError.self) { try SuiteFiles.expand([root + "/zz*.yaml"]) }
        #expect(try SuiteFiles.expand([root + "/missing.yaml"]) == [root + "/missing.yaml"])
    }

    @Test func shardsSplitTheFilesStablyWithoutOverlap() {
        let files = (0..<100).map { "scripts/s\($0).yaml" }
        let parts = (1...3).map { SuiteFiles.shard(files, index: $0, count: 3) }
        #expect(parts.map(\.count).reduce(0, +) == 100)
        #expect(Set(parts.flatMap { $0 }).count == 100)
        #expect(parts.allSatisfy { !$0.isEmpty })
        #expect(SuiteFiles.shard(files, index: 2, count: 3) == parts[1], "the same split every time")
    }

    @Test func resultsFileRoundTripsAndPercentiles() throws {
        var turn = Turn(id: 1, agentID: "demo-nova", agentName: "Nova", userText: "hi", startedAt: Date())
        turn.timing.firstText = 0.25
        turn.status = .complete
        // A hostile answer: an 8-bit CSI and a bidi override, kept as sent but never raw in the file.
        turn.answer = "8-bit CSI: \u{9B}31mred\u{9B}0m, invoice\u{202E}fdp.exe"
        let report = RunReport(suiteName: "s", file: "s.yaml", target: "t", startedAt: Date(), seconds: 1,
                               results: [TurnResult(index: 1, send: "hi", agent: "demo-nova", turn: turn, seconds: 0.5)])
        let path = NSTemporaryDirectory() + "robofy-results-" + UUID().uuidString + ".json"
        try SuiteReport.json([report], wallSeconds: 2).write(to: URL(fileURLWithPath: path))
        let back = try SuiteReport.read(path: path)
        #expect(back.count == 1)
        #expect(back[0].file == "s.yaml")
        #expect(back[0].results[0].turn?.timing.firstText == 0.25)
        #expect(back[0].results[0].turn?.answer == turn.answer)
        let bytes = try String(contentsOfFile: path, encoding: .utf8)
        #expect(!bytes.unicodeScalars.contains { (0x80...0x9F).contains($0.value) || $0.value == 0x202E }, "\(bytes)")
        #expect(SuiteReport.percentile([1, 2, 3, 4, 5, 6, 7, 8, 9, 10], 50) == 5)
        #expect(SuiteReport.percentile([1, 2, 3, 4, 5, 6, 7, 8, 9, 10], 95) == 10)
        #expect(SuiteReport.exitCode([report]) == 0)
        #expect(SuiteReport.exitCode([report, JUnitReport.brokenScript(suiteName: "b", message: "m")]) == 2)
    }
}

@Suite struct ScriptVarsTests {
    @Test func varsAndTheEnvironmentFillPlaceholders() throws {
        setenv("ROBOFY_TEST_CITY", "Tokyo", 1)
        let s = try Script.parse("""
            vars: {agent: demo-atlas, word: Weather}
            target: {demo: true}
            agent: ${agent}
            turns:
              - send: ${word} in ${ROBOFY_TEST_CITY}?
                expect: {contains: ["${ROBOFY_TEST_CITY}", "$${literal}"]}
            """, fileName: "v.yaml")
        #expect(s.agent == "demo-atlas")
        #expect(s.turns[0].send == "Weather in Tokyo?")
        #expect(s.turns[0].expect.contains == ["Tokyo", "${literal}"])
        #expect {
            _ = try Script.parse("target: {demo: true}\nturns: [\"${ROBOFY_UNSET_VAR_X}\"]\n", fileName: "v.yaml")
        } throws: { "\($0)".contains("turns[1]: ${ROBOFY_UNSET_VAR_X} is not set") }
    }
}
