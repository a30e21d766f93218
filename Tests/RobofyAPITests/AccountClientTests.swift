import DemoServer
import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import Testing
@testable import RobofyAPI

/// The account API client: lenient decoding of undocumented envelopes, paging, errors,
/// and the key's registration with `Redaction`.
@Suite struct AccountClientTests {
    static let rowKeys = ["leads", "items", "rows", "results", "data"]

    /// The documentation only fixes `lead_data[]` and `nextPageToken`: rows and the token are
    /// found in every plausible envelope.
    @Test(arguments: [
        #"{"data":{"leads":[{"id":1},{"id":2}],"nextPageToken":"t2"}}"#,
        #"{"data":[{"id":1},{"id":2}],"nextPageToken":"t2"}"#,
        #"{"leads":[{"id":1},{"id":2}],"next_page_token":"t2"}"#,
        #"{"data":{"items":[{"id":1},{"id":2}],"meta":{"nextPageToken":"t2"}}}"#,
        #"{"message":"Success","data":{"results":[{"id":1},{"id":2}],"pagination":{"nextToken":"t2"}}}"#,
    ])
    func rowsAndTokenAreFoundInAnyPlausibleEnvelope(_ text: String) throws {
        let json = try #require(JSONValue.parse(text))
        let page = AccountClient.page(json, rowKeys: Self.rowKeys)
        #expect(page.rows.compactMap { $0["id"]?.doubleValue } == [1, 2])
        #expect(page.nextPageToken == "t2")
    }

    @Test func aBareArrayIsOnePageAndUnknownFieldsAreKept() throws {
        let json = try #require(JSONValue.parse(#"[{"id":"a","lead_data":[],"score":7,"tags":["x"]}]"#))
        let page = AccountClient.page(json, rowKeys: Self.rowKeys)
        #expect(page.nextPageToken == nil)
        #expect(page.rows.first?["score"]?.doubleValue == 7)
        #expect(page.rows.first?["tags"]?.arrayValue?.count == 1)
    }

    @Test func aMissingKeySaysToSetIt() {
        #expect(throws: AccountError.missingKey) { try AccountAPIKey.fromEnvironment([:]) }
        #expect(throws: AccountError.missingKey) { try AccountAPIKey.fromEnvironment(["ROBOFY_API_KEY": "  "]) }
        #expect(AccountError.missingKey.userMessage.contains("Set ROBOFY_API_KEY"))
    }

    @Test func aKeyReadFromTheEnvironmentIsRedactedEverywhere() throws {
        let secret = "acct-key-\(UUID().uuidString.prefix(8))"
        #expect(Redaction.redact("echo: \(secret)") == "echo: \(secret)")
        _ = try AccountAPIKey.fromEnvironment(["ROBOFY_API_KEY": secret])
        #expect(Redaction.redact("echo: \(secret)!") == "echo: [redacted]!")
        let shown = Redaction.headers([HTTPField("X-API-Key", secret)])
        #expect(shown.first?.value == "[redacted]")
    }

    @Test func pagesAreFollowedUpToTheLimitAgainstTheDemoServer() async throws {
        var o = DemoServerOptions()
        o.accountPageSize = 2
        try await DemoServer.with(o) { server in
            for i in 1...5 { try await submitLead(server.baseURL, email: "p\(i)@example.com") }
            let key = try AccountAPIKey.fromEnvironment(["ROBOFY_API_KEY": DemoServer.accountAPIKey])
            let client = try AccountClient(baseURL: server.baseURL, key: key)
            let all = try await client.leads(projectID: DemoServer.projectID, chatbotID: DemoServer.chatbotID, limit: 100)
            #expect(all.rows.count == 5)
            #expect(all.pages == 3)
            #expect(all.complete)
            let emails = all.rows.compactMap { $0["lead_data"]?.arrayValue?.first?["field_value"]?.stringValue }
            #expect(emails == (1...5).map { "p\($0)@example.com" })

            let some = try await client.leads(projectID: DemoServer.projectID, chatbotID: DemoServer.chatbotID, limit: 4)
            #expect(some.rows.count == 4)
            #expect(!some.complete)
            #expect(some.nextPageToken != nil)
            await client.shutdown()
        }
    }

    @Test func aRefusedKeyAndAnUnknownSessionGiveClearErrors() async throws {
        try await DemoServer.with { server in
            let bad = try AccountAPIKey.fromEnvironment(["ROBOFY_API_KEY": "not-the-demo-key"])
            let client = try AccountClient(baseURL: server.baseURL, key: bad)
            await #expect(throws: AccountError.refused(status: 401, detail: "The API key is not valid.")) {
                try await client.sessions(chatbotID: DemoServer.chatbotID, limit: 10)
            }
            await client.shutdown()
            let good = try AccountAPIKey.fromEnvironment(["ROBOFY_API_KEY": DemoServer.accountAPIKey])
            let client2 = try AccountClient(baseURL: server.baseURL, key: good, headerName: "X-API-Key")
            do {
                _ = try await client2.messages(chatbotID: DemoServer.chatbotID, sessionID: "no-such-session", limit: 10)
                Issue.record("an unknown session must fail")
            } catch let error as AccountError {
                #expect(error.userMessage.hasPrefix("Not found (404): session no-such-session"), "\(error.userMessage)")
            }
            await client2.shutdown()
        }
    }

    func submitLead(_ base: String, email: String) async throws {
        var request = URLRequest(url: try #require(URL(string: base + DemoServer.demoLeadsPath)))
        request.httpMethod = "POST"
        request.setValue("Bearer \(DemoServer.accountAPIKey)", forHTTPHeaderField: "Authorization")
        request.httpBody = Data(#"{"chatbot_id":"\#(DemoServer.chatbotID)","lead_data":[{"field_name":"email","field_type":"email","field_value":"\#(email)"}]}"#.utf8)
        let (_, response) = try await URLSession.shared.data(for: request)
        #expect((response as? HTTPURLResponse)?.statusCode == 201)
    }
}
