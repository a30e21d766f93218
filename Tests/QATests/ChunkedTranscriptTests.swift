import Foundation
import RobofyAPI
import Testing
@testable import RobofySession

/// The autosave writes the answer once, in chunks, as it streams (`progress` records), and
/// the `turn` record leaves it out; the reader joins the chunks again.
@Suite struct ChunkedTranscriptTests {
    func scratch() throws -> String {
        let dir = NSTemporaryDirectory() + "robofy-chunked-" + UUID().uuidString.prefix(8)
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        return dir
    }

    /// A recorder that autosaves to a file in a scratch folder (progress every 10 ms), and a
    /// secret `Redaction` knows.
    func recording() throws -> (dir: String, path: String, store: TranscriptStore, recorder: SessionRecorder, secret: String) {
        let dir = try scratch()
        let path = dir + "/t.jsonl"
        let store = TranscriptStore(path: path)
        let recorder = SessionRecorder(store: store, target: "demo", progressInterval: 0.01)
        let secret = "sk-" + UUID().uuidString.replacingOccurrences(of: "-", with: "")
        Redaction.remember(secret)
        return (dir, path, store, recorder, secret)
    }

    /// Finishes `turn` complete with `answer`, flushes the recorder, closes the transcript
    /// and reads it back.
    func finish(_ turn: Turn, answer: String, recorder: SessionRecorder, store: TranscriptStore,
                path: String) throws -> Data {
        var turn = turn
        turn.answer = answer
        turn.status = .complete
        recorder.tap(.turnFinished(turn))
        recorder.flush()
        store.close()
        return try Data(contentsOf: URL(fileURLWithPath: path))
    }

    /// A long answer with lines, Unicode, a control character and a secret, in uneven pieces.
    static func answerPieces(secret: String) -> (answer: String, pieces: [String]) {
        var answer = ""
        for i in 0..<6_000 {
            answer += "Line \(i): déjà vu — 東京 🙂 \"quoted\" \\ tab\there"
            if i == 3_100 { answer += " key=\(secret) " }
            answer += i % 7 == 0 ? "\u{7}\n" : "\n"
        }
        let characters = Array(answer)
        var pieces: [String] = []
        var i = 0
        var n = 1
        while i < characters.count {
            let k = min(characters.count - i, 1 + (n * 37) % 90)
            pieces.append(String(characters[i..<(i + k)]))
            i += k
            n += 1
        }
        return (answer, pieces)
    }

    @Test func aChunkedAnswerReadsBackIdentical() throws {
        let (dir, path, store, recorder, secret) = try recording()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let (answer, pieces) = Self.answerPieces(secret: secret)
        #expect(answer.utf8.count > 300_000)
        let turn = Turn(id: 3, agentID: "demo-nova", agentName: "Nova", userText: "long one")
        recorder.tap(.turnStarted(turn))
        func progressRecords() -> Int {
            FileManager.default.contents(atPath: path).map { TranscriptStore.parse($0).records }?
                .filter { $0.kind == .progress }.count ?? 0
        }
        // Half the answer, then the recorder's own timer writes it; then the rest.
        let half = pieces.count / 2
        for p in pieces[..<half] { recorder.tap(.change(turnID: 3, .text(p))) }
        let deadline = Date().addingTimeInterval(20)
        while progressRecords() == 0, Date() < deadline { usleep(5_000) }
        for p in pieces[half...] { recorder.tap(.change(turnID: 3, .text(p))) }
        let data = try finish(turn, answer: answer, recorder: recorder, store: store, path: path)
        let text = String(decoding: data, as: UTF8.self)
        #expect(!text.contains(secret), "the secret reached the transcript")
        let file = TranscriptStore.parse(data)
        #expect(file.problems.isEmpty)
        #expect(file.records.filter { $0.kind == .progress }.count > 1)
        let last = try #require(file.records.last)
        #expect(last.kind == .turn && last.answerInProgress == true)
        // The turn record does not carry the answer again.
        let lastLine = try #require(text.split(separator: "\n").last)
        #expect(lastLine.utf8.count < 4_000)
        let entry = try #require(file.entries.first)
        #expect(entry.kind == .turn)
        let expected = answer.replacingOccurrences(of: secret, with: Redaction.placeholder)
        #expect(entry.turn?.answer == expected)
        #expect(entry.partialAnswer == expected)
        #expect(entry.record.turn?.answer == expected)
    }

