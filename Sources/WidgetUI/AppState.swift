// State: the whole UI state, its events (`AppEvent`) and commands (`AppCommand`); changed only by `reduce`.
import Foundation
import RobofyAPI
import RobofySession
import RobofyText

/// A key the user pressed, as the terminal driver decoded it.
public enum Key: Sendable, Hashable {
    case char(Character)
    case enter
    /// Ctrl-J or Alt-Enter: a new line inside the message.
    case newline
    case backspace, delete, tab, backTab, escape
    case up, down, left, right, home, end, pageUp, pageDown
    case wordLeft, wordRight, wordBackspace
    case ctrl(Character)
    case function(Int)
    /// Alt-Up / Alt-Down (select a message), and Alt with a letter the key map binds (Alt-C, Alt-M).
    case altUp, altDown
    case alt(Character)
}

/// Something on screen a mouse click can hit.
public enum HitTarget: Sendable, Equatable {
    case chip(Int)
    case agent(Int)
    case resetConfirm
    case resetCancel
    case input
    /// An agent's initials badge with an avatar image (`avatar_image_path`), drawn over it where the terminal can.
    case avatar(String)

    var isAvatar: Bool { if case .avatar = self { true } else { false } }
}

public enum AppEvent: Sendable {
    case key(Key)
    case paste(String)
    case click(HitTarget)
    case wheel(lines: Int)
    case resize(width: Int, height: Int)
    /// What the last frame showed after clamping to the text (`Frame.shown`): the conversation's
    /// scroll and the inspector's top line. The runtime sends it after each frame it draws.
    case viewShown(scroll: Int, inspectorTop: Int?)
    /// The clock, in seconds since the app started.
    case tick(Double)
    case session(SessionEvent)
    /// A message from the runtime for the status line (e.g. a file written).
    case notice(String, isError: Bool)
    /// Writing the user's data failed (autosave, `--record`): shown until acknowledged.
    case storageFailed(String)
    /// The message came back from the editor (Ctrl-G).
    case composed(String)
    /// Lead form, ratings, server record (WidgetExtras).
    case widget(WidgetEvent)
}

/// What the app asks of the runtime.
public enum AppCommand: Sendable, Equatable {
    case connect
    case send(String)
    case cancel
    case selectAgent(String)
    case endSession
    case reset
    case saveTranscript(markdown: String, agentName: String)
    /// Save the conversation so far as a test script (`robofy-tui run`).
    case saveScript
    /// Write the message (this text so far) in the user's editor (Ctrl-G).
    case compose(String)
    /// Send a question as a new version of an exchange (Alt-R, Alt-E): the turn it replaces on screen.
    case sendVersion(String, of: Int)
    case quit
    /// Lead form, ratings, server record (WidgetExtras).
    case widget(WidgetCommand)
    /// Put this text (sanitized) on the clipboard (OSC 52) and in the clipboard file; `what` names it.
    case copy(String, what: String)
    /// Mouse reporting on (the wheel scrolls, clicks pick) or off (the terminal selects text).
    case setMouse(Bool)
}

public struct ChatMessage: Sendable, Equatable, Identifiable {
    public enum Role: Sendable, Equatable { case greeting, user, agent, notice }
    public var id: Int
    public var role: Role
    /// Raw text as received; sanitized when laid out. While an answer streams it is the
    /// session's `AnswerText` (the one copy of it): a frame reads it with `withText`.
    public var text: String {
        get { live?.string ?? storedText }
        set {
            live = nil
            storedText = newValue
        }
    }
    private var storedText: String
    /// The answer streaming in, shared with the session (nil otherwise).
    public var live: AnswerText?
    public var turnID: Int?
    public var status: TurnStatus?
    public var tools: [ToolCall] = []
    public var sources: [Source] = []
    public var errors: [String] = []
    public var finishReason: String?
    /// The agent's reasoning, when it sent any (drawn dim above the answer).
    public var reasoning: String = ""
    /// Bumped on every change, so layouts can be cached.
    public var version = 0
    /// Time and timings, shown by the details toggle (Ctrl-P).
    public var details: MessageDetails?

    public init(id: Int, role: Role, text: String, turnID: Int? = nil, status: TurnStatus? = nil) {
        self.id = id
        self.role = role
        self.storedText = text
        self.turnID = turnID
        self.status = status
    }

    /// Calls `body` with the text, without copying a streaming answer (see `AnswerText`).
    public func withText<R>(_ body: (String) -> R) -> R {
        if let live { return live.withText(body) }
        return body(storedText)
    }

    public var textIsEmpty: Bool { live?.isEmpty ?? storedText.isEmpty }

    /// Where the text is read from later (a layout's lines that keep places in it): the
    /// streaming answer itself, not a copy, or the finished text.
    public enum TextSource: Sendable {
        case live(AnswerText)
        case text(String)

        /// The UTF-8 bytes at `range`, as text (empty where the text is shorter).
        func read(_ range: Range<Int>) -> String {
            switch self {
            case .live(let a): return a.withText { $0.utf8Slice(range) }
            case .text(let s): return s.utf8Slice(range)
            }
        }
    }

