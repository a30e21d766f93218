// Render: the screen's regions — header, footer (input and status), conversation, the rule between
// them, and the overlay. Each is drawn on its own clipped region of the canvas (`Canvas.draw(in:)`).
import Foundation
import RobofyText
import RobofyAPI
import RobofySession

/// Where the footer goes: the rule, the input's rows, the status or hint rows.
struct FooterLayout {
    static let prompt = "› "
    let editor: (lines: [String], caretRow: Int, caretCol: Int)
    let inputRows: Int
    let firstInputLine: Int
    /// "Powered by", right of the last row.
    let right: String
    /// Columns left of it on the last row.
    let leftMax: Int
    let statusRows: [(text: String, isError: Bool)]
    /// The rule's row (the footer's first).
    let top: Int
    /// The privacy term's row under the input, if it is shown.
    let privacy: String?

    /// `privacyText`: the privacy term as shown (`AppState.privacyText`, which the renderer keeps).
    init(_ s: AppState, headerRows: Int, privacyText: String?) {
        let w = s.width, h = s.height
        editor = s.input.layout(width: max(1, w - 4 - DisplayWidth.of(Self.prompt)))
        let maxInputRows = max(1, min(5, (h - headerRows) / 4))
        inputRows = min(maxInputRows, editor.lines.count)
        var right = s.poweredBy ?? ""
        if DisplayWidth.of(right) > w / 2 { right = DisplayWidth.truncate(right, to: w / 2) }
        self.right = right
        leftMax = w - 3 - (right.isEmpty ? 0 : DisplayWidth.of(right) + 2)
        statusRows = Renderer.statusRows(s, width: w - 2, lastWidth: leftMax)
        privacy = Renderer.privacyRow(privacyText, s, width: w - 4)
        top = h - 1 - max(1, statusRows.count) - inputRows - (privacy == nil ? 0 : 1)
        firstInputLine = max(0, min(editor.caretRow - inputRows + 1, editor.lines.count - inputRows))
    }
}

extension CanvasRegion {
    /// A rectangle of this region in the canvas's (screen) coordinates, for mouse hits.
    func onScreen(_ r: Rect) -> Rect {
        Rect(x: rect.x + r.x, y: rect.y + r.y, width: r.width, height: r.height)
    }
}

extension Renderer {
    /// Below the smallest size: says so, centred.
    static func drawTooSmall(_ r: inout CanvasRegion, _ s: AppState) {
        let w = r.width, h = r.height
        let msg = ["Terminal too small: \(w)×\(h).", "Resize to at least \(Self.minWidth)×\(Self.minHeight).",
                   "Ctrl-Q quits."]
        for (i, line) in msg.enumerated() {
            let y = max(0, h / 2 - 1) + i
            let text = DisplayWidth.truncate(line, to: w)
            r.put(text, x: max(0, (w - DisplayWidth.of(text)) / 2), y: y, style: s.theme.base)
        }
    }

    /// The header: title and chat tab, subtitle (not on a short screen), the agent line.
    static func drawHeader(_ r: inout CanvasRegion, _ s: AppState) {
        let t = s.theme, w = r.width
        r.fill(Rect(x: 0, y: 0, width: w, height: r.height), t.header)
        var y = 0
        let tab = " \(s.config.header.chatTabLabel) "
        let tabW = s.config.header.chatTabLabel.isEmpty ? 0 : DisplayWidth.of(tab)
        let titleMax = w - 2 - (tabW > 0 ? tabW + 1 : 0)
        r.put(DisplayWidth.truncate(s.config.header.title, to: max(1, titleMax)), x: 1, y: y, style: t.header)
        if tabW > 0 { r.put(tab, x: w - 1 - tabW, y: y, style: t.tab) }
        y += 1
        if r.height > 2 {
            r.put(DisplayWidth.truncate(s.config.header.subtitle, to: w - 2), x: 1, y: y, style: t.headerSubtitle)
            y += 1
        }
        let agentLine = Self.agentLine(s, width: w - 2)
        r.put(agentLine.text, x: 1, y: y, style: t.agentLine)
        if let hint = agentLine.hint {
            r.put(hint, x: w - 1 - DisplayWidth.of(hint), y: y, style: t.agentLine)
        }
    }

