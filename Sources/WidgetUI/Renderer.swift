import Foundation
import RobofyAPI
import RobofySession

/// One frame: the cells, what the mouse can hit, and the scroll position after clamping.
public struct Frame: Sendable {
    public var canvas: Canvas
    public var hits: [(Rect, HitTarget)]
    public var scroll: Int
    /// The inspector's first line shown, after clamping (when it is open).
    public var inspectorScroll: Int? = nil
    /// The only rows that can differ from the previous frame, when the renderer knows
    /// (an animation step); nil: any row may have changed.
    public var changedRows: [Int]? = nil

    public func target(x: Int, y: Int) -> HitTarget? {
        hits.last { $0.0.contains(x: x, y: y) }?.1
    }
}

/// A laid-out line of the conversation.
struct LineItem {
    var x: Int
    /// Columns from `fillX` to paint with `fillStyle` (a bubble's background).
    var fillX: Int
    var fillWidth: Int
    var fillStyle: CellStyle
    var line: StyledLine
    var base: CellStyle
    var hits: [(x: Int, width: Int, HitTarget)] = []
    /// The loader's line (redrawn alone by `renderTick`).
    var isLoader = false
}

/// Draws the widget from the app state. Keeps a cache of laid-out messages, so a
/// long conversation costs no more per frame than a short one.
public final class Renderer {
    public static let minWidth = 40
    public static let minHeight = 12
    public static let spinner: [String] = ["⠋", "⠙", "⠹", "⠸", "⠼", "⠴", "⠦", "⠧", "⠇", "⠏"]

    struct CacheKey: Hashable {
        var id: Int
        var version: Int
        var width: Int
    }
    private var cache: [Int: (key: CacheKey, lines: [LineItem])] = [:]
    private var cacheTheme: Theme?
    /// The answer streaming in (or streamed last), laid out incrementally.
    private var stream: StreamLayout?

    /// An answer's text as a `MarkdownStream`, with the line items of its frozen
    /// lines: a frame lays out only the text that can still change.
    final class StreamLayout {
        let id: Int
        let markdown = MarkdownStream()
        var items: [LineItem] = []
        var generation = -1
        var width = 0
        var theme: Theme?
        init(id: Int) { self.id = id }
    }
    let inspectorCache = InspectorCache()

    /// Where the last frame showed the loader, for `renderTick`.
    struct LoaderSpot {
        var y: Int
        var item: LineItem
        var statusShown: Bool
    }
    private var loaderSpot: LoaderSpot?

    public init() {}

    /// The next animation step of the last frame this renderer made (`frame`), when only
    /// time has passed since it (the caller knows): the loader's row is drawn again, the
    /// rest is kept. False, with `frame` untouched, when that cannot be done (no loader on
    /// screen, the status timed out): render a whole frame. The loader animates ten times
    /// a second, and a whole frame costs far more than a row.
    public func renderTick(_ s: AppState, into frame: inout Frame) -> Bool {
        guard let spot = loaderSpot, s.overlay == .none, s.width == frame.canvas.width, s.height == frame.canvas.height,
              s.statusShown == spot.statusShown,
              let item = loaderLines(s, width: s.width).first else { return false }
        let t = s.theme
        // Give the old loader's cells back to the background, then draw the new one.
        let old = spot.item
        let oldEnd = max(old.fillX + old.fillWidth, old.x + old.line.width)
        let lo = max(0, min(old.fillX, old.x)), hi = min(s.width, oldEnd)
        if hi > lo { frame.canvas.fill(Rect(x: lo, y: spot.y, width: hi - lo, height: 1), t.base) }
        paint(item, y: spot.y, on: &frame.canvas, theme: t, width: s.width)
        loaderSpot?.item = item
        frame.changedRows = [spot.y]
        return true
    }

    private func paint(_ item: LineItem, y: Int, on canvas: inout Canvas, theme t: Theme, width w: Int) {
        if item.fillWidth > 0 {
            canvas.fill(Rect(x: item.fillX, y: y, width: item.fillWidth, height: 1), item.fillStyle)
        }
        canvas.put(item.line, x: item.x, y: y, base: item.base, theme: t, maxX: w - 1)
    }

