import Foundation
import RobofyAPI
import RobofyText

/// A tool call the agent made during a turn.
public struct ToolCall: Sendable, Equatable, Codable {
    public enum State: String, Sendable, Codable { case running, done, failed, denied }
    public var id: String
    public var name: String
    public var title: String?
    public var input: String
    public var output: String?
    public var errorText: String?
    public var state: State

    public init(id: String, name: String, title: String? = nil, input: String = "", output: String? = nil,
                errorText: String? = nil, state: State = .running) {
        self.id = id
        self.name = name
        self.title = title
        self.input = input
        self.output = output
        self.errorText = errorText
        self.state = state
    }
}

/// A citation attached to an answer.
public struct Source: Sendable, Equatable, Codable {
    public var id: String
    public var url: String?
    public var title: String?
    public init(id: String, url: String? = nil, title: String? = nil) {
        self.id = id
        self.url = url
        self.title = title
    }
}

public enum TurnStatus: String, Sendable, Equatable, Codable {
    /// Still arriving.
    case streaming
    /// Finished normally.
    case complete
    /// The user stopped it; the partial answer is kept.
    case stopped
    /// The stream broke, ended without `finish` (and without `[DONE]`), or outgrew a limit
    /// after something arrived; the partial answer is kept and `errors` says why.
    case interrupted
    /// Nothing usable arrived.
    case failed
}

/// Timings of one turn, in seconds from the moment the request was sent.
public struct TurnTiming: Sendable, Equatable, Codable {
    public var firstByte: Double?
    public var firstText: Double?
    public var duration: Double?
    public init() {}
}

/// One exchange: what the user sent and what came back.
public struct Turn: Sendable, Equatable, Codable, Identifiable {
    public var id: Int
    public var agentID: String
    public var agentName: String
    public var userText: String
    public var answer: String = ""
    public var reasoning: String = ""
    public var tools: [ToolCall] = []
    public var sources: [Source] = []
    public var errors: [String] = []
    public var status: TurnStatus = .streaming
    public var finishReason: String?
    public var sessionID: String?
    public var messageID: String?
    public var startedAt: Date
    public var finishedAt: Date?
    public var timing = TurnTiming()
    /// Chunk types this client did not know, kept for the inspector.
    public var unknownChunkTypes: [String] = []
    /// The turn this one is a new version of (the same or an edited question asked again in the
    /// same session); nil for an ordinary turn.
    public var versionOf: Int?

    public init(id: Int, agentID: String, agentName: String, userText: String, startedAt: Date = Date()) {
        self.id = id
        self.agentID = agentID
        self.agentName = agentName
        self.userText = userText
        self.startedAt = startedAt
    }

    /// Characters (graphemes) in the answer: `answer.count`, counted fast for ASCII text.
    public var characterCount: Int { Self.characters(answer) }

    /// `s.count`. An ASCII text's characters are its bytes but for CR LF pairs (one each),
    /// counted in a pass over the bytes: `count` finds grapheme breaks at a few hundred MB/s,
    /// a few milliseconds for a long answer each time a turn ends.
    public static func characters(_ s: String) -> Int {
        var s = s
        let ascii: Int? = s.withUTF8 { b in
            var crlf = 0
            let n = b.count
            var i = 0
            while i < n {
                // Eight ASCII bytes without a CR at a time.
                i = ByteWords.skip(b, from: i, to: n) { ByteWords.hasHigh($0) || ByteWords.has($0, 0x0D) }
                guard i < n else { break }
                let c = b[i]
                if c >= 0x80 { return nil }
                if c == 0x0D, i + 1 < n, b[i + 1] == 0x0A { crlf += 1 }
                i += 1
            }
            return n - crlf
        }
        return ascii ?? s.count
    }

    public var charactersPerSecond: Double? { charactersPerSecond(characters: characterCount) }

    /// Characters per second of streaming (first text to the end), given the answer's
    /// `characterCount` (for callers that have it already: counting walks the answer).
    public func charactersPerSecond(characters: Int) -> Double? {
        guard let d = timing.duration, let f = timing.firstText, d > f else { return nil }
        return Double(characters) / (d - f)
    }
}

/// What one chunk changed, for whoever shows the turn.
public enum TurnChange: Sendable, Equatable {
    case text(String)
    case reasoning(String)
    case toolStarted(ToolCall)
    case toolUpdated(ToolCall)
    case source(Source)
    case error(String)
    case sessionID(String)
    case finished(reason: String?)
    case aborted(reason: String?)
    case ignored
}

