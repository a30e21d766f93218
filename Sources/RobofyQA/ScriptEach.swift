import Foundation
import RobofyAPI

/// `each:` runs one script over a list of inputs, each input its own test case (own
/// session, own JUnit entry). The inputs are a list written in the script, or a file:
/// a CSV with a header row, or a YAML/JSON list. A text input is `${item}`; a row or
/// mapping gives `${item.column}` (and `${item}` is its `name` column, if any). The
/// values join the script's `vars:`, so the one `${…}` substitution fills them in.
public enum ScriptEach {
    /// The most inputs one `each:` may list.
    public static let maxItems = 10_000

    public struct Case: Sendable {
        public var name: String
        public var vars: [String: String]
    }

    /// Reads a script file; one script, or one per `each:` input.
    public static func loadAll(path: String) throws(ScriptError) -> [Script] {
        let text = try readText(path, what: "script")
        let root = try Script.tree(text, fileName: path)
        let base = (path as NSString).deletingLastPathComponent
        return try expand(root, defaultName: SuiteFiles.suiteName(for: path), baseDir: base.isEmpty ? "." : base)
    }

    /// The scripts of a tree: itself, or one per `each:` input named `name[3]` or `name[row name]`.
    public static func expand(_ root: JSONValue, defaultName: String, baseDir: String) throws(ScriptError) -> [Script] {
        guard case .object(var o) = root, let each = o["each"] else { return [try Script.from(root)] }
        o["each"] = nil
        let cases = try inputs(each, baseDir: baseDir)
        guard !cases.isEmpty else { throw ScriptError("each: the list of inputs is empty") }
        var base: JSONObject = [:]
        if let v = o["vars"], !v.isNull {
            guard case .object(let m) = v else { throw ScriptError("vars: must be a mapping of names to texts") }
            base = m
        }
        let title: String = if case .string(let n)? = o["name"] { n } else { defaultName }
        var out: [Script] = []
        for c in cases {
            var vars = base
            for (k, v) in c.vars { vars[k] = .string(v) }
            var tree = o
            tree["vars"] = .object(vars)
            var script: Script
            do {
                script = try Script.from(.object(tree))
            } catch {
                throw ScriptError("each[\(c.name)]: \(error.description)")
            }
            script.name = "\(title)[\(c.name)]"
            out.append(script)
        }
        return out
    }

    static func inputs(_ v: JSONValue, baseDir: String) throws(ScriptError) -> [Case] {
        switch v {
        case .array(let items):
            return try cases(items, path: "each")
        case .string(let file):
            return try fileInputs(file, baseDir: baseDir)
        case .object(let m):
            guard m.count == 1, case .string(let file)? = m["file"] else {
                throw ScriptError("each: must be a list of inputs, or {file: inputs.csv} (a CSV with a header row, or a YAML/JSON list)")
            }
            return try fileInputs(file, baseDir: baseDir)
        default:
            throw ScriptError("each: must be a list of inputs or a file name, not \(v.typeName)")
        }
    }

    static func fileInputs(_ file: String, baseDir: String) throws(ScriptError) -> [Case] {
        let path = file.hasPrefix("/") ? file : baseDir + "/" + file
        let text = try readText(path, what: "each: input file")
        if file.lowercased().hasSuffix(".csv") {
            do { return try csvCases(text) } catch { throw ScriptError("each: \(file): \(error.description)") }
        }
        let tree: JSONValue
        do { tree = try Script.tree(text, fileName: file) } catch { throw ScriptError("each: \(file): \(error.description)") }
        guard case .array(let items) = tree else { throw ScriptError("each: \(file): must hold a list of inputs") }
        return try cases(items, path: "each: \(file)")
    }

