// Keys: the one key map. It drives key dispatch (`AppState.handleKey`), the F1 help and the README's key table.
//
// To add a key: add one `KeyBinding` row below (its context, keys, action, and the F1 / README text if it
// is for users); handle its action in the context's reducer (Keys/*Keys.swift). To add an overlay: add an
// `Overlay` case and a `KeyContext` case (map it in `AppState.keyContext`), its rows here, one small
// reducer `xxxKey(_:action:)` in Keys/, and one region function `drawXxx` in RendererOverlays.swift.
// KeyMapTests fails when the README's table or the F1 help disagrees with this table, or a key is bound twice.

/// Where a key is read: everywhere, the chat (no overlay), a quick-question chip, the input, or an overlay.
public enum KeyContext: Sendable, Hashable, CaseIterable {
    /// Before anything else, whatever is open.
    case global
    /// The chat with no overlay (before the chips and the input).
    case chat
    /// A quick-question chip has the focus.
    case chips
    /// The message input.
    case input
    case help, messages, agents, reset, report, inspector
    /// The widget's extras' panels (WidgetExtras.swift): the lead form, F11 the server's record.
    case leadForm, serverRecord
    /// The search prompt (Ctrl-F) is open.
    case search
    /// A message is selected (Alt-Up): select mode over the chat (Keys/SelectKeys.swift).
    case select
}

/// What a key does; each context's reducer gives it its meaning there.
public enum KeyAction: Sendable, Hashable {
    // Everywhere.
    case interrupt, quit, redraw
    // The chat.
    case openHelp, openMessages, openAgents, openReport, openInspector
    case toggleReasoning, compose, toggleDetails, resetChat, endSession, saveTranscript, reconnect, saveScript, escape
    // Moving and scrolling (chat, chips, input, overlays).
    case up, down, pageUp, pageDown, top, bottom, next, previous
    // Overlays.
    case close, choose, confirm, toggle
    // The input.
    case send, newline, backspace, deleteForward, left, right, lineStart, lineEnd, wordLeft, wordRight
    case deleteWord, deleteToStart, deleteToEnd, firstChip, lastChip
    // The widget's extras (WidgetExtras.swift): lead form, rating, the server's record.
    case openLeadForm, rateUp, rateDown, openServerRecord
    /// Fetch again (the server's record).
    case refresh
    // Search (Search.swift) and answer versions (Versions.swift).
    case search, retry, editLast, olderVersion, newerVersion
    // Selecting, copying and opening messages (Keys/SelectKeys.swift); `expand` also in the inspector.
    case selectMessage, copy, copyCode, toggleMouse, expand
}

/// A row of a key table: the keys as written, and what they do.
public struct KeyHelp: Sendable, Equatable {
    public var keys: String
    public var text: String
    public init(_ keys: String, _ text: String) {
        self.keys = keys
        self.text = text
    }
}

/// One line of the key map.
public struct KeyBinding: Sendable {
    public var context: KeyContext
    public var keys: [Key]
    public var action: KeyAction
    /// The F1 help's row; nil: not listed there. Short: at 80×24 the help shows two columns of 36,
    /// so keys of at most 16 columns and text of at most 19 show whole (KeyMapTests checks it).
    public var help: KeyHelp?
    /// The README's row; nil: not listed there.
    public var readme: KeyHelp?

    public init(_ context: KeyContext, _ keys: [Key], _ action: KeyAction, help: KeyHelp? = nil, readme: KeyHelp? = nil) {
        self.context = context
        self.keys = keys
        self.action = action
        self.help = help
        self.readme = readme
    }
}

