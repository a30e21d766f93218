import Foundation
import Testing
@testable import RobofyAPI

/// The documented handshake, verbatim from ../shared/fixtures (copied into Tests so CI's clone has it).
func fixture(_ name: String) throws -> Data {
    let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures/\(name)")
    return try Data(contentsOf: url)
}

@Suite struct HandshakeTests {
    @Test func decodesTheDocumentedHandshakeExactly() throws {
        let h = try Handshake.decode(fixture("handshake.json"))
        #expect(h.message == "Widget handshake completed successfully")
        #expect(h.token == "JWT_TOKEN")
        #expect(h.agents.count == 1)
        let a = try #require(h.agents.first)
        #expect(a.chatbotID == "UOmfsaU_vRhAfIwDFrFLoXZUz9nHBAkDNkDygeBCjw")
        #expect(a.name == "Gujarat - Kitchenware - 49586759")
        #expect(a.type == "Public")
        #expect(a.description == "Answers customer questions, troubleshoots issues, and reduces support ticket volume.")
        #expect(a.avatarURL == "https://d2gnxsx8m1azoo.cloudfront.net/avatars/general/6.jpg")
        #expect(a.greeting == "How can I assist you today?")
        #expect(a.sortOrder == 0)
        #expect(a.quickQuestions.isEmpty)
        #expect(a.leadCapture == Agent.LeadCapture(formTitle: nil, formSubtitle: nil, submitButtonText: nil))
        let w = h.widget
        #expect(w.header.title == "Hello there 👋")
        #expect(w.header.subtitle == "How can I help you today?")
        #expect(w.header.chatTabLabel == "Chat")
        #expect(w.header.inputPlaceholder == "Type message here..")
        #expect(w.header.downloadTranscriptLabel == "Download Transcript")
        #expect(w.header.endSessionLabel == "End Chat Session")
        #expect(w.branding.themeMode == 0)
        #expect(w.branding.themeColor == "#2563EB")
        #expect(w.branding.showPoweredBy)
        #expect(w.branding.widgetPosition == "bottom-right")
        #expect(w.branding.widgetBubbleIcon == "https://app-reseller.s3.us-west-2.amazonaws.com/defaulticon/default-icon-2.svg")
        #expect(w.branding.brandName == "Robofy")
        #expect(!w.behaviour.openOnPageLoad)
        #expect(w.behaviour.showOnMobile)
        #expect(w.behaviour.showMicrophone)
        #expect(w.behaviour.closeAfterTime == 60)
        #expect(w.behaviour.enableSources)
        #expect(w.behaviour.enableSuggestedQuestions)
        #expect(w.loader.loaderTexts == ["Understanding Query", "Analyzing", "Thinking", "Collecting Data", "Generating Response"])
        #expect(w.loader.enableLoader)
        #expect(w.resetModal.title == "Reset Chat")
        #expect(w.resetModal.description.hasPrefix("This will permanently remove this conversation"))
        #expect(w.resetModal.confirmText == "Yes, reset")
        #expect(w.resetModal.cancelText == "Cancel")
        #expect(w.resetModal.enabled)
        #expect(!w.privacy.enableChatRating)
        #expect(!w.privacy.captureIPAddress)
        #expect(w.privacy.privacyTerm == nil)
        #expect(w.customCSS == nil)
        #expect(w.customJS == nil)
        // Documented nulls (lead capture, privacy term, custom css/js) are not warnings.
        #expect(h.warnings.isEmpty, "\(h.warnings)")
    }

    @Test func tokenNeverInDescriptionOrRedactedJSON() throws {
        let h = try Handshake.decode(fixture("handshake.json"))
        #expect(!h.description.contains("JWT_TOKEN"))
        #expect(!h.redactedJSON.compactText.contains("JWT_TOKEN"))
        #expect(h.redactedJSON["data"]?["token"]?.stringValue == "[redacted]")
    }

