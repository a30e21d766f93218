import Dispatch
import Foundation
import NIOConcurrencyHelpers
import RobofyAPI

/// A finished turn as "record to script" needs it.
public struct RecordedTurn: Sendable, Equatable {
    public var turn: Turn
    /// The user ended the session ("End chat session") before this turn.
    public var newSessionBefore: Bool
    /// Ratings and leads sent after this turn's answer (F9 scripts replay them).
    public var submissions: [WidgetSubmission] = []
    public init(turn: Turn, newSessionBefore: Bool = false) {
        self.turn = turn
        self.newSessionBefore = newSessionBefore
    }
}

/// Watches a session (as a `SessionEventTap`) and keeps what QA needs of it:
/// - the transcript autosave: each turn appended to a `TranscriptStore` as it
///   happens (see `TranscriptRecord`), so a killed process loses nothing;
/// - the finished turns of the conversation so far, for "record to script".
public final class SessionRecorder: Sendable {
    public let store: TranscriptStore?
    let target: String
    let projectID: String?
    let onError: @Sendable (String) -> Void
    /// Seconds between progress records of a streaming answer.
    let progressInterval: Double
    /// Pending progress text that is written at once (off the session's path, by the
    /// recorder's queue) instead of waiting for the next interval.
    static let progressChunk = 64 * 1024

    struct State {
        var turns: [RecordedTurn] = []
        var endedAgents: Set<String> = []
        var lastSessionID: [String: String] = [:]
        var agentNames: [String: String] = [:]
        var startWritten = false
        var failed = false
        /// Answer text not written yet, per turn.
        var pending: [Int: String] = [:]
        /// Bytes at the start of a turn's pending text known to hold no place to cut (no line
        /// break, no space): a flush looks for one in the text after them alone (a long word
        /// was looked through whole at every flush: a 4 MiB one cost the UI 1.2 s more CPU).
        var noCut: [Int: Int] = [:]
        /// Answer bytes received per turn (written or pending): a finished turn whose answer has
        /// exactly this many bytes has it whole in its progress records.
        var streamedBytes: [Int: Int] = [:]
        var flushScheduled = false
        var chunkFlushScheduled = false
    }
    private let state = NIOLockedValueBox(State())
    private let queue = DispatchQueue(label: "robofy.recorder")

    /// - Parameters:
    ///   - store: where to autosave, or nil to only keep turns in memory.
    ///   - target: where the session talks to, for the `start` record (a base URL or "demo").
    ///   - onError: told once if the autosave fails (the chat goes on).
    public init(store: TranscriptStore?, target: String, projectID: String? = nil, progressInterval: Double = 0.5,
                onError: @escaping @Sendable (String) -> Void = { _ in }) {
        self.store = store
        self.target = target
        self.projectID = projectID
        self.progressInterval = progressInterval
        self.onError = onError
    }

    public var tap: SessionEventTap {
        { [self] event in self.handle(event) }
    }

    /// The finished turns of the conversation so far, in order (a reset drops the
    /// agent's earlier turns, as it does on screen). Long answers are cut to 4,000 characters.
    public var recordedTurns: [RecordedTurn] {
        state.withLockedValue { $0.turns }
    }

    /// Writes pending progress now (call before exiting).
    public func flush() {
        state.withLockedValue { flushPending(&$0) }
    }

    /// A rating goes with the turn it rates; a lead with the agent's last turn (called locked).
    private func attach(_ x: WidgetSubmission, _ s: inout State) {
        let i = x.turnID.flatMap { id in s.turns.lastIndex { $0.turn.id == id } } ?? s.turns.lastIndex { $0.turn.agentID == x.agentID }
        if let i { s.turns[i].submissions.append(x) }
    }

    func handle(_ event: SessionEvent) {
        state.withLockedValue { handle(event, &$0) }
    }

