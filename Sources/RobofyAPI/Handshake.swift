import Foundation

/// Something in a handshake that was not as documented: missing, null, or of the wrong type.
/// Decoding never fails on these; it falls back to a default and records a warning.
public struct DecodeWarning: Sendable, Equatable, Hashable, CustomStringConvertible {
    public enum Kind: String, Sendable, Equatable, Hashable {
        case missing, null, wrongType = "wrong type", invalid
    }
    public var path: String
    public var kind: Kind
    public var detail: String

    public init(path: String, kind: Kind, detail: String = "") {
        self.path = path
        self.kind = kind
        self.detail = detail
    }

    public var description: String {
        detail.isEmpty ? "\(path): \(kind.rawValue)" : "\(path): \(kind.rawValue) (\(detail))"
    }
}

/// One agent ("chatbot") a widget serves.
public struct Agent: Sendable, Equatable, Identifiable {
    public struct LeadCapture: Sendable, Equatable {
        public var formTitle: String?
        public var formSubtitle: String?
        public var submitButtonText: String?
        public init(formTitle: String? = nil, formSubtitle: String? = nil, submitButtonText: String? = nil) {
            self.formTitle = formTitle
            self.formSubtitle = formSubtitle
            self.submitButtonText = submitButtonText
        }
    }

    public var id: String { chatbotID }
    public var chatbotID: String
    public var name: String
    public var type: String
    public var description: String
    public var avatarURL: String?
    public var greeting: String
    public var sortOrder: Double
    public var quickQuestions: [String]
    public var leadCapture: LeadCapture
    /// Where the agent stood in `data.chatbots` (entries without an id are skipped, so it may differ from its index).
    public var sourceIndex: Int?

    public init(chatbotID: String, name: String, type: String = "", description: String = "",
                avatarURL: String? = nil, greeting: String = "", sortOrder: Double = 0,
                quickQuestions: [String] = [], leadCapture: LeadCapture = .init(), sourceIndex: Int? = nil) {
        self.chatbotID = chatbotID
        self.name = name
        self.type = type
        self.description = description
        self.avatarURL = avatarURL
        self.greeting = greeting
        self.sortOrder = sortOrder
        self.quickQuestions = quickQuestions
        self.leadCapture = leadCapture
        self.sourceIndex = sourceIndex
    }
}

/// The widget's configuration as the handshake describes it, with defaults for
/// everything that was missing.
public struct WidgetConfig: Sendable, Equatable {
    public struct Header: Sendable, Equatable {
        /// Empty when the handshake sets none (the tab label is "Chat" already: no "Chat … Chat").
        public var title = ""
        public var subtitle = ""
        public var chatTabLabel = "Chat"
        public var inputPlaceholder = "Type a message…"
        public var downloadTranscriptLabel = "Download Transcript"
        public var endSessionLabel = "End Chat Session"
        public init() {}
    }
    public struct Branding: Sendable, Equatable {
        public var themeMode: Int = 0
        public var themeColor: String = "#2563EB"
        public var showPoweredBy = true
        public var widgetPosition = "bottom-right"
        public var widgetBubbleIcon: String?
        public var brandName = "Robofy"
        public init() {}
    }
    public struct Behaviour: Sendable, Equatable {
        public var openOnPageLoad = false
        public var showOnMobile = true
        public var showMicrophone = false
        public var closeAfterTime: Double?
        public var enableSources = true
        public var enableSuggestedQuestions = true
        public init() {}
    }
    public struct Loader: Sendable, Equatable {
        public var loaderTexts: [String] = ["Thinking"]
        public var enableLoader = true
        public init() {}
    }
    public struct ResetModal: Sendable, Equatable {
        public var title = "Reset Chat"
        public var description = "This will remove this conversation."
        public var confirmText = "Yes, reset"
        public var cancelText = "Cancel"
        public var enabled = true
        public init() {}
    }
    public struct Privacy: Sendable, Equatable {
        public var enableChatRating = false
        public var captureIPAddress = false
        public var privacyTerm: String?
        public init() {}
    }

    public var header = Header()
    public var branding = Branding()
    public var behaviour = Behaviour()
    public var loader = Loader()
    public var resetModal = ResetModal()
    public var privacy = Privacy()
    public var customCSS: String?
    public var customJS: String?

    public init() {}
}

