import BenchSupport
import DemoServer
import Foundation
import RobofyAPI
import RobofySession
import WidgetUI

/// States for the render and memory figures, with `SyntheticConversation` (the
/// conversation `robofy-tui --bench-preload N` starts with).
enum Synthetic {
    /// An agent shaped like the demo's Nova (for states built without a server).
    static let agent = Agent(chatbotID: DemoServer.chatbotID, name: "Nova", type: "Support",
                             description: "Answers questions about the widget", greeting: "Hi! I'm Nova.",
                             quickQuestions: ["What can you do?", "Show me markdown"])

    /// A 120×40 state with `messages` messages, connected to `handshake` (or the offline agent).
    static func state(messages: Int, handshake: Handshake?) -> AppState {
        var s = AppState()
        _ = s.reduce(.resize(width: 120, height: 40))
        let a: Agent
        if let h = handshake {
            _ = s.reduce(.session(.connected(h)))
            a = h.agents.first { $0.chatbotID == DemoServer.chatbotID } ?? h.sortedAgents.first ?? agent
        } else {
            a = agent
        }
        SyntheticConversation.preload(&s, agentID: a.chatbotID, agentName: a.name, messages: messages)
        _ = s.reduce(.session(.agentSelected(a)))
        return s
    }

    /// Starts turn 1 with the state's agent: its answer then streams as `.change(turnID: 1, …)`.
    static func startTurn(_ s: inout AppState, _ userText: String) {
        let turn = Turn(id: 1, agentID: s.agentID ?? agent.chatbotID, agentName: "Nova", userText: userText)
        _ = s.reduce(.session(.turnStarted(turn)))
    }
}
