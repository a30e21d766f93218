import DemoServer
import Foundation
import Testing
import TestSupport
#if canImport(Glibc)
import Glibc
#endif

/// `robofy-tui leads` and `robofy-tui inbox`, run as a QA tester runs them, against the
/// demo server's account API (over 127.0.0.1, with pages of 2 rows so paging is exercised).
@Suite(.timeLimit(.minutes(3))) struct AccountCommandTests {
    static let key = DemoServer.accountAPIKey
    static let nova = DemoServer.chatbotID
    static let project = DemoServer.projectID

    @Test func leadsFollowsEveryPageIntoOneTable() async throws {
        let bin = try binary()
        try await withServer { demo in
            for i in 1...5 { try await demo.lead(["name": "Lead \(i)", "email": "lead\(i)@example.com"]) }
            let r = await shOff([bin, "leads", "--base-url", demo.base, "--project-id", Self.project, "--chatbot-id", Self.nova],
                       env: ["ROBOFY_API_KEY": Self.key])
            #expect(r.status == 0, "\(r.out)")
            for i in 1...5 { #expect(r.out.contains("lead\(i)@example.com"), "row \(i) missing:\n\(r.out)") }
            #expect(r.out.contains("5 leads (3 pages)."), "\(r.out)")
            // The lead's fields are columns of their own.
            let header = try #require(r.out.split(separator: "\n").first)
            #expect(header.contains("name") && header.contains("email"), "\(header)")

            let limited = await shOff([bin, "leads", "--base-url", demo.base, "--project-id", Self.project, "--chatbot-id", Self.nova,
                              "--limit", "3"], env: ["ROBOFY_API_KEY": Self.key])
            #expect(limited.status == 0, "\(limited.out)")
            #expect(limited.out.contains("lead3@example.com") && !limited.out.contains("lead4@example.com"), "\(limited.out)")
            #expect(limited.out.contains("showing the first 3 leads") && limited.out.contains("--limit"), "\(limited.out)")
        }
    }

    @Test func leadsAsJSONKeepLeadDataAndFilterBySession() async throws {
        let bin = try binary()
        try await withServer { demo in
            let session = try await demo.chat("hello")
            try await demo.lead(["name": "Ada", "email": "ada@example.com", "phone": "+1 555 0100"], session: session)
            for i in 1...3 { try await demo.lead(["email": "other\(i)@example.com"]) }
            let all = await shOff([bin, "leads", "--json", "--base-url", demo.base, "--project-id", Self.project, "--chatbot-id", Self.nova],
                         env: ["ROBOFY_API_KEY": Self.key])
            #expect(all.status == 0, "\(all.out)")
            let json = try #require(try JSONSerialization.jsonObject(with: Data(all.out.utf8)) as? [String: Any], "\(all.out)")
            let leads = try #require(json["leads"] as? [[String: Any]])
            #expect(leads.count == 4)
            #expect(json["complete"] as? Bool == true)
            let ada = try #require(leads.first { ($0["session_id"] as? String) == session })
            let fields = try #require(ada["lead_data"] as? [[String: Any]])
            let byName = Dictionary(uniqueKeysWithValues: fields.compactMap { f -> (String, String)? in
                guard let n = f["field_name"] as? String, let v = f["field_value"] as? String else { return nil }
                return (n, v)
            })
            #expect(byName == ["name": "Ada", "email": "ada@example.com", "phone": "+1 555 0100"])
            #expect(fields.contains { ($0["field_type"] as? String) == "email" })

            let one = await shOff([bin, "leads", "--base-url", demo.base, "--project-id", Self.project, "--chatbot-id", Self.nova,
                          "--session", session], env: ["ROBOFY_API_KEY": Self.key])
            #expect(one.status == 0, "\(one.out)")
            #expect(one.out.contains("ada@example.com") && !one.out.contains("other1@example.com"), "\(one.out)")
            #expect(one.out.contains("1 lead (1 page)."), "\(one.out)")
        }
    }

    @Test func inboxListsSessionsAndASessionsMessagesAcrossPages() async throws {
        let bin = try binary()
        try await withServer { demo in
            var sessions: [String] = []
            for q in ["hello", "what is on sale?", "where is my order?"] { sessions.append(try await demo.chat(q)) }
            let long = try await demo.chat("my name is Ada")
            _ = try await demo.chat("what is my name?", session: long)
            _ = try await demo.chat("thanks", session: long)
            sessions.append(long)

            let list = await shOff([bin, "inbox", "--base-url", demo.base, "--chatbot-id", Self.nova], env: ["ROBOFY_API_KEY": Self.key])
            #expect(list.status == 0, "\(list.out)")
            for s in sessions { #expect(list.out.contains(s), "session \(s) missing:\n\(list.out)") }
            #expect(list.out.contains("4 sessions (2 pages)."), "\(list.out)")

            let chat = await shOff([bin, "inbox", "--base-url", demo.base, "--chatbot-id", Self.nova, "--session", long],
                          env: ["ROBOFY_API_KEY": Self.key])
            #expect(chat.status == 0, "\(chat.out)")
            #expect(chat.out.contains("6 messages (3 pages)."), "\(chat.out)")
            for q in ["my name is Ada", "what is my name?", "thanks", "Your name is Ada"] {
                #expect(chat.out.contains(q), "\(q) missing:\n\(chat.out)")
            }
            let lines = chat.out.split(separator: "\n")
            #expect(lines.filter { $0.contains(" user ") }.count == 3, "\(chat.out)")
            #expect(lines.filter { $0.contains(" assistant ") }.count == 3, "\(chat.out)")

            let json = await shOff([bin, "inbox", "--json", "--base-url", demo.base, "--chatbot-id", Self.nova, "--session", long],
                          env: ["ROBOFY_API_KEY": Self.key])
            let obj = try #require(try JSONSerialization.jsonObject(with: Data(json.out.utf8)) as? [String: Any], "\(json.out)")
            let messages = try #require(obj["messages"] as? [[String: Any]])
            #expect(messages.map { $0["role"] as? String } == ["user", "assistant", "user", "assistant", "user", "assistant"])
            #expect(messages.first?["content"] as? String == "my name is Ada")
        }
    }

    @Test func aRefusedKeyGivesTheClear401MessageAndExitsNonZero() async throws {
        let bin = try binary()
        try await withServer { demo in
            let wrong = "wrong-key-7f3a9c2e51"
            let log = NSTemporaryDirectory() + "robofy-account-\(UUID().uuidString).log"
            defer { unlink(log) }
            for args in [["leads", "--project-id", Self.project, "--chatbot-id", Self.nova], ["inbox", "--chatbot-id", Self.nova]] {
                let r = await shOff([bin] + args + ["--base-url", demo.base, "--log-file", log], env: ["ROBOFY_API_KEY": wrong])
                #expect(r.status == 1, "\(r.out)")
                #expect(r.out.contains("The API key in ROBOFY_API_KEY was refused (401). Check it in your Robofy account."), "\(r.out)")
                #expect(!r.out.contains(wrong), "the key was printed:\n\(r.out)")
            }
            let logged = try String(contentsOfFile: log, encoding: .utf8)
            #expect(logged.contains("answered 401"), "\(logged)")
            #expect(!logged.contains(wrong), "the key was logged:\n\(logged)")
        }
    }

    @Test func withoutAKeyItSaysToSetIt() async throws {
        let bin = try binary()
        try await withServer { demo in
            for args in [["leads", "--project-id", Self.project, "--chatbot-id", Self.nova], ["inbox", "--chatbot-id", Self.nova]] {
                let r = await shOff([bin] + args + ["--base-url", demo.base], env: ["ROBOFY_API_KEY": ""])
                #expect(r.status == 2, "\(r.out)")
                #expect(r.out.contains("Set ROBOFY_API_KEY"), "\(r.out)")
                #expect(r.out.contains("never from a flag"), "\(r.out)")
            }
            // There is no flag for the key.
            let flag = await shOff([bin, "inbox", "--chatbot-id", Self.nova, "--base-url", demo.base, "--api-key", Self.key])
            #expect(flag.status != 0)
            #expect(!flag.out.contains("sessions ("), "\(flag.out)")
        }
    }

    /// The key sent in a header of another name (configurable, the scheme being
    /// undocumented) is still redacted in the log; a recorded message that holds the key
    /// shows it redacted.
    @Test func theKeyNeverReachesOutputOrLog() async throws {
        let bin = try binary()
        try await withServer { demo in
            let session = try await demo.chat("my api key is \(Self.key), is that safe?")
            let log = NSTemporaryDirectory() + "robofy-account-\(UUID().uuidString).log"
            defer { unlink(log) }
            var outputs: [String] = []
            for header in ["Authorization", "X-API-Key"] {
                for json in [false, true] {
                    let r = await shOff([bin, "inbox", "--base-url", demo.base, "--chatbot-id", Self.nova, "--session", session,
                                "--api-key-header", header, "--log-file", log] + (json ? ["--json"] : []),
                               env: ["ROBOFY_API_KEY": Self.key])
                    #expect(r.status == 0, "\(header): \(r.out)")
                    #expect(r.out.contains("my api key is [redacted], is that safe?"), "\(header): \(r.out)")
                    outputs.append(r.out)
                }
            }
            let logged = try String(contentsOfFile: log, encoding: .utf8)
            #expect(logged.contains("X-API-Key: [redacted]"), "\(logged)")
            #expect(logged.contains("answered 200"), "\(logged)")
            for text in outputs + [logged] { #expect(!text.contains(Self.key), "the key leaked:\n\(text)") }
        }
    }

    @Test func hostileRecordedStringsAreSanitizedInTheTable() async throws {
        let bin = try binary()
        var o = DemoServerOptions()
        o.hostile = true
        try await withServer(o) { demo in
            let evil = "pwn\u{1B}[31mRED\u{1B}]52;c;ZXZpbA==\u{07}\u{9B}2J\u{202E}gnp.exe\u{7}done"
            let mallory = DemoServer.hostileID
            let session = try await demo.chat(evil, agent: mallory)
            _ = try await demo.chat("/hostile", agent: mallory, session: session)
            try await demo.lead(["name\u{1B}[2J": "Eve\u{1B}]0;owned\u{07}", "email": "eve@example.com\u{202E}"], agent: mallory)
            let runs = [
                await shOff([bin, "inbox", "--base-url", demo.base, "--chatbot-id", mallory], env: ["ROBOFY_API_KEY": Self.key]),
                await shOff([bin, "inbox", "--base-url", demo.base, "--chatbot-id", mallory, "--session", session],
                   env: ["ROBOFY_API_KEY": Self.key]),
                await shOff([bin, "leads", "--base-url", demo.base, "--project-id", Self.project, "--chatbot-id", mallory],
                   env: ["ROBOFY_API_KEY": Self.key]),
                await shOff([bin, "inbox", "--json", "--base-url", demo.base, "--chatbot-id", mallory, "--session", session],
                   env: ["ROBOFY_API_KEY": Self.key]),
            ]
            for r in runs {
                #expect(r.status == 0, "\(r.out)")
                let bad = r.out.unicodeScalars.filter {
                    ($0.value < 0x20 && $0 != "\n") || (0x7F...0x9F).contains($0.value) || $0.value == 0x202E
                }
                #expect(bad.isEmpty, "control characters reached the terminal: \(bad.map { String($0.value, radix: 16) })\n\(r.out.debugDescription)")
            }
            #expect(runs[1].out.contains("pwnREDgnp.exedone"), "\(runs[1].out.debugDescription)")
            #expect(runs[2].out.contains("Eve") && runs[2].out.contains("eve@example.com"), "\(runs[2].out.debugDescription)")
            // JSON keeps the data, escaped.
            #expect(runs[3].out.contains("\\u001b[31mRED") && runs[3].out.contains("\\u202e"), "\(runs[3].out)")
        }
    }

    // MARK: Helpers

    func binary() throws -> String {
        try Binary.require()
    }

    func withServer(_ options: DemoServerOptions = DemoServerOptions(), _ body: (Demo) async throws -> Void) async throws {
        var o = options
        o.defaultDeltaDelayMs = 0
        o.accountPageSize = 2
        try await DemoServer.with(o) { server in try await body(Demo(base: server.baseURL)) }
    }

    /// Talks to the demo server with curl, as a widget would.
    struct Demo {
        let base: String

        func post(_ path: String, _ body: [String: Any], headers: [String] = []) async throws -> [String: Any] {
            let data = try JSONSerialization.data(withJSONObject: body)
            var args = ["curl", "-s", "-X", "POST", base + path, "-H", "Content-Type: application/json"]
            for h in headers { args += ["-H", h] }
            args += ["--data-binary", String(decoding: data, as: UTF8.self)]
            let r = await shOff(args)
            guard r.status == 0, let json = try JSONSerialization.jsonObject(with: Data(r.out.utf8)) as? [String: Any] else {
                throw E2EError("POST \(path) failed: \(r.out)")
            }
            return json
        }

        func token(_ agent: String) async throws -> String {
            let hs = try await post("/v1/widget/handshake", ["chatbot_id": agent, "project_id": DemoServer.projectID, "version": 2])
            guard let t = (hs["data"] as? [String: Any])?["token"] as? String else { throw E2EError("no token: \(hs)") }
            return t
        }

        /// One non-streaming turn; returns the session id.
        @discardableResult
        func chat(_ query: String, agent: String = DemoServer.chatbotID, session: String? = nil) async throws -> String {
            var context: [String: Any] = ["platform": "web"]
            if let session { context["session_id"] = session }
            let token = try await token(agent)
            let answer = try await post("/v1/ai-agent/chat", ["query": query, "pid": DemoServer.projectID, "chatbot_id": agent,
                                                        "user_context": context],
                                  headers: ["Authorization: Bearer \(token)"])
            guard let sid = (answer["data"] as? [String: Any])?["session_id"] as? String else {
                throw E2EError("no session id: \(answer)")
            }
            return sid
        }

        func lead(_ fields: [String: String], agent: String = DemoServer.chatbotID, session: String? = nil) async throws {
            var body: [String: Any] = ["chatbot_id": agent, "project_id": DemoServer.projectID,
                                       "lead_data": fields.sorted { $0.key < $1.key }.map {
                                           ["field_name": $0.key, "field_type": $0.key == "email" ? "email" : "text",
                                            "field_value": $0.value]
                                       }]
            if let session { body["session_id"] = session }
            let token = try await token(agent)
            let r = try await post(DemoServer.demoLeadsPath, body, headers: ["Authorization: Bearer \(token)"])
            guard (r["data"] as? [String: Any])?["lead_id"] is String else { throw E2EError("lead refused: \(r)") }
        }
    }
}