    public func render(_ s: AppState) -> Frame {
        loaderSpot = nil
        let w = s.width, h = s.height
        let t = s.theme
        var canvas = Canvas(width: w, height: h, fill: t.base)
        var hits: [(Rect, HitTarget)] = []
        if cacheTheme != t {
            cache.removeAll()
            cacheTheme = t
        }
        guard w >= Self.minWidth, h >= Self.minHeight else {
            let msg = ["Terminal too small: \(w)×\(h).", "Resize to at least \(Self.minWidth)×\(Self.minHeight).",
                       "Ctrl-Q quits."]
            for (i, line) in msg.enumerated() {
                let y = max(0, h / 2 - 1) + i
                let text = DisplayWidth.truncate(line, to: w)
                canvas.put(text, x: max(0, (w - DisplayWidth.of(text)) / 2), y: y, style: t.base)
            }
            return Frame(canvas: canvas, hits: [], scroll: s.scroll)
        }

        // Header.
        let compact = h < 16
        var y = 0
        let headerRows = compact ? 2 : 3
        canvas.fill(Rect(x: 0, y: 0, width: w, height: headerRows), t.header)
        let tab = " \(s.config.header.chatTabLabel) "
        let tabW = s.config.header.chatTabLabel.isEmpty ? 0 : DisplayWidth.of(tab)
        let titleMax = w - 2 - (tabW > 0 ? tabW + 1 : 0)
        canvas.put(DisplayWidth.truncate(s.config.header.title, to: max(1, titleMax)), x: 1, y: y, style: t.header)
        if tabW > 0 { canvas.put(tab, x: w - 1 - tabW, y: y, style: t.tab) }
        y += 1
        if !compact {
            canvas.put(DisplayWidth.truncate(s.config.header.subtitle, to: w - 2), x: 1, y: y, style: t.headerSubtitle)
            y += 1
        }
        let agentLine = Self.agentLine(s, width: w - 2)
        canvas.put(agentLine.text, x: 1, y: y, style: t.agentLine)
        if let hint = agentLine.hint {
            canvas.put(hint, x: w - 1 - DisplayWidth.of(hint), y: y, style: t.agentLine)
        }
        y += 1

        // Footer: separator, input, hints/status.
        let innerW = w - 4
        let prompt = "› "
        let editor = s.input.layout(width: max(1, innerW - DisplayWidth.of(prompt)))
        let maxInputRows = max(1, min(5, (h - headerRows) / 4))
        let inputRows = min(maxInputRows, editor.lines.count)
        let footerTop = h - 2 - inputRows
        canvas.put(String(repeating: "─", count: w), x: 0, y: footerTop, style: t.border)
        let firstInputLine = max(0, min(editor.caretRow - inputRows + 1, editor.lines.count - inputRows))
        for r in 0..<inputRows {
            let yy = footerTop + 1 + r
            if r == 0 { canvas.put(prompt, x: 2, y: yy, style: s.focus == .input ? t.accentText : t.placeholder) }
            let li = firstInputLine + r
            if s.input.isEmpty && r == 0 {
                let ph = s.previewOnly ? s.config.header.inputPlaceholder : s.config.header.inputPlaceholder
                canvas.put(DisplayWidth.truncate(ph, to: innerW - 2), x: 2 + DisplayWidth.of(prompt), y: yy,
                           style: t.placeholder)
            } else if li < editor.lines.count {
                canvas.put(editor.lines[li], x: 2 + DisplayWidth.of(prompt), y: yy, style: t.input)
            }
        }
        hits.append((Rect(x: 0, y: footerTop + 1, width: w, height: inputRows), .input))
        if s.focus == .input && s.overlay == .none && !s.previewOnly {
            canvas.cursor = (2 + DisplayWidth.of(prompt) + editor.caretCol, footerTop + 1 + editor.caretRow - firstInputLine)
        }
        let bottom = h - 1
        var right = ""
        if let poweredBy = s.poweredBy {
            right = poweredBy
            if DisplayWidth.of(right) > w / 2 { right = DisplayWidth.truncate(right, to: w / 2) }
            canvas.put(right, x: w - 1 - DisplayWidth.of(right), y: bottom, style: t.poweredBy)
        }
        let leftMax = w - 3 - (right.isEmpty ? 0 : DisplayWidth.of(right) + 2)
        if let status = s.status, s.statusShown {
            canvas.put(DisplayWidth.truncate(status, to: leftMax), x: 1, y: bottom,
                       style: s.statusIsError ? t.error : t.status)
        } else {
            canvas.put(DisplayWidth.truncate(Self.hints(s, width: leftMax), to: leftMax), x: 1, y: bottom, style: t.status)
        }

        // Conversation.
        let areaTop = y
        let areaH = footerTop - areaTop
        let (lines, scroll, itemHits) = conversationLines(s, width: w, height: areaH)
        var loader: (y: Int, item: LineItem)?
        for (i, item) in lines.enumerated() {
            let yy = areaTop + i
            paint(item, y: yy, on: &canvas, theme: t, width: w)
            if item.isLoader { loader = (yy, item) }
            for hit in item.hits {
                hits.append((Rect(x: hit.x, y: yy, width: hit.width, height: 1), hit.2))
            }
        }
        _ = itemHits
        var menuRoom = w - 6
        if scroll > 0 {
            let more = " ↓ \(scroll) more (PgDn) "
            canvas.put(more, x: 2, y: footerTop, style: t.accentText)
            menuRoom -= DisplayWidth.of(more) + 1
        }
        let menu = Self.menu(s, width: menuRoom)
        if !menu.isEmpty { canvas.put(menu, x: w - 2 - DisplayWidth.of(menu), y: footerTop, style: t.status) }

        // Overlays.
        var inspectorTop: Int?
        switch s.overlay {
        case .none: break
        case .help: drawHelp(&canvas, s)
        case .agents(let selected): drawAgents(&canvas, s, selected: selected, hits: &hits)
        case .reset(let confirm): drawReset(&canvas, s, confirmSelected: confirm, hits: &hits)
        case .report(let scroll): drawReport(&canvas, s, scroll: scroll)
        case .inspector: inspectorTop = drawInspector(&canvas, s, cache: inspectorCache)
        }
        if s.overlay != .none { canvas.cursor = nil }
        let frame = Frame(canvas: canvas, hits: hits, scroll: scroll, inspectorScroll: inspectorTop)
        if let loader, s.overlay == .none {
            loaderSpot = LoaderSpot(y: loader.y, item: loader.item, statusShown: s.statusShown)
        }
        return frame
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
        if s.isBusy { return "Esc stop · PgUp/PgDn scroll · F1 help" }
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
    }