/// The decoded handshake answer. `token` is a secret: it is deliberately left out
/// of `description` and must never be shown or logged.
public struct Handshake: Sendable, Equatable, CustomStringConvertible {
    public var message: String
    public var token: String
    public var agents: [Agent]
    public var widget: WidgetConfig
    /// Every field that was missing, null or of the wrong type.
    public var warnings: [DecodeWarning]
    /// The raw JSON as received, with the token replaced by "[redacted]" (for inspectors and reports).
    public var redactedJSON: JSONValue

    public init(message: String = "", token: String, agents: [Agent], widget: WidgetConfig = .init(),
                warnings: [DecodeWarning] = [], redactedJSON: JSONValue = .null) {
        self.message = message
        self.token = token
        self.agents = agents
        self.widget = widget
        self.warnings = warnings
        self.redactedJSON = redactedJSON
    }

    public var description: String {
        "Handshake(agents: \(agents.map(\.name)), token: [redacted], warnings: \(warnings.count))"
    }

    /// Agents in the order the widget lists them (by `sort_order`, then as received).
    public var sortedAgents: [Agent] {
        agents.enumerated().sorted { a, b in
            a.element.sortOrder != b.element.sortOrder ? a.element.sortOrder < b.element.sortOrder : a.offset < b.offset
        }.map(\.element)
    }
}

public enum HandshakeDecodeError: Error, Equatable, CustomStringConvertible {
    case notJSON
    /// JSON, but not an object (the type found: "array", "string"…).
    case notObject(String)
    case noToken
    case noAgents
    /// Valid JSON nested deeper than `JSONParser.maxDepth` (refused, never decoded by recursion).
    case tooDeep

    public var description: String {
        switch self {
        case .notJSON: "The handshake answer is not JSON."
        case .tooDeep: "The handshake answer nests JSON deeper than \(JSONParser.maxDepth) levels; it was refused."
        case .notObject(let type):
            "The handshake answer is JSON but \(type == "array" ? "an array" : "a \(type)"), not an object: a handshake answer is {\"message\": …, \"data\": {\"token\", \"chatbots\", \"widget\"}}."
        case .noToken: "The handshake answer has no token (data.token)."
        case .noAgents: "The handshake answer lists no agents (data.chatbots is empty or missing)."
        }
    }
}

/// A lenient reader over a JSON tree that records what was not as expected.
struct LenientReader {
    var warnings: [DecodeWarning] = []
    /// The handshake's own token: a text that holds it (or any bearer token or JWT) is read
    /// redacted, so that a server that echoes it in a greeting or a label never puts it on
    /// screen. (The token itself is not read through here.)
    var token = "" {
        didSet { secrets = Redaction.longestFirst([token] + Redaction.rememberedSecrets) }
    }
    /// The token and the remembered ones, as `Redaction` takes them (sorted once, not per text).
    private var secrets = Redaction.longestFirst(Redaction.rememberedSecrets)

    func clean(_ s: String) -> String { Redaction.redact(s, sortedSecrets: secrets) }

    /// The member, or nil with a warning when it is missing or null (null is expected when `nullable`).
    mutating func value(_ obj: JSONValue?, _ key: String, path: String, nullable: Bool = false) -> JSONValue? {
        guard let obj else { return nil }
        guard let v = obj[key] else {
            warnings.append(.init(path: path, kind: .missing))
            return nil
        }
        if v.isNull {
            if !nullable { warnings.append(.init(path: path, kind: .null)) }
            return nil
        }
        return v
    }

    /// `asSent`: an identifier or address the client sends back or fetches (an agent's id, an
    /// avatar's address), read as it is; where it is shown, it is redacted there.
    mutating func string(_ obj: JSONValue?, _ key: String, path: String, nullable: Bool = false,
                         asSent: Bool = false) -> String? {
        guard let v = value(obj, key, path: path, nullable: nullable) else { return nil }
        switch v {
        case .string(let s): return asSent ? s : clean(s)
        case .number(let n):
            warnings.append(.init(path: path, kind: .wrongType, detail: "number, expected string"))
            return JSONValue.number(n).compactText
        case .bool(let b):
            warnings.append(.init(path: path, kind: .wrongType, detail: "boolean, expected string"))
            return b ? "true" : "false"
        default:
            warnings.append(.init(path: path, kind: .wrongType, detail: "\(v.typeName), expected string"))
            return nil
        }
    }

    mutating func bool(_ obj: JSONValue?, _ key: String, path: String) -> Bool? {
        guard let v = value(obj, key, path: path) else { return nil }
        switch v {
        case .bool(let b): return b
        case .number(let n):
            warnings.append(.init(path: path, kind: .wrongType, detail: "number, expected boolean"))
            return n != 0
        case .string(let s) where ["true", "false", "1", "0", "yes", "no"].contains(s.lowercased()):
            warnings.append(.init(path: path, kind: .wrongType, detail: "string, expected boolean"))
            return ["true", "1", "yes"].contains(s.lowercased())
        default:
            warnings.append(.init(path: path, kind: .wrongType, detail: "\(v.typeName), expected boolean"))
            return nil
        }
    }

