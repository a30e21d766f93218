import Foundation
import RobofySession

/// When a message was sent or answered and, for an answer, how the turn went: what the
/// details toggle (Ctrl-P) shows next to each message's label.
public struct MessageDetails: Sendable, Equatable {
    /// When the message was sent (a question) or finished (an answer).
    public var at: Date
    /// Seconds from sending to the first text of the answer.
    public var firstText: Double?
    /// Seconds from sending to the end of the answer.
    public var duration: Double?
    public var charactersPerSecond: Double?

    public init(at: Date, firstText: Double? = nil, duration: Double? = nil, charactersPerSecond: Double? = nil) {
        self.at = at
        self.firstText = firstText
        self.duration = duration
        self.charactersPerSecond = charactersPerSecond
    }

    /// An answer's details from its finished turn.
    public init(answer t: Turn) {
        at = t.finishedAt ?? t.startedAt
        firstText = t.timing.firstText
        duration = t.timing.duration
        charactersPerSecond = t.status == .streaming ? nil : t.charactersPerSecond
    }

    static let clock: DateFormatter = {
        let f = DateFormatter()
        f.locale = Locale(identifier: "en_US_POSIX")
        f.dateFormat = "HH:mm:ss"
        return f
    }()

    /// `18:42:03 · first text 0.06 s · 0.17 s · 664 chars/s` (the time alone for a question).
    public var text: String {
        var parts = [Self.clock.string(from: at)]
        if let f = firstText { parts.append("first text " + Self.seconds(f)) }
        if let d = duration { parts.append(Self.seconds(d)) }
        if let c = charactersPerSecond, c.isFinite { parts.append(String(format: "%.0f chars/s", c)) }
        return parts.joined(separator: " · ")
    }

    static func seconds(_ s: Double) -> String {
        s.isFinite ? String(format: "%.2f s", s) : "– s"
    }
}

extension AppState {
    /// A message's label ("You", the agent's name), with its details when they are shown.
    func label(_ name: String, _ m: ChatMessage) -> String {
        guard showDetails, let d = m.details else { return name }
        return name + " · " + d.text
    }

    /// The details toggle (Ctrl-P).
    mutating func toggleDetails() {
        showDetails.toggle()
        setStatus(showDetails ? "Showing each message's time and the answers' timings (Ctrl-P hides them)."
                              : "Message times hidden.")
    }
}
