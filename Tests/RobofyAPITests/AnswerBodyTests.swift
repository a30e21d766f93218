import Foundation
import Testing
import TestSupport
@testable import RobofyAPI

/// The streaming answer's request and body as the client reads them: a head that never comes
/// has its own timeout, and a reader that stops early or is cancelled closes the connection
/// (a server holding an answer open is not left streaming into a socket nobody reads).
@Suite(.timeLimit(.minutes(2))) struct AnswerBodyTests {
    static let sseHead = "HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nConnection: close\r\n\r\n"
    static func delta(_ text: String) -> String { "data: {\"type\":\"text-delta\",\"id\":\"0\",\"delta\":\"\(text)\"}\n\n" }

    static func client(_ server: HostileServer, timeouts: RobofyTimeouts = .init()) -> RobofyClient {
        RobofyClient(target: RobofyTarget(baseURL: server.baseURL, projectID: "p", chatbotID: "c"), timeouts: timeouts)
    }

    @Test func aHeadThatNeverComesEndsWithTheResponseTimeout() async throws {
        let server = try HostileServer { _ in .hang }
        defer { server.stop() }
        let client = Self.client(server, timeouts: RobofyTimeouts(response: 0.5, stall: 60))
        // Which timeout ended the wait is in the error (the response's 0.5 s, not the stall's
        // 60 s); the time it took is not asserted (a loaded CI machine took 11 s once).
        do {
            _ = try await client.send(ChatRequest(query: "hi", chatbotID: "c"), token: "t")
            Issue.record("an answer came")
        } catch {
            guard case .timedOut(let what, let seconds) = error else { Issue.record("\(error)"); return }
            #expect(seconds == 0.5)
            #expect(what.hasPrefix("Waiting for"), "\(what)")
            #expect(error.userMessage.contains("0.5 s"), "\(error.userMessage)")
        }
        await client.shutdown()
    }

    @Test func aReaderThatStopsEarlyClosesTheConnection() async throws {
        let server = try HostileServer { _ in .holdAfter(Self.sseHead + Self.delta("Hello") + Self.delta(" there")) }
        defer { server.stop() }
        let client = Self.client(server)
        do {
            let (info, stream) = try await client.send(ChatRequest(query: "hi", chatbotID: "c"), token: "t")
            #expect(info.status == 200 && info.streaming)
            var it = stream.makeBatchIterator()
            let first = try await it.nextBatch()
            #expect(first?.isEmpty == false)
            // The answer has not ended (the server holds it open): the reader stops here.
        }
        #expect(await eventually { server.closedByClient == 1 }, "the connection was left open")
        await client.shutdown()
    }

    @Test func cancellingTheReaderEndsItAndTheConnection() async throws {
        let server = try HostileServer { _ in .holdAfter(Self.sseHead + Self.delta("Hello")) }
        defer { server.stop() }
        let client = Self.client(server)
        let (_, stream) = try await client.send(ChatRequest(query: "hi", chatbotID: "c"), token: "t")
        let (firstRead, read) = AsyncStream.makeStream(of: Void.self)
        let reader = Task { () async -> RobofyError? in
            var it = stream.makeBatchIterator()
            do throws(RobofyError) {
                while try await it.nextBatch() != nil { read.yield() }
                return nil
            } catch {
                return error
            }
        }
        // Cancelled while it waits for more (the server holds the answer open).
        for await _ in firstRead { break }
        reader.cancel()
        let error = await reader.value
        #expect(error == .cancelled)
        #expect(await eventually { server.closedByClient == 1 }, "the connection was left open")
        await client.shutdown()
    }
}
