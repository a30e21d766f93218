// Search: finding text in the conversation (Ctrl-F) — the per-message index, the matches and the current one.
// The search runs by message (over each message's lowercased text, computed once per finished message);
// the renderer then finds the matches in the visible lines (RendererSearch.swift).
import Foundation
import RobofyText
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A message that holds the query: where it is in the conversation and how many times.
public struct SearchMatch: Sendable, Equatable {
    /// Its index in the conversation's messages.
    public var index: Int
    public var messageID: Int
    /// How many times the query occurs in its text.
    public var count: Int
}

/// The search prompt's state (nil in `AppState.search` when it is closed).
public struct SearchState: Sendable, Equatable {
    public var query = ""
    /// The query is being typed (characters go to it); false: n/N move between matches.
    public var editing = true
    /// Messages holding the query, oldest first.
    public var matches: [SearchMatch] = []
    /// Occurrences in all of them.
    public var total = 0
    /// The current match: its message (an index into `matches`) and the occurrence in that
    /// message's text, from its top.
    public var current: (match: Int, occurrence: Int)? {
        get { currentMatch.map { ($0, currentOccurrence) } }
        set {
            currentMatch = newValue?.match
            currentOccurrence = newValue?.occurrence ?? 0
        }
    }
    var currentMatch: Int?
    var currentOccurrence = 0
    /// The current match's place counted from the newest match (1 is the newest).
    public var position = 0
    /// Bumped each time the current match changes: the renderer scrolls it into view once per change.
    public var reveal = 0
    /// How many messages the conversation had when the matches were found (a new message:
    /// they are found again, among all messages).
    var searchedCount = 0
    /// The longest query (a paste of a whole log stops here).
    public static let maxQuery = 256

    public init() {}

    /// The current match's message id and occurrence, for the renderer.
    public var target: (messageID: Int, occurrence: Int)? {
        guard let i = currentMatch, matches.indices.contains(i) else { return nil }
        return (matches[i].messageID, currentOccurrence)
    }

    /// "3/17", "no matches", or "" before anything is typed.
    public var counter: String {
        if query.isEmpty { return "" }
        if total == 0 { return "no matches" }
        return "\(position)/\(total)"
    }

    /// Moves to the next older match (up the conversation); wraps to the newest.
    mutating func older() {
        guard let i = currentMatch, total > 0 else { return }
        if currentOccurrence > 0 {
            currentOccurrence -= 1
            position += 1
        } else if i > 0 {
            currentMatch = i - 1
            currentOccurrence = matches[i - 1].count - 1
            position += 1
        } else {
            currentMatch = matches.count - 1
            currentOccurrence = matches[matches.count - 1].count - 1
            position = 1
        }
        reveal += 1
    }

    /// Moves to the next newer match (down the conversation); wraps to the oldest.
    mutating func newer() {
        guard let i = currentMatch, total > 0 else { return }
        if currentOccurrence + 1 < matches[i].count {
            currentOccurrence += 1
            position -= 1
        } else if i + 1 < matches.count {
            currentMatch = i + 1
            currentOccurrence = 0
            position -= 1
        } else {
            currentMatch = 0
            currentOccurrence = 0
            position = total
        }
        reveal += 1
    }
}

/// Each message's text in lower case, as UTF-8, computed once per message version (a
/// finished message is never lowercased again; the answer streaming in is, per search).
/// Kept by the message's place in its conversation (checked against its id and version).
public struct SearchIndex: Sendable {
    struct Entry: Sendable {
        var id: Int
        var version: Int
        var text: [UInt8]
    }
    var entries: [Entry?] = []

    public init() {}

    /// Makes sure entry `i` holds message `m`'s lowercased text.
    mutating func update(_ i: Int, _ m: ChatMessage) {
        if i >= entries.count { entries.append(contentsOf: repeatElement(nil, count: i + 1 - entries.count)) }
        if let e = entries[i], e.id == m.id, e.version == m.version { return }
        entries[i] = Entry(id: m.id, version: m.version, text: Array(Sanitizer.clean(m.text).lowercased().utf8))
    }

