import Terminal
import Testing
import WidgetUI

/// Alt with a letter the key map binds (Alt-C copy, Alt-M mouse) arrives as Esc and the letter.
@Suite struct AltKeyTests {
    func decode(_ s: String) -> [TerminalInput] {
        var d = KeyDecoder()
        return d.decode(s.unicodeScalars.map { .scalar($0) })
    }

    @Test func escThenABoundLetterIsAltLetter() {
        #expect(KeyMap.altLetters.isSuperset(of: ["c", "m"]))
        #expect(decode("\u{1B}c") == [.key(.alt("c"))])
        #expect(decode("\u{1B}m") == [.key(.alt("m"))])
        // A letter no Alt key uses stays Esc, then the letter; Esc alone at the end of a read is Esc.
        #expect(decode("\u{1B}x") == [.key(.escape), .key(.char("x"))])
        #expect(decode("c\u{1B}") == [.key(.char("c")), .key(.escape)])
    }
}
