// Output: one rendered frame as text or ANSI, for `preview` and golden tests.
import RobofyAPI
import RobofySession

/// One frame of the widget as it opens, for `preview --print` and layout tests.
public enum PreviewFrame {
    /// How wide `--mobile` draws the widget (a phone's panel), in print and interactive previews alike.
    public static let mobileWidth = Renderer.minWidth

    /// The app state right after a handshake, with the chosen (or first) agent.
    public static func state(_ h: Handshake, width: Int, height: Int, spec: ThemeSpec = ThemeSpec(),
                             forceDark: Bool? = nil, chatbotID: String? = nil, noColor: Bool = false,
                             mobile: Bool = false) -> AppState {
        var s = AppState(themeSpec: spec, forceDark: forceDark, noColor: noColor)
        s.previewOnly = true
        if mobile { s.mobileWidth = mobileWidth }
        _ = s.reduce(.resize(width: width, height: height))
        _ = s.reduce(.session(.connected(h)))
        let agent = h.agents.first { $0.chatbotID == chatbotID } ?? h.sortedAgents.first
        if let agent { _ = s.reduce(.session(.agentSelected(agent))) }
        return s
    }

    public static func render(_ h: Handshake, width: Int, height: Int, spec: ThemeSpec = ThemeSpec(),
                              forceDark: Bool? = nil, chatbotID: String? = nil, mobile: Bool = false,
                              ansi: Bool = false, previewState: PreviewState = .greeting) -> String {
        if mobile && !h.widget.behaviour.showOnMobile {
            return "The widget is hidden on mobile: behaviour.show_on_mobile is false.\n"
        }
        var s = state(h, width: width, height: height, spec: spec, forceDark: forceDark, chatbotID: chatbotID,
                      mobile: mobile)
        apply(previewState, to: &s)
        let frame = Renderer().render(s)
        if ansi { return ANSIWriter.write(frame.canvas, depth: .truecolor) }
        return frame.canvas.plainText + "\n"
    }
}
