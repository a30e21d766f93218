import Foundation
import RobofySession

/// A saved conversation (an autosaved transcript) brought back on screen: `robofy-tui open`.
public struct TranscriptReplay: Sendable, Equatable {
    public struct Item: Sendable, Equatable {
        public enum Kind: Sendable, Equatable { case turn(Turn), sessionEnded, chatReset }
        public var agentID: String
        public var agentName: String
        public var kind: Kind
    }

    public var items: [Item] = []
    /// Where the conversation was held: a base URL, or "demo".
    public var target: String?
    public var projectID: String?

    public init() {}

    /// The conversation of a transcript file: finished turns as they ended, a turn the
    /// program never finished as `interrupted` with the text that had arrived.
    public init(_ file: TranscriptFile) {
        target = file.start?.target
        projectID = file.start?.projectID
        var lastAgent = ""
        for e in file.entries {
            let agentID = e.turn?.agentID ?? e.record.agentID ?? lastAgent
            if !agentID.isEmpty { lastAgent = agentID }
            switch e.kind {
            case .turn:
                guard let t = e.turn else { continue }
                items.append(Item(agentID: agentID, agentName: e.agentName, kind: .turn(t)))
            case .unfinished:
                var t = Turn(id: e.turnID, agentID: agentID, agentName: e.agentName, userText: e.userText, startedAt: e.at)
                t.answer = e.partialAnswer
                t.status = .interrupted
                t.sessionID = e.record.sessionID
                t.errors = ["The program ended before this answer finished."]
                t.versionOf = e.record.versionOf
                items.append(Item(agentID: agentID, agentName: e.agentName, kind: .turn(t)))
            case .sessionEnded:
                items.append(Item(agentID: agentID, agentName: e.agentName, kind: .sessionEnded))
            case .chatReset:
                items.append(Item(agentID: agentID, agentName: e.agentName, kind: .chatReset))
            }
        }
    }

    public var turns: [Turn] {
        items.compactMap { if case .turn(let t) = $0.kind { t } else { nil } }
    }

    /// The agent the conversation ended with.
    public var lastAgentID: String? { items.last { !$0.agentID.isEmpty }?.agentID }

    /// The agents in the order they first speak: (id, name).
    public var agents: [(id: String, name: String)] {
        var seen: Set<String> = []
        var out: [(String, String)] = []
        for i in items where !i.agentID.isEmpty && seen.insert(i.agentID).inserted {
            out.append((i.agentID, i.agentName.isEmpty ? i.agentID : i.agentName))
        }
        return out
    }

    /// The turns of one agent's conversation since its last reset (what `--resume` continues).
    public func conversation(of agentID: String) -> [Turn] {
        var out: [Turn] = []
        for i in items where i.agentID == agentID {
            switch i.kind {
            case .turn(let t): out.append(t)
            case .chatReset: out.removeAll()
            case .sessionEnded: break
            }
        }
        return out
    }

    /// The session id an agent's conversation continues with: that of its last turn, unless
    /// the session was ended or the chat reset after it.
    public func sessionID(of agentID: String) -> String? {
        for i in items.reversed() where i.agentID == agentID {
            switch i.kind {
            case .turn(let t): if let s = t.sessionID { return s }
            case .sessionEnded, .chatReset: return nil
            }
        }
        return nil
    }
}

extension AppState {
    /// Puts a saved conversation on screen, each agent's turns in its own conversation,
    /// followed by `note` (a notice: read-only, or which session continues).
    public mutating func load(_ replay: TranscriptReplay, note: String?) {
        for item in replay.items where !item.agentID.isEmpty {
            var c = conversations[item.agentID] ?? Conversation()
            switch item.kind {
            case .turn(let t):
                var q = newMessage(.user, t.userText)
                q.details = MessageDetails(at: t.startedAt)
                var m = newMessage(.agent, t.answer, turnID: t.id, status: t.status)
                m.details = MessageDetails(answer: t)
                m.reasoning = t.reasoning
                m.tools = t.tools
                m.sources = t.sources
                m.errors = t.errors
                m.finishReason = t.finishReason
                // A new version of the last exchange takes its place (the earlier ones are kept).
                if t.versionOf.map({ !c.addVersion(q, m, of: $0) }) ?? true { c.messages += [q, m] }
            case .sessionEnded:
                c.messages.append(newMessage(.notice, "Session ended. Your next message starts a new conversation."))
            case .chatReset:
                c.messages.removeAll()
            }
            conversations[item.agentID] = c
        }
        if let note, let id = replay.lastAgentID {
            conversations[id, default: Conversation()].messages.append(newMessage(.notice, note))
        }
    }
}
