// Output: the configuration report (F7, `preview`): every handshake field and how it is used.
import Foundation
import RobofyAPI
import RobofyText

/// What a widget owner wants to know about a handshake: every field, whether the
/// terminal shows it, what was missing or malformed, and what to improve.
public enum ConfigReport {
    /// What the widget draws, as the renderer would draw it: one app state per agent (that
    /// agent selected), built by the same code as the preview frame. Every row of the
    /// report that depends on a value reads it from these states, never from a second copy
    /// of the drawing rules.
    struct Drawn {
        let handshake: Handshake
        /// The state the preview opens with (first agent by sort order, or none).
        let first: AppState
        /// By position in `data.chatbots`: the state with that agent selected.
        let byIndex: [Int: AppState]
        let spec: ThemeSpec
        let forceDark: Bool?

        init(_ h: Handshake, spec: ThemeSpec, forceDark: Bool?, noColor: Bool) {
            handshake = h
            self.spec = spec
            self.forceDark = forceDark
            func make(_ id: String?) -> AppState {
                PreviewFrame.state(h, width: 80, height: 24, spec: spec, forceDark: forceDark, chatbotID: id,
                                   noColor: noColor)
            }
            first = make(nil)
            var by: [Int: AppState] = [:]
            for a in h.agents {
                if let i = a.sourceIndex { by[i] = make(a.chatbotID) }
            }
            byIndex = by
        }

        var config: WidgetConfig { first.config }
    }

    /// How robofy-tui uses the field at `path` whose value is `v`.
    static func usage(_ path: String, _ v: JSONValue, _ d: Drawn) -> String {
        let null = v.isNull
        func unset(_ consequence: String) -> String { null ? "null: not set; \(consequence)" : "empty: \(consequence)" }
        func blank(_ s: String) -> Bool { s.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty }
        if let (index, rest) = agentPath(path) {
            return agentUsage(index: index, rest: rest, v, d)
        }
        let c = d.config
        switch path {
        case "message": return "not shown (status text of the handshake)"
        case "data.token": return "used for chat calls; never shown"
        case "data.chatbots": return null ? "null: no agents" : "empty: no agents; the agent line says so"
        case "data.widget.header":
            return "\(null ? "null" : "not an object"): header defaults: no title, tab \"\(c.header.chatTabLabel)\""
        case "data.widget.header.title":
            return blank(c.header.title) ? unset("the header shows no title") : "shown: header"
        case "data.widget.header.subtitle":
            return blank(c.header.subtitle) ? unset("no subtitle") : "shown: header (hidden below 16 rows)"
        case "data.widget.header.chat_tab_label":
            return c.header.chatTabLabel.isEmpty ? unset("no tab in the header") : "shown: header tab"
        case "data.widget.header.input_placeholder":
            return blank(c.header.inputPlaceholder) ? unset("the empty input shows no hint") : "shown: empty input"
        case "data.widget.header.download_transcript_label":
            return blank(c.header.downloadTranscriptLabel) ? unset("the footer shows F5 alone") : "shown in chat: footer keys (F5), help"
        case "data.widget.header.end_session_label":
            return blank(c.header.endSessionLabel) ? unset("the footer shows F4 alone") : "shown in chat: footer keys (F4), help"
        case "data.widget.branding.theme_mode":
            let drawnDark = d.first.theme.dark
            let widgetDark = c.branding.themeMode != 0
            let look = drawnDark ? "dark" : "light"
            if null || v.doubleValue == nil && v.stringValue.flatMap({ Double($0) }) == nil {
                return "\(null ? "null" : "wrong type"): not used; the \(look) look is drawn"
            }
            return drawnDark == widgetDark ? "applied: \(look)" : "overridden: \(look) (by --light/--dark or the theme)"
        case "data.widget.branding.theme_color":
            return themeColorUsage(v, d)
        case "data.widget.branding.show_powered_by":
            return d.first.poweredBy.map { "applied: \"\($0)\" in the footer" } ?? "applied: no \"Powered by\" in the footer"
        case "data.widget.branding.brand_name":
            return d.first.poweredBy == nil ? "not shown: show_powered_by is false" : "shown: \"Powered by\" in the footer"
        case "data.widget.branding.widget_position": return "set, not applicable in a terminal"
        case "data.widget.branding.widget_bubble_icon":
            return null ? "null: not set" : "set; an image: the closed bar (auto-close) shows 💬 in its place"
        case "data.widget.behaviour.open_on_page_load": return "set, not applicable in a terminal"
        case "data.widget.behaviour.show_on_mobile":
            return "applied in preview --mobile: \(c.behaviour.showOnMobile ? "shown" : "hidden") on mobile"
        case "data.widget.behaviour.show_microphone": return "set, no microphone in a terminal"
        case "data.widget.behaviour.close_after_time": return closeAfterUsage(c, null: null)
        case "data.widget.behaviour.enable_sources":
            return "applied: sources under answers \(c.behaviour.enableSources ? "shown" : "hidden")"
        case "data.widget.behaviour.enable_suggested_questions":
            return "applied: quick-question chips \(c.behaviour.enableSuggestedQuestions ? "shown" : "hidden")"
        case "data.widget.loader.loader_texts":
            return c.loader.loaderTexts.isEmpty ? unset("no loader text") : "shown: while an answer is awaited"
        case let x where x.hasPrefix("data.widget.loader.loader_texts["):
            return c.loader.enableLoader ? "shown: while an answer is awaited" : "not shown: enable_loader is false"
        case "data.widget.loader.enable_loader": return "applied: loader texts \(c.loader.enableLoader ? "on" : "off")"
        case "data.widget.reset_modal.enable_reset_chat_modal":
            return "applied: \(c.resetModal.enabled ? "confirm" : "no confirmation") before reset (F3)"
        case let x where x.hasPrefix("data.widget.reset_modal."):
            return c.resetModal.enabled ? "shown: reset-chat modal (F3)" : "not shown: enable_reset_chat_modal is false"
        case "data.widget.privacy.enable_chat_rating":
            return c.privacy.enableChatRating ? "applied: answers can be rated 👍/👎 (Ctrl-Y / Ctrl-N)" : "applied: no rating of answers"
        case "data.widget.privacy.capture_ip_address": return "set, not applicable"
        case "data.widget.privacy.chatbot_privacy_term":
            return AppState.privacyText(c.privacy.privacyTerm) == nil ? unset("no privacy line under the input")
                : "shown: under the input (links as text and URL; hidden below 16 rows)"
        case "data.widget.custom_css": return null ? "null: not set" : "set, never applied in a terminal"
        case "data.widget.custom_js": return null ? "null: not set" : "set, never run in a terminal"
        default: return null ? "null: not set" : "not used"
        }
    }

