// Render: the overlays (help, messages, agents, reset, report), the status rows and the reasoning block.
import Foundation
import RobofyAPI
import RobofySession
import RobofyText

/// The panels drawn over the chat: help (F1), messages (F12), agents (F2), reset, report (F7);
/// the status rows and the reasoning block.
extension Renderer {
    /// A dim "Reasoning" block: its first line, or all of it when shown in full (Ctrl-T).
    func reasoningLines(_ text: String, s: AppState, width: Int, whole: Bool = false) -> [StyledLine] {
        var out = [StyledLine([Span("Reasoning", [.dim, .bold])])]
        var body: [String] = []
        for para in Sanitizer.clean(text).split(separator: "\n", omittingEmptySubsequences: true) {
            body += Wrapper.wrap(String(para), width: max(1, width - 2))
        }
        let shown = s.showReasoning || whole ? body : Array(body.prefix(1))
        out += shown.map { StyledLine([Span("│ " + $0, [.dim, .italic])]) }
        if body.count > shown.count {
            let more = body.count - shown.count
            out.append(StyledLine([Span(DisplayWidth.truncate("│ … \(more) more line\(more == 1 ? "" : "s") · Ctrl-T shows all",
                                                               to: width), [.dim])]))
        }
        return out
    }

    /// The status rows at the bottom: a storage failure (until acknowledged), then the status,
    /// wrapped to a second row when long (its end kept: a file name, advice). Empty: key hints.
    static func statusRows(_ s: AppState, width: Int, lastWidth: Int) -> [(text: String, isError: Bool)] {
        var messages: [(text: String, isError: Bool)] = []
        if let e = s.storageError { messages.append(("⚠ " + e + " · F12 to acknowledge", true)) }
        if let status = s.status, s.statusShown, status != s.storageError { messages.append((status, s.statusIsError)) }
        switch messages.count {
        case 0: return []
        case 1:
            // The last row is the narrow one (it shares its row with "Powered by").
            let (text, isError) = messages[0]
            if DisplayWidth.of(text) <= lastWidth { return [(text, isError)] }
            var first = Wrapper.wrap(text, width: width).first ?? ""
            var rest = String(text.dropFirst(first.count)).trimmingCharacters(in: .whitespaces)
            if DisplayWidth.of(rest) > lastWidth {
                // Too long for two rows broken at a word: fill the first row.
                first = DisplayWidth.truncate(text, to: width, ellipsis: "")
                rest = String(text.dropFirst(first.count))
            }
            return [(first, isError), (keepTail(rest, width: lastWidth), isError)]
        default:
            return [(keepTail(messages[0].text, width: width), messages[0].isError),
                    (keepTail(messages[1].text, width: lastWidth), messages[1].isError)]
        }
    }

    /// Text cut to `width` columns in the middle, so that its end (a path, advice) stays.
    static func keepTail(_ text: String, width: Int) -> String {
        guard DisplayWidth.of(text) > width, width > 8 else { return DisplayWidth.truncate(text, to: max(0, width)) }
        let headW = width / 3
        let head = DisplayWidth.truncate(text, to: headW, ellipsis: "")
        var tail = ""
        var tw = 0
        for c in text.reversed() {
            let cw = DisplayWidth.of(c)
            if tw + cw > width - headW - 1 { break }
            tail.insert(c, at: tail.startIndex)
            tw += cw
        }
        return head + "…" + tail
    }

    // MARK: Overlays