    /// A handshake that echoes its own token (or carries a JWT) in its texts: the greeting, the
    /// header, the loader, the quick questions, the reset modal, the privacy term… are read
    /// redacted. An agent's id and avatar address are read as sent (they are sent back).
    @Test func aTokenEchoedInTheHandshakesTextsIsReadRedacted() throws {
        let token = "tok_" + UUID().uuidString.replacingOccurrences(of: "-", with: "")
        let jwt = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ3In0.c2lnbmF0dXJlNA"
        let t = "x \(token) y", j = "a \(jwt) b"
        let json = """
            {"message": "\(t)", "data": {"token": "\(token)", "chatbots": [{"chatbot_id": "id-\(token)",
              "agent_name": "\(t)", "agent_type": "\(j)", "description": "\(t)", "avatar_image_path": "https://a.test/\(token).png",
              "greeting": "\(t)", "quick_questions": ["\(t)", {"text": "\(j)"}],
              "lead_capture": {"form_title": "\(t)", "form_subtitle": "\(j)", "submit_button_text": "\(t)"}}],
             "widget": {"header": {"title": "\(t)", "subtitle": "\(j)", "chat_tab_label": "\(t)", "input_placeholder": "\(t)",
                                   "download_transcript_label": "\(t)", "end_session_label": "\(t)"},
                        "branding": {"brand_name": "\(t)", "widget_position": "\(t)", "widget_bubble_icon": "\(t)"},
                        "loader": {"loader_texts": ["\(t)", "\(j)"]},
                        "reset_modal": {"reset_chat_modal_title": "\(t)", "reset_chat_modal_description": "\(j)",
                                        "confirm_reset_chat_button_text": "\(t)", "cancel_reset_chat_button_text": "\(t)"},
                        "privacy": {"chatbot_privacy_term": "\(t)"}, "custom_css": "\(t)", "custom_js": "\(j)"}}}
            """
        let h = try Handshake.decode(Data(json.utf8))
        #expect(h.token == token)
        let a = try #require(h.agents.first)
        #expect(a.chatbotID == "id-\(token)" && a.avatarURL == "https://a.test/\(token).png")
        var shown = h
        shown.agents = h.agents.map { var a = $0; a.chatbotID = ""; a.avatarURL = nil; return a }
        let texts = "\(shown.message) \(shown.agents) \(shown.widget)"
        #expect(!texts.contains(token) && !texts.contains("c2lnbmF0dXJlNA"), "\(texts)")
        #expect(a.greeting == "x [redacted] y" && h.widget.header.subtitle == "a [redacted] b" && h.message == "x [redacted] y")
        #expect(h.widget.loader.loaderTexts == ["x [redacted] y", "a [redacted] b"])
        #expect(a.quickQuestions == ["x [redacted] y", "a [redacted] b"])
        // As the inspector and the configuration report show it: no token anywhere.
        let shownJSON = h.redactedJSON.compactText
        #expect(!shownJSON.contains(token) && !shownJSON.contains("c2lnbmF0dXJlNA") && shownJSON.contains("x [redacted] y"), "\(shownJSON)")
    }

    @Test func everyOptionalFieldNullFallsBackWithWarnings() throws {
        let json = """
        {"message": null, "data": {"token": "t", "chatbots": [{"chatbot_id": "a", "agent_name": null,
         "agent_type": null, "description": null, "avatar_image_path": null, "greeting": null, "sort_order": null,
         "quick_questions": null, "lead_capture": null}],
         "widget": {"header": null, "branding": null, "behaviour": null, "loader": null, "reset_modal": null,
         "privacy": null, "custom_css": null, "custom_js": null}}}
        """
        let h = try Handshake.decode(Data(json.utf8))
        let a = try #require(h.agents.first)
        #expect(a.name == "Agent 1")
        #expect(a.greeting == "")
        #expect(h.widget == WidgetConfig())
        let paths = Set(h.warnings.map(\.path))
        for p in ["message", "data.chatbots[0].agent_name", "data.chatbots[0].greeting", "data.widget.header",
                  "data.widget.branding", "data.widget.loader", "data.widget.reset_modal", "data.chatbots[0].lead_capture"] {
            #expect(paths.contains(p), "no warning for \(p)")
        }
        #expect(h.warnings.allSatisfy { $0.kind == .null })
    }

    @Test func wrongTypesAreCoercedOrDefaultedAndReported() throws {
        let json = """
        {"data": {"token": "t", "chatbots": [
           {"chatbot_id": "b", "agent_name": 42, "sort_order": "3", "quick_questions": ["Hi", {"question": "Q2"}, {"text": "Q3"}, 7, {"x": 1}]},
           {"chatbot_id": "a", "agent_name": "First", "sort_order": 1},
           "garbage", {"agent_name": "no id"}],
         "widget": {"branding": {"theme_color": "blue", "show_powered_by": "false", "theme_mode": "1"},
                    "behaviour": {"enable_sources": 0}, "loader": {"loader_texts": "Thinking"},
                    "header": {"title": ["x"]}}}}
        """
        let h = try Handshake.decode(Data(json.utf8))
        #expect(h.agents.count == 2)
        #expect(h.sortedAgents.map(\.chatbotID) == ["a", "b"])
        let b = try #require(h.agents.first { $0.chatbotID == "b" })
        #expect(b.name == "42")
        #expect(b.sortOrder == 3)
        #expect(b.quickQuestions == ["Hi", "Q2", "Q3", "7"])
        #expect(h.widget.branding.themeColor == "#2563EB")
        #expect(!h.widget.branding.showPoweredBy)
        #expect(h.widget.branding.themeMode == 1)
        #expect(!h.widget.behaviour.enableSources)
        #expect(h.widget.loader.loaderTexts == ["Thinking"])
        #expect(h.widget.header.title == WidgetConfig.Header().title)
        let kinds = Dictionary(h.warnings.map { ($0.path, $0.kind) }, uniquingKeysWith: { a, _ in a })
        #expect(kinds["data.widget.branding.theme_color"] == .invalid)
        #expect(kinds["data.chatbots[0].agent_name"] == .wrongType)
        #expect(kinds["data.chatbots[0].quick_questions[4]"] == .wrongType)
        #expect(kinds["data.chatbots[2]"] == .wrongType)
        #expect(kinds["data.widget.header.title"] == .wrongType)
    }

