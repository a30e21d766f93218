import Foundation
import RobofyAPI

/// `--baseline results.json`: what changed since an earlier run's `--json` results —
/// turns whose expectations now fail (or now pass), tools called that changed, and
/// the time to the first text (p95 per agent) worse than `threshold` times before.
public enum Baseline {
    public struct Change: Sendable, Equatable {
        public var regression: Bool
        public var text: String
    }

    static func key(_ r: RunReport, _ t: TurnResult) -> String { "\(r.suiteName) turn \(t.index)" }

    public static func compare(_ now: [RunReport], baseline: [RunReport], threshold: Double) -> [Change] {
        var before: [String: TurnResult] = [:]
        for r in baseline { for t in r.results { before[key(r, t)] = t } }
        var out: [Change] = []
        for r in now {
            for t in r.results {
                let k = SuiteReport.line(key(r, t))
                guard let old = before[key(r, t)] else { continue }
                if old.passed, !t.passed {
                    out.append(Change(regression: true, text: "\(k): passed, now fails (\(SuiteReport.line(t.failures.first ?? "failed")))"))
                } else if !old.passed, t.passed {
                    out.append(Change(regression: false, text: "\(k): failed, now passes"))
                }
                let oldTools = old.turn.map { $0.tools.map(\.name) } ?? []
                let newTools = t.turn.map { $0.tools.map(\.name) } ?? []
                if old.turn != nil, t.turn != nil, oldTools != newTools {
                    let show = { (names: [String]) in names.isEmpty ? "none" : SuiteReport.line(names.joined(separator: ", ")) }
                    out.append(Change(regression: true, text: "\(k): tools \(show(oldTools)) → \(show(newTools))"))
                }
            }
        }
        let was = p95ByAgent(baseline), now95 = p95ByAgent(now)
        for agent in now95.keys.sorted() {
            guard let a = was[agent], let b = now95[agent], a > 0, b > a * threshold else { continue }
            out.append(Change(regression: true, text: String(format: "%@: first text p95 %.2f s → %.2f s (%.1fx, over %@x)",
                                                             SuiteReport.line(agent), a, b, b / a, JSONValue.number(threshold).compactText)))
        }
        return out
    }

    static func p95ByAgent(_ reports: [RunReport]) -> [String: Double] {
        var values: [String: [Double]] = [:]
        for r in reports { for t in r.results { if let f = t.turn?.timing.firstText { values[t.agent, default: []].append(f) } } }
        return values.mapValues { SuiteReport.percentile($0, 95) }
    }

    /// The diff printed after the summary.
    public static func text(_ changes: [Change], baselinePath: String) -> String {
        let path = SuiteReport.line(baselinePath)
        guard !changes.isEmpty else { return "Baseline \(path): no change.\n" }
        let n = changes.filter(\.regression).count
        var out = "Baseline \(path): \(n) regression\(n == 1 ? "" : "s"), \(changes.count - n) improvement\(changes.count - n == 1 ? "" : "s")\n"
        for c in changes { out += (c.regression ? "  ✗ " : "  ✓ ") + c.text + "\n" }
        return out
    }

    /// A `baseline` test suite for the JUnit file: one test case, failed when something regressed.
    public static func report(_ changes: [Change], baselinePath: String) -> RunReport {
        let regressions = changes.filter(\.regression).map(\.text)
        return RunReport(suiteName: "baseline", file: baselinePath, target: "", startedAt: Date(), seconds: 0, results: [
            TurnResult(index: 1, send: "", name: "baseline", agent: "", turn: nil, failures: regressions, isError: false, seconds: 0),
        ])
    }
}