    /// The footer: the rule, the input (with the caret), "Powered by", the hints or the status rows.
    static func drawFooter(_ r: inout CanvasRegion, _ s: AppState, _ f: FooterLayout, hits: inout [(Rect, HitTarget)]) {
        let t = s.theme, w = r.width, h = r.height
        let innerW = w - 4
        let promptW = DisplayWidth.of(FooterLayout.prompt)
        // Row 0 is the rule, drawn after the conversation (`drawRule`).
        if let st = s.search { drawSearchPrompt(&r, s, st) }
        for row in 0..<f.inputRows where s.search == nil {
            let yy = 1 + row
            if row == 0 { r.put(FooterLayout.prompt, x: 2, y: yy, style: s.focus == .input ? t.accentText : t.placeholder) }
            let li = f.firstInputLine + row
            if s.input.isEmpty && row == 0 {
                r.put(DisplayWidth.truncate(s.config.header.inputPlaceholder, to: innerW - 2), x: 2 + promptW, y: yy,
                      style: t.placeholder)
            } else if li < f.editor.lines.count {
                r.put(f.editor.lines[li], x: 2 + promptW, y: yy, style: t.input)
            }
        }
        hits.append((r.onScreen(Rect(x: 0, y: 1, width: w, height: f.inputRows)), .input))
        if s.focus == .input && s.overlay == .none && !s.previewOnly && s.search == nil {
            r.cursor = (2 + promptW + f.editor.caretCol, 1 + f.editor.caretRow - f.firstInputLine)
        }
        if let p = f.privacy { r.put(p, x: 2, y: 1 + f.inputRows, style: t.notice) }
        let bottom = h - 1
        if !f.right.isEmpty { r.put(f.right, x: w - 1 - DisplayWidth.of(f.right), y: bottom, style: t.poweredBy) }
        if f.statusRows.isEmpty {
            r.put(DisplayWidth.truncate(Self.hints(s, width: f.leftMax), to: f.leftMax), x: 1, y: bottom, style: t.status)
        }
        for (i, row) in f.statusRows.enumerated() {
            r.put(row.text, x: 1, y: h - f.statusRows.count + i, style: row.isError ? t.error : t.status)
        }
    }

    /// What the conversation's rows show: the line item on each row (nil: blank) and whether
    /// the "more above" mark is on the first.
    struct ConversationRows {
        var items: [LineItem?]
        var moreAbove: Bool
    }

    /// The conversation, bottom-anchored; returns the scroll shown, where the loader is (for
    /// `renderTick`) and what each row shows. With `previous` (what the region's rows show now,
    /// on a region not cleared), a row that would show the same is left as it is.
    func drawConversation(_ r: inout CanvasRegion, _ s: AppState, hits: inout [(Rect, HitTarget)],
                          previous: ConversationRows? = nil)
        -> (scroll: Int, loader: (y: Int, item: LineItem)?, rows: ConversationRows, painted: [Int]) {
        let t = s.theme, w = r.width
        let (lines, scroll, moreAbove) = conversationLines(s, width: w, height: r.height)
        var loader: (y: Int, item: LineItem)?
        let mark = moreAbove && r.height > 1
        // The rows painted again, given `previous` (the only ones that can differ from its frame).
        var painted: [Int] = []
        for i in 0..<(previous == nil ? lines.count : r.height) {
            let item = i < lines.count ? lines[i] : nil
            if let item {
                if item.isLoader { loader = (i, item) }
                for hit in item.hits {
                    hits.append((r.onScreen(Rect(x: hit.x, y: i, width: hit.width, height: 1)), hit.2))
                }
            }
            if let previous {
                let before = i < previous.items.count ? previous.items[i] : nil
                let markChanged = i == 0 && (mark || previous.moreAbove)
                if !markChanged, before?.paintsLike(item) ?? (item == nil) { continue }
                r.fill(Rect(x: 0, y: i, width: w, height: 1), t.base)
                painted.append(i)
            }
            guard let item else { continue }
            paint(item, y: i, on: &r, theme: t, width: w)
            if s.search != nil { highlightMatches(item, y: i, on: &r, s: s, current: searchSpot?.row == i ? searchSpot?.nth : nil) }
        }
        if mark {
            r.put(Self.moreAbove, x: max(0, w - 2 - Self.moreAboveWidth), y: 0, style: t.accentText)
        }
        let rows = ConversationRows(items: (0..<r.height).map { $0 < lines.count ? lines[$0] : nil }, moreAbove: mark)
        return (scroll, loader, rows, painted)
    }

    /// The mark on the conversation's first row when there is more above (drawn on every
    /// frame of a long answer streaming in: measured once).
    static let moreAbove = " ↑ more above · PgUp "
    static let moreAboveWidth = DisplayWidth.of(moreAbove)