    /// Forgets what lies past the conversation's end.
    mutating func keep(count: Int) {
        if entries.count > count { entries.removeLast(entries.count - count) }
    }

    /// The messages holding `query` (case-insensitive), oldest first. `among`: only these
    /// message indices need looking at (the matches of a shorter query it extends).
    mutating func search(_ query: String, in messages: [ChatMessage], among: [Int]? = nil) -> [SearchMatch] {
        let needle = Array(query.lowercased().utf8)
        guard !needle.isEmpty else { return [] }
        var out: [SearchMatch] = []
        func look(_ i: Int) {
            update(i, messages[i])
            let n = entries[i].map { Self.count(needle, in: $0.text) } ?? 0
            if n > 0 { out.append(SearchMatch(index: i, messageID: messages[i].id, count: n)) }
        }
        if let among {
            for i in among where messages.indices.contains(i) { look(i) }
        } else {
            for i in messages.indices { look(i) }
        }
        return out
    }

    /// Occurrences of `needle` in `hay` (not overlapping), by bytes: the C library's `memchr` finds
    /// each candidate first byte, `memcmp` the rest (both fast in any build).
    static func count(_ needle: [UInt8], in hay: [UInt8]) -> Int {
        let n = needle.count, h = hay.count
        guard n > 0, h >= n else { return 0 }
        return hay.withUnsafeBytes { hb in
            needle.withUnsafeBytes { nb in
                guard let hs = hb.baseAddress, let ns = nb.baseAddress else { return 0 }
                let first = Int32(needle[0])
                var found = 0
                var offset = 0
                while h - offset >= n, let p = memchr(hs + offset, first, h - offset - n + 1) {
                    let at = hs.distance(to: UnsafeRawPointer(p))
                    if n == 1 || memcmp(hs + at + 1, ns + 1, n - 1) == 0 {
                        found += 1
                        offset = at + n
                    } else {
                        offset = at + 1
                    }
                }
                return found
            }
        }
    }
}

extension AppState {
    /// Opens the search prompt (Ctrl-F), the last query kept when it is opened again.
    mutating func openSearch() {
        if search == nil {
            search = SearchState()
            searchIndex.keep(count: conversation.messages.count)
        }
        search?.editing = true
    }

    /// Runs the search for the query typed so far. The current match stays on the message
    /// it was on when that message still matches, else moves to the nearest older match,
    /// else to the newest.
    mutating func runSearch(previousQuery: String) {
        guard var st = search else { return }
        let messages = conversation.messages
        // A query that extends the last one matches only among the last one's matches.
        let among = !previousQuery.isEmpty && st.searchedCount == messages.count
            && st.query.lowercased().hasPrefix(previousQuery.lowercased()) ? st.matches.map(\.index) : nil
        st.searchedCount = messages.count
        let old = st.currentMatch.flatMap { st.matches.indices.contains($0) ? st.matches[$0] : nil }
        st.matches = searchIndex.search(st.query, in: messages, among: among)
        st.total = st.matches.reduce(0) { $0 + $1.count }
        if st.matches.isEmpty {
            st.current = nil
            st.position = 0
        } else {
            var i = st.matches.count - 1
            var occurrence = st.matches[i].count - 1
            if let old, let k = st.matches.lastIndex(where: { $0.index <= old.index }) {
                i = k
                occurrence = st.matches[k].index == old.index ? min(st.currentOccurrence, st.matches[k].count - 1)
                    : st.matches[k].count - 1
            }
            st.current = (i, occurrence)
            // Its place from the newest: the occurrences below it, plus one.
            var below = st.matches[i].count - 1 - occurrence
            for m in st.matches[(i + 1)...] { below += m.count }
            st.position = below + 1
        }
        st.reveal += 1
        search = st
    }
}
