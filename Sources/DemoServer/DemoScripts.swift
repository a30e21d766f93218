import Foundation

struct DemoToolCall: Sendable {
    var toolCallID: String
    var toolName: String
    /// Raw JSON text of the input, in pieces (`tool-input-delta`).
    var inputPieces: [String]
    var input: DemoJSON
    var output: DemoJSON
}

struct DemoSource: Sendable {
    var id: String
    var url: String
    var title: String
}

/// One piece of a scripted turn, in stream order.
enum DemoSegment: Sendable {
    /// A text part (`text-start`, 1–3 word `text-delta`s, `text-end`).
    case text(String)
    /// `/bench`: exactly `deltas` text-deltas totalling `bytes` bytes, generated on the fly;
    /// `word`: the text is one word (no white space), as a hostile server may send.
    case bench(bytes: Int, deltas: Int, shape: BenchText.Shape = .lines)
    /// A reasoning part.
    case reasoning(String)
    /// A tool call with its output.
    case tool(DemoToolCall)
    /// `finish-step` then `start-step`.
    case nextStep
    /// `source-url` chunks.
    case sources([DemoSource])
    /// A text part that fails after its deltas: an `error` chunk, no `text-end`; the turn finishes with "error".
    case failingText(String, errorText: String)
}

struct DemoTurnPlan: Sendable {
    var segments: [DemoSegment]
    /// Pacing override from the script (`/slow`, `/bench`).
    var deltaDelayMs: Int? = nil
    /// `pace=MS` (server-wide or per request) wins over ``deltaDelayMs`` (`/bench`: unpaced unless paced).
    var paceWins = false
    /// A name to remember for this conversation ("my name is X").
    var rememberName: String? = nil

    var errorText: String? {
        for case .failingText(_, let errorText) in segments { return errorText }
        return nil
    }

    /// A finish reason other than the usual one (the hostile agent's).
    var finishReasonOverride: String? = nil

    var finishReason: String { finishReasonOverride ?? (errorText == nil ? "stop" : "error") }

    /// The whole answer text, for the non-streaming endpoint.
    var answerText: String {
        var out = ""
        for segment in segments {
            switch segment {
            case .text(let t), .failingText(let t, _): out += t
            case .bench(let bytes, _, let shape): out += BenchText.text(offset: 0, count: bytes, shape: shape)
            default: break
            }
        }
        return out
    }
}

enum DemoScripts {
    static let maxLongWords = 200_000
    static let maxBenchBytes = 64 * 1024 * 1024
    static let maxBenchDeltas = 2_000_000
    static let slowDelayMs = 300

    static func plan(agent: DemoAgent, query rawQuery: String, context: DemoState.TurnContext) -> DemoTurnPlan {
        let query = rawQuery.trimmingCharacters(in: .whitespacesAndNewlines)
        if query.hasPrefix("/") {
            let parts = query.split(maxSplits: 1, whereSeparator: { $0.isWhitespace })
            let command = parts.first.map { $0.lowercased() } ?? ""
            let rest = parts.count > 1 ? String(parts[1]).trimmingCharacters(in: .whitespacesAndNewlines) : ""
            if let plan = slashCommand(command, rest: rest, agent: agent, context: context) { return plan }
        }
        return scripted(agent: agent, query: query, context: context)
    }

    // MARK: Slash commands (every agent)

    static let helpText = """
        Demo commands (work with every agent):

        - /long N — an answer of N words
        - /bench BYTES DELTAS — exactly DELTAS text deltas totalling BYTES bytes, unpaced (unless pace=MS); add "word" for one word without white space, "para" for one paragraph without line breaks, "open" for one that opens an emphasis it never closes, "bold" for one that starts with "**Note:**", "item" or "qpara" for one as a list item or in a quote
        - /hostile — text with terminal escape sequences
        - /error — a few deltas, then a stream error
        - /reason [question] — reasoning before the answer
        - /slow [question] — 300 ms between deltas
        - /help — this list
        """

