import Terminal
import Testing
import WidgetUI

/// A terminal's answer to the start-up image query that comes after its deadline (a slow
/// link) is skipped, not typed into the input; Esc followed by other text still means Esc.
@Suite struct TerminalReplyTests {
    func decode(_ reads: [String]) -> [TerminalInput] {
        var d = KeyDecoder()
        return reads.flatMap { d.decode($0.unicodeScalars.map { .scalar($0) }) }
    }

    @Test func aLateDeviceAttributesReplyIsNotTyped() {
        #expect(decode(["\u{1B}[?62;22c"]) == [])
        #expect(decode(["\u{1B}[?6", "2;4;22c", "a"]) == [.key(.char("a"))])
    }

    @Test func aLateKittyReplyIsNotTyped() {
        #expect(decode(["\u{1B}_Gi=31;OK\u{1B}\\"]) == [])
        #expect(decode(["\u{1B}_Gi=31;", "ENOTSUPPORTED\u{1B}", "\\x"]) == [.key(.char("x"))])
        #expect(decode(["\u{1B}_Gi=31;OK\u{07}y"]) == [.key(.char("y"))])
    }

    @Test func escThenABracketIsStillEscAndTheText() {
        #expect(decode(["\u{1B}[x"]) == [.key(.escape), .key(.char("[")), .key(.char("x"))])
        #expect(decode(["\u{1B}["]) == [.key(.escape), .key(.char("["))])
        #expect(decode(["\u{1B}"]) == [.key(.escape)])
    }

    /// Alt-_ (the shell's yank-last-arg) is Esc and "_", and what is typed after it still arrives.
    @Test func escThenAnUnderscoreIsStillEscAndTheText() {
        let esc: [TerminalInput] = [.key(.escape), .key(.char("_"))]
        #expect(decode(["\u{1B}_ab"]) == esc + [.key(.char("a")), .key(.char("b"))])
        #expect(decode(["\u{1B}_", "ab"]) == esc + [.key(.char("a")), .key(.char("b"))])
    }
}
