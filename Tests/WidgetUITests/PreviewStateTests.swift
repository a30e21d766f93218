import Foundation
import RobofyAPI
import Testing
import RobofyText
@testable import WidgetUI

/// Golden frames of `preview --print --state …`: every state a reviewer needs, with the
/// handshake's own texts. `handshake-extras.json` is the documented handshake with a lead
/// form, a privacy term and rating switched on.
@Suite struct PreviewStateTests {
    static let files: [(String, String)] = [("handshake.json", "documented"), ("handshake-extras.json", "extras")]

    @Test(arguments: files, PreviewState.allCases)
    func stateFrames(_ file: (String, String), _ state: PreviewState) throws {
        let h = try Golden.handshake(file.0)
        let text = PreviewFrame.render(h, width: 80, height: 24, previewState: state)
        try Golden.check(text, "state-\(file.1)-\(state.rawValue)-80x24.txt")
        let rows = text.split(separator: "\n", omittingEmptySubsequences: false).dropLast()
        #expect(rows.count == 24)
        #expect(rows.allSatisfy { DisplayWidth.of($0) <= 80 })
    }

    @Test func eachStateShowsTheHandshakesOwnTexts() throws {
        let h = try Golden.handshake("handshake-extras.json")
        func frame(_ p: PreviewState) -> String { PreviewFrame.render(h, width: 80, height: 24, previewState: p) }
        #expect(frame(.greeting).contains("How can I assist you today?"))
        #expect(frame(.greeting).contains("📝 Get a callback — Ctrl-O to fill in"))
        #expect(frame(.greeting).contains("By chatting you agree to our Privacy Policy (https://example.com/privacy)."))
        let lead = frame(.leadForm)
        #expect(lead.contains("Get a callback"))
        #expect(lead.contains("Leave your details and our kitchenware team calls you back."))
        #expect(lead.contains("[ Call me back ]"))
        #expect(frame(.loader).contains("Understanding Query…"))
        #expect(frame(.answer).contains("👍 You rated this answer helpful"))
        #expect(frame(.answer).contains("GK  Gujarat - Kitchenware - 49586759"))
        let reset = frame(.resetModal)
        #expect(reset.contains("Reset Chat"))
        #expect(reset.contains("[ Yes, reset ]"))
        #expect(reset.contains("[ Cancel ]"))
        #expect(frame(.closed).contains("Hello there 👋 · closed after 60 s idle — press any key to reopen"))
        #expect(frame(.error).contains("⚠ The server answered 500"))
    }

    /// Every field a terminal can show is shown or applied: none is left "set" for lack of a feature.
    @Test func reportLeavesNoShowableFieldUnused() throws {
        for file in ["handshake.json", "handshake-extras.json"] {
            let rows = ConfigReport.rows(try Golden.handshake(file))
            let left = rows.filter { $0.use.contains("in this version") || $0.use.hasPrefix("set, not applied") }
            #expect(left.isEmpty, "\(left.map(\.path))")
            func use(_ suffix: String) -> String { rows.first { $0.path.hasSuffix(suffix) }?.use ?? "" }
            #expect(use(".avatar_image_path").hasPrefix("shown as the initials badge \"GK\""))
            #expect(use(".close_after_time").hasPrefix("applied (emulated): after 60 s without activity"))
        }
        let extras = ConfigReport.rows(try Golden.handshake("handshake-extras.json"))
        func use(_ suffix: String) -> String { extras.first { $0.path.hasSuffix(suffix) }?.use ?? "" }
        #expect(use(".lead_capture.form_title") == "shown: lead form title, offer under the greeting")
        #expect(use(".chatbot_privacy_term").hasPrefix("shown: under the input"))
        #expect(use(".enable_chat_rating").hasPrefix("applied: answers can be rated"))
    }
}
