import Foundation
import Testing
import TestSupport
#if canImport(Glibc)
import Glibc
#endif

/// `run` with many scripts: folders, globs, --jobs, --shard, --json and `report merge`.
@Suite(.serialized, .timeLimit(.minutes(5))) struct QASuiteTests {
    let dir: String

    init() throws {
        dir = try scratchDirectory("robofy-qa-suite")
    }

    func binary() throws -> String {
        try Binary.require()
    }

    var env: [String: String] { ["XDG_STATE_HOME": dir + "/state", "LANG": "C.UTF-8", "CI": "1"] }

    /// 200 scripts in nested folders: 198 pass, 2 fail (an expectation the answer misses).
    func makeSuite() throws -> String {
        let root = dir + "/suite"
        let agents = ["demo-nova", "demo-atlas", "demo-sage"]
        let words = ["Nova", "Atlas", "Sage"]
        for i in 0..<200 {
            let folder = root + "/group\(i % 5)"
            try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
            let a = i % 3
            let want = (i == 17 || i == 123) ? "not-in-the-answer" : words[a]
            let text = "target: {demo: true}\nagent: \(agents[a])\nturns:\n  - send: hello\n    expect: {contains: \(want)}\n"
            try text.write(toFile: folder + String(format: "/s%03d.yaml", i), atomically: true, encoding: .utf8)
        }
        try "not a script".write(toFile: root + "/notes.txt", atomically: true, encoding: .utf8)
        return root
    }

    func testsuites(_ xml: String) -> Int { xml.components(separatedBy: "<testsuite ").count - 1 }

    @Test func twoHundredScriptsRunEightAtATimeAndShardsMergeIntoTheSameSummary() async throws {
        let bin = try binary()
        let root = try makeSuite()
        let junit = dir + "/all.xml"
        let all = await shOff([bin, "run", root, "--jobs", "8", "--pace", "0", "--junit", junit,
                               "--json", dir + "/all.json"], env: env)
        #expect(all.status == 1, "\(all.out.suffix(2000))")
        #expect(all.out.contains("Running 200 scripts, 8 at a time"))
        #expect(all.out.contains("200 scripts, 200 turns: 2 failed (in 2 scripts)"))
        #expect(all.out.contains("✗ \(root)/group2/s017.yaml"))
        #expect(all.out.contains("contains “not-in-the-answer”: not in the answer"))
        #expect(all.out.contains("Latency (s)"))
        #expect(!all.out.contains("\u{1B}["), "no live line when not on a terminal")
        let xml = readFile(junit)
        #expect(testsuites(xml) == 200)
        #expect(xml.contains("<testsuites name=\"robofy-tui\" tests=\"200\" failures=\"2\" errors=\"0\""))

        let a = await shOff([bin, "run", root, "--jobs", "8", "--pace", "0", "--shard", "1/2", "--json", dir + "/a.json"], env: env)
        let b = await shOff([bin, "run", root, "--jobs", "8", "--pace", "0", "--shard", "2/2", "--json", dir + "/b.json"], env: env)
        #expect([0, 1].contains(a.status) && [0, 1].contains(b.status), "\(a.out.suffix(500)) \(b.out.suffix(500))")
        let counts = [a.out, b.out].map { out -> Int in
            guard let line = out.split(separator: "\n").first(where: { $0.hasPrefix("Running ") }),
                  let n = Int(line.split(separator: " ")[1]) else { return -1 }
            return n
        }
        #expect(counts[0] > 0 && counts[1] > 0 && counts[0] + counts[1] == 200, "\(counts)")
        let merged = dir + "/merged.xml"
        let m = await shOff([bin, "report", "merge", dir + "/a.json", dir + "/b.json", "--junit", merged], env: env)
        #expect(m.status == 1, "\(m.out.suffix(1000))")
        #expect(m.out.contains("200 scripts, 200 turns: 2 failed (in 2 scripts)."))
        #expect(testsuites(readFile(merged)) == 200)
        // Each script ran once across the shards.
        let names = Set(readFile(merged).components(separatedBy: "<property name=\"file\" value=\"").dropFirst()
            .map { String($0.prefix { $0 != "\"" }) })
        #expect(names.count == 200)
    }

    @Test func globsAndFilesMixAndABrokenScriptDoesNotHideTheOthers() async throws {
        let bin = try binary()
        let root = try makeSuite()
        let broken = dir + "/broken.yaml"
        try "target: {demo: true}\nturns: []\n".write(toFile: broken, atomically: true, encoding: .utf8)
        let junit = dir + "/mixed.xml"
        let r = await shOff([bin, "run", root + "/group0/s00*.yaml", broken, "--pace", "0", "--junit", junit], env: env)
        #expect(r.status == 2, "\(r.out)")
        #expect(r.out.contains("Running 3 scripts"), "s000 and s005 from the glob, and the broken one")
        #expect(r.out.contains("! \(broken): turns: the list is empty"))
        #expect(r.out.contains("✓ \(root)/group0/s000.yaml"))
        #expect(r.out.contains("3 scripts, 2 turns: all passed; 1 script could not run"))
        #expect(testsuites(readFile(junit)) == 3)
    }

    @Test func p95FirstTextLimitFailsASlowSuite() async throws {
        let bin = try binary()
        let s = dir + "/slow.yaml"
        try "target: {demo: true}\nfault: latency=300\nturns:\n  - send: hello\n    expect: {max_first_text_seconds: 0.05}\n  - hello\n"
            .write(toFile: s, atomically: true, encoding: .utf8)
        let r = await shOff([bin, "run", s, "--max-p95-first-text", "0.1", "--json", dir + "/slow.json"], env: env)
        #expect(r.status == 1)
        #expect(r.out.contains("max_first_text_seconds 0.05: the first text came after "), "\(r.out)")
        #expect(r.out.contains("✗ p95 of the time to the first text is"))
        let json = readFile(dir + "/slow.json")
        #expect(json.contains("\"firstText\""))
    }

    @Test func theExamplesFolderPasses() async throws {
        let bin = try binary()
        let examples = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("examples").path
        let r = await shOff([bin, "run", examples, "--jobs", "4"], env: env)
        #expect(r.status == 0, "\(r.out)")
        #expect(r.out.contains("5 scripts, 6 turns: all passed"))
    }
}