public enum KeyMap {
    /// Every key binding. The F1 help and the README list the rows that have text, in this order.
    public static let bindings: [KeyBinding] = [
        // The chat: the rows users read, in the order of the F1 help.
        .init(.input, [.enter], .send,
              help: KeyHelp("Enter", "send (or queue)"),
              readme: KeyHelp("Enter", "send the message; while connecting or while an answer streams it is queued (shown \"queued — sends when …\") and sent when the moment comes, never stopping the answer")),
        .init(.input, [.newline], .newline,
              help: KeyHelp("Ctrl-J", "new line; Alt-Enter"),
              readme: KeyHelp("Ctrl-J, Alt-Enter", "new line inside the message (a bracketed paste stays one message)")),
        .init(.input, [.up], .up,
              help: KeyHelp("Up / Down", "lines, history"),
              readme: KeyHelp("Up / Down", "move between lines of the message; on the first/last line, history")),
        .init(.input, [.down], .down),
        .init(.input, [.left, .ctrl("b")], .left,
              readme: KeyHelp("Left/Right, Home/End, Ctrl-A/Ctrl-E", "move; Alt-Left/Right (Ctrl-Left/Right) by word")),
        .init(.input, [.right], .right),
        .init(.input, [.backspace], .backspace,
              readme: KeyHelp("Backspace, Delete, Ctrl-W / Alt-Backspace, Ctrl-U, Ctrl-K", "delete a character, a word, to the start, to the end")),
        .init(.input, [.tab], .firstChip, help: KeyHelp("Tab", "quick questions")),
        .init(.input, [.backTab], .lastChip,
              readme: KeyHelp("Tab / Shift-Tab", "pick a quick question (then ←/→, Enter); a mouse click on one sends it")),
        .init(.chat, [.escape], .escape,
              help: KeyHelp("Esc", "stop/close/unqueue"),
              readme: KeyHelp("Esc", "stop the answer that is streaming (the partial answer stays, marked \"⏹ Stopped\"); close a panel; when idle, bring a queued message back into the input")),
        .init(.chat, [.pageUp], .pageUp,
              help: KeyHelp("PgUp / PgDn, End", "scroll; End: newest"),
              readme: KeyHelp("PgUp / PgDn, mouse wheel", "scroll the conversation; a view scrolled up holds still while text arrives (\"↓ 37 new lines · End\" on the rule, \"↑ more above · PgUp\" at the top)")),
        .init(.chat, [.pageDown], .pageDown),
        .init(.chat, [.end], .bottom,
              readme: KeyHelp("End", "(scrolled up) back to the newest text; the view follows it again")),
        .init(.chat, [.ctrl("t")], .toggleReasoning,
              help: KeyHelp("Ctrl-T", "show/fold reasoning"),
              readme: KeyHelp("Ctrl-T", "show the agent's reasoning whole / fold it to its first line")),
        .init(.chat, [.ctrl("g")], .compose, help: KeyHelp("Ctrl-G", "write in $EDITOR"),
              readme: KeyHelp("Ctrl-G", "write the message in your editor (`$VISUAL`, else `$EDITOR`, else `vi`; it may hold arguments, e.g. `code --wait`): the screen is handed over and restored, the message so far is the file's text, what you save comes back into the input (Enter sends it); an editor that fails (non-zero exit) leaves the message as it was")),
        .init(.chat, [.ctrl("p")], .toggleDetails, help: KeyHelp("Ctrl-P", "times and timings"),
              readme: KeyHelp("Ctrl-P", "details: each message's time, and for answers the time to the first text, the duration and chars/s (as F8 measures them)")),
        .init(.chat, [.altUp, .altDown], .selectMessage,
              help: KeyHelp("Alt-↑ / Alt-↓", "select a message"),
              readme: KeyHelp("Alt-Up / Alt-Down", "select a message (the last one first; it is marked ▶ and scrolled into view); then the (selected) keys")),
        .init(.chat, [.alt("c")], .copy, help: KeyHelp("Alt-C / Alt-M", "copy / mouse on-off"),
              readme: KeyHelp("Alt-C", "copy the selected message, else the last answer, as Markdown (see [Copying](#copying))")),
        .init(.chat, [.alt("m")], .toggleMouse,
              readme: KeyHelp("Alt-M", "mouse reporting off / on (the status line says which): off, the terminal selects text with a plain drag; on, Shift-drag selects in most terminals")),
        .init(.chat, [.function(1)], .openHelp,
              readme: KeyHelp("F1", "help: every key (scrolls on a small screen: ↑↓, PgUp/PgDn)")),
        .init(.chat, [.function(2)], .openAgents,
              help: KeyHelp("F2", "choose the agent"),
              readme: KeyHelp("F2", "agent picker (when the widget has several agents; each keeps its own conversation)")),
        .init(.chat, [.function(3), .ctrl("x")], .resetChat,
              help: KeyHelp("F3, Ctrl-X", "reset chat"),
              readme: KeyHelp("F3, Ctrl-X", "reset chat (through the widget's reset modal when `enable_reset_chat_modal`)")),
        .init(.chat, [.function(4)], .endSession,
              help: KeyHelp("F4", "end the session"),
              readme: KeyHelp("F4", "end chat session (the next message starts a new conversation)")),
        .init(.chat, [.function(5), .ctrl("s")], .saveTranscript,
              help: KeyHelp("F5, Ctrl-S", "download transcript"),
              readme: KeyHelp("F5, Ctrl-S", "download transcript: writes the conversation as Markdown and shows the path")),
        .init(.chat, [.function(6), .ctrl("r")], .reconnect,
              help: KeyHelp("F6, Ctrl-R", "reconnect"),
              readme: KeyHelp("F6, Ctrl-R", "reconnect (new handshake; keeps the chosen agent, says \"Reconnected.\")")),
        .init(.input, [.home, .ctrl("a")], .lineStart),
        .init(.input, [.end, .ctrl("e")], .lineEnd),
        .init(.input, [.wordLeft], .wordLeft),
        .init(.input, [.wordRight], .wordRight),
        .init(.input, [.delete, .ctrl("d")], .deleteForward),
        .init(.input, [.wordBackspace, .ctrl("w")], .deleteWord),
        .init(.input, [.ctrl("u")], .deleteToStart),
        .init(.input, [.ctrl("k")], .deleteToEnd),
        .init(.chat, [.function(7)], .openReport,
              help: KeyHelp("F7", "config report"),
              readme: KeyHelp("F7", "configuration report: every handshake field and how it is used")),
        .init(.chat, [.function(8)], .openInspector,
              help: KeyHelp("F8", "inspector, timings"),
              readme: KeyHelp("F8", "inspector: handshake, requests, every SSE event with its time, timings (see [For QA testers](#for-qa-testers))")),
        .init(.chat, [.function(9)], .saveScript,
              help: KeyHelp("F9", "save as test script"),
              readme: KeyHelp("F9", "save the conversation so far as a test script (`robofy-tui run` replays it)")),
        .init(.chat, [.ctrl("o")], .openLeadForm, help: KeyHelp("Ctrl-O", "lead form"),
              readme: KeyHelp("Ctrl-O", "the lead-capture form, when the agent has one (see [The rest of the widget](#the-rest-of-the-widget))")),
        .init(.chat, [.ctrl("y")], .rateUp, help: KeyHelp("Ctrl-Y / Ctrl-N", "rate answer 👍 / 👎"),
              readme: KeyHelp("Ctrl-Y / Ctrl-N", "rate the newest finished answer 👍 / 👎 (when `enable_chat_rating`)")),
        .init(.chat, [.ctrl("n")], .rateDown),
        .init(.chat, [.ctrl("f")], .search,
              help: KeyHelp("Ctrl-F", "search"),
              readme: KeyHelp("Ctrl-F", "search the conversation: type (case-insensitive; every match is highlighted, the current one stands out and is scrolled to), ↑ / ↓ the older / newer match, Enter ends the typing, then n / N (or ↑ / ↓, Enter) move, `/` or Ctrl-F types again, Esc closes; \"3/17\" counts from the newest")),
        .init(.chat, [.alt("r")], .retry, help: KeyHelp("Alt-R / Alt-E", "answer again / edit"),
              readme: KeyHelp("Alt-R", "ask the last question again: a new answer, the old one kept as an earlier version (\"‹ 2/2 ›\" on the answer); the session id stays, so the server's conversation holds both (a notice says so)")),
        .init(.chat, [.alt("e")], .editLast,
              readme: KeyHelp("Alt-E", "edit the last question: it comes back into the input (\"editing\"), Enter sends it as a new version of that exchange, Esc leaves the edit")),
        .init(.chat, [.left], .olderVersion, help: KeyHelp("← / →", "answer versions"),
              readme: KeyHelp("← / →", "(the input empty) switch between the versions of the last answer")),
        .init(.chat, [.right], .newerVersion),
        .init(.chat, [.function(11)], .openServerRecord, help: KeyHelp("F11", "the server's record"),
              readme: KeyHelp("F11", "what the server recorded for this session next to what the client saw (needs `ROBOFY_API_KEY`; see [What the server recorded](#what-the-server-recorded))")),
        .init(.chat, [.function(12)], .openMessages,
              help: KeyHelp("F12", "the last messages"),
              readme: KeyHelp("F12", "the last 50 status messages in full (file paths, advice); closing it acknowledges a storage failure")),
        .init(.global, [.function(10), .ctrl("q")], .quit,
              help: KeyHelp("F10, Ctrl-Q", "quit (or Ctrl-C ×2)"),
              readme: KeyHelp("F10, Ctrl-Q, Ctrl-C twice", "quit (the terminal is restored on every way out)")),
        .init(.global, [.ctrl("c")], .interrupt),
        .init(.global, [.ctrl("l")], .redraw, help: KeyHelp("Ctrl-L", "redraw"), readme: KeyHelp("Ctrl-L", "redraw the screen")),

        // A quick-question chip has the focus (any other key goes to the input).
        .init(.chips, [.tab, .right, .down], .next),
        .init(.chips, [.backTab, .left, .up], .previous),
        .init(.chips, [.enter], .choose),

        // A message is selected (Alt-Up; any other key leaves the selection and works as in the chat).
        .init(.select, [.up, .altUp, .char("k")], .up,
              readme: KeyHelp("(selected) Up / Down, PgUp / PgDn, Home / End", "move the selection; PgUp/PgDn scroll")),
        .init(.select, [.down, .altDown, .char("j")], .down),
        .init(.select, [.pageUp], .pageUp),
        .init(.select, [.pageDown], .pageDown),
        .init(.select, [.home], .top),
        .init(.select, [.end], .bottom),
        .init(.select, [.enter], .expand,
              readme: KeyHelp("(selected) Enter", "open / close the message's details in place: each tool call's input and output, each source's title, address and id whole, the reasoning whole (wrapped, scrolled with the conversation)")),
        .init(.select, [.char("c"), .char("y"), .alt("c")], .copy,
              readme: KeyHelp("(selected) c, y", "copy the selected message as Markdown")),
        .init(.select, (1...9).map { .char(Character(String($0))) }, .copyCode,
              readme: KeyHelp("(selected) 1–9", "copy that code block of the message (its text, without the fences)")),
        .init(.select, [.char("m"), .alt("m")], .toggleMouse),
        .init(.select, [.escape], .close,
              readme: KeyHelp("(selected) Esc", "leave the selection")),

        // F1 help (any other key closes it).
        .init(.help, [.up], .up),
        .init(.help, [.down], .down),
        .init(.help, [.pageUp], .pageUp),
        .init(.help, [.pageDown, .char(" ")], .pageDown),
        .init(.help, [.home], .top),
        .init(.help, [.end], .bottom),

        // F12 messages (any other key closes them and acknowledges a storage failure).
        .init(.messages, [.up], .up),
        .init(.messages, [.down], .down),
        .init(.messages, [.pageUp], .pageUp),
        .init(.messages, [.pageDown], .pageDown),
        .init(.messages, [.end], .bottom),

        // F2 agent picker (the digits 1–9 choose directly).
        .init(.agents, [.up], .up),
        .init(.agents, [.down, .tab], .down),
        .init(.agents, [.enter], .choose),
        .init(.agents, [.escape, .function(2)], .close),

        // The reset modal.
        .init(.reset, [.left, .right, .tab, .backTab], .toggle),
        .init(.reset, [.enter], .choose),
        .init(.reset, [.char("y"), .char("Y")], .confirm),
        .init(.reset, [.escape, .char("n"), .char("N")], .close),

        // F7 configuration report.
        .init(.report, [.up], .up),
        .init(.report, [.down], .down),
        .init(.report, [.pageUp], .pageUp),
        .init(.report, [.pageDown, .char(" ")], .pageDown),
        .init(.report, [.home], .top),
        .init(.report, [.escape, .function(7), .char("q")], .close),

        // F8 inspector.
        .init(.inspector, [.up], .up),
        .init(.inspector, [.down], .down),
        .init(.inspector, [.pageUp], .pageUp),
        .init(.inspector, [.pageDown], .pageDown),
        .init(.inspector, [.home], .top),
        .init(.inspector, [.end], .bottom),
        .init(.inspector, [.escape, .function(8)], .close),
        .init(.inspector, [.function(9)], .saveScript),
        .init(.inspector, [.enter], .expand,
              readme: KeyHelp("(F8) Enter", "show long event lines whole, wrapped (again: cut to the width)")),

        // The lead form (WidgetExtras.swift; characters are typed into the field).
        .init(.leadForm, [.tab, .down], .next),
        .init(.leadForm, [.backTab, .up], .previous),
        .init(.leadForm, [.enter], .choose),
        .init(.leadForm, [.backspace], .backspace),
        .init(.leadForm, [.ctrl("u")], .deleteToStart),
        .init(.leadForm, [.escape], .close),

        // F11 the server's record (any other key closes it).
        .init(.serverRecord, [.up], .up),
        .init(.serverRecord, [.down], .down),
        .init(.serverRecord, [.pageUp], .pageUp),
        .init(.serverRecord, [.pageDown, .char(" ")], .pageDown),
        .init(.serverRecord, [.function(6), .ctrl("r"), .char("r")], .refresh),

        // The search prompt (Ctrl-F). While the query is typed, characters go to it.
        .init(.search, [.up, .char("n")], .next),
        .init(.search, [.down, .char("N")], .previous),
        .init(.search, [.enter], .choose),
        .init(.search, [.backspace], .backspace),
        .init(.search, [.ctrl("u")], .deleteToStart),
        .init(.search, [.ctrl("f"), .char("/")], .search),
        .init(.search, [.pageUp], .pageUp),
        .init(.search, [.pageDown], .pageDown),
        .init(.search, [.escape], .close),
    ]

