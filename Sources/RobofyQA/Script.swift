// RobofyQA: scripted runs against the demo server or a deployment: scripts (YAML/JSON,
// `each`, vars), the runner and its watchdog, suites, rate limiting, baselines, JUnit and
// recording scripts. Imports RobofyAPI, RobofySession, WidgetUI (sanitizing and text
// escaping), DemoServer, Yams and swift-log; never the terminal or the command line.
// This file: the script format and its parser.
import DemoServer
import Foundation
import RobofyAPI
import RobofySession
import WidgetUI
import Yams

/// A test script: where to connect, which agent, and the turns to send with what
/// each answer must satisfy. Written in YAML or JSON (see README, "For QA testers").
public struct Script: Sendable, Equatable {
    public enum Target: Sendable, Equatable {
        /// The embedded demo server, started for the run.
        case demo
        /// A Robofy deployment.
        case service(Service)
    }

    public struct Service: Sendable, Equatable {
        public var baseURL: String
        public var projectID: String
        public var chatbotID: String?
        public var streamPath: String?
        public var chatPath: String?
        public var streaming: Bool
        public init(baseURL: String = RobofyTarget.defaultBaseURL, projectID: String, chatbotID: String? = nil,
                    streamPath: String? = nil, chatPath: String? = nil, streaming: Bool = true) {
            self.baseURL = baseURL
            self.projectID = projectID
            self.chatbotID = chatbotID
            self.streamPath = streamPath
            self.chatPath = chatPath
            self.streaming = streaming
        }
    }

    public var name: String?
    public var target: Target?
    /// The agent (chatbot id) to talk to first.
    public var agent: String?
    /// Demo server fault knobs (demo target only), e.g. "latency=200".
    public var fault: String?
    /// Seconds a turn may take before it is stopped and fails (default 60).
    public var timeoutSeconds: Double?
    public var turns: [ScriptTurn]
    /// `lead_endpoint`, `rating_endpoint` (ScriptExtras.swift).
    public var endpoints = ScriptEndpoints()

    public init(name: String? = nil, target: Target? = nil, agent: String? = nil, fault: String? = nil,
                timeoutSeconds: Double? = nil, turns: [ScriptTurn] = []) {
        self.name = name
        self.target = target
        self.agent = agent
        self.fault = fault
        self.timeoutSeconds = timeoutSeconds
        self.turns = turns
    }
}

public struct ScriptTurn: Sendable, Equatable {
    public var name: String?
    public var send: String
    /// Switch to this agent before sending.
    public var agent: String?
    /// End the session first ("End chat session"): the message starts a new conversation.
    public var newSession: Bool
    /// Reset the chat first.
    public var reset: Bool
    public var timeoutSeconds: Double?
    public var expect: Expectations
    /// `rate:`, `lead:`, `expect_server:` (ScriptExtras.swift).
    public var extras = TurnExtras()

    public init(send: String, name: String? = nil, agent: String? = nil, newSession: Bool = false, reset: Bool = false,
                timeoutSeconds: Double? = nil, expect: Expectations = .init()) {
        self.send = send
        self.name = name
        self.agent = agent
        self.newSession = newSession
        self.reset = reset
        self.timeoutSeconds = timeoutSeconds
        self.expect = expect
    }
}

/// What an answer must satisfy. Without `status`, the turn must complete with no error.
public struct Expectations: Sendable, Equatable {
    public var contains: [String] = []
    public var notContains: [String] = []
    /// Regular expressions (ICU syntax; `(?i)` for case-insensitive) that must match the answer.
    public var matches: [String] = []
    public var maxSeconds: Double?
    /// Seconds from sending to the first text of the answer.
    public var maxFirstTextSeconds: Double?
    public var toolCalled: [String] = []
    public var finishReason: String?
    public var status: TurnStatus?

    public init(contains: [String] = [], notContains: [String] = [], matches: [String] = [], maxSeconds: Double? = nil,
                toolCalled: [String] = [], finishReason: String? = nil, status: TurnStatus? = nil) {
        self.contains = contains
        self.notContains = notContains
        self.matches = matches
        self.maxSeconds = maxSeconds
        self.toolCalled = toolCalled
        self.finishReason = finishReason
        self.status = status
    }

    public var isEmpty: Bool { self == Expectations() }
}

/// A script that cannot be used, with where and why.
public struct ScriptError: Error, Sendable, Equatable, CustomStringConvertible {
    public let description: String
    public init(_ d: String) { description = d }
}

