import Foundation
import RobofyAPI
import RobofySession
import RobofyText

/// Drawing the widget's extras: the lead offer and form, the privacy term, ratings, the
/// closed bar, the server's record (F11), agent badges.
extension Renderer {
    // MARK: Closed (auto-close)

    /// The widget closed after `close_after_time` seconds without activity: one bar.
    func drawClosed(_ canvas: inout CanvasRegion, _ s: AppState) {
        let t = s.theme, w = s.width
        let y = s.height - 1
        canvas.fill(Rect(x: 0, y: y, width: w, height: 1), t.header)
        let secs = s.autoCloseSeconds.map { RobofyErrorFormat.seconds($0) } ?? "a while"
        let title = s.config.header.title.isEmpty ? (s.agent?.name ?? "Chat") : s.config.header.title
        let candidates = [
            " 💬 \(title) — closed after \(secs) without activity — press any key to reopen ",
            " 💬 \(title) · closed after \(secs) idle — press any key to reopen ",
            " 💬 closed — press any key to reopen ",
            " closed · any key reopens ",
        ]
        let text = candidates.first { DisplayWidth.of($0) <= w } ?? DisplayWidth.truncate(candidates[2], to: w)
        // Where the web widget's bubble sits (widget_position): left or right.
        let left = s.config.branding.widgetPosition.lowercased().contains("left")
        canvas.put(text, x: left ? 0 : max(0, w - DisplayWidth.of(text)), y: y, style: t.header)
        canvas.cursor = nil
    }

    // MARK: Privacy term

    /// The privacy term under the input (one row; none on a short screen).
    static func privacyRow(_ text: String?, _ s: AppState, width: Int) -> String? {
        guard s.height >= 16, let text else { return nil }
        return DisplayWidth.truncate(text, to: max(1, width))
    }

    // MARK: Lead offer (under the greeting)

    func leadOfferLines(_ s: AppState, width w: Int) -> [LineItem] {
        guard let labels = s.agent?.leadFormLabels else { return [] }
        let t = s.theme
        let text = "📝 \(labels.title) — Ctrl-O to fill in"
        let line = LineItem(x: 2, fillX: 0, fillWidth: 0, fillStyle: t.base,
                            line: StyledLine([Span(DisplayWidth.truncate(text, to: max(1, w - 4)), [.bold])]), base: t.accentText)
        let blank = LineItem(x: 0, fillX: 0, fillWidth: 0, fillStyle: t.base, line: StyledLine(), base: t.base)
        return [line, blank]
    }

    // MARK: Ratings

    /// The rating under a rated answer.
    static func ratingLine(_ m: ChatMessage, _ s: AppState) -> StyledLine? {
        guard m.role == .agent, let r = s.extras.ratings[m.id] else { return nil }
        return StyledLine([Span("\(r.emoji) You rated this answer \(r == .up ? "helpful" : "not helpful")", [.italic])])
    }

    /// The key hints with the rating keys first, when an answer can be rated.
    static func ratingHints(_ s: AppState, width: Int) -> String? {
        guard s.config.privacy.enableChatRating, !s.previewOnly, !s.isBusy, s.rateableMessage != nil else { return nil }
        return ["Ctrl-Y 👍 · Ctrl-N 👎 rate · Enter send · F1 help", "Ctrl-Y 👍 Ctrl-N 👎 · F1 help"]
            .first { DisplayWidth.of($0) <= width }
    }

    // MARK: Agent badge

    /// Up to two initials of an agent's name ("Gujarat - Kitchenware" → "GK").
    public static func initials(_ name: String) -> String {
        let words = Sanitizer.clean(name, allowNewlines: false).split { !$0.isLetter && !$0.isNumber }
        let letters = words.compactMap { $0.first(where: \.isLetter) }.prefix(2)
        let s = String(letters).uppercased()
        return s.isEmpty ? "?" : s
    }

    // MARK: Lead form