    mutating func number(_ obj: JSONValue?, _ key: String, path: String, nullable: Bool = false) -> Double? {
        guard let v = value(obj, key, path: path, nullable: nullable) else { return nil }
        switch v {
        case .number(let n): return n
        case .string(let s):
            warnings.append(.init(path: path, kind: .wrongType, detail: "string, expected number"))
            return Double(s.trimmingCharacters(in: .whitespaces))
        default:
            warnings.append(.init(path: path, kind: .wrongType, detail: "\(v.typeName), expected number"))
            return nil
        }
    }

    mutating func object(_ obj: JSONValue?, _ key: String, path: String) -> JSONValue? {
        guard let v = value(obj, key, path: path) else { return nil }
        guard case .object = v else {
            warnings.append(.init(path: path, kind: .wrongType, detail: "\(v.typeName), expected object"))
            return nil
        }
        return v
    }

    mutating func stringArray(_ obj: JSONValue?, _ key: String, path: String) -> [String]? {
        guard let v = value(obj, key, path: path) else { return nil }
        guard case .array(let items) = v else {
            if case .string(let s) = v {
                warnings.append(.init(path: path, kind: .wrongType, detail: "string, expected array"))
                return [clean(s)]
            }
            warnings.append(.init(path: path, kind: .wrongType, detail: "\(v.typeName), expected array"))
            return nil
        }
        var out: [String] = []
        for (i, item) in items.enumerated() {
            if let s = Self.textOf(item) {
                out.append(clean(s))
            } else {
                warnings.append(.init(path: "\(path)[\(i)]", kind: .wrongType,
                                      detail: "\(item.typeName) without a text field, skipped"))
            }
        }
        return out
    }

    /// Text of a quick question: a string, or an object with a text-like field.
    static func textOf(_ v: JSONValue) -> String? {
        QuickQuestion.text(of: v)?.text
    }
}

/// How a quick question's text is found (shared by the decoder and the configuration report).
public enum QuickQuestion {
    /// The fields of a quick-question object that may hold its text, in the order they are tried.
    public static let textKeys = ["question", "text", "label", "title", "value", "content", "query", "name"]

    /// The text of a quick question and the field it came from (nil for a plain string or number).
    public static func text(of v: JSONValue) -> (text: String, key: String?)? {
        switch v {
        case .string(let s): return (s, nil)
        case .number: return (v.compactText, nil)
        case .object(let o):
            for key in textKeys {
                if let s = o[key]?.stringValue { return (s, key) }
            }
            return nil
        default: return nil
        }
    }
}

extension Handshake {
    /// Decodes a handshake answer leniently. Throws only when there is nothing usable:
    /// not a JSON object, or (unless `forPreview`) no token or no agents. A preview shows
    /// what it can of a handshake without a token or agents: those become warnings.
    public static func decode(_ data: Data, forPreview: Bool = false) throws -> Handshake {
        let root: JSONValue
        do {
            root = try JSONParser.parse(data)
        } catch .tooDeep {
            throw HandshakeDecodeError.tooDeep
        } catch {
            throw HandshakeDecodeError.notJSON
        }
        guard case .object = root else { throw HandshakeDecodeError.notObject(root.typeName) }
        return try decode(root, forPreview: forPreview)
    }

