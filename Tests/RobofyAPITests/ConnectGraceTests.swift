import AsyncHTTPClient
import Foundation
import NIOCore
import Synchronization
import Testing
import TestSupport
@testable import RobofyAPI

/// A refused connection is tried again for a short while (a server still starting), then
/// reported; nothing else is tried again here.
@Suite(.timeLimit(.minutes(2))) struct ConnectGraceTests {
    struct Other: Error {}

    /// `robofy-tui serve --port 8787 &` and then a command at once: the command's first
    /// attempts are refused, and it reaches the server when it starts listening.
    @Test func aServerThatStartsListeningLateIsReached() async throws {
        let server = try HostileServer(listening: false) { _ in .holdAfter(AnswerBodyTests.sseHead + AnswerBodyTests.delta("Hello")) }
        defer { server.stop() }
        let client = RobofyClient(target: RobofyTarget(baseURL: server.baseURL, projectID: "p", chatbotID: "c"))
        await AnswerBodyTests.using(client) {
            let sending = Task { try await client.send(ChatRequest(query: "hi", chatbotID: "c"), token: "t") }
            // (The late start is the case under test, not a wait for something to happen; on a
            // thread of its own, as a server's start is not held up by this process's tasks.)
            Thread {
                usleep(300_000)
                server.startListening()
            }.start()
            let (info, stream) = try await sending.value
            #expect(info.status == 200)
            var it = stream.makeBatchIterator()
            #expect(try await it.nextBatch()?.isEmpty == false)
        }
    }

    /// What AsyncHTTPClient throws for a port nobody listens on is recognised as refused.
    @Test func aRefusedConnectionIsRecognised() async throws {
        let closed = try ClosedPort()
        defer { withExtendedLifetime(closed) {} }
        var config = HTTPClient.Configuration()
        config.connectionPool.retryConnectionEstablishment = false
        let http = HTTPClient(eventLoopGroup: HTTPClient.defaultEventLoopGroup, configuration: config)
        // By address (one connection error), and by host name (NIO's, one failure per address).
        for url in [closed.url, closed.url.replacingOccurrences(of: "127.0.0.1", with: "localhost")] {
            do {
                _ = try await http.execute(HTTPClientRequest(url: url), timeout: .seconds(30))
                Issue.record("a closed port answered")
            } catch {
                #expect(ConnectGrace.isRefused(error), "\(error)")
            }
        }
        try await http.shutdown()
        #expect(!ConnectGrace.isRefused(Other()))
        #expect(!ConnectGrace.isRefused(HTTPClientError.connectTimeout))
    }

    @Test func refusedIsTriedAgainWithinTheGraceAndNothingElseIs() async throws {
        let refused = IOError(errnoCode: ECONNREFUSED, reason: "connect")
        // Refused twice, then it answers. (A grace far longer than the two waits: with every suite
        // running alongside, this task once waited over 10 s to be resumed after one of them.)
        let calls = Atomic<Int>(0)
        let v = try await ConnectGrace.run(grace: 100) { () async throws -> Int in
            let n = calls.add(1, ordering: .relaxed).newValue
            if n < 3 { throw refused }
            return n
        }
        #expect(v == 3)
        // Refused for longer than the grace: tried more than once, then reported as refused.
        let always = Atomic<Int>(0)
        await #expect(throws: IOError.self) {
            _ = try await ConnectGrace.run(grace: 1) { () async throws -> Int in
                always.add(1, ordering: .relaxed)
                throw refused
            }
        }
        #expect(always.load(ordering: .relaxed) > 1)
        // Another failure is not tried again.
        let other = Atomic<Int>(0)
        await #expect(throws: Other.self) {
            _ = try await ConnectGrace.run(grace: 10) { () async throws -> Int in
                other.add(1, ordering: .relaxed)
                throw Other()
            }
        }
        #expect(other.load(ordering: .relaxed) == 1)
        // No grace (a connect timeout of 0): refused once, reported at once.
        #expect(ConnectGrace.seconds(connect: 0) == 0 && ConnectGrace.seconds(connect: .nan) == 0)
        #expect(ConnectGrace.seconds(connect: 60) == 2 && ConnectGrace.seconds(connect: 0.5) == 0.5)
    }
}