    // MARK: Conversation layout

    /// The visible conversation lines (bottom-anchored), the clamped scroll, and hit targets.
    func conversationLines(_ s: AppState, width w: Int, height areaH: Int) -> ([LineItem], Int, Int) {
        guard areaH > 0 else { return ([], 0, 0) }
        let messages = s.conversation.messages
        // Pieces of the layout, bottom first (a long answer is several pieces, shared
        // with the layout caches: only the visible lines are copied).
        var blocks: [ArraySlice<LineItem>] = []
        var total = 0
        let need = s.scroll + areaH
        // Quick questions follow the greeting until the user speaks.
        let quick = s.visibleQuickQuestions
        if !quick.isEmpty {
            let qb = quickQuestionLines(quick, s: s, width: w)
            blocks.append(qb[...])
            total += qb.count
        }
        var i = messages.count - 1
        while i >= 0, total < need {
            let m = messages[i]
            for part in layoutParts(m, s: s, width: w).reversed() {
                blocks.append(part)
                total += part.count
            }
            i -= 1
        }
        let reachedTop = i < 0
        var scroll = s.scroll
        if reachedTop { scroll = min(scroll, max(0, total - areaH)) }
        let end = total - scroll
        let start = max(0, end - areaH)
        var visible: [LineItem] = []
        visible.reserveCapacity(max(0, end - start))
        var offset = 0
        for b in blocks.reversed() {
            if offset >= end { break }
            let lo = max(start, offset), hi = min(end, offset + b.count)
            if lo < hi { visible.append(contentsOf: b[(b.startIndex + lo - offset)..<(b.startIndex + hi - offset)]) }
            offset += b.count
        }
        return (visible, scroll, 0)
    }

