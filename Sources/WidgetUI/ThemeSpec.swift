// Look: theme files (the user's choice) made into a theme with the widget's colour and mode.
import Foundation
import RobofyAPI
import RobofyText

/// A theme as the user chose it: a built-in base plus overrides from a theme file.
/// Turned into a `Theme` once the widget's `theme_color` and `theme_mode` are known.
public struct ThemeSpec: Sendable, Equatable {
    public enum Base: String, Sendable, Equatable, CaseIterable {
        case `default`, highContrast = "high-contrast", monochrome
    }

    public struct StyleOverride: Sendable, Equatable {
        public var fg: ColorValue?
        public var bg: ColorValue?
        public var bold: Bool?
        public var italic: Bool?
        public var underline: Bool?
        public var dim: Bool?
        public var reverse: Bool?
        public init() {}
    }

    public enum ColorValue: Sendable, Equatable {
        case rgb(RGB)
        case accent
        case terminalDefault
    }

    public var name: String
    public var base: Base
    /// Fixes the accent instead of taking `theme_color`.
    public var accent: RGB?
    /// Fixes light or dark instead of taking `theme_mode`.
    public var dark: Bool?
    public var roles: [String: StyleOverride]
    public var source: String?

    public init(name: String = "default", base: Base = .default, accent: RGB? = nil, dark: Bool? = nil,
                roles: [String: StyleOverride] = [:], source: String? = nil) {
        self.name = name
        self.base = base
        self.accent = accent
        self.dark = dark
        self.roles = roles
        self.source = source
    }

    public static let builtin: [String: ThemeSpec] = [
        "default": ThemeSpec(name: "default"),
        "high-contrast": ThemeSpec(name: "high-contrast", base: .highContrast),
        "monochrome": ThemeSpec(name: "monochrome", base: .monochrome),
    ]

    /// The theme for a widget. `forceDark` (from --light/--dark) wins over the spec and the widget.
    public func make(widgetAccent: String, widgetDark: Bool, forceDark: Bool? = nil) -> Theme {
        let dark = forceDark ?? self.dark ?? widgetDark
        let accentRGB = accent ?? RGB(hex: widgetAccent) ?? RGB(0x25, 0x63, 0xEB)
        var t: Theme
        switch base {
        case .default: t = Theme.widget(accent: accentRGB.hex, dark: dark)
        case .highContrast: t = Theme.highContrast(dark: dark)
        case .monochrome: t = Theme.monochrome
        }
        t.name = name
        t.dark = dark
        for (role, o) in roles {
            guard var s = t[role: role] else { continue }
            func resolve(_ c: ColorValue) -> Color {
                switch c {
                case .rgb(let v): .rgb(v)
                case .accent: .rgb(accentRGB)
                case .terminalDefault: .terminalDefault
                }
            }
            if let v = o.fg { s.fg = resolve(v) }
            if let v = o.bg { s.bg = resolve(v) }
            if let v = o.bold { s.bold = v }
            if let v = o.italic { s.italic = v }
            if let v = o.underline { s.underline = v }
            if let v = o.dim { s.dim = v }
            if let v = o.reverse { s.reverse = v }
            t[role: role] = s
        }
        return t
    }
}

/// A problem in a theme file, with where it is.
public struct ThemeError: Error, Equatable, CustomStringConvertible {
    public var file: String
    public var line: Int
    public var key: String
    public var message: String
    /// File, key and message with control characters, escape sequences and bidi controls shown
    /// as `\u{1B}` (a theme file's bytes never reach the terminal raw), the key cut to 40 columns.
    public var description: String {
        let f = Self.shown(file), m = Self.shown(message)
        if line > 0 { return "\(f):\(line): \(DisplayWidth.truncate(Self.shown(key), to: 40)): \(m)" }
        return file.isEmpty ? m : "\(f): \(m)"
    }

    static func shown(_ s: String) -> String {
        var out = ""
        for u in s.unicodeScalars {
            let v = u.value
            let control = v < 0x20 || (0x7F...0x9F).contains(v) || (0x200E...0x200F).contains(v)
                || (0x202A...0x202E).contains(v) || (0x2066...0x2069).contains(v)
            if control {
                out += "\\u{" + String(v, radix: 16, uppercase: true) + "}"
            } else {
                out.unicodeScalars.append(u)
            }
        }
        return out
    }
}

/// Reads theme files: a small TOML subset (`key = value` lines, `[role]` sections,
/// strings in double quotes, booleans, `#` comments).
public enum ThemeParser {
    static let styleKeys: Set<String> = ["fg", "bg", "bold", "italic", "underline", "dim", "reverse"]
    static let topKeys: Set<String> = ["name", "extends", "accent", "dark"]