    /// `data.chatbots[3].greeting` → (3, ".greeting").
    static func agentPath(_ path: String) -> (Int, String)? {
        let prefix = "data.chatbots["
        guard path.hasPrefix(prefix), let close = path.firstIndex(of: "]"),
              let i = Int(path[path.index(path.startIndex, offsetBy: prefix.count)..<close]) else { return nil }
        return (i, String(path[path.index(after: close)...]))
    }

    static func agentUsage(index: Int, rest: String, _ v: JSONValue, _ d: Drawn) -> String {
        let null = v.isNull
        guard let st = d.byIndex[index], let a = st.agent else {
            if rest.isEmpty { return "not an agent object: skipped" }
            return "not used: this agent is skipped (it has no chatbot_id)"
        }
        let picker = d.handshake.agents.count > 1 ? ", agent picker (F2)" : ""
        switch rest {
        case ".chatbot_id": return "used to address the agent"
        case ".agent_name":
            return null || v.stringValue?.isEmpty == true ? "\(null ? "null" : "empty"): shown as \"\(a.name)\"" :
                "shown: header agent line, message labels\(picker)"
        case ".agent_type", ".description":
            let value = rest == ".agent_type" ? a.type : a.description
            return value.isEmpty ? (null ? "null: not shown" : "empty: not shown") : "shown: header agent line\(picker)"
        case ".avatar_image_path":
            return "shown as the initials badge \"\(Renderer.initials(a.name))\" before answers\(picker)"
                + (null ? " (null: no image)" : "; the image itself over it in a terminal that draws kitty graphics (PNG)")
        case ".greeting":
            return st.showsGreeting ? "shown: first message" : "\(null ? "null" : "empty"): no greeting is shown"
        case ".sort_order":
            let pos = (d.handshake.sortedAgents.firstIndex { $0.sourceIndex == index } ?? 0) + 1
            return "used: agent order (\(pos) of \(d.handshake.agents.count))"
        case ".quick_questions":
            if case .array = v { return "empty: no quick-question chips" }
            if case .string(let q) = v { return chipUsage(q, st, d) }
            return null ? "null: no quick-question chips" : "wrong type: no quick-question chips"
        case let x where x.hasPrefix(".quick_questions["):
            return quickQuestionUsage(x, agentIndex: index, st, d)
        case let x where x.hasPrefix(".lead_capture"): return leadUsage(rest, a, null: null)
        default: return null ? "null: not set" : "not used"
        }
    }

