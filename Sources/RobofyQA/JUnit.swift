import Foundation
import WidgetUI
import RobofyText

/// JUnit XML for CI: one `<testsuite>`, one `<testcase>` per turn, `<failure>` for an
/// answer that missed its expectations, `<error>` when the turn could not run.
public enum JUnitReport {
    public static func xml(_ report: RunReport) -> String { xml([report]) }

    /// One `<testsuite>` per report (per script of a suite), in the order given.
    /// Every text from the server is sanitized (no terminal escapes, C1 or bidi
    /// controls) and escaped for XML.
    public static func xml(_ reports: [RunReport], extraProperties: [(String, String)] = []) -> String {
        let tests = reports.reduce(0) { $0 + $1.results.count }
        let failures = reports.reduce(0) { $0 + $1.failed }
        let errors = reports.reduce(0) { $0 + $1.errors }
        let total = reports.reduce(0.0) { $0 + $1.seconds }
        var out = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
        out += "<testsuites name=\"robofy-tui\" tests=\"\(tests)\" failures=\"\(failures)\" errors=\"\(errors)\" time=\"\(secs(total))\">\n"
        for report in reports { out += suite(report, extraProperties: extraProperties) }
        out += "</testsuites>\n"
        return out
    }

    static func suite(_ report: RunReport, extraProperties: [(String, String)]) -> String {
        let stamp: String = {
            let f = ISO8601DateFormatter()
            f.formatOptions = [.withInternetDateTime]
            return f.string(from: report.startedAt)
        }()
        let counts = "tests=\"\(report.results.count)\" failures=\"\(report.failed)\" errors=\"\(report.errors)\""
        var out = "  <testsuite name=\"\(attr(report.suiteName))\" \(counts) skipped=\"0\" time=\"\(secs(report.seconds))\" timestamp=\"\(stamp)\">\n"
        out += "    <properties>\n"
        out += "      <property name=\"target\" value=\"\(attr(report.target))\"/>\n"
        if let file = report.file { out += "      <property name=\"file\" value=\"\(attr(file))\"/>\n" }
        for (k, v) in extraProperties { out += "      <property name=\"\(attr(k))\" value=\"\(attr(v))\"/>\n" }
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
                if let f = t.finishReason { info += "\nfinish_reason: \(line(f))" }
                if !t.tools.isEmpty { info += "\ntools: " + t.tools.map { line($0.name) }.joined(separator: ", ") }
                if let sid = t.sessionID { info += "\nsession: \(line(sid))" }
                for e in t.errors { info += "\nerror: \(line(e))" }
                info += "\nanswer:\n" + Sanitizer.clean(t.answer)
                body += "      <system-out>\(text(info))</system-out>\n"
            }
            out += body.isEmpty ? head + "/>\n" : head + ">\n" + body + "    </testcase>\n"
        }
        out += "  </testsuite>\n"
        return out
    }

    static func line(_ s: String) -> String { Sanitizer.clean(s, allowNewlines: false) }

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
        let s = Sanitizer.clean(s)
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
