import Terminal
import Testing
import WidgetUI

/// What the terminal sends becomes the keys, pastes and clicks the user meant.
@Suite struct KeyDecoderTests {
    func decode(_ raw: [KeyDecoder.Raw]) -> [TerminalInput] {
        var d = KeyDecoder()
        return d.decode(raw)
    }

    func chars(_ s: String) -> [KeyDecoder.Raw] { s.unicodeScalars.map { .scalar($0) } }

    @Test func textAndControlKeys() {
        #expect(decode(chars("hi\r\t\u{7F}\u{03}\n")) == [
            .key(.char("h")), .key(.char("i")), .key(.enter), .key(.tab), .key(.backspace), .key(.ctrl("c")), .key(.newline),
        ])
        // Other control bytes are never typed into the message.
        #expect(decode(chars("\u{00}\u{1C}\u{1F}")) == [])
    }

    @Test func escAloneIsTheEscKey() {
        #expect(decode(chars("\u{1B}")) == [.key(.escape)])
        #expect(decode(chars("\u{1B}\u{1B}")) == [.key(.escape), .key(.escape)])
        // Esc then a key code: the Esc key, then that key.
        #expect(decode([.scalar("\u{1B}"), .code(.key(.up))]) == [.key(.escape), .key(.up)])
    }

    @Test func escFollowedByAKeyIsAlt() {
        #expect(decode(chars("\u{1B}b")) == [.key(.wordLeft)])
        #expect(decode(chars("\u{1B}f")) == [.key(.wordRight)])
        #expect(decode(chars("\u{1B}\u{7F}")) == [.key(.wordBackspace)])
        #expect(decode(chars("\u{1B}\r")) == [.key(.newline)])
        // An Alt combination the UI has no use for: Esc, then the key.
        #expect(decode(chars("\u{1B}x")) == [.key(.escape), .key(.char("x"))])
        // Alt-R and Alt-E (answer again, edit the last question): the key map binds them.
        #expect(decode(chars("\u{1B}r\u{1B}e")) == [.key(.alt("r")), .key(.alt("e"))])
    }

    @Test func escAtTheEndOfOneReadDoesNotWaitForTheNext() {
        var d = KeyDecoder()
        #expect(d.decode(chars("a\u{1B}")) == [.key(.char("a")), .key(.escape)])
        #expect(d.decode(chars("b")) == [.key(.char("b"))])
    }

    @Test func pasteKeepsEscAndControlBytesAsText() {
        let raw: [KeyDecoder.Raw] = [.code(.pasteStart)] + chars("one\rtwo\u{1B}[31m\u{03}") + [.code(.pasteEnd)]
        #expect(decode(raw) == [.paste("one\ntwo\u{1B}[31m\u{03}")])
    }

    @Test func aKeyCodeInsideAPasteIsDropped() {
        let raw: [KeyDecoder.Raw] = [.code(.pasteStart)] + chars("a") + [.code(.key(.up))] + chars("b") + [.code(.pasteEnd)]
        #expect(decode(raw) == [.paste("ab")])
    }

    @Test func aPasteSplitAcrossReadsIsOnePaste() {
        var d = KeyDecoder()
        #expect(d.decode([.code(.pasteStart)] + chars("first ")) == [])
        #expect(d.inPaste)
        // An Esc at the end of a read inside a paste is text, not the Esc key.
        #expect(d.decode(chars("half\u{1B}")) == [])
        #expect(d.decode(chars("[0m") + [.code(.pasteEnd)] + chars("x")) == [.paste("first half\u{1B}[0m"), .key(.char("x"))])
        #expect(!d.inPaste)
    }

    @Test func mouse() {
        #expect(decode([.code(.mouse(.button4, x: 1, y: 2))]) == [.wheel(3)])
        #expect(decode([.code(.mouse(.button5, x: 1, y: 2))]) == [.wheel(-3)])
        #expect(decode([.code(.mouse(.leftPressed, x: 7, y: 9))]) == [.click(x: 7, y: 9)])
        #expect(decode([.code(.mouse(.leftClicked, x: 3, y: 4))]) == [.click(x: 3, y: 4)])
        #expect(decode([.code(.mouse([], x: 3, y: 4))]) == [])
    }

    @Test func namedCodesAndResize() {
        #expect(decode([.code(.key(.function(10))), .code(.other), .code(.resize(width: 90, height: 30))])
            == [.key(.function(10)), .resize(width: 90, height: 30)])
    }
}
