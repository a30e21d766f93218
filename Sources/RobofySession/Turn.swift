import Foundation
import RobofyAPI

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
            var prev: UInt8 = 0
            for c in b {
                if c >= 0x80 { return nil }
                if c == 0x0A && prev == 0x0D { crlf += 1 }
                prev = c
            }
            return b.count - crlf
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
public struct TurnAccumulator: Sendable {
    public private(set) var turn: Turn
    var openTextParts: Set<String> = []
    var sawText = false
    var needsBreak = false

    public init(turn: Turn) {
        self.turn = turn
    }

    public mutating func apply(_ chunk: UIChunk) -> TurnChange {
        switch chunk {
        case .start(let messageId):
            if let messageId { turn.messageID = messageId }
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
                if sawText && !needsBreak && !turn.answer.hasSuffix("\n") { needsBreak = true }
            }
            var piece = delta
            if needsBreak {
                needsBreak = false
                if !turn.answer.isEmpty && !piece.isEmpty {
                    piece = (turn.answer.hasSuffix("\n\n") ? "" : turn.answer.hasSuffix("\n") ? "\n" : "\n\n") + piece
                }
            }
            if piece.isEmpty { return .ignored }
            sawText = true
            turn.answer += piece
            return .text(piece)
        case .textEnd(let id):
            openTextParts.remove(id)
            return .ignored
        case .reasoningStart, .reasoningEnd:
            return .ignored
        case .reasoningDelta(_, let delta):
            turn.reasoning += delta
            return .reasoning(delta)
        case .toolInputStart(let callID, let name, let title):
            let call = ToolCall(id: callID, name: name, title: title)
            if let i = turn.tools.firstIndex(where: { $0.id == callID }) {
                turn.tools[i] = call
            } else {
                turn.tools.append(call)
            }
            return .toolStarted(call)
        case .toolInputDelta(let callID, let delta):
            return updateTool(callID, name: nil) { $0.input += delta }
        case .toolInputAvailable(let callID, let name, let input):
            return updateTool(callID, name: name) { $0.input = input.compactText }
        case .toolInputError(let callID, let name, let input, let errorText):
            return updateTool(callID, name: name) {
                $0.input = input.compactText
                $0.errorText = errorText
                $0.state = .failed
            }
        case .toolOutputAvailable(let callID, let output, let preliminary):
            return updateTool(callID, name: nil) {
                $0.output = output.compactText
                if !preliminary { $0.state = .done }
            }
        case .toolOutputError(let callID, let errorText):
            return updateTool(callID, name: nil) {
                $0.errorText = errorText
                $0.state = .failed
            }
        case .toolApprovalRequest(_, let callID):
            return updateTool(callID, name: nil) { _ in }
        case .toolOutputDenied(let callID):
            return updateTool(callID, name: nil) { $0.state = .denied }
        case .sourceURL(let id, let url, let title):
            return addSource(Source(id: id, url: url, title: title))
        case .sourceDocument(let id, _, let title, let filename):
            return addSource(Source(id: id, url: filename, title: title))
        case .file:
            return .ignored
        case .data(let name, _, let data, _):
            if name == "session", let sid = data.stringValue, !sid.isEmpty {
                turn.sessionID = sid
                return .sessionID(sid)
            }
            if name == "finish-reason", let reason = data["finishReason"]?.stringValue, turn.finishReason == nil {
                turn.finishReason = reason
            }
            return .ignored
        case .messageMetadata:
            return .ignored
        case .error(let text):
            turn.errors.append(text)
            return .error(text)
        case .abort(let reason):
            turn.finishReason = turn.finishReason ?? "abort"
            return .aborted(reason: reason)
        case .finish(let reason, _):
            turn.finishReason = reason ?? turn.finishReason
            return .finished(reason: reason)
        case .done:
            return .ignored
        case .unknown(let type, _):
            if !turn.unknownChunkTypes.contains(type) { turn.unknownChunkTypes.append(type) }
            return .ignored
        case .malformed(_, let reason):
            let text = "A malformed event was skipped: \(reason)"
            turn.errors.append(text)
            return .error(text)
        }
    }

    mutating func updateTool(_ id: String, name: String?, _ change: (inout ToolCall) -> Void) -> TurnChange {
        if let i = turn.tools.firstIndex(where: { $0.id == id }) {
            if let name, !name.isEmpty { turn.tools[i].name = name }
            change(&turn.tools[i])
            return .toolUpdated(turn.tools[i])
        }
        var call = ToolCall(id: id, name: name ?? "tool")
        change(&call)
        turn.tools.append(call)
        return .toolStarted(call)
    }

    mutating func addSource(_ s: Source) -> TurnChange {
        if turn.sources.contains(where: { $0.id == s.id && $0.url == s.url }) { return .ignored }
        turn.sources.append(s)
        return .source(s)
    }

    /// Ends the turn with a status.
    public mutating func close(_ status: TurnStatus, at date: Date = Date(), duration: Double?) {
        turn.status = status
        turn.finishedAt = date
        turn.timing.duration = duration
    }

    public mutating func noteFirstByte(_ t: Double) {
        if turn.timing.firstByte == nil { turn.timing.firstByte = t }
    }

    public mutating func noteFirstText(_ t: Double) {
        if turn.timing.firstText == nil { turn.timing.firstText = t }
    }

    public mutating func addError(_ text: String) {
        turn.errors.append(text)
    }
}
