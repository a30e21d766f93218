import Foundation
import RobofyAPI
import RobofySession
import Testing
@testable import WidgetUI
import RobofyText

/// Builds app states without a server and renders them to text.
enum Fixture {
    static func agent(_ id: String = "a1", name: String = "Nova", greeting: String = "Hi! How can I help?",
                      quick: [String] = ["What's on sale?", "Track my order"], order: Double = 0) -> Agent {
        Agent(chatbotID: id, name: name, type: "Public", description: "Shop assistant", greeting: greeting,
              sortOrder: order, quickQuestions: quick)
    }

    static func handshake(agents: [Agent] = [agent()], configure: (inout WidgetConfig) -> Void = { _ in }) -> Handshake {
        var w = WidgetConfig()
        w.header.title = "Hello there 👋"
        w.header.subtitle = "How can I help you today?"
        w.header.inputPlaceholder = "Type message here.."
        w.loader.loaderTexts = ["Understanding Query", "Analyzing"]
        configure(&w)
        return Handshake(token: "SECRET", agents: agents, widget: w)
    }

    static func state(_ h: Handshake = handshake(), width: Int = 80, height: Int = 24) -> AppState {
        var s = AppState()
        _ = s.reduce(.resize(width: width, height: height))
        _ = s.reduce(.session(.connected(h)))
        if let a = h.sortedAgents.first { _ = s.reduce(.session(.agentSelected(a))) }
        return s
    }

    static func turn(_ id: Int, _ text: String, agent: String = "a1") -> Turn {
        Turn(id: id, agentID: agent, agentName: "Nova", userText: text)
    }
}

func render(_ s: AppState) -> String {
    Renderer().render(s).canvas.plainText
}

func lines(_ text: String) -> [String] {
    text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
}

@Suite struct LayoutTests {
    @Test func openingScreenAt80x24() {
        let text = render(Fixture.state())
        let l = lines(text)
        #expect(l.count == 24)
        #expect(l[0].hasPrefix(" Hello there 👋"))
        #expect(l[0].hasSuffix("Chat"))
        #expect(l[1] == " How can I help you today?")
        #expect(l[2] == " ● Nova · Public — Shop assistant")
        #expect(l[3] == "   N  Nova")  // the initials badge, then the name
        #expect(l[4] == "   Hi! How can I help?")
        #expect(text.contains("[ What's on sale? ] [ Track my order ]"))
        #expect(l[21].hasPrefix("────") && l[21].hasSuffix("F3 Reset Chat · F4 End Chat Session · F5 Download Transcript ──"))
        #expect(DisplayWidth.of(l[21]) == 80)
        #expect(l[22] == "  › Type message here..")
        #expect(l[23].hasPrefix(" Enter send · Ctrl-J new line · F1 help"))
        #expect(l[23].hasSuffix("Powered by Robofy"))
        // Every row fits the width, wide characters counted as two columns.
        #expect(l.allSatisfy { DisplayWidth.of($0) <= 80 })
    }

    @Test func smallestSupportedSizeAndTooSmall() {
        let s = Fixture.state(width: 40, height: 12)
        let l = lines(render(s))
        #expect(l.count == 12)
        #expect(l.allSatisfy { DisplayWidth.of($0) <= 40 })
        #expect(l[0].contains("Hello there"))
        #expect(l.contains { $0.contains("Hi! How can I help?") })
        #expect(l.contains { $0.contains("Type message here..") })
        var tiny = s
        _ = tiny.reduce(.resize(width: 39, height: 12))
        let t = render(tiny)
        #expect(t.contains("Terminal too small: 39×12."))
        #expect(t.contains("Resize to at least 40×12."))
    }

