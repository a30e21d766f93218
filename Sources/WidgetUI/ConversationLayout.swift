// Render: the conversation's layout — messages as line items (cached per message; the streaming answer
// laid out incrementally), quick questions, queued messages, the loader, and the scroll that holds still.
import Foundation
import RobofyText
import RobofyAPI
import RobofySession

extension Renderer {
    // MARK: Conversation layout

    /// The visible conversation lines (bottom-anchored), the clamped scroll, and whether
    /// there are lines above them.
    ///
    /// A view scrolled up holds still while text arrives below: it keeps the line at its
    /// top (`anchor`) and counts the new lines (`newBelow`) until it is back at the bottom.
    func conversationLines(_ s: AppState, width w: Int, height areaH: Int) -> ([LineItem], Int, Bool) {
        guard areaH > 0 else { return ([], 0, false) }
        let messages = s.conversation.messages
        // The search's current match, and whether to scroll it into view (once per change).
        let target = s.search?.target
        let revealing = target != nil && s.search?.reveal != revealedSearch
        var found: (p: Int, nth: Int)?
        searchSpot = nil
        let held = revealing ? nil : anchor.flatMap { a in
            a.scroll == s.scroll && s.scroll > 0 && a.width == w && a.agentID == s.agentID ? a : nil
        }
        if s.scroll == 0 { newBelow = 0 }
        // Pieces of the layout, bottom first (a long answer is several pieces, shared
        // with the layout caches: only the visible lines are copied).
        var blocks: [LineRun] = []
        var total = 0
        var need = s.scroll + areaH
        // Queued messages wait at the bottom.
        if !s.queued.isEmpty {
            let qb = queuedLines(s, width: w)
            blocks.append(LineRun(qb[...]))
            total += qb.count
        }
        // Quick questions follow the greeting until the user speaks.
        let quick = s.visibleQuickQuestions
        if !quick.isEmpty {
            let qb = quickQuestionLines(quick, s: s, width: w)
            blocks.append(LineRun(qb[...]))
            total += qb.count
        }
        // The lead form's offer follows the greeting (above the chips) until the visitor speaks.
        if s.showsLeadOffer {
            let lb = leadOfferLines(s, width: w)
            blocks.append(LineRun(lb[...]))
            total += lb.count
        }
        // Each message's place: its id and its lines' range, counted from the bottom.
        var spans: [(id: Int, from: Int, to: Int)] = []
        var heldAt: Int?
        // A new selection (Alt-Up, ↑↓) is laid out and scrolled into view, once.
        let reveal = s.selection.flatMap { $0 == revealed ? nil : $0 }
        var revealSpan: (from: Int, to: Int)?
        // The greeting stays in view at start-up when the opening screen does not fit (until
        // the user scrolls or picks a question).
        if let p = pinnedScroll, p != s.scroll { pinReleased = true }
        let pin = !pinReleased && s.queued.isEmpty && !s.conversation.hasUserMessage && s.focus == .input
            && messages.first?.role == .greeting && (s.scroll == 0 || s.scroll == pinnedScroll)
        pinnedScroll = nil
        var i = messages.count - 1
        while i >= 0, total < need || (held != nil && heldAt == nil) || pin || (revealing && found == nil)
                || (reveal != nil && (revealSpan.map { total < $0.to + areaH } ?? true)) {
            let m = messages[i]
            let from = total
            let parts = layoutParts(m, s: s, width: w)
            for part in parts.reversed() {
                blocks.append(part)
                total += part.count
            }
            if let target, target.messageID == m.id, let q = s.search?.query {
                // The match's line, from the bottom of the conversation.
                let spot = Self.matchLine(parts, query: q, occurrence: target.occurrence)
                found = (total - 1 - spot.line, spot.nth)
                if revealing, let f = found { need = max(need, f.p + areaH - areaH / 2) }
            }
            spans.append((m.id, from, total))
            if m.id == reveal { revealSpan = (from, total) }
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
        if let r = revealSpan {
            // Its top in view (below the "more above" row), and all of it when it fits.
            let rows = max(1, areaH - 1)
            if r.to - r.from >= rows || r.to > scroll + rows { scroll = r.to - rows } else if r.from < scroll { scroll = r.from }
            scroll = max(0, scroll)
        }
        revealed = s.selection
        if revealing {
            revealedSearch = s.search?.reveal
            // Out of view: the match is brought to the middle of the view.
            if let f = found, f.p < scroll || f.p >= scroll + areaH { scroll = max(0, f.p - areaH / 2) }
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
        if let f = found, total - 1 - f.p >= start, total - 1 - f.p < end {
            searchSpot = (total - 1 - f.p - start, f.nth)
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

    /// A message's lines, in pieces (an answer: its head, its text, and what follows).
    func layoutParts(_ m: ChatMessage, s: AppState, width w: Int) -> [LineRun] {
        let isActive = m.role == .agent && m.turnID == s.activeTurn && m.status == .streaming
        let key = CacheKey(id: m.id, version: m.version, width: w, measure: s.measure, reasoning: s.showReasoning,
                           details: s.showDetails, selected: s.selection == m.id, expanded: s.expanded.contains(m.id))
        if !isActive, let c = cache[m.id], c.key == key { return c.parts }
        var parts = layoutUncached(m, s: s, width: w)
        if isActive, m.textIsEmpty {
            var lines = Array(parts.joined())
            lines.insert(contentsOf: loaderLines(s, width: w), at: max(0, lines.count - 1))
            parts = [LineRun(lines[...])]
        }
        if !isActive { cache[m.id] = (key, parts) }
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
        let bubbleW = min(w - 4, loaderWidth(text) + 2)
        return [LineItem(x: 3, fillX: 2, fillWidth: bubbleW, fillStyle: t.agentBubble,
                         line: StyledLine([Span(text)]), base: t.loader.withBackground(t.agentBubble), isLoader: true,
                         searchable: false)]
    }

    /// The width of a loader's text, measured once: the loader shows the same few texts (a
    /// spinner's frame and a loader text) ten times a second, and measuring one goes grapheme
    /// by grapheme (the spinner and the ellipsis are not ASCII).
    func loaderWidth(_ text: String) -> Int {
        if let w = loaderWidths[text] { return w }
        // The texts come from the handshake: a few dozen at most, but nothing bounds them.
        if loaderWidths.count >= 256 { loaderWidths.removeAll(keepingCapacity: true) }
        let w = DisplayWidth.of(text)
        loaderWidths[text] = w
        return w
    }

    func layoutUncached(_ m: ChatMessage, s: AppState, width w: Int) -> [LineRun] {
        let t = s.theme
        let blank = LineItem(x: 0, fillX: 0, fillWidth: 0, fillStyle: t.base, line: StyledLine(), base: t.base)
        switch m.role {
        case .notice:
            let text = Sanitizer.clean(m.text)
            return [LineRun((Wrapper.wrap(text, width: w - 4).map { line in
                let lw = DisplayWidth.of(line)
                return LineItem(x: max(1, (w - lw) / 2), fillX: 0, fillWidth: 0, fillStyle: t.base,
                                line: StyledLine([Span(line)]), base: t.notice)
            } + [blank])[...])]
        case .user:
            let maxBubble = max(10, min(w - 10, s.measure))
            let wrapped = Wrapper.wrap(Sanitizer.clean(m.text), width: maxBubble - 2)
            let bubbleW = min(maxBubble, (wrapped.map { DisplayWidth.of($0) }.max() ?? 0) + 2)
            let bx = w - 2 - bubbleW
            let you = DisplayWidth.truncate(Self.selectedMark(s, m) + s.label("You", m), to: w - 4)
            var out: [LineItem] = [LineItem(x: w - 2 - DisplayWidth.of(you), fillX: 0, fillWidth: 0, fillStyle: t.base,
                                            line: StyledLine([Span(you)]), base: t.userLabel)]
            out[0].searchable = false
            for line in wrapped {
                out.append(LineItem(x: bx + 1, fillX: bx, fillWidth: bubbleW, fillStyle: t.userBubble,
                                    line: StyledLine([Span(line)]), base: t.userBubble))
            }
            out.append(blank)
            if s.selection == m.id { out[0].line.spans = out[0].line.spans.map { Span($0.text, $0.attributes.union([.reverse, .bold])) } }
            return [LineRun(out[...])]
        case .greeting, .agent:
            let bubbleW = max(10, min(w - 8, s.measure + 2))
            let textW = bubbleW - 2
            let bubble = t.agentBubble
            let badge = agentBadge(s.agent?.name ?? "Agent")
            var out: [LineItem] = [LineItem(x: 2, fillX: 0, fillWidth: 0, fillStyle: t.base,
                                            line: Self.agentLabel(s, m, badge: badge, width: w - 4), base: t.agentLabel,
                                            hits: Self.avatarHit(s.agent, x: 2, badge: badge))]
            out[0].searchable = false
            let versions = s.versionLabel(m)
            if let versions { out[0].line.spans.append(Span("  " + versions, [.bold])) }
            let open = s.expanded.contains(m.id)
            if s.selection == m.id { Self.markSelected(&out[0]) }
            // A line in the bubble (the answer's text lines all take `body`'s place and look).
            let body = LineItem(x: 3, fillX: 2, fillWidth: bubbleW, fillStyle: bubble, line: StyledLine(), base: bubble)
            func add(_ line: StyledLine, _ base: CellStyle) {
                var item = body
                item.line = line
                item.base = base
                out.append(item)
            }
            if !m.reasoning.isEmpty {
                for l in reasoningLines(m.reasoning, s: s, width: textW, whole: open) { add(l, t.notice.withBackground(bubble)) }
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
                if open { for l in Self.toolDetailLines(tool, width: textW) { add(l, t.tool.withBackground(bubble)) } }
            }
            // The answer's text: one `StyledLine` a line, in the place and look of `body`
            // (a long answer holds its lines once; items are made for the rows drawn).
            let head = out[...]
            out = []
            var text: LineRun?
            if m.role == .agent, m.turnID == s.activeTurn || stream?.id == m.id {
                // An answer streaming in: only the text after its frozen lines is laid out.
                let sl = stream?.id == m.id ? stream! : StreamLayout(id: m.id)
                stream = sl
                let tail = m.withText { sl.markdown.render($0, width: textW) }
                text = LineRun(sl.markdown.frozen, like: body, source: m.textSource)
                for l in tail { add(l, bubble) }
            } else {
                let clean = Sanitizer.clean(m.text)
                if !clean.isEmpty { text = LineRun(CompactLines(Markdown.render(clean, width: textW)), like: body) }
            }
            if s.config.behaviour.enableSources, !m.sources.isEmpty {
                add(StyledLine([Span("Sources:", [.bold])]), t.source.withBackground(bubble))
                for (i, src) in m.sources.enumerated() {
                    let title = Sanitizer.clean(src.title ?? src.url ?? src.id, allowNewlines: false)
                    var spans = [Span("[\(i + 1)] "), Span(title, [.underline])]
                    if let u = src.url, src.title != nil { spans.append(Span(" — " + Sanitizer.clean(u, allowNewlines: false), [.dim])) }
                    for l in Wrapper.wrap(spans, width: textW, hangingIndent: 4) { add(l, t.source.withBackground(bubble)) }
                    if open { for l in Self.sourceDetailLines(src, width: textW) { add(l, t.source.withBackground(bubble)) } }
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
            if versions != nil {
                for l in Wrapper.wrap("↻ " + AppState.versionNotice, width: textW) {
                    add(StyledLine([Span(l, [.italic])]), t.notice.withBackground(bubble))
                }
            }
            out.append(blank)
            return [LineRun(head)] + (text.map { [$0] } ?? []) + [LineRun(out[...])]
        }
    }
}

/// A run of a message's laid-out lines: line items as they are, or text lines that all take
/// one item's place and look (an answer's body). A long answer keeps its lines compactly
/// (`CompactLines`, shared with its Markdown stream), and an item is made only for a row drawn.
struct LineRun: RandomAccessCollection {
    private let items: ArraySlice<LineItem>
    private let template: LineItem?
    private let lines: CompactLines
    /// The text the lines were laid out from, for the spans they keep as places in it.
    private let source: ChatMessage.TextSource?

    init(_ items: ArraySlice<LineItem>) {
        self.items = items
        template = nil
        lines = CompactLines()
        source = nil
    }

    /// `lines`, each in the place and look of `template`; `source`: the text they were laid
    /// out from, when they keep spans as places in it.
    init(_ lines: CompactLines, like template: LineItem, source: ChatMessage.TextSource? = nil) {
        items = []
        self.template = template
        self.lines = lines
        assert(!lines.hasReferences || source != nil, "lines that keep places in a text need it to be read")
        self.source = lines.hasReferences ? source : nil
    }

    var startIndex: Int { 0 }
    var endIndex: Int { template == nil ? items.count : lines.count }

    subscript(i: Int) -> LineItem {
        guard var t = template else { return items[items.startIndex + i] }
        if let source {
            t.line = lines.line(i) { source.read($0) }
        } else {
            t.line = lines[i]
        }
        return t
    }
}
