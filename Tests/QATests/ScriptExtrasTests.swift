import DemoServer
import Foundation
import RobofyAPI
import RobofySession
import Testing
import WidgetUI
@testable import RobofyQA

/// `lead:`, `rate:` and `expect_server:` in run scripts, against the demo server over HTTP.
@Suite(.timeLimit(.minutes(2))) struct ScriptExtrasTests {
    @Test func leadRatingAndServerRecordPass() async throws {
        let script = try Script.parse("""
            target: {demo: true}
            turns:
              - send: hello
                rate: up
                lead: {name: Ada, email: ada@example.com}
                expect_server: {messages: 2, lead: {email: ada@example.com}}
              - send: my name is Ada
                expect_server: {messages: 4}
            """)
        #expect(script.turns[0].extras == TurnExtras(rate: .up, lead: LeadValues(name: "Ada", email: "ada@example.com"),
                                                     expectServer: ServerExpectation(messages: 2, lead: ["email": "ada@example.com"])))
        var options = RunOptions()
        options.demoPaceMs = 0
        let report = try await ScriptRunner.run(script, suiteName: "extras", options: options)
        #expect(report.passed, "\(report.results.flatMap(\.failures))")
    }

    @Test func wrongServerExpectationsFailWithWhatWasRecorded() async throws {
        let script = try Script.parse("""
            target: {demo: true}
            turns:
              - send: hello
                lead: {email: bob@example.com}
                expect_server: {messages: 5, lead: {email: ada@example.com}}
            """)
        var options = RunOptions()
        options.demoPaceMs = 0
        let report = try await ScriptRunner.run(script, suiteName: "extras", options: options)
        let failures = report.results.flatMap(\.failures)
        #expect(!report.passed)
        #expect(failures.contains { $0.hasPrefix("expect_server.messages: expected 5, the server recorded 2") })
        #expect(failures.contains { $0.contains("no lead with email ada@example.com") && $0.contains("email bob@example.com") })
    }

    /// A server that puts the token in the session id (`echotoken`): `expect_server` looks the
    /// session up by the id as the server sent it (it looked up the redacted id, and got a 404),
    /// and the failures name it without the token.
    @Test func aServerExpectationNamesTheSessionWithoutTheToken() async throws {
        let script = try Script.parse("""
            target: {demo: true}
            fault: echotoken
            turns:
              - send: hello
                expect_server: {messages: 5, lead: {email: ada@example.com}}
            """)
        var options = RunOptions()
        options.demoPaceMs = 0
        let report = try await ScriptRunner.run(script, suiteName: "extras", options: options)
        let failures = report.results.flatMap(\.failures)
        let named = failures.filter { $0.hasPrefix("expect_server.") }
        #expect(named.count == 2 && named.allSatisfy { $0.contains("-[redacted]") }, "\(failures)")
        for f in failures { #expect(!f.contains("eyJ"), "\(f)") }
    }

    @Test func badLeadsAndRatingsAreRefusedWhenRead() {
        #expect(throws: ScriptError("turns[1].lead.email: Enter an email like name@example.com.")) {
            try Script.parse("target: {demo: true}\nturns:\n  - send: hi\n    lead: {email: nope}\n")
        }
        #expect(throws: ScriptError("turns[1].rate: 'meh' is not up or down")) {
            try Script.parse("target: {demo: true}\nturns:\n  - send: hi\n    rate: meh\n")
        }
    }

    @Test func recordedRatingsAndLeadsAreWrittenBack() throws {
        var turn = Turn(id: 1, agentID: "demo-nova", agentName: "Nova", userText: "hi")
        turn.answer = "Hello! How can I help?"
        turn.status = .complete
        var r = RecordedTurn(turn: turn)
        r.submissions = [WidgetSubmission(kind: .rating, agentID: "demo-nova", turnID: 1, rating: .down, outcome: .accepted),
                         WidgetSubmission(kind: .lead, agentID: "demo-nova", fields: LeadValues(name: "Ada", email: "ada@example.com").fields,
                                          outcome: .accepted)]
        let script = Script.recorded([r], target: .demo())
        let yaml = script.yamlText()
        #expect(yaml.contains("rate: down"))
        #expect(yaml.contains("email: ada@example.com"))
        let back = try Script.parse(yaml, fileName: "r.yaml")
        #expect(back.turns[0].extras.rate == .down)
        #expect(back.turns[0].extras.lead == LeadValues(name: "Ada", email: "ada@example.com"))
    }
}

/// Leads and ratings in the transcript autosave (JSON Lines) and its Markdown.
@Suite(.timeLimit(.minutes(2))) struct SubmissionTranscriptTests {
    @Test func ratingsAndLeadsAreAutosavedWithTheirTurn() async throws {
        let dir = NSTemporaryDirectory() + "robofy-sub-" + UUID().uuidString.prefix(8)
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        let path = dir + "/t.jsonl"
        let store = TranscriptStore(path: path)
        try store.prepare()
        let recorder = SessionRecorder(store: store, target: "demo", projectID: DemoServer.projectID)
        try await DemoServer.with { server in
            let t = RobofyTarget(baseURL: server.baseURL, projectID: DemoServer.projectID, chatbotID: DemoServer.chatbotID)
            let s = ChatSession(client: RobofyClient(target: t), taps: [recorder.tap])
            let turn = await s.send("hello")
            await s.submitRating(turnID: turn.id, rating: .up, path: DemoServer.demoRatingsPath)
            await s.submitLead(LeadValues(name: "Ada", email: "ada@example.com"), path: DemoServer.demoLeadsPath)
            await s.close()
        }
        recorder.flush()
        store.close()
        let file = TranscriptStore.parse(try Data(contentsOf: URL(fileURLWithPath: path)))
        #expect(file.records.map(\.kind).filter { $0 != .progress } == [.start, .turnStarted, .turn, .submission, .submission])
        #expect(file.entries.first?.submissions.map(\.kind) == [.rating, .lead])
        let md = TranscriptRendering.markdown(file)
        #expect(md.contains("_Rating 👍 of turn 1 — accepted (HTTP 201)_"))
        #expect(md.contains("_Lead name Ada, email ada@example.com — accepted (HTTP 201)_"))
        // F9 scripts replay them.
        #expect(recorder.recordedTurns.first?.submissions.count == 2)
    }
}