    private static func slashCommand(_ command: String, rest: String, agent: DemoAgent, context: DemoState.TurnContext)
        -> DemoTurnPlan?
    {
        let args = rest.split(whereSeparator: { $0.isWhitespace }).map(String.init)
        switch command {
        case "/help":
            return DemoTurnPlan(segments: [.text(helpText)])
        case "/long":
            guard args.count == 1, let n = Int(args[0]), n >= 1, n <= maxLongWords else {
                return DemoTurnPlan(segments: [.text("Usage: /long N (1…\(maxLongWords) words).")])
            }
            return DemoTurnPlan(segments: [.text(LongText.words(n))])
        case "/bench":
            let shape: BenchText.Shape? = args.count == 2 ? .lines : args.count == 3 ? BenchText.Shape(rawValue: args[2]) : nil
            guard let shape, let bytes = Int(args[0]),
                let deltas = Int(args[1]), bytes >= 0, bytes <= maxBenchBytes, deltas >= 1, deltas <= maxBenchDeltas
            else {
                return DemoTurnPlan(
                    segments: [
                        .text("Usage: /bench BYTES DELTAS [\(BenchText.Shape.usage)] (BYTES 0…\(maxBenchBytes), DELTAS 1…\(maxBenchDeltas)), e.g. /bench 1048576 50000.")
                    ])
            }
            return DemoTurnPlan(segments: [.bench(bytes: bytes, deltas: deltas, shape: shape)], deltaDelayMs: 0, paceWins: true)
        case "/hostile":
            return DemoTurnPlan(segments: [.text(Hostile.answer)])
        case "/error":
            return DemoTurnPlan(segments: [
                .failingText(
                    "I started to answer this one, but then",
                    errorText: agent.kind == .hostile ? Hostile.errorText
                        : "Scripted failure (/error): the upstream model stopped responding."
                )
            ])
        case "/reason":
            let question = rest.isEmpty ? "Why is the sky blue?" : rest
            var plan = scripted(agent: agent, query: question, context: context)
            let reasoning =
                "The user asked “\(echo(question, limit: 80))”. I am \(agent.kind == .hostile ? "the hostile agent" : agent.name). "
                + "Let me pick the matching script, keep the answer short and friendly, and mention sources where I have them."
            plan.segments.insert(.reasoning(reasoning), at: 0)
            return plan
        case "/slow":
            let question = rest.isEmpty ? "Tell me about yourself" : rest
            var plan = scripted(agent: agent, query: question, context: context)
            plan.deltaDelayMs = slowDelayMs
            return plan
        default:
            return nil  // unknown command: answered like any other text
        }
    }

    // MARK: Scripted conversation

    private static func scripted(agent: DemoAgent, query: String, context: DemoState.TurnContext) -> DemoTurnPlan {
        let lower = query.lowercased()
        var plan: DemoTurnPlan
        if agent.kind == .hostile {
            // Whatever you say, Mallory answers with escape sequences, in every field.
            let call = DemoToolCall(toolCallID: "call_\(Hostile.csiRed)", toolName: Hostile.toolName,
                                    inputPieces: ["{\"q\":\"\(Hostile.esc)[2J\"}"], input: ["q": .string(Hostile.clearScreen)],
                                    output: ["text": .string(Hostile.osc52)])
            plan = DemoTurnPlan(segments: [.tool(call), .text(Hostile.answer)], finishReasonOverride: Hostile.finishReason)
        } else if let name = extractName(from: query) {
            plan = DemoTurnPlan(
                segments: [.text("Nice to meet you, \(name)! I'll remember your name for the rest of this conversation.")],
                rememberName: name)
        } else if containsAny(lower, ["what is my name", "what's my name", "whats my name", "who am i", "do you know my name"]) {
            if let name = context.userName {
                plan = DemoTurnPlan(segments: [.text("Your name is \(name). You told me earlier in this conversation.")])
            } else {
                plan = DemoTurnPlan(segments: [
                    .text("You haven't told me your name yet. Say “my name is …” and I'll remember it.")
                ])
            }
        } else if isGreeting(lower) {
            let name = context.userName.map { ", \($0)" } ?? ""
            plan = DemoTurnPlan(segments: [.text("Hello\(name)! \(agent.greeting)")])
        } else {
            switch agent.kind {
            case .shop: plan = nova(lower: lower, query: query)
            case .tools: plan = atlas(lower: lower, query: query)
            case .docs: plan = sage(lower: lower, query: query)
            case .hostile: plan = DemoTurnPlan(segments: [.text(Hostile.answer)])  // handled above
            }
        }
        if context.turn >= 2 {
            appendToLastText(&plan, "\n\n(turn \(context.turn) of this conversation)")
        }
        return plan
    }