    public var textSource: TextSource { live.map { .live($0) } ?? .text(storedText) }
}

public struct Conversation: Sendable, Equatable {
    public var messages: [ChatMessage] = []
    /// Exchanges asked again (Alt-R) or edited (Alt-E): every version of each, by the index of
    /// its answer in `messages` (which holds the version shown). See Versions.swift.
    public var versions: [Int: ExchangeVersions] = [:]
    public init() {}
    /// Quick questions show until the user has said something.
    public var hasUserMessage: Bool { messages.contains { $0.role == .user } }
}

public enum ConnectionState: Sendable, Equatable {
    case connecting
    case connected
    case failed(String)
}

public enum Overlay: Sendable, Equatable {
    case none
    /// The keys (F1), scrolled by `scroll` lines.
    case help(scroll: Int)
    /// The last status messages in full (F12), scrolled up from the newest by `scroll` lines.
    case messages(scroll: Int)
    case agents(selected: Int)
    case reset(confirmSelected: Bool)
    /// The configuration report (every handshake field), scrolled by `scroll` lines.
    case report(scroll: Int)
    /// The inspector: handshake, requests, events and timings (F8).
    case inspector
}

public enum Focus: Sendable, Equatable {
    case input
    case chip(Int)
}

/// A status message as the message log (F12) keeps it.
public struct LoggedMessage: Sendable, Equatable {
    /// Seconds since the app started.
    public var at: Double
    public var text: String
    public var isError: Bool
}

/// The whole UI state. Changed only by `reduce`; drawn by `Renderer`.
public struct AppState: Sendable {
    public var connection: ConnectionState = .connecting
    public var targetDescription: String = ""
    public var config = WidgetConfig()
    /// The last handshake (token inside is never drawn; the report uses its redacted JSON).
    public var handshake: Handshake?
    public var agents: [Agent] = []
    public var agentID: String?
    public var conversations: [String: Conversation] = [:]
    public var input = InputEditor()
    public var history: [String] = []
    public var historyIndex: Int?
    public var historyDraft: String = ""
    public var focus: Focus = .input
    public var overlay: Overlay = .none
    /// Lines scrolled up from the bottom of the conversation (0 follows new text).
    public var scroll = 0
    /// The turn being awaited or streamed.
    public var activeTurn: Int?
    public var activeTurnStarted: Double = 0
    public var now: Double = 0
    public var status: String?
    public var statusIsError = false
    public var statusAt: Double = 0
    /// Seconds a status that is not an error stays in place of the key hints.
    public static let statusSeconds = 8.0
    /// Whether the status shows instead of the key hints now.
    public var statusShown: Bool { status != nil && (statusIsError || now - statusAt < Self.statusSeconds) }
    /// Status messages shown so far, newest last (F12 shows them in full).
    public var messageLog: [LoggedMessage] = []
    public static let maxLoggedMessages = 50
    /// Writing the user's data (autosave, recording) failed: shown until acknowledged (F12).
    public var storageError: String?
    /// Messages typed while connecting or while an answer streams: sent in order, one
    /// when connected and each after the answer before it ends.
    public var queued: [String] = []
    /// A send was issued and its turn has not started yet.
    public var sendPending = false
    /// Reasoning blocks are shown whole (Ctrl-T), not just their first line.
    public var showReasoning = false
    /// Each message's time and each answer's timings are shown (Ctrl-P).
    public var showDetails = false
    /// The widest an answer's or a message's text runs, in columns (a readable measure,
    /// as the web widget is a fixed-width panel).
    public var measure = 100
    public var quitArmedAt: Double?
    public var shouldQuit = false
    public var width = 80
    public var height = 24
    public var theme: Theme
    /// The theme the user chose; made into `theme` with the widget's colour and mode.
    public var themeSpec: ThemeSpec
    /// Overrides `theme_mode` (from --light / --dark).
    public var forceDark: Bool?
    /// Draw without colours (NO_COLOR): attributes only.
    public var noColor: Bool
    /// Preview mode: no chat is sent.
    public var previewOnly = false
    /// `preview --mobile`: the widget is drawn at most this many columns wide.
    public var mobileWidth: Int?
    /// What the inspector shows (F8).
    public var inspector = InspectorState()
    /// The inspector's first line on screen (-1: the start of the latest turn).
    public var inspectorScroll = 0
    /// The inspector follows new lines at the bottom.
    public var inspectorFollow = false
    var nextMessageID = 1
    /// Lead form, ratings, auto-close, the server's record (WidgetExtras.swift).
    public var extras = WidgetExtras()
    /// The keys remapped in config.toml (the runtime translates them; F1 shows them).
    public var keyRemap = KeyRemap()
    /// The search prompt (Ctrl-F) when it is open, and each message's lowercased text (Search.swift).
    public var search: SearchState?
    public var searchIndex = SearchIndex()
    /// The last question is being edited (Alt-E): Enter sends it as a new version of that exchange (Versions.swift).
    public var editingTurn: Int?
    /// The selected message's id (Alt-Up): select mode, keys in `KeyContext.select` (Keys/SelectKeys.swift).
    public var selection: Int?
    /// Messages whose details (tool input/output, sources, reasoning) are open in place (Enter on them).
    public var expanded: Set<Int> = []
    /// Mouse reporting is on (Alt-M turns it off, so the terminal selects text without Shift).
    public var mouseReporting = true
    /// The inspector shows long event lines whole, wrapped (Enter in F8), not cut to the width.
    public var inspectorWhole = false