    public static func decode(_ root: JSONValue, forPreview: Bool = false) throws -> Handshake {
        var r = LenientReader()
        let unread = r.string(root, "message", path: "message") ?? ""
        let data = r.object(root, "data", path: "data")
        let token = data?["token"]?.stringValue ?? ""
        r.token = token
        let message = r.clean(unread)
        if token.isEmpty {
            guard forPreview else { throw HandshakeDecodeError.noToken }
            r.warnings.append(.init(path: "data.token", kind: data?["token"] == nil ? .missing : .invalid,
                                    detail: "no token: chat calls would fail"))
        }
        var agents: [Agent] = []
        if let list = r.value(data, "chatbots", path: "data.chatbots")?.arrayValue {
            for (i, item) in list.enumerated() {
                let p = "data.chatbots[\(i)]"
                guard case .object = item else {
                    r.warnings.append(.init(path: p, kind: .wrongType, detail: "\(item.typeName), expected object; skipped"))
                    continue
                }
                guard let id = r.string(item, "chatbot_id", path: "\(p).chatbot_id", asSent: true), !id.isEmpty else {
                    r.warnings.append(.init(path: "\(p).chatbot_id", kind: .invalid, detail: "agent without an id skipped"))
                    continue
                }
                let lead = r.object(item, "lead_capture", path: "\(p).lead_capture")
                let lp = "\(p).lead_capture"
                agents.append(Agent(
                    chatbotID: id,
                    name: r.string(item, "agent_name", path: "\(p).agent_name") ?? "Agent \(i + 1)",
                    type: r.string(item, "agent_type", path: "\(p).agent_type") ?? "",
                    description: r.string(item, "description", path: "\(p).description") ?? "",
                    avatarURL: r.string(item, "avatar_image_path", path: "\(p).avatar_image_path", asSent: true),
                    greeting: r.string(item, "greeting", path: "\(p).greeting") ?? "",
                    sortOrder: r.number(item, "sort_order", path: "\(p).sort_order") ?? Double(i),
                    quickQuestions: r.stringArray(item, "quick_questions", path: "\(p).quick_questions") ?? [],
                    leadCapture: .init(
                        formTitle: r.string(lead, "form_title", path: "\(lp).form_title", nullable: true),
                        formSubtitle: r.string(lead, "form_subtitle", path: "\(lp).form_subtitle", nullable: true),
                        submitButtonText: r.string(lead, "submit_button_text", path: "\(lp).submit_button_text", nullable: true)),
                    sourceIndex: i
                ))
            }
        }
        if agents.isEmpty {
            guard forPreview else { throw HandshakeDecodeError.noAgents }
            r.warnings.append(.init(path: "data.chatbots", kind: .invalid, detail: "no usable agent: nothing to chat with"))
        }

        var w = WidgetConfig()
        let widget = r.object(data, "widget", path: "data.widget")
        if let h = r.object(widget, "header", path: "data.widget.header") {
            let p = "data.widget.header"
            if let v = r.string(h, "title", path: "\(p).title") { w.header.title = v }
            if let v = r.string(h, "subtitle", path: "\(p).subtitle") { w.header.subtitle = v }
            if let v = r.string(h, "chat_tab_label", path: "\(p).chat_tab_label") { w.header.chatTabLabel = v }
            if let v = r.string(h, "input_placeholder", path: "\(p).input_placeholder") { w.header.inputPlaceholder = v }
            if let v = r.string(h, "download_transcript_label", path: "\(p).download_transcript_label") { w.header.downloadTranscriptLabel = v }
            if let v = r.string(h, "end_session_label", path: "\(p).end_session_label") { w.header.endSessionLabel = v }
        }
        if let b = r.object(widget, "branding", path: "data.widget.branding") {
            let p = "data.widget.branding"
            if let v = r.number(b, "theme_mode", path: "\(p).theme_mode") {
                // Through the one checked conversion: 93e18, NaN and ±inf are not modes (and would trap `Int(_:)`).
                if let mode = NetNumber.exactInt(v, in: Int(Int32.min)...Int(Int32.max)) {
                    w.branding.themeMode = mode
                } else {
                    r.warnings.append(.init(path: "\(p).theme_mode", kind: .invalid,
                                            detail: "\(JSONValue.number(v).compactText) is not a theme mode (a small whole number); 0 used"))
                }
            }
            if let v = r.string(b, "theme_color", path: "\(p).theme_color") {
                if RGB(hex: v) != nil {
                    w.branding.themeColor = v
                } else {
                    r.warnings.append(.init(path: "\(p).theme_color", kind: .invalid, detail: "not a #RRGGBB colour"))
                }
            }
            if let v = r.bool(b, "show_powered_by", path: "\(p).show_powered_by") { w.branding.showPoweredBy = v }
            if let v = r.string(b, "widget_position", path: "\(p).widget_position") { w.branding.widgetPosition = v }
            w.branding.widgetBubbleIcon = r.string(b, "widget_bubble_icon", path: "\(p).widget_bubble_icon")
            if let v = r.string(b, "brand_name", path: "\(p).brand_name") { w.branding.brandName = v }
        }
        if let b = r.object(widget, "behaviour", path: "data.widget.behaviour") {
            let p = "data.widget.behaviour"
            if let v = r.bool(b, "open_on_page_load", path: "\(p).open_on_page_load") { w.behaviour.openOnPageLoad = v }
            if let v = r.bool(b, "show_on_mobile", path: "\(p).show_on_mobile") { w.behaviour.showOnMobile = v }
            if let v = r.bool(b, "show_microphone", path: "\(p).show_microphone") { w.behaviour.showMicrophone = v }
            w.behaviour.closeAfterTime = r.number(b, "close_after_time", path: "\(p).close_after_time")
            if let v = r.bool(b, "enable_sources", path: "\(p).enable_sources") { w.behaviour.enableSources = v }
            if let v = r.bool(b, "enable_suggested_questions", path: "\(p).enable_suggested_questions") { w.behaviour.enableSuggestedQuestions = v }
        }
        if let l = r.object(widget, "loader", path: "data.widget.loader") {
            let p = "data.widget.loader"
            if let v = r.stringArray(l, "loader_texts", path: "\(p).loader_texts") { w.loader.loaderTexts = v }
            if let v = r.bool(l, "enable_loader", path: "\(p).enable_loader") { w.loader.enableLoader = v }
        }
        if let m = r.object(widget, "reset_modal", path: "data.widget.reset_modal") {
            let p = "data.widget.reset_modal"
            if let v = r.string(m, "reset_chat_modal_title", path: "\(p).reset_chat_modal_title") { w.resetModal.title = v }
            if let v = r.string(m, "reset_chat_modal_description", path: "\(p).reset_chat_modal_description") { w.resetModal.description = v }
            if let v = r.string(m, "confirm_reset_chat_button_text", path: "\(p).confirm_reset_chat_button_text") { w.resetModal.confirmText = v }
            if let v = r.string(m, "cancel_reset_chat_button_text", path: "\(p).cancel_reset_chat_button_text") { w.resetModal.cancelText = v }
            if let v = r.bool(m, "enable_reset_chat_modal", path: "\(p).enable_reset_chat_modal") { w.resetModal.enabled = v }
        }
        if let pr = r.object(widget, "privacy", path: "data.widget.privacy") {
            let p = "data.widget.privacy"
            if let v = r.bool(pr, "enable_chat_rating", path: "\(p).enable_chat_rating") { w.privacy.enableChatRating = v }
            if let v = r.bool(pr, "capture_ip_address", path: "\(p).capture_ip_address") { w.privacy.captureIPAddress = v }
            w.privacy.privacyTerm = r.string(pr, "chatbot_privacy_term", path: "\(p).chatbot_privacy_term", nullable: true)
        }
        if widget != nil {
            w.customCSS = r.string(widget, "custom_css", path: "data.widget.custom_css", nullable: true)
            w.customJS = r.string(widget, "custom_js", path: "data.widget.custom_js", nullable: true)
        }

        return Handshake(message: message, token: token, agents: agents, widget: w,
                         warnings: r.warnings, redactedJSON: redactToken(root, reader: r))
    }