    func quickQuestionLines(_ qs: [String], s: AppState, width w: Int) -> [LineItem] {
        let t = s.theme
        var out: [LineItem] = []
        var cur = LineItem(x: 2, fillX: 0, fillWidth: 0, fillStyle: t.base, line: StyledLine(), base: t.base)
        var col = 2
        let maxX = w - 2
        for (i, q) in qs.enumerated() {
            let selected = s.focus == .chip(i)
            var label = "[ " + q + " ]"
            if DisplayWidth.of(label) > maxX - 2 { label = "[ " + DisplayWidth.truncate(q, to: maxX - 8) + " ]" }
            let lw = DisplayWidth.of(label)
            if col > 2 && col + lw > maxX {
                out.append(cur)
                cur = LineItem(x: 2, fillX: 0, fillWidth: 0, fillStyle: t.base, line: StyledLine(), base: t.base)
                col = 2
            }
            if col > 2 {
                cur.line.spans.append(Span(" "))
                col += 1
            }
            cur.line.spans.append(Span(label, selected ? [.reverse, .bold] : [.underline]))
            cur.hits.append((col, lw, .chip(i)))
            col += lw
        }
        if !cur.line.spans.isEmpty { out.append(cur) }
        // Chips use the chip role colours.
        out = out.map { var l = $0; l.base = t.chip; return l }
        let hint = LineItem(x: 2, fillX: 0, fillWidth: 0, fillStyle: t.base,
                            line: StyledLine([Span("Tab to pick a question, or type your own.", [.dim])]), base: t.notice)
        return out + [hint, LineItem(x: 0, fillX: 0, fillWidth: 0, fillStyle: t.base, line: StyledLine(), base: t.base)]
    }

    /// A message's lines, in pieces (one, except for an answer streaming in).
    func layoutParts(_ m: ChatMessage, s: AppState, width w: Int) -> [ArraySlice<LineItem>] {
        let isActive = m.role == .agent && m.turnID == s.activeTurn && m.status == .streaming
        let key = CacheKey(id: m.id, version: m.version, width: w)
        if !isActive, let c = cache[m.id], c.key == key { return [c.lines[...]] }
        var parts = layoutUncached(m, s: s, width: w)
        if isActive, m.text.isEmpty {
            var lines = Array(parts.joined())
            lines.insert(contentsOf: loaderLines(s, width: w), at: max(0, lines.count - 1))
            parts = [lines[...]]
        }
        if !isActive {
            let lines = parts.count == 1 ? Array(parts[0]) : Array(parts.joined())
            cache[m.id] = (key, lines)
            return [lines[...]]
        }
        return parts
    }

    func loaderLines(_ s: AppState, width w: Int) -> [LineItem] {
        let t = s.theme
        let elapsed = max(0, s.now - s.activeTurnStarted)
        let spin = Self.spinner[Int(elapsed * 10) % Self.spinner.count]
        var text = spin
        if s.config.loader.enableLoader, !s.config.loader.loaderTexts.isEmpty {
            let texts = s.config.loader.loaderTexts
            text += " " + texts[Int(elapsed / 1.5) % texts.count] + "…"
        }
        let bubbleW = min(w - 4, DisplayWidth.of(text) + 2)
        return [LineItem(x: 3, fillX: 2, fillWidth: bubbleW, fillStyle: t.agentBubble,
                         line: StyledLine([Span(text)]), base: t.loader.withBackground(t.agentBubble), isLoader: true)]
    }