    /// Draws the open lead form (title, subtitle, name/email/phone, submit), with the caret in the field.
    func drawLeadForm(_ canvas: inout CanvasRegion, _ s: AppState, form f: LeadFormState) {
        let t = s.theme
        let labels = s.agents.first { $0.chatbotID == f.agentID }?.leadFormLabels
            ?? (title: "Contact details", subtitle: "(lead_capture is not set: the default labels are shown)", submit: "Submit")
        let bw = min(s.width - 2, 64)
        let inner = bw - 4
        let sub = labels.subtitle.isEmpty ? [] : Array(Wrapper.wrap(labels.subtitle, width: inner).prefix(3))
        var rows: [(String, CellStyle, LeadFormState.Field?)] = []
        for l in sub { rows.append((l, t.modal, nil)) }
        rows.append(("", t.modal, nil))
        let names: [(LeadFormState.Field, String, String)] = [(.name, "Name", "name"), (.email, "Email", "email"), (.phone, "Phone", "phone")]
        for (field, label, key) in names {
            rows.append((label, t.modalTitle, field))
            if let e = f.errors[key] { rows.append(("  ⚠ " + e, t.error.withBackground(t.modal), nil)) }
        }
        rows.append(("", t.modal, nil))
        rows.append(("", t.modal, .submit))
        if let e = f.errors["form"] { rows.append((e, t.error.withBackground(t.modal), nil)) }
        if f.sending { rows.append(("Sending…", t.notice.withBackground(t.modal), nil)) }
        let r = box(&canvas, s, width: bw, height: rows.count + 3)
        canvas.put(" " + DisplayWidth.truncate(labels.title, to: max(1, bw - 6)) + " ", x: r.x + 2, y: r.y, style: t.modalTitle)
        let fieldX = r.x + 2 + 8
        let fieldW = max(4, r.x + r.width - 2 - fieldX)
        for (i, row) in rows.prefix(max(0, r.height - 3)).enumerated() {
            let y = r.y + 1 + i
            guard let field = row.2 else {
                canvas.put(DisplayWidth.truncate(row.0, to: inner), x: r.x + 2, y: y, style: row.1, maxX: r.x + r.width - 2)
                continue
            }
            let focused = f.focus == field
            if field == .submit {
                let button = "[ \(labels.submit) ]"
                canvas.put(DisplayWidth.truncate(button, to: inner / 2 + 8), x: r.x + 2, y: y,
                           style: focused ? t.buttonSelected : t.button)
                let skip = "Tab move · Esc skip"
                canvas.put(skip, x: max(r.x + 2, r.x + r.width - 2 - DisplayWidth.of(skip)), y: y,
                           style: t.notice.withBackground(t.modal), maxX: r.x + r.width - 2)
                continue
            }
            canvas.put((focused ? "› " : "  ") + row.0, x: r.x + 2, y: y, style: row.1)
            var style = focused ? t.input : t.placeholder
            style.underline = true
            if t.input.bg == t.modal.bg || style.bg == .terminalDefault { style.bg = t.base.bg }
            canvas.fill(Rect(x: fieldX, y: y, width: fieldW, height: 1), style)
            let value = f.value(field)
            // The end of a long value stays in view (the caret is there).
            var shown = value
            while DisplayWidth.of(shown) > fieldW - 1, !shown.isEmpty { shown.removeFirst() }
            canvas.put(shown, x: fieldX, y: y, style: style)
            if focused, !f.sending { canvas.cursor = (fieldX + DisplayWidth.of(shown), y) }
        }
        if f.focus == .submit || f.sending { canvas.cursor = nil }
    }

    // MARK: Server record (F11)

