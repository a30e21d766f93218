import Foundation

/// Secrets that every later `Redaction.redact` call removes, whoever calls it: the
/// account API key is registered as soon as it is read, so a log line, an error
/// message or a header echoed by a server never shows it.
extension Redaction {
    private final class Registry: @unchecked Sendable {
        let lock = NSLock()
        var secrets: [String] = []
    }

    private static let registry = Registry()

    /// Secrets shorter than this are not registered: they would redact ordinary words.
    public static let minimumRegisteredLength = 6

    /// From now on, `secret` is replaced by the placeholder wherever text is redacted.
    public static func register(secret: String) {
        guard secret.count >= minimumRegisteredLength else { return }
        registry.lock.lock()
        defer { registry.lock.unlock() }
        if !registry.secrets.contains(secret) {
            registry.secrets.append(secret)
            // Longest first, so a secret that contains another is removed whole.
            registry.secrets.sort { $0.count > $1.count }
        }
    }

    /// The registered secrets (usually none).
    static var registeredSecrets: [String] {
        registry.lock.lock()
        defer { registry.lock.unlock() }
        return registry.secrets
    }

    /// `s` with every registered secret replaced.
    static func redactRegistered(_ s: String) -> String {
        var out = s
        for secret in registeredSecrets where contains(out, secret) {
            out = out.replacingOccurrences(of: secret, with: placeholder)
        }
        return out
    }
}
