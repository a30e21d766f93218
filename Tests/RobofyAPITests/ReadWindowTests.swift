import DemoServer
import Foundation
import Testing
@testable import RobofyAPI

/// A client with a read window (`RobofyClient.readWindow`, the UI's) reads an answer that
/// trickles in once per window, not once per packet, and loses nothing by it; an answer that
/// comes fast is not held; and without a window nothing is ever held.
@Suite(.timeLimit(.minutes(2))) struct ReadWindowTests {
    struct Read {
        var batches = 0, text = 0, holds = 0
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
                while let batch = try await it.nextBatch() {
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

    /// 40 deltas 20 ms apart (0.8 s), read with a window of 0.2 s: about five reads. The bound
    /// is loose (half the deltas), so that a slow machine that stretches the answer passes;
    /// read packet by packet, the answer comes in about 40 batches.
    @Test func aTrickleIsReadOncePerWindowAndWhole() async throws {
        try await DemoServer.with(Self.server(pace: 20)) { server in
            let r = await Self.read(server, query: "/bench 2048 40", window: 0.2)
            #expect(r.error == nil, "\(String(describing: r.error))")
            #expect(r.text == 2048)
            #expect(r.finished, "the answer's finish chunk was not read")
            #expect(r.holds >= 2, "no read was held (\(r.holds))")
            #expect(r.batches <= 20, "\(r.batches) batches for 40 deltas: the reads were not held")
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
}