    public static func parse(_ text: String, file: String) throws(ThemeError) -> ThemeSpec {
        var spec = ThemeSpec(name: ((file as NSString).lastPathComponent as NSString).deletingPathExtension, source: file)
        var section: String?
        for (i, rawLine) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let n = i + 1
            let line = stripComment(String(rawLine)).trimmingCharacters(in: .whitespaces)
            if line.isEmpty { continue }
            if line.hasPrefix("[") {
                guard line.hasSuffix("]") else {
                    throw ThemeError(file: file, line: n, key: line, message: "a section header must end with ]")
                }
                let role = String(line.dropFirst().dropLast()).trimmingCharacters(in: .whitespaces)
                guard Theme.roleNames.contains(role) else {
                    throw ThemeError(file: file, line: n, key: role,
                                     message: "unknown role; known roles: \(Theme.roleNames.joined(separator: ", "))")
                }
                section = role
                continue
            }
            guard let eq = line.firstIndex(of: "=") else {
                throw ThemeError(file: file, line: n, key: line, message: "expected key = value")
            }
            let key = line[..<eq].trimmingCharacters(in: .whitespaces)
            let value = line[line.index(after: eq)...].trimmingCharacters(in: .whitespaces)
            if let role = section {
                guard styleKeys.contains(key) else {
                    throw ThemeError(file: file, line: n, key: key,
                                     message: "unknown key in [\(role)]; use fg, bg, bold, italic, underline, dim, reverse")
                }
                var o = spec.roles[role] ?? ThemeSpec.StyleOverride()
                switch key {
                case "fg": o.fg = try color(value, file: file, line: n, key: key)
                case "bg": o.bg = try color(value, file: file, line: n, key: key)
                case "bold": o.bold = try bool(value, file: file, line: n, key: key)
                case "italic": o.italic = try bool(value, file: file, line: n, key: key)
                case "underline": o.underline = try bool(value, file: file, line: n, key: key)
                case "dim": o.dim = try bool(value, file: file, line: n, key: key)
                default: o.reverse = try bool(value, file: file, line: n, key: key)
                }
                spec.roles[role] = o
            } else {
                switch key {
                case "name": spec.name = try string(value, file: file, line: n, key: key)
                case "extends":
                    let v = try string(value, file: file, line: n, key: key)
                    guard let b = ThemeSpec.Base(rawValue: v) else {
                        throw ThemeError(file: file, line: n, key: key,
                                         message: "\"\(v)\" is not a built-in theme (default, high-contrast, monochrome)")
                    }
                    spec.base = b
                case "accent":
                    guard case .rgb(let c) = try color(value, file: file, line: n, key: key) else {
                        throw ThemeError(file: file, line: n, key: key, message: "accent must be a #RRGGBB colour")
                    }
                    spec.accent = c
                case "dark": spec.dark = try bool(value, file: file, line: n, key: key)
                default:
                    throw ThemeError(file: file, line: n, key: key,
                                     message: "unknown key; top-level keys are name, extends, accent, dark, then [role] sections")
                }
            }
        }
        return spec
    }

    static func stripComment(_ s: String) -> String {
        var inString = false
        var out = ""
        for c in s {
            if c == "\"" { inString.toggle() }
            if c == "#" && !inString { break }
            out.append(c)
        }
        return out
    }

    static func string(_ v: String, file: String, line: Int, key: String) throws(ThemeError) -> String {
        guard v.count >= 2, v.hasPrefix("\""), v.hasSuffix("\"") else {
            throw ThemeError(file: file, line: line, key: key, message: "expected a string in double quotes, got \(v)")
        }
        return String(v.dropFirst().dropLast())
    }

    static func bool(_ v: String, file: String, line: Int, key: String) throws(ThemeError) -> Bool {
        switch v {
        case "true": return true
        case "false": return false
        default: throw ThemeError(file: file, line: line, key: key, message: "expected true or false, got \(v)")
        }
    }

    static func color(_ v: String, file: String, line: Int, key: String) throws(ThemeError) -> ThemeSpec.ColorValue {
        let s = try string(v, file: file, line: line, key: key)
        switch s.lowercased() {
        case "accent": return .accent
        case "default", "none": return .terminalDefault
        default:
            guard s.hasPrefix("#"), let c = RGB(hex: s) else {
                throw ThemeError(file: file, line: line, key: key,
                                 message: "\"\(s)\" is not a colour; use \"#RRGGBB\", \"accent\" or \"default\"")
            }
            return .rgb(c)
        }
    }
}

/// Finds a theme by name or path.
public enum ThemeLoader {
    /// Folders searched for `NAME.toml`, in order: the user's config, then `./themes`.
    public static func searchPaths(env: [String: String]) -> [String] {
        var paths: [String] = []
        if let x = env["XDG_CONFIG_HOME"], !x.isEmpty {
            paths.append((x as NSString).appendingPathComponent("robofy-tui/themes"))
        } else if let home = env["HOME"], !home.isEmpty {
            paths.append((home as NSString).appendingPathComponent(".config/robofy-tui/themes"))
        }
        paths.append((FileManager.default.currentDirectoryPath as NSString).appendingPathComponent("themes"))
        return paths
    }

    /// A built-in name, a file path, or a name found in the search paths.
    public static func load(_ nameOrPath: String?, env: [String: String] = ProcessInfo.processInfo.environment) throws -> ThemeSpec {
        guard let name = nameOrPath, !name.isEmpty else { return ThemeSpec() }
        /// Bounded (`LocalFile.Limit.theme`): a theme named /dev/zero cannot fill memory.
        func read(_ path: String) throws(ThemeError) -> ThemeSpec {
            let data: Data
            do { data = try LocalFile.read(path, limit: LocalFile.Limit.theme, what: "theme file") } catch {
                throw ThemeError(file: "", line: 0, key: "", message: "\(error)")
            }
            return try ThemeParser.parse(String(decoding: data, as: UTF8.self), file: path)
        }
        if name.contains("/") || name.hasSuffix(".toml") {
            return try read(name)
        }
        for dir in searchPaths(env: env) {
            let path = (dir as NSString).appendingPathComponent(name + ".toml")
            if FileManager.default.fileExists(atPath: path) { return try read(path) }
        }
        if let b = ThemeSpec.builtin[name] { return b }
        throw ThemeError(file: name, line: 0, key: "",
                         message: "no such theme. Built in: default, high-contrast, monochrome; or put NAME.toml in \(searchPaths(env: env).joined(separator: " or "))")
    }
}
