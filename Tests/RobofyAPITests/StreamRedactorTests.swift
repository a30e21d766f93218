import Foundation
import Testing
@testable import RobofyAPI

/// Text redacted as it arrives in pieces reads as the whole text redacted at once, however
/// it was cut: a token split across deltas is redacted whole, and none reaches the output.
@Suite struct StreamRedactorTests {
    /// Feeds `pieces` and finishes; returns what came out, and what came out before the end.
    func stream(_ pieces: [String]) -> (all: String, beforeEnd: String) {
        var r = StreamRedactor()
        var out = ""
        for p in pieces { out += r.feed(p) }
        let before = out
        out += r.finish()
        return (out, before)
    }

    /// `text` cut at random places into pieces of 1 to `most` bytes (on scalar boundaries).
    func pieces(_ text: String, most: Int, rng: inout some RandomNumberGenerator) -> [String] {
        let scalars = Array(text.unicodeScalars)
        var out: [String] = []
        var i = 0
        while i < scalars.count {
            let n = Int.random(in: 1...most, using: &rng)
            var s = String.UnicodeScalarView()
            s.append(contentsOf: scalars[i..<min(scalars.count, i + n)])
            out.append(String(s))
            i += n
        }
        return out
    }

    @Test func piecesReadAsTheWholeTextRedacted() {
        // (Two JWTs with nothing between them read as one with a longer tail, and the rest
        // is no JWT: a JWT word here always ends with a space.)
        // A secret of this test alone (the registry is the process's), one with spaces and
        // a quote in it (a hostile handshake may give any token), a JWT, bearer tokens.
        let token = "rbf_" + UUID().uuidString.replacingOccurrences(of: "-", with: "")
        let odd = "odd \"secret\" " + UUID().uuidString
        Redaction.remember(token)
        Redaction.remember(odd)
        let jwt = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ4In0.c2lnbmF0dXJl"
        let words = ["Your", "token", "is", token, "and", "this", "is", odd, "a", "JWT:", jwt + " ", "then", "Bearer", "abc.def-123",
                     "bearer\n", "xyz", "BEARER\t\t", token + ".", "(" + jwt + ")", "naïve", "café", "日本語", "👩‍👩‍👧",
                     "e\u{301}", "https://example.com/a?b=c", "**bold**", "`code`", "\n\n", "- item", "\n",
                     // White space the bearer pattern takes after "Bearer" (a no-break space, an em
                     // space, an ideographic space, NEL), and the two letters it takes ignoring case.
                     "Bearer\u{A0}", "bearer\u{2003}", "BEARER\u{3000}\u{85}", "Bearer \u{202F}",
                     "x\u{212A}y", "\u{17F}\u{17F}", token + "\u{212A}tail", "ab\u{17F}" + token]
        var rng = SystemRandomNumberGenerator()
        for round in 0..<300 {
            var text = ""
            for _ in 0..<Int.random(in: 1...40, using: &rng) {
                text += words.randomElement(using: &rng)! + (Bool.random(using: &rng) ? " " : "")
            }
            let whole = Redaction.redact(text)
            for most in [1, 3, 17, 200] {
                let got = stream(pieces(text, most: most, rng: &rng)).all
                #expect(got == whole, "round \(round), pieces of up to \(most): \(text.debugDescription)")
                #expect(!got.contains(token) && !got.contains(odd) && !got.contains("c2lnbmF0dXJl"), "\(text.debugDescription)")
            }
        }
    }

    @Test func proseIsShownAWordLateAndALongWordIsNotHeldToTheEnd() {
        var r = StreamRedactor()
        #expect(r.feed("Hello wor") == "Hello ")
        #expect(r.isHolding)
        #expect(r.feed("ld, and more") == "world, and ")
        #expect(r.finish() == "more")
        #expect(!r.isHolding)
        // A "Bearer" waits, with the line breaks after it, for the token that may follow.
        #expect(r.feed("Use Bearer\n\n") == "Use ")
        #expect(r.heldEndsWithBreaks == (true, true))
        #expect(r.feed("abc.def more") == "Bearer [redacted] ")
        #expect(r.heldEndsWithBreaks == (false, false))
        #expect(r.finish() == "more")
        // A blob of token characters longer than `maxHold` comes out while it streams.
        let blob = String(repeating: "QUJD", count: StreamRedactor.maxHold / 2)
        let out = stream(stride(from: 0, to: blob.count, by: 1000).map { String(blob.dropFirst($0).prefix(1000)) })
        #expect(out.all == blob)
        #expect(out.beforeEnd.count >= StreamRedactor.maxHold, "\(out.beforeEnd.count) bytes before the end")
    }

