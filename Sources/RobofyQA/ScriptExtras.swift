import DemoServer
import Foundation
import RobofyAPI
import RobofySession

/// What a turn does after its answer, beyond the chat: rate it, fill the lead form, and
/// check what the server recorded (`rate:`, `lead:`, `expect_server:`).
public struct TurnExtras: Sendable, Equatable {
    public var rate: ChatRating?
    public var lead: LeadValues?
    public var expectServer: ServerExpectation?
    public init(rate: ChatRating? = nil, lead: LeadValues? = nil, expectServer: ServerExpectation? = nil) {
        self.rate = rate
        self.lead = lead
        self.expectServer = expectServer
    }
    public var isEmpty: Bool { self == TurnExtras() }
}

/// `expect_server: {messages: N, lead: {email: …}}`: checked with the account API (the
/// demo server's own key on the demo, `ROBOFY_API_KEY` elsewhere).
public struct ServerExpectation: Sendable, Equatable {
    /// Messages the server recorded for the turn's session (user and assistant).
    public var messages: Int?
    /// Fields a lead of the session must have, by field name.
    public var lead: [String: String] = [:]
    public init(messages: Int? = nil, lead: [String: String] = [:]) {
        self.messages = messages
        self.lead = lead
    }
}

/// Script-wide endpoints for `lead:` and `rate:` (Robofy documents none; the demo's are the default there).
public struct ScriptEndpoints: Sendable, Equatable {
    public var lead: String?
    public var rating: String?
    public init(lead: String? = nil, rating: String? = nil) {
        self.lead = lead
        self.rating = rating
    }
}

extension Script {
    static let extraTopKeys = ["lead_endpoint", "rating_endpoint"]
    static let extraTurnKeys = ["rate", "lead", "expect_server"]

    static func endpoints(_ o: JSONObject) throws(ScriptError) -> ScriptEndpoints {
        var e = ScriptEndpoints()
        for (key, value) in [("lead_endpoint", o["lead_endpoint"]), ("rating_endpoint", o["rating_endpoint"])] {
            guard let p = try optionalString(value, path: key) else { continue }
            guard p.hasPrefix("/") else { throw ScriptError("\(key): '\(p)' must be a path starting with /") }
            if key == "lead_endpoint" { e.lead = p } else { e.rating = p }
        }
        return e
    }

    static func turnExtras(_ o: JSONObject, path: String) throws(ScriptError) -> TurnExtras {
        var x = TurnExtras()
        if let r = try optionalString(o["rate"], path: "\(path).rate") {
            guard let rating = ChatRating(text: r) else { throw ScriptError("\(path).rate: '\(r)' is not up or down") }
            x.rate = rating
        }
        if let l = o["lead"], !l.isNull {
            guard case .object(let f) = l else { throw ScriptError("\(path).lead: must be a mapping (name, email, phone)") }
            try checkKeys(f, ["name", "email", "phone"], path: "\(path).lead")
            let v = LeadValues(name: try optionalString(f["name"], path: "\(path).lead.name") ?? "",
                               email: try optionalString(f["email"], path: "\(path).lead.email") ?? "",
                               phone: try optionalString(f["phone"], path: "\(path).lead.phone") ?? "")
            if let (field, why) = v.problems.sorted(by: { $0.key < $1.key }).first {
                throw ScriptError("\(path).lead\(field == "form" ? "" : ".\(field)"): \(why)")
            }
            x.lead = v
        }
        if let e = o["expect_server"], !e.isNull {
            guard case .object(let f) = e else { throw ScriptError("\(path).expect_server: must be a mapping (messages, lead)") }
            try checkKeys(f, ["messages", "lead"], path: "\(path).expect_server")
            var s = ServerExpectation()
            if let n = f["messages"] {
                guard let d = n.doubleValue, d >= 0, d == d.rounded(), d < 1e6 else {
                    throw ScriptError("\(path).expect_server.messages: must be a whole number")
                }
                s.messages = Int(d)
            }
            if let l = f["lead"], !l.isNull {
                guard case .object(let fields) = l else { throw ScriptError("\(path).expect_server.lead: must be a mapping of field: value") }
                for (k, v) in fields {
                    s.lead[k] = try optionalString(v, path: "\(path).expect_server.lead.\(k)") ?? ""
                }
            }
            x.expectServer = s
        }
        return x
    }
}