    private static func appendToLastText(_ plan: inout DemoTurnPlan, _ suffix: String) {
        for i in plan.segments.indices.reversed() {
            if case .text(let t) = plan.segments[i] {
                plan.segments[i] = .text(t + suffix)
                return
            }
        }
        plan.segments.append(.text(suffix.trimmingCharacters(in: .whitespacesAndNewlines)))
    }

    static func echo(_ query: String, limit: Int = 120) -> String {
        let oneLine = query.split(whereSeparator: { $0.isNewline }).joined(separator: " ")
        return oneLine.count > limit ? String(oneLine.prefix(limit)) + "…" : oneLine
    }

    private static func containsAny(_ text: String, _ needles: [String]) -> Bool {
        needles.contains { text.contains($0) }
    }

    private static func words(_ lower: String) -> [String] {
        lower.split(whereSeparator: { !$0.isLetter && $0 != "'" }).map(String.init)
    }

    private static func isGreeting(_ lower: String) -> Bool {
        let w = words(lower)
        guard let first = w.first, w.count <= 4 else { return false }
        return ["hi", "hello", "hey", "hallo", "hiya", "howdy", "yo"].contains(first)
    }

    /// "my name is Ada" / "My name is Ada Lovelace." → "Ada" / "Ada Lovelace".
    static func extractName(from query: String) -> String? {
        let lower = query.lowercased()
        for phrase in ["my name is "] {
            guard let range = lower.range(of: phrase) else { continue }
            // Lowercasing can change lengths for some scripts; map by offset defensively.
            let offset = lower.distance(from: lower.startIndex, to: range.upperBound)
            guard offset <= query.count else { return nil }
            let tail = query.dropFirst(offset)
            var nameWords: [Substring] = []
            for word in tail.split(separator: " ", omittingEmptySubsequences: true) {
                let trimmed = word.trimmingCharacters(in: CharacterSet(charactersIn: ".,!?;:"))
                guard !trimmed.isEmpty, trimmed.allSatisfy({ $0.isLetter || $0 == "-" || $0 == "'" }) else { break }
                nameWords.append(Substring(trimmed))
                if nameWords.count == 3 || trimmed.count != word.count { break }
            }
            guard !nameWords.isEmpty else { return nil }
            return nameWords.joined(separator: " ")
        }
        return nil
    }

    // MARK: Nova (shop, numbered lists)

