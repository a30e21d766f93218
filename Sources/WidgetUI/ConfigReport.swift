import Foundation
import RobofyAPI

/// What a widget owner wants to know about a handshake: every field, whether the
/// terminal shows it, what was missing or malformed, and what to improve.
public enum ConfigReport {
    /// How robofy-tui uses a field.
    static func usage(_ path: String) -> String {
        let p = path.replacingOccurrences(of: #"\[\d+\]"#, with: "[]", options: .regularExpression)
        switch p {
        case "message": return "not shown (status text of the handshake)"
        case "data.token": return "used for chat calls; never shown"
        case "data.chatbots[].chatbot_id": return "used to address the agent"
        case "data.chatbots[].agent_name": return "shown: header agent line, message labels, agent picker"
        case "data.chatbots[].agent_type": return "shown: header agent line, agent picker"
        case "data.chatbots[].description": return "shown: header agent line, agent picker"
        case "data.chatbots[].avatar_image_path": return "set, cannot be shown in a terminal"
        case "data.chatbots[].greeting": return "shown: first message"
        case "data.chatbots[].sort_order": return "used: agent order"
        case "data.chatbots[].quick_questions", "data.chatbots[].quick_questions[]", "data.chatbots[].quick_questions[].question",
             "data.chatbots[].quick_questions[].text":
            return "shown: quick-question chips"
        case let x where x.hasPrefix("data.chatbots[].lead_capture"): return "set; no lead form in this version"
        case "data.widget.header.title": return "shown: header"
        case "data.widget.header.subtitle": return "shown: header (hidden below 16 rows)"
        case "data.widget.header.chat_tab_label": return "shown: header tab"
        case "data.widget.header.input_placeholder": return "shown: empty input"
        case "data.widget.header.download_transcript_label": return "shown: footer keys (F5), help"
        case "data.widget.header.end_session_label": return "shown: footer keys (F4), help"
        case "data.widget.branding.theme_mode": return "applied: light (0) or dark"
        case "data.widget.branding.theme_color": return "applied: accent colour"
        case "data.widget.branding.show_powered_by": return "applied: \"Powered by\" in the footer"
        case "data.widget.branding.brand_name": return "shown: \"Powered by\""
        case "data.widget.branding.widget_position": return "set, not applicable in a terminal"
        case "data.widget.branding.widget_bubble_icon": return "set, cannot be shown in a terminal"
        case "data.widget.behaviour.open_on_page_load": return "set, not applicable in a terminal"
        case "data.widget.behaviour.show_on_mobile": return "applied in preview --mobile"
        case "data.widget.behaviour.show_microphone": return "set, no microphone in a terminal"
        case "data.widget.behaviour.close_after_time": return "set, not applied"
        case "data.widget.behaviour.enable_sources": return "applied: sources under answers"
        case "data.widget.behaviour.enable_suggested_questions": return "applied: quick questions"
        case "data.widget.loader.loader_texts", "data.widget.loader.loader_texts[]": return "shown: while an answer is awaited"
        case "data.widget.loader.enable_loader": return "applied: loader texts on or off"
        case "data.widget.reset_modal.enable_reset_chat_modal": return "applied: confirm before reset"
        case let x where x.hasPrefix("data.widget.reset_modal."): return "shown: reset-chat modal"
        case "data.widget.privacy.enable_chat_rating": return "set; no rating in this version"
        case "data.widget.privacy.capture_ip_address": return "set, not applicable"
        case "data.widget.privacy.chatbot_privacy_term": return "set; not shown in this version"
        case "data.widget.custom_css": return "set, never applied in a terminal"
        case "data.widget.custom_js": return "set, never run in a terminal"
        default: return "not used"
        }
    }

    /// Every leaf of the JSON tree as (path, value text).
    static func leaves(_ v: JSONValue, path: String, into out: inout [(String, String)]) {
        switch v {
        case .object(let o):
            if o.isEmpty { out.append((path, "{}")) }
            for k in o.keys.sorted(by: { orderKey($0) < orderKey($1) }) {
                if let child = o[k] { leaves(child, path: path.isEmpty ? k : "\(path).\(k)", into: &out) }
            }
        case .array(let a):
            if a.isEmpty { out.append((path, "[]")) }
            for (i, x) in a.enumerated() { leaves(x, path: "\(path)[\(i)]", into: &out) }
        default:
            out.append((path, v.compactText))
        }
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
        if w.header.title.isEmpty { out.append("The header has no title.") }
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
    public static func make(_ h: Handshake, width: Int? = nil) -> String {
        var out = "Widget configuration report\n===========================\n\n"
        out += "Agents: \(h.agents.count) (in display order: \(h.sortedAgents.map { Sanitizer.clean($0.name, allowNewlines: false) }.joined(separator: ", ")))\n\n"
        var rows: [(String, String)] = []
        leaves(h.redactedJSON, path: "", into: &rows)
        let pathW = min(56, rows.map { DisplayWidth.of($0.0) }.max() ?? 10)
        out += "Fields\n------\n"
        for (path, value) in rows {
            var v = Sanitizer.clean(value, allowNewlines: false)
            let use = value == "null" ? "null: not set" : usage(path)
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
