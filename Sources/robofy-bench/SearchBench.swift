import Foundation
import WidgetUI

/// Search (Ctrl-F) over a 10,000-message conversation at 120×40: the time per keystroke of the
/// incremental search (the reducer's search and the frame that shows it), and to move to the next
/// match (n). The first keystroke also lowercases every message once (the index), shown apart.
enum SearchBench {
    static let messages = 10_000
    static let command = "swift run -c release robofy-bench search"

    static func run(_ report: Report, quick: Bool) {
        var s = Synthetic.state(messages: messages, handshake: nil)
        precondition(s.conversation.messages.count == messages)
        let renderer = Renderer()
        blackHole(renderer.render(s))
        let clock = ContinuousClock()
        var reduceOnly: [Double] = []
        func step(_ key: Key) -> Double {
            let r = clock.measure { _ = s.reduce(.key(key)) }.seconds
            reduceOnly.append(r)
            return r + clock.measure {
                let f = renderer.render(s)
                _ = s.reduce(f.shown)
                blackHole(f)
            }.seconds
        }
        // The first keystroke: every message lowercased once.
        _ = s.reduce(.key(.ctrl("f")))
        let first = step(.char("a"))
        _ = step(.ctrl("u"))
        // Each keystroke of a query typed again and again (from many matches down to a few).
        let query = "answer 4321"
        var keystrokes: [Double] = []
        var searchOnly: [Double] = []
        for _ in 0..<(quick ? 3 : 30) {
            for c in query {
                keystrokes.append(step(.char(c)))
                searchOnly.append(reduceOnly.last ?? 0)
            }
            _ = step(.ctrl("u"))
        }
        // n: the next match up, in a query that matches most messages.
        for c in "theme colour" { _ = step(.char(c)) }
        _ = step(.enter)
        let matches = s.search?.total ?? 0
        var next: [Double] = []
        for _ in 0..<(quick ? 20 : 400) { next.append(step(.char("n"))) }
        // The far jump: from the newest match, N wraps to the oldest (the layouts above laid out once).
        _ = step(.escape)
        _ = s.reduce(.key(.ctrl("f")))
        for c in "theme colour" { _ = s.reduce(.key(.char(c))) }
        _ = step(.enter)
        let far = step(.char("N"))
        let farAgain = step(.char("n")) + step(.char("N"))
        let detail = ["messages": "\(messages)", "query": query, "runs": "\(keystrokes.count)"]
        report.add(Figure(key: "search.keystroke", name: "Search keystroke, 10,000 messages (search + frame)",
                          value: median(keystrokes) * 1000, unit: "ms", target: "< 16.7 ms (no pause)",
                          pass: median(keystrokes) * 1000 < 16.7, command: command,
                          detail: detail.merging(["max_ms": String(format: "%.3f", (keystrokes.max() ?? 0) * 1000),
                                                  "first_keystroke_ms": String(format: "%.3f", first * 1000),
                                                  "search_only_ms": String(format: "%.3f", median(searchOnly) * 1000)]) { $1 }))
        report.add(Figure(key: "search.next", name: "Search: next match (n), 10,000 messages",
                          value: median(next) * 1000, unit: "ms", target: "< 16.7 ms (no pause)",
                          pass: median(next) * 1000 < 16.7, command: command,
                          detail: ["messages": "\(messages)", "matches": "\(matches)", "runs": "\(next.count)",
                                   "max_ms": String(format: "%.3f", (next.max() ?? 0) * 1000),
                                   "jump_to_oldest_first_ms": String(format: "%.3f", far * 1000),
                                   "jump_to_oldest_again_ms": String(format: "%.3f", farAgain / 2 * 1000)]))
    }
}