    private static func nova(lower: String, query: String) -> DemoTurnPlan {
        let text: String
        if containsAny(lower, ["sale", "deal", "discount", "offer", "cheap"]) {
            text = """
                Here are today's best deals:

                1. **Aurora desk lamp** — $39 (was $59)
                2. **Trailblazer backpack** — $64 (was $89)
                3. **Ceramic pour-over set** — $27 (was $35)

                All deals end at midnight. Want me to put one aside for you?
                """
        } else if containsAny(lower, ["gift", "present", "recommend", "birthday"]) {
            text = """
                Three gift ideas under $50:

                1. A ceramic pour-over coffee set — $27
                2. A linen notebook with a brass pen — $34
                3. A trio of scented soy candles — $22

                Tell me who it's for and I'll narrow it down.
                """
        } else if containsAny(lower, ["order", "track", "shipping", "delivery", "package", "parcel"]) {
            text = """
                Here's how to track your order:

                1. Open the confirmation email we sent you.
                2. Click **Track package**, or enter your order number on the tracking page.
                3. Tracking updates every few hours; orders ship within 1–2 business days.

                Demo order #10427 is out for delivery and should arrive today.
                """
        } else if containsAny(lower, ["return", "refund", "exchange"]) {
            text = """
                Returns are easy:

                1. You have 30 days to return unused items with their tags.
                2. Start the return from **My orders → Return item**.
                3. Print the free label and drop the parcel at any post office.

                Refunds reach your card 3–5 business days after the item arrives.
                """
        } else {
            text = """
                You asked: “\(echo(query))”.

                I'm Nova, the demo shop assistant. I can help with:

                1. Today's deals
                2. Gift ideas
                3. Order tracking
                4. Returns and refunds

                Try one of the quick questions!
                """
        }
        return DemoTurnPlan(segments: [.text(text)])
    }

    // MARK: Atlas (tool calls)

    static let weatherWords = [
        "weather", "temperature", "rain", "forecast", "sunny", "hot", "cold", "snow", "wind", "umbrella", "degrees",
    ]

    private static func atlas(lower: String, query: String) -> DemoTurnPlan {
        guard containsAny(lower, weatherWords) else {
            return DemoTurnPlan(segments: [
                .text(
                    "You asked: “\(echo(query))”.\n\nI'm Atlas. I call tools before I answer: ask me about the weather in any city, for example “Weather in Paris?”."
                )
            ])
        }
        let city = extractCity(from: query)
        let (tempC, conditions) = weather(for: city)
        let input: DemoJSON = ["city": .string(city)]
        let inputText = input.serialized
        let splitAt = inputText.firstIndex(of: ":").map { inputText.index(after: $0) } ?? inputText.endIndex
        let pieces = [String(inputText[..<splitAt]), String(inputText[splitAt...])].filter { !$0.isEmpty }
        let call = DemoToolCall(
            toolCallID: "call_" + DemoRandom.alphanumeric(16),
            toolName: "get_weather",
            inputPieces: pieces,
            input: input,
            output: ["tempC": .int(tempC), "conditions": .string(conditions)]
        )
        let advice: String
        if conditions.contains("rain") {
            advice = "Yes, take an umbrella."
        } else if tempC >= 25 {
            advice = "It's warm: sunscreen and water recommended."
        } else if tempC <= 5 {
            advice = "Bundle up, it's cold out there."
        } else {
            advice = "A light jacket should be enough."
        }
        let text = "It's currently \(tempC) °C and \(conditions) in \(city). \(advice)"
        return DemoTurnPlan(segments: [.tool(call), .nextStep, .text(text)])
    }

    static func extractCity(from query: String) -> String {
        let lower = query.lowercased()
        let stop: Set<String> = ["today", "tomorrow", "now", "right", "this", "week", "weekend", "tonight", "please", "currently"]
        for marker in [" in ", " for ", " at "] {
            guard let r = lower.range(of: marker, options: .backwards) else { continue }
            let tail = lower[r.upperBound...]
            var cityWords: [String] = []
            for word in tail.split(whereSeparator: { !$0.isLetter && $0 != "-" && $0 != "'" }) {
                if stop.contains(String(word)) { break }
                cityWords.append(word.prefix(1).uppercased() + word.dropFirst())
                if cityWords.count == 3 { break }
            }
            if !cityWords.isEmpty { return cityWords.joined(separator: " ") }
        }
        return "Paris"
    }

