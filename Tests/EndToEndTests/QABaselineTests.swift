import Foundation
import Testing
import TestSupport

/// `--baseline`: a run compared with an earlier run's --json results.
@Suite(.serialized, .timeLimit(.minutes(3))) struct QABaselineTests {
    let dir: String

    init() throws {
        dir = try scratchDirectory("robofy-qa-baseline")
    }

    var env: [String: String] { ["XDG_STATE_HOME": dir + "/state", "LANG": "C.UTF-8", "CI": "1"] }

    @Test func slowerFirstTextThanTheBaselineIsARegressionThatFailsOnlyWhenAsked() async throws {
        let bin = try Binary.require()
        let script = dir + "/hi.yaml"
        try "target: {demo: true}\nagent: demo-nova\nturns:\n  - send: hello\n    expect: {contains: Nova}\n"
            .write(toFile: script, atomically: true, encoding: .utf8)
        let base = dir + "/base.json"
        let first = await shOff([bin, "run", script, "--pace", "0", "--json", base], env: env)
        #expect(first.status == 0, "\(first.out.suffix(1000))")
        // The baseline answered almost at once: today's run is far slower.
        let text = readFile(base)
        let fast = try NSRegularExpression(pattern: "\"firstText\"\\s*:\\s*[0-9.eE+-]+")
            .stringByReplacingMatches(in: text, range: NSRange(text.startIndex..., in: text), withTemplate: "\"firstText\":0.000001")
        #expect(fast != text, "the results hold firstText")
        try fast.write(toFile: base, atomically: true, encoding: .utf8)

        let junit = dir + "/j.xml"
        let r = await shOff([bin, "run", script, "--pace", "0", "--baseline", base, "--junit", junit], env: env)
        #expect(r.status == 0, "a regression alone does not fail the run: \(r.out.suffix(1000))")
        #expect(r.out.contains("Baseline \(base): 1 regression"), "\(r.out.suffix(1000))")
        #expect(r.out.contains("demo-nova: first text p95"), "\(r.out.suffix(1000))")
        let xml = readFile(junit)
        #expect(xml.contains("<testsuite name=\"baseline\" tests=\"1\" failures=\"1\""), "\(xml.suffix(1500))")

        let gate = await shOff([bin, "run", script, "--pace", "0", "--baseline", base, "--fail-on-regression"], env: env)
        #expect(gate.status == 1, "\(gate.out.suffix(1000))")

        let same = await shOff([bin, "run", script, "--pace", "0", "--baseline", base, "--latency-threshold", "1000000000"], env: env)
        #expect(same.status == 0)
        #expect(same.out.contains("Baseline \(base): no change."), "\(same.out.suffix(1000))")
    }
}
