import Foundation
import RobofyAPI
import RobofySession
import WidgetUI
import RobofyText

/// Line mode: reads messages from stdin, prints answers as they stream in.
/// For pipes, scripts and terminals where ncurses cannot start.
///
/// On a terminal it shows a prompt and edits the line (`LineEditor`); piped, it echoes
/// each message (`› question`) before its answer, so a captured log reads as a
/// conversation. Everything the server sent is printed through `Sanitizer.clean`.
struct PlainChat {
    static let prompt = "you › "

    let session: ChatSession
    let verbose: Bool

    func out(_ s: String) {
        FileHandle.standardOutput.write(Data(s.utf8))
    }

    func err(_ s: String) {
        FileHandle.standardError.write(Data(s.utf8))
    }

    /// Exit status: 0, or 1 when the connection failed or the last turn failed or was
    /// cut off (see the README's "Exit status").
    func run() async -> Int32 {
        let (printed, printedCont) = AsyncStream.makeStream(of: (id: Int, status: TurnStatus).self)
        let printer = Task { await printEvents(printedCont) }
        var printedIt = printed.makeAsyncIterator()
        let connected = await session.connect()
        guard case .success(let h) = connected else {
            if case .failure(let e) = connected { err("robofy-tui: \(Self.plainMessage(e, atStart: true))\n") }
            await session.close()
            _ = await printer.value
            return 1
        }
        if let agent = await session.agent {
            printIntro(h, agent: agent)
        }
        var lastStatus: TurnStatus?
        let lines = InputLines()
        input: while let raw = await lines.next() {
            let line = raw.trimmingCharacters(in: .whitespaces)
            if line.isEmpty { continue }
            if !lines.echoes { out("› \(Sanitizer.clean(line, allowNewlines: false))\n") }
            var query = line
            if line.hasPrefix("/") {
                switch await command(line, handshake: h) {
                case .quit: break input
                case .handled: continue input
                case .send(let q): query = q
                }
            }
            let turn = await session.send(query)
            while let done = await printedIt.next() {
                if done.id == turn.id {
                    lastStatus = done.status
                    break
                }
            }
        }
        await session.close()
        _ = await printer.value
        printedCont.finish()
        return lastStatus == .failed || lastStatus == .interrupted ? 1 : 0
    }

    /// A connection or turn error for line mode: sanitized, and advice about keys
    /// (there are none here) replaced by what to type or run instead.
    static func plainMessage(_ e: RobofyError, atStart: Bool) -> String {
        plainAdvice(e.userMessage, atStart: atStart)
    }

    static func plainAdvice(_ message: String, atStart: Bool) -> String {
        let text = Sanitizer.clean(message, allowNewlines: false)
        guard text.contains("Ctrl-R") || text.contains("F6") else { return text }
        let sentences = text.components(separatedBy: ". ").filter { !$0.contains("Ctrl-R") && !$0.contains("F6") }
        var kept = sentences.joined(separator: ". ")
        if !kept.isEmpty, !kept.hasSuffix(".") { kept += "." }
        let advice = atStart
            ? "Check --project-id, --chatbot-id and --base-url, then run the command again."
            : "Type /reconnect to connect again (a new token), then send your message again."
        return kept.isEmpty ? advice : kept + " " + advice
    }

    func printIntro(_ h: Handshake, agent: Agent) {
        let w = h.widget
        out("\(Sanitizer.clean(w.header.title, allowNewlines: false))\n")
        if !w.header.subtitle.isEmpty { out("\(Sanitizer.clean(w.header.subtitle, allowNewlines: false))\n") }
        printAgent(agent, widget: w)
        out("(/help for commands)\n\n")
    }

    func printAgent(_ agent: Agent, widget w: WidgetConfig) {
        let name = Sanitizer.clean(agent.name, allowNewlines: false)
        out("Agent: \(name)\(agent.type.isEmpty ? "" : " (\(Sanitizer.clean(agent.type, allowNewlines: false)))")\n")
        if !agent.greeting.isEmpty { out("\(name): \(Sanitizer.clean(agent.greeting))\n") }
        if w.behaviour.enableSuggestedQuestions, !agent.quickQuestions.isEmpty {
            for (i, q) in agent.quickQuestions.enumerated() {
                out("  [\(i + 1)] \(Sanitizer.clean(q, allowNewlines: false))\n")
            }
            out("  (type /q N to ask one)\n")
        }
    }

    enum CommandResult { case quit, handled, send(String) }

