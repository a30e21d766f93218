/// The demo project's agents and widget configuration.
enum DemoAgentKind: Sendable, Equatable {
    case shop  // Nova
    case tools  // Atlas
    case docs  // Sage
    case hostile  // Mallory (only with `DemoServerOptions.hostile`)
}

struct DemoAgent: Sendable {
    var id: String
    var kind: DemoAgentKind
    var name: String
    var type: String
    var description: String
    var avatar: String?
    var greeting: String
    var sortOrder: Int
    var quickQuestions: DemoJSON
    var leadCapture: (title: String?, subtitle: String?, submit: String?)

    var json: DemoJSON {
        [
            "chatbot_id": .string(id),
            "agent_name": .string(name),
            "agent_type": .string(type),
            "description": .string(description),
            "avatar_image_path": .optional(avatar),
            "greeting": .string(greeting),
            "sort_order": .int(sortOrder),
            "quick_questions": quickQuestions,
            "lead_capture": [
                "form_title": .optional(leadCapture.title),
                "form_subtitle": .optional(leadCapture.subtitle),
                "submit_button_text": .optional(leadCapture.submit),
            ],
        ]
    }
}

/// Terminal escape sequences a hostile server might send. A client must never
/// let any of these reach the terminal raw.
enum Hostile {
    static let esc = "\u{1B}"
    /// CSI SGR bold red.
    static let csiRed = "\u{1B}[1;31m"
    static let csiReset = "\u{1B}[0m"
    /// CSI clear screen + cursor home.
    static let clearScreen = "\u{1B}[2J\u{1B}[H"
    /// OSC 52: write "rm -rf ~" to the system clipboard.
    static let osc52 = "\u{1B}]52;c;cm0gLXJmIH4=\u{07}"
    /// OSC 8 hyperlink whose visible text hides the target.
    static let osc8 = "\u{1B}]8;;https://evil.example/phish\u{1B}\\docs.robofy.ai\u{1B}]8;;\u{1B}\\"
    /// 8-bit C1 CSI (U+009B) SGR red, then reset.
    static let c1csi = "\u{9B}31mC1-red\u{9B}0m"
    /// Right-to-left override: renders as "invoice_exe.pdf"-style spoofing.
    static let bidi = "invoice\u{202E}fdp.exe"
    /// Backspaces that try to overwrite "safe".
    static let backspaces = "safe\u{08}\u{08}\u{08}\u{08}EVIL"
    static let bel = "\u{07}"
    /// OSC 0: retitle the terminal window.
    static let title = "\u{1B}]0;pwned\u{07}"

    /// Mallory's tool call name, finish reason, session id suffix and error text: server
    /// strings that line mode, logs, transcripts and scripts print (or write) too.
    static let toolName = "lookup\(csiRed)\(title)"
    static let finishReason = "stop\(title)\(c1csi)\(bidi)"
    static let sessionSuffix = "\(title)\u{202E}"
    static let errorText = "Scripted failure\(clearScreen)\(osc52) \(bidi)"

    static let name = "Mallory \(csiRed)RED\(csiReset)\(clearScreen)\(bel)"
    static let description = "Tests your sanitizer: \(osc52)clipboard, \(c1csi), \(bidi), \(backspaces)."
    static let greeting = "Hi! Visit \(osc8) \(csiRed)now\(csiReset)\(bel) \(bidi)"
    static let quickQuestions: DemoJSON = [
        .string("\(csiRed)Red question\(csiReset)"),
        .string("Clear\(clearScreen)screen?"),
        .string("Clipboard \(osc52)write?"),
        ["question": .string("\(c1csi) and \(bidi)")],
        .string("\(backspaces)\(bel)"),
    ]

    /// The `/hostile` answer: normal text around every sequence.
    static let answer = """
        This answer contains terminal escape sequences. A safe client shows them inert.

        Colour: \(csiRed)this should NOT be red\(csiReset) and a clear-screen right here: \(clearScreen)(still here?)

        Clipboard write (OSC 52): [\(osc52)] — your clipboard should be unchanged.

        Hyperlink (OSC 8): \(osc8) — the real target is evil.example.

        8-bit CSI: \(c1csi). Bidi override: \(bidi). Backspaces: \(backspaces). Bell: [\(bel)].

        Normal text again at the end.
        """
}

enum DemoCatalog {
    static let projectID = "demo-project"