    func layoutUncached(_ m: ChatMessage, s: AppState, width w: Int) -> [ArraySlice<LineItem>] {
        let t = s.theme
        let blank = LineItem(x: 0, fillX: 0, fillWidth: 0, fillStyle: t.base, line: StyledLine(), base: t.base)
        switch m.role {
        case .notice:
            let text = Sanitizer.clean(m.text)
            return [(Wrapper.wrap(text, width: w - 4).map { line in
                let lw = DisplayWidth.of(line)
                return LineItem(x: max(1, (w - lw) / 2), fillX: 0, fillWidth: 0, fillStyle: t.base,
                                line: StyledLine([Span(line)]), base: t.notice)
            } + [blank])[...]]
        case .user:
            let maxBubble = max(10, w - 10)
            let wrapped = Wrapper.wrap(Sanitizer.clean(m.text), width: maxBubble - 2)
            let bubbleW = min(maxBubble, (wrapped.map { DisplayWidth.of($0) }.max() ?? 0) + 2)
            let bx = w - 2 - bubbleW
            var out: [LineItem] = [LineItem(x: w - 2 - 3, fillX: 0, fillWidth: 0, fillStyle: t.base,
                                            line: StyledLine([Span("You")]), base: t.userLabel)]
            for line in wrapped {
                out.append(LineItem(x: bx + 1, fillX: bx, fillWidth: bubbleW, fillStyle: t.userBubble,
                                    line: StyledLine([Span(line)]), base: t.userBubble))
            }
            out.append(blank)
            return [out[...]]
        case .greeting, .agent:
            let bubbleW = max(10, w - 8)
            let textW = bubbleW - 2
            let bubble = t.agentBubble
            var out: [LineItem] = [LineItem(x: 2, fillX: 0, fillWidth: 0, fillStyle: t.base,
                                            line: StyledLine([Span(s.agent?.name ?? "Agent")]), base: t.agentLabel)]
            func add(_ line: StyledLine, _ base: CellStyle) {
                out.append(LineItem(x: 3, fillX: 2, fillWidth: bubbleW, fillStyle: bubble, line: line, base: base))
            }
            for tool in m.tools {
                let name = Sanitizer.clean(tool.title ?? tool.name, allowNewlines: false)
                let text: String
                switch tool.state {
                case .running: text = "⚙ Using \(name)…"
                case .done: text = "✓ Used \(name)"
                case .failed: text = "✗ \(name) failed" + (tool.errorText.map { ": " + Sanitizer.clean($0, allowNewlines: false) } ?? "")
                case .denied: text = "✗ \(name) was not allowed"
                }
                for l in Wrapper.wrap(text, width: textW) { add(StyledLine([Span(l)]), t.tool.withBackground(bubble)) }
            }
            var head: ArraySlice<LineItem>?
            var frozen: ArraySlice<LineItem> = []
            if m.role == .agent, m.turnID == s.activeTurn || stream?.id == m.id {
                // An answer streaming in: only the text after its frozen lines is laid out.
                let sl = stream?.id == m.id ? stream! : StreamLayout(id: m.id)
                stream = sl
                let tail = sl.markdown.render(m.text, width: textW)
                if sl.generation != sl.markdown.generation || sl.width != w || sl.theme != t {
                    sl.items = []
                    sl.generation = sl.markdown.generation
                    sl.width = w
                    sl.theme = t
                }
                for l in sl.markdown.frozen[sl.items.count...] {
                    sl.items.append(LineItem(x: 3, fillX: 2, fillWidth: bubbleW, fillStyle: bubble, line: l, base: bubble))
                }
                head = out[...]
                frozen = sl.items[...]
                out = []
                for l in tail { add(l, bubble) }
            } else {
                let text = Sanitizer.clean(m.text)
                if !text.isEmpty {
                    for l in Markdown.render(text, width: textW) { add(l, bubble) }
                }
            }
            if s.config.behaviour.enableSources, !m.sources.isEmpty {
                add(StyledLine([Span("Sources:", [.bold])]), t.source.withBackground(bubble))
                for (i, src) in m.sources.enumerated() {
                    let title = Sanitizer.clean(src.title ?? src.url ?? src.id, allowNewlines: false)
                    var spans = [Span("[\(i + 1)] "), Span(title, [.underline])]
                    if let u = src.url, src.title != nil { spans.append(Span(" — " + Sanitizer.clean(u, allowNewlines: false), [.dim])) }
                    for l in Wrapper.wrap(spans, width: textW, hangingIndent: 4) { add(l, t.source.withBackground(bubble)) }
                }
            }
            switch m.status {
            case .stopped?:
                add(StyledLine([Span("⏹ Stopped", [.italic])]), t.notice.withBackground(bubble))
            case .interrupted?:
                add(StyledLine([Span("⚠ Interrupted", [.bold])]), t.error.withBackground(bubble))
            default: break
            }
            for e in m.errors {
                for l in Wrapper.wrap("⚠ " + Sanitizer.clean(e, allowNewlines: false), width: textW) {
                    add(StyledLine([Span(l)]), t.error.withBackground(bubble))
                }
            }
            if m.status == .failed && m.errors.isEmpty {
                add(StyledLine([Span("⚠ No answer")]), t.error.withBackground(bubble))
            }
            out.append(blank)
            if let head { return [head, frozen, out[...]] }
            return [out[...]]
        }
    }

