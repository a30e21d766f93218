import Foundation
import Logging
import RobofyAPI

/// Writes every session event to a logger: the handshake (token redacted), each
/// request (Authorization redacted) with its status and headers, every SSE event
/// with its time offset, and each turn's timings. What the inspector shows, as a log.
/// Secrets are taken out by `Redaction` (which knows every token the session held).
public final class SessionEventLog: Sendable {
    let logger: Logger

    public init(logger: Logger) {
        self.logger = logger
    }

    public var tap: SessionEventTap {
        { [self] event in self.handle(event) }
    }

    private func clean(_ s: String) -> String {
        Redaction.redact(s)
    }

    private func log(_ message: String, _ metadata: [String: String] = [:]) {
        var m: Logger.Metadata = [:]
        for (k, v) in metadata { m[k] = .string(clean(v)) }
        logger.info("\(clean(message))", metadata: m.isEmpty ? nil : m)
    }

    func handle(_ event: SessionEvent) {
        switch event {
        case .connecting:
            log("connecting")
        case .connected(let h):
            Redaction.remember(h.token)
            log("handshake", ["agents": "\(h.agents.count)", "warnings": "\(h.warnings.count)"])
            log("handshake json \(h.redactedJSON.compactText)")
            for w in h.warnings { log("handshake warning \(w.description)") }
        case .connectFailed(let e):
            log("connect failed: \(e.userMessage)")
        case .agentSelected(let a):
            log("agent selected", ["agent": a.chatbotID, "name": a.name])
        case .turnStarted(let t):
            log("turn started", ["turn": "\(t.id)", "agent": t.agentID, "query": t.userText])
        case .response(let id, let info):
            log("request", ["turn": "\(id)", "url": info.url, "body": info.requestBody,
                            "headers": Self.headerText(info.requestHeaders)])
            var m = ["turn": "\(id)", "status": "\(info.status)", "streaming": "\(info.streaming)",
                     "headers": Self.headerText(info.headers)]
            if let why = info.fallbackReason { m["fallback"] = why }
            log("response", m)
        case .chunks(let id, let batch, let offset):
            let at = String(format: "%.3f", offset)
            for run in batch {
                for e in run.events { log("event turn=\(id) +\(at)s \(e.raw)") }
            }
        case .change(let id, .error(let text)):
            log("turn error", ["turn": "\(id)", "error": text])
        case .change, .answer:
            break
        case .retrying(let id, let reason, let delay):
            log("retrying", ["turn": "\(id)", "reason": reason, "delay": String(format: "%.2f", delay)])
        case .reauthenticated(let h):
            Redaction.remember(h.token)
            log("token renewed (handshake again)")
        case .turnFinished(let t):
            let characters = t.characterCount
            var m = ["turn": "\(t.id)", "status": t.status.rawValue, "chars": "\(characters)",
                     "finish_reason": t.finishReason ?? "-", "session": t.sessionID ?? "-"]
            if let v = t.timing.firstByte { m["ttfb"] = String(format: "%.3f", v) }
            if let v = t.timing.firstText { m["first_text"] = String(format: "%.3f", v) }
            if let v = t.timing.duration { m["duration"] = String(format: "%.3f", v) }
            if let v = t.charactersPerSecond(characters: characters) { m["chars_per_s"] = String(format: "%.0f", v) }
            if !t.tools.isEmpty { m["tools"] = t.tools.map(\.name).joined(separator: ",") }
            if !t.errors.isEmpty { m["errors"] = t.errors.joined(separator: " | ") }
            log("turn finished", m)
        case .sessionEnded(let agentID):
            log("session ended", ["agent": agentID])
        case .chatReset(let agentID):
            log("chat reset", ["agent": agentID])
        case .submitted(let s):
            log("\(s.kind.rawValue) submitted", ["agent": s.agentID, "result": s.summary])
        }
    }

    static func headerText(_ fields: [HTTPField]) -> String {
        Redaction.headers(fields).map { "\($0.name): \($0.value)" }.joined(separator: "; ")
    }
}
