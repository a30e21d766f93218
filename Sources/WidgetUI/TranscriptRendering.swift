// Output: transcripts rendered as text and Markdown.
import Foundation
import RobofyAPI
import RobofySession
import RobofyText

/// Renders an autosaved transcript (`TranscriptFile`) for people: Markdown, or a short summary.
public enum TranscriptRendering {
    static func time(_ d: Date) -> String {
        let f = DateFormatter()
        f.locale = Locale(identifier: "en_US_POSIX")
        f.dateFormat = "yyyy-MM-dd HH:mm:ss"
        return f.string(from: d)
    }

    static func one(_ s: String) -> String { Sanitizer.clean(s, allowNewlines: false) }

    /// The whole conversation as Markdown (like "download transcript", with what QA needs:
    /// tools with their input and output, sources, errors, state, session ids, times).
    public static func markdown(_ file: TranscriptFile) -> String {
        let entries = file.entries
        let agents = orderedUnique(entries.map(\.agentName).filter { !$0.isEmpty })
        var out = "# Transcript" + (agents.isEmpty ? "" : " — " + agents.map(one).joined(separator: ", ")) + "\n\n"
        if let s = file.start {
            var facts: [String] = []
            if let t = s.tool { facts.append(one(t)) }
            if let t = s.target { facts.append("target " + one(t)) }
            if let p = s.projectID { facts.append("project " + one(p)) }
            facts.append("started " + time(s.at))
            out += "_" + facts.joined(separator: " · ") + "_\n\n"
        }
        for e in entries {
            switch e.kind {
            case .sessionEnded:
                out += "---\n\n_Session ended\(e.agentName.isEmpty ? "" : " (\(one(e.agentName)))"): the next message started a new conversation._\n\n"
                continue
            case .chatReset:
                out += "---\n\n_Chat reset\(e.agentName.isEmpty ? "" : " (\(one(e.agentName)))")._\n\n"
                continue
            case .turn, .unfinished:
                break
            }
            let name = e.agentName.isEmpty ? "Agent" : one(e.agentName)
            out += "## Turn \(e.turnID) · \(name) · \(time(e.at))\n\n"
            if let of = e.turn?.versionOf ?? e.record.versionOf {
                out += "_A new version of turn \(of) (asked again or edited); the server's conversation still has the earlier one, in the same session._\n\n"
            }
            out += "**You:** \(Sanitizer.clean(e.userText))\n\n"
            guard let t = e.turn else {
                if !e.partialAnswer.isEmpty { out += "**\(name):** \(Sanitizer.clean(e.partialAnswer))\n\n" }
                out += "_(unfinished: the program ended before this answer was complete)_\n\n"
                continue
            }
            out += answer(name: name, text: t.answer, tools: t.tools, reasoning: t.reasoning, status: t.status,
                          errors: t.errors, sources: t.sources)
            out += "_" + facts(t, sessionID: e.record.sessionID).joined(separator: " · ") + "_\n\n"
            for s in e.submissions { out += "_\(one(Redaction.redact(s.summary)))_\n\n" }
        }
        if !file.problems.isEmpty {
            out += "---\n\n_Lines that could not be read: " + file.problems.joined(separator: "; ") + "_\n"
        }
        return out
    }