    @Test func streamingTurnShowsLoaderThenText() {
        var s = Fixture.state()
        _ = s.reduce(.session(.turnStarted(Fixture.turn(1, "What's on sale?"))))
        var text = render(s)
        #expect(text.contains("What's on sale?"))
        #expect(text.contains("Understanding Query…"))
        #expect(!text.contains("[ Track my order ]"), "quick questions hide once the user has spoken")
        #expect(text.contains("Esc stop"))
        _ = s.reduce(.tick(2.0))
        #expect(render(s).contains("Analyzing…"), "loader texts cycle")
        _ = s.reduce(.session(.change(turnID: 1, .text("Today **everything** is 20% off."))))
        text = render(s)
        #expect(!text.contains("Understanding Query"))
        #expect(text.contains("Today everything is 20% off."))
        var done = Fixture.turn(1, "What's on sale?")
        done.answer = "Today **everything** is 20% off."
        done.status = .complete
        _ = s.reduce(.session(.turnFinished(done)))
        #expect(!s.isBusy)
        #expect(render(s).contains("Enter send"))
    }

    @Test func theLoadersBubbleIsAsWideAsItsTextWhateverTheText() {
        // The spinner and the rest are measured apart: the width must still be the whole text's.
        let texts = ["Thinking", "考えています", "👩‍👩‍👧 family", "\u{301}accent first", "e\u{301}té", "שלום", "", " "]
        var s = Fixture.state(Fixture.handshake { $0.loader.loaderTexts = texts }, width: 120, height: 40)
        _ = s.reduce(.session(.turnStarted(Fixture.turn(1, "hi"))))
        let r = Renderer()
        for i in 0..<(texts.count * 15) {
            _ = s.reduce(.tick(Double(i) * 0.1))
            guard let line = r.loaderLines(s, width: 120).first else {
                Issue.record("no loader line")
                return
            }
            let text = line.line.spans.map(\.text).joined()
            #expect(line.fillWidth == DisplayWidth.of(text) + 2, "\(text.debugDescription)")
        }
    }

    @Test func theLoadersWidthsAreRememberedWithinABound() {
        // Widths are measured once per text, and a handshake with endless loader texts
        // cannot grow what the renderer keeps.
        let r = Renderer()
        for round in 0..<2 {
            for i in 0..<1_000 {
                let text = "⠋ Step \(i) 考え…"
                #expect(r.loaderWidth(text) == DisplayWidth.of(text), "round \(round), text \(i)")
                #expect(r.loaderWidths.count <= 256)
            }
        }
        #expect(r.loaderWidths["⠋ Step 999 考え…"] == DisplayWidth.of("⠋ Step 999 考え…"))
    }

