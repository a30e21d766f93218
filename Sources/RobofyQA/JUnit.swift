import Foundation

/// JUnit XML for CI: one `<testsuite>`, one `<testcase>` per turn, `<failure>` for an
/// answer that missed its expectations, `<error>` when the turn could not run.
public enum JUnitReport {
    public static func xml(_ report: RunReport) -> String {
        let stamp: String = {
            let f = ISO8601DateFormatter()
            f.formatOptions = [.withInternetDateTime]
            return f.string(from: report.startedAt)
        }()
        var out = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
        let counts = "tests=\"\(report.results.count)\" failures=\"\(report.failed)\" errors=\"\(report.errors)\""
        out += "<testsuites name=\"robofy-tui\" \(counts) time=\"\(secs(report.seconds))\">\n"
        out += "  <testsuite name=\"\(attr(report.suiteName))\" \(counts) skipped=\"0\" time=\"\(secs(report.seconds))\" timestamp=\"\(stamp)\">\n"
        out += "    <properties>\n"
        out += "      <property name=\"target\" value=\"\(attr(report.target))\"/>\n"
        out += "    </properties>\n"
        for r in report.results {
            let head = "    <testcase name=\"\(attr(r.title))\" classname=\"\(attr(report.suiteName))\" time=\"\(secs(r.seconds))\""
            var body = ""
            if !r.passed {
                let tag = r.isError ? "error" : "failure"
                let type = r.isError ? "error" : "expectation"
                let message = r.failures.first ?? "failed"
                body += "      <\(tag) message=\"\(attr(message))\" type=\"\(type)\">\(text(r.failures.joined(separator: "\n")))</\(tag)>\n"
            }
            if let t = r.turn {
                var info = "status: \(t.status.rawValue)"
                if let f = t.finishReason { info += "\nfinish_reason: \(f)" }
                if !t.tools.isEmpty { info += "\ntools: " + t.tools.map(\.name).joined(separator: ", ") }
                if let sid = t.sessionID { info += "\nsession: \(sid)" }
                for e in t.errors { info += "\nerror: \(e)" }
                info += "\nanswer:\n" + t.answer
                body += "      <system-out>\(text(info))</system-out>\n"
            }
            out += body.isEmpty ? head + "/>\n" : head + ">\n" + body + "    </testcase>\n"
        }
        out += "  </testsuite>\n</testsuites>\n"
        return out
    }

    /// A report for a script that could not be read: one errored test case.
    public static func brokenScript(suiteName: String, message: String) -> RunReport {
        RunReport(suiteName: suiteName, target: "", startedAt: Date(), seconds: 0, results: [
            TurnResult(index: 0, send: "", name: "load the script", agent: "", turn: nil, failures: [message],
                       isError: true, seconds: 0),
        ])
    }

    static func secs(_ s: Double) -> String { String(format: "%.3f", s) }

    /// Text content: escaped, and without characters XML 1.0 cannot hold.
    static func text(_ s: String) -> String {
        var out = ""
        out.reserveCapacity(s.utf8.count)
        for u in s.unicodeScalars {
            switch u {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            default:
                let v = u.value
                let allowed = v == 0x9 || v == 0xA || v == 0xD || (0x20...0xD7FF).contains(v)
                    || (0xE000...0xFFFD).contains(v) || (0x10000...0x10FFFF).contains(v)
                if allowed { out.unicodeScalars.append(u) } else { out += "\u{FFFD}" }
            }
        }
        return out
    }

    static func attr(_ s: String) -> String {
        text(s).replacingOccurrences(of: "\"", with: "&quot;").replacingOccurrences(of: "\n", with: "&#10;")
            .replacingOccurrences(of: "\t", with: "&#9;").replacingOccurrences(of: "\r", with: "&#13;")
    }
}