    /// An answer that is one long word (no line break, no space): written as it streams, but
    /// for its end, in records that never cut a secret or a JWT in two (each record is
    /// redacted on its own), and read back whole and redacted.
    @Test func aLongWordIsWrittenAsItStreamsWithoutCuttingASecret() throws {
        let (dir, path, store, recorder, secret) = try recording()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let jwt = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.c2lnbmF0dXJlc2lnbmF0dXJl"
        // About 600 KiB: filler with a secret every 97 bytes, a JWT now and then, and é.
        var word = ""
        var k = 0
        while word.utf8.count < 600_000 {
            word += String(repeating: k % 3 == 0 ? "é" : "w", count: 31 + k % 40)
            word += k % 50 == 7 ? jwt : secret
            k += 1
        }
        let turn = Turn(id: 4, agentID: "demo-nova", agentName: "Nova", userText: "one word")
        recorder.tap(.turnStarted(turn))
        func progressText() -> String {
            let records = FileManager.default.contents(atPath: path).map { TranscriptStore.parse($0).records } ?? []
            return records.filter { $0.kind == .progress }.compactMap(\.text).joined()
        }
        let characters = Array(word)
        var i = 0
        while i < characters.count {
            let n = min(characters.count - i, 50 + i % 900)
            recorder.tap(.change(turnID: 4, .text(String(characters[i..<(i + n)]))))
            i += n
        }
        // Before the answer ends, all of it but its last few KiB is in the file.
        let expected = Redaction.redact(word)
        let most = expected.utf8.count - 2 * StreamRedactor.maxHold
        let deadline = Date().addingTimeInterval(20)
        while progressText().utf8.count < most, Date() < deadline { usleep(5_000) }
        let early = progressText()
        #expect(early.utf8.count >= most, "\(early.utf8.count) of \(expected.utf8.count) bytes written while the word streamed")
        #expect(expected.hasPrefix(early))
        let data = try finish(turn, answer: word, recorder: recorder, store: store, path: path)
        let records = TranscriptStore.parse(data).records.filter { $0.kind == .progress }
        #expect(records.count > 2)
        #expect(expected.contains("[redacted]") && !expected.contains(secret) && !expected.contains("eyJ"))
        // Read back joined: the word redacted whole (a secret cut in two would be there raw).
        #expect(records.compactMap(\.text).joined() == expected)
        #expect(!String(decoding: data, as: UTF8.self).contains("eyJ"))
    }

    /// What the stand-in disk saw: the thread that flushed, and whether its wait ran out.
    final class SlowDisk: @unchecked Sendable {
        let lock = NSLock()
        var flushedOn: pthread_t?
        var waitRanOut = false
        let gate = DispatchSemaphore(value: 0)
        let flushed = DispatchSemaphore(value: 0)

        func flush(_ fd: Int32) {
            let ranOut = gate.wait(timeout: .now() + 5) == .timedOut
            lock.withLock {
                flushedOn = pthread_self()
                waitRanOut = ranOut
            }
            _ = fsync(fd)
            flushed.signal()
        }
    }

    /// A finished turn is written at once, and its fsync is the recorder's queue's: while the
    /// disk is slow (the fsync held back), the turn is in the file already and the records
    /// after it are written without waiting for the fsync (neither on the thread that
    /// yields the events, the HTTP client's event loop, nor behind the store's lock).
    @Test func aSlowDiskHoldsUpNeitherTheTurnNorTheRecordsAfterIt() throws {
        let dir = try scratch()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let path = dir + "/t.jsonl"
        let disk = SlowDisk()
        let store = TranscriptStore(path: path, flush: { disk.flush($0) })
        let recorder = SessionRecorder(store: store, target: "demo")
        var turn = Turn(id: 1, agentID: "demo-nova", agentName: "Nova", userText: "hello")
        recorder.tap(.turnStarted(turn))
        turn.answer = "Hello! How can I help?"
        turn.status = .complete
        recorder.tap(.turnFinished(turn))
        recorder.tap(.turnStarted(Turn(id: 2, agentID: "demo-nova", agentName: "Nova", userText: "next")))
        let records = FileManager.default.contents(atPath: path).map { TranscriptStore.parse($0).records } ?? []
        #expect(records.contains { $0.kind == .turn && $0.turnID == 1 })
        #expect(records.contains { $0.kind == .turnStarted && $0.turnID == 2 })
        disk.gate.signal()
        #expect(disk.flushed.wait(timeout: .now() + 10) == .success)
        disk.lock.withLock {
            #expect(disk.flushedOn.map { pthread_equal($0, pthread_self()) == 0 } == true)
            #expect(!disk.waitRanOut)
        }
    }

