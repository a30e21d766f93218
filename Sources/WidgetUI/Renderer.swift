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
    /// Lines that arrived below a view scrolled up (the view holds still meanwhile).
    public var newLinesBelow = 0

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
        var measure: Int
        var reasoning: Bool
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

    /// What a view scrolled up holds on to: a line of a message (its id and the line's
    /// index in the message's layout), at the view's top. New text below leaves it there.
    struct ScrollAnchor: Equatable {
        var messageID: Int
        var line: Int
        var width: Int
        var agentID: String?
        /// Lines from the bottom of the conversation to the top of that message, then.
        var linesFromMessageTop: Int
        /// The scroll this renderer gave out with it (a different scroll in the state: the
        /// user scrolled, so the anchor is taken again).
        var scroll: Int
    }
    private var anchor: ScrollAnchor?
    /// Lines that arrived below since the view left the bottom.
    private var newBelow = 0
    /// The scroll that keeps the greeting in view at start-up (until the user scrolls).
    private var pinnedScroll: Int?
    private var pinReleased = false

    public init() {}

    /// The next animation step of the last frame this renderer made (`frame`), when only
    /// time has passed since it (the caller knows): the loader's row is drawn again, the
    /// rest is kept. False, with `frame` untouched, when that cannot be done (no loader on
    /// screen, the status timed out): render a whole frame. The loader animates ten times
    /// a second, and a whole frame costs far more than a row.
    public func renderTick(_ s: AppState, into frame: inout Frame) -> Bool {
        guard let spot = loaderSpot, s.overlay == .none, !s.extras.hasPanel, s.width == frame.canvas.width, s.height == frame.canvas.height,
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
        if s.extras.closed {
            drawClosed(&canvas, s)
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

        // Footer: separator, input, hints/status (one or two rows).
        let innerW = w - 4
        let prompt = "› "
        let editor = s.input.layout(width: max(1, innerW - DisplayWidth.of(prompt)))
        let maxInputRows = max(1, min(5, (h - headerRows) / 4))
        let inputRows = min(maxInputRows, editor.lines.count)
        var right = s.poweredBy ?? ""
        if DisplayWidth.of(right) > w / 2 { right = DisplayWidth.truncate(right, to: w / 2) }
        let leftMax = w - 3 - (right.isEmpty ? 0 : DisplayWidth.of(right) + 2)
        let statusRows = Self.statusRows(s, width: w - 2, lastWidth: leftMax)
        let privacy = Self.privacyRow(s, width: w - 4)
        let footerTop = h - 1 - max(1, statusRows.count) - inputRows - (privacy == nil ? 0 : 1)
        if let privacy { canvas.put(privacy, x: 2, y: footerTop + 1 + inputRows, style: t.notice) }
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
        if !right.isEmpty { canvas.put(right, x: w - 1 - DisplayWidth.of(right), y: bottom, style: t.poweredBy) }
        if statusRows.isEmpty {
            canvas.put(DisplayWidth.truncate(Self.hints(s, width: leftMax), to: leftMax), x: 1, y: bottom, style: t.status)
        }
        for (i, row) in statusRows.enumerated() {
            canvas.put(row.text, x: 1, y: h - statusRows.count + i, style: row.isError ? t.error : t.status)
        }

        // Conversation.
        let areaTop = y
        let areaH = footerTop - areaTop
        let (lines, scroll, moreAbove) = conversationLines(s, width: w, height: areaH)
        var loader: (y: Int, item: LineItem)?
        for (i, item) in lines.enumerated() {
            let yy = areaTop + i
            paint(item, y: yy, on: &canvas, theme: t, width: w)
            if item.isLoader { loader = (yy, item) }
            for hit in item.hits {
                hits.append((Rect(x: hit.x, y: yy, width: hit.width, height: 1), hit.2))
            }
        }
        var menuRoom = w - 6
        if scroll > 0 {
            var more = newBelow > 0 ? " ↓ \(newBelow) new line\(newBelow == 1 ? "" : "s") · End " : " ↓ \(scroll) more · End "
            if DisplayWidth.of(more) > w - 4 { more = DisplayWidth.truncate(more, to: w - 4) }
            canvas.put(more, x: 2, y: footerTop, style: t.accentText)
            menuRoom -= DisplayWidth.of(more) + 1
        }
        if moreAbove, areaH > 1 {
            let up = " ↑ more above · PgUp "
            canvas.put(up, x: max(0, w - 2 - DisplayWidth.of(up)), y: areaTop, style: t.accentText)
        }
        let menu = Self.menu(s, width: menuRoom)
        if !menu.isEmpty { canvas.put(menu, x: w - 2 - DisplayWidth.of(menu), y: footerTop, style: t.status) }

        // Overlays.
        var inspectorTop: Int?
        switch s.overlay {
        case .none: break
        case .help(let scroll): drawHelp(&canvas, s, scroll: scroll)
        case .messages(let scroll): drawMessages(&canvas, s, scroll: scroll)
        case .agents(let selected): drawAgents(&canvas, s, selected: selected, hits: &hits)
        case .reset(let confirm): drawReset(&canvas, s, confirmSelected: confirm, hits: &hits)
        case .report(let scroll): drawReport(&canvas, s, scroll: scroll)
        case .inspector: inspectorTop = drawInspector(&canvas, s, cache: inspectorCache)
        }
        if s.overlay != .none || s.extras.hasPanel { canvas.cursor = nil }
        drawExtras(&canvas, s)
        var frame = Frame(canvas: canvas, hits: hits, scroll: scroll, inspectorScroll: inspectorTop)
        frame.newLinesBelow = newBelow
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
        if s.isBusy { return "Esc stop · Enter queues · PgUp/PgDn scroll · F1 help" }
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
    }

    // MARK: Conversation layout

    /// The visible conversation lines (bottom-anchored), the clamped scroll, and whether
    /// there are lines above them.
    ///
    /// A view scrolled up holds still while text arrives below: it keeps the line at its
    /// top (`anchor`) and counts the new lines (`newBelow`) until it is back at the bottom.
    func conversationLines(_ s: AppState, width w: Int, height areaH: Int) -> ([LineItem], Int, Bool) {
        guard areaH > 0 else { return ([], 0, false) }
        let messages = s.conversation.messages
        let held = anchor.flatMap { a in
            a.scroll == s.scroll && s.scroll > 0 && a.width == w && a.agentID == s.agentID ? a : nil
        }
        if s.scroll == 0 { newBelow = 0 }
        // Pieces of the layout, bottom first (a long answer is several pieces, shared
        // with the layout caches: only the visible lines are copied).
        var blocks: [ArraySlice<LineItem>] = []
        var total = 0
        let need = s.scroll + areaH
        // Queued messages wait at the bottom.
        if !s.queued.isEmpty {
            let qb = queuedLines(s, width: w)
            blocks.append(qb[...])
            total += qb.count
        }
        // Quick questions follow the greeting until the user speaks.
        let quick = s.visibleQuickQuestions
        if !quick.isEmpty {
            let qb = quickQuestionLines(quick, s: s, width: w)
            blocks.append(qb[...])
            total += qb.count
        }
        // The lead form's offer follows the greeting (above the chips) until the visitor speaks.
        if s.showsLeadOffer {
            let lb = leadOfferLines(s, width: w)
            blocks.append(lb[...])
            total += lb.count
        }
        // Each message's place: its id and its lines' range, counted from the bottom.
        var spans: [(id: Int, from: Int, to: Int)] = []
        var heldAt: Int?
        // The greeting stays in view at start-up when the opening screen does not fit (until
        // the user scrolls or picks a question).
        if let p = pinnedScroll, p != s.scroll { pinReleased = true }
        let pin = !pinReleased && s.queued.isEmpty && !s.conversation.hasUserMessage && s.focus == .input
            && messages.first?.role == .greeting && (s.scroll == 0 || s.scroll == pinnedScroll)
        pinnedScroll = nil
        var i = messages.count - 1
        while i >= 0, total < need || (held != nil && heldAt == nil) || pin {
            let m = messages[i]
            let from = total
            for part in layoutParts(m, s: s, width: w).reversed() {
                blocks.append(part)
                total += part.count
            }
            spans.append((m.id, from, total))
            if let held, held.messageID == m.id { heldAt = total }
            i -= 1
        }
        let reachedTop = i < 0
        var scroll = s.scroll
        if let held, let top = heldAt {
            // The held line stays at the top of the view.
            scroll = max(0, top - held.line - areaH)
            // New lines: the message's top is further from the bottom than it was (a change
            // of the view's height is not new text).
            if top > held.linesFromMessageTop { newBelow += top - held.linesFromMessageTop }
        }
        if pin {
            scroll = max(0, total - areaH)
            if scroll > 0 { pinnedScroll = scroll }
        }
        if reachedTop { scroll = min(scroll, max(0, total - areaH)) }
        anchor = nil
        if scroll > 0 {
            // The line at the top of the view: from the bottom, `scroll + areaH` lines up.
            let topFromBottom = scroll + areaH
            if let sp = spans.first(where: { topFromBottom > $0.from && topFromBottom <= $0.to }) {
                anchor = ScrollAnchor(messageID: sp.id, line: sp.to - topFromBottom, width: w, agentID: s.agentID,
                                      linesFromMessageTop: sp.to, scroll: scroll)
            }
        } else {
            newBelow = 0
        }
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
        return (visible, scroll, start > 0 || !reachedTop)
    }

    /// Messages waiting to be sent, as user bubbles marked "queued".
    func queuedLines(_ s: AppState, width w: Int) -> [LineItem] {
        let t = s.theme
        let why = s.connection == .connected && s.agentID != nil ? "sends when the answer ends" : "sends when connected"
        var out: [LineItem] = []
        for (i, text) in s.queued.enumerated() {
            let m = ChatMessage(id: -1 - i, role: .user, text: text)
            var lines = Array(layoutUncached(m, s: s, width: w).joined())
            if let label = lines.first {
                let tag = "queued — \(why) · You"
                var l = label
                l.x = max(1, w - 2 - DisplayWidth.of(tag))
                l.line = StyledLine([Span(tag, [.italic])])
                l.base = t.notice
                lines[0] = l
            }
            out += lines
        }
        return out
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
        // On a short screen (40×12) the chips alone follow the greeting.
        if s.height < 16 { return out }
        return out + [hint, LineItem(x: 0, fillX: 0, fillWidth: 0, fillStyle: t.base, line: StyledLine(), base: t.base)]
    }

    /// A message's lines, in pieces (one, except for an answer streaming in).
    func layoutParts(_ m: ChatMessage, s: AppState, width w: Int) -> [ArraySlice<LineItem>] {
        let isActive = m.role == .agent && m.turnID == s.activeTurn && m.status == .streaming
        let key = CacheKey(id: m.id, version: m.version, width: w, measure: s.measure, reasoning: s.showReasoning)
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
            let maxBubble = max(10, min(w - 10, s.measure))
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
            let bubbleW = max(10, min(w - 8, s.measure + 2))
            let textW = bubbleW - 2
            let bubble = t.agentBubble
            var out: [LineItem] = [LineItem(x: 2, fillX: 0, fillWidth: 0, fillStyle: t.base,
                                            line: Self.agentLabel(s), base: t.agentLabel)]
            func add(_ line: StyledLine, _ base: CellStyle) {
                out.append(LineItem(x: 3, fillX: 2, fillWidth: bubbleW, fillStyle: bubble, line: line, base: base))
            }
            if !m.reasoning.isEmpty {
                for l in reasoningLines(m.reasoning, s: s, width: textW) { add(l, t.notice.withBackground(bubble)) }
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
                for l in Wrapper.wrap("⚠ The answer was cut off", width: textW) {
                    add(StyledLine([Span(l, [.bold])]), t.error.withBackground(bubble))
                }
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
            if let r = Self.ratingLine(m, s) { add(r, t.notice.withBackground(bubble)) }
            out.append(blank)
            if let head { return [head, frozen, out[...]] }
            return [out[...]]
        }
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