    private func handle(_ event: SessionEvent, _ s: inout State) {
        switch event {
        case .connected(let h), .reauthenticated(let h):
            Redaction.remember(h.token)
            for a in h.agents { s.agentNames[a.chatbotID] = a.name }
        case .turnStarted(let t):
            var r = TranscriptRecord(kind: .turnStarted)
            r.turnID = t.id
            r.agentID = t.agentID
            r.agentName = t.agentName
            r.userText = t.userText
            r.versionOf = t.versionOf
            r.sessionID = s.lastSessionID[t.agentID]
            write(r, sync: false, &s)
        case .change(let id, .text(let piece)):
            guard store != nil, !s.failed else { return }
            s.pending[id, default: ""] += piece
            s.streamedBytes[id, default: 0] += piece.utf8.count
            // A long pending text is written at once; one with no place to cut is looked at
            // again when it has grown by as much as was looked through (once per doubling).
            let count = s.pending[id, default: ""].utf8.count, looked = s.noCut[id] ?? 0
            if count >= Self.progressChunk && count - looked >= max(Self.progressChunk, looked) {
                scheduleChunkFlush(&s)
            } else {
                scheduleFlush(&s)
            }
        case .turnFinished(let t):
            // The rest of the answer goes out as progress, and the turn record leaves it out
            // when the progress records hold it whole (no quoting of a long answer at the end).
            let whole = s.streamedBytes.removeValue(forKey: t.id) == t.answer.utf8.count && !s.failed && store != nil
            s.noCut[t.id] = nil
            if let rest = s.pending.removeValue(forKey: t.id), !rest.isEmpty, whole {
                writeProgress(t.id, rest, &s)
            }
            if let sid = t.sessionID { s.lastSessionID[t.agentID] = sid }
            var r = TranscriptRecord(kind: .turn)
            r.turnID = t.id
            r.agentID = t.agentID
            r.agentName = t.agentName
            r.sessionID = t.sessionID ?? s.lastSessionID[t.agentID]
            r.turn = t
            if whole && !t.answer.isEmpty {
                r.turn?.answer = ""
                r.answerInProgress = true
            }
            write(r, sync: true, &s)
            var kept = t
            // (Only the first 4,000 characters are walked: `count` would walk a long answer whole.)
            let head = kept.answer.prefix(4000)
            if head.endIndex != kept.answer.endIndex { kept.answer = String(head) }
            kept.reasoning = ""
            s.turns.append(RecordedTurn(turn: kept, newSessionBefore: s.endedAgents.remove(t.agentID) != nil))
        case .sessionEnded(let agentID):
            s.endedAgents.insert(agentID)
            writeMarker(.sessionEnded, agentID: agentID, &s)
        case .chatReset(let agentID):
            s.turns.removeAll { $0.turn.agentID == agentID }
            s.endedAgents.remove(agentID)
            writeMarker(.chatReset, agentID: agentID, &s)
        case .submitted(let x):
            attach(x, &s)
            var r = TranscriptRecord(kind: .submission)
            r.agentID = x.agentID
            r.turnID = x.turnID
            r.sessionID = x.sessionID
            r.submission = x
            write(r, sync: true, &s)
        default:
            break
        }
    }

    /// A record that an agent's conversation ended there (its session id is forgotten).
    private func writeMarker(_ kind: TranscriptRecord.Kind, agentID: String, _ s: inout State) {
        var r = TranscriptRecord(kind: kind)
        r.agentID = agentID
        r.agentName = s.agentNames[agentID]
        r.sessionID = s.lastSessionID.removeValue(forKey: agentID)
        write(r, sync: false, &s)
    }

    private func scheduleFlush(_ s: inout State) {
        guard !s.flushScheduled else { return }
        s.flushScheduled = true
        queue.asyncAfter(deadline: .now() + progressInterval) { [self] in
            self.state.withLockedValue { s in
                s.flushScheduled = false
                self.flushPending(&s, wholeText: false)
            }
        }
    }

    /// A long pending text is written by the queue at once, not at the next interval.
    private func scheduleChunkFlush(_ s: inout State) {
        guard !s.chunkFlushScheduled else { return }
        s.chunkFlushScheduled = true
        queue.async { [self] in
            self.state.withLockedValue { s in
                s.chunkFlushScheduled = false
                self.flushPending(&s, wholeText: false)
            }
        }
    }