/// Applies UI-message-stream chunks to a turn, leniently.
///
/// The answer grows in `answer` (shared with whoever shows it, see `AnswerText`), not in a
/// `String` of its own: `turn` gives the turn with the answer so far.
public struct TurnAccumulator: Sendable {
    private var base: Turn
    /// The answer so far: the one copy, shared with the UI.
    public let answer: AnswerText
    var openTextParts: Set<String> = []
    var sawText = false
    var needsBreak = false
    /// The answer's text passes through it before it is shown or kept: a token the server
    /// echoes, or any bearer token or JWT, never reaches the screen, a file or a script,
    /// even when it arrives split across deltas (the last word is held back until the next
    /// delta or the turn's end: `releaseHeldText`).
    var redactor = StreamRedactor()
    /// The same for the reasoning, and for each tool call's input while it streams: a server
    /// that echoes a token there shows it nowhere either. Everything else the server sends
    /// into the turn (tool names, outputs and errors, sources, errors, reasons) comes whole
    /// and is redacted as it comes (`Self.clean`).
    var reasoningRedactor = StreamRedactor()
    var toolInputRedactors: [String: StreamRedactor] = [:]

    public init(turn: Turn) {
        answer = AnswerText(turn.answer)
        var t = turn
        t.answer = ""
        base = t
    }

    /// The turn, with the answer so far (sharing its storage).
    public var turn: Turn {
        var t = base
        t.answer = answer.string
        return t
    }

    /// The text held back at the end of the answer, the reasoning and the tool inputs (see
    /// `redactor`), added to them: call when no more text can come (the turn ends, however it
    /// ends).
    public mutating func releaseHeldText() -> [TurnChange] {
        var out: [TurnChange] = []
        let reasoning = releaseReasoning()
        if reasoning != .ignored { out.append(reasoning) }
        for id in toolInputRedactors.keys.sorted() {
            let rest = toolInputRedactors[id]?.finish() ?? ""
            toolInputRedactors[id] = nil
            if !rest.isEmpty { out.append(updateTool(id, name: nil) { $0.input += rest }) }
        }
        let rest = redactor.finish()
        if !rest.isEmpty {
            answer.append(rest)
            out.append(.text(rest))
        }
        return out
    }

    mutating func releaseReasoning() -> TurnChange {
        let rest = reasoningRedactor.finish()
        if rest.isEmpty { return .ignored }
        base.reasoning += rest
        return .reasoning(rest)
    }

    /// Text the server sent whole, as it may be shown and kept.
    static func clean(_ s: String) -> String { Redaction.redact(s) }