/// Runs a turn's extras after its answer; returns one readable failure each.
enum TurnExtrasRunner {
    /// The session talks to the demo server (its endpoints and API key are known).
    static func isDemo(_ t: RobofyTarget) -> Bool {
        t.projectID == DemoServer.projectID && (t.baseURL.contains("127.0.0.1") || t.baseURL.contains("localhost") || t.baseURL.contains("[::1]"))
    }

    static func run(_ x: TurnExtras, endpoints: ScriptEndpoints, session: ChatSession, turn: Turn) async -> [String] {
        guard !x.isEmpty else { return [] }
        var out: [String] = []
        let demo = isDemo(session.target)
        if let r = x.rate {
            let s = await session.submitRating(turnID: turn.id, rating: r,
                                               path: endpoints.rating ?? (demo ? DemoServer.demoRatingsPath : nil))
            if !s.accepted { out.append("rate \(r.rawValue): " + s.summary) }
        }
        if let l = x.lead {
            let s = await session.submitLead(l, path: endpoints.lead ?? (demo ? DemoServer.demoLeadsPath : nil))
            if !s.accepted { out.append("lead: " + s.summary) }
        }
        if let e = x.expectServer { out += await check(e, session: session, turn: turn, demo: demo) }
        return out
    }

    static func check(_ e: ServerExpectation, session: ChatSession, turn: Turn, demo: Bool) async -> [String] {
        let current = await session.sessionID
        guard let sid = turn.sessionID ?? current else {
            return ["expect_server: the answer gave no session id, so there is nothing to look up"]
        }
        var env = ProcessInfo.processInfo.environment
        if demo, env[AccountAPIKey.environmentVariable] == nil { env[AccountAPIKey.environmentVariable] = DemoServer.accountAPIKey }
        let t = session.target
        let record: SessionServerRecord
        do {
            record = try await SessionServerRecord.fetch(baseURL: t.baseURL, projectID: t.projectID, chatbotID: turn.agentID,
                                                         sessionID: sid, env: env)
        } catch {
            return ["expect_server: " + Redaction.redact(error.description)]
        }
        var out: [String] = []
        if let n = e.messages, record.messages.count != n {
            out.append("expect_server.messages: expected \(n), the server recorded \(record.messages.count) for session \(sid)")
        }
        if !e.lead.isEmpty {
            let match = record.leads.contains { fields in
                e.lead.allSatisfy { want in fields.contains { $0.name == want.key && $0.value == want.value } }
            }
            if !match {
                let want = e.lead.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: ", ")
                let got = record.leads.map { $0.map { "\($0.name) \($0.value)" }.joined(separator: ", ") }
                out.append("expect_server.lead: no lead with \(want) for session \(sid)"
                           + (got.isEmpty ? " (none recorded)" : " (recorded: \(got.joined(separator: "; ")))"))
            }
        }
        return out
    }
}

extension TurnExtras {
    /// What a recorded turn's ratings and leads replay as.
    init(recorded: [WidgetSubmission]) {
        self.init()
        for s in recorded {
            switch s.kind {
            case .rating: rate = s.rating
            case .lead:
                var v = LeadValues()
                for f in s.fields {
                    switch f.name {
                    case "name": v.name = f.value
                    case "email": v.email = f.value
                    case "phone": v.phone = f.value
                    default: break
                    }
                }
                lead = v
            }
        }
    }

    var ordered: [(String, JSONValue)] {
        var o: [(String, JSONValue)] = []
        if let rate { o.append(("rate", .string(rate.rawValue))) }
        if let lead {
            var f: JSONObject = [:]
            for (k, v) in [("name", lead.name), ("email", lead.email), ("phone", lead.phone)] where !v.isEmpty { f[k] = .string(v) }
            o.append(("lead", .object(f)))
        }
        if let e = expectServer {
            var s: JSONObject = [:]
            if let n = e.messages { s["messages"] = .number(Double(n)) }
            if !e.lead.isEmpty {
                var l: JSONObject = [:]
                for (k, v) in e.lead.sorted(by: { $0.key < $1.key }) { l[k] = .string(v) }
                s["lead"] = .object(l)
            }
            o.append(("expect_server", .object(s)))
        }
        return o
    }
}
