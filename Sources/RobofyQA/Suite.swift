import DemoServer
import Foundation
import RobofyAPI
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The script files a suite names: files as given, folders searched recursively for
/// `*.yaml`, `*.yml` and `*.json`, and shell-style globs (`scripts/*.yaml`).
public enum SuiteFiles {
    static let extensions = [".yaml", ".yml", ".json"]

    /// The files, in the order given (a folder's and a glob's files sorted), each once.
    public static func expand(_ arguments: [String]) throws(ScriptError) -> [String] {
        var out: [String] = []
        var seen: Set<String> = []
        func add(_ p: String) {
            if seen.insert(p).inserted { out.append(p) }
        }
        for arg in arguments {
            var isDir: ObjCBool = false
            if FileManager.default.fileExists(atPath: arg, isDirectory: &isDir) {
                if isDir.boolValue {
                    let found = scripts(under: arg)
                    if found.isEmpty { throw ScriptError("\(arg): the folder holds no .yaml, .yml or .json script") }
                    found.forEach(add)
                } else {
                    add(arg)
                }
            } else if arg.contains(where: { "*?[".contains($0) }) {
                let found = glob(arg)
                if found.isEmpty { throw ScriptError("\(arg): no file matches") }
                for p in found {
                    var d: ObjCBool = false
                    if FileManager.default.fileExists(atPath: p, isDirectory: &d), d.boolValue {
                        scripts(under: p).forEach(add)
                    } else {
                        add(p)
                    }
                }
            } else {
                add(arg)  // missing: reported by the loader, with the others' results
            }
        }
        return out
    }

    static func isScript(_ name: String) -> Bool {
        let lower = name.lowercased()
        return extensions.contains { lower.hasSuffix($0) }
    }

    static func scripts(under dir: String) -> [String] {
        guard let e = FileManager.default.enumerator(atPath: dir) else { return [] }
        var out: [String] = []
        while let rel = e.nextObject() as? String {
            if isScript(rel) {
                let p = dir.hasSuffix("/") ? dir + rel : dir + "/" + rel
                var d: ObjCBool = false
                if FileManager.default.fileExists(atPath: p, isDirectory: &d), !d.boolValue { out.append(p) }
            }
        }
        return out.sorted()
    }

    static func glob(_ pattern: String) -> [String] {
        var g = glob_t()
        defer { globfree(&g) }
        guard Glibc.glob(pattern, 0, nil, &g) == 0 else { return [] }
        var out: [String] = []
        for i in 0..<Int(g.gl_pathc) {
            if let p = g.gl_pathv[i] { out.append(String(cString: p)) }
        }
        return out.sorted()
    }

    /// The files of shard `index` (1-based) of `count`: stable by a hash of each path,
    /// so every shard of a CI matrix picks its own files without talking to the others.
    public static func shard(_ files: [String], index: Int, count: Int) -> [String] {
        files.filter { Int(fnv1a($0) % UInt64(count)) == index - 1 }
    }

    static func fnv1a(_ s: String) -> UInt64 { FNV1a.hash(s) }

    /// `weather` for `tests/weather.yaml`.
    public static func suiteName(for path: String) -> String {
        let base = (path as NSString).lastPathComponent
        for ext in extensions where base.lowercased().hasSuffix(ext) {
            return String(base.dropLast(ext.count))
        }
        return base
    }
}

/// One script of a suite: loaded, or the reason it could not be.
public struct SuiteItem: Sendable {
    public var path: String
    public var script: Result<Script, ScriptError>
    public init(path: String, script: Result<Script, ScriptError>) {
        self.path = path
        self.script = script
    }

    public var suiteName: String {
        if case .success(let s) = script, let name = s.name { return name }
        return SuiteFiles.suiteName(for: path)
    }
}

/// Runs many scripts, at most `jobs` at a time; each script has its own session and
/// sends its turns in order. Demo-target scripts without faults share one embedded
/// demo server (a script with `fault` gets a server of its own: faults are server-wide).
public enum SuiteRunner {
    public static func run(_ items: [SuiteItem], options: RunOptions, jobs: Int,
                           onTurn: @escaping @Sendable (Int, TurnResult) -> Void = { _, _ in },
                           onFinish: @escaping @Sendable (Int, RunReport) -> Void = { _, _ in }) async -> [RunReport] {
        var shared: DemoServer?
        let needsShared = items.contains { item in
            guard case .success(let s) = item.script else { return false }
            return (options.target ?? s.target) == .demo && s.fault == nil
        }
        var sharedProblem: String?
        if needsShared {
            var o = DemoServerOptions()
            if let pace = options.demoPaceMs { o.defaultDeltaDelayMs = pace }
            o.hostile = items.contains { if case .success(let s) = $0.script { s.usesHostileAgent } else { false } }
            do { shared = try await DemoServer.start(o) } catch { sharedProblem = "the demo server could not start: \(error)" }
        }
        let sharedServer = shared
        let problem = sharedProblem
        var reports = [RunReport?](repeating: nil, count: items.count)
        await withTaskGroup(of: (Int, RunReport).self) { group in
            var next = 0
            func startNext() {
                guard next < items.count else { return }
                let i = next
                next += 1
                let item = items[i]
                group.addTask {
                    let report = await runOne(item, options: options, shared: sharedServer, sharedProblem: problem) {
                        onTurn(i, $0)
                    }
                    return (i, report)
                }
            }
            for _ in 0..<max(1, jobs) { startNext() }
            while let (i, report) = await group.next() {
                reports[i] = report
                onFinish(i, report)
                startNext()
            }
        }
        await sharedServer?.stop()
        return reports.enumerated().map { i, r in
            r ?? JUnitReport.brokenScript(suiteName: items[i].suiteName, message: "not run")
        }
    }

    static func runOne(_ item: SuiteItem, options: RunOptions, shared: DemoServer?, sharedProblem: String?,
                       progress: @escaping @Sendable (TurnResult) -> Void) async -> RunReport {
        var report: RunReport
        switch item.script {
        case .failure(let e):
            report = JUnitReport.brokenScript(suiteName: item.suiteName, message: e.description)
        case .success(let script):
            if let sharedProblem, script.fault == nil, (options.target ?? script.target) == .demo {
                report = JUnitReport.brokenScript(suiteName: item.suiteName, message: sharedProblem)
            } else {
                do {
                    report = try await ScriptRunner.run(script, suiteName: item.suiteName, options: options,
                                                        sharedDemo: shared, progress: progress)
                } catch {
                    report = JUnitReport.brokenScript(suiteName: item.suiteName, message: error.description)
                }
            }
        }
        report.file = item.path
        return report
    }
}