    /// The rule above the input (the footer's first row), with "↓ more" when scrolled up and
    /// the widget's menu on it. (It draws from `RuleInputs` and the region's width and theme
    /// alone: a conversation-only frame draws it again only when those change.)
    func drawRule(_ r: inout CanvasRegion, _ s: AppState, scroll: Int) {
        let t = s.theme, w = r.width
        r.fill(Rect(x: 0, y: 0, width: w, height: 1), t.border, glyph: "─")
        var menuRoom = w - 6
        if scroll > 0 {
            var more = newBelow > 0 ? " ↓ \(newBelow) new line\(newBelow == 1 ? "" : "s") · End " : " ↓ \(scroll) more · End "
            if DisplayWidth.of(more) > w - 4 { more = DisplayWidth.truncate(more, to: w - 4) }
            r.put(more, x: 2, y: 0, style: t.accentText)
            menuRoom -= DisplayWidth.of(more) + 1
        }
        let menu = Self.menu(s, width: menuRoom)
        if !menu.isEmpty { r.put(menu, x: w - 2 - DisplayWidth.of(menu), y: 0, style: t.status) }
    }

    /// The overlay that is open, over the whole screen; returns the inspector's top line when it is open.
    func drawOverlay(_ r: inout CanvasRegion, _ s: AppState, hits: inout [(Rect, HitTarget)]) -> Int? {
        switch s.overlay {
        case .none: return nil
        case .help(let scroll): drawHelp(&r, s, scroll: scroll)
        case .messages(let scroll): drawMessages(&r, s, scroll: scroll)
        case .agents(let selected): drawAgents(&r, s, selected: selected, hits: &hits)
        case .reset(let confirm): drawReset(&r, s, confirmSelected: confirm, hits: &hits)
        case .report(let scroll): drawReport(&r, s, scroll: scroll)
        case .inspector: return drawInspector(&r, s, cache: inspectorCache)
        }
        return nil
    }

    static func agentLine(_ s: AppState, width: Int) -> (text: String, hint: String?) {
        var hint: String? = s.agents.count > 1 ? "F2 agents (\(s.agents.count))" : nil
        let hintW = hint.map { DisplayWidth.of($0) + 2 } ?? 0
        if hintW > width / 2 { hint = nil }
        let room = width - (hint == nil ? 0 : hintW)
        guard let a = s.agent else {
            switch s.connection {
            case .connecting: return (DisplayWidth.truncate("Connecting…", to: room), hint)
            case .failed: return (DisplayWidth.truncate("Not connected", to: room), hint)
            case .connected: return (DisplayWidth.truncate(s.agents.isEmpty ? AppState.noAgentsLine : "", to: room), hint)
            }
        }
        var text = "● " + a.name
        if !a.type.isEmpty { text += " · " + a.type }
        if !a.description.isEmpty { text += " — " + a.description }
        return (DisplayWidth.truncate(text, to: room), hint)
    }

    /// The bottom line's key hints.
    static func hints(_ s: AppState, width: Int) -> String {
        if s.previewOnly { return "Preview · F1 help\(s.agents.count > 1 ? " · F2 agents" : "") · F7 report · Ctrl-Q quit" }
        if let sel = s.selection, s.message(id: sel) != nil { return "↑↓ select · Enter details · c copy · 1–9 code · Esc" }
        if s.isBusy { return "Esc stop · Enter queues · PgUp/PgDn scroll · F1 help" }
        if s.editingTurn != nil { return "Editing the last question · Enter sends it as a new version · Esc leaves" }
        if let r = ratingHints(s, width: width) { return r }
        for c in ["Enter send · Ctrl-J new line · F1 help", "Enter send · F1 help", "F1 help"] where DisplayWidth.of(c) <= width {
            return c
        }
        return ""
    }

    /// The widget's menu (reset, end session, download transcript), in the rule above the input.
    static func menu(_ s: AppState, width: Int) -> String {
        if s.previewOnly { return "" }
        let h = s.config.header
        let candidates = [
            " F3 Reset Chat · F4 \(h.endSessionLabel) · F5 \(h.downloadTranscriptLabel) ",
            " F3 Reset · F4 \(h.endSessionLabel) · F5 \(h.downloadTranscriptLabel) ",
            " F3 Reset · F4 End · F5 Transcript ",
            " F3 Reset · F4 End · F5 Save ",
        ]
        return candidates.first { DisplayWidth.of($0) <= width } ?? ""
    }}
