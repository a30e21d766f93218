import Foundation

/// Golden files: expected output kept in the repository. With `UPDATE_GOLDENS=1` in the
/// environment a check rewrites the file and still reports a failure — a recording run
/// never passes; review the diff, then run again without it.
public enum GoldenFile {
    /// Whether this run records (rewrites) golden files.
    public static var recording: Bool { ProcessInfo.processInfo.environment["UPDATE_GOLDENS"] == "1" }

    /// Compares `actual` with the file at `url`, or rewrites the file when `record` is set.
    /// Returns the failure to report, or nil when the file holds exactly `actual` and
    /// nothing was recorded.
    public static func check(_ actual: String, _ url: URL, record: Bool = recording) throws -> String? {
        let file = url.lastPathComponent
        if record {
            try Data(actual.utf8).write(to: url)
            return "\(file) rewritten (UPDATE_GOLDENS=1): review the diff and run the tests again without it."
        }
        let expected = try String(contentsOf: url, encoding: .utf8)
        guard expected != actual else { return nil }
        let e = expected.split(separator: "\n", omittingEmptySubsequences: false)
        let a = actual.split(separator: "\n", omittingEmptySubsequences: false)
        let first = zip(e, a).enumerated().first { $0.element.0 != $0.element.1 }
        return """
            \(file) differs (first at line \((first?.offset ?? min(e.count, a.count)) + 1)):
            expected: \(first.map { String($0.element.0) } ?? "<\(e.count) lines>")
            actual:   \(first.map { String($0.element.1) } ?? "<\(a.count) lines>")
            Run with UPDATE_GOLDENS=1 if the change is intended.
            """
    }
}
