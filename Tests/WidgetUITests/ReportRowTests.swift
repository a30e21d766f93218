import Foundation
import RobofyAPI
import Testing
@testable import WidgetUI

/// Each row of the configuration report says what the preview draws (issue 11 item 14): every
/// test checks a row's claim and the frame drawn from the same handshake.
@Suite struct ReportRowTests {
    static func handshake(agents: String = #"[{"chatbot_id":"a","agent_name":"Ann","greeting":"Hi there"}]"#,
                          widget: String = "{}", token: String? = "t") throws -> Handshake {
        let tok = token.map { #""token":"\#($0)","# } ?? ""
        return try Handshake.decode(Data(#"{"data":{\#(tok)"chatbots":\#(agents),"widget":\#(widget)}}"#.utf8),
                                    forPreview: true)
    }

    static func use(_ h: Handshake, _ path: String) throws -> String {
        try #require(ConfigReport.rows(h).first { $0.path == path }, "no row \(path)").use
    }

    static func frame(_ h: Handshake, width: Int = 80, height: Int = 24) -> String {
        PreviewFrame.render(h, width: width, height: height)
    }

    @Test(arguments: ["label", "title", "question", "text"])
    func quickQuestionObjectsAreReportedAsDrawn(_ key: String) throws {
        let h = try Self.handshake(agents: #"[{"chatbot_id":"a","quick_questions":[{"\#(key)":"Prices?","id":7}]}]"#)
        #expect(Self.frame(h).contains("[ Prices? ]"))
        #expect(try Self.use(h, "data.chatbots[0].quick_questions[0].\(key)") == "shown: quick-question chip")
        #expect(try Self.use(h, "data.chatbots[0].quick_questions[0].id") == "not used: the chip's text comes from \"\(key)\"")
    }

    @Test func quickQuestionWithoutTextIsNotUsed() throws {
        let h = try Self.handshake(agents: #"[{"chatbot_id":"a","quick_questions":[{"id":7},"Hours?"]}]"#)
        #expect(try Self.use(h, "data.chatbots[0].quick_questions[0].id").hasPrefix("not used: no text field"))
        #expect(try Self.use(h, "data.chatbots[0].quick_questions[1]") == "shown: quick-question chip")
        #expect(Self.frame(h).contains("[ Hours? ]"))
    }

    @Test func disabledSuggestedQuestionsAreNotShown() throws {
        let h = try Self.handshake(agents: #"[{"chatbot_id":"a","quick_questions":["Prices?"]}]"#,
                                   widget: #"{"behaviour":{"enable_suggested_questions":false}}"#)
        #expect(!Self.frame(h).contains("Prices?"))
        #expect(try Self.use(h, "data.chatbots[0].quick_questions[0]") == "not shown: enable_suggested_questions is false")
        #expect(try Self.use(h, "data.widget.behaviour.enable_suggested_questions") == "applied: quick-question chips hidden")
    }

    @Test func emptyQuickQuestionListIsNoChips() throws {
        let h = try Self.handshake(agents: #"[{"chatbot_id":"a","quick_questions":[]}]"#)
        #expect(try Self.use(h, "data.chatbots[0].quick_questions") == "empty: no quick-question chips")
    }

    @Test(arguments: ["\"blue\"", "\"#12345\"", "42"])
    func invalidThemeColorIsNotApplied(_ value: String) throws {
        let h = try Self.handshake(widget: #"{"branding":{"theme_color":\#(value)}}"#)
        let use = try Self.use(h, "data.widget.branding.theme_color")
        #expect(use.hasPrefix("invalid: not a #RRGGBB colour"), "\(use)")
        // What is drawn: the default accent.
        #expect(PreviewFrame.render(h, width: 80, height: 24, ansi: true).contains("48;2;37;99;235"))
    }

    @Test func validThemeColorIsAppliedOrOverridden() throws {
        let h = try Self.handshake(widget: ##"{"branding":{"theme_color":"#FF0000"}}"##)
        #expect(try Self.use(h, "data.widget.branding.theme_color").hasPrefix("applied: accent colour"))
        #expect(PreviewFrame.render(h, width: 80, height: 24, ansi: true).contains("48;2;255;0;0"))
        let mono = ConfigReport.rows(h, spec: ThemeSpec.builtin["monochrome"] ?? ThemeSpec())
        #expect(mono.first { $0.path == "data.widget.branding.theme_color" }?.use.hasPrefix("not applied") == true)
    }

    @Test(arguments: ["\"\"", "\"   \"", "null"])
    func emptyGreetingIsNotShown(_ value: String) throws {
        let h = try Self.handshake(agents: #"[{"chatbot_id":"a","agent_name":"Ann","greeting":\#(value)}]"#)
        let use = try Self.use(h, "data.chatbots[0].greeting")
        #expect(use.hasSuffix("no greeting is shown"), "\(use)")
        let state = PreviewFrame.state(h, width: 80, height: 24)
        #expect(state.conversation.messages.isEmpty)
        #expect(ConfigReport.make(h).contains("has no greeting"))
    }

    @Test func greetingIsShown() throws {
        let h = try Self.handshake()
        #expect(Self.frame(h).contains("Hi there"))
        #expect(try Self.use(h, "data.chatbots[0].greeting") == "shown: first message")
    }

    @Test func poweredByFollowsTheFooter() throws {
        let off = try Self.handshake(widget: #"{"branding":{"show_powered_by":false,"brand_name":"Acme"}}"#)
        #expect(!Self.frame(off).contains("Powered by"))
        #expect(try Self.use(off, "data.widget.branding.brand_name") == "not shown: show_powered_by is false")
        let on = try Self.handshake(widget: #"{"branding":{"show_powered_by":true,"brand_name":"Acme"}}"#)
        #expect(Self.frame(on).contains("Powered by Acme"))
        #expect(try Self.use(on, "data.widget.branding.show_powered_by") == "applied: \"Powered by Acme\" in the footer")
    }

    @Test func skippedAgentFieldsAreNotUsed() throws {
        let h = try Self.handshake(agents: #"[{"agent_name":"Ghost"},{"chatbot_id":"b","agent_name":"Bea"}]"#)
        #expect(try Self.use(h, "data.chatbots[0].agent_name") == "not used: this agent is skipped (it has no chatbot_id)")
        #expect(try Self.use(h, "data.chatbots[1].agent_name").hasPrefix("shown: header agent line"))
        #expect(!Self.frame(h).contains("Ghost"))
    }

    @Test func headerTitleRows() throws {
        let none = try Self.handshake(widget: #"{"header":{"title":""}}"#)
        #expect(try Self.use(none, "data.widget.header.title") == "empty: the header shows no title")
        #expect(ConfigReport.make(none).contains("The header has no title."))
        let set = try Self.handshake(widget: #"{"header":{"title":"Welcome"}}"#)
        #expect(Self.frame(set).contains("Welcome"))
        #expect(try Self.use(set, "data.widget.header.title") == "shown: header")
    }

    // MARK: Handshakes the preview used to refuse (items 13 and 14)

    @Test func arrayIsJSONButNotAnObject() {
        #expect(throws: HandshakeDecodeError.notObject("array")) { try Handshake.decode(Data("[]".utf8), forPreview: true) }
        let text = HandshakeDecodeError.notObject("array").description
        #expect(!text.contains("not JSON"))
        #expect(text.contains("an array"))
        #expect(throws: HandshakeDecodeError.notJSON) { try Handshake.decode(Data("<html>".utf8), forPreview: true) }
    }

    @Test func noTokenCanBePreviewedAndIsReported() throws {
        let h = try Self.handshake(token: nil)
        #expect(Self.frame(h).contains("Hi there"))
        let report = ConfigReport.make(h)
        #expect(report.contains("Token: none"))
        #expect(report.contains("data.token: missing"))
        // A chat handshake still needs one.
        #expect(throws: HandshakeDecodeError.noToken) {
            try Handshake.decode(Data(#"{"data":{"chatbots":[{"chatbot_id":"a"}]}}"#.utf8))
        }
    }

    @Test(arguments: ["[null,null]", "[]", "null", "[{\"agent_name\":\"x\"}]"])
    func noAgentsDrawsWhatItCan(_ agents: String) throws {
        let h = try Self.handshake(agents: agents, widget: #"{"header":{"title":"Acme help"},"branding":{"brand_name":"Acme"}}"#)
        #expect(h.agents.isEmpty)
        let text = Self.frame(h)
        #expect(text.contains("Acme help"))
        #expect(text.contains(AppState.noAgentsLine))
        #expect(text.contains("Powered by Acme"))
        let report = ConfigReport.make(h)
        #expect(report.contains("Agents: 0 (this widget lists no agents"))
        #expect(report.contains("lists no agents (data.chatbots)"))
        #expect(report.contains("data.chatbots"))
    }

    // MARK: Item 15: header and footer

    @Test func nullHeaderDoesNotSayChatTwice() throws {
        let h = try Self.handshake(widget: #"{"header":null}"#)
        let top = Self.frame(h).split(separator: "\n").first.map(String.init) ?? ""
        #expect(top.components(separatedBy: "Chat").count - 1 == 1, "header row: \(top)")
        #expect(try Self.use(h, "data.widget.header").contains("no title"))
    }

    @Test func previewFooterOffersF2OnlyWithSeveralAgents() throws {
        let one = try Self.handshake()
        let last1 = Self.frame(one).split(separator: "\n").last.map(String.init) ?? ""
        #expect(last1.contains("Preview"))
        #expect(!last1.contains("F2"), "\(last1)")
        let two = try Self.handshake(agents: #"[{"chatbot_id":"a"},{"chatbot_id":"b"}]"#)
        #expect(Self.frame(two).split(separator: "\n").last?.contains("F2 agents") == true)
    }

    @Test func mobileIsNarrowInTheStateTheRuntimeDraws() throws {
        var s = PreviewFrame.state(try Self.handshake(), width: 100, height: 30, mobile: true)
        #expect(s.width == PreviewFrame.mobileWidth)
        _ = s.reduce(.resize(width: 120, height: 40))
        #expect(s.width == PreviewFrame.mobileWidth, "a resize keeps the mobile width")
        var hidden = AppState()
        hidden.previewOnly = true
        hidden.mobileWidth = PreviewFrame.mobileWidth
        _ = hidden.reduce(.session(.connected(try Self.handshake(widget: #"{"behaviour":{"show_on_mobile":false}}"#))))
        #expect(hidden.status?.contains("Hidden on mobile") == true)
    }
}

@Suite struct ThemeFileTests {
    @Test func errorsNeverEchoRawBytes() {
        do {
            _ = try ThemeParser.parse("[header]\nfg = \"\u{1B}]0;pwned\u{07}\u{1B}[31m\"\n\u{1B}[2J = 1", file: "bad.toml")
            Issue.record("no error")
        } catch {
            let text = error.description
            #expect(!text.unicodeScalars.contains { $0.value < 0x20 || (0x7F...0x9F).contains($0.value) }, "\(text)")
            #expect(text.contains("\\u{1B}"))
        }
        let bidi = ThemeError(file: "x\u{202E}.toml", line: 1, key: "k\u{9B}", message: "m").description
        #expect(!bidi.unicodeScalars.contains { $0.value == 0x202E || $0.value == 0x9B })
    }

    @Test func bigThemeFilesAreRefused() throws {
        let path = NSTemporaryDirectory() + "robofy-big-" + UUID().uuidString + ".toml"
        defer { try? FileManager.default.removeItem(atPath: path) }
        // Only comments: valid TOML, but larger than a theme may be.
        let line = "# " + String(repeating: "x", count: 1021) + "\n"
        try Data(String(repeating: line, count: 1100).utf8).write(to: URL(fileURLWithPath: path))
        do {
            _ = try ThemeLoader.load(path)
            Issue.record("a 1.1 MiB theme file was read")
        } catch let e as ThemeError {
            #expect(e.description.contains("larger than 1 MiB"), "\(e.description)")
        }
    }
}