    /// A word longer than `maxHold` comes out as it grows, and what it hides stays hidden: a
    /// remembered token inside it, a "bearer" that turns out to be followed by a token, a JWT.
    /// The text held back never grows past `maxHold` and a piece.
    @Test func aLongWordComesOutAsItGrowsWithItsSecretsRedacted() {
        let token = "rbf_" + UUID().uuidString.replacingOccurrences(of: "-", with: "")
        Redaction.remember(token)
        let jwt = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ5In0.c2lnbmF0dXJlMg"
        let parts = ["QUJD", "RUZH", token, "bearer", "+", "/", "-", ".", "ey", "J", "eyJ", "=", jwt, "ab"]
        var rng = SystemRandomNumberGenerator()
        for round in 0..<40 {
            var word = ""
            while word.utf8.count < StreamRedactor.maxHold + 4000 { word += parts.randomElement(using: &rng)! }
            let text = "Here: " + word + (Bool.random(using: &rng) ? " Bearer " + token : "") + " — then the rest."
            let whole = Redaction.redact(text)
            for most in [1, 21, 500] {
                var r = StreamRedactor()
                var got = "", most_held = 0
                for p in pieces(text, most: most, rng: &rng) {
                    got += r.feed(p)
                    most_held = max(most_held, r.heldCount)
                }
                let before = got
                got += r.finish()
                let what = "round \(round), pieces of up to \(most)"
                #expect(!got.contains(token), "\(what)")
                // (A JWT run on from other JWT characters with dots may not read as one, whole.)
                #expect(!got.contains("c2lnbmF0dXJlMg") || whole.contains("c2lnbmF0dXJlMg"), "\(what)")
                #expect(got.range(of: "(?i)bearer\\s+[A-Za-z0-9._~+/=-]", options: .regularExpression) == nil, "\(what)")
                #expect(got.hasSuffix(" — then the rest."), "\(what)")
                #expect(most_held <= StreamRedactor.maxHold + most, "\(what): \(most_held) bytes held")
                #expect(before.utf8.count >= StreamRedactor.maxHold / 2, "\(what): \(before.utf8.count) bytes before the end")
                // Replaced whole only for a JWT's characters from an "eyJ" longer than the hold.
                if !word.contains("eyJ") { #expect(got == whole, "\(what): \(text.debugDescription)") }
            }
        }
    }

    @Test func aBearerTokenOrAJWTLongerThanTheHoldIsReplacedWhole() {
        let long = String(repeating: "QUJDRUZH", count: StreamRedactor.maxHold / 4)
        let cases = [
            ("Use Bearer " + long + " then more", "Use Bearer [redacted] then more"),
            ("Use bearer\u{A0}\n" + long + "\nthen", "Use Bearer [redacted]\nthen"),
            ("Bearer " + long + "\u{212A}\u{17F}" + long + " more", "Bearer [redacted] more"),
            ("A JWT eyJ" + long + "." + long + ".sig! then", "A JWT [redacted]! then"),
            // Its characters from the "eyJ" on, dots or not: what follows may make it a JWT.
            ("blob:" + long + "eyJ" + long + "+end", "blob:" + long + "[redacted]+end"),
        ]
        var rng = SystemRandomNumberGenerator()
        for (text, expected) in cases {
            let cut = pieces(text, most: 21, rng: &rng)
            #expect(stream(cut).all == expected, "\(text.prefix(40).debugDescription)…")
        }
        // The whole text redacted at once reads the same, but for the last (no JWT yet).
        for (text, expected) in cases.dropLast() { #expect(Redaction.redact(text) == expected) }
    }
    /// Where a writer that keeps text in pieces (the autosave) may cut a long word: its last
    /// `maxHold` bytes kept, and never inside a secret, a "bearer", a JWT or a character.
    @Test func aLongWordIsCutBeforeASecretABearerOrAJWTThatTheCutWouldSplit() {
        let secret = "sk" + UUID().uuidString.replacingOccurrences(of: "-", with: "")
        Redaction.remember(secret)
        let hold = StreamRedactor.maxHold
        func word(_ filler: Int, _ middle: String, _ tail: Int) -> [UInt8] {
            Array((String(repeating: "a", count: filler) + middle + String(repeating: "b", count: tail)).utf8)
        }
        // Across the place to cut (hold bytes before the end): the cut goes back to its start.
        for middle in [secret, "xBeArErx", "eyJ" + String(repeating: "Q", count: 40)] {
            let b = word(20_000, middle, hold - 5)
            #expect(StreamRedactor.cutInLongWord(b) == 20_000 + (middle.hasPrefix("x") ? 1 : 0), "\(middle)")
        }
        // Clear of it: all but the last hold bytes.
        let clear = word(20_000, secret, hold + 100)
        #expect(StreamRedactor.cutInLongWord(clear) == clear.count - hold)
        // Shorter than the hold: nothing.
        #expect(StreamRedactor.cutInLongWord(Array(repeating: 0x61, count: hold)) == 0)
        // Text with no token characters (CJK, no spaces) is cut too, between two characters.
        let cjk = Array(String(repeating: "東京", count: 10_000).utf8)
        let cut = StreamRedactor.cutInLongWord(cjk)
        #expect(cut > 0 && cut <= cjk.count - hold && cut % 3 == 0, "\(cut)")
    }
}
