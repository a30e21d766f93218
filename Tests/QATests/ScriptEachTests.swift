import Foundation
import Testing
@testable import RobofyQA

/// `each:`: one script over a list of inputs, each its own script (own session, own JUnit entry).
@Suite struct ScriptEachTests {
    func write(_ files: [String: String]) throws -> String {
        let dir = NSTemporaryDirectory() + "robofy-each-" + UUID().uuidString.prefix(8)
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        for (name, text) in files { try text.write(toFile: dir + "/" + name, atomically: true, encoding: .utf8) }
        return dir
    }

    @Test func anInlineListGivesOneScriptPerInputWithItemFilledIn() throws {
        let dir = try write(["ask.yaml": """
            target: {demo: true}
            vars: {agent: demo-atlas}
            agent: ${agent}
            each: [Paris, Tokyo, 42]
            turns:
              - send: weather in ${item}
                expect: {contains: "${item}"}
            """])
        let scripts = try ScriptEach.loadAll(path: dir + "/ask.yaml")
        #expect(scripts.map(\.name) == ["ask[1]", "ask[2]", "ask[3]"])
        #expect(scripts.map(\.turns[0].send) == ["weather in Paris", "weather in Tokyo", "weather in 42"])
        #expect(scripts[1].turns[0].expect.contains == ["Tokyo"])
        #expect(scripts.allSatisfy { $0.agent == "demo-atlas" }, "vars: still apply")
    }

    @Test func aCSVWithAHeaderRowNamesCasesByItsNameColumn() throws {
        let dir = try write([
            "q.csv": "name,question,want\r\nrain,\"Will it rain, today?\",umbrella\nquote,\"say \"\"hi\"\"\",hi\n",
            "faq.yaml": """
                name: faq
                target: {demo: true}
                each: {file: q.csv}
                turns:
                  - send: ${item.question}
                    expect: {contains: "${item.want}"}
                """])
        let scripts = try ScriptEach.loadAll(path: dir + "/faq.yaml")
        #expect(scripts.map(\.name) == ["faq[rain]", "faq[quote]"])
        #expect(scripts[0].turns[0].send == "Will it rain, today?")
        #expect(scripts[1].turns[0].send == "say \"hi\"")
        #expect(scripts[0].turns[0].expect.contains == ["umbrella"])
    }

    @Test func aYAMLListFileAndBrokenInputsSayWhatIsWrong() throws {
        let dir = try write([
            "in.yaml": "- {city: Oslo}\n- {city: Lima}\n",
            "ok.yaml": "target: {demo: true}\neach: in.yaml\nturns: [\"hi ${item.city}\"]\n",
            "ragged.csv": "a,b\n1\n",
            "bad.yaml": "target: {demo: true}\neach: ragged.csv\nturns: [\"${item.a}\"]\n",
            "unset.yaml": "target: {demo: true}\neach: [x]\nturns: [\"${item.nope}\"]\n",
            "gone.yaml": "target: {demo: true}\neach: missing.csv\nturns: [hi]\n",
        ])
        #expect(try ScriptEach.loadAll(path: dir + "/ok.yaml").map(\.turns[0].send) == ["hi Oslo", "hi Lima"])
        #expect(throws: ScriptError("each: ragged.csv: row 2 has 1 fields, the header 2")) {
            try ScriptEach.loadAll(path: dir + "/bad.yaml")
        }
        let unset = try #require(throws: ScriptError.self) { try ScriptEach.loadAll(path: dir + "/unset.yaml") }
        #expect(unset.description.contains("${item.nope} is not set") == true)
        let gone = try #require(throws: ScriptError.self) { try ScriptEach.loadAll(path: dir + "/gone.yaml") }
        #expect(gone.description.contains("missing.csv") == true)
        #expect(throws: ScriptError.self) { try Script.parse("target: {demo: true}\neach: [a]\nturns: [hi]\n") }
    }
}
