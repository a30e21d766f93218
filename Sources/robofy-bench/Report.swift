import Foundation

/// One measured figure: what it is, its value, the target it is held to and how to reproduce it.
struct Figure: Sendable {
    /// Stable key for the JSON (e.g. "decode.4k").
    var key: String
    var name: String
    var value: Double
    var unit: String
    /// The target, as text ("≤ 3× curl"), or nil when the figure is informational.
    var target: String?
    /// Whether the target is met; nil when there is no target.
    var pass: Bool?
    /// The command that measures this figure again.
    var command: String
    /// Extra facts (samples, counts, the comparison figure…).
    var detail: [String: String] = [:]

    var formattedValue: String {
        Self.format(value, unit: unit)
    }

    static func format(_ v: Double, unit: String) -> String {
        let number: String
        if v.isNaN { return "n/a" }
        let a = abs(v)
        if a >= 1000 { number = String(format: "%.0f", v) }
        else if a >= 100 { number = String(format: "%.1f", v) }
        else if a >= 10 { number = String(format: "%.2f", v) }
        else if a >= 0.1 { number = String(format: "%.3f", v) }
        else { number = String(format: "%.4f", v) }
        return unit.isEmpty ? number : "\(number) \(unit)"
    }
}

/// Collects figures, prints the table and writes the JSON file.
final class Report: @unchecked Sendable {
    private(set) var figures: [Figure] = []
    private(set) var notes: [String] = []
    let lock = NSLock()

    func add(_ f: Figure) {
        lock.lock()
        figures.append(f)
        lock.unlock()
        let verdict = f.pass.map { $0 ? "pass" : "MISS" } ?? "-"
        log("  \(f.name): \(f.formattedValue)  [\(f.target ?? "no target")] \(verdict)")
    }

    func note(_ text: String) {
        lock.lock()
        notes.append(text)
        lock.unlock()
    }

    func table() -> String {
        let header = ["Figure", "Value", "Target", "Result", "Reproduce"]
        var rows: [[String]] = [header]
        for f in figures {
            rows.append([f.name, f.formattedValue, f.target ?? "—",
                         f.pass.map { $0 ? "pass" : "MISS" } ?? "—", f.command])
        }
        var widths = [Int](repeating: 0, count: header.count)
        for r in rows { for (i, c) in r.enumerated() { widths[i] = max(widths[i], c.count) } }
        func line(_ r: [String]) -> String {
            "| " + r.enumerated().map { i, c in c + String(repeating: " ", count: widths[i] - c.count) }
                .joined(separator: " | ") + " |"
        }
        var out = [line(rows[0]), "|" + widths.map { String(repeating: "-", count: $0 + 2) }.joined(separator: "|") + "|"]
        for r in rows.dropFirst() { out.append(line(r)) }
        return out.joined(separator: "\n")
    }

    func json(environment: [String: String]) -> Data {
        var figs: [[String: Any]] = []
        for f in figures {
            var d: [String: Any] = [
                "key": f.key, "name": f.name, "value": f.value.isNaN ? NSNull() : f.value as Any, "unit": f.unit,
                "command": f.command,
            ]
            d["target"] = f.target ?? NSNull()
            d["pass"] = f.pass.map { $0 as Any } ?? NSNull()
            if !f.detail.isEmpty { d["detail"] = f.detail }
            figs.append(d)
        }
        let root: [String: Any] = ["figures": figs, "notes": notes, "environment": environment]
        return (try? JSONSerialization.data(withJSONObject: root, options: [.prettyPrinted, .sortedKeys])) ?? Data()
    }
}

/// Progress goes to stderr so that stdout holds only the table.
func log(_ text: String) {
    FileHandle.standardError.write(Data((text + "\n").utf8))
}

// MARK: - Timing helpers

extension Duration {
    var seconds: Double {
        self / .seconds(1)
    }
}

func median(_ xs: [Double]) -> Double {
    guard !xs.isEmpty else { return .nan }
    let s = xs.sorted()
    return s.count % 2 == 1 ? s[s.count / 2] : (s[s.count / 2 - 1] + s[s.count / 2]) / 2
}

/// Runs `body` `runs` times and returns each run's wall time in seconds.
func timeRuns(_ runs: Int, _ body: () -> Void) -> [Double] {
    let clock = ContinuousClock()
    var out: [Double] = []
    out.reserveCapacity(runs)
    for _ in 0..<runs {
        let t = clock.measure(body)
        out.append(t.seconds)
    }
    return out
}

/// Keeps a value alive so the optimizer cannot drop the work that produced it.
@inline(never)
func blackHole<T>(_ x: T) {
    withExtendedLifetime(x) {}
}

/// 10000 → "10,000".
func grouped(_ n: Int) -> String {
    let s = String(n)
    var out = ""
    for (i, c) in s.enumerated() {
        if i > 0 && (s.count - i) % 3 == 0 { out.append(",") }
        out.append(c)
    }
    return out
}