    /// What the server recorded for this session, next to what the client saw.
    func drawServerView(_ canvas: inout CanvasRegion, _ s: AppState, view v: ServerRecordView) {
        let t = s.theme
        let r = box(&canvas, s, width: s.width - 2, height: s.height - 2)
        canvas.put(" What the server recorded (F11) ", x: r.x + 2, y: r.y, style: t.modalTitle)
        let inner = r.width - 4
        var lines: [(String, CellStyle)] = []
        let client = Self.clientLines(s)
        guard let rec = v.record else {
            canvas.put("Asking the server…", x: r.x + 2, y: r.y + 1, style: t.modal)
            return
        }
        if let sid = rec.sessionID { lines.append(("Session " + Redaction.redact(sid), t.modalTitle)) }
        if let p = rec.problem {
            for l in Wrapper.wrap(p, width: inner) { lines.append((l, t.error.withBackground(t.modal))) }
            lines.append(("", t.modal))
        }
        let side = inner >= 70
        let colW = side ? (inner - 3) / 2 : inner
        let server = rec.problem != nil && rec.messages.isEmpty ? [] : rec.messages
        let serverHead = "Server: \(server.count) message\(server.count == 1 ? "" : "s")"
            + (rec.leads.isEmpty ? "" : ", \(rec.leads.count) lead\(rec.leads.count == 1 ? "" : "s")")
        let clientHead = "Client: \(client.count) message\(client.count == 1 ? "" : "s")"
        let serverRows = server.flatMap { Wrapper.wrap(Sanitizer.clean($0, allowNewlines: false), width: colW) }
            + rec.leads.flatMap { Wrapper.wrap("lead: " + Sanitizer.clean($0, allowNewlines: false), width: colW) }
        let clientRows = client.flatMap { Wrapper.wrap($0, width: colW) }
        if side {
            lines.append((DisplayWidth.pad(serverHead, to: colW) + " │ " + clientHead, t.modalTitle))
            for i in 0..<max(serverRows.count, clientRows.count) {
                let a = i < serverRows.count ? serverRows[i] : "", b = i < clientRows.count ? clientRows[i] : ""
                lines.append((DisplayWidth.pad(a, to: colW) + " │ " + b, t.modal))
            }
        } else {
            lines.append((serverHead, t.modalTitle))
            lines += serverRows.map { ($0, t.modal) }
            lines.append(("", t.modal))
            lines.append((clientHead, t.modalTitle))
            lines += clientRows.map { ($0, t.modal) }
        }
        let rows = r.height - 3
        let top = max(0, min(v.scroll, lines.count - rows))
        for (i, l) in lines.dropFirst(top).prefix(rows).enumerated() {
            canvas.put(l.0, x: r.x + 2, y: r.y + 1 + i, style: l.1, maxX: r.x + r.width - 2)
        }
        canvas.put(DisplayWidth.truncate("↑↓ scroll · r refresh · other keys close", to: inner), x: r.x + 2,
                   y: r.y + r.height - 2, style: t.notice.withBackground(t.modal), maxX: r.x + r.width - 1)
    }

    /// The client's side: the conversation's user and agent messages, "role: text".
    static func clientLines(_ s: AppState) -> [String] {
        s.conversation.messages.compactMap { m in
            switch m.role {
            case .user: return "user: " + Sanitizer.clean(m.text, allowNewlines: false)
            case .agent: return "assistant: " + Sanitizer.clean(m.text, allowNewlines: false)
            default: return nil
            }
        }
    }

    /// The extras drawn over everything else.
    func drawExtras(_ canvas: inout CanvasRegion, _ s: AppState) {
        if let v = s.extras.serverView { drawServerView(&canvas, s, view: v) }
        if let f = s.extras.leadForm { drawLeadForm(&canvas, s, form: f) }
    }
}

extension Renderer {
    /// Where an agent's avatar image goes: over its initials badge at `x`; none without `avatar_image_path`.
    /// `badge`: the agent's initials badge as drawn (" NV ").
    static func avatarHit(_ a: Agent?, x: Int, badge: String) -> [(x: Int, width: Int, HitTarget)] {
        guard let a, let path = a.avatarURL, !path.isEmpty else { return [] }
        return [(x, DisplayWidth.of(badge), .avatar(path))]
    }

    /// The avatar badges on screen: the terminal draws their images over them (kitty graphics).
    public static func avatarBadges(_ f: Frame) -> [(x: Int, y: Int, width: Int, path: String)] {
        f.hits.compactMap { r, t in
            if case .avatar(let path) = t { (r.x, r.y, r.width, path) } else { nil }
        }
    }

    /// The label over an answer: the agent's initials as a badge in the agent colour, then its name.
    /// The agent's initials badge and name, with the message's time and timings when details are on (Ctrl-P).
    static func agentLabel(_ s: AppState, _ m: ChatMessage, badge: String, width: Int) -> StyledLine {
        let name = s.agent?.name ?? "Agent"
        let label = s.label(name, m)
        // The name alone is clipped by the region (as the goldens show); with details on, the timings are cut with "…".
        let rest = label == name ? " " + name : DisplayWidth.truncate(" " + label, to: max(0, width - DisplayWidth.of(badge)))
        return StyledLine([Span(badge, [.reverse, .bold]), Span(rest)])
    }
}
