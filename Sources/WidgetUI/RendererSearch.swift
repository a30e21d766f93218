// Render: the search (Ctrl-F) — its prompt in place of the input, every match highlighted in the visible
// conversation lines, the current one distinct (the layout scrolls it into view: ConversationLayout.swift).
import Foundation
import RobofyText

extension Renderer {
    /// Where the `occurrence`-th match of a message (counted in its text) is in its laid-out
    /// lines: the line and the match within it. Markdown or wrapping can hide a match the text
    /// has: then the last match the lines show, or the message's first line.
    static func matchLine(_ parts: [LineRun], query: String, occurrence: Int) -> (line: Int, nth: Int) {
        var seen = 0
        var last: (line: Int, nth: Int)?
        var index = 0
        for part in parts {
            for item in part {
                let n = item.searchable ? matches(of: query, in: item.line.plainText).count : 0
                if n > 0 {
                    if occurrence < seen + n { return (index, occurrence - seen) }
                    seen += n
                    last = (index, n - 1)
                }
                index += 1
            }
        }
        return last ?? (0, -1)
    }

    /// The ranges of `query` in `text`, case-insensitive, not overlapping.
    static func matches(of query: String, in text: String) -> [Range<String.Index>] {
        guard !query.isEmpty, !text.isEmpty else { return [] }
        var out: [Range<String.Index>] = []
        var from = text.startIndex
        while from < text.endIndex, let r = text.range(of: query, options: [.caseInsensitive], range: from..<text.endIndex) {
            guard !r.isEmpty else { break }
            out.append(r)
            from = r.upperBound
        }
        return out
    }

    /// Highlights the matches in a conversation line drawn at row `y`; `current`: the match in
    /// this line that is the search's current one.
    func highlightMatches(_ item: LineItem, y: Int, on r: inout CanvasRegion, s: AppState, current: Int?) {
        guard item.searchable, let q = s.search?.query, !q.isEmpty else { return }
        let text = item.line.plainText
        let t = s.theme
        for (n, range) in Self.matches(of: q, in: text).enumerated() {
            let x = item.x + DisplayWidth.of(text[..<range.lowerBound])
            var style = item.base
            if n == current {
                style = t.buttonSelected
                style.bold = true
                style.underline = true
            } else {
                style.reverse = true
            }
            r.put(text[range], x: x, y: y, style: style, maxX: r.width - 1)
        }
    }

    /// The search prompt, in place of the input's first row: the query, the caret while it is
    /// typed, the match counter and the keys.
    static func drawSearchPrompt(_ r: inout CanvasRegion, _ s: AppState, _ st: SearchState) {
        let t = s.theme, w = r.width
        let label = "Find: "
        let keys = st.editing ? "↑↓ move · Enter done · Esc close" : "n/N move · / edit · Esc close"
        let counter = st.counter
        var right = counter.isEmpty ? keys : counter + " · " + keys
        if DisplayWidth.of(right) > w / 2 { right = counter.isEmpty ? "Esc close" : counter }
        let rightX = w - 2 - DisplayWidth.of(right)
        let x = r.put(label, x: 2, y: 1, style: t.accentText)
        // The query's end stays in view (with the caret after it).
        let room = max(1, rightX - 1 - x)
        let clean = Sanitizer.clean(st.query, allowNewlines: false)
        var query = clean
        if DisplayWidth.of(clean) > room - 1 {
            var used = 0
            var start = clean.endIndex
            while start > clean.startIndex {
                let before = clean.index(before: start)
                let cw = DisplayWidth.of(clean[before])
                if used + cw > room - 1 { break }
                used += cw
                start = before
            }
            query = String(clean[start...])
        }
        let end = r.put(query, x: x, y: 1, style: t.input)
        r.put(right, x: rightX, y: 1, style: st.total == 0 && !st.query.isEmpty ? t.error : t.status)
        if st.editing && s.overlay == .none { r.cursor = (end, 1) }
    }
}
