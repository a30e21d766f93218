// BenchSupport: benchmark-only code, kept out of the product's library targets.
// It holds the synthetic conversation that robofy-bench measures and that
// `robofy-tui --bench-preload N` (hidden) starts with. May import WidgetUI and
// RobofySession (the state it fills), nothing else.

import RobofySession
import WidgetUI

/// A synthetic conversation of any length, for measuring long chats: `robofy-bench`
/// builds its render and memory states with it, and `robofy-tui --bench-preload N`
/// (hidden) starts the UI with it, so that the in-process and the real-process
/// figures describe the same conversation.
public enum SyntheticConversation {
    public static func userText(_ k: Int) -> String {
        "Question \(k): how do I set up the widget on a page with a custom theme colour?"
    }

    public static func agentText(_ k: Int) -> String {
        switch k % 4 {
        case 0:
            return """
                Here is what answer \(k) covers. The widget reads its **theme colour** from the handshake, \
                and the `theme_mode` field picks light or dark. You can preview any configuration with \
                `robofy-tui preview` before you publish it.

                - Open the dashboard and choose *Appearance*.
                - Set the colour, then save.
                - Reload the page to see the change.
                """
        case 1:
            return """
                Answer \(k): a short one. Yes — the same agent can serve several pages, and each page keeps \
                its own conversation. See [the docs](https://example.com/docs/widget) for details.
                """
        case 2:
            return """
                ### Steps for answer \(k)

                1. Copy the snippet below.
                2. Paste it before the closing `</body>` tag.

                ```html
                <script src="https://example.com/widget.js" data-project="demo-project"></script>
                ```

                That is all: the widget loads on the next page view.
                """
        default:
            return """
                Answer \(k). The loader texts rotate every second and a half while the agent thinks; \
                turn them off with `enable_loader`. Quick questions show until the user has said \
                something, and *sources* appear under an answer when `enable_sources` is on. \
                Longer answers wrap inside the bubble, so nothing is cut at the edge of the terminal.
                """
        }
    }

    /// Appends `messages` messages (user/agent pairs; an odd count ends with a user
    /// message) to the agent's conversation through the reducer, before the agent is
    /// selected (so no greeting is added in front).
    public static func preload(_ state: inout AppState, agentID: String, agentName: String, messages: Int) {
        let turns = (messages + 1) / 2
        for k in 0..<turns {
            // Negative ids never collide with the session's own turn ids (1, 2, 3…).
            var turn = Turn(id: -(k + 1), agentID: agentID, agentName: agentName, userText: userText(k))
            _ = state.reduce(.session(.turnStarted(turn)))
            turn.answer = agentText(k)
            turn.status = .complete
            turn.finishReason = "stop"
            _ = state.reduce(.session(.turnFinished(turn)))
        }
        if messages % 2 == 1, state.conversations[agentID]?.messages.isEmpty == false {
            state.conversations[agentID]?.messages.removeLast()
        }
    }
}