    func box(_ canvas: inout CanvasRegion, _ s: AppState, width bw: Int, height bh: Int) -> Rect {
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

    /// The help's rows: the key map's, with the keys as remapped in config.toml (`KeyRemap`);
    /// F4 and F5 carry the widget's own labels.
    static func helpEntries(_ s: AppState) -> [KeyHelp] {
        let h = s.config.header
        return KeyMap.bindings.compactMap { b -> KeyHelp? in
            guard let row = b.help else { return nil }
            var text = row.text
            switch b.action {
            case .endSession where !h.endSessionLabel.isEmpty: text = h.endSessionLabel
            case .saveTranscript where !h.downloadTranscriptLabel.isEmpty: text = h.downloadTranscriptLabel
            default: break
            }
            return KeyHelp(s.keyRemap.helpKeys(row.keys), text)
        }
    }

    /// How the help is laid out at the state's size: two columns side by side (read down the
    /// first, then the second) when the screen is wide enough, else one; keys and text side by
    /// side, or (narrow) the text under its key. Text that does not fit ends with an ellipsis.
    struct HelpLayout {
        /// The box's width, a column's width and the key column's width in each column.
        var boxWidth: Int, columnWidth: Int, keyWidths: [Int]
        /// Each line's entries, one per column; stacked: a key alone, then its text alone.
        var lines: [[KeyHelp]]
        var stacked: Bool
    }

    static func helpLayout(_ s: AppState) -> HelpLayout {
        let entries = helpEntries(s)
        let twoColumns = s.width - 2 - 4 >= 64
        let boxWidth = min(s.width - 2, twoColumns ? 100 : 64)
        let inner = boxWidth - 4
        let columnWidth = twoColumns ? (inner - 2) / 2 : inner
        let half = twoColumns ? (entries.count + 1) / 2 : entries.count
        let columns = twoColumns ? [Array(entries.prefix(half)), Array(entries.dropFirst(half))] : [entries]
        let keyWidths = columns.map { c in min(columnWidth - 12, c.map { DisplayWidth.of($0.keys) }.max() ?? 0) }
        func fit(_ e: KeyHelp, _ c: Int) -> KeyHelp {
            KeyHelp(e.keys, DisplayWidth.truncate(e.text, to: max(1, columnWidth - keyWidths[c] - 1)))
        }
        if !twoColumns && columnWidth - (keyWidths.first ?? 0) - 1 < 20 {
            let lines = entries.flatMap { [[KeyHelp(DisplayWidth.truncate($0.keys, to: inner), "")],
                                           [KeyHelp("", "  " + DisplayWidth.truncate($0.text, to: max(1, inner - 2)))]] }
            return HelpLayout(boxWidth: boxWidth, columnWidth: columnWidth, keyWidths: [inner], lines: lines, stacked: true)
        }
        let lines = (0..<half).map { i in columns.indices.compactMap { c in columns[c].indices.contains(i) ? fit(columns[c][i], c) : nil } }
        return HelpLayout(boxWidth: boxWidth, columnWidth: columnWidth, keyWidths: keyWidths, lines: lines, stacked: false)
    }

    /// The help's lines (for scrolling).
    static func helpLines(_ s: AppState) -> [[KeyHelp]] { helpLayout(s).lines }

    /// Rows of the help box that show keys, at a screen height.
    static func helpVisibleRows(_ s: AppState) -> Int {
        max(1, min(helpLines(s).count, s.height - 2 - 3))
    }

    func drawHelp(_ canvas: inout CanvasRegion, _ s: AppState, scroll: Int) {
        let layout = Self.helpLayout(s)
        let lines = layout.lines
        let r = box(&canvas, s, width: layout.boxWidth, height: lines.count + 4)
        let rows = r.height - 3
        let top = max(0, min(scroll, lines.count - rows))
        canvas.put(" Keys ", x: r.x + 2, y: r.y, style: s.theme.modalTitle)
        let maxX = r.x + r.width - 1
        for (i, line) in lines.dropFirst(top).prefix(rows).enumerated() {
            let yy = r.y + 1 + i
            for (c, e) in line.enumerated() {
                let x = r.x + 2 + c * (layout.columnWidth + 2)
                if layout.stacked {
                    canvas.put(e.keys.isEmpty ? e.text : e.keys, x: x, y: yy, style: e.keys.isEmpty ? s.theme.modal : s.theme.modalTitle, maxX: maxX)
                    continue
                }
                canvas.put(DisplayWidth.pad(DisplayWidth.truncate(e.keys, to: layout.keyWidths[c]), to: layout.keyWidths[c]), x: x, y: yy, style: s.theme.modalTitle, maxX: maxX)
                canvas.put(e.text, x: x + layout.keyWidths[c] + 1, y: yy, style: s.theme.modal, maxX: maxX)
            }
        }
        var foot = "Any key closes this."
        if lines.count > rows {
            let more = top + rows < lines.count ? "↓ more" : "end"
            foot = "\(more) \(top + rows)/\(lines.count) · ↑↓ PgUp/PgDn · other keys close"
        }
        canvas.put(DisplayWidth.truncate(foot, to: r.width - 4), x: r.x + 2, y: r.y + r.height - 2,
                   style: s.theme.notice.withBackground(s.theme.modal), maxX: maxX)
    }

    /// The last status messages in full (F12), newest at the bottom.
    func drawMessages(_ canvas: inout CanvasRegion, _ s: AppState, scroll: Int) {
        let r = box(&canvas, s, width: min(s.width - 2, 100), height: s.height - 2)
        canvas.put(" Messages ", x: r.x + 2, y: r.y, style: s.theme.modalTitle)
        var lines: [(String, Bool)] = []
        if s.messageLog.isEmpty { lines.append(("No messages yet.", false)) }
        for m in s.messageLog {
            let stamp = String(format: "%5.0fs ", m.at)
            let wrapped = Wrapper.wrap(m.text, width: max(1, r.width - 4 - 7))
            for (i, l) in wrapped.enumerated() { lines.append(((i == 0 ? stamp : "       ") + l, m.isError)) }
        }
        let rows = r.height - 3
        let maxScroll = max(0, lines.count - rows)
        let up = min(scroll, maxScroll)
        let top = maxScroll - up
        for (i, l) in lines.dropFirst(top).prefix(rows).enumerated() {
            canvas.put(l.0, x: r.x + 2, y: r.y + 1 + i, style: l.1 ? s.theme.error.withBackground(s.theme.modal) : s.theme.modal,
                       maxX: r.x + r.width - 1)
        }
        let foot = (s.storageError != nil ? "Esc acknowledges the storage failure · " : "Esc closes · ") + "↑↓ scroll"
        canvas.put(DisplayWidth.truncate(foot, to: r.width - 4), x: r.x + 2, y: r.y + r.height - 2,
                   style: s.theme.notice.withBackground(s.theme.modal), maxX: r.x + r.width - 1)
    }

    func drawReport(_ canvas: inout CanvasRegion, _ s: AppState, scroll: Int) {
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

    func drawAgents(_ canvas: inout CanvasRegion, _ s: AppState, selected: Int, hits: inout [(Rect, HitTarget)]) {
        let bw = min(s.width - 2, 70)
        let r = box(&canvas, s, width: bw, height: min(s.height - 2, s.agents.count * 2 + 3))
        // The highlighted agent is always in view: the list scrolls.
        let fit = max(1, (r.height - 3) / 2)
        let first = max(0, min(selected - fit + 1, s.agents.count - fit))
        var title = " Agents "
        if s.agents.count > fit { title = " Agents \(selected + 1)/\(s.agents.count) " }
        canvas.put(title, x: r.x + 2, y: r.y, style: s.theme.modalTitle)
        if first > 0 { canvas.put(" ↑ more ", x: r.x + r.width - 10, y: r.y, style: s.theme.modal) }
        if first + fit < s.agents.count { canvas.put(" ↓ more ", x: r.x + r.width - 10, y: r.y + r.height - 1, style: s.theme.modal) }
        var yy = r.y + 1
        for (i, a) in s.agents.enumerated() where i >= first && yy + 1 < r.y + r.height - 1 {
            let sel = i == selected
            let style = sel ? s.theme.buttonSelected : s.theme.modalTitle
            let number = "\(i + 1). ", badge = " \(Self.initials(a.name)) "
            var name = a.name
            if !a.type.isEmpty { name += " (\(a.type))" }
            if a.chatbotID == s.agentID { name += " ✓" }
            canvas.fill(Rect(x: r.x + 1, y: yy, width: r.width - 2, height: 1), sel ? style : s.theme.modal)
            let nx = canvas.put(number, x: r.x + 2, y: yy, style: style)
            let bx = canvas.put(badge, x: nx, y: yy, style: s.theme.header, maxX: r.x + r.width - 2)
            if let hit = Self.avatarHit(a, x: nx, badge: badge).first { hits.append((Rect(x: hit.x, y: yy, width: hit.width, height: 1), hit.2)) }
            canvas.put(DisplayWidth.truncate(name, to: max(1, r.x + r.width - 3 - bx)), x: bx + 1, y: yy, style: style)
            canvas.put(DisplayWidth.truncate(a.description, to: r.width - 6), x: r.x + 4, y: yy + 1, style: s.theme.modal)
            hits.append((Rect(x: r.x + 1, y: yy, width: r.width - 2, height: 2), .agent(i)))
            yy += 2
        }
        canvas.put(DisplayWidth.truncate(" ↑↓ Enter choose · Esc close ", to: max(1, r.width - 12)), x: r.x + 2,
                   y: r.y + r.height - 1, style: s.theme.modal, maxX: r.x + r.width - 1)
    }

    func drawReset(_ canvas: inout CanvasRegion, _ s: AppState, confirmSelected: Bool, hits: inout [(Rect, HitTarget)]) {
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
