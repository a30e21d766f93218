import Foundation
import WidgetUI
import RobofyAPI
import RobofySession
import Yams
import RobofyText

extension JSONValue {
    /// The value as a YAML node, keys in their order (for scripts people read and edit).
    var yamlNode: Node {
        switch self {
        case .string(let s):
            // Quote whatever YAML would otherwise read as something else (numbers, booleans, null…).
            let plain = Node(s)
            let reread = (try? Yams.compose(yaml: s)) ?? nil
            let safe = reread?.scalar?.string == s && reread.map { Tag.Name(rawValue: $0.tag.description) } == .str && !s.contains("\n")
                && !s.hasPrefix(" ") && !s.hasSuffix(" ") && !TextEscaping.needsEscaping(s, keepLayout: true)
            return safe ? plain : Node(s, .implicit, .doubleQuoted)
        case .number, .bool, .null: return Node(compactText)
        case .array(let a): return Node(a.map(\.yamlNode))
        case .object(let o): return Node(o.map { (Node($0.key), $0.value.yamlNode) })
        }
    }
}

/// Where a recorded script points.
public struct RecordTarget: Sendable, Equatable {
    public var demo: Bool
    /// Demo fault knobs in force while recording.
    public var fault: String?
    public var service: Script.Service?

    public static func demo(fault: String? = nil) -> RecordTarget {
        RecordTarget(demo: true, fault: fault, service: nil)
    }

    public static func service(_ t: RobofyTarget) -> RecordTarget {
        var s = Script.Service(baseURL: t.baseURL, projectID: t.projectID, chatbotID: t.chatbotID, streaming: t.streaming)
        if t.streamPath != RobofyTarget.defaultStreamPath { s.streamPath = t.streamPath }
        if t.chatPath != RobofyTarget.defaultChatPath { s.chatPath = t.chatPath }
        return RecordTarget(demo: false, fault: nil, service: s)
    }
}

extension Script {
    /// A script that replays a conversation: each answer seen becomes a `contains` of
    /// its first sentence, plus the tools called and the finish reason; a failed turn
    /// expects to fail again.
    public static func recorded(_ turns: [RecordedTurn], target: RecordTarget, name: String? = nil) -> Script {
        var s = Script(name: name)
        s.target = target.demo ? .demo : target.service.map(Target.service)
        s.fault = target.demo ? target.fault.flatMap { $0.isEmpty ? nil : $0 } : nil
        s.agent = turns.first?.turn.agentID ?? target.service?.chatbotID
        var agent = s.agent
        for r in turns {
            let t = r.turn
            var st = ScriptTurn(send: t.userText)
            if t.agentID != agent, !t.agentID.isEmpty {
                st.agent = t.agentID
                agent = t.agentID
            }
            st.newSession = r.newSessionBefore
            var e = Expectations()
            switch t.status {
            case .failed:
                e.status = .failed
            case .complete:
                if let first = firstSentence(t.answer) { e.contains = [first] }
                e.toolCalled = uniqueNames(t.tools)
                e.finishReason = t.finishReason
                // It completed with an error inside the stream: expect that again, explicitly.
                if !t.errors.isEmpty { e.status = .complete }
            case .stopped, .interrupted, .streaming:
                // Cut short when recorded: expect only the start of what was seen.
                if let first = firstSentence(t.answer) { e.contains = [first] }
            }
            st.expect = e
            st.extras = TurnExtras(recorded: r.submissions)
            s.turns.append(st)
        }
        return s
    }

    static func uniqueNames(_ tools: [ToolCall]) -> [String] {
        var out: [String] = []
        for t in tools where !out.contains(t.name) { out.append(t.name) }
        return out
    }

    /// The first sentence (or first line) of an answer, at most `limit` characters: a
    /// substring of the answer that a re-run is likely to produce again.
    public static func firstSentence(_ answer: String, limit: Int = 120) -> String? {
        let text = answer.trimmingCharacters(in: .whitespacesAndNewlines)
        guard let line = text.split(whereSeparator: \.isNewline).first?.trimmingCharacters(in: .whitespaces),
              !line.isEmpty else { return nil }
        var out = line
        let chars = Array(line)
        for (i, c) in chars.enumerated() where ".!?。！？".contains(c) {
            if i + 1 == chars.count || chars[i + 1].isWhitespace || "。！？".contains(c) {
                out = String(chars[...i])
                break
            }
        }
        if out.count > limit {
            let cut = String(out.prefix(limit))
            if let space = cut.lastIndex(of: " "), cut.distance(from: cut.startIndex, to: space) > limit / 2 {
                out = String(cut[..<space])
            } else {
                out = cut
            }
        }
        out = out.trimmingCharacters(in: .whitespaces)
        return out.isEmpty ? nil : out
    }