    /// The answer as it may be shown (the inspector, the configuration report, the log): the
    /// token replaced, and every text (names too) read as the decoder reads it, redacted.
    static func redactToken(_ root: JSONValue, reader r: LenientReader) -> JSONValue {
        func walk(_ v: JSONValue) -> JSONValue {
            switch v {
            case .string(let s): return .string(r.clean(s))
            case .array(let a): return .array(a.map(walk))
            case .object(let o):
                var out = JSONObject()
                for (k, x) in o { out[r.clean(k)] = walk(x) }
                return .object(out)
            default: return v
            }
        }
        guard case .object(var o) = root, case .object(var d)? = o["data"], d["token"] != nil else { return walk(root) }
        d["token"] = .string(Redaction.placeholder)
        o["data"] = .object(d)
        return walk(.object(o))
    }
}

/// A 24-bit colour.
public struct RGB: Sendable, Equatable, Hashable {
    public var r: UInt8, g: UInt8, b: UInt8
    public init(_ r: UInt8, _ g: UInt8, _ b: UInt8) { self.r = r; self.g = g; self.b = b }

    /// Parses `#RRGGBB` or `#RGB` (the `#` optional).
    public init?(hex: String) {
        var s = Substring(hex.trimmingCharacters(in: .whitespaces))
        if s.hasPrefix("#") { s = s.dropFirst() }
        if s.count == 3 { s = Substring(s.map { "\($0)\($0)" }.joined()) }
        guard s.count == 6, s.allSatisfy(\.isHexDigit), let v = UInt32(s, radix: 16) else { return nil }
        self.init(UInt8((v >> 16) & 0xFF), UInt8((v >> 8) & 0xFF), UInt8(v & 0xFF))
    }

    public var hex: String {
        String(format: "#%02X%02X%02X", r, g, b)
    }
}