    @Test func anOldFormatTurnRecordStillReads() throws {
        // Before chunked answers: progress records (capped), then a turn record with the whole answer.
        var turn = Turn(id: 1, agentID: "demo-nova", agentName: "Nova", userText: "hi")
        turn.answer = "The whole answer."
        turn.status = .complete
        var started = TranscriptRecord(kind: .turnStarted)
        started.turnID = 1
        started.userText = "hi"
        var progress = TranscriptRecord(kind: .progress)
        progress.turnID = 1
        progress.text = "The whole"
        var final = TranscriptRecord(kind: .turn)
        final.turnID = 1
        final.turn = turn
        let lines = [started, progress, final].map(TranscriptStore.encode).joined(separator: "\n") + "\n"
        #expect(!lines.contains("answerInProgress"))
        let file = TranscriptStore.parse(Data(lines.utf8))
        #expect(file.entries.count == 1)
        #expect(file.entries.first?.turn?.answer == "The whole answer.")
        #expect(file.entries.first?.partialAnswer == "The whole answer.")
    }

    @Test func aTurnWhoseAnswerWasNotStreamedKeepsItInItsRecord() throws {
        let dir = try scratch()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let path = dir + "/t.jsonl"
        let store = TranscriptStore(path: path)
        let recorder = SessionRecorder(store: store, target: "demo")
        var turn = Turn(id: 1, agentID: "demo-nova", agentName: "Nova", userText: "hi")
        recorder.tap(.turnStarted(turn))
        recorder.tap(.change(turnID: 1, .text("Part")))
        turn.answer = "Partly different"
        recorder.tap(.turnFinished(turn))
        recorder.flush()
        store.close()
        let file = try TranscriptStore.read(path: path)
        #expect(file.records.last?.answerInProgress == nil)
        #expect(file.entries.first?.turn?.answer == "Partly different")
    }

    @Test func progressIsCutAtALineBreakOrASpaceNeverInsideAToken() {
        #expect(SessionRecorder.safeCut("one\ntwo three") == 4)
        #expect(SessionRecorder.safeCut("one two") == 4)
        #expect(SessionRecorder.safeCut("abcdef") == 0)
        #expect(SessionRecorder.safeCut("Authorization: Bearer abc") == 15)
        #expect(SessionRecorder.safeCut("x BEARER  abc") == 2)
    }
}

/// Records without a turn or a submission (progress records twice a second, markers, the
/// start) are written by hand: the same JSON as JSONEncoder's, and every field of the record.
@Suite struct FlatRecordTests {
    static func every(_ text: String) -> TranscriptRecord {
        var r = TranscriptRecord(kind: .progress, at: Date(timeIntervalSince1970: 1_780_000_000.125))
        r.tool = "robofy-tui 1.0/" + text
        r.target = "http://127.0.0.1:8080/x"
        r.projectID = "p-" + text
        r.agentID = "a1"
        r.agentName = "Nova " + text
        r.sessionID = "s-1"
        r.turnID = 12
        r.userText = text
        r.versionOf = 3
        r.text = text
        r.answerInProgress = false
        return r
    }

    @Test func theSameBytesAsJSONEncoderForPlainText() {
        for text in ["", "plain words", "déjà vu — 東京 🙂 a/b", "\"quoted\" \\ back\nline\ttab"] {
            let r = Self.every(text)
            #expect(TranscriptStore.encodeFlat(r) == TranscriptStore.encodeWithFoundation(r))
            var few = TranscriptRecord(kind: .sessionEnded, at: r.at)
            few.agentID = text
            #expect(TranscriptStore.encodeFlat(few) == TranscriptStore.encodeWithFoundation(few))
        }
    }

    @Test func controlsReadBackAsTheyWere() throws {
        let text = "bell\u{7} esc\u{1B}[31m c1\u{9B}1m del\u{7F} nul\u{0} bs\u{8} ff\u{C} \u{202E}bidi \u{2028}"
        let r = Self.every(text)
        let line = TranscriptStore.encode(r)
        let back = try TranscriptStore.decoder().decode(TranscriptRecord.self, from: Data(line.utf8))
        #expect(back == r)
        #expect(!line.unicodeScalars.contains { $0.value < 0x20 || (0x7F...0x9F).contains($0.value) })
    }

    /// A field added to the record must be added to the hand-written encoder too.
    @Test func theEncoderKnowsEveryField() {
        let fields = Mirror(reflecting: TranscriptRecord(kind: .start)).children.compactMap(\.label)
        #expect(Set(fields) == ["kind", "at", "tool", "target", "projectID", "agentID", "agentName", "sessionID",
                                "turnID", "userText", "versionOf", "text", "turn", "answerInProgress", "submission"])
    }
}