    var ordered: JSONValue {
        var top: JSONObject = [:]
        if let name { top["name"] = .string(name) }
        switch target {
        case .demo?: top["target"] = .object(["demo": .bool(true)])
        case .service(let s)?:
            var t: JSONObject = ["base_url": .string(s.baseURL), "project_id": .string(s.projectID)]
            if let c = s.chatbotID { t["chatbot_id"] = .string(c) }
            if let p = s.streamPath { t["stream_path"] = .string(p) }
            if let p = s.chatPath { t["chat_path"] = .string(p) }
            if !s.streaming { t["streaming"] = .bool(false) }
            top["target"] = .object(t)
        case nil: break
        }
        if let agent { top["agent"] = .string(agent) }
        if let fault { top["fault"] = .string(fault) }
        if let timeoutSeconds { top["timeout_seconds"] = .number(timeoutSeconds) }
        top["turns"] = .array(turns.map(\.ordered))
        return .object(top)
    }

    /// The script as YAML, with a comment saying how to run it.
    public func yamlText(header: String? = nil) -> String {
        let body = (try? Yams.serialize(node: ordered.yamlNode, width: -1, allowUnicode: true)) ?? jsonText()
        let comment = (header ?? "").split(separator: "\n", omittingEmptySubsequences: false)
            .filter { !$0.isEmpty }.map { "# " + $0 }.joined(separator: "\n")
        return (comment.isEmpty ? "" : comment + "\n") + body
    }

    /// The script as JSON (keys in reading order).
    public func jsonText() -> String {
        ordered.prettyText(sortedKeys: false) + "\n"
    }

    /// YAML for `.yaml`/`.yml` paths, JSON otherwise. A control or bidi character the
    /// server sent stays in the script, but escaped (`\u202E`), never raw in the file.
    public func text(forPath path: String, header: String? = nil) -> String {
        let lower = path.lowercased()
        let text = lower.hasSuffix(".yaml") || lower.hasSuffix(".yml") ? yamlText(header: header) : jsonText()
        return TextEscaping.escapeInQuotedText(text)
    }
}

extension ScriptTurn {
    var ordered: JSONValue {
        var o: JSONObject = [:]
        if let name { o["name"] = .string(name) }
        o["send"] = .string(send)
        if let agent { o["agent"] = .string(agent) }
        if newSession { o["new_session"] = .bool(true) }
        if reset { o["reset"] = .bool(true) }
        if let timeoutSeconds { o["timeout_seconds"] = .number(timeoutSeconds) }
        if !expect.isEmpty { o["expect"] = expect.ordered }
        for (k, v) in extras.ordered { o[k] = v }
        return .object(o)
    }
}

extension Expectations {
    var ordered: JSONValue {
        var o: JSONObject = [:]
        func list(_ key: String, _ v: [String]) {
            if v.count == 1 { o[key] = .string(v[0]) } else if !v.isEmpty { o[key] = .array(v.map(JSONValue.string)) }
        }
        list("contains", contains)
        list("not_contains", notContains)
        list("matches", matches)
        if let maxSeconds { o["max_seconds"] = .number(maxSeconds) }
        list("tool_called", toolCalled)
        if let finishReason { o["finish_reason"] = .string(finishReason) }
        if let status { o["status"] = .string(status.rawValue) }
        return .object(o)
    }
}

/// Writes recorded scripts to disk.
public enum ScriptFile {
    /// Writes `script` to `path` (YAML or JSON by extension), creating folders. Returns the path.
    @discardableResult
    public static func write(_ script: Script, to path: String, recordedAt: Date = Date()) throws -> String {
        let f = ISO8601DateFormatter()
        let header = """
            Recorded by robofy-tui \(RobofyVersion.string) on \(f.string(from: recordedAt)).
            Each expectation is the start of the answer seen; edit freely, then run:
              robofy-tui run \((path as NSString).lastPathComponent)
            """
        let dir = (path as NSString).deletingLastPathComponent
        if !dir.isEmpty, !FileManager.default.fileExists(atPath: dir) {
            do { try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true) } catch {
                throw LocalFile.Failure("Cannot create the folder \(dir) for \(path): \(reason(error)).")
            }
        }
        // Through a symlink to its file, straight into a device or FIFO, atomically over a regular file.
        try LocalFile.write(Data(script.text(forPath: path, header: header).utf8), to: path)
        return path
    }

    /// A short reason for a file error (the POSIX text, not Foundation's long description).
    public static func reason(_ error: any Error) -> String {
        if let e = error as? LocalFile.Failure { return e.description }
        let ns = error as NSError
        if let posix = ns.userInfo[NSUnderlyingErrorKey] as? NSError, posix.domain == NSPOSIXErrorDomain {
            return String(cString: strerror(Int32(posix.code)))
        }
        if ns.domain == NSPOSIXErrorDomain { return String(cString: strerror(Int32(ns.code))) }
        return ns.localizedFailureReason ?? ns.localizedDescription
    }

    /// `<dir>/robofy-script-<agent>-<yyyyMMdd-HHmmss>.yaml`
    public static func defaultPath(directory: String, agent: String, date: Date = Date()) -> String {
        let f = DateFormatter()
        f.locale = Locale(identifier: "en_US_POSIX")
        f.dateFormat = "yyyyMMdd-HHmmss"
        return (directory as NSString).appendingPathComponent(
            "robofy-script-\(TranscriptStore.slug(agent))-\(f.string(from: date)).yaml")
    }
}
