/// The few keys a user may remap in the configuration file (`[keys]` in config.toml):
/// each action has a default key; a binding makes another key do it. The new key wins over
/// whatever it did before; the default key keeps working unless another binding takes it.
public struct KeyRemap: Sendable, Equatable {
    public struct Action: Sendable, Equatable {
        public var name: String
        public var defaultKey: Key
        public var help: String
    }

    /// The remappable actions, by their name in `[keys]`.
    public static let actions: [Action] = [
        Action(name: "quit", defaultKey: .ctrl("q"), help: "quit (F10 always works)"),
        Action(name: "newline", defaultKey: .newline, help: "a new line in the message (Ctrl-J)"),
        Action(name: "reasoning", defaultKey: .ctrl("t"), help: "show/fold reasoning (Ctrl-T)"),
        Action(name: "save_transcript", defaultKey: .ctrl("s"), help: "download the transcript (Ctrl-S; F5 always works)"),
        Action(name: "reconnect", defaultKey: .ctrl("r"), help: "reconnect (Ctrl-R; F6 always works)"),
        Action(name: "reset", defaultKey: .ctrl("x"), help: "reset the chat (Ctrl-X; F3 always works)"),
        Action(name: "compose", defaultKey: .ctrl("g"), help: "write the message in $EDITOR (Ctrl-G)"),
        Action(name: "details", defaultKey: .ctrl("p"), help: "show times and turn details (Ctrl-P)"),
    ]

    public struct Binding: Sendable, Equatable {
        public var action: String
        public var spec: String
        public var key: Key
        public var line: Int
    }

    public private(set) var bindings: [Binding] = []

    public init() {}

    public struct Failure: Error, Sendable, Equatable, CustomStringConvertible {
        public var description: String
    }

    /// Adds `action = "spec"`; refuses unknown actions, unknown keys and keys the terminal
    /// cannot tell apart from others (Ctrl-M is Enter, Ctrl-I Tab, Ctrl-H Backspace).
    public mutating func bind(action: String, to spec: String, line: Int = 0) throws(Failure) {
        let names = Self.actions.map(\.name)
        guard let a = Self.actions.first(where: { $0.name == action }) else {
            let hint = Suggest.closest(action, in: names).map { " (did you mean '\($0)'?)" } ?? ""
            throw Failure(description: "unknown action\(hint); remappable: \(names.joined(separator: ", "))")
        }
        let key = try Self.parseKey(spec)
        if let other = bindings.first(where: { $0.key == key }) {
            throw Failure(description: "\(spec) is already bound to \(other.action) (line \(other.line))")
        }
        bindings.append(Binding(action: a.name, spec: spec, key: key, line: line))
    }

    /// `ctrl-<letter>` or `f1`…`f12` (any case, `-` or `+`).
    public static func parseKey(_ spec: String) throws(Failure) -> Key {
        let s = spec.lowercased().replacingOccurrences(of: "+", with: "-").trimmingCharacters(in: .whitespaces)
        if s.hasPrefix("f"), let n = Int(s.dropFirst()), (1...12).contains(n) { return .function(n) }
        if s.hasPrefix("ctrl-"), s.count == 6, let c = s.last, c.isASCII, c.isLetter {
            switch c {
            case "c": throw Failure(description: "ctrl-c cannot be remapped (it stops and quits)")
            case "m", "i", "h", "j":
                throw Failure(description: "\(spec) reaches the program as Enter, Tab, Backspace or Ctrl-J; choose another key")
            default: return .ctrl(c)
            }
        }
        throw Failure(description: "\"\(ThemeError.shown(String(spec.prefix(20))))\" is not a key; use ctrl-<letter> or f1…f12")
    }

    /// What a pressed key means: the default key of the action bound to it, else itself.
    public func translate(_ key: Key) -> Key {
        bindings.first { $0.key == key }.flatMap { b in Self.actions.first { $0.name == b.action }?.defaultKey } ?? key
    }

    /// The key that does `action` now (the bound one, else the default), for help texts.
    public func key(for action: String) -> Key? {
        if let b = bindings.first(where: { $0.action == action }) { return b.key }
        return Self.actions.first { $0.name == action }?.defaultKey
    }

    /// A key as help texts write it: `Ctrl-G`, `F11`.
    public static func name(_ key: Key) -> String {
        switch key {
        case .ctrl(let c): "Ctrl-" + String(c).uppercased()
        case .function(let n): "F\(n)"
        case .newline: "Ctrl-J"
        default: "\(key)"
        }
    }
}

extension KeyRemap {
    /// A help row's keys as they work with these bindings: a bound key is added after its
    /// action's default key ("Ctrl-P, F11"), or takes its place when another binding took the
    /// default; a key bound to another action leaves the rows it was in. The keys are written
    /// "A, B" or "A / B"; "—" when none is left.
    public func helpKeys(_ keys: String) -> String {
        guard !bindings.isEmpty else { return keys }
        var tokens: [(sep: String, name: String)] = []
        var rest = Substring(keys), sep = ""
        while !rest.isEmpty {
            let cut = [", ", " / "].compactMap { s in rest.range(of: s).map { ($0, s) } }.min { $0.0.lowerBound < $1.0.lowerBound }
            tokens.append((sep, String(rest[..<(cut?.0.lowerBound ?? rest.endIndex)])))
            sep = cut?.1 ?? ""
            rest = cut.map { rest[$0.0.upperBound...] } ?? ""
        }
        var out: [(sep: String, name: String)] = []
        for t in tokens {
            var names: [String] = []
            // A key bound to an action now does that action (unless it is that action's own key).
            let taken = bindings.contains { b in Self.name(b.key) == t.name && Self.defaultKey(b.action) != b.key }
            if !taken { names.append(t.name) }
            for b in bindings where Self.defaultKey(b.action).map(Self.name) == t.name && Self.defaultKey(b.action) != b.key {
                names.append(Self.name(b.key))
            }
            for (i, n) in names.enumerated() { out.append((out.isEmpty ? "" : (i == 0 ? t.sep : ", "), n)) }
        }
        return out.isEmpty ? "—" : out.map { $0.sep + $0.name }.joined()
    }

    static func defaultKey(_ action: String) -> Key? {
        actions.first { $0.name == action }?.defaultKey
    }
}