    @Test func unusableAnswersThrowClearErrors() {
        #expect(throws: HandshakeDecodeError.notJSON) { try Handshake.decode(Data("<html>".utf8)) }
        #expect(throws: HandshakeDecodeError.noToken) { try Handshake.decode(Data(#"{"data":{"chatbots":[]}}"#.utf8)) }
        #expect(throws: HandshakeDecodeError.noAgents) { try Handshake.decode(Data(#"{"data":{"token":"x","chatbots":[]}}"#.utf8)) }
    }

    @Test func unknownFieldsAreIgnored() throws {
        let json = #"{"extra":1,"data":{"token":"t","new":{"a":[1]},"chatbots":[{"chatbot_id":"a","greeting":"hi","future":true}]}}"#
        let h = try Handshake.decode(Data(json.utf8))
        #expect(h.agents.first?.greeting == "hi")
    }

    @Test func errorEnvelopesBecomeActionableMessages() {
        let body = #"{"message":"Unauthorized","error":{"code":"UNAUTHORIZED","detail":"Authentication token is missing or invalid."}}"#
        let e = RobofyError.fromResponse(status: 401, body: Array(body.utf8), retryAfterHeader: nil)
        #expect(e.status == 401)
        #expect(e.userMessage.contains("UNAUTHORIZED"))
        #expect(e.userMessage.contains("Authentication token is missing or invalid."))
        let html = RobofyError.fromResponse(status: 502, body: Array("<html><body><h1>Bad Gateway</h1></body></html>".utf8),
                                            retryAfterHeader: nil)
        #expect(html.userMessage.contains("502"))
        #expect(html.userMessage.contains("Bad Gateway"))
        #expect(!html.userMessage.contains("<"))
        let empty = RobofyError.fromResponse(status: 500, body: [], retryAfterHeader: nil)
        #expect(empty.userMessage.contains("500"))
        #expect(empty.isRetryable)
        let limited = RobofyError.fromResponse(status: 429, body: [], retryAfterHeader: "3")
        #expect(limited.retryAfter == 3)
        #expect(limited.userMessage.contains("wait 3 s"))
        let notFound = RobofyError.fromResponse(status: 404, body: Array(#"{"message":"Not found","error":{"code":"PROJECT_NOT_FOUND"}}"#.utf8), retryAfterHeader: nil)
        #expect(notFound.userMessage.contains("--project-id"))
    }

    @Test func targetURLValidation() throws {
        let t = RobofyTarget(baseURL: "http://127.0.0.1:9/", projectID: "p", chatbotID: "c")
        #expect(try t.url("/v1/x") == "http://127.0.0.1:9/v1/x")
        let bad = RobofyTarget(baseURL: "not a url", projectID: "p", chatbotID: "c")
        #expect(throws: RobofyError.invalidBaseURL("not a url")) { try bad.url("/v1/x") }
    }

    @Test func chatBodyHasTheDocumentedShape() throws {
        let first = RobofyClient.chatBody(ChatRequest(query: "Hello", chatbotID: "c"), projectID: "p")
        let j = try #require(JSONValue.parse(first))
        #expect(j["query"]?.stringValue == "Hello")
        #expect(j["pid"]?.stringValue == "p")
        #expect(j["chatbot_id"]?.stringValue == "c")
        #expect(j["user_context"]?["platform"]?.stringValue == "web")
        #expect(j["user_context"]?["session_id"] == nil)
        let later = RobofyClient.chatBody(ChatRequest(query: "Hi", chatbotID: "c", sessionID: "s1"), projectID: "p")
        #expect(JSONValue.parse(later)?["user_context"]?["session_id"]?.stringValue == "s1")
    }
}