    /// Handles a slash command.
    func command(_ line: String, handshake h: Handshake) async -> CommandResult {
        let parts = line.split(separator: " ", maxSplits: 1).map(String.init)
        let arg = parts.count > 1 ? parts[1].trimmingCharacters(in: .whitespaces) : ""
        switch parts[0] {
        case "/quit", "/exit": return .quit
        case "/help":
            out("""
                /q N       ask quick question N
                /agents    list the agents;  /agent N  switch to agent N
                /end       \(Sanitizer.clean(h.widget.header.endSessionLabel, allowNewlines: false)) (next message starts a new conversation)
                /reset     reset the chat
                /reconnect connect again (a new handshake and token)
                /quit      leave (or Ctrl-D)
                Anything else starting with / is sent to the agent as it is.

                """)
        case "/agents":
            for (i, a) in h.sortedAgents.enumerated() {
                out("  \(i + 1). \(Sanitizer.clean(a.name, allowNewlines: false)) — \(Sanitizer.clean(a.description, allowNewlines: false))\n")
            }
        case "/agent":
            let agents = h.sortedAgents
            if let n = Int(arg), agents.indices.contains(n - 1), let a = await session.selectAgent(agents[n - 1].chatbotID) {
                printAgent(a, widget: h.widget)
            } else {
                out("No agent \(arg). /agents lists them.\n")
            }
        case "/q":
            guard let agent = await session.agent, let n = Int(arg), agent.quickQuestions.indices.contains(n - 1) else {
                out("No quick question \(arg).\n")
                return .handled
            }
            let q = agent.quickQuestions[n - 1]
            out("› \(Sanitizer.clean(q, allowNewlines: false))\n")
            return .send(q)
        case "/reconnect":
            switch await session.connect() {
            case .success: out("Reconnected.\n")
            case .failure(let e): err("error: \(Self.plainMessage(e, atStart: false))\n")
            }
        case "/end":
            await session.endSession()
            out("Session ended.\n")
        case "/reset":
            await session.reset()
            out("Chat reset.\n")
        default:
            // Not ours: the agent may know it (the demo's /long, /slow, /error…).
            return .send(line)
        }
        return .handled
    }

    /// Prints streamed text as it arrives (the rest is printed when the turn ends).
    func printEvents(_ printed: AsyncStream<(id: Int, status: TurnStatus)>.Continuation) async {
        var started: Set<Int> = []
        for await e in session.events {
            switch e {
            case .change(let id, .text(let piece)):
                if started.insert(id).inserted {
                    out("\(await session.agent.map { Sanitizer.clean($0.name, allowNewlines: false) } ?? "Agent"): ")
                }
                out(Sanitizer.clean(piece))
            case .change(_, .toolStarted(let call)):
                out("[using \(Sanitizer.clean(call.name, allowNewlines: false))…]\n")
            case .retrying(_, let reason, let delay):
                err("(retrying in \(String(format: "%.1f", delay)) s: \(Sanitizer.clean(reason, allowNewlines: false)))\n")
            case .reauthenticated:
                err("(token renewed)\n")
            case .turnFinished(let t):
                printTurnEnd(t)
                printed.yield((t.id, t.status))
            default:
                break
            }
        }
    }

    func printTurnEnd(_ t: Turn) {
        if !t.answer.isEmpty { out("\n") }
        if t.status == .stopped { out("(stopped)\n") }
        if t.status == .interrupted { out("⚠ The answer was cut off.\n") }
        for e in t.errors { err("error: \(Self.plainAdvice(e, atStart: false))\n") }
        if t.status == .failed, t.errors.isEmpty { err("error: the answer failed.\n") }
        if !t.sources.isEmpty {
            out("Sources:\n")
            for (i, s) in t.sources.enumerated() {
                out("  [\(i + 1)] \(Sanitizer.clean(s.title ?? s.url ?? s.id, allowNewlines: false))\(s.url.map { " <\(Sanitizer.clean($0, allowNewlines: false))>" } ?? "")\n")
            }
        }
        if verbose {
            let sid = t.sessionID.map { Sanitizer.clean(Redaction.redact($0), allowNewlines: false) } ?? "none"
            let finish = t.finishReason.map { Sanitizer.clean($0, allowNewlines: false) } ?? "-"
            out("(session \(sid), \(t.status.rawValue), \(finish))\n")
        }
        out("\n")
    }
}

/// Where line mode's messages come from: the line editor on a terminal, else lines of stdin.
final class InputLines: @unchecked Sendable {
    private let editor: LineEditor?
    private var piped: AsyncStream<String>.Iterator?

    init() {
        if LineEditor.usable {
            editor = LineEditor(prompt: PlainChat.prompt)
        } else {
            editor = nil
            piped = StdinLines.stream().makeAsyncIterator()
        }
    }

    /// True when what was typed is already on screen (the editor's line), so it is not echoed.
    var echoes: Bool { editor != nil }

    func next() async -> String? {
        if let editor { return await editor.next() }
        guard var it = piped else { return nil }
        let line = await it.next()
        piped = it
        return line
    }
}

/// Lines of standard input, read on a thread of their own.
enum StdinLines {
    static func stream() -> AsyncStream<String> {
        AsyncStream { cont in
            let t = Thread {
                while let line = readLine(strippingNewline: true) {
                    cont.yield(line)
                }
                cont.finish()
            }
            t.start()
        }
    }
}
