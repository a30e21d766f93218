import Foundation
import RobofySession
import Testing
@testable import RobofyQA

@Suite struct BaselineTests {
    func report(failing: Bool, tools: [String]) -> RunReport {
        var turn = Turn(id: 1, agentID: "demo-atlas", agentName: "Atlas", userText: "hi", startedAt: Date())
        turn.status = .complete
        turn.timing.firstText = 0.5
        turn.tools = tools.map { ToolCall(id: $0, name: $0, input: "{}") }
        return RunReport(suiteName: "weather", target: "t", startedAt: Date(), seconds: 1, results: [
            TurnResult(index: 1, send: "hi", agent: "demo-atlas", turn: turn, failures: failing ? ["contains “sun”: not in the answer"] : []),
        ])
    }

    @Test func outcomesAndToolsThatChangedAreListed() {
        let changes = Baseline.compare([report(failing: true, tools: [])], baseline: [report(failing: false, tools: ["get_weather"])], threshold: 1.5)
        #expect(changes.map(\.text) == [
            "weather turn 1: passed, now fails (contains “sun”: not in the answer)",
            "weather turn 1: tools get_weather → none",
        ])
        #expect(changes.allSatisfy { $0.regression })
        let better = Baseline.compare([report(failing: false, tools: [])], baseline: [report(failing: true, tools: [])], threshold: 1.5)
        #expect(better == [Baseline.Change(regression: false, text: "weather turn 1: failed, now passes")])
        #expect(Baseline.compare([report(failing: false, tools: [])], baseline: [report(failing: false, tools: [])], threshold: 1.5).isEmpty)
    }
}
