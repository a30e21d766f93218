import DemoServer
import Foundation
import Testing
import TestSupport

/// Search (Ctrl-F) and retry/edit (Alt-R, Alt-E, ←/→) in the real binary in tmux against the demo server:
/// the match highlighted (read from tmux's cell attributes) and scrolled to, n moving on; two versions of
/// an answer, the server asked twice in one session, the notice; an edited question sent.
@Suite(.serialized, .timeLimit(.minutes(3))) struct SearchRetryTests: ScratchSuite {
    let dir: String

    init() throws {
        dir = try Self.makeScratch("robofy-search")
    }

    var env: [String: String] {
        ["XDG_STATE_HOME": dir + "/state", "XDG_CONFIG_HOME": dir + "/xdg", "TERM": "xterm-256color", "LANG": "C.UTF-8"]
    }

    static var fast: DemoServerOptions {
        var o = DemoServerOptions()
        o.defaultDeltaDelayMs = 0
        return o
    }

    func chat(_ bin: String, base: String, transcript: String) throws -> Tmux {
        guard Binary.tmuxAvailable else { throw E2EError("tmux is not installed (apt-get install tmux)") }
        return try Tmux(command: "'\(bin)' chat --base-url '\(base)' --project-id \(DemoServer.projectID) --chatbot-id "
                            + "\(DemoServer.chatbotID) --transcript '\(transcript)'; echo \"EXIT=$?\"", env: env)
    }

    /// The bold, underline and reverse attributes of each visible character of a `capture-pane -e` line.
    struct Attributed {
        var text = ""
        var attrs: [(bold: Bool, underline: Bool, reverse: Bool)] = []

        init(_ line: Substring) {
            var bold = false, underline = false, reverse = false
            var chars = Array(line)
            var i = 0
            while i < chars.count {
                if chars[i] == "\u{1B}", i + 1 < chars.count, chars[i + 1] == "[" {
                    var j = i + 2
                    var params = ""
                    while j < chars.count, !chars[j].isLetter { params.append(chars[j]); j += 1 }
                    if j < chars.count, chars[j] == "m" {
                        var ps = params.split(separator: ";", omittingEmptySubsequences: false).map { Int($0) ?? 0 }
                        if ps.isEmpty { ps = [0] }
                        var k = 0
                        while k < ps.count {
                            switch ps[k] {
                            case 0: bold = false; underline = false; reverse = false
                            case 1: bold = true
                            case 4: underline = true
                            case 7: reverse = true
                            case 22: bold = false
                            case 24: underline = false
                            case 27: reverse = false
                            case 38, 48: k += ps.indices.contains(k + 1) && ps[k + 1] == 5 ? 2 : 4
                            default: break
                            }
                            k += 1
                        }
                    }
                    i = j + 1
                    continue
                }
                text.append(chars[i])
                attrs.append((bold, underline, reverse))
                i += 1
            }
            chars = []
        }

        /// The attributes at the start of each occurrence of `word`.
        func at(_ word: String) -> [(bold: Bool, underline: Bool, reverse: Bool)] {
            var out: [(Bool, Bool, Bool)] = []
            var from = text.startIndex
            while let r = text.range(of: word, range: from..<text.endIndex) {
                out.append(attrs[text.distance(from: text.startIndex, to: r.lowerBound)])
                from = r.upperBound
            }
            return out
        }
    }

    @Test func ctrlFHighlightsTheMatchScrollsToItAndNMovesOn() async throws {
        let bin = try binary()
        try await DemoServer.with(Self.fast) { server in
            let t = try chat(bin, base: server.baseURL, transcript: dir + "/search.jsonl")
            #expect(t.waitFor("Hi, I'm Nova").ok)
            t.type("my name is Quixote")
            t.keys("Enter")
            #expect(t.waitFor(timeout: 20) { $0.contains("Nice to meet you, Quixote") }.ok)
            // A long answer pushes the name out of view.
            t.type("/long 400")
            t.keys("Enter")
            let pushed = t.waitFor(timeout: 20) { !$0.contains("Quixote") && $0.contains("Enter send") }
            #expect(pushed.ok, "the name is still in view:\n\(pushed.screen)")
            t.keys("C-f")
            t.type("quixote")
            let found = t.waitFor(timeout: 10) { $0.contains("Find: quixote") && $0.contains("1/2") && $0.contains("Nice to meet you, Quixote") }
            #expect(found.ok, "the match was not scrolled to:\n\(found.screen)")
            // The current match (the newest, in the answer): bold and underlined (the other matches: reversed only).
            func line(_ containing: String) -> Attributed? {
                t.screenWithAttributes().split(separator: "\n").map(Attributed.init).first { $0.text.contains(containing) }
            }
            let answer = try #require(line("Nice to meet you, Quixote"))
            let current = try #require(answer.at("Quixote").first)
            #expect(current.bold && current.underline,
                    "\(answer.text): \(current)\n\(t.screenWithAttributes().replacingOccurrences(of: "\u{1B}", with: "^["))")
            // The other match (the question, older), when in view, is reversed.
            if let question = line("my name is Quixote"), let other = question.at("Quixote").first {
                #expect(other.reverse && !other.underline, "\(question.text): \(other)")
            }
            // Enter ends the typing; n moves to the older match, the question: now the current one.
            t.keys("Enter")
            t.type("n")
            let moved = t.waitFor(timeout: 10) { $0.contains("2/2") && $0.contains("my name is Quixote") }
            #expect(moved.ok, "n did not move to the next match:\n\(moved.screen)")
            let q = try #require(line("my name is Quixote")).at("Quixote").first
            #expect(q?.bold == true && q?.underline == true, "\(String(describing: q))")
            if let a = line("Nice to meet you, Quixote")?.at("Quixote").first {
                #expect(a.reverse && !a.underline, "the answer's match is no longer the current one: \(a)")
            }
            // Esc closes the search: the input is back.
            t.keys("Escape")
            let closed = t.waitFor(timeout: 10) { !$0.contains("Find:") && $0.contains("›") }
            #expect(closed.ok, "\(closed.screen)")
            t.keys("F10")
            #expect(t.waitUntilExit() == 0)
        }
    }

    @Test func altRAsksAgainAltEEditsAndArrowsSwitchVersions() async throws {
        let bin = try binary()
        let path = dir + "/retry.jsonl"
        try await DemoServer.with(Self.fast) { server in
            let t = try chat(bin, base: server.baseURL, transcript: path)
            #expect(t.waitFor("Hi, I'm Nova").ok)
            t.type("my name is Ada")
            t.keys("Enter")
            #expect(t.waitFor(timeout: 20) { $0.contains("Nice to meet you, Ada") && $0.contains("Enter send") }.ok)
            // Alt-R: the same question again, in the same session (the demo counts its turns).
            t.keys("M-r")
            let again = t.waitFor(timeout: 20) { $0.contains("‹ 2/2 ›") && $0.contains("(turn 2 of this conversation)") }
            #expect(again.ok, "no second version:\n\(again.screen)")
            #expect(again.screen.contains("session id"), "the notice is not shown:\n\(again.screen)")
            #expect(again.screen.components(separatedBy: "my name is Ada").count == 2, "the question shows once:\n\(again.screen)")
            // ← (input empty): the earlier version; → back.
            t.keys("Left")
            let first = t.waitFor(timeout: 10) { $0.contains("‹ 1/2 ›") && !$0.contains("(turn 2 of") }
            #expect(first.ok, "← did not show the earlier version:\n\(first.screen)")
            #expect(first.screen.contains("Nice to meet you, Ada"))
            t.keys("Right")
            #expect(t.waitFor(timeout: 10) { $0.contains("‹ 2/2 ›") && $0.contains("(turn 2 of") }.ok)
            // Alt-E: the question comes back into the input; edited, Enter sends it as a third version.
            t.keys("M-e")
            #expect(t.waitFor(timeout: 10) { $0.contains("› my name is Ada") && $0.contains("Editing the last question") }.ok)
            t.keys("C-u")
            t.type("my name is Grace")
            t.keys("Enter")
            let edited = t.waitFor(timeout: 20) { $0.contains("Nice to meet you, Grace") && $0.contains("‹ 3/3 ›") }
            #expect(edited.ok, "the edited question was not sent:\n\(edited.screen)")
            #expect(!edited.screen.contains("my name is Ada"), "\(edited.screen)")
            t.keys("F10")
            #expect(t.waitUntilExit() == 0)

            // The transcript has the three turns, the later two marked as versions of the one before.
            let jsonl = try String(contentsOfFile: path, encoding: .utf8)
            let started = jsonl.split(separator: "\n").compactMap { line -> [String: Any]? in
                guard let o = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any],
                      o["kind"] as? String == "turn-started" else { return nil }
                return o
            }
            #expect(started.map { $0["userText"] as? String } == ["my name is Ada", "my name is Ada", "my name is Grace"])
            #expect(started.map { $0["versionOf"] as? Int } == [nil, 1, 2], "\(jsonl)")
            let sessions = Set(jsonl.split(separator: "\n").compactMap { line -> String? in
                guard let o = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any], o["kind"] as? String == "turn"
                else { return nil }
                return (o["turn"] as? [String: Any])?["sessionID"] as? String
            })
            #expect(sessions.count == 1, "one session id: \(sessions)")
            let session = try #require(sessions.first)
            // The server received the question twice (and the edited one) in that one session.
            let inbox = await shOff([bin, "inbox", "--base-url", server.baseURL, "--chatbot-id", DemoServer.chatbotID,
                                     "--session", session, "--json"], env: ["ROBOFY_API_KEY": DemoServer.accountAPIKey])
            #expect(inbox.status == 0, "\(inbox.out)")
            #expect(inbox.out.components(separatedBy: "my name is Ada").count - 1 == 2, "\(inbox.out)")
            #expect(inbox.out.contains("my name is Grace"), "\(inbox.out)")
            // `transcript --markdown` reads it and says which turns are versions.
            let md = await shOff([bin, "transcript", path, "--markdown"], env: env)
            #expect(md.status == 0, "\(md.out)")
            #expect(md.out.contains("A new version of turn 1") && md.out.contains("A new version of turn 2"), "\(md.out)")
        }
    }
}
