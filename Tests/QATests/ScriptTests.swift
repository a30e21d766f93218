import DemoServer
import Foundation
import NIOConcurrencyHelpers
#if canImport(FoundationXML)
import FoundationXML
#endif
import RobofyAPI
import RobofySession
import Testing
import TestSupport
@testable import RobofyQA

@Suite(.timeLimit(.minutes(2))) struct ScriptTests {
    static let yaml = """
        name: weather
        target: {demo: true}
        agent: demo-atlas
        fault: "latency=10"
        timeout_seconds: 30
        turns:
          - send: Weather in Paris?
            expect:
              contains: Paris
              matches: '(?i)\\d+ °C'
              tool_called: get_weather
              finish_reason: stop
              max_seconds: 10
          - send: "hello"
            agent: demo-nova
            new_session: true
            expect:
              not_contains: [Tokyo, London]
              status: complete
          - just a message
        """

    static let json = """
        {"name": "weather", "target": {"demo": true}, "agent": "demo-atlas", "fault": "latency=10", "timeout_seconds": 30,
         "turns": [
           {"send": "Weather in Paris?", "expect": {"contains": ["Paris"], "matches": "(?i)\\\\d+ °C",
            "tool_called": "get_weather", "finish_reason": "stop", "max_seconds": 10}},
           {"send": "hello", "agent": "demo-nova", "new_session": true,
            "expect": {"not_contains": ["Tokyo", "London"], "status": "complete"}},
           "just a message"
         ]}
        """

    @Test func yamlAndJSONMeanTheSame() throws {
        let a = try Script.parse(Self.yaml, fileName: "w.yaml")
        let b = try Script.parse(Self.json, fileName: "w.json")
        #expect(a == b)
        #expect(a.target == .demo)
        #expect(a.fault == "latency=10")
        #expect(a.timeoutSeconds == 30)
        #expect(a.turns.count == 3)
        #expect(a.turns[0].expect == Expectations(contains: ["Paris"], matches: ["(?i)\\d+ °C"], maxSeconds: 10,
                                                  toolCalled: ["get_weather"], finishReason: "stop"))
        #expect(a.turns[1].agent == "demo-nova" && a.turns[1].newSession)
        #expect(a.turns[1].expect.status == .complete)
        #expect(a.turns[2].send == "just a message" && a.turns[2].expect.isEmpty)
        let service = try Script.parse("""
            target: {base_url: "https://agents.example.com", project_id: p1, chatbot_id: c1, streaming: false}
            turns: [hi]
            """)
        #expect(service.target == .service(Script.Service(baseURL: "https://agents.example.com", projectID: "p1",
                                                           chatbotID: "c1", streaming: false)))
    }

    @Test func brokenScriptsSayWhereAndWhy() {
        func problem(_ text: String, _ name: String = "s.yaml") -> String {
            do {
                _ = try Script.parse(text, fileName: name)
                return "parsed"
            } catch {
                return error.description
            }
        }
        #expect(problem("turns:\n  - send: hi\n    expect: {contians: x}\n")
            .hasPrefix("turns[1].expect: unknown key 'contians' (did you mean 'contains'?)"))
        #expect(problem("target: {demo: true}\nturns:\n  - expect: {contains: x}\n") == "turns[1].send: missing (the message to send)")
        #expect(problem("turns:\n  - send: x\n    expect: {matches: '(unclosed'}\n")
            .contains("turns[1].expect.matches: '(unclosed' is not a valid regular expression"))
        #expect(problem("target: {project_id: p}\nfault: '500'\nturns: [x]\n").hasPrefix("fault: fault knobs work with the demo target only"))
        #expect(problem("turns: [\n").hasPrefix("not valid YAML"))
        #expect(problem("{\"turns\": [}", "s.json").hasPrefix("not valid JSON"))
        #expect(problem("agent: x\n") == "turns: missing (a list of turns to send)")
        #expect(problem("turns: []\n") == "turns: the list is empty")
        #expect(problem("turns:\n  - send: x\n    expect: {max_seconds: -1}\n") == "turns[1].expect.max_seconds: must be a number of seconds above 0")
        #expect(problem("turns:\n  - send: x\n    expect: {status: done}\n").contains("is not one of complete, failed"))
        #expect(problem("") == "the file is empty")
    }

    @Test func firstSentence() {
        #expect(Script.firstSentence("It's currently 18 °C and cloudy in Paris. A light jacket should be enough.")
            == "It's currently 18 °C and cloudy in Paris.")
        #expect(Script.firstSentence("Here are today's best deals:\n\n1. **Aurora**") == "Here are today's best deals:")
        #expect(Script.firstSentence("Version 2.5 is out! Try it.") == "Version 2.5 is out!")
        #expect(Script.firstSentence("   \n") == nil)
        let long = String(repeating: "word ", count: 60)
        let cut = Script.firstSentence(long)
        #expect((cut?.count ?? 0) <= 120 && long.contains(cut ?? "∅"))
    }

    @Test func recordedScriptsRoundTrip() throws {
        func turn(_ id: Int, _ agent: String, _ q: String, _ a: String, status: TurnStatus = .complete,
                  tools: [String] = [], errors: [String] = []) -> Turn {
            var t = Turn(id: id, agentID: agent, agentName: agent, userText: q)
            t.answer = a
            t.status = status
            t.finishReason = status == .complete ? "stop" : nil
            t.tools = tools.map { ToolCall(id: "c\($0)", name: $0, state: .done) }
            t.errors = errors
            return t
        }
        let turns = [
            RecordedTurn(turn: turn(1, "demo-atlas", "Weather in Paris?", "It's 18 °C in Paris. Jacket.", tools: ["get_weather", "get_weather"])),
            RecordedTurn(turn: turn(2, "demo-atlas", "true", "123")),
            RecordedTurn(turn: turn(3, "demo-nova", "key: value # not a comment", "- a list? no: text.\nmore"), newSessionBefore: true),
            RecordedTurn(turn: turn(4, "demo-nova", "/error", "", status: .failed, errors: ["500"])),
            RecordedTurn(turn: turn(5, "demo-nova", "/slow", "Partial answ", status: .stopped)),
            RecordedTurn(turn: turn(6, "demo-nova", "/error", "I started", errors: ["boom"])),
        ]
        let script = Script.recorded(turns, target: .demo(fault: "latency=5"))
        #expect(script.agent == "demo-atlas")
        #expect(script.fault == "latency=5")
        #expect(script.turns[0].expect == Expectations(contains: ["It's 18 °C in Paris."], toolCalled: ["get_weather"], finishReason: "stop"))
        #expect(script.turns[1].expect.contains == ["123"])
        #expect(script.turns[2].agent == "demo-nova" && script.turns[2].newSession)
        #expect(script.turns[2].expect.contains == ["- a list?"])
        #expect(script.turns[3].expect == Expectations(status: .failed))
        #expect(script.turns[4].expect == Expectations(contains: ["Partial answ"]))
        #expect(script.turns[5].expect.status == .complete)
        for (name, text) in [("r.yaml", script.yamlText(header: "a comment\nline two")), ("r.json", script.jsonText())] {
            let back = try Script.parse(text, fileName: name)
            #expect(back == script, "\(name):\n\(text)")
        }
        #expect(script.yamlText(header: "hello").hasPrefix("# hello\n"))
        let service = Script.recorded(turns, target: .service(RobofyTarget(baseURL: "https://x.example", projectID: "p", chatbotID: "demo-atlas")))
        #expect(try Script.parse(service.yamlText(), fileName: "s.yaml") == service)
        #expect(!service.yamlText().contains("fault"))
    }

    @Test func aPassingAndAFailingRunAgainstTheDemoServer() async throws {
        let passing = try Script.parse("""
            target: {demo: true}
            agent: demo-atlas
            turns:
              - send: Weather in Paris?
                expect: {contains: Paris, tool_called: get_weather, finish_reason: stop, max_seconds: 20}
              - send: hello
                agent: demo-nova
                expect: {matches: "(?i)hello", not_contains: Paris}
            """)
        var options = RunOptions()
        options.demoPaceMs = 0
        let ok = try await ScriptRunner.run(passing, suiteName: "passing", options: options)
        #expect(ok.passed, "\(ok.results.flatMap(\.failures))")
        #expect(ok.results.map(\.agent) == ["demo-atlas", "demo-nova"])

        let failing = try Script.parse("""
            target: {demo: true}
            agent: demo-atlas
            fault: "500"
            turns:
              - send: Weather in Paris?
                expect: {contains: Paris}
              - send: Weather in Paris?
                expect: {status: failed}
            """)
        var fast = options
        fast.retry = RetryPolicy(maxRetries: 0)
        let bad = try await ScriptRunner.run(failing, suiteName: "failing <&>", options: fast)
        #expect(!bad.passed)
        #expect(bad.failed == 1 && bad.errors == 0)
        #expect(bad.results[0].failures.first?.hasPrefix("status: expected complete, got failed (The server answered 500") == true)
        #expect(bad.results[0].failures.contains { $0.hasPrefix("contains “Paris”") })
        #expect(bad.results[1].passed)

        let xml = JUnitReport.xml(bad)
        #expect(xml.contains("<testsuite name=\"failing &lt;&amp;&gt;\" tests=\"2\" failures=\"1\" errors=\"0\""))
        #expect(xml.contains("<testcase name=\"turn 1: Weather in Paris?\""))
        #expect(xml.contains("<failure message=\"status: expected complete, got failed"))
        #expect(xml.components(separatedBy: "<testcase ").count == 3)
        #expect(try wellFormed(xml))

        let unknown = try Script.parse("target: {demo: true}\nagent: nobody\nturns: [hi, there]\n")
        let err = try await ScriptRunner.run(unknown, suiteName: "u", options: options)
        #expect(err.errors == 2)
        #expect(err.results[0].failures[0].hasPrefix("could not connect: The server answered 404"))
        #expect(err.results[0].failures[0].contains("'nobody' was not found"))
        #expect(JUnitReport.xml(err).contains("<error message=\"could not connect"))
        let unknownLater = try Script.parse("target: {demo: true}\nturns: [hi, {send: there, agent: nobody}]\n")
        let err2 = try await ScriptRunner.run(unknownLater, suiteName: "u", options: options)
        #expect(err2.results[0].passed)
        #expect(err2.results[1].failures.first?.hasPrefix("agent: no agent “nobody” in this widget (agents: demo-nova") == true)
    }

    @Test func aSlowTurnTimesOut() async throws {
        // Two seconds between streamed pieces: the answer takes far longer than the timeout.
        let script = try Script.parse("target: {demo: true}\nfault: pace=2000\ntimeout_seconds: 0.5\nturns:\n  - send: hello\n")
        // The watchdog runs on a test clock: the half second passes when the test says so.
        let clock = TestClock()
        let answering = NIOLockedValueBox(false)
        var options = RunOptions()
        options.clock = clock
        options.taps = [{ if case .response = $0 { answering.withLockedValue { $0 = true } } }]
        let run = Task { try await ScriptRunner.run(script, suiteName: "t", options: options) }
        #expect(await eventually(timeout: 30) { answering.withLockedValue { $0 } })
        #expect(await clock.waitForSleepers(1))
        #expect(clock.sleeps == [.milliseconds(500)])
        clock.advance(by: .milliseconds(500))
        let r = try await run.value
        #expect(r.results[0].failures.first == "timeout: no complete answer within 0.5 s")
        #expect(r.results[0].turn?.status == .stopped)
    }

    func wellFormed(_ xml: String) throws -> Bool {
        let parser = XMLParser(data: Data(xml.utf8))
        return parser.parse()
    }
}