    /// One answer as Markdown, the same bytes in F5's download (`AppState.transcriptMarkdown`)
    /// and in `robofy-tui transcript --markdown`: tools with their input and output, reasoning,
    /// the answer, how it ended, errors, sources. Everything from the server is sanitized.
    public static func answer(name: String, text: String, tools: [ToolCall], reasoning: String, status: TurnStatus?,
                              errors: [String], sources: [Source]) -> String {
        var out = ""
        for tool in tools {
            var line = "> tool `\(one(tool.name))` \(tool.state.rawValue)"
            if !tool.input.isEmpty { line += " — input `\(one(tool.input))`" }
            if let o = tool.output { line += " → `\(one(o))`" }
            if let err = tool.errorText { line += " — error: \(one(err))" }
            out += line + "\n"
        }
        if !tools.isEmpty { out += "\n" }
        if !reasoning.isEmpty { out += AppState.reasoningMarkdown(reasoning) }
        if !text.isEmpty { out += "**\(name):** \(Sanitizer.clean(text))\n\n" }
        switch status {
        case .stopped?: out += "_(stopped)_\n\n"
        case .interrupted?: out += "_⚠ The answer was cut off (interrupted): the partial text is kept._\n\n"
        case .failed?: out += "_(failed)_\n\n"
        case .complete?, .streaming?, nil: break
        }
        for err in errors { out += "> ⚠ \(one(err))\n\n" }
        if !sources.isEmpty {
            out += "Sources:\n"
            for (i, s) in sources.enumerated() {
                out += "\(i + 1). [\(one(s.title ?? s.url ?? s.id))](\(one(s.url ?? "")))\n"
            }
            out += "\n"
        }
        return out
    }

    static func facts(_ t: Turn, sessionID: String?) -> [String] {
        var f = [t.status.rawValue]
        if let r = t.finishReason { f.append("finish \(one(r))") }
        if let d = t.timing.duration { f.append(String(format: "%.2f s", d)) }
        if let ft = t.timing.firstText { f.append(String(format: "first text %.2f s", ft)) }
        if let sid = t.sessionID ?? sessionID { f.append("session \(one(Redaction.redact(sid)))") }
        return f
    }

    /// A few lines per file: where it came from, then one line per turn.
    public static func summary(_ file: TranscriptFile, path: String) -> String {
        let entries = file.entries
        let turns = entries.filter { $0.kind == .turn || $0.kind == .unfinished }
        var out = "Transcript \(path)\n"
        if let s = file.start {
            out += "  \(one(s.tool ?? "robofy-tui")) · target \(one(s.target ?? "?")) · started \(time(s.at))\n"
        }
        var counts: [String: Int] = [:]
        for e in turns { counts[e.turn?.status.rawValue ?? "unfinished", default: 0] += 1 }
        let countText = counts.keys.sorted().map { "\(counts[$0] ?? 0) \($0)" }.joined(separator: ", ")
        let agents = orderedUnique(turns.map(\.agentName).filter { !$0.isEmpty }).map(one)
        out += "  \(turns.count) turn\(turns.count == 1 ? "" : "s")" + (countText.isEmpty ? "" : " (\(countText))")
            + (agents.isEmpty ? "" : " · agents: " + agents.joined(separator: ", ")) + "\n"
        for e in entries {
            switch e.kind {
            case .sessionEnded: out += "  — session ended\n"
            case .chatReset: out += "  — chat reset\n"
            case .turn, .unfinished:
                let state = e.turn?.status.rawValue ?? "unfinished"
                var line = "  \(e.turnID). \(time(e.at)) \(one(e.agentName))  \(state)  “\(clip(e.userText, 50))”"
                if !e.partialAnswer.isEmpty { line += " → “\(clip(e.partialAnswer, 60))”" }
                if let tools = e.turn?.tools, !tools.isEmpty { line += " [" + tools.map { one($0.name) }.joined(separator: ", ") + "]" }
                if let err = e.turn?.errors.last { line += " ⚠ " + clip(err, 60) }
                out += line + "\n"
            }
        }
        for p in file.problems { out += "  ! \(p)\n" }
        return out
    }

    static func clip(_ s: String, _ n: Int) -> String {
        let flat = one(s).trimmingCharacters(in: .whitespaces)
        return flat.count > n ? String(flat.prefix(n - 1)) + "…" : flat
    }

    static func orderedUnique(_ xs: [String]) -> [String] {
        var out: [String] = []
        for x in xs where !out.contains(x) { out.append(x) }
        return out
    }
}