    static func weather(for city: String) -> (Int, String) {
        switch city.lowercased() {
        case "paris": return (18, "cloudy")
        case "london": return (14, "light rain")
        case "tokyo": return (24, "sunny")
        case "new york": return (21, "partly cloudy")
        case "berlin": return (16, "overcast")
        case "sydney": return (19, "windy")
        default:
            // Deterministic (unlike `hashValue`).
            let sum = city.lowercased().unicodeScalars.reduce(0) { $0 &+ Int($1.value) }
            let conditions = ["sunny", "cloudy", "light rain", "windy", "foggy", "snow showers"]
            let temp = sum % 32 - 4
            return (temp, temp < 1 ? "snow showers" : conditions[sum % 5])
        }
    }

    // MARK: Sage (Markdown + sources)

    private static func sage(lower: String, query: String) -> DemoTurnPlan {
        let text: String
        let sources: [DemoSource]
        if containsAny(lower, ["install", "setup", "set up", "embed", "get started", "getting started"]) {
            text = """
                ## Installing the widget

                Adding the chat widget takes **one script tag** and about a minute.

                - Copy your `project_id` and `chatbot_id` from the dashboard
                - Paste the snippet before the closing `</body>` tag
                - Reload the page: the bubble appears bottom-right

                ```html
                <script src="https://cdn.example.com/robofy-widget.js"
                        data-project-id="demo-project" async></script>
                ```

                See the [installation guide](https://docs.example.com/robofy/install) for framework-specific notes.
                """
            sources = [
                DemoSource(id: "src-1", url: "https://docs.example.com/robofy/install", title: "Installing the widget"),
                DemoSource(id: "src-2", url: "https://docs.example.com/robofy/configuration", title: "Widget configuration"),
            ]
        } else if containsAny(lower, ["token", "auth", "jwt", "handshake"]) {
            text = """
                ## How widget tokens work

                The widget gets a **short-lived token** from the handshake and sends it on every chat call.

                - Call `POST /v1/widget/handshake` with `chatbot_id`, `project_id` and `version: 2`
                - Send `Authorization: Bearer <token>` on chat requests
                - On a `401`, handshake again and retry once

                ```bash
                curl -s -X POST "$BASE/v1/widget/handshake" \\
                  -H 'Content-Type: application/json' \\
                  -d '{"chatbot_id":"demo-nova","project_id":"demo-project","version":2}'
                ```

                Details are in the [authentication reference](https://docs.example.com/robofy/auth).
                """
            sources = [
                DemoSource(id: "src-1", url: "https://docs.example.com/robofy/auth", title: "Authentication"),
                DemoSource(id: "src-2", url: "https://docs.example.com/robofy/handshake", title: "Widget handshake"),
            ]
        } else if containsAny(lower, ["code", "example", "snippet", "stream", "api"]) {
            text = """
                ## Streaming a chat answer

                Answers arrive as **Server-Sent Events**; append each `text-delta` as it comes.

                - Send `Accept: text/event-stream`
                - Read events until `data: [DONE]`
                - Keep the `data-session` id for the next turn

                ```swift
                for try await event in client.stream(query: "Hello") {
                    if case .textDelta(let piece) = event { print(piece, terminator: "") }
                }
                ```

                More in the [streaming guide](https://docs.example.com/robofy/streaming).
                """
            sources = [
                DemoSource(id: "src-1", url: "https://docs.example.com/robofy/streaming", title: "Streaming answers"),
                DemoSource(id: "src-2", url: "https://docs.example.com/robofy/events", title: "Stream event reference"),
            ]
        } else {
            text = """
                ## About your question

                You asked: “\(echo(query))”. I'm **Sage**, and I answer from the documentation.

                - Ask about **installing** the widget
                - Ask how **tokens** work
                - Ask for a **code example** (for instance `stream`)

                ```text
                /help  lists the demo commands
                ```

                Browse the [documentation home](https://docs.example.com/robofy) meanwhile.
                """
            sources = [
                DemoSource(id: "src-1", url: "https://docs.example.com/robofy", title: "Documentation home"),
                DemoSource(id: "src-2", url: "https://docs.example.com/robofy/faq", title: "FAQ"),
            ]
        }
        return DemoTurnPlan(segments: [.text(text), .sources(sources)])
    }
}

