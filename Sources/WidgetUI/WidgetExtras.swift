import Foundation
import RobofyAPI
import RobofySession
import RobofyText

/// The lead-capture form (`chatbots[].lead_capture`) while it is open.
public struct LeadFormState: Sendable, Equatable {
    public enum Field: Int, CaseIterable, Sendable { case name, email, phone, submit }
    public var agentID: String
    public var values = LeadValues()
    public var focus: Field = .name
    /// Inline messages by field name ("email", "phone", "form").
    public var errors: [String: String] = [:]
    /// Submitted; waiting for the server's answer.
    public var sending = false

    public init(agentID: String) { self.agentID = agentID }

    func value(_ f: Field) -> String {
        switch f {
        case .name: values.name
        case .email: values.email
        case .phone: values.phone
        case .submit: ""
        }
    }

    mutating func set(_ f: Field, _ v: String) {
        switch f {
        case .name: values.name = v
        case .email: values.email = v
        case .phone: values.phone = v
        case .submit: break
        }
    }

    /// Checks one field (when leaving it, or as it is corrected).
    mutating func check(_ f: Field) {
        switch f {
        case .email: errors["email"] = LeadValues.emailProblem(values.email)
        case .phone: errors["phone"] = LeadValues.phoneProblem(values.phone)
        default: break
        }
    }
}

/// What the server recorded for the current session (the account API), next to what the client saw.
public struct ServerRecordView: Sendable, Equatable {
    public var scroll = 0
    /// Nil while loading.
    public var record: ServerRecord?
    public init() {}
}

/// The server's side of a session, fetched with the account API key (`ROBOFY_API_KEY`).
public struct ServerRecord: Sendable, Equatable {
    public var sessionID: String?
    /// "role: content", oldest first.
    public var messages: [String] = []
    /// One line per lead ("name Ada · email ada@example.com").
    public var leads: [String] = []
    /// Why nothing could be fetched (no key, no session, an HTTP error), with what to do.
    public var problem: String?
    public init(sessionID: String? = nil, messages: [String] = [], leads: [String] = [], problem: String? = nil) {
        self.sessionID = sessionID
        self.messages = messages
        self.leads = leads
        self.problem = problem
    }
}

/// What the runtime is asked to do for the widget's extras.
public enum WidgetCommand: Sendable, Equatable {
    case submitLead(LeadValues, path: String?)
    case rate(turnID: Int, ChatRating, path: String?)
    /// Fetch what the server recorded for the current session (F11).
    case fetchServerRecord
}

/// What comes back to the state from the runtime.
public enum WidgetEvent: Sendable, Equatable {
    case serverRecord(ServerRecord)
}

/// Lead form, ratings, auto-close and the server's record: the parts of the web widget
/// beyond the chat itself.
public struct WidgetExtras: Sendable {
    /// Where leads are sent (`--lead-endpoint`; the demo's path in `demo`); nil: not sent.
    public var leadEndpoint: String?
    /// Where ratings are sent (`--rating-endpoint`); nil: not sent.
    public var ratingEndpoint: String?
    /// Emulate `behaviour.close_after_time` (off with `--no-auto-close`).
    public var autoClose = true
    public var leadForm: LeadFormState?
    /// Agent id → "sent", "skipped", "not sent": the offer under the greeting goes away.
    public var leadDone: [String: String] = [:]
    /// Message id → the rating given.
    public var ratings: [Int: ChatRating] = [:]
    /// Leads and ratings as sent (transcript, inspector).
    public var submissions: [WidgetSubmission] = []
    /// Collapsed after `close_after_time` seconds without activity.
    public var closed = false
    public var lastActivity: Double = 0
    public var serverView: ServerRecordView?
    public init() {}
}

extension Agent {
    /// The lead form's labels, cleaned; nil when the agent has none (every label null or empty).
    public var leadFormLabels: (title: String, subtitle: String, submit: String)? {
        func c(_ s: String?) -> String? {
            s.map { Sanitizer.clean($0, allowNewlines: false).trimmingCharacters(in: .whitespaces) }.flatMap { $0.isEmpty ? nil : $0 }
        }
        let lc = leadCapture
        guard c(lc.formTitle) != nil || c(lc.formSubtitle) != nil || c(lc.submitButtonText) != nil else { return nil }
        return (c(lc.formTitle) ?? "Contact details", c(lc.formSubtitle) ?? "", c(lc.submitButtonText) ?? "Submit")
    }
}

extension AppState {
    /// The seconds of inactivity after which the widget closes, when emulated.
    public var autoCloseSeconds: Double? {
        guard extras.autoClose, let s = config.behaviour.closeAfterTime, s.isFinite, s > 0 else { return nil }
        return s
    }

    /// When the widget closes if nothing happens (state clock), or nil.
    public var autoCloseDue: Double? {
        guard let s = autoCloseSeconds, !extras.closed else { return nil }
        return extras.lastActivity + s
    }