    // MARK: Overlays

    func box(_ canvas: inout Canvas, _ s: AppState, width bw: Int, height bh: Int) -> Rect {
        let t = s.theme
        let w = min(bw, s.width - 2), h = min(bh, s.height - 2)
        let r = Rect(x: (s.width - w) / 2, y: (s.height - h) / 2, width: w, height: h)
        canvas.fill(r, t.modal)
        canvas.put("┌" + String(repeating: "─", count: max(0, w - 2)) + "┐", x: r.x, y: r.y, style: t.modal)
        for yy in (r.y + 1)..<(r.y + h - 1) {
            canvas.put("│", x: r.x, y: yy, style: t.modal)
            canvas.put("│", x: r.x + w - 1, y: yy, style: t.modal)
        }
        canvas.put("└" + String(repeating: "─", count: max(0, w - 2)) + "┘", x: r.x, y: r.y + h - 1, style: t.modal)
        return r
    }

    func drawHelp(_ canvas: inout Canvas, _ s: AppState) {
        let h = s.config.header
        let rows: [(String, String)] = [
            ("Enter", "send the message"), ("Ctrl-J, Alt-Enter", "new line in the message"),
            ("Up / Down", "history (or move between lines)"), ("Tab", "pick a quick question"),
            ("Esc", "stop the answer / close"), ("PgUp / PgDn, wheel", "scroll the conversation"),
            ("F2", "choose the agent"), ("F3, Ctrl-X", h.endSessionLabel.isEmpty ? "reset chat" : "reset chat"),
            ("F4", h.endSessionLabel), ("F5, Ctrl-S", h.downloadTranscriptLabel), ("F6, Ctrl-R", "reconnect"),
            ("Ctrl-W / Ctrl-U / Ctrl-K", "delete word / to start / to end"),
            ("Ctrl-A / Ctrl-E", "start / end of line"), ("F7", "configuration report"),
            ("F8", "inspector: requests, events, timings"), ("F9", "save the chat as a test script"),
            ("F10, Ctrl-Q, Ctrl-C ×2", "quit"),
        ]
        let bw = min(s.width - 2, 64)
        let r = box(&canvas, s, width: bw, height: rows.count + 4)
        canvas.put(" Keys ", x: r.x + 2, y: r.y, style: s.theme.modalTitle)
        for (i, row) in rows.enumerated() where r.y + 1 + i < r.y + r.height - 2 {
            let yy = r.y + 1 + i
            canvas.put(DisplayWidth.pad(row.0, to: 24), x: r.x + 2, y: yy, style: s.theme.modalTitle, maxX: r.x + r.width - 1)
            canvas.put(row.1, x: r.x + 27, y: yy, style: s.theme.modal, maxX: r.x + r.width - 1)
        }
        canvas.put("Any key closes this.", x: r.x + 2, y: r.y + r.height - 2, style: s.theme.notice.withBackground(s.theme.modal),
                   maxX: r.x + r.width - 1)
    }