    static let nova = DemoAgent(
        id: "demo-nova",
        kind: .shop,
        name: "Nova",
        type: "Public",
        description: "Shop assistant: deals, gift ideas, order tracking and returns.",
        avatar: DemoAvatars.path("demo-nova"),
        greeting: "Hi, I'm Nova 🛍️ Looking for something special today?",
        sortOrder: 0,
        quickQuestions: [
            "What's on sale today?",
            "Recommend a gift under $50",
            "Where is my order?",
            "How do returns work?",
        ],
        leadCapture: (
            title: "Get 10% off your first order",
            subtitle: "Leave your email and we'll send you a discount code.",
            submit: "Send me the code"
        )
    )

    static let atlas = DemoAgent(
        id: "demo-atlas",
        kind: .tools,
        name: "Atlas",
        type: "Tool",
        description: "Weather agent that calls tools (get_weather) before answering.",
        avatar: DemoAvatars.path("demo-atlas"),
        greeting: "Atlas here ⛅ Ask me about the weather anywhere.",
        sortOrder: 1,
        // Objects instead of strings, to exercise lenient clients.
        quickQuestions: [
            ["id": 1, "question": "Weather in Paris?"],
            ["id": 2, "question": "Will it rain in London?"],
            ["id": 3, "question": "How hot is it in Tokyo?"],
        ],
        leadCapture: (title: nil, subtitle: nil, submit: nil)
    )

    static let sage = DemoAgent(
        id: "demo-sage",
        kind: .docs,
        name: "Sage",
        type: "Knowledge Base",
        description: "Documentation agent: Markdown answers with code and cited sources.",
        avatar: nil,
        greeting: "I'm **Sage** 📚 Ask me anything about the Robofy widget docs.",
        sortOrder: 2,
        quickQuestions: [
            "How do I install the widget?",
            "How do tokens work?",
            "Show me a code example",
        ],
        leadCapture: (title: nil, subtitle: nil, submit: nil)
    )

    static let mallory = DemoAgent(
        id: "demo-hostile",
        kind: .hostile,
        name: Hostile.name,
        type: "Public\(Hostile.bel)",
        description: Hostile.description,
        avatar: "https://evil.example/\(Hostile.csiRed)avatar.png",
        greeting: Hostile.greeting,
        sortOrder: 3,
        quickQuestions: Hostile.quickQuestions,
        leadCapture: (title: "\(Hostile.csiRed)Win a prize\(Hostile.csiReset)", subtitle: Hostile.bidi, submit: "OK\(Hostile.bel)")
    )

    /// The default agent (lowest sort order).
    static let defaultAgentID = nova.id

    /// Agents in the order the handshake returns them: deliberately NOT sorted by `sort_order`.
    static func agents(hostile: Bool) -> [DemoAgent] {
        hostile ? [sage, mallory, nova, atlas] : [sage, nova, atlas]
    }

    static let widget: DemoJSON = [
        "header": [
            "title": "Hello there 👋",
            "subtitle": "Ask our demo agents anything",
            "chat_tab_label": "Chat",
            "input_placeholder": "Type message here..",
            "download_transcript_label": "Download Transcript",
            "end_session_label": "End Chat Session",
        ],
        "branding": [
            "theme_mode": 0,
            "theme_color": "#2563EB",
            "show_powered_by": true,
            "widget_position": "bottom-right",
            "widget_bubble_icon": "https://app-reseller.s3.us-west-2.amazonaws.com/defaulticon/default-icon-2.svg",
            "brand_name": "Robofy",
        ],
        "behaviour": [
            "open_on_page_load": false,
            "show_on_mobile": true,
            "show_microphone": false,
            "close_after_time": 600,
            "enable_sources": true,
            "enable_suggested_questions": true,
        ],
        "loader": [
            "loader_texts": [
                "Understanding Query",
                "Analyzing",
                "Thinking",
                "Collecting Data",
                "Generating Response",
            ],
            "enable_loader": true,
        ],
        "reset_modal": [
            "reset_chat_modal_title": "Reset Chat",
            "reset_chat_modal_description":
                "This will permanently remove this conversation, including messages and any chat context stored for this session.",
            "confirm_reset_chat_button_text": "Yes, reset",
            "cancel_reset_chat_button_text": "Cancel",
            "enable_reset_chat_modal": true,
        ],
        "privacy": [
            "enable_chat_rating": true,
            "capture_ip_address": false,
            "chatbot_privacy_term": "This is a demo: conversations are kept in memory only and vanish when the server stops.",
        ],
        "custom_css": ".robofy-widget { border-radius: 16px; }",
        "custom_js": nil,
    ]
}
