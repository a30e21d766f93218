// Render: a selected message's mark (Alt-Up) and the details Enter opens in place: each tool
// call's input and output, each source's title, address and id whole (the reasoning whole is
// `reasoningLines(whole:)`). All of it is server text: sanitized, wrapped, capped.
import Foundation
import RobofySession
import RobofyText

extension Renderer {
    /// The most of one detail (a tool's input or output) shown; the rest is counted.
    static let detailLimit = 4000

    /// "▶ " before the label of the selected message.
    static func selectedMark(_ s: AppState, _ m: ChatMessage) -> String {
        s.selection == m.id ? "▶ " : ""
    }

    /// Marks an agent's label line as selected: "▶ " in the margin, the name reversed.
    static func markSelected(_ label: inout LineItem) {
        label.x = max(0, label.x - 2)
        label.line.spans = [Span("▶ ", [.bold])] + label.line.spans.map { Span($0.text, $0.attributes.union([.reverse, .bold])) }
    }

    /// A tool call's input and output (or error), each under its heading, wrapped behind "│ ".
    static func toolDetailLines(_ tool: ToolCall, width: Int) -> [StyledLine] {
        var out: [StyledLine] = []
        out += detail("input", tool.input.isEmpty ? "(none)" : tool.input, width: width)
        if let o = tool.output { out += detail("output", o, width: width) }
        if let e = tool.errorText { out += detail("error", e, width: width) }
        if tool.output == nil, tool.errorText == nil {
            out.append(StyledLine([Span("  output: (not yet)", [.dim])]))
        }
        return out
    }

    /// A source's title, address and id, whole.
    static func sourceDetailLines(_ src: Source, width: Int) -> [StyledLine] {
        var out: [StyledLine] = []
        if let t = src.title { out += detail("title", t, width: width) }
        if let u = src.url { out += detail("address", u, width: width) }
        out += detail("id", src.id, width: width)
        return out
    }

    /// `  name:` then the text, sanitized and capped, each line wrapped behind "  │ ".
    static func detail(_ name: String, _ raw: String, width: Int) -> [StyledLine] {
        var text = raw
        var more = 0
        if text.count > detailLimit {
            more = text.count - detailLimit
            text = String(text.prefix(detailLimit))
        }
        var out = [StyledLine([Span("  \(name):", [.bold])])]
        for para in Sanitizer.clean(text).split(separator: "\n", omittingEmptySubsequences: false) {
            for l in Wrapper.wrap(String(para), width: max(1, width - 4)) {
                out.append(StyledLine([Span("  │ ", [.dim]), Span(l)]))
            }
        }
        if more > 0 { out.append(StyledLine([Span("  │ … \(more) more characters", [.dim])])) }
        return out
    }
}