    /// A chip's text: shown when the agent's state offers it (the renderer draws exactly these).
    static func chipUsage(_ text: String, _ st: AppState, _ d: Drawn) -> String {
        let clean = Sanitizer.clean(text, allowNewlines: false)
        if st.visibleQuickQuestions.contains(clean) { return "shown: quick-question chip" }
        if !d.config.behaviour.enableSuggestedQuestions { return "not shown: enable_suggested_questions is false" }
        return clean.isEmpty ? "empty: no chip" : "not shown"
    }

    /// `.quick_questions[2]` or `.quick_questions[2].label`.
    static func quickQuestionUsage(_ rest: String, agentIndex: Int, _ st: AppState, _ d: Drawn) -> String {
        let body = rest.dropFirst(".quick_questions[".count)
        guard let close = body.firstIndex(of: "]"), let j = Int(body[..<close]),
              let agents = d.handshake.redactedJSON["data"]?["chatbots"]?.arrayValue, agents.indices.contains(agentIndex),
              case .array(let items)? = agents[agentIndex]["quick_questions"], items.indices.contains(j)
        else { return "not used" }
        let field = String(body[body.index(after: close)...])
        guard let found = QuickQuestion.text(of: items[j]) else {
            return "not used: no text field (one of \(QuickQuestion.textKeys.joined(separator: ", ")))"
        }
        if let key = found.key, field != "." + key {
            return "not used: the chip's text comes from \"\(key)\""
        }
        return chipUsage(found.text, st, d)
    }

    static func themeColorUsage(_ v: JSONValue, _ d: Drawn) -> String {
        guard let raw = v.stringValue, let rgb = RGB(hex: raw) else {
            return "\(v.isNull ? "null: not set" : "invalid: not a #RRGGBB colour"); the default accent \(WidgetConfig.Branding().themeColor) is drawn"
        }
        if d.first.theme.header.bg == .rgb(rgb) { return "applied: accent colour (header, your messages, chips)" }
        if d.first.noColor { return "not applied: colours are off (NO_COLOR)" }
        if d.spec.accent != nil { return "overridden: the theme \"\(d.spec.name)\" sets the accent" }
        return "not applied: the theme \"\(d.spec.name)\" has its own colours"
    }

    /// Every leaf of the JSON tree as (path, value text).
    static func leaves(_ v: JSONValue, path: String, into out: inout [(String, String)]) {
        var values: [(String, JSONValue)] = []
        leafValues(v, path: path, into: &values)
        out += values.map { ($0.0, $0.1.compactText) }
    }

    /// Every leaf of the JSON tree (empty objects and arrays included) with its path.
    static func leafValues(_ v: JSONValue, path: String, into out: inout [(String, JSONValue)]) {
        switch v {
        case .object(let o):
            if o.isEmpty { out.append((path, v)) }
            for k in o.keys.sorted(by: { orderKey($0) < orderKey($1) }) {
                if let child = o[k] { leafValues(child, path: path.isEmpty ? k : "\(path).\(k)", into: &out) }
            }
        case .array(let a):
            if a.isEmpty { out.append((path, v)) }
            for (i, x) in a.enumerated() { leafValues(x, path: "\(path)[\(i)]", into: &out) }
        default:
            out.append((path, v))
        }
    }

    /// The report's rows: path, value text, and how the field is used (derived from what is drawn).
    public static func rows(_ h: Handshake, spec: ThemeSpec = ThemeSpec(), forceDark: Bool? = nil,
                            noColor: Bool = false) -> [(path: String, value: String, use: String)] {
        let d = Drawn(h, spec: spec, forceDark: forceDark, noColor: noColor)
        var values: [(String, JSONValue)] = []
        leafValues(h.redactedJSON, path: "", into: &values)
        return values.map { (path: $0.0, value: $0.1.compactText, use: usage($0.0, $0.1, d)) }
    }

    /// Documented order first, then the rest alphabetically.
    static let documentedOrder: [String] = [
        "message", "data", "token", "chatbots", "widget", "chatbot_id", "agent_name", "agent_type", "description",
        "avatar_image_path", "greeting", "sort_order", "quick_questions", "lead_capture", "form_title",
        "form_subtitle", "submit_button_text", "header", "title", "subtitle", "chat_tab_label", "input_placeholder",
        "download_transcript_label", "end_session_label", "branding", "theme_mode", "theme_color", "show_powered_by",
        "widget_position", "widget_bubble_icon", "brand_name", "behaviour", "open_on_page_load", "show_on_mobile",
        "show_microphone", "close_after_time", "enable_sources", "enable_suggested_questions", "loader",
        "loader_texts", "enable_loader", "reset_modal", "reset_chat_modal_title", "reset_chat_modal_description",
        "confirm_reset_chat_button_text", "cancel_reset_chat_button_text", "enable_reset_chat_modal", "privacy",
        "enable_chat_rating", "capture_ip_address", "chatbot_privacy_term", "custom_css", "custom_js",
    ]

