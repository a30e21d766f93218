import DemoServer
import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import RobofyAPI
import Testing
@testable import RobofySession

/// Leads and ratings over real HTTP to the demo server, read back through the account API.
@Suite(.timeLimit(.minutes(2))) struct SubmissionTests {
    static let env = [AccountAPIKey.environmentVariable: DemoServer.accountAPIKey]

    @Test func leadIsAcceptedAndListedWithTheSession() async throws {
        try await DemoServer.with { server in
            let s = makeSession(server)
            let t = await s.send("Hello there")
            #expect(t.status == .complete)
            let sid = try #require(t.sessionID)
            let sub = await s.submitLead(LeadValues(name: "Ada", email: "ada@example.com"), path: DemoServer.demoLeadsPath)
            #expect(sub.accepted)
            #expect(sub.status == 201)
            #expect(sub.sessionID == sid)
            let rec = try await SessionServerRecord.fetch(baseURL: server.baseURL, projectID: DemoServer.projectID,
                                                          chatbotID: DemoServer.chatbotID, sessionID: sid, env: Self.env)
            #expect(rec.messages.count == 2)
            #expect(rec.leads == [[LeadField(name: "name", type: "text", value: "Ada"),
                                   LeadField(name: "email", type: "email", value: "ada@example.com")]])
            await s.close()
        }
    }

    @Test func ratingIsAcceptedAndListed() async throws {
        try await DemoServer.with { server in
            let s = makeSession(server)
            let t = await s.send("Hello there")
            let sub = await s.submitRating(turnID: t.id, rating: .down, path: DemoServer.demoRatingsPath)
            #expect(sub.accepted)
            #expect(sub.rating == .down)
            await s.close()
            // Listed with the account key.
            var req = URLRequest(url: URL(string: server.baseURL + DemoServer.demoRatingsPath + "?sessionId=" + (t.sessionID ?? ""))!)
            req.setValue("Bearer " + DemoServer.accountAPIKey, forHTTPHeaderField: "Authorization")
            let (data, response) = try await URLSession.shared.data(for: req)
            #expect((response as? HTTPURLResponse)?.statusCode == 200)
            let body = String(decoding: data, as: UTF8.self)
            #expect(body.contains("\"rating\":\"down\""))
            #expect(body.contains(t.sessionID ?? "-"))
        }
    }

    @Test func noEndpointIsNotSentAndAWrongOneFailsClearly() async throws {
        try await DemoServer.with { server in
            let s = makeSession(server)
            let events = Task { () -> [WidgetSubmission] in
                var out: [WidgetSubmission] = []
                for await e in s.events { if case .submitted(let x) = e { out.append(x) } }
                return out
            }
            let none = await s.submitLead(LeadValues(email: "ada@example.com"), path: nil)
            #expect(none.outcome == .notSent(ChatSession.noEndpointReason))
            #expect(none.url == nil)
            let wrong = await s.submitRating(turnID: 1, rating: .up, path: "/v1/no-such-endpoint")
            guard case .failed(let why) = wrong.outcome else { Issue.record("expected a failure"); return }
            #expect(why.contains("404"))
            #expect(wrong.status == 404)
            await s.close()
            let seen = await events.value
            #expect(seen.count == 2)
            // The token never appears in what is recorded.
            #expect(!seen.map(\.summary).joined().contains("eyJ"))
        }
    }
}
