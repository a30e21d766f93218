import Dispatch
import Foundation
import RobofyAPI

/// A finished turn as "record to script" needs it.
public struct RecordedTurn: Sendable, Equatable {
    public var turn: Turn
    /// The user ended the session ("End chat session") before this turn.
    public var newSessionBefore: Bool
    public init(turn: Turn, newSessionBefore: Bool = false) {
        self.turn = turn
        self.newSessionBefore = newSessionBefore
    }
}

/// Watches a session (as a `SessionEventTap`) and keeps what QA needs of it:
/// - the transcript autosave: each turn appended to a `TranscriptStore` as it
///   happens (see `TranscriptRecord`), so a killed process loses nothing;
/// - the finished turns of the conversation so far, for "record to script".
public final class SessionRecorder: @unchecked Sendable {
    public let store: TranscriptStore?
    let target: String
    let projectID: String?
    let onError: @Sendable (String) -> Void
    /// Seconds between progress records of a streaming answer.
    let progressInterval: Double
    /// Pending progress text that is written at once (off the session's path, by the
    /// recorder's queue) instead of waiting for the next interval.
    static let progressChunk = 64 * 1024

    private let lock = NSLock()
    private var turns: [RecordedTurn] = []
    private var endedAgents: Set<String> = []
    private var lastSessionID: [String: String] = [:]
    private var agentNames: [String: String] = [:]
    private var secrets: Set<String> = []
    private var startWritten = false
    private var failed = false
    /// Answer text not written yet, per turn.
    private var pending: [Int: String] = [:]
    /// Answer bytes received per turn (written or pending): a finished turn whose answer has
    /// exactly this many bytes has it whole in its progress records.
    private var streamedBytes: [Int: Int] = [:]
    private var flushScheduled = false
    private var chunkFlushScheduled = false
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
        lock.lock()
        defer { lock.unlock() }
        return turns
    }

    /// Writes pending progress now (call before exiting).
    public func flush() {
        lock.lock()
        defer { lock.unlock() }
        flushPendingLocked()
    }

    func handle(_ event: SessionEvent) {
        lock.lock()
        defer { lock.unlock() }
        switch event {
        case .connected(let h), .reauthenticated(let h):
            secrets.insert(h.token)
            for a in h.agents { agentNames[a.chatbotID] = a.name }
        case .turnStarted(let t):
            var r = TranscriptRecord(kind: .turnStarted)
            r.turnID = t.id
            r.agentID = t.agentID
            r.agentName = t.agentName
            r.userText = t.userText
            r.sessionID = lastSessionID[t.agentID]
            write(r, sync: false)
        case .change(let id, .text(let piece)):
            guard store != nil, !failed else { return }
            pending[id, default: ""] += piece
            streamedBytes[id, default: 0] += piece.utf8.count
            if pending[id, default: ""].utf8.count >= Self.progressChunk {
                scheduleChunkFlushLocked()
            } else {
                scheduleFlushLocked()
            }
        case .turnFinished(let t):
            // The rest of the answer goes out as progress, and the turn record leaves it out
            // when the progress records hold it whole (no quoting of a long answer at the end).
            let whole = streamedBytes.removeValue(forKey: t.id) == t.answer.utf8.count && !failed && store != nil
            if let rest = pending.removeValue(forKey: t.id), !rest.isEmpty, whole {
                writeProgress(t.id, rest)
            }
            if let sid = t.sessionID { lastSessionID[t.agentID] = sid }
            var r = TranscriptRecord(kind: .turn)
            r.turnID = t.id
            r.agentID = t.agentID
            r.agentName = t.agentName
            r.sessionID = t.sessionID ?? lastSessionID[t.agentID]
            r.turn = t
            if whole && !t.answer.isEmpty {
                r.turn?.answer = ""
                r.answerInProgress = true
            }
            write(r, sync: true)
            var kept = t
            // (Only the first 4,000 characters are walked: `count` would walk a long answer whole.)
            let head = kept.answer.prefix(4000)
            if head.endIndex != kept.answer.endIndex { kept.answer = String(head) }
            kept.reasoning = ""
            turns.append(RecordedTurn(turn: kept, newSessionBefore: endedAgents.remove(t.agentID) != nil))
        case .sessionEnded(let agentID):
            endedAgents.insert(agentID)
            writeMarker(.sessionEnded, agentID: agentID)
        case .chatReset(let agentID):
            turns.removeAll { $0.turn.agentID == agentID }
            endedAgents.remove(agentID)
            writeMarker(.chatReset, agentID: agentID)
        default:
            break
        }
    }

    /// A record that an agent's conversation ended there (its session id is forgotten).
    private func writeMarker(_ kind: TranscriptRecord.Kind, agentID: String) {
        var r = TranscriptRecord(kind: kind)
        r.agentID = agentID
        r.agentName = agentNames[agentID]
        r.sessionID = lastSessionID.removeValue(forKey: agentID)
        write(r, sync: false)
    }

    private func scheduleFlushLocked() {
        guard !flushScheduled else { return }
        flushScheduled = true
        queue.asyncAfter(deadline: .now() + progressInterval) { [self] in
            self.lock.lock()
            defer { self.lock.unlock() }
            self.flushScheduled = false
            self.flushPendingLocked(wholeText: false)
        }
    }

    /// A long pending text is written by the queue at once, not at the next interval.
    private func scheduleChunkFlushLocked() {
        guard !chunkFlushScheduled else { return }
        chunkFlushScheduled = true
        queue.async { [self] in
            self.lock.lock()
            defer { self.lock.unlock() }
            self.chunkFlushScheduled = false
            self.flushPendingLocked(wholeText: false)
        }
    }

    /// Writes pending text as progress records. `wholeText` false (while it streams): only up
    /// to the last line break or space, so that no token or secret is cut in two records
    /// (each record is redacted on its own); the rest waits for more text or the turn's end.
    private func flushPendingLocked(wholeText: Bool = true) {
        for id in pending.keys.sorted() {
            guard let text = pending[id], !text.isEmpty else { continue }
            let cut = wholeText ? text.utf8.count : Self.safeCut(text)
            guard cut > 0 else { continue }
            if cut == text.utf8.count {
                pending[id] = ""
                writeProgress(id, text)
            } else {
                let utf8 = text.utf8
                let at = utf8.index(utf8.startIndex, offsetBy: cut)
                pending[id] = String(text[at...])
                writeProgress(id, String(text[..<at]))
            }
        }
    }

    private func writeProgress(_ id: Int, _ text: String) {
        var r = TranscriptRecord(kind: .progress)
        r.turnID = id
        r.text = text
        write(r, sync: false)
    }

    /// Bytes of `text` up to and including its last line break, or else its last space or
    /// tab not right after "bearer" (a `Bearer <token>` stays whole); 0 when there is none.
    static func safeCut(_ text: String) -> Int {
        var copy = text
        return copy.withUTF8 { b -> Int in
            var i = b.count
            var space = 0
            while i > 0 {
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
    private func write(_ record: TranscriptRecord, sync: Bool) {
        guard let store, !failed else { return }
        do {
            if !startWritten {
                if record.kind == .turnStarted || record.kind == .turn || record.kind == .progress {
                    var s = TranscriptRecord(kind: .start)
                    s.tool = "robofy-tui \(RobofyVersion.string)"
                    s.target = target
                    s.projectID = projectID
                    try store.append(s, secrets: secrets)
                    startWritten = true
                } else {
                    return  // nothing worth a file yet
                }
            }
            try store.append(record, secrets: secrets, sync: sync)
        } catch {
            failed = true
            onError("Autosave stopped: \(error.description)")
        }
    }
}