    /// The offer under the greeting: the agent has a lead form not yet sent or skipped, and
    /// the visitor has not spoken yet.
    var showsLeadOffer: Bool {
        // The cheap checks first: this is asked on every frame.
        guard let a = agent, extras.leadDone[a.chatbotID] == nil, !conversation.hasUserMessage else { return false }
        return a.leadFormLabels != nil
    }

    /// The newest finished answer of the conversation (what Ctrl-Y / Ctrl-N rate).
    var rateableMessage: ChatMessage? {
        conversation.messages.last { $0.role == .agent && $0.status != nil && $0.status != .streaming && $0.turnID != nil }
    }

    /// Handles what the extras own before the rest of the reducer; nil: not handled here.
    mutating func reduceExtras(_ event: AppEvent) -> [AppCommand]? {
        switch event {
        case .tick(let t):
            if let due = autoCloseDue, t >= due, !isBusy, !sendPending, extras.leadForm?.sending != true {
                extras.closed = true
                extras.leadForm = nil
                overlay = .none
            }
            return nil
        case .widget(.serverRecord(let r)):
            if extras.serverView != nil { extras.serverView?.record = r }
            return []
        case .session(let e):
            switch e {
            case .turnStarted, .turnFinished, .change: extras.lastActivity = now
            case .submitted(let s): applySubmission(s)
            default: break
            }
            return nil
        case .paste, .click, .wheel:
            extras.lastActivity = now
            if extras.closed { reopen(); return [] }
            if case .paste(let text) = event, var f = extras.leadForm {
                f.set(f.focus, f.value(f.focus) + Sanitizer.clean(text, allowNewlines: false))
                extras.leadForm = f
                return []
            }
            return extras.leadForm != nil || extras.serverView != nil ? [] : nil
        case .key(let key):
            extras.lastActivity = now
            let global = KeyMap.action(for: key, in: .global)
            if extras.closed {
                if global == .quit { return nil }
                reopen()
                return []
            }
            if global == .interrupt || global == .quit { return nil }
            if extras.leadForm != nil { return leadFormKey(key) }
            if extras.serverView != nil { return serverViewKey(key) }
            guard overlay == .none else { return nil }
            switch KeyMap.action(for: key, in: .chat) {
            case .openLeadForm?: return openLeadForm()
            case .rateUp?: return rate(.up)
            case .rateDown?: return rate(.down)
            case .openServerRecord?:
                extras.serverView = ServerRecordView()
                return [.widget(.fetchServerRecord)]
            default: return nil
            }
        default:
            return nil
        }
    }

    mutating func reopen() {
        extras.closed = false
        setStatus("Reopened: the conversation was kept.")
    }

    mutating func openLeadForm() -> [AppCommand] {
        guard let a = agent else { setStatus("No agent yet."); return [] }
        guard a.leadFormLabels != nil else {
            setStatus("This agent has no lead form (lead_capture is not set).")
            return []
        }
        extras.leadForm = LeadFormState(agentID: a.chatbotID)
        return []
    }

    mutating func rate(_ r: ChatRating) -> [AppCommand] {
        guard config.privacy.enableChatRating else {
            setStatus("Rating is off for this widget (privacy.enable_chat_rating is false).")
            return []
        }
        guard let m = rateableMessage, let turnID = m.turnID, let agentID else {
            setStatus("No finished answer to rate yet.")
            return []
        }
        if extras.ratings[m.id] == r {
            setStatus("Already rated \(r.emoji).")
            return []
        }
        extras.ratings[m.id] = r
        if let i = conversations[agentID]?.messages.lastIndex(where: { $0.id == m.id }) {
            conversations[agentID]?.messages[i].version += 1
        }
        if previewOnly { return [] }
        return [.widget(.rate(turnID: turnID, r, path: extras.ratingEndpoint))]
    }

    mutating func applySubmission(_ s: WidgetSubmission) {
        extras.submissions.append(s)
        if extras.submissions.count > 100 { extras.submissions.removeFirst(extras.submissions.count - 100) }
        switch s.kind {
        case .lead:
            let ok: Bool
            switch s.outcome {
            case .accepted:
                ok = true
                extras.leadDone[s.agentID] = "sent"
                setStatus("Thank you! Your details were sent.")
            case .notSent(let why):
                ok = true
                extras.leadDone[s.agentID] = "not sent"
                setStatus("Lead kept in the transcript, not sent: \(why).", error: true)
            case .failed(let why):
                ok = false
                setStatus("The lead was not accepted: \(Sanitizer.clean(why, allowNewlines: false))", error: true)
            }
            if ok {
                if extras.leadForm?.agentID == s.agentID { extras.leadForm = nil }
                let text = "Lead form: " + s.fields.map { "\($0.name) \($0.value)" }.joined(separator: " · ")
                conversations[s.agentID, default: Conversation()].messages.append(newMessage(.notice, text))
            } else if extras.leadForm != nil {
                extras.leadForm?.sending = false
                extras.leadForm?.errors["form"] = "Not accepted: " + Sanitizer.clean(s.summary, allowNewlines: false)
            }
        case .rating:
            switch s.outcome {
            case .accepted: setStatus("Thanks for rating \(s.rating?.emoji ?? "").")
            case .notSent(let why): setStatus("Rating \(s.rating?.emoji ?? "") recorded here, not sent: \(why).")
            case .failed(let why): setStatus("The rating was not accepted: \(Sanitizer.clean(why, allowNewlines: false))", error: true)
            }
        }
    }

