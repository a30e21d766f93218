import Foundation
import RobofyAPI
import RobofySession
import WidgetUI
import RobofyText

extension RunReport {
    /// True for the stand-in report of a script that could not be read or started.
    public var couldNotRun: Bool { results.count == 1 && results[0].index == 0 && results[0].isError }
}

/// What a suite prints at the end, and the results file that `report merge` joins.
public enum SuiteReport {
    /// 0 every turn passed, 1 a turn failed, 2 a script could not be used.
    public static func exitCode(_ reports: [RunReport]) -> Int32 {
        if reports.contains(where: \.couldNotRun) { return 2 }
        return reports.allSatisfy(\.passed) ? 0 : 1
    }

    /// One row per script, then the totals.
    public static func table(_ reports: [RunReport], wallSeconds: Double?) -> String {
        let names = reports.map { line($0.file ?? $0.suiteName) }
        let width = min(60, max(6, names.map(\.count).max() ?? 6))
        func cell(_ s: String, _ w: Int) -> String {
            let c = s.count > w ? String(s.prefix(w - 1)) + "…" : s
            return c + String(repeating: " ", count: max(0, w - c.count))
        }
        func num(_ s: String, _ w: Int) -> String { String(repeating: " ", count: max(0, w - s.count)) + s }
        var out = cell("Script", width) + "  " + num("Turns", 5) + "  " + num("Passed", 6) + "  " + num("Failed", 6)
            + "  " + num("Seconds", 7) + "\n"
        for (r, name) in zip(reports, names) {
            let ok = r.results.filter(\.passed).count
            let mark = r.couldNotRun ? "!" : (r.passed ? "✓" : "✗")
            out += cell(name, width) + "  " + num(r.couldNotRun ? "–" : "\(r.results.count)", 5) + "  "
                + num(r.couldNotRun ? "–" : "\(ok)", 6) + "  " + num(r.couldNotRun ? "–" : "\(r.results.count - ok)", 6)
                + "  " + num(String(format: "%.2f", r.seconds), 7) + "  " + mark + "\n"
        }
        out += totals(reports, wallSeconds: wallSeconds) + "\n"
        return out
    }

    public static func totals(_ reports: [RunReport], wallSeconds: Double?) -> String {
        let ran = reports.filter { !$0.couldNotRun }
        let turns = ran.reduce(0) { $0 + $1.results.count }
        let failed = ran.reduce(0) { $0 + $1.results.filter { !$0.passed }.count }
        let failedScripts = ran.filter { !$0.passed }.count
        let broken = reports.count - ran.count
        var s = "\(reports.count) script\(reports.count == 1 ? "" : "s"), \(turns) turn\(turns == 1 ? "" : "s"): "
        s += failed == 0 ? "all passed" : "\(failed) failed (in \(failedScripts) script\(failedScripts == 1 ? "" : "s"))"
        if broken > 0 { s += "; \(broken) script\(broken == 1 ? "" : "s") could not run" }
        if let wallSeconds { s += String(format: " (%.1f s)", wallSeconds) }
        return s + "."
    }

    /// Latency per agent: first byte, first text and duration, p50 / p95 / max.
    public static func latency(_ reports: [RunReport]) -> String {
        var byAgent: [String: [TurnTiming]] = [:]
        for r in reports {
            for t in r.results { if let turn = t.turn { byAgent[turn.agentID, default: []].append(turn.timing) } }
        }
        guard !byAgent.isEmpty else { return "" }
        let agents = byAgent.keys.sorted()
        let width = min(30, max(11, agents.map { line($0).count }.max() ?? 11))
        func pad(_ s: String) -> String { s.count >= width ? String(s.prefix(width)) : s + String(repeating: " ", count: width - s.count) }
        var out = pad("Latency (s)") + "  turns  first byte p50/p95/max   first text p50/p95/max   duration p50/p95/max\n"
        for a in agents {
            let ts = byAgent[a] ?? []
            func trio(_ values: [Double]) -> String {
                guard !values.isEmpty else { return "–" }
                return [percentile(values, 50), percentile(values, 95), values.max() ?? 0]
                    .map { String(format: "%.2f", $0) }.joined(separator: "/")
            }
            func col(_ s: String) -> String { s + String(repeating: " ", count: max(1, 25 - s.count)) }
            let count: String = String(format: "%5d", ts.count)
            let firstByte: String = col(trio(ts.compactMap { $0.firstByte }))
            let firstText: String = col(trio(ts.compactMap { $0.firstText }))
            let duration: String = trio(ts.compactMap { $0.duration })
            out += pad(line(a)) + "  " + count + "  " + firstByte + firstText + duration + "\n"
        }
        return out
    }

    /// p95 of first text over every turn (nil when no turn had text).
    public static func p95FirstText(_ reports: [RunReport]) -> Double? {
        let v = reports.flatMap { $0.results.compactMap { $0.turn?.timing.firstText } }
        return v.isEmpty ? nil : percentile(v, 95)
    }

    /// Nearest-rank percentile.
    public static func percentile(_ values: [Double], _ p: Double) -> Double {
        let sorted = values.sorted()
        guard !sorted.isEmpty else { return 0 }
        let rank = Int((p / 100 * Double(sorted.count)).rounded(.up))
        return sorted[min(sorted.count - 1, max(0, rank - 1))]
    }

    static func line(_ s: String) -> String { Sanitizer.clean(s, allowNewlines: false) }

    // MARK: Results file

    struct File: Codable {
        var robofyResults: Int  // the format's version
        var wallSeconds: Double?
        var reports: [RunReport]
    }

    /// The results file (`run --json`): every script's report with every turn's figures.
    public static func json(_ reports: [RunReport], wallSeconds: Double?) -> Data {
        let e = JSONEncoder()
        e.outputFormatting = [.prettyPrinted, .sortedKeys]
        e.dateEncodingStrategy = .iso8601
        guard let data = try? e.encode(File(robofyResults: 1, wallSeconds: wallSeconds, reports: reports)) else { return Data() }
        // The answers as the server sent them, but no C1 control or bidi override raw in the
        // file (JSONEncoder leaves them as they are): printed on a terminal, it stays inert.
        return Data(TranscriptStore.escapeInvisibleControls(String(decoding: data, as: UTF8.self)).utf8)
    }

    /// Reads a results file written by `run --json`.
    public static func read(path: String) throws(ScriptError) -> [RunReport] {
        let data: Data
        do {
            data = try LocalFile.read(path, limit: LocalFile.Limit.transcript, what: "results file")
        } catch let f as LocalFile.Failure {
            throw ScriptError(f.description)
        } catch {
            throw ScriptError("\(error)")
        }
        let d = JSONDecoder()
        d.dateDecodingStrategy = .iso8601
        do {
            return try d.decode(File.self, from: data).reports
        } catch {
            throw ScriptError("\(path): not a results file written by `robofy-tui run --json` (\(error.localizedDescription))")
        }
    }
}
