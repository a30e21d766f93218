import DemoServer
import Foundation
import Testing
@testable import RobofyQA

/// One limiter for the suite: a 429 with Retry-After seen by one job holds every job to that target.
@Suite struct RateLimitTests {
    @Test func a429HoldsEveryJobToTheTargetAndTheSuiteStillPasses() async throws {
        try await withDemoServer(faults: "429=1") { server in
            let target = Script.Target.service(.init(baseURL: server.baseURL, projectID: DemoServer.projectID,
                                                     chatbotID: DemoServer.chatbotID))
            let items = (1...6).map { i in
                SuiteItem(path: "s\(i).yaml", script: .success(Script(name: "s\(i)", target: target, turns: [
                    ScriptTurn(send: "hello", expect: .init(contains: ["Nova"])),
                    ScriptTurn(send: "hello again", expect: .init(contains: ["Nova"])),
                ])))
            }
            var options = RunOptions()
            let limiter = RateLimiter()
            options.limiter = limiter
            let reports = await SuiteRunner.run(items, options: options, jobs: 3)
            let failures = reports.flatMap { $0.results.flatMap(\.failures) }
            #expect(failures.isEmpty, "\(failures)")
            #expect(reports.allSatisfy { $0.results.count == 2 })
            #expect(await limiter.rateLimited == 1, "the server answered 429 once")
            // Whether another job reached the limiter inside the hold depends on the machine's speed:
            // that part is proved below without a race.
        }
    }

    /// After a 429 with Retry-After on one target, the next turn to that target waits; another target does not.
    @Test func aHoldMakesTheNextTurnToThatTargetWait() async {
        let limiter = RateLimiter()
        await limiter.rateLimited("a", seconds: 2)
        await limiter.beforeTurn("b")
        #expect(await limiter.retryAfterWaits == 0, "another target is not held")
        await limiter.beforeTurn("a")
        #expect(await limiter.retryAfterWaits == 1, "the held target waited for the Retry-After")
        #expect(await limiter.rateLimited == 1)
    }

    @Test func rateTextsAreChecked() {
        #expect(RateLimiter(rate: 0).rate == nil)
        #expect(RateLimiter(rate: .infinity).rate == nil)
        #expect(RateLimiter(rate: 5).rate == 5)
    }
}