/// Deterministic filler prose for `/long`.
enum LongText {
    static let vocabulary = [
        "the", "widget", "answers", "questions", "quickly", "and", "streams", "every", "word", "to", "a", "terminal",
        "where", "long", "paragraphs", "wrap", "neatly", "across", "lines", "while", "scrolling", "stays", "smooth",
        "demo", "agents", "keep", "talking", "about", "weather", "docs", "deals", "tokens", "sessions", "with",
        "patience", "clarity", "careful", "rendering", "of", "text", "in", "small", "pieces", "over", "time",
    ]

    /// Exactly `count` whitespace-separated words: sentences of 12 words, paragraphs of 60.
    static func words(_ count: Int) -> String {
        var out = ""
        out.reserveCapacity(count * 7)
        for i in 0..<count {
            var word = vocabulary[(i &* 7 &+ i / 13) % vocabulary.count]
            if i % 12 == 0 { word = word.prefix(1).uppercased() + word.dropFirst() }
            out += word
            if i == count - 1 {
                out += "."
            } else if i % 12 == 11 {
                out += (i % 60 == 59) ? ".\n\n" : ". "
            } else {
                out += " "
            }
        }
        return out
    }
}

/// Deterministic ASCII text for `/bench`: the character at a position only depends on the position.
public enum BenchText {
    public static let pattern: [UInt8] = Array(
        "The quick brown fox jumps over the lazy dog while the demo server streams benchmark text.\n".utf8)

    /// What a bench answer looks like: lines of the pattern, one word (its spaces and line
    /// ends as letters), one paragraph (its line ends as spaces), one paragraph that opens an
    /// emphasis at its first byte and never closes it (no row of it can be frozen), one that
    /// starts with a bold "Note:", one as a list item, every line quoted, one paragraph in a
    /// quote, or one line of a code block.
    public enum Shape: String, Sendable, CaseIterable {
        case lines, word, para, open, bold, item, quote, qpara, code

        /// The bytes the answer starts with, in place of the pattern's first ones.
        var head: [UInt8] {
            switch self {
            case .lines, .word, .para, .quote: []
            case .open: Array("*".utf8)
            case .bold: Array("**Note:** ".utf8)
            case .item: Array("- ".utf8)
            case .qpara: Array("> ".utf8)
            case .code: Array("```\n".utf8)
            }
        }

        /// The shapes, as `/bench` takes them.
        public static var usage: String { allCases.dropFirst().map(\.rawValue).joined(separator: "|") }
    }

    /// `count` bytes of the pattern from `offset`, in the given shape.
    public static func text(offset: Int, count: Int, shape: Shape = .lines) -> String {
        var bytes = [UInt8]()
        bytes.reserveCapacity(count)
        let n = pattern.count
        let head = shape.head
        var p = offset % n
        for i in 0..<count {
            let b = pattern[p]
            if offset + i < head.count {
                bytes.append(head[offset + i])
            } else if shape == .quote {
                bytes.append(p == 0 ? 0x3E : p == 1 ? 0x20 : b)   // "> " at each line's start
            } else {
                switch shape {
                case .lines: bytes.append(b)
                case .word: bytes.append(b == 0x20 || b == 0x0A ? 0x78 : b)
                case .para, .open, .bold, .item, .qpara, .code, .quote: bytes.append(b == 0x0A ? 0x20 : b)
                }
            }
            p += 1
            if p == n { p = 0 }
        }
        return String(decoding: bytes, as: UTF8.self)
    }
}
