import DemoServer
import Foundation
import RobofyAPI
import Testing

/// A task that prefers the client's `EventLoopTaskExecutor` runs on the loop that reads the
/// client's responses: after each wait, whoever resumed it, and inside the actors it calls.
@Suite("Event-loop task executor")
struct EventLoopExecutorTests {
    actor Probe {
        func onLoop(_ e: EventLoopTaskExecutor) -> Bool { e.loop.inEventLoop }
    }

    @Test func aTaskThatPrefersTheLoopComesBackToItAfterEachWait() async {
        let client = RobofyClient(target: RobofyTarget(baseURL: "http://127.0.0.1:9", projectID: "p", chatbotID: "c"))
        let exec = client.executor
        #expect(!exec.loop.inEventLoop, "the test itself is not on the loop")
        let seen: [Bool] = await Task(executorPreference: exec) {
            var seen = [exec.loop.inEventLoop]
            // Resumed from a thread of Dispatch's own.
            await withCheckedContinuation { (c: CheckedContinuation<Void, Never>) in
                DispatchQueue.global().async { c.resume() }
            }
            seen.append(exec.loop.inEventLoop)
            try? await Task.sleep(for: .milliseconds(1))
            seen.append(exec.loop.inEventLoop)
            // A default actor called from the task runs there too.
            seen.append(await Probe().onLoop(exec))
            return seen
        }.value
        #expect(seen == [true, true, true, true])
        // Without the preference, the same work runs off the loop.
        #expect(await Task { await Probe().onLoop(exec) }.value == false)
        await client.shutdown()
    }

    /// An answer read by such a task: each chunk is handed over on the loop that read it, and
    /// the answer is whole.
    @Test func anAnswerIsReadOnTheClientsLoop() async throws {
        var o = DemoServerOptions()
        o.defaultDeltaDelayMs = 0
        try await DemoServer.with(o) { server in
            let client = RobofyClient(target: RobofyTarget(baseURL: server.baseURL, projectID: DemoServer.projectID,
                                                           chatbotID: DemoServer.chatbotID))
            let exec = client.executor
            let result: Result<(Int, Int, Int), any Error> = await Task(executorPreference: exec) {
                do {
                    let h = try await client.handshake()
                    let (_, stream) = try await client.send(ChatRequest(query: "/bench 4096 200", chatbotID: DemoServer.chatbotID),
                                                            token: h.token)
                    var chunks = 0, onLoop = 0, bytes = 0
                    for try await e in stream {
                        chunks += 1
                        if exec.loop.inEventLoop { onLoop += 1 }
                        for one in e.events { if case .textDelta(_, let d) = one.chunk { bytes += d.utf8.count } }
                    }
                    return .success((chunks, onLoop, bytes))
                } catch {
                    return .failure(error)
                }
            }.value
            await client.shutdown()
            let (chunks, onLoop, bytes) = try result.get()
            #expect(chunks > 0)
            #expect(onLoop == chunks, "\(chunks - onLoop) of \(chunks) chunks were handed over off the loop")
            #expect(bytes == 4096)
        }
    }
}