    static func cases(_ items: [JSONValue], path: String) throws(ScriptError) -> [Case] {
        guard items.count <= maxItems else { throw ScriptError("\(path): more than \(maxItems) inputs") }
        var out: [Case] = []
        for (i, item) in items.enumerated() {
            let where_ = "\(path)[\(i + 1)]"
            switch item {
            case .string, .number, .bool:
                out.append(Case(name: "\(i + 1)", vars: ["item": text(item)]))
            case .object(let m):
                var vars: [String: String] = [:]
                for (k, v) in m {
                    switch v {
                    case .string, .number, .bool: vars["item.\(k)"] = text(v)
                    case .null: vars["item.\(k)"] = ""
                    default: throw ScriptError("\(where_).\(k): must be text, not \(v.typeName)")
                    }
                }
                out.append(named(vars, index: i + 1))
            default:
                throw ScriptError("\(where_): must be text or a mapping, not \(item.typeName)")
            }
        }
        return out
    }

    static func text(_ v: JSONValue) -> String {
        if case .string(let s) = v { return s }
        return v.compactText
    }

    static func named(_ vars: [String: String], index: Int) -> Case {
        var vars = vars
        let name = vars["item.name"].flatMap { $0.isEmpty ? nil : $0 }
        if let name, vars["item"] == nil { vars["item"] = name }
        return Case(name: name ?? "\(index)", vars: vars)
    }

    /// CSV (RFC 4180: quoted fields may hold commas, quotes as `""` and line breaks); the
    /// first row names the columns.
    static func csvCases(_ text: String) throws(ScriptError) -> [Case] {
        let rows = try csvRows(text)
        guard let header = rows.first else { throw ScriptError("the file is empty (it needs a header row)") }
        let columns = header.map { $0.trimmingCharacters(in: .whitespaces) }
        if let bad = columns.first(where: { $0.isEmpty || $0.contains("}") }) {
            throw ScriptError("the header row names a column '\(bad)': name every column (no '}')")
        }
        let body = rows.dropFirst().filter { !($0.count == 1 && $0[0].isEmpty) }
        guard body.count <= maxItems else { throw ScriptError("more than \(maxItems) rows") }
        var out: [Case] = []
        for (i, row) in body.enumerated() {
            guard row.count == columns.count else {
                throw ScriptError("row \(i + 2) has \(row.count) fields, the header \(columns.count)")
            }
            var vars: [String: String] = [:]
            for (c, v) in zip(columns, row) { vars["item.\(c)"] = v }
            out.append(named(vars, index: i + 1))
        }
        return out
    }

    static func csvRows(_ text: String) throws(ScriptError) -> [[String]] {
        var rows: [[String]] = []
        var row: [String] = []
        var field = ""
        var quoted = false
        var chars = Array(text.replacingOccurrences(of: "\r\n", with: "\n"))
        if chars.first == "\u{FEFF}" { chars.removeFirst() }
        var i = 0
        while i < chars.count {
            let ch = chars[i]
            if quoted {
                if ch == "\"" {
                    if i + 1 < chars.count, chars[i + 1] == "\"" { field.append("\""); i += 1 } else { quoted = false }
                } else {
                    field.append(ch)
                }
            } else if ch == "\"" && field.isEmpty {
                quoted = true
            } else if ch == "," {
                row.append(field); field = ""
            } else if ch == "\n" {
                row.append(field); field = ""
                rows.append(row); row = []
            } else {
                field.append(ch)
            }
            i += 1
        }
        if quoted { throw ScriptError("a quoted field has no closing quote") }
        if !field.isEmpty || !row.isEmpty { row.append(field); rows.append(row) }
        return rows
    }

    static func readText(_ path: String, what: String) throws(ScriptError) -> String {
        let data: Data
        do {
            data = try LocalFile.read(path, limit: LocalFile.Limit.script, what: what)
        } catch let failure as LocalFile.Failure {
            throw ScriptError(failure.description)
        } catch {
            throw ScriptError("\(error)")
        }
        guard let text = String(data: data, encoding: .utf8) else { throw ScriptError("\(path): not UTF-8 text") }
        return text
    }
}