extension Script {
    /// True when a turn talks to the demo server's hostile agent (Mallory), which the
    /// embedded server then offers.
    public var usesHostileAgent: Bool {
        agent == DemoServer.hostileID || turns.contains { $0.agent == DemoServer.hostileID }
    }
}

// MARK: - Reading

extension Script {
    static let topKeys = ["name", "target", "agent", "fault", "timeout_seconds", "vars", "each", "turns"]
    static let targetKeys = ["demo", "base_url", "project_id", "chatbot_id", "stream_path", "chat_path", "streaming"]
    static let turnKeys = ["name", "send", "agent", "new_session", "reset", "timeout_seconds", "expect"]
    static let expectKeys = ["contains", "not_contains", "matches", "max_seconds", "max_first_text_seconds", "tool_called", "finish_reason", "status"]

    /// Reads a script file (YAML or JSON).
    public static func load(path: String) throws(ScriptError) -> Script {
        let data: Data
        do {
            data = try LocalFile.read(path, limit: LocalFile.Limit.script, what: "script")
        } catch let failure as LocalFile.Failure {
            throw ScriptError(failure.description)
        } catch {
            throw ScriptError("\(error)")
        }
        guard let text = String(data: data, encoding: .utf8) else {
            throw ScriptError("the file is not UTF-8 text")
        }
        return try parse(text, fileName: path)
    }

    /// Parses script text: JSON when the name ends in `.json` or the text starts with `{`, else YAML.
    public static func parse(_ text: String, fileName: String = "script") throws(ScriptError) -> Script {
        try from(tree(text, fileName: fileName))
    }

    /// The script text as a JSON tree (YAML converted), before it is checked.
    static func tree(_ text: String, fileName: String) throws(ScriptError) -> JSONValue {
        let trimmed = text.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !trimmed.isEmpty else { throw ScriptError("the file is empty") }
        let json: JSONValue
        if fileName.lowercased().hasSuffix(".json") || trimmed.hasPrefix("{") {
            guard let v = JSONValue.parse(text) else {
                // Foundation's parser says where the problem is.
                var detail = "check the brackets, commas and quotes"
                do {
                    _ = try JSONSerialization.jsonObject(with: Data(text.utf8), options: [.fragmentsAllowed])
                } catch {
                    let ns = error as NSError
                    detail = (ns.userInfo[NSDebugDescriptionErrorKey] as? String) ?? ns.localizedDescription
                }
                throw ScriptError("not valid JSON: \(detail)")
            }
            json = v
        } else {
            json = try yamlValue(text)
        }
        return json
    }

    static func yamlValue(_ text: String) throws(ScriptError) -> JSONValue {
        let node: Node?
        do {
            node = try Yams.compose(yaml: text)
        } catch let e as YamlError {
            throw ScriptError("not valid YAML: \(Self.firstLine(e.description))")
        } catch {
            throw ScriptError("not valid YAML: \(error)")
        }
        guard let node else { throw ScriptError("the file is empty") }
        var budget = maxValues
        return try json(of: node, path: "", budget: &budget)
    }

    /// The most values (scalars, lists, mappings) a script may hold once its YAML
    /// aliases are expanded: far above any real script, far below an alias bomb
    /// (9 levels of 9 aliases expand to 387 million values).
    public static let maxValues = 100_000

    static func firstLine(_ s: String) -> String {
        String(s.split(separator: "\n", omittingEmptySubsequences: true).first ?? Substring(s))
    }

    /// Converts a YAML tree to JSON values: plain scalars are typed (null, booleans,
    /// numbers), quoted ones stay strings.
    static func json(of node: Node, path: String, budget: inout Int) throws(ScriptError) -> JSONValue {
        budget -= 1
        guard budget >= 0 else {
            throw ScriptError("the YAML expands to more than \(maxValues) values (through aliases such as *name?); "
                + "a script needs far fewer: write the turns out")
        }
        switch node {
        case .scalar(let s):
            if s.style != .plain { return .string(s.string) }
            switch Tag.Name(rawValue: node.tag.description) {
            case .null: return .null
            case .bool: return node.bool.map(JSONValue.bool) ?? .string(s.string)
            case .int: return node.int.map { .number(Double($0)) } ?? .string(s.string)
            case .float: return node.float.map(JSONValue.number) ?? .string(s.string)
            default: return .string(s.string)
            }
        case .sequence(let seq):
            var out: [JSONValue] = []
            for (i, item) in seq.enumerated() { out.append(try json(of: item, path: "\(path)[\(i)]", budget: &budget)) }
            return .array(out)
        case .mapping(let m):
            var out: JSONObject = [:]
            for (k, v) in m {
                guard let key = k.scalar?.string else {
                    throw ScriptError("\(path.isEmpty ? "the top level" : path): keys must be plain names")
                }
                let p = path.isEmpty ? key : "\(path).\(key)"
                guard out[key] == nil else { throw ScriptError("\(p): given twice") }
                out[key] = try json(of: v, path: p, budget: &budget)
            }
            return .object(out)
        }
    }