    /// The letters bound with Alt somewhere (the key decoder reads Esc and one of them as Alt).
    public static let altLetters: Set<Character> = Set(bindings.flatMap(\.keys).compactMap {
        if case .alt(let c) = $0 { c } else { nil }
    })

    /// Each context's keys and their actions (the first binding of a key wins; KeyMapTests
    /// checks that no key is bound twice in one context).
    static let index: [KeyContext: [Key: KeyAction]] = {
        var out: [KeyContext: [Key: KeyAction]] = [:]
        for b in bindings {
            for k in b.keys where out[b.context]?[k] == nil { out[b.context, default: [:]][k] = b.action }
        }
        return out
    }()

    /// Builds the index now, at start-up: built on first use, it made the first key press
    /// (the Enter that sends the first question) a millisecond slower.
    public static func prepare() {
        _ = index
    }

    /// What a key does in a context, if it is bound there.
    public static func action(for key: Key, in context: KeyContext) -> KeyAction? {
        index[context]?[key]
    }

    /// The F1 help's rows, in order.
    public static var helpRows: [KeyHelp] { bindings.compactMap(\.help) }

    /// The README's key table (Markdown), generated from the map.
    public static var readmeTable: String {
        func cell(_ s: String) -> String { s.replacingOccurrences(of: "|", with: "\\|") }
        let rows = bindings.compactMap(\.readme).map { "| \(cell($0.keys)) | \(cell($0.text)) |" }
        return (["| key | does |", "|---|---|"] + rows).joined(separator: "\n") + "\n"
    }
}
