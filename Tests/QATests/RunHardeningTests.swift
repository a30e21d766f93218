import DemoServer
import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif
import RobofyAPI
import RobofySession
import Testing
import WidgetUI
@testable import RobofyQA

/// Bytes that must never leave `run` (stdout, JUnit): ESC, BEL, other C0 but LF/TAB, C1, bidi overrides.
func forbiddenScalars(in s: String) -> [String] {
    s.unicodeScalars.compactMap { u -> String? in
        let v = u.value
        let bad = (v < 0x20 && v != 0x0A && v != 0x09) || (0x7F...0x9F).contains(v)
            || (0x202A...0x202E).contains(v) || (0x2066...0x2069).contains(v)
        return bad ? String(format: "U+%04X", v) : nil
    }
}

@Suite(.timeLimit(.minutes(1))) struct RunHardeningTests {
    static let hostile = "\u{1B}]52;c;cm0gLXJmIH4=\u{07}x\u{9B}31m\u{1B}[2Jy invoice\u{202E}fdp.exe \u{2066}z\u{2069}\u{0}"

    func hostileReport() -> RunReport {
        var turn = Turn(id: 1, agentID: "a", agentName: "A", userText: "hi", startedAt: Date())
        turn.answer = "answer " + Self.hostile
        turn.tools = [ToolCall(id: "1", name: "tool" + Self.hostile, state: .done)]
        turn.sessionID = "sid" + Self.hostile
        turn.finishReason = "stop" + Self.hostile
        turn.errors = ["boom" + Self.hostile]
        turn.status = .complete
        let result = TurnResult(index: 1, send: "hi" + Self.hostile, agent: "a", turn: turn,
                                failures: ["contains “x”: not in the answer " + Self.hostile], seconds: 0.5)
        return RunReport(suiteName: "s" + Self.hostile, target: "t" + Self.hostile, startedAt: Date(), seconds: 1,
                         results: [result])
    }

    @Test func junitHoldsNoEscapesAndIsValidXML() throws {
        let xml = JUnitReport.xml(hostileReport())
        #expect(forbiddenScalars(in: xml) == [])
        let parser = XMLParser(data: Data(xml.utf8))
        #expect(parser.parse(), "\(parser.parserError.map { "\($0)" } ?? "")")
        #expect(xml.contains("tools: toolxy invoicefdp.exe z"), "the visible text stays")
    }

    @Test func runOutputHoldsNoEscapes() {
        let r = hostileReport().results[0]
        let text = RunOutput.lines(for: r, verbose: true).joined(separator: "\n")
        #expect(forbiddenScalars(in: text) == [])
        #expect(text.contains("tools: toolxy invoicefdp.exe z"))
    }

    @Test func tokensAreRedactedFromTurns() {
        let token = "tok-\(UUID().uuidString)"
        var turn = Turn(id: 1, agentID: "a", agentName: "A", userText: "hi", startedAt: Date())
        turn.answer = "your token is \(token) and eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.c2lnbmF0dXJl"
        turn.tools = [ToolCall(id: "1", name: "t", input: "{\"auth\": \"\(token)\"}", output: token, state: .done)]
        turn.errors = ["401 for \(token)"]
        turn.sessionID = token
        Redaction.remember(token)
        let clean = ScriptRunner.redacted(turn)
        let all = [clean.answer, clean.tools[0].input, clean.tools[0].output ?? "", clean.errors[0], clean.sessionID ?? ""]
        for s in all {
            #expect(!s.contains(token))
            #expect(!s.contains("eyJhbGci"))
        }
        #expect(clean.answer.contains(Redaction.placeholder))
    }

    /// 9 levels of 9 aliases: 387 million values once expanded. Refused, quickly.
    static let aliasBomb: String = {
        var lines = ["a0: &a0 [\"lol\"]"]
        for level in 1...9 {
            let refs = Array(repeating: "*a\(level - 1)", count: 9).joined(separator: ", ")
            lines.append("a\(level): &a\(level) [\(refs)]")
        }
        lines.append("target: {demo: true}")
        lines.append("turns: [hi]")
        return lines.joined(separator: "\n") + "\n"
    }()

    @Test func yamlAliasBombIsRefused() {
        #expect {
            _ = try Script.parse(Self.aliasBomb, fileName: "bomb.yaml")
        } throws: { e in
            "\(e)".contains("expands to more than \(Script.maxValues) values")
        }
        // Aliases in an ordinary script still work.
        let ok = try? Script.parse("""
            target: {demo: true}
            turns:
              - {send: a, expect: &c {contains: Paris}}
              - {send: b, expect: *c}
            """, fileName: "s.yaml")
        #expect(ok?.turns.last?.expect.contains == ["Paris"])
    }

    @Test func aScriptIsReadWithALimit() throws {
        #expect {
            _ = try Script.load(path: "/dev/zero")
        } throws: { e in
            "\(e)".contains("larger than 4 MiB")
        }
    }
}
