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
            #expect(await limiter.retryAfterWaits >= 1, "another job waited for the Retry-After")
        }
    }

    @Test func rateTextsAreChecked() {
        #expect(RateLimiter(rate: 0).rate == nil)
        #expect(RateLimiter(rate: .infinity).rate == nil)
        #expect(RateLimiter(rate: 5).rate == 5)
    }
}
