import Foundation
import Testing
@testable import RobofyAPI
import RobofySession
import RobofyText

/// The eight-bytes-at-a-time scans agree with a byte at a time, wherever the bytes that
/// matter fall in a word (and across words).
@Suite struct ByteWordsTests {
    @Test func wordTestsAreExact() {
        var rng = SystemRandomNumberGenerator()
        let interesting: [UInt8] = [0x00, 0x01, 0x0A, 0x0D, 0x1F, 0x20, 0x21, 0x22, 0x42, 0x5C, 0x62, 0x65, 0x7E, 0x7F, 0x80, 0xC2, 0xFF]
        for _ in 0..<20_000 {
            var bytes = (0..<8).map { _ in UInt8.random(in: 0x21...0x7E, using: &rng) }
            for _ in 0..<Int.random(in: 0...3, using: &rng) {
                bytes[Int.random(in: 0..<8, using: &rng)] = interesting.randomElement(using: &rng) ?? 0
            }
            let x = bytes.withUnsafeBufferPointer { ByteWords.load($0, 0) }
            #expect(ByteWords.hasHigh(x) == bytes.contains { $0 >= 0x80 })
            for c: UInt8 in [0x0D, 0x22, 0x5C, 0x65, 0x7F] {
                #expect(ByteWords.has(x, c) == bytes.contains(c), "\(bytes) \(c)")
                // Where the first one is (8: none).
                #expect(ByteWords.matches(x, c).trailingZeroBitCount / 8 == (bytes.firstIndex(of: c) ?? 8), "\(bytes) \(c)")
            }
            for n: UInt8 in [0x20, 0x01, 0x80] { #expect(ByteWords.hasLess(x, n) == bytes.contains { $0 < n }, "\(bytes) < \(n)") }
        }
    }

    /// Texts with the bytes that matter at every offset: quoting, the redaction's first look,
    /// counting characters and decoding a delta give what a byte at a time gives.
    @Test func scansFindWhatMattersAtEveryOffset() throws {
        let specials = ["\"", "\\", "\n", "\r\n", "\r", "\u{1}", "\u{7F}", "\u{85}", "é", "🙂", "bearer x", "BEARER", "eyJ", "\u{2028}", "\t"]
        for special in specials {
            for offset in 0..<20 {
                let text = String(repeating: "a", count: offset) + special + String(repeating: "z", count: 19 - offset % 7)
                // Quoting: valid JSON that reads back as the text.
                let quoted = JSONValue.quote(text)
                let back = try JSONSerialization.jsonObject(with: Data(quoted.utf8), options: [.fragmentsAllowed]) as? String
                #expect(back == text, "\(text.debugDescription) → \(quoted)")
                #expect(!quoted.unicodeScalars.contains { $0.value < 0x20 || $0.value == 0x7F || (0x80...0x9F).contains($0.value) })
                // Counting characters.
                #expect(Turn.characters(text) == text.count, "\(text.debugDescription)")
                // The redaction's first look never misses a start.
                let (bearer, jwt) = Redaction.mayHold(text)
                if text.lowercased().contains("bearer") { #expect(bearer, "\(text.debugDescription)") }
                if text.contains("eyJ") { #expect(jwt, "\(text.debugDescription)") }
                // The redaction's first look finds the starts of both in running prose too.
                let prose = "See the docs. " + text + " then quit."
                let (b2, j2) = Redaction.mayHold(prose)
                if prose.lowercased().contains("bearer") { #expect(b2, "\(prose.debugDescription)") }
                if prose.contains("eyJ") { #expect(j2, "\(prose.debugDescription)") }
                // A canonical delta of the text decodes to the text.
                let data = "{\"type\":\"text-delta\",\"id\":\"0\",\"delta\":" + quoted + "}"
                #expect(UIChunkDecoder.decode(data) == .textDelta(id: "0", delta: text))
            }
        }
    }

    /// The secret search (a token in a long answer) answers as `String.contains` does, wherever
    /// the token and near misses of it fall, whichever byte of the token it searches by.
    @Test func secretSearchAgreesWithContains() {
        var rng = SystemRandomNumberGenerator()
        let needles = ["eyJhbGciOiJIUzI1NiJ9.abc", "token-1234", "abcdefgh", "Zz9-Zz9-", "ends with Q", "sk_live_AB12"]
        let fillers = ["the quick brown fox ", "eyJ eyJh ey", "token-123 ", "abcdefg ", "Zz9-Zz9", "sk_live_A"]
        for _ in 0..<3_000 {
            let needle = needles.randomElement(using: &rng) ?? "x"
            var text = ""
            for _ in 0..<Int.random(in: 0...6, using: &rng) { text += fillers.randomElement(using: &rng) ?? "" }
            if Bool.random(using: &rng) {
                let at = text.index(text.startIndex, offsetBy: Int.random(in: 0...text.count, using: &rng))
                text.insert(contentsOf: needle, at: at)
            } else if Bool.random(using: &rng), !needle.isEmpty {
                text += needle.dropLast()  // a near miss at the very end
            }
            #expect(Redaction.contains(text, needle) == text.contains(needle), "\(needle) in \(text.debugDescription)")
        }
        #expect(Redaction.contains("x eyJhbGciOiJIUzI1NiJ9.abc", "eyJhbGciOiJIUzI1NiJ9.abc"))
        #expect(Redaction.contains("eyJhbGciOiJIUzI1NiJ9.abc", "eyJhbGciOiJIUzI1NiJ9.abc"))
        #expect(!Redaction.contains("eyJhbGciOiJIUzI1NiJ9.ab", "eyJhbGciOiJIUzI1NiJ9.abc"))
    }
}
