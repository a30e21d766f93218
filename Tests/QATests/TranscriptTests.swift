import DemoServer
import Foundation
import RobofyAPI
import Testing
import WidgetUI
@testable import RobofySession
import TestSupport

@Suite(.timeLimit(.minutes(2))) struct TranscriptTests {
    @Test func everyTurnIsAppendedAsItFinishesAndReadsBack() async throws {
        let dir = try temporaryDirectory()
        let path = dir + "/nested/t.jsonl"
        let store = TranscriptStore(path: path)
        try store.prepare()
        let recorder = SessionRecorder(store: store, target: "demo", projectID: DemoServer.projectID)
        let events = EventCollector()
        try await withDemoServer { server in
            let s = demoSession(server, agent: "demo-atlas", taps: [recorder.tap, events.tap])
            let first = await s.send("Weather in Paris?")
            #expect(first.status == .complete)
            // On disk before the next turn starts.
            let afterOne = TranscriptStore.parse(try Data(contentsOf: URL(fileURLWithPath: path)))
            #expect(afterOne.records.map(\.kind) == [.start, .turnStarted, .progress, .turn])
            _ = await s.send("/error")
            await s.endSession()
            _ = await s.send("hello")
            await s.close()
        }
        recorder.flush()
        store.close()
        let data = try Data(contentsOf: URL(fileURLWithPath: path))
        let text = String(decoding: data, as: UTF8.self)
        #expect(text.hasSuffix("\n"))
        // Every line is one JSON object.
        for line in text.split(separator: "\n") {
            #expect(JSONValue.parse(String(line))?.objectValue != nil, "not JSON: \(line)")
        }
        let token = try #require(events.token)
        #expect(!text.contains(token))
        let file = TranscriptStore.parse(data)
        #expect(file.problems.isEmpty)
        #expect(file.start?.target == "demo")
        #expect(file.start?.tool?.hasPrefix("robofy-tui ") == true)
        let entries = file.entries
        #expect(entries.map(\.kind) == [.turn, .turn, .sessionEnded, .turn])
        let weather = try #require(entries[0].turn)
        #expect(weather.userText == "Weather in Paris?")
        #expect(weather.agentID == "demo-atlas" && weather.agentName == "Atlas")
        #expect(weather.tools.first?.name == "get_weather")
        #expect(weather.sessionID != nil && entries[0].record.sessionID == weather.sessionID)
        #expect(weather.timing.duration != nil && weather.finishedAt != nil)
        let failing = try #require(entries[1].turn)
        #expect(!failing.errors.isEmpty)
        #expect(entries[3].turn?.sessionID != weather.sessionID, "the session was ended in between")

        let md = TranscriptRendering.markdown(file)
        #expect(md.contains("**You:** Weather in Paris?"))
        #expect(md.contains("> tool `get_weather` done — input `{\"city\":\"Paris\"}`"))
        #expect(md.contains("**Atlas:** It's currently 18 °C and cloudy in Paris."))
        #expect(md.contains("> ⚠ Scripted failure (/error)"))
        #expect(md.contains("_Session ended (Atlas)"))
        #expect(md.contains("session \(weather.sessionID ?? "?")"))
        let summary = TranscriptRendering.summary(file, path: path)
        #expect(summary.contains("3 turns (3 complete)"))
        #expect(summary.contains("[get_weather]"))
    }

    @Test func longTextsRoundTripThroughTheFastQuoting() throws {
        // Long answers are quoted by the store itself (not JSONEncoder): every character must
        // come back, and a line stays one line.
        var odd = "quote \" backslash \\ slash / tab \t cr \r nl \n bell \u{07} esc \u{1B}[31m nul \u{0} del \u{7F} c1 \u{85}\u{9F} nbsp \u{A0} "
        odd += "é 漢字 👩‍👩‍👧 \u{2028} \u{2029} robofy-slot- \"robofy-slot-x\" "
        let long = String(repeating: odd, count: 200)
        var t = Turn(id: 7, agentID: "a", agentName: "A", userText: "q \" \n",
                     startedAt: Date(timeIntervalSince1970: 1_699_999_999))
        t.answer = long
        t.reasoning = String(long.reversed())
        t.status = .complete
        t.errors = [odd]
        var r = TranscriptRecord(kind: .turn, at: Date(timeIntervalSince1970: 1_700_000_000))
        r.turn = t
        r.turnID = 7
        var p = TranscriptRecord(kind: .progress, at: Date(timeIntervalSince1970: 1_700_000_001))
        p.text = long
        p.turnID = 7
        for record in [r, p] {
            let line = TranscriptStore.encode(record)
            #expect(!line.contains("\n"), "one record, one line")
            #expect(!line.contains("robofy-slot-") || line.contains("robofy-slot-x"), "no placeholder left behind")
            let file = TranscriptStore.parse(Data((line + "\n").utf8))
            #expect(file.problems.isEmpty)
            let back = try #require(file.records.first)
            #expect(back == record)
            // The same as JSONEncoder would have written, once decoded.
            let reference = TranscriptStore.parse(Data((TranscriptStore.encodeWithFoundation(record) + "\n").utf8))
            #expect(reference.records.first == back)
        }
        #expect(JSONValue.quote("a\u{1}b") == #""a\u0001b""#)
    }

    @Test func anUnfinishedTurnKeepsWhatWasOnScreen() throws {
        // What a killed process leaves: a started turn, some progress, no final record, a torn last line.
        let lines = [
            #"{"at":"2026-01-01T10:00:00.000Z","kind":"start","target":"demo","tool":"robofy-tui 0.1.0"}"#,
            #"{"agentID":"demo-nova","agentName":"Nova","at":"2026-01-01T10:00:01.000Z","kind":"turn-started","turnID":1,"userText":"/long 500"}"#,
            #"{"at":"2026-01-01T10:00:01.500Z","kind":"progress","text":"Lorem ipsum ","turnID":1}"#,
            #"{"at":"2026-01-01T10:00:02.000Z","kind":"progress","text":"dolor sit","turnID":1}"#,
            #"{"at":"2026-01-01T10:00:02.5"#,
        ]
        let file = TranscriptStore.parse(Data(lines.joined(separator: "\n").utf8))
        #expect(file.problems == ["line 5: incomplete (the program ended while writing it)"])
        let e = try #require(file.entries.first)
        #expect(e.kind == .unfinished)
        #expect(e.userText == "/long 500")
        #expect(e.partialAnswer == "Lorem ipsum dolor sit")
        let md = TranscriptRendering.markdown(file)
        #expect(md.contains("**Nova:** Lorem ipsum dolor sit"))
        #expect(md.contains("_(unfinished: the program ended before this answer was complete)_"))
        #expect(TranscriptRendering.summary(file, path: "x").contains("unfinished"))
    }

    @Test func progressIsWrittenWhileAnAnswerStreams() async throws {
        let dir = try temporaryDirectory()
        let path = dir + "/p.jsonl"
        let store = TranscriptStore(path: path)
        let recorder = SessionRecorder(store: store, target: "demo", progressInterval: 0.05)
        let tap = recorder.tap
        var turn = Turn(id: 7, agentID: "demo-nova", agentName: "Nova", userText: "/long 2000")
        tap(.turnStarted(turn))
        // (One piece: the recorder's timer, 50 ms, may come between two.)
        tap(.change(turnID: 7, .text("Lorem ipsum ")))
        func records() -> [TranscriptRecord] {
            FileManager.default.contents(atPath: path).map { TranscriptStore.parse($0).records } ?? []
        }
        // Written by the recorder's own timer, with no further event.
        #expect(await eventually(timeout: 30) { records().contains { $0.kind == .progress } })
        #expect(records().filter { $0.kind == .progress }.compactMap(\.text).joined() == "Lorem ipsum ")
        tap(.change(turnID: 7, .text("dolor")))
        recorder.flush()
        #expect(records().filter { $0.kind == .progress }.compactMap(\.text).joined() == "Lorem ipsum dolor")
        #expect(records().map(\.kind) == [.start, .turnStarted, .progress, .progress])
        #expect(TranscriptStore.parse(try Data(contentsOf: URL(fileURLWithPath: path))).entries.first?.partialAnswer
                == "Lorem ipsum dolor")
        // The rest goes out as progress too; the final record leaves the answer to the progress records.
        tap(.change(turnID: 7, .text(" sit")))
        turn.answer = "Lorem ipsum dolor sit"
        turn.status = .stopped
        tap(.turnFinished(turn))
        recorder.flush()
        store.close()
        let file = try TranscriptStore.read(path: path)
        #expect(file.records.last?.kind == .turn)
        #expect(file.records.last?.answerInProgress == true)
        // (At least three: the timer may write " sit" in two.)
        #expect(file.records.filter { $0.kind == .progress }.count >= 3)
        #expect(file.records.filter { $0.kind == .progress }.compactMap(\.text).joined() == "Lorem ipsum dolor sit")
        #expect(file.entries.first?.turn?.status == .stopped)
        #expect(file.entries.first?.partialAnswer == "Lorem ipsum dolor sit")
    }

    @Test func defaultPathFollowsXDG() {
        let date = Date(timeIntervalSince1970: 1_800_000_000)
        let p = TranscriptStore.defaultPath(agent: "Demo Atlas!", date: date, env: ["XDG_STATE_HOME": "/x/state", "HOME": "/h"])
        #expect(p.hasPrefix("/x/state/robofy-tui/transcripts/"))
        #expect(p.hasSuffix("-demo-atlas.jsonl"))
        #expect(p.range(of: #"/\d{8}-\d{6}-demo-atlas\.jsonl$"#, options: .regularExpression) != nil)
        let fallback = TranscriptStore.defaultPath(agent: "a", date: date, env: ["XDG_STATE_HOME": "relative", "HOME": "/h"])
        #expect(fallback.hasPrefix("/h/.local/state/robofy-tui/transcripts/"))
    }

    @Test func anUnwritablePlaceIsReportedOnceAndTheChatGoesOn() async throws {
        let dir = try temporaryDirectory()
        let blocker = dir + "/file"
        #expect(FileManager.default.createFile(atPath: blocker, contents: Data()))
        let errors = LogCapture()
        let recorder = SessionRecorder(store: TranscriptStore(path: blocker + "/t.jsonl"), target: "demo") { errors.logger.error("\($0)") }
        try await withDemoServer { server in
            let s = demoSession(server, taps: [recorder.tap])
            #expect(await s.send("hello").status == .complete)
            #expect(await s.send("hello").status == .complete)
            await s.close()
        }
        let reported = errors.messages.joined(separator: "\n")
        #expect(reported.hasPrefix("Autosave stopped: cannot create the folder"))
        #expect(reported.components(separatedBy: "Autosave stopped").count == 2)
        #expect(recorder.recordedTurns.count == 2)
    }

    /// Invisible and bidi controls in a record are written as escapes (a transcript read in a
    /// terminal or an editor shows them); the scan goes by bytes, and finds exactly the scalars.
    @Test func invisibleControlsAreEscapedWhereverTheyAre() {
        func unsafe(_ v: UInt32) -> Bool {
            (0x80...0x9F).contains(v) || v == 0x61C || (0x200B...0x200F).contains(v) || (0x2028...0x202E).contains(v)
                || (0x2060...0x206F).contains(v) || v == 0xFEFF
        }
        func reference(_ s: String) -> String {
            var out = ""
            for u in s.unicodeScalars {
                out += unsafe(u.value) ? String(format: "\\u%04x", u.value) : String(u)
            }
            return out
        }
        var scalars: [UInt32] = [0x7F, 0xA0, 0xA9, 0x61B, 0x61D, 0x200A, 0x2010, 0x2027, 0x202F, 0x205F, 0x2070,
                                 0xFEFE, 0xFF00, 0xE9, 0x1F600, 0x800, 0xFFFD]
        for v in UInt32(0x80)...0x9F { scalars.append(v) }
        scalars += [0x61C, 0xFEFF] + Array(0x200B...0x200F) + Array(0x2028...0x202E) + Array(0x2060...0x206F)
        for v in scalars {
            guard let u = Unicode.Scalar(v) else { continue }
            for text in ["a\(u)b", "\(u)", "é\(u)", "\(u)\(u)x", "{\"text\":\"\(u)\"}"] {
                #expect(TranscriptStore.escapeInvisibleControls(text) == reference(text), "U+\(String(v, radix: 16))")
            }
        }
        #expect(TranscriptStore.escapeInvisibleControls("plain ascii") == "plain ascii")
    }

    /// Record times are written by hand exactly as `ISO8601DateFormatter` writes them.
    @Test func recordTimesAreWrittenAsTheFormatterWritesThem() {
        var rng = SystemRandomNumberGenerator()
        var dates = [0, 0.0009, 0.999, 0.9999, 59.5, 951_782_400, 1_796_000_000.123, 253_402_300_799.5].map {
            Date(timeIntervalSince1970: $0)
        }
        for _ in 0..<2_000 {
            dates.append(Date(timeIntervalSince1970: Double.random(in: 0..<253_402_300_800, using: &rng)))
            dates.append(Date(timeIntervalSince1970: Double(Int.random(in: 0..<4_000_000_000, using: &rng)) + Double(Int.random(in: 0..<1000, using: &rng)) / 1000))
        }
        dates += [Date(timeIntervalSince1970: -1.5), Date(timeIntervalSince1970: 300_000_000_000), Date()]
        for d in dates {
            #expect(TranscriptDates.format(d) == TranscriptDates.formatWithFoundation(d), "\(d.timeIntervalSince1970)")
        }
    }

    @Test func theEventLogHasEverythingButTheToken() async throws {
        let log = LogCapture()
        let events = EventCollector()
        try await withDemoServer { server in
            let s = demoSession(server, agent: "demo-atlas", taps: [events.tap, SessionEventLog(logger: log.logger).tap],
                                logger: log.logger)
            _ = await s.send("Weather in Paris?")
            await s.close()
        }
        let text = log.text
        let token = try #require(events.token)
        #expect(!text.contains(token))
        #expect(text.contains("handshake json {"))
        #expect(text.contains("\"token\":\"[redacted]\""))
        #expect(text.contains("Authorization: Bearer [redacted]"))
        #expect(text.contains("response") && text.contains("status=200"))
        #expect(text.range(of: #"event turn=1 \+\d+\.\d{3}s \{"type":"start""#, options: .regularExpression) != nil)
        #expect(text.contains("\"type\":\"tool-input-available\""))
        // Deltas that arrived together (one run) are written one event a line, as received.
        let deltaLines = text.split(separator: "\n").filter { $0.contains("\"type\":\"text-delta\"") }
        var deltas = 0
        for case .chunks(_, let batch, _) in events.events {
            for e in batch.flatMap(\.events) { if case .textDelta = e.chunk { deltas += 1 } }
        }
        #expect(!deltaLines.isEmpty && deltaLines.count == deltas)
        #expect(deltaLines.allSatisfy { $0.contains("event turn=1 +") && $0.hasSuffix("\"} ")
            && $0.components(separatedBy: "\"type\":\"text-delta\"").count == 2 }, "\(deltaLines)")
        #expect(text.contains("turn finished") && text.contains("ttfb=") && text.contains("chars_per_s="))
        #expect(text.contains("tools=get_weather"))
    }

    @Test func secretsAreFoundWhereverTheyAre() {
        // The byte search for a known secret agrees with Foundation's `contains`.
        let secret = "eyJhbGciOiJIUzI1NiJ9.c2VjcmV0.sig-nature_x"
        var rng = SystemRandomNumberGenerator()
        let pieces = ["a", "é", "漢", "👩‍👩‍👧", " ", "e", "eyJ", "eyJhbGciOiJIUzI1NiJ9.c2Vj", "\n", secret]
        for _ in 0..<400 {
            var text = ""
            for _ in 0..<Int.random(in: 0...12, using: &rng) { text += pieces.randomElement(using: &rng) ?? "" }
            let redacted = Redaction.redact(text, secrets: [secret])
            #expect(!redacted.contains(secret), "\(text.debugDescription)")
            if !text.contains(secret) && !text.contains("eyJ") { #expect(redacted == text) }
        }
        #expect(Redaction.redact(secret, secrets: [secret]) == Redaction.placeholder)
        #expect(Redaction.redact("x" + secret, secrets: [secret]) == "x" + Redaction.placeholder)
    }

    @Test func redactionCatchesTokensEverywhere() {
        let jwt = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.c2lnbmF0dXJlLWJ5dGVz"
        #expect(Redaction.redact("Authorization: Bearer abc.def-ghi") == "Authorization: Bearer [redacted]")
        #expect(Redaction.redact("token \(jwt) end") == "token [redacted] end")
        #expect(Redaction.redact("my secret-token-123 here", secrets: ["secret-token-123"]) == "my [redacted] here")
        #expect(Redaction.redact("plain text") == "plain text")
        let h = Redaction.headers([HTTPField("Authorization", "Bearer xyz"), HTTPField("Accept", "*/*")])
        #expect(h == [HTTPField("Authorization", "Bearer [redacted]"), HTTPField("Accept", "*/*")])
    }
}
