import Foundation
import Testing
import TestSupport

/// `each:` through the real binary: every input is its own test case in the summary and the JUnit.
@Suite(.serialized, .timeLimit(.minutes(3))) struct QAEachTests {
    let dir: String

    init() throws {
        dir = try scratchDirectory("robofy-qa-each")
    }

    var env: [String: String] { ["XDG_STATE_HOME": dir + "/state", "LANG": "C.UTF-8", "CI": "1"] }

    @Test func eachRowOfACSVIsItsOwnTestCaseAndOneFailingRowFailsTheRun() async throws {
        let bin = try Binary.require()
        try "name,agent,want\nnova,demo-nova,Nova\natlas,demo-atlas,Atlas\nwrong,demo-sage,not-in-the-answer\n"
            .write(toFile: dir + "/agents.csv", atomically: true, encoding: .utf8)
        try """
            name: greet
            target: {demo: true}
            agent: ${item.agent}
            each: {file: agents.csv}
            turns:
              - send: hello ${item}
                expect: {contains: "${item.want}"}
            """.write(toFile: dir + "/greet.yaml", atomically: true, encoding: .utf8)
        let junit = dir + "/each.xml"
        let r = await shOff([bin, "run", dir + "/greet.yaml", "--pace", "0", "--junit", junit], env: env)
        #expect(r.status == 1, "\(r.out.suffix(2000))")
        #expect(r.out.contains("Running 3 scripts"), "\(r.out.suffix(2000))")
        #expect(r.out.contains("3 scripts, 3 turns: 1 failed (in 1 script)"), "\(r.out.suffix(2000))")
        let xml = readFile(junit)
        for name in ["greet[nova]", "greet[atlas]", "greet[wrong]"] {
            #expect(xml.contains("<testsuite name=\"\(name)\""), "\(name) in \(xml.prefix(3000))")
        }
        #expect(xml.contains("contains “not-in-the-answer”") || xml.contains("not-in-the-answer"))
        #expect(xml.contains("tests=\"3\" failures=\"1\""), "\(xml.prefix(400))")
    }
}