    public mutating func apply(_ chunk: UIChunk) -> TurnChange {
        switch chunk {
        case .start(let messageId):
            if let messageId { base.messageID = messageId }
            return .ignored
        case .startStep, .finishStep:
            return .ignored
        case .textStart(let id):
            openTextParts.insert(id)
            if sawText { needsBreak = true }
            return .ignored
        case .textDelta(let id, let delta):
            // A delta before its start opens the part implicitly.
            if !openTextParts.contains(id) {
                openTextParts.insert(id)
                if sawText && !needsBreak && !answer.endsWithBreaks.one { needsBreak = true }
            }
            var piece = delta
            if needsBreak {
                needsBreak = false
                if (redactor.isHolding || !answer.isEmpty) && !piece.isEmpty {
                    let ends = redactor.isHolding ? redactor.heldEndsWithBreaks : answer.endsWithBreaks
                    piece = (ends.two ? "" : ends.one ? "\n" : "\n\n") + piece
                }
            }
            if piece.isEmpty { return .ignored }
            sawText = true
            let shown = redactor.feed(piece)
            if shown.isEmpty { return .ignored }
            answer.append(shown)
            return .text(shown)
        case .textEnd(let id):
            openTextParts.remove(id)
            return .ignored
        case .reasoningStart:
            return .ignored
        case .reasoningEnd:
            return releaseReasoning()
        case .reasoningDelta(_, let delta):
            let shown = reasoningRedactor.feed(delta)
            if shown.isEmpty { return .ignored }
            base.reasoning += shown
            return .reasoning(shown)
        case .toolInputStart(let callID, let name, let title):
            let call = ToolCall(id: callID, name: Self.clean(name), title: title.map(Self.clean))
            if let i = base.tools.firstIndex(where: { $0.id == callID }) {
                base.tools[i] = call
            } else {
                base.tools.append(call)
            }
            return .toolStarted(call)
        case .toolInputDelta(let callID, let delta):
            let shown = toolInputRedactors[callID, default: StreamRedactor()].feed(delta)
            return updateTool(callID, name: nil) { $0.input += shown }
        case .toolInputAvailable(let callID, let name, let input):
            toolInputRedactors[callID] = nil
            return updateTool(callID, name: Self.clean(name)) { $0.input = Self.clean(input.compactText) }
        case .toolInputError(let callID, let name, let input, let errorText):
            toolInputRedactors[callID] = nil
            return updateTool(callID, name: Self.clean(name)) {
                $0.input = Self.clean(input.compactText)
                $0.errorText = Self.clean(errorText)
                $0.state = .failed
            }
        case .toolOutputAvailable(let callID, let output, let preliminary):
            return updateTool(callID, name: nil) {
                $0.output = Self.clean(output.compactText)
                if !preliminary { $0.state = .done }
            }
        case .toolOutputError(let callID, let errorText):
            return updateTool(callID, name: nil) {
                $0.errorText = Self.clean(errorText)
                $0.state = .failed
            }
        case .toolApprovalRequest(_, let callID):
            return updateTool(callID, name: nil) { _ in }
        case .toolOutputDenied(let callID):
            return updateTool(callID, name: nil) { $0.state = .denied }
        case .sourceURL(let id, let url, let title):
            return addSource(Source(id: id, url: Self.clean(url), title: title.map(Self.clean)))
        case .sourceDocument(let id, _, let title, let filename):
            return addSource(Source(id: id, url: filename.map(Self.clean), title: Self.clean(title)))
        case .file:
            return .ignored
        case .data(let name, _, let data, _):
            if name == "session", let sid = data.stringValue, !sid.isEmpty {
                base.sessionID = sid
                return .sessionID(sid)
            }
            if name == "finish-reason", let reason = data["finishReason"]?.stringValue, base.finishReason == nil {
                base.finishReason = Self.clean(reason)
            }
            return .ignored
        case .messageMetadata:
            return .ignored
        case .error(let text):
            let text = Self.clean(text)
            base.errors.append(text)
            return .error(text)
        case .abort(let reason):
            base.finishReason = base.finishReason ?? "abort"
            return .aborted(reason: reason.map(Self.clean))
        case .finish(let reason, _):
            let reason = reason.map(Self.clean)
            base.finishReason = reason ?? base.finishReason
            return .finished(reason: reason)
        case .done:
            return .ignored
        case .unknown(let type, _):
            let type = Self.clean(type)
            if !base.unknownChunkTypes.contains(type) { base.unknownChunkTypes.append(type) }
            return .ignored
        case .malformed(_, let reason):
            let text = Self.clean("A malformed event was skipped: \(reason)")
            base.errors.append(text)
            return .error(text)
        }
    }

    mutating func updateTool(_ id: String, name: String?, _ change: (inout ToolCall) -> Void) -> TurnChange {
        if let i = base.tools.firstIndex(where: { $0.id == id }) {
            if let name, !name.isEmpty { base.tools[i].name = name }
            change(&base.tools[i])
            return .toolUpdated(base.tools[i])
        }
        var call = ToolCall(id: id, name: name ?? "tool")
        change(&call)
        base.tools.append(call)
        return .toolStarted(call)
    }

    mutating func addSource(_ s: Source) -> TurnChange {
        if base.sources.contains(where: { $0.id == s.id && $0.url == s.url }) { return .ignored }
        base.sources.append(s)
        return .source(s)
    }

    /// Ends the turn with a status.
    public mutating func close(_ status: TurnStatus, at date: Date = Date(), duration: Double?) {
        base.status = status
        base.finishedAt = date
        base.timing.duration = duration
    }

    public mutating func noteFirstByte(_ t: Double) {
        if base.timing.firstByte == nil { base.timing.firstByte = t }
    }

    public mutating func noteFirstText(_ t: Double) {
        if base.timing.firstText == nil { base.timing.firstText = t }
    }

    public mutating func addError(_ text: String) {
        base.errors.append(text)
    }
}
