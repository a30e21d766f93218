import Dispatch
import Foundation
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
public final class SessionRecorder: @unchecked Sendable {
    public let store: TranscriptStore?
    let target: String
    let projectID: String?
    let onError: @Sendable (String) -> Void
    /// Seconds between progress records of a streaming answer.
    let progressInterval: Double
    /// Progress text written per turn at most (the final `turn` record has it all).
    static let progressCap = 256 * 1024

    private let lock = NSLock()
    private var turns: [RecordedTurn] = []
    private var endedAgents: Set<String> = []
    private var lastSessionID: [String: String] = [:]
    private var agentNames: [String: String] = [:]
    private var secrets: Set<String> = []
    private var startWritten = false
    private var failed = false
    private var pending: [Int: String] = [:]
    private var progressWritten: [Int: Int] = [:]
    private var flushScheduled = false
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

    /// A rating goes with the turn it rates; a lead with the agent's last turn (called locked).
    private func attach(_ s: WidgetSubmission) {
        let i = s.turnID.flatMap { id in turns.lastIndex { $0.turn.id == id } } ?? turns.lastIndex { $0.turn.agentID == s.agentID }
        if let i { turns[i].submissions.append(s) }
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
            let written = progressWritten[id, default: 0] + (pending[id]?.utf8.count ?? 0)
            guard written < Self.progressCap else { return }
            pending[id, default: ""] += piece
            scheduleFlushLocked()
        case .turnFinished(let t):
            pending[t.id] = nil
            progressWritten[t.id] = nil
            if let sid = t.sessionID { lastSessionID[t.agentID] = sid }
            var r = TranscriptRecord(kind: .turn)
            r.turnID = t.id
            r.agentID = t.agentID
            r.agentName = t.agentName
            r.sessionID = t.sessionID ?? lastSessionID[t.agentID]
            r.turn = t
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
        case .submitted(let s):
            attach(s)
            var r = TranscriptRecord(kind: .submission)
            r.agentID = s.agentID
            r.turnID = s.turnID
            r.sessionID = s.sessionID
            r.submission = s
            write(r, sync: true)
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
            self.flushPendingLocked()
        }
    }

    private func flushPendingLocked() {
        for (id, text) in pending.sorted(by: { $0.key < $1.key }) where !text.isEmpty {
            var r = TranscriptRecord(kind: .progress)
            r.turnID = id
            r.text = text
            write(r, sync: false)
            progressWritten[id, default: 0] += text.utf8.count
        }
        pending.removeAll()
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
