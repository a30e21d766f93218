import DemoServer
import Foundation
import RobofyAPI
import Testing

/// `demo --handshake FILE` (issue 11 item 12): the served handshake's own agents can be chatted
/// with; the demo agents' scripts answer for them. Real HTTP over loopback.
@Suite struct DemoOverrideTests {
    static let fixture = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("Fixtures/handshake.json")
    static let fixtureAgent = "UOmfsaU_vRhAfIwDFrFLoXZUz9nHBAkDNkDygeBCjw"

    @Test func handshakeAndChatWithTheFileAgents() async throws {
        var o = DemoServerOptions()
        o.handshakeOverride = Array(try Data(contentsOf: Self.fixture))
        o.defaultDeltaDelayMs = 0
        try await DemoServer.with(o) { server in
            let client = RobofyClient(target: RobofyTarget(baseURL: server.baseURL, projectID: DemoServer.projectID,
                                                           chatbotID: Self.fixtureAgent))
            do {
                // Asked for the file's own agent, the handshake answers with the file.
                let h = try await client.handshake()
                #expect(h.agents.map(\.chatbotID) == [Self.fixtureAgent])
                #expect(h.widget.header.title == "Hello there 👋")
                var text = ""
                let (info, stream) = try await client.send(ChatRequest(query: "hello", chatbotID: Self.fixtureAgent),
                                                           token: h.token)
                #expect(info.status == 200)
                for try await e in stream {
                    if case .textDelta(_, let d) = e.chunk { text += d }
                }
                #expect(!text.isEmpty, "the demo script answers for the file's agent")
            } catch {
                Issue.record("\(error)")
            }
            await client.shutdown()
        }
    }

    @Test func unknownAgentsStillGetA404() async throws {
        var o = DemoServerOptions()
        o.handshakeOverride = Array(try Data(contentsOf: Self.fixture))
        try await DemoServer.with(o) { server in
            let client = RobofyClient(target: RobofyTarget(baseURL: server.baseURL, projectID: DemoServer.projectID,
                                                           chatbotID: "nobody"))
            await #expect(throws: RobofyError.self) { _ = try await client.handshake() }
            await client.shutdown()
        }
    }
}
