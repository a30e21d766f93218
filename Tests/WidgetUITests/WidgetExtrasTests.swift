import Foundation
import RobofyAPI
import RobofySession
import Testing
import RobofyText
@testable import WidgetUI

/// The lead form, the privacy term, ratings and auto-close, driven through the reducer and
/// drawn by the renderer (what reaches the screen).
@Suite struct WidgetExtrasTests {
    static func leadAgent() -> Agent {
        var a = Fixture.agent()
        a.leadCapture = .init(formTitle: "Get 10% off", formSubtitle: "Leave your email.", submitButtonText: "Send me the code")
        return a
    }

    static func typed(_ s: inout AppState, _ text: String) {
        for c in text { _ = s.reduce(.key(.char(c))) }
    }

    /// A state with one finished answer (turn 1).
    static func answered(_ configure: (inout WidgetConfig) -> Void = { _ in }) -> AppState {
        var s = Fixture.state(Fixture.handshake(configure: configure))
        s.connection = .connected
        var t = Fixture.turn(1, "hello")
        _ = s.reduce(.session(.turnStarted(t)))
        t.answer = "Hi there"
        t.status = .complete
        _ = s.reduce(.session(.turnFinished(t)))
        return s
    }

    @Test func leadFormOfferOpensValidatesAndSubmits() {
        var s = Fixture.state(Fixture.handshake(agents: [Self.leadAgent()]))
        s.extras.leadEndpoint = "/v1/demo/leads"
        // Offered under the greeting.
        #expect(render(s).contains("📝 Get 10% off — Ctrl-O to fill in"))
        _ = s.reduce(.key(.ctrl("o")))
        var screen = render(s)
        #expect(screen.contains("Get 10% off"))
        #expect(screen.contains("Leave your email."))
        #expect(screen.contains("[ Send me the code ]"))
        Self.typed(&s, "Ada")
        _ = s.reduce(.key(.tab))
        Self.typed(&s, "ada@")
        _ = s.reduce(.key(.tab))  // leaving the email field checks it
        screen = render(s)
        #expect(screen.contains("⚠ The email's domain is incomplete"))
        _ = s.reduce(.key(.backTab))
        Self.typed(&s, "example.com")
        #expect(!render(s).contains("⚠ The email"))
        _ = s.reduce(.key(.tab))
        Self.typed(&s, "12ab")
        _ = s.reduce(.key(.enter))  // phone → submit
        _ = s.reduce(.key(.enter))  // submit: the phone is refused inline, focus goes back to it
        #expect(render(s).contains("⚠ A phone number has digits"))
        #expect(s.extras.leadForm?.focus == .phone)
        for _ in 0..<4 { _ = s.reduce(.key(.backspace)) }
        Self.typed(&s, "+44 20 7946 0958")
        _ = s.reduce(.key(.down))
        let cmds = s.reduce(.key(.enter))
        #expect(cmds == [.widget(.submitLead(LeadValues(name: "Ada", email: "ada@example.com", phone: "+44 20 7946 0958"),
                                              path: "/v1/demo/leads"))])
        // The server's answer closes the form, thanks, and puts the values in the conversation.
        let sub = WidgetSubmission(kind: .lead, agentID: "a1", fields: LeadValues(name: "Ada", email: "ada@example.com").fields,
                                   url: "http://127.0.0.1/v1/demo/leads", status: 201, outcome: .accepted)
        _ = s.reduce(.session(.submitted(sub)))
        screen = render(s)
        #expect(s.extras.leadForm == nil)
        #expect(screen.contains("Lead form: name Ada · email ada@example.com"))
        #expect(!screen.contains("Ctrl-O to fill in"))
        #expect(s.transcriptMarkdown().contains("Lead form: name Ada · email ada@example.com"))
        #expect(InspectorView.lines(s.inspector, width: 100).contains { $0.text.contains("Lead name Ada, email ada@example.com — accepted (HTTP 201)") })
    }

    @Test func escSkipsTheFormAndARefusedLeadKeepsItOpen() {
        var s = Fixture.state(Fixture.handshake(agents: [Self.leadAgent()]))
        _ = s.reduce(.key(.ctrl("o")))
        _ = s.reduce(.key(.escape))
        #expect(s.extras.leadForm == nil)
        #expect(!render(s).contains("Ctrl-O to fill in"))
        _ = s.reduce(.key(.ctrl("o")))
        #expect(s.extras.leadForm != nil)
        let failed = WidgetSubmission(kind: .lead, agentID: "a1", outcome: .failed("The server answered 404."))
        _ = s.reduce(.session(.submitted(failed)))
        #expect(render(s).contains("Not accepted"))
        // An agent without lead_capture has no form.
        var plain = Fixture.state()
        _ = plain.reduce(.key(.ctrl("o")))
        #expect(plain.extras.leadForm == nil)
        #expect(plain.status?.contains("no lead form") == true)
    }

    @Test func privacyTermUnderTheInputWithLinksAsTextAndURL() {
        let term = "By chatting you agree to our [Privacy](https://ex.com/p) \u{1B}[31mand **terms**."
        var s = Fixture.state(Fixture.handshake { $0.privacy.privacyTerm = term })
        let l = lines(render(s))
        let input = l.firstIndex { $0.contains("› Type message here..") } ?? 0
        #expect(l[input + 1].contains("By chatting you agree to our Privacy (https://ex.com/p) and terms."))
        #expect(!l.joined().contains("\u{1B}"))
        // Below 16 rows there is no room for it.
        _ = s.reduce(.resize(width: 40, height: 12))
        #expect(!render(s).contains("By chatting"))
        #expect(AppState.privacyText("[https://x.io](https://x.io)") == "https://x.io")
        #expect(AppState.privacyText("  ") == nil)
    }

    /// A server may put the token in the session id (it is sent back as it came): the
    /// inspector's turn, a rating's line and the transcript's facts show the id without it.
    @Test func aSessionIDThatHoldsTheTokenIsShownWithoutIt() {
        let token = "tok-" + UUID().uuidString
        Redaction.remember(token)
        var s = Fixture.state(Fixture.handshake())
        s.connection = .connected
        var t = Fixture.turn(1, "hello")
        _ = s.reduce(.session(.turnStarted(t)))
        t.answer = "Hi there"
        t.status = .complete
        t.sessionID = "sess-" + token
        _ = s.reduce(.session(.turnFinished(t)))
        _ = s.reduce(.session(.submitted(WidgetSubmission(kind: .rating, agentID: t.agentID, sessionID: t.sessionID,
                                                           turnID: 1, rating: .up, outcome: .accepted))))
        let shown = InspectorView.lines(s.inspector, width: 200).map(\.text).joined(separator: "\n")
        #expect(shown.contains("session sess-[redacted]"), "\(shown)")
        #expect(s.inspector.submissionLines.count == 1 && s.inspector.submissionLines.allSatisfy { $0.contains("sess-[redacted]") },
                "\(s.inspector.submissionLines)")
        let facts = TranscriptRendering.facts(t, sessionID: nil).joined(separator: " · ")
        #expect(facts.contains("session sess-[redacted]"), "\(facts)")
        for text in [shown, s.inspector.submissionLines.joined(), facts] { #expect(!text.contains(token)) }
    }

    @Test func ratingTheLastAnswer() {
        var s = Self.answered { $0.privacy.enableChatRating = true }
        s.extras.ratingEndpoint = "/v1/demo/ratings"
        #expect(render(s).contains("Ctrl-Y 👍 · Ctrl-N 👎 rate"))
        let cmds = s.reduce(.key(.ctrl("y")))
        #expect(cmds == [.widget(.rate(turnID: 1, .up, path: "/v1/demo/ratings"))])
        #expect(render(s).contains("👍 You rated this answer helpful"))
        #expect(s.transcriptMarkdown().contains("_Rated 👍 (up)_"))
        _ = s.reduce(.key(.ctrl("n")))
        #expect(render(s).contains("👎 You rated this answer not helpful"))
        // Off when the widget does not enable it.
        var off = Self.answered()
        #expect(off.reduce(.key(.ctrl("y"))).isEmpty)
        #expect(off.status?.contains("enable_chat_rating is false") == true)
        #expect(!render(off).contains("You rated"))
    }

    @Test func autoCloseAfterInactivityAndReopen() {
        var s = Fixture.state(Fixture.handshake { $0.behaviour.closeAfterTime = 60 })
        _ = s.reduce(.tick(59))
        #expect(!s.extras.closed)
        _ = s.reduce(.key(.char("h")))  // activity at 59
        _ = s.reduce(.tick(118))
        #expect(!s.extras.closed)
        _ = s.reduce(.tick(119.5))
        #expect(s.extras.closed)
        let closed = lines(render(s))
        #expect(closed.last?.contains("closed after 60 s idle — press any key to reopen") == true)
        #expect(!closed.joined().contains("Hi! How can I help?"))
        // Any key reopens; the conversation and the typed text are kept, the key is not typed.
        _ = s.reduce(.key(.char("x")))
        #expect(!s.extras.closed)
        #expect(render(s).contains("Hi! How can I help?"))
        #expect(s.input.text == "h")
        // --no-auto-close.
        var off = Fixture.state(Fixture.handshake { $0.behaviour.closeAfterTime = 60 })
        off.extras.autoClose = false
        _ = off.reduce(.tick(1000))
        #expect(!off.extras.closed)
    }

    @Test func initialsBadge() {
        #expect(Renderer.initials("Gujarat - Kitchenware - 49586759") == "GK")
        #expect(Renderer.initials("nova") == "N")
        #expect(Renderer.initials("\u{1B}[31m") == "?")
    }
}