    /// Builds a script from its JSON tree, naming the path of anything wrong.
    public static func from(_ root: JSONValue) throws(ScriptError) -> Script {
        guard case .object = root else {
            throw ScriptError("the top level must be a mapping with target, agent and turns")
        }
        guard case .object(let o) = try ScriptVars.apply(root, environment: ProcessInfo.processInfo.environment) else {
            throw ScriptError("the top level must be a mapping with target, agent and turns")
        }
        try checkKeys(o, Self.topKeys + Self.extraTopKeys, path: "the top level")
        let endpoints = try endpoints(o)
        if o["each"] != nil { throw ScriptError("each: a script with each: runs through `robofy-tui run` (Script.loadAll)") }
        var script = Script()
        script.endpoints = endpoints
        script.name = try optionalString(o["name"], path: "name")
        script.agent = try optionalString(o["agent"], path: "agent")
        script.fault = try optionalString(o["fault"], path: "fault")
        script.timeoutSeconds = try positiveNumber(o["timeout_seconds"], path: "timeout_seconds")
        if let t = o["target"], !t.isNull {
            script.target = try target(t)
        }
        if script.fault != nil, case .service? = script.target {
            throw ScriptError("fault: fault knobs work with the demo target only (target: {demo: true})")
        }
        guard let turnsValue = o["turns"] else { throw ScriptError("turns: missing (a list of turns to send)") }
        guard case .array(let items) = turnsValue else { throw ScriptError("turns: must be a list") }
        guard !items.isEmpty else { throw ScriptError("turns: the list is empty") }
        for (i, item) in items.enumerated() {
            script.turns.append(try turn(item, path: "turns[\(i + 1)]"))
        }
        return script
    }

    static func target(_ v: JSONValue) throws(ScriptError) -> Target {
        if case .string(let s) = v, s.lowercased() == "demo" { return .demo }
        guard case .object(let o) = v else {
            throw ScriptError("target: must be {demo: true} or {base_url, project_id, chatbot_id}")
        }
        try checkKeys(o, Self.targetKeys, path: "target")
        if let d = o["demo"] {
            guard case .bool(let isDemo) = d else { throw ScriptError("target.demo: must be true or false") }
            if isDemo {
                if let extra = o.keys.filter({ $0 != "demo" }).sorted().first {
                    throw ScriptError("target.\(extra): not used with the demo target")
                }
                return .demo
            }
        }
        guard let project = try optionalString(o["project_id"], path: "target.project_id"), !project.isEmpty else {
            throw ScriptError("target.project_id: missing (or use target: {demo: true})")
        }
        var s = Service(projectID: project)
        if let base = try optionalString(o["base_url"], path: "target.base_url") {
            guard let u = URL(string: base), let scheme = u.scheme?.lowercased(), ["http", "https"].contains(scheme),
                  u.host?.isEmpty == false else {
                throw ScriptError("target.base_url: '\(base)' is not an http(s) URL")
            }
            s.baseURL = base
        }
        s.chatbotID = try optionalString(o["chatbot_id"], path: "target.chatbot_id")
        s.streamPath = try optionalString(o["stream_path"], path: "target.stream_path")
        s.chatPath = try optionalString(o["chat_path"], path: "target.chat_path")
        if let st = o["streaming"] {
            guard case .bool(let b) = st else { throw ScriptError("target.streaming: must be true or false") }
            s.streaming = b
        }
        return .service(s)
    }

    static func turn(_ v: JSONValue, path: String) throws(ScriptError) -> ScriptTurn {
        if case .string(let s) = v {
            guard !s.isEmpty else { throw ScriptError("\(path): the message is empty") }
            return ScriptTurn(send: s)
        }
        guard case .object(let o) = v else { throw ScriptError("\(path): must be a mapping with send and expect") }
        try checkKeys(o, Self.turnKeys + Self.extraTurnKeys, path: path)
        guard let send = try optionalString(o["send"], path: "\(path).send"), !send.isEmpty else {
            throw ScriptError("\(path).send: missing (the message to send)")
        }
        var t = ScriptTurn(send: send)
        t.name = try optionalString(o["name"], path: "\(path).name")
        t.agent = try optionalString(o["agent"], path: "\(path).agent")
        t.newSession = try optionalBool(o["new_session"], path: "\(path).new_session") ?? false
        t.reset = try optionalBool(o["reset"], path: "\(path).reset") ?? false
        t.timeoutSeconds = try positiveNumber(o["timeout_seconds"], path: "\(path).timeout_seconds")
        if let e = o["expect"], !e.isNull {
            t.expect = try expectations(e, path: "\(path).expect")
        }
        t.extras = try turnExtras(o, path: path)
        return t
    }

