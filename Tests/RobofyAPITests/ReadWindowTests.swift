import DemoServer
import Foundation
import NIOCore
import NIOPosix
import Testing
@testable import RobofyAPI

/// A client with a read window (`RobofyClient.readWindow`, the UI's) reads an answer that
/// trickles in once per window, not once per packet, and loses nothing by it; an answer that
/// comes fast is not held; and without a window nothing is ever held.
@Suite(.timeLimit(.minutes(2))) struct ReadWindowTests {
    struct Read {
        var batches = 0, text = 0, holds = 0
        /// From the first batch to the end of the answer, in seconds.
        var seconds = 0.0
        var finished = false
        var error: RobofyError?
    }

    /// Reads `query` as a turn reads it (on the client's loop, batch by batch).
    static func read(_ server: DemoServer, query: String, window: Double) async -> Read {
        let client = RobofyClient(target: RobofyTarget(baseURL: server.baseURL, projectID: DemoServer.projectID,
                                                       chatbotID: DemoServer.chatbotID), readWindow: window)
        let exec = client.executor
        let r: Read = await Task(executorPreference: exec) {
            var r = Read()
            do throws(RobofyError) {
                let h = try await client.handshake()
                let (_, stream) = try await client.send(ChatRequest(query: query, chatbotID: DemoServer.chatbotID), token: h.token)
                var it = stream.makeBatchIterator()
                var first: ContinuousClock.Instant?
                while let batch = try await it.nextBatch() {
                    if first == nil { first = .now }
                    r.batches += 1
                    for e in batch {
                        for one in e.events {
                            switch one.chunk {
                            case .textDelta(_, let d): r.text += d.utf8.count
                            case .finish: r.finished = true
                            default: break
                            }
                        }
                    }
                }
                r.seconds = first.map { (ContinuousClock.now - $0) / .seconds(1) } ?? 0
                r.holds = stream.reads?.holds.load(ordering: .relaxed) ?? -1
            } catch {
                r.error = error
            }
            return r
        }.value
        await client.shutdown()
        return r
    }

    static func server(pace: Int) throws -> DemoServerOptions {
        var o = DemoServerOptions()
        o.faults = try DemoFaults(spec: "pace=\(pace)")
        return o
    }

    /// A trickle is handed to its reader on a steady clock, once a window: a window after the
    /// last hand-over, not a window after the part that began the hold (that drifted by up to a
    /// part's interval each time: parts 0.9 windows apart were handed on about 1.8 windows apart).
    /// The parts are appended as AsyncHTTPClient reads them: each once it is ready and the last
    /// one's future has completed.
    @Test func aTrickleIsHandedOnOnceAWindowOnASteadyClock() async throws {
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        let loop = group.next()
        let queue = ResponseBodyQueue(window: .milliseconds(100))
        let parts = 20, every = TimeAmount.milliseconds(90)
        final class Producer: @unchecked Sendable {  // only the loop touches it
            var next = 0
            var appending = false
            /// When each held read was let go (its future completed after `append` returned).
            var released: [NIODeadline] = []
            let start = NIODeadline.now()
        }
        let p = Producer()
        @Sendable func pump() {
            guard p.next < parts else { return queue.finish(nil) }
            let ready = p.start + every * Int64(p.next)
            guard NIODeadline.now() >= ready else {
                loop.scheduleTask(deadline: ready) { pump() }
                return
            }
            p.next += 1
            p.appending = true
            queue.append(ByteBuffer(string: "x"), on: loop).whenSuccess {
                if !p.appending { p.released.append(.now()) }
                pump()
            }
            p.appending = false
        }
        loop.execute { pump() }
        // Read on the loop (as a turn reads), so that a busy machine's task pool does not hold it up.
        let bytes = try await Task(executorPreference: EventLoopTaskExecutor(loop)) { () async throws -> Int in
            var bytes = 0
            while let b = try await queue.next() { bytes += b.readableBytes }
            return bytes
        }.value
        let released = try await loop.submit { p.released }.get()
        try await group.shutdownGracefully()
        #expect(bytes == parts)
        // The held reads were let go a window apart, on average (not a window after each part
        // that began a hold: about 0.18 s apart).
        try #require(released.count >= 5, "\(released.count) held reads")
        let mean = Double((released[released.count - 1] - released[0]).nanoseconds) / 1e9 / Double(released.count - 1)
        #expect(mean < 0.13, "held reads let go \(mean) s apart on average, for a 0.1 s window")
        #expect(queue.holds.load(ordering: .relaxed) == released.count)
    }

    /// 40 deltas 20 ms apart (0.8 s), read with a window of 0.2 s: about five reads, at most one
    /// batch a window (and the first, before any hold) however long a loaded machine stretches
    /// the answer. Read packet by packet, it comes in about 40 batches, one every 20 ms.
    @Test func aTrickleIsReadOncePerWindowAndWhole() async throws {
        try await DemoServer.with(Self.server(pace: 20)) { server in
            let r = await Self.read(server, query: "/bench 2048 40", window: 0.2)
            #expect(r.error == nil, "\(String(describing: r.error))")
            #expect(r.text == 2048)
            #expect(r.finished, "the answer's finish chunk was not read")
            #expect(r.holds >= 2, "no read was held (\(r.holds))")
            let most = Int(r.seconds / 0.2) + 2
            #expect(r.batches <= most, "\(r.batches) batches in \(r.seconds) s: the reads were not held")
        }
    }

    /// An answer that comes as fast as the server can write it (1 MiB in 8,000 deltas) is held
    /// only while its rate is not known yet (its first windows), then read as it comes.
    @Test func aFastAnswerIsNotHeld() async throws {
        try await DemoServer.with(Self.server(pace: 0)) { server in
            let r = await Self.read(server, query: "/bench 1048576 8000", window: 0.2)
            #expect(r.error == nil, "\(String(describing: r.error))")
            #expect(r.text == 1_048_576)
            #expect(r.finished)
            #expect(r.holds <= 4, "a fast answer's reads were held \(r.holds) times")
        }
    }

    /// Without a window (line mode, `run`), no read is held.
    @Test func withoutAWindowNothingIsHeld() async throws {
        try await DemoServer.with(Self.server(pace: 20)) { server in
            let r = await Self.read(server, query: "/bench 1024 20", window: 0)
            #expect(r.error == nil, "\(String(describing: r.error))")
            #expect(r.text == 1024)
            #expect(r.finished)
            #expect(r.holds == 0)
        }
    }

    /// A request on a client already shut down never reaches the delegate: it fails at once
    /// instead of waiting for a head (the suite's time limit ends a wait).
    @Test func aRequestOnAClientShutDownFails() async throws {
        let client = RobofyClient(target: RobofyTarget(baseURL: "http://127.0.0.1:9", projectID: "p", chatbotID: "c"),
                                  timeouts: RobofyTimeouts(response: 600, stall: 600), readWindow: 0.04)
        await client.shutdown()
        do {
            _ = try await client.send(ChatRequest(query: "hi", chatbotID: "c"), token: "t")
            Issue.record("an answer came")
        } catch {
            #expect(error != .cancelled, "\(error)")
            #expect(!error.userMessage.isEmpty)
        }
    }
}