    /// Transcript lines for a rated answer.
    func ratingMarkdown(_ m: ChatMessage) -> String {
        guard let r = extras.ratings[m.id] else { return "" }
        return "_Rated \(r.emoji) (\(r.rawValue))_\n"
    }

    /// The privacy term as one line of plain text: Markdown links as "text (URL)", emphasis
    /// markers dropped, control characters stripped. Nil when there is none.
    public static func privacyText(_ raw: String?) -> String? {
        guard let raw else { return nil }
        var s = raw
        if let re = try? NSRegularExpression(pattern: #"\[([^\]\n]*)\]\(([^)\s]*)\)"#) {
            var out = ""
            var last = s.startIndex
            for m in re.matches(in: s, range: NSRange(s.startIndex..., in: s)) {
                guard let r = Range(m.range, in: s), let tr = Range(m.range(at: 1), in: s), let ur = Range(m.range(at: 2), in: s) else { continue }
                out += s[last..<r.lowerBound]
                let text = String(s[tr]), url = String(s[ur])
                out += text.isEmpty || text == url ? url : "\(text) (\(url))"
                last = r.upperBound
            }
            out += s[last...]
            s = out
        }
        s = s.replacingOccurrences(of: "**", with: "").replacingOccurrences(of: "__", with: "")
        let clean = Sanitizer.clean(s, allowNewlines: false).trimmingCharacters(in: .whitespaces)
        return clean.isEmpty ? nil : clean
    }
}

extension InspectorState {
    /// A lead or rating: a line in the "Leads and ratings" section, and a note on the rated turn.
    mutating func recordSubmission(_ s: WidgetSubmission) {
        var line = Redaction.redact(s.summary)
        if let url = s.url { line += " · POST " + url }
        if let sid = s.sessionID { line += " · session " + Redaction.redact(sid) }
        submissionLines.append(line)
        if submissionLines.count > 100 { submissionLines.removeFirst(submissionLines.count - 100) }
        if let id = s.turnID { update(id) { $0.notes.append(line) } }
        version += 1
        handshakeVersion += 1
    }
}

extension InspectorView {
    static func submissionSection(_ s: InspectorState, width: Int) -> [InspectorLine] {
        guard !s.submissionLines.isEmpty else { return [] }
        var out = [InspectorLine("── Leads and ratings ", .heading)]
        for l in s.submissionLines {
            out.append(InspectorLine(DisplayWidth.truncate(Sanitizer.clean(l, allowNewlines: false), to: width),
                                     l.contains("— failed") ? .error : .text))
        }
        out.append(InspectorLine(""))
        return out
    }
}

extension WidgetExtras {
    /// A panel of the extras is open (the lead form, the server's record).
    public var hasPanel: Bool { leadForm != nil || serverView != nil }
}

extension ConfigReport {
    static func closeAfterUsage(_ c: WidgetConfig, null: Bool) -> String {
        guard let s = c.behaviour.closeAfterTime, s.isFinite, s > 0 else {
            return null ? "null: not set; the widget stays open" : "not a positive number: the widget stays open"
        }
        return "applied (emulated): after \(RobofyErrorFormat.seconds(s)) without activity the chat collapses to a "
            + "one-line bar, the session kept (--no-auto-close turns it off)"
    }

    /// `.lead_capture`, `.lead_capture.form_title`…: the form is offered when any label is set.
    static func leadUsage(_ rest: String, _ a: Agent, null: Bool) -> String {
        guard let labels = a.leadFormLabels else {
            return (null ? "null: " : "empty: ") + "no lead form (preview --state lead-form shows the default labels)"
        }
        switch rest {
        case ".lead_capture.form_title":
            return null ? "null: the form's title is \"\(labels.title)\"" : "shown: lead form title, offer under the greeting"
        case ".lead_capture.form_subtitle": return null ? "null: the form has no subtitle" : "shown: lead form"
        case ".lead_capture.submit_button_text":
            return null ? "null: the button says \"\(labels.submit)\"" : "shown: lead form button"
        default: return "applied: lead form (Ctrl-O; offered under the greeting)"
        }
    }
}
