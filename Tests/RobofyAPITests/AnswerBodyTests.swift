import Foundation
import NIOPosix
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

    /// A head that never comes ends with the shorter of the response timeout ("Waiting for …")
    /// and the stall timeout (a stall, as AsyncHTTPClient's read timeout once said).
    @Test(arguments: [(response: 0.5, stall: 60.0), (response: 60.0, stall: 0.5)])
    func aHeadThatNeverComesEndsWithTheShorterTimeout(_ t: (response: Double, stall: Double)) async throws {
        let server = try HostileServer { _ in .hang }
        defer { server.stop() }
        let client = Self.client(server, timeouts: RobofyTimeouts(response: t.response, stall: t.stall))
        // Which timeout ended the wait is in the error (0.5 s, not 60 s); the time it took is
        // not asserted (a loaded CI machine took 11 s once).
        do {
            _ = try await client.send(ChatRequest(query: "hi", chatbotID: "c"), token: "t")
            Issue.record("an answer came")
        } catch {
            if t.stall < t.response {
                #expect(error == .stalled(seconds: 0.5), "\(error)")
            } else {
                guard case .timedOut(let what, let seconds) = error else { Issue.record("\(error)"); return }
                #expect(seconds == 0.5)
                #expect(what.hasPrefix("Waiting for"), "\(what)")
            }
            #expect(error.userMessage.contains("0.5 s"), "\(error.userMessage)")
        }
        await client.shutdown()
    }

    @Test func aReaderThatStopsEarlyClosesTheConnection() async throws {
        let server = try HostileServer { _ in .holdAfter(Self.sseHead + Self.delta("Hello") + Self.delta(" there")) }
        defer { server.stop() }
        let client = Self.client(server)
        await Self.using(client) {
            do {
                let (info, stream) = try await client.send(ChatRequest(query: "hi", chatbotID: "c"), token: "t")
                #expect(info.status == 200 && info.streaming)
                var it = stream.makeBatchIterator()
                let first = try await it.nextBatch()
                #expect(first?.isEmpty == false)
                // The answer has not ended (the server holds it open): the reader stops here.
            }
            #expect(await eventually { server.closedByClient == 1 }, "the connection was left open")
        }
    }

    @Test func cancellingTheReaderEndsItAndTheConnection() async throws {
        let server = try HostileServer { _ in .holdAfter(Self.sseHead + Self.delta("Hello")) }
        defer { server.stop() }
        let client = Self.client(server)
        await Self.using(client) {
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
        }
    }

    /// A client dropped without `shutdown()` (a caller that threw on the way) shuts itself
    /// down: its connections are closed, even one whose answer is still held and unfinished.
    /// (AsyncHTTPClient's own check stopped the whole test process in a debug build; a release
    /// build left the connection open.)
    @Test func aClientDroppedWithoutShutdownClosesItsConnections() async throws {
        let server = try HostileServer { _ in .holdAfter(Self.sseHead + Self.delta("Hello")) }
        defer { server.stop() }
        var kept: ChunkStream?
        do {
            let client = Self.client(server)
            let (_, stream) = try await client.send(ChatRequest(query: "hi", chatbotID: "c"), token: "t")
            var it = stream.makeBatchIterator()
            _ = try await it.nextBatch()
            kept = stream
            // The client is dropped here; its answer's stream is not.
        }
        #expect(await eventually { server.closedByClient == 1 }, "the connection was left open")
        withExtendedLifetime(kept) {}
    }

    // MARK: Stall timeout (`StallWatch`)

    /// A JSON answer whose body falls silent half way is ended by the stall timeout.
    @Test(arguments: [true, false])
    func aJSONBodyThatFallsSilentStallsTheRequest(streaming: Bool) async throws {
        let head = "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 200\r\n\r\n"
        let server = try HostileServer { _ in .holdAfter(head + "{\"answer\": \"Hel") }
        defer { server.stop() }
        var target = RobofyTarget(baseURL: server.baseURL, projectID: "p", chatbotID: "c")
        target.streaming = streaming
        // The stall timeout bounds the wait for the head too: long enough for a loaded machine
        // to connect and answer (with 0.5 s, a request once gave up before its connection was
        // made, and the connection, made after, stayed in the pool).
        let client = RobofyClient(target: target, timeouts: RobofyTimeouts(response: 60, stall: 6))
        do {
            _ = try await client.send(ChatRequest(query: "hi", chatbotID: "c"), token: "t")
            Issue.record("an answer came")
        } catch {
            #expect(error == .stalled(seconds: 6), "\(error)")
        }
        #expect(await eventually { server.closedByClient == 1 }, "the connection was left open")
        await client.shutdown()
    }

    /// A stream read with its watch started ends with `.stalled` once silent for the timeout,
    /// after the events that came before it.
    @Test func aWatchedStreamThatFallsSilentStalls() async throws {
        let server = try HostileServer { _ in .holdAfter(Self.sseHead + Self.delta("Hello")) }
        defer { server.stop() }
        // The timeout bounds the wait for the head too: long enough for a loaded machine to
        // answer (0.5 s was not, once, and the request itself stalled).
        let client = Self.client(server, timeouts: RobofyTimeouts(stall: 6))
        await Self.using(client) {
            let (_, stream) = try await client.send(ChatRequest(query: "hi", chatbotID: "c"), token: "t")
            let watch = try #require(stream.stallWatch)
            let reader = Task { () async -> (Int, RobofyError?) in
                var it = stream.makeBatchIterator()
                var events = 0
                do throws(RobofyError) {
                    while let batch = try await it.nextBatch() { events += batch.count }
                    return (events, nil)
                } catch {
                    return (events, error)
                }
            }
            watch.start { reader.cancel() }
            let (events, error) = await reader.value
            #expect(events == 1)
            #expect(error == .stalled(seconds: 6))
            #expect(watch.stalled)
            #expect(await eventually { server.closedByClient == 1 }, "the connection was left open")
        }
    }

    /// Runs `body`, records what it throws, and shuts the client down either way (a client
    /// dropped without it stops the test process).
    static func using(_ client: RobofyClient, _ body: () async throws -> Void) async {
        do { try await body() } catch { Issue.record("\(error)") }
        await client.shutdown()
    }

    /// The watch measures the silence since the last read, not since it started: reads closer
    /// together than the timeout keep a body going for several times its length. Then the
    /// silence is a stall, found no sooner than the timeout after the last read, and once.
    @Test func readsCloserThanTheTimeoutNeverStall() async throws {
        let client = RobofyClient(target: RobofyTarget(baseURL: "http://127.0.0.1:9", projectID: "p", chatbotID: "c"))
        let watch = StallWatch(seconds: 1.5, loop: client.executor.loop)
        let (stalls, stalled) = AsyncStream.makeStream(of: ContinuousClock.Instant.self)
        watch.start { stalled.yield(.now) }
        // 2.5 s of reads 25 ms apart, from a thread of their own (not the tasks' pool, which
        // other tests can keep busy). Whether it had stalled is read right after the last read,
        // on that thread (the test's task may resume much later on a busy machine).
        let (reads, readsDone) = AsyncStream.makeStream(of: (stalled: Bool, at: ContinuousClock.Instant).self)
        Thread {
            for _ in 0..<100 {
                usleep(25_000)
                watch.touch()
            }
            readsDone.yield((watch.stalled, .now))
            readsDone.finish()
        }.start()
        var lastRead: (stalled: Bool, at: ContinuousClock.Instant)?
        for await r in reads { lastRead = r }
        let last = try #require(lastRead)
        #expect(!last.stalled)
        // Then silence: one stall, no sooner than the timeout after the last read.
        var seen: [ContinuousClock.Instant] = []
        for await at in stalls {
            seen.append(at)
            if seen.count == 1 { Task { try? await Task.sleep(for: .seconds(2)); stalled.finish() } }
        }
        #expect(seen.count == 1)
        if let at = seen.first { #expect(at - last.at >= .milliseconds(1400), "\(at - last.at)") }
        #expect(watch.stalled)
        watch.stop()
        await client.shutdown()
    }

    /// A stopped watch reports nothing, however long the silence.
    @Test func aStoppedWatchNeverStalls() async throws {
        let client = RobofyClient(target: RobofyTarget(baseURL: "http://127.0.0.1:9", projectID: "p", chatbotID: "c"))
        let watch = StallWatch(seconds: 0.2, loop: client.executor.loop)
        let calls = CallCounter()
        watch.start { calls.add() }
        watch.stop()
        #expect(await !eventually(timeout: 0.8) { calls.value > 0 || watch.stalled })
        await client.shutdown()
    }

    /// A timer that fires late (the process was stopped, or its loop held up) gives the body a
    /// new window from then, instead of a stall the reader had no time to prevent.
    @Test func aLateTimerGivesANewWindow() async throws {
        // A loop of its own: holding up a loop of the shared group stalled other tests' clients
        // (a connect timed out, a head was waited for too long).
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        let loop = group.next()
        let watch = StallWatch(seconds: 0.4, loop: loop)
        let (stalls, stalled) = AsyncStream.makeStream(of: ContinuousClock.Instant.self)
        let start = ContinuousClock.now
        watch.start { stalled.yield(.now) }
        // The loop is held up for 1.2 s: the timer due at 0.4 s fires at 1.2 s.
        loop.execute { usleep(1_200_000) }
        var first: ContinuousClock.Instant?
        for await at in stalls {
            first = at
            break
        }
        // A new window of 0.4 s from 1.2 s: the stall comes at 1.6 s, not at 1.2 s.
        let at = try #require(first)
        #expect(at - start >= .milliseconds(1500), "\(at - start)")
        watch.stop()
        try await group.shutdownGracefully()
    }
}

/// A counter shared with a closure that runs on another thread.
final class CallCounter: @unchecked Sendable {
    private let lock = NSLock()
    private var n = 0
    var value: Int { lock.lock(); defer { lock.unlock() }; return n }
    func add() { lock.lock(); n += 1; lock.unlock() }
}
