import Foundation
import RobofyAPI

/// `vars:` and `${NAME}` substitution: a script's strings may name a variable from its
/// `vars:` mapping or, failing that, from the environment. `$${` writes a literal `${`.
enum ScriptVars {
    static func apply(_ root: JSONValue, environment: [String: String]) throws(ScriptError) -> JSONValue {
        guard case .object(var o) = root else { return root }
        var vars: [String: String] = [:]
        if let v = o["vars"], !v.isNull {
            guard case .object(let m) = v else { throw ScriptError("vars: must be a mapping of names to texts") }
            for (k, value) in m {
                switch value {
                case .string(let s): vars[k] = s
                case .number, .bool: vars[k] = value.compactText
                default: throw ScriptError("vars.\(k): must be text, not \(value.typeName)")
                }
            }
        }
        o["vars"] = nil
        func lookup(_ name: String) -> String? { vars[name] ?? environment[name] }
        for (k, v) in o { o[k] = try substitute(v, path: k, lookup) }
        return .object(o)
    }

    static func substitute(_ v: JSONValue, path: String, _ lookup: (String) -> String?) throws(ScriptError) -> JSONValue {
        switch v {
        case .string(let s): return .string(try expand(s, path: path, lookup))
        case .array(let items):
            var out: [JSONValue] = []
            for (i, item) in items.enumerated() { out.append(try substitute(item, path: "\(path)[\(i + 1)]", lookup)) }
            return .array(out)
        case .object(let m):
            var out: JSONObject = [:]
            for (k, item) in m { out[k] = try substitute(item, path: "\(path).\(k)", lookup) }
            return .object(out)
        default: return v
        }
    }

    static func expand(_ s: String, path: String, _ lookup: (String) -> String?) throws(ScriptError) -> String {
        guard s.contains("${") else { return s }
        var out = ""
        var rest = Substring(s)
        while let r = rest.range(of: "${") {
            if r.lowerBound > rest.startIndex, rest[rest.index(before: r.lowerBound)] == "$" {
                out += rest[..<rest.index(before: r.lowerBound)] + "${"
                rest = rest[r.upperBound...]
                continue
            }
            out += rest[..<r.lowerBound]
            guard let close = rest[r.upperBound...].firstIndex(of: "}") else {
                throw ScriptError("\(path): '${' without a closing '}'")
            }
            let name = String(rest[r.upperBound..<close])
            guard let value = lookup(name) else {
                throw ScriptError("\(path): ${\(name)} is not set (add it under vars: or to the environment)")
            }
            out += value
            rest = rest[rest.index(after: close)...]
        }
        return out + rest
    }
}