    @Test func loaderAnimationStepsEqualWholeFrames() {
        // `renderTick` redraws only the loader's row: at every step (spinner frames, loader
        // texts of different lengths, a status that times out) the frame must be the one a
        // whole render gives, or it must decline.
        for (w, h) in [(80, 24), (40, 12), (120, 40)] {
            var s = Fixture.state(Fixture.handshake { $0.loader.loaderTexts = ["A", "A much longer loader text", "Mid size"] },
                                  width: w, height: h)
            _ = s.reduce(.session(.turnStarted(Fixture.turn(1, "hi"))))
            _ = s.reduce(.notice("Saved.", isError: false))
            let r = Renderer()
            var last = r.render(s)
            var patched = 0, declined = 0
            var t = 0.0
            while t < 12 {
                t += 0.1
                _ = s.reduce(.tick(t))
                let whole = Renderer().render(s)
                let before = last
                if r.renderTick(s, into: &last) {
                    patched += 1
                    #expect(last.canvas == whole.canvas, "\(w)×\(h) at \(t) s")
                    #expect(last.changedRows?.count == 1)
                    if let y = last.changedRows?.first {
                        for yy in 0..<h where yy != y { #expect(last.canvas.row(yy) == before.canvas.row(yy)) }
                    }
                } else {
                    declined += 1
                    #expect(last.canvas == before.canvas, "a declined step leaves the frame alone")
                    last = r.render(s)
                }
            }
            #expect(patched > 100, "\(w)×\(h): most steps redraw one row")
            #expect(declined >= 1, "\(w)×\(h): the status timing out needs a whole frame")
        }
        // No loader (an answer is showing): nothing to step.
        var s = Fixture.state()
        _ = s.reduce(.session(.turnStarted(Fixture.turn(1, "hi"))))
        _ = s.reduce(.session(.change(turnID: 1, .text("Hello"))))
        let r = Renderer()
        var f = r.render(s)
        _ = s.reduce(.tick(0.5))
        #expect(!r.renderTick(s, into: &f))
    }

    @Test func loaderDisabledShowsOnlyASpinner() {
        var s = Fixture.state(Fixture.handshake { $0.loader.enableLoader = false })
        _ = s.reduce(.session(.turnStarted(Fixture.turn(1, "hi"))))
        let text = render(s)
        #expect(!text.contains("Understanding Query"))
        #expect(Renderer.spinner.contains { text.contains($0) })
    }

    @Test func toolsSourcesStoppedAndErrors() {
        var s = Fixture.state()
        _ = s.reduce(.session(.turnStarted(Fixture.turn(1, "weather?"))))
        _ = s.reduce(.session(.change(turnID: 1, .toolStarted(ToolCall(id: "t1", name: "get_weather")))))
        #expect(render(s).contains("⚙ Using get_weather…"))
        var t = Fixture.turn(1, "weather?")
        t.answer = "It is 18°C."
        t.tools = [ToolCall(id: "t1", name: "get_weather", state: .done)]
        t.sources = [Source(id: "s1", url: "https://example.com/w", title: "Weather service")]
        t.status = .stopped
        t.errors = ["The answer stalled: no data for 45 s."]
        _ = s.reduce(.session(.turnFinished(t)))
        let text = render(s)
        #expect(text.contains("✓ Used get_weather"))
        #expect(text.contains("Sources:"))
        #expect(text.contains("[1] Weather service — https://example.com/w"))
        #expect(text.contains("⏹ Stopped"))
        #expect(text.contains("⚠ The answer stalled"))
        // Sources hidden when the widget disables them.
        var s2 = Fixture.state(Fixture.handshake { $0.behaviour.enableSources = false })
        _ = s2.reduce(.session(.turnStarted(Fixture.turn(1, "weather?"))))
        _ = s2.reduce(.session(.turnFinished(t)))
        #expect(!render(s2).contains("Sources:"))
    }

    @Test func emojiCJKAndALongWordWrapInsideTheBubble() {
        var s = Fixture.state(width: 40, height: 20)
        _ = s.reduce(.session(.turnStarted(Fixture.turn(1, "漢字かな交じり文の長いメッセージです。改行されますか？"))))
        var t = Fixture.turn(1, "x")
        t.answer = "👨‍👩‍👧 family 🇫🇷 flag " + String(repeating: "supercalifragilistic", count: 4) + " 漢字漢字漢字漢字漢字漢字漢字漢字漢字漢字漢字漢字"
        t.status = .complete
        _ = s.reduce(.session(.turnFinished(t)))
        let l = lines(render(s))
        #expect(l.allSatisfy { DisplayWidth.of($0) <= 40 }, "\(l)")
        let joined = l.joined(separator: "\n")
        #expect(joined.contains("👨‍👩‍👧"), "a ZWJ sequence must not be split")
        #expect(joined.contains("🇫🇷"))
        // The long word is broken across lines but nothing is lost.
        let body = l.map { $0.trimmingCharacters(in: .whitespaces) }.joined()
        #expect(body.contains(String(repeating: "supercalifragilistic", count: 4)))
        #expect(body.contains("漢字かな交じり文の長いメッセージです。"))
    }

    @Test func resetModalShowsTheWidgetTexts() {
        var s = Fixture.state(Fixture.handshake {
            $0.resetModal.title = "Reset Chat"
            $0.resetModal.description = "This will permanently remove this conversation."
            $0.resetModal.confirmText = "Yes, reset"
            $0.resetModal.cancelText = "Cancel"
        })
        let cmds = s.reduce(.key(.function(3)))
        #expect(cmds.isEmpty)
        let text = render(s)
        #expect(text.contains("Reset Chat"))
        #expect(text.contains("This will permanently remove this conversation."))
        #expect(text.contains("[ Cancel ]  [ Yes, reset ]"))
        let tabbed = s.reduce(.key(.tab))
        #expect(tabbed.isEmpty)
        let confirmed = s.reduce(.key(.enter))
        #expect(confirmed == [.reset])
        #expect(s.overlay == .none)
    }

    @Test func resetWithoutModalResetsAtOnce() {
        var s = Fixture.state(Fixture.handshake { $0.resetModal.enabled = false })
        let cmds = s.reduce(.key(.function(3)))
        #expect(cmds == [.reset])
        #expect(s.overlay == .none)
    }

    @Test func helpOverlayListsEveryKey() {
        var s = Fixture.state()
        _ = s.reduce(.key(.function(1)))
        let text = render(s)
        for k in ["Enter", "Ctrl-J", "Esc", "PgUp", "F2", "F3", "F4", "F5", "F10", "Tab"] {
            #expect(text.contains(k), "help lacks \(k)")
        }
        _ = s.reduce(.key(.char("x")))
        #expect(s.overlay == .none)
    }

    @Test func agentPickerOrdersBySortOrder() {
        let h = Fixture.handshake(agents: [Fixture.agent("b", name: "Beta", order: 2), Fixture.agent("a", name: "Alpha", order: 1)])
        var s = Fixture.state(h)
        #expect(s.agent?.name == "Alpha")
        _ = s.reduce(.key(.function(2)))
        let text = render(s)
        let alpha = text.range(of: "1.  A  Alpha")  // number, initials badge, name
        let beta = text.range(of: "2.  B  Beta")
        #expect(alpha != nil && beta != nil)
        _ = s.reduce(.key(.down))
        let chosen = s.reduce(.key(.enter))
        #expect(chosen == [.selectAgent("b")])
    }

    @Test func quickQuestionsPickedWithTheKeyboardAndHiddenWhenDisabled() {
        var s = Fixture.state()
        _ = s.reduce(.key(.tab))
        #expect(s.focus == .chip(0))
        _ = s.reduce(.key(.right))
        let sent = s.reduce(.key(.enter))
        #expect(sent == [.send("Track my order")])
        let off = Fixture.state(Fixture.handshake { $0.behaviour.enableSuggestedQuestions = false })
        #expect(!render(off).contains("[ What's on sale? ]"))
    }

    @Test func clicksOnChipsSend() {
        var s = Fixture.state()
        let frame = Renderer().render(s)
        let hit = frame.hits.first { if case .chip(1) = $0.1 { return true } else { return false } }
        guard let r = hit?.0 else { Issue.record("no hit region for chip 1"); return }
        #expect(frame.target(x: r.x, y: r.y) == .chip(1))
        let clicked = s.reduce(.click(.chip(1)))
        #expect(clicked == [.send("Track my order")])
    }

    @Test func hostileServerTextNeverReachesTheCanvas() {
        let evil = "Mallory \u{1B}[1;31mRED\u{1B}[0m\u{1B}[2J\u{07}\u{1B}]52;c;cm0gLXJm\u{07}\u{9B}31m\u{202E}fdp.exe a\u{08}b"
        let h = Fixture.handshake(agents: [Fixture.agent(name: evil, greeting: evil, quick: [evil])]) {
            $0.header.title = evil
            $0.loader.loaderTexts = [evil]
        }
        var s = Fixture.state(h)
        _ = s.reduce(.session(.turnStarted(Fixture.turn(1, "hi"))))
        _ = s.reduce(.session(.change(turnID: 1, .text("\u{1B}]8;;https://evil\u{1B}\\link\u{1B}]8;;\u{1B}\\ \u{1B}[31mred"))))
        let canvas = Renderer().render(s).canvas
        for cell in canvas.cells {
            for u in cell.text.unicodeScalars {
                #expect(!(u.value < 0x20 || (0x7F...0x9F).contains(u.value) || (0x202A...0x202E).contains(u.value)
                          || (0x2066...0x2069).contains(u.value)), "control U+\(String(u.value, radix: 16)) on the canvas")
            }
        }
        let text = canvas.plainText
        #expect(text.contains("Mallory RED"))
        #expect(text.contains("link red"))
        #expect(!text.contains("[1;31m"))
    }

    @Test func scrollbackPagesAndClamps() {
        var s = Fixture.state(width: 60, height: 16)
        for i in 1...30 {
            _ = s.reduce(.session(.turnStarted(Fixture.turn(i, "question \(i)"))))
            var t = Fixture.turn(i, "question \(i)")
            t.answer = "answer \(i)"
            t.status = .complete
            _ = s.reduce(.session(.turnFinished(t)))
        }
        let r = Renderer()
        var text = r.render(s).canvas.plainText
        #expect(text.contains("answer 30"))
        _ = s.reduce(.key(.pageUp))
        let f = r.render(s)
        _ = s.reduce(f.shown)
        text = f.canvas.plainText
        #expect(!text.contains("answer 30"))
        #expect(text.contains("more · End"))
        for _ in 0..<100 { _ = s.reduce(.key(.pageUp)) }
        let top = r.render(s)
        #expect(top.canvas.plainText.contains("Hi! How can I help?"))
        _ = s.reduce(top.shown)
        _ = s.reduce(.key(.pageDown))
        #expect(s.scroll < top.scroll)
    }

    @Test func ctrlCTwiceQuitsAndFirstStopsAStream() {
        var s = Fixture.state()
        _ = s.reduce(.session(.turnStarted(Fixture.turn(1, "hi"))))
        let first = s.reduce(.key(.ctrl("c")))
        #expect(first == [.cancel])
        #expect(render(s).contains("Press Ctrl-C again to quit."))
        let second = s.reduce(.key(.ctrl("c")))
        #expect(second == [.quit])
        var later = Fixture.state()
        _ = later.reduce(.key(.ctrl("c")))
        _ = later.reduce(.tick(5))
        let late = later.reduce(.key(.ctrl("c")))
        #expect(late != [.quit], "the second Ctrl-C must come within 2 s")
    }

    @Test func transcriptMarkdownHasTheConversation() {
        var s = Fixture.state()
        _ = s.reduce(.session(.turnStarted(Fixture.turn(1, "hello"))))
        var t = Fixture.turn(1, "hello")
        t.answer = "Hi there"
        t.status = .stopped
        _ = s.reduce(.session(.turnFinished(t)))
        let md = s.transcriptMarkdown()
        #expect(md.contains("**Nova:** Hi! How can I help?"))
        #expect(md.contains("**You:** hello"))
        #expect(md.contains("**Nova:** Hi there"))
        #expect(md.contains("_(stopped)_"))
        #expect(!md.contains("SECRET"))
        guard case .saveTranscript(let m, let name)? = s.reduce(.key(.function(5))).first else {
            Issue.record("F5 did not save")
            return
        }
        #expect(name == "Nova")
        #expect(m.contains("**You:** hello"))
    }

    @Test func inputEditingKeys() {
        var e = InputEditor("hello world")
        e.deleteWordBack()
        #expect(e.text == "hello ")
        e.insert("there\nsecond")
        #expect(e.caretLine == (line: 1, lines: 2))
        e.home()
        e.deleteToLineEnd()
        #expect(e.text == "hello there\n")
        let movedUp = e.moveLine(-1)
        let movedPastTop = e.moveLine(-1)
        #expect(movedUp)
        #expect(!movedPastTop)
        e.end()
        e.deleteToLineStart()
        #expect(e.text == "\n")
        var s = Fixture.state()
        for c in "first" { _ = s.reduce(.key(.char(c))) }
        let sentFirst = s.reduce(.key(.enter))
        #expect(sentFirst == [.send("first")])
        _ = s.reduce(.paste("line one\nline two"))
        #expect(s.input.text == "line one\nline two")
        _ = s.reduce(.key(.ctrl("u")))
        _ = s.reduce(.key(.up))
        _ = s.reduce(.key(.ctrl("k")))
        _ = s.reduce(.key(.up))
        #expect(s.input.text == "first", "Up on the first line recalls history")
    }
}