    public init(themeSpec: ThemeSpec = ThemeSpec(), forceDark: Bool? = nil, noColor: Bool = false) {
        self.forceDark = forceDark
        self.themeSpec = themeSpec
        self.noColor = noColor
        self.theme = Theme.monochrome
        refreshTheme()
    }

    /// Re-derives the theme from the spec, the widget's branding and the overrides.
    public mutating func refreshTheme() {
        let t = themeSpec.make(widgetAccent: config.branding.themeColor, widgetDark: config.branding.themeMode != 0,
                               forceDark: forceDark)
        theme = noColor ? t.withoutColor : t
    }

    public var agent: Agent? {
        agents.first { $0.chatbotID == agentID }
    }

    public var conversation: Conversation {
        agentID.flatMap { conversations[$0] } ?? Conversation()
    }

    public var isBusy: Bool { activeTurn != nil }

    /// The quick questions to offer now (none once the user has spoken, or when disabled).
    public var visibleQuickQuestions: [String] {
        guard config.behaviour.enableSuggestedQuestions, let a = agent, !conversation.hasUserMessage else { return [] }
        return a.quickQuestions.map { Sanitizer.clean($0, allowNewlines: false) }.filter { !$0.isEmpty }
    }

    /// Waiting for the first text of the active turn (the loader shows).
    public var awaitingFirstText: Bool {
        guard let t = activeTurn, let agentID else { return false }
        guard let m = conversations[agentID]?.messages.last(where: { $0.turnID == t && $0.role == .agent }) else {
            return true
        }
        return m.textIsEmpty
    }

    mutating func newMessage(_ role: ChatMessage.Role, _ text: String, turnID: Int? = nil,
                             status: TurnStatus? = nil) -> ChatMessage {
        defer { nextMessageID += 1 }
        return ChatMessage(id: nextMessageID, role: role, text: text, turnID: turnID, status: status)
    }

    mutating func ensureConversation(_ agent: Agent) {
        if conversations[agent.chatbotID] == nil {
            var c = Conversation()
            if !agent.greeting.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty {
                c.messages.append(newMessage(.greeting, agent.greeting))
            }
            conversations[agent.chatbotID] = c
        }
    }

    mutating func setStatus(_ text: String?, error: Bool = false) {
        status = text
        statusIsError = error
        statusAt = now
        if let text, text != Self.quitHint, text != "Connecting…", messageLog.last?.text != text {
            messageLog.append(LoggedMessage(at: now, text: text, isError: error))
            if messageLog.count > Self.maxLoggedMessages { messageLog.removeFirst(messageLog.count - Self.maxLoggedMessages) }
        }
    }

    /// Adopts a handshake: widget config, agents in display order, the theme.
    public mutating func apply(handshake h: Handshake) {
        handshake = h
        config = Self.sanitized(h.widget)
        agents = h.sortedAgents.map(Self.sanitized)
        refreshTheme()
        if let id = agentID, let a = agents.first(where: { $0.chatbotID == id }) {
            ensureConversation(a)
        }
    }

    static func sanitized(_ a: Agent) -> Agent {
        var a = a
        a.name = Sanitizer.clean(a.name, allowNewlines: false)
        a.type = Sanitizer.clean(a.type, allowNewlines: false)
        a.description = Sanitizer.clean(a.description, allowNewlines: false)
        a.greeting = Sanitizer.clean(a.greeting)
        a.quickQuestions = a.quickQuestions.map { Sanitizer.clean($0, allowNewlines: false) }
        return a
    }

    static func sanitized(_ w: WidgetConfig) -> WidgetConfig {
        var w = w
        func one(_ s: inout String) { s = Sanitizer.clean(s, allowNewlines: false) }
        one(&w.header.title)
        one(&w.header.subtitle)
        one(&w.header.chatTabLabel)
        one(&w.header.inputPlaceholder)
        one(&w.header.downloadTranscriptLabel)
        one(&w.header.endSessionLabel)
        one(&w.branding.brandName)
        w.loader.loaderTexts = w.loader.loaderTexts.map { Sanitizer.clean($0, allowNewlines: false) }
        one(&w.resetModal.title)
        w.resetModal.description = Sanitizer.clean(w.resetModal.description)
        one(&w.resetModal.confirmText)
        one(&w.resetModal.cancelText)
        return w
    }
}
