import Testing
@testable import RobofyText
import TestSupport

@Suite struct TextSanitizerSplitTests {
    /// Pieces of server text with escape sequences, C1 controls, multi-byte scalars and
    /// line feeds in every order.
    private static let pieces: [String] = [
        "\n", "\n", "text ", "日本", "👍🏽", "\u{1B}[31m", "\u{1B}[", "\u{1B}]8;;https://x\u{07}", "\u{1B}]0;t",
        "\u{07}", "\u{1B}\\", "\u{1B}P", "\u{9C}", "\u{9B}1", "m", "\u{9D}", "\u{1B}(", "B", "\u{1B}",
        "\r", "\t", "\u{2028}", "\u{90}", "\u{18}", "\u{201C}q\u{201D}", "\u{1F3F4}\u{E0067}",
    ]

    /// Wherever the splitter says a text may be split, cleaning the two parts apart
    /// gives exactly the cleaning of the whole: what the streaming Markdown relies on
    /// to freeze past escape sequences.
    @Test func splittingAtTheLineFeedsItFindsNeverChangesTheCleanText() {
        var rng = SeededRandom(seed: 16)
        var splits = 0
        for _ in 0..<2_000 {
            var text = ""
            for _ in 0..<rng.int(12) + 1 { text += rng.pick(Self.pieces) }
            let bytes = Array(text.utf8)
            var splitter = Sanitizer.LineSplitter()
            for (i, b) in bytes.enumerated() where splitter.take(b) {
                let a = String(decoding: bytes[...i], as: UTF8.self)
                let rest = String(decoding: bytes[(i + 1)...], as: UTF8.self)
                #expect(Sanitizer.clean(a) + Sanitizer.clean(rest) == Sanitizer.clean(text), "\(Array(text.unicodeScalars))")
                splits += 1
            }
        }
        #expect(splits > 500)
    }

    /// A line feed inside an unterminated OSC string is no place to split.
    @Test func aLineFeedInsideAnOSCStringIsNotASplit() {
        var splitter = Sanitizer.LineSplitter()
        let found = Array("a\u{1B}]0;x\nb\u{07}\nc\n".utf8).enumerated().filter { splitter.take($0.element) }.map(\.offset)
        #expect(found == [9, 11])
    }
}