    /// Writes pending text as progress records. `wholeText` false (while it streams): only up
    /// to the last line break or space, so that no token or secret is cut in two records
    /// (each record is redacted on its own); the rest waits for more text or the turn's end.
    /// A long word is written but for its last `StreamRedactor.maxHold` bytes, cut where no
    /// secret, "bearer" or JWT is split (`StreamRedactor.cutInLongWord`): a killed process
    /// keeps most of an answer that is one long word too, and what waits stays small.
    private func flushPending(_ s: inout State, wholeText: Bool = true) {
        for id in s.pending.keys.sorted() {
            guard let text = s.pending[id], !text.isEmpty else { continue }
            let total = text.utf8.count
            var cut = total
            if !wholeText {
                cut = Self.safeCut(text, from: s.noCut[id] ?? 0)
                if cut == 0 {
                    s.noCut[id] = total
                    if total > StreamRedactor.maxHold { cut = StreamRedactor.cutInLongWord(Array(text.utf8)) }
                }
            }
            guard cut > 0 else { continue }
            if cut == total {
                s.pending[id] = ""
                s.noCut[id] = nil
                writeProgress(id, text, &s)
            } else {
                let utf8 = text.utf8
                let at = utf8.index(utf8.startIndex, offsetBy: cut)
                s.pending[id] = String(text[at...])
                // What is left has no place to cut: it follows the last one, or is a long word's end.
                s.noCut[id] = total - cut
                writeProgress(id, String(text[..<at]), &s)
            }
        }
    }

    private func writeProgress(_ id: Int, _ text: String, _ s: inout State) {
        var r = TranscriptRecord(kind: .progress)
        r.turnID = id
        r.text = text
        write(r, sync: false, &s)
    }

    /// Bytes of `text` up to and including its last line break, or else its last space or
    /// tab not right after "bearer" (a `Bearer <token>` stays whole); 0 when there is none.
    /// `from`: bytes at the start known to hold neither (not looked through again).
    static func safeCut(_ text: String, from: Int = 0) -> Int {
        var copy = text
        return copy.withUTF8 { b -> Int in
            var i = b.count
            var space = 0
            while i > from {
                let c = b[i - 1]
                if c == 0x0A { return i }
                if space == 0, c == 0x20 || c == 0x09, !afterBearer(b, i - 1) { space = i }
                i -= 1
            }
            return space
        }
    }

    /// Whether the whitespace at `i` follows the word "bearer" (any case).
    private static func afterBearer(_ b: UnsafeBufferPointer<UInt8>, _ i: Int) -> Bool {
        var j = i
        while j > 0, b[j - 1] == 0x20 || b[j - 1] == 0x09 { j -= 1 }
        guard j >= 6 else { return false }
        let word: [UInt8] = Array("bearer".utf8)
        for k in 0..<6 where b[j - 6 + k] | 0x20 != word[k] { return false }
        return true
    }

    /// Appends a record (after the `start` record); on the first failure tells `onError` and stops.
    /// (`Redaction` takes out every token the session held.) `sync`: the file is then fsynced
    /// by the recorder's queue, never on the thread that yields the event (the HTTP client's
    /// event loop while an answer streams, or whichever thread holds the session): the record
    /// is written at once, so a killed process keeps it, and a slow disk holds up nothing.
    private func write(_ record: TranscriptRecord, sync: Bool, _ s: inout State) {
        guard let store, !s.failed else { return }
        do {
            if !s.startWritten {
                if record.kind == .turnStarted || record.kind == .turn || record.kind == .progress {
                    var start = TranscriptRecord(kind: .start)
                    start.tool = "robofy-tui \(RobofyVersion.string)"
                    start.target = target
                    start.projectID = projectID
                    try store.append(start)
                    s.startWritten = true
                } else {
                    return  // nothing worth a file yet
                }
            }
            try store.append(record)
            if sync { queue.async { store.sync() } }
        } catch {
            s.failed = true
            onError("Autosave stopped: \(error.description)")
        }
    }
}