    static func orderKey(_ k: String) -> String {
        if let i = documentedOrder.firstIndex(of: k) { return String(format: "0%03d", i) }
        return "1" + k
    }

    /// Suggestions a widget owner would want.
    public static func suggestions(_ h: Handshake) -> [String] {
        var out: [String] = []
        let w = h.widget
        for a in h.sortedAgents {
            let name = Sanitizer.clean(a.name, allowNewlines: false)
            if a.greeting.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty {
                out.append("Agent \"\(name)\" has no greeting: visitors see an empty chat.")
            }
            if a.quickQuestions.isEmpty && w.behaviour.enableSuggestedQuestions {
                out.append("Agent \"\(name)\" has no quick questions although suggested questions are enabled.")
            }
            let lc = a.leadCapture
            if lc.formTitle == nil || lc.submitButtonText == nil {
                out.append("Agent \"\(name)\" has lead-capture labels missing (form title / submit button text).")
            }
            if a.description.isEmpty { out.append("Agent \"\(name)\" has no description (shown in the agent picker).") }
        }
        if w.header.title.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty { out.append("The header has no title.") }
        if h.agents.isEmpty { out.append("The widget lists no agents (data.chatbots): visitors have no one to chat with.") }
        if h.token.isEmpty { out.append("The handshake has no token (data.token): chat calls would be refused.") }
        if w.loader.enableLoader && w.loader.loaderTexts.isEmpty { out.append("The loader is on but has no texts.") }
        if !w.behaviour.showOnMobile { out.append("The widget is hidden on mobile (show_on_mobile is false).") }
        if w.customJS != nil { out.append("custom_js is set: check it on the web; a terminal never runs it.") }
        if w.customCSS != nil { out.append("custom_css is set: check it on the web; a terminal never applies it.") }
        if let c = RGB(hex: w.branding.themeColor), c.contrast(with: c.contrastingText) < 4.5 {
            out.append("theme_color \(w.branding.themeColor) gives header text a contrast below 4.5:1.")
        }
        return out
    }

    /// The report as text. With `width`, each field takes two lines (path and value, then how it is used)
    /// so it fits a narrow panel; without, one aligned line per field.
    public static func make(_ h: Handshake, width: Int? = nil, spec: ThemeSpec = ThemeSpec(), forceDark: Bool? = nil,
                            noColor: Bool = false) -> String {
        var out = "Widget configuration report\n===========================\n\n"
        if h.agents.isEmpty {
            out += "Agents: 0 (this widget lists no agents: nothing to chat with)\n"
        } else {
            out += "Agents: \(h.agents.count) (in display order: \(h.sortedAgents.map { Sanitizer.clean($0.name, allowNewlines: false) }.joined(separator: ", ")))\n"
        }
        if h.token.isEmpty { out += "Token: none (a preview works; chat calls would fail)\n" }
        out += "\n"
        let rows = rows(h, spec: spec, forceDark: forceDark, noColor: noColor)
        let pathW = min(56, rows.map { DisplayWidth.of($0.path) }.max() ?? 10)
        out += "Fields\n------\n"
        for (path, value, use) in rows {
            var v = Sanitizer.clean(value, allowNewlines: false)
            if let width {
                out += DisplayWidth.truncate("\(path) = \(v)", to: width) + "\n"
                out += DisplayWidth.truncate("    \(use)", to: width) + "\n"
                continue
            }
            if DisplayWidth.of(v) > 40 { v = DisplayWidth.truncate(v, to: 40) }
            out += DisplayWidth.pad(path, to: pathW) + "  " + DisplayWidth.pad(v, to: 40) + "  " + use + "\n"
        }
        out += "\nMissing, null or wrong type\n---------------------------\n"
        if h.warnings.isEmpty {
            out += "none\n"
        } else {
            for w in h.warnings { out += "- \(w.description)\n" }
        }
        out += "\nSuggestions\n-----------\n"
        let s = suggestions(h)
        if s.isEmpty { out += "none\n" } else { for x in s { out += "- \(x)\n" } }
        return out
    }
}
