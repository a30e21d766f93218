import Foundation
import NIOConcurrencyHelpers

/// Mutable server state: issued tokens, conversations, fault bookkeeping.
final class DemoState: Sendable {
    struct Session: Sendable {
        var turns = 0
        var userName: String?
    }

    struct TurnContext: Sendable {
        var sessionID: String
        /// 1 for the first turn of a conversation.
        var turn: Int
        var userName: String?
    }

    private struct Inner {
        /// token → expiry (seconds since 1970)
        var tokens: [String: Int] = [:]
        /// "agent id \n session id" → session
        var sessions: [String: Session] = [:]
        var unauthorizedOnceKeys: Set<String> = []
        var serverRateLimitUsed = false
    }

    private let inner = NIOLockedValueBox(Inner())
    let tokenLifetimeSeconds: Int
    static let maxSessions = 50_000
    static let maxTokens = 100_000

    let opaqueTokens: Bool

    init(tokenLifetimeSeconds: Int, opaqueTokens: Bool = false) {
        self.tokenLifetimeSeconds = tokenLifetimeSeconds
        self.opaqueTokens = opaqueTokens
    }

    static func now() -> Int { Int(Date().timeIntervalSince1970) }

    // MARK: Tokens

    /// Issues a JWT-shaped token `base64url(header).base64url(payload).signature`. The
    /// signature is 32 random bytes: the token is only valid because the server remembers it.
    func issueToken(chatbotID: String, projectID: String) -> String {
        let iat = Self.now()
        let exp = iat + tokenLifetimeSeconds
        let header: DemoJSON = ["alg": "HS256", "typ": "JWT"]
        let payload: DemoJSON = ["sub": .string(chatbotID), "pid": .string(projectID), "iat": .int(iat), "exp": .int(exp)]
        let token = opaqueTokens ? "rbf_" + DemoRandom.alphanumeric(40)
            : Base64URL.encode(header.serializedBytes) + "." + Base64URL.encode(payload.serializedBytes) + "."
                + Base64URL.encode(DemoRandom.bytes(32))
        inner.withLockedValue { s in
            if s.tokens.count >= Self.maxTokens {
                s.tokens = s.tokens.filter { $0.value > iat }
                if s.tokens.count >= Self.maxTokens { s.tokens.removeAll() }
            }
            s.tokens[token] = exp
        }
        return token
    }

    func isValidToken(_ token: String) -> Bool {
        let now = Self.now()
        return inner.withLockedValue { s in
            guard let exp = s.tokens[token] else { return false }
            if now >= exp {
                s.tokens[token] = nil
                return false
            }
            return true
        }
    }

    // MARK: Faults

    /// True the first time a key is seen (that request answers 401).
    func consumeUnauthorizedOnce(key: String) -> Bool {
        inner.withLockedValue { $0.unauthorizedOnceKeys.insert(key).inserted }
    }

    /// True the first time (server-wide 429 answers only once per server).
    func consumeServerRateLimit() -> Bool {
        inner.withLockedValue { s in
            if s.serverRateLimitUsed { return false }
            s.serverRateLimitUsed = true
            return true
        }
    }

    // MARK: Sessions

    /// Starts a turn: creates a session when `sessionID` is nil/empty, continues it
    /// otherwise (an unknown id is accepted and starts at turn 1).
    func beginTurn(agentID: String, sessionID: String?, newIDSuffix: String = "") -> TurnContext {
        let id: String
        if let sessionID, !sessionID.isEmpty { id = sessionID } else { id = UUID().uuidString.lowercased() + newIDSuffix }
        let key = agentID + "\n" + id
        return inner.withLockedValue { s in
            if s.sessions[key] == nil, s.sessions.count >= Self.maxSessions { s.sessions.removeAll() }
            var session = s.sessions[key] ?? Session()
            session.turns += 1
            s.sessions[key] = session
            return TurnContext(sessionID: id, turn: session.turns, userName: session.userName)
        }
    }

    func remember(userName: String, agentID: String, sessionID: String) {
        let key = agentID + "\n" + sessionID
        inner.withLockedValue { s in s.sessions[key, default: Session()].userName = userName }
    }
}

enum Base64URL {
    static func encode(_ bytes: [UInt8]) -> String {
        Data(bytes).base64EncodedString()
            .replacingOccurrences(of: "+", with: "-")
            .replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
    }
}

enum DemoRandom {
    static func bytes(_ count: Int) -> [UInt8] {
        var rng = SystemRandomNumberGenerator()
        return (0..<count).map { _ in UInt8.random(in: 0...255, using: &rng) }
    }

    static func alphanumeric(_ count: Int) -> String {
        let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789")
        var rng = SystemRandomNumberGenerator()
        return String((0..<count).map { _ in alphabet[Int.random(in: 0..<alphabet.count, using: &rng)] })
    }
}
