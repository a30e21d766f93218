// Look: decisions about what the widget shows, shared by the renderer and the report.
import RobofyAPI

/// Decisions about what the widget shows that the renderer and the configuration
/// report both need: each is made here once, so the report says what is drawn.
extension AppState {
    /// The agent line when the handshake names no usable agent.
    public static let noAgentsLine = "This widget lists no agents"

    /// The footer's "Powered by BRAND", or nil when `show_powered_by` is off.
    public var poweredBy: String? {
        config.branding.showPoweredBy ? "Powered by \(config.branding.brandName)" : nil
    }

    /// Whether the current agent's conversation opens with its greeting (an empty or blank one is not drawn).
    public var showsGreeting: Bool {
        conversation.messages.contains { $0.role == .greeting }
    }
}
