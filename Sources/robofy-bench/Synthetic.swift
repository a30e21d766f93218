import Foundation
import RobofyAPI
import RobofySession
import WidgetUI

/// Synthetic conversations for the render and memory figures. The same texts as
/// `robofy-tui --bench-preload N` (Sources/robofy-tui/BenchPreload.swift), so the
/// in-process and real-process figures describe the same conversation.
enum Synthetic {
    static func userText(_ k: Int) -> String {
        "Question \(k): how do I set up the widget on a page with a custom theme colour?"
    }

    static func agentText(_ k: Int) -> String {
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

    /// An agent shaped like the demo's Nova (for states built without a server).
    static let agent = Agent(chatbotID: "demo-nova", name: "Nova", type: "Support",
                             description: "Answers questions about the widget", greeting: "Hi! I'm Nova.",
                             quickQuestions: ["What can you do?", "Show me markdown"])

    /// Appends `messages` messages (user/agent pairs; an odd count ends with a user
    /// message) to the agent's conversation through the public reducer, before
    /// the agent is selected (so no greeting is added in front).
    static func preload(_ state: inout AppState, agent: Agent, messages: Int) {
        let turns = (messages + 1) / 2
        for k in 0..<turns {
            // Negative ids never collide with the session's own turn ids (1, 2, 3…).
            let id = -(k + 1)
            var turn = Turn(id: id, agentID: agent.chatbotID, agentName: agent.name, userText: userText(k))
            _ = state.reduce(.session(.turnStarted(turn)))
            turn.answer = agentText(k)
            turn.status = .complete
            turn.finishReason = "stop"
            _ = state.reduce(.session(.turnFinished(turn)))
        }
        if messages % 2 == 1, var c = state.conversations[agent.chatbotID], !c.messages.isEmpty {
            c.messages.removeLast()
            state.conversations[agent.chatbotID] = c
        }
    }

    /// A state at `width`×`height` with `messages` messages, connected to `handshake` (or the offline agent).
    static func state(messages: Int, handshake: Handshake?, width: Int = 120, height: Int = 40) -> AppState {
        var s = AppState()
        _ = s.reduce(.resize(width: width, height: height))
        let a: Agent
        if let h = handshake {
            _ = s.reduce(.session(.connected(h)))
            a = h.agents.first { $0.chatbotID == "demo-nova" } ?? h.sortedAgents.first ?? agent
        } else {
            a = agent
        }
        preload(&s, agent: a, messages: messages)
        _ = s.reduce(.session(.agentSelected(a)))
        return s
    }
}