    static func expectations(_ v: JSONValue, path: String) throws(ScriptError) -> Expectations {
        if case .string(let s) = v { return Expectations(contains: [s]) }
        guard case .object(let o) = v else { throw ScriptError("\(path): must be a mapping (contains, matches, …)") }
        try checkKeys(o, Self.expectKeys, path: path)
        var e = Expectations()
        e.contains = try strings(o["contains"], path: "\(path).contains")
        e.notContains = try strings(o["not_contains"], path: "\(path).not_contains")
        e.matches = try strings(o["matches"], path: "\(path).matches")
        for (i, pattern) in e.matches.enumerated() {
            do {
                _ = try NSRegularExpression(pattern: pattern)
            } catch {
                throw ScriptError("\(path).matches\(e.matches.count > 1 ? "[\(i + 1)]" : ""): '\(pattern)' is not a valid regular expression")
            }
        }
        e.maxSeconds = try positiveNumber(o["max_seconds"], path: "\(path).max_seconds")
        e.maxFirstTextSeconds = try positiveNumber(o["max_first_text_seconds"], path: "\(path).max_first_text_seconds")
        e.toolCalled = try strings(o["tool_called"], path: "\(path).tool_called")
        e.finishReason = try optionalString(o["finish_reason"], path: "\(path).finish_reason")
        if let s = try optionalString(o["status"], path: "\(path).status") {
            guard let st = TurnStatus(rawValue: s.lowercased()), st != .streaming else {
                throw ScriptError("\(path).status: '\(s)' is not one of complete, failed, interrupted, stopped")
            }
            e.status = st
        }
        return e
    }

    // MARK: Helpers

    static func checkKeys(_ o: JSONObject, _ known: [String], path: String) throws(ScriptError) {
        for k in o.keys.sorted() where !known.contains(k) {
            let hint = known.min { editDistance($0, k) < editDistance($1, k) }
            let suggestion = hint.map { editDistance($0, k) <= 3 ? " (did you mean '\($0)'?)" : "" } ?? ""
            throw ScriptError("\(path): unknown key '\(k)'\(suggestion); known keys: \(known.joined(separator: ", "))")
        }
    }

    static func optionalString(_ v: JSONValue?, path: String) throws(ScriptError) -> String? {
        guard let v, !v.isNull else { return nil }
        switch v {
        case .string(let s): return s
        case .number: return v.compactText
        default: throw ScriptError("\(path): must be text, not \(v.typeName)")
        }
    }

    static func optionalBool(_ v: JSONValue?, path: String) throws(ScriptError) -> Bool? {
        guard let v, !v.isNull else { return nil }
        guard case .bool(let b) = v else { throw ScriptError("\(path): must be true or false") }
        return b
    }

    static func positiveNumber(_ v: JSONValue?, path: String) throws(ScriptError) -> Double? {
        guard let v, !v.isNull else { return nil }
        let n: Double?
        switch v {
        case .number(let d): n = d
        case .string(let s): n = Double(s.trimmingCharacters(in: .whitespaces))
        default: n = nil
        }
        guard let n, n > 0, n.isFinite else { throw ScriptError("\(path): must be a number of seconds above 0") }
        return n
    }

    static func strings(_ v: JSONValue?, path: String) throws(ScriptError) -> [String] {
        guard let v, !v.isNull else { return [] }
        switch v {
        case .string(let s): return [s]
        case .number: return [v.compactText]
        case .array(let items):
            var out: [String] = []
            for (i, item) in items.enumerated() {
                switch item {
                case .string(let s): out.append(s)
                case .number: out.append(item.compactText)
                default: throw ScriptError("\(path)[\(i + 1)]: must be text, not \(item.typeName)")
                }
            }
            return out
        default:
            throw ScriptError("\(path): must be text or a list of texts, not \(v.typeName)")
        }
    }

    static func editDistance(_ a: String, _ b: String) -> Int {
        Suggest.distance(a, b)
    }
}