    func drawReport(_ canvas: inout Canvas, _ s: AppState, scroll: Int) {
        guard let h = s.handshake else { return }
        let r = box(&canvas, s, width: s.width - 2, height: s.height - 2)
        canvas.put(" Configuration report ", x: r.x + 2, y: r.y, style: s.theme.modalTitle)
        let text = ConfigReport.make(h, width: r.width - 4, spec: s.themeSpec, forceDark: s.forceDark, noColor: s.noColor)
        let all = text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        let rows = r.height - 2
        let top = max(0, min(scroll, all.count - rows))
        for (i, line) in all.dropFirst(top).prefix(rows).enumerated() {
            canvas.put(line, x: r.x + 2, y: r.y + 1 + i, style: s.theme.modal, maxX: r.x + r.width - 1)
        }
        let hint = " ↑↓ PgUp/PgDn scroll · Esc close · \(min(all.count, top + rows))/\(all.count) "
        canvas.put(hint, x: r.x + 2, y: r.y + r.height - 1, style: s.theme.modal, maxX: r.x + r.width - 1)
    }

    func drawAgents(_ canvas: inout Canvas, _ s: AppState, selected: Int, hits: inout [(Rect, HitTarget)]) {
        let bw = min(s.width - 2, 70)
        let r = box(&canvas, s, width: bw, height: min(s.height - 2, s.agents.count * 2 + 3))
        canvas.put(" Agents ", x: r.x + 2, y: r.y, style: s.theme.modalTitle)
        var yy = r.y + 1
        for (i, a) in s.agents.enumerated() where yy + 1 < r.y + r.height - 1 {
            let sel = i == selected
            let style = sel ? s.theme.buttonSelected : s.theme.modalTitle
            var name = "\(i + 1). \(a.name)"
            if !a.type.isEmpty { name += " (\(a.type))" }
            if a.chatbotID == s.agentID { name += " ✓" }
            canvas.fill(Rect(x: r.x + 1, y: yy, width: r.width - 2, height: 1), sel ? style : s.theme.modal)
            canvas.put(DisplayWidth.truncate(name, to: r.width - 4), x: r.x + 2, y: yy, style: style)
            canvas.put(DisplayWidth.truncate(a.description, to: r.width - 6), x: r.x + 4, y: yy + 1, style: s.theme.modal)
            hits.append((Rect(x: r.x + 1, y: yy, width: r.width - 2, height: 2), .agent(i)))
            yy += 2
        }
        canvas.put(" ↑↓ Enter choose · Esc close ", x: r.x + 2, y: r.y + r.height - 1, style: s.theme.modal,
                   maxX: r.x + r.width - 1)
    }

    func drawReset(_ canvas: inout Canvas, _ s: AppState, confirmSelected: Bool, hits: inout [(Rect, HitTarget)]) {
        let m = s.config.resetModal
        let bw = min(s.width - 2, 60)
        let desc = Wrapper.wrap(m.description, width: bw - 4)
        let shown = Array(desc.prefix(max(1, s.height - 8)))
        let r = box(&canvas, s, width: bw, height: shown.count + 6)
        canvas.put(DisplayWidth.truncate(m.title, to: bw - 4), x: r.x + 2, y: r.y + 1, style: s.theme.modalTitle)
        for (i, l) in shown.enumerated() {
            canvas.put(l, x: r.x + 2, y: r.y + 3 + i, style: s.theme.modal)
        }
        let cancel = "[ \(m.cancelText) ]", confirm = "[ \(m.confirmText) ]"
        let by = r.y + r.height - 2
        let cw = DisplayWidth.of(confirm), xw = DisplayWidth.of(cancel)
        let cx = r.x + r.width - 2 - cw
        let xx = max(r.x + 2, cx - 2 - xw)
        canvas.put(cancel, x: xx, y: by, style: confirmSelected ? s.theme.button : s.theme.buttonSelected)
        canvas.put(confirm, x: cx, y: by, style: confirmSelected ? s.theme.buttonSelected : s.theme.button)
        hits.append((Rect(x: xx, y: by, width: xw, height: 1), .resetCancel))
        hits.append((Rect(x: cx, y: by, width: cw, height: 1), .resetConfirm))
    }
}

extension CellStyle {
    /// This style's foreground and attributes on another style's background.
    func withBackground(_ o: CellStyle) -> CellStyle {
        var s = self
        s.bg = o.bg
        return s
    }
}
