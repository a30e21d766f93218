// Render: the inspector (F8) — what it records from session events, its lines, and how it is drawn.
import Foundation
import RobofyAPI
import RobofySession
import RobofyText

/// One SSE event as the inspector keeps it, or (stored in a turn) a run of `text-delta`s
/// (``ChunkEvent/eventCount``), which ``InspectorTurn/events`` hands out one by one. A run
/// keeps only the events it stands for: a part of a network read's run is a copy of that part.
public struct InspectorEvent: Sendable, Equatable {
    /// Seconds since the request was sent.
    public var offset: Double
    /// A short `text-delta` as servers write it, or a run of them (their deltas are short:
    /// `ChunkEvent.maxRunDelta`), is kept as the event (it holds no copy of its JSON, which is
    /// written again only when shown); anything else as its capped text.
    private var event: ChunkEvent?
    private var text: String

    public init(offset: Double, event e: ChunkEvent) {
        self.init(offset: offset, event: e, pieces: 0..<e.eventCount)
    }

    /// Events `pieces` of `e` (all of them unless it is a run).
    init(offset: Double, event whole: ChunkEvent, pieces: Range<Int>) {
        self.offset = offset
        let e = whole.eventCount > 1 ? whole.slice(pieces) : whole
        if e.eventCount > 1 {
            event = e
            text = ""
        } else if case .textDelta(_, let delta) = e.chunk, !e.keepsRawCopy, delta.utf8.count <= InspectorState.maxEventChars / 2 {
            event = e
            text = ""
        } else {
            event = nil
            text = Self.capped(e.raw)
        }
    }

    static func capped(_ raw: String) -> String {
        raw.utf8.count > InspectorState.maxEventChars ? String(raw.prefix(InspectorState.maxEventChars)) + "…" : raw
    }

    /// How many events this stands for.
    var count: Int { event?.eventCount ?? 1 }

    /// The first `n` events dropped (the rest of a run copied, so that it holds no more).
    mutating func dropFirst(_ n: Int) {
        guard let e = event, e.eventCount > 1, n > 0 else { return }
        self = InspectorEvent(offset: offset, event: e, pieces: min(n, e.eventCount)..<e.eventCount)
    }

    /// Each event on its own, from the `k`th.
    func single(from k: Int = 0) -> [InspectorEvent] {
        guard let event, event.eventCount > 1 else { return k == 0 ? [self] : [] }
        return (k..<event.eventCount).map { InspectorEvent(offset: offset, event: event.event(at: $0)) }
    }

    /// Bytes of server text this event holds (for `InspectorState.maxRawBytes`).
    var bytes: Int { bytes(droppingFirst: 0) }

    /// Bytes of server text it holds on to (for tests: `bytes` must count them all).
    var heldBytes: Int {
        if let event, case .textDelta(let id, let delta) = event.chunk { return id.utf8.count * event.eventCount + delta.utf8.count }
        return text.utf8.count
    }

    /// Bytes it would hold without its first `k` events.
    func bytes(droppingFirst k: Int) -> Int {
        if let event, case .textDelta(let id, let delta) = event.chunk {
            let n = event.eventCount
            if n > 1 { return k >= n ? 0 : id.utf8.count * (n - k) + event.deltaBytes(k..<n) }
            return k > 0 ? 0 : id.utf8.count + delta.utf8.count
        }
        return k > 0 ? 0 : text.utf8.count
    }

    /// The event's `data` text as received (at most `InspectorState.maxEventChars`; a run's
    /// events one per line). Redacted when shown (`InspectorView`): most events are never
    /// looked at, and a fast answer has tens of thousands of them.
    public var raw: String { event.map { Self.capped($0.raw) } ?? text }
}

/// What the inspector knows of one turn.
public struct InspectorTurn: Sendable, Equatable {
    public var id: Int
    public var agentName: String
    public var userText: String
    public var response: ResponseInfo?
    /// The first `headEvents` events, then the most recent ones (see `omittedEvents`), one by one.
    public var events: [InspectorEvent] { events(from: 0) }
    /// The kept events, as stored: a run of text-deltas stays one entry (a fast answer brings
    /// thousands a second; handing each over on its own cost a fifth of the UI's CPU).
    private(set) var stored: [InspectorEvent] = []
    /// How many of `stored` hold the first `headEvents` events (a run is split there).
    private(set) var headStored = 0
    /// Events kept (`events.count`).
    public private(set) var keptEvents = 0
    /// Events dropped from the middle to keep memory bounded.
    public var omittedEvents = 0
    /// Bytes of server text the kept events hold.
    public var rawBytes = 0
    public var totalEvents = 0
    /// Retries, token renewals, errors.
    public var notes: [String] = []
    public var status: TurnStatus = .streaming
    public var finishReason: String?
    public var timing = TurnTiming()
    public var characters = 0
    public var charactersPerSecond: Double?
    public var tools: [String] = []
    public var sessionID: String?
    /// The agent's reasoning, whole (kept when the turn ends).
    public var reasoning = ""
    /// Bumped on every change (for render caches).
    public var version = 0

    /// Kept events `k...`, one by one.
    public func events(from k: Int) -> [InspectorEvent] {
        var out: [InspectorEvent] = []
        out.reserveCapacity(max(0, keptEvents - k))
        var at = 0
        for e in stored {
            defer { at += e.count }
            guard at + e.count > k else { continue }
            out += e.single(from: max(0, k - at))
        }
        return out
    }

    mutating func add(_ e: InspectorEvent) {
        guard e.count > 0 else { return }
        stored.append(e)
        keptEvents += e.count
        rawBytes += e.bytes
        if keptEvents <= InspectorState.headEvents, omittedEvents == 0 { headStored = stored.count }
    }

    /// Events in the first `headStored` entries.
    var headStoredEvents: Int { stored[..<headStored].reduce(0) { $0 + $1.count } }

    /// Drops `n` kept events from the start of what follows the first `from` ones (which are
    /// at a stored boundary: 0 or the head).
    mutating func dropKept(_ n: Int, afterStored from: Int) {
        var left = n
        var j = from
        while left > 0, j < stored.count {
            let c = stored[j].count
            rawBytes -= stored[j].bytes
            if c <= left {
                left -= c
                j += 1
            } else {
                stored[j].dropFirst(left)
                rawBytes += stored[j].bytes
                left = 0
            }
        }
        stored.removeSubrange(from..<j)
        keptEvents -= n - left
        omittedEvents += n - left
        if from == 0 { headStored = 0 }
    }
}

/// The inspector's data: the handshake and the last turns, with memory caps.
public struct InspectorState: Sendable, Equatable {
    public static let maxTurns = 50
    public static let maxEvents = 2_000
    /// Events kept from the start of a turn when the middle is dropped.
    public static let headEvents = 200
    /// Events a turn may hold past `maxEvents` before the oldest of its tail are dropped, all
    /// at once: dropping 100 at a time moved the whole tail every 100 events (7 % of the UI's
    /// CPU for a 1 MiB answer in 50,000 deltas).
    public static let dropSlack = 1_000
    public static let maxEventChars = 2_000
    /// Bytes of events' server text kept over all turns: past it the oldest turns' events
    /// go first, then the oldest of the tail of the turn streaming (its first events stay).
    public static let maxRawBytes = 1 << 20

    /// Where the transcript is autosaved, if it is.
    public var transcriptPath: String?
    /// The handshake answer, pretty JSON, token redacted.
    public var handshakeJSON: String?
    public var handshakeWarnings: [String] = []
    public var turns: [InspectorTurn] = []
    /// Older turns dropped to keep memory bounded.
    public var droppedTurns = 0
    public var version = 0
    /// Bumped when the handshake section changes.
    public var handshakeVersion = 0
    /// Leads and ratings sent (shown after the handshake).
    public var submissionLines: [String] = []

    public init() {}

    /// Adds a batch of events to a turn, keeping the first `headEvents` and the most recent
    /// ones: of a batch longer than what is kept, only the kept events are stored, and a run
    /// of text-deltas is stored as one entry however many events it stands for.
    static func append(_ batch: [ChunkEvent], offset: Double, to t: inout InspectorTurn) {
        var total = 0
        for e in batch { total += e.eventCount }
        t.totalEvents += total
        var i = batch.startIndex
        var from = 0  // first event of batch[i] not stored yet
        // The head: the first events of the turn, a run split where the head ends.
        while t.keptEvents < headEvents, t.omittedEvents == 0, i < batch.endIndex {
            let e = batch[i]
            let take = min(headEvents - t.keptEvents, e.eventCount)
            t.add(InspectorEvent(offset: offset, event: e, pieces: 0..<take))
            total -= take
            if take < e.eventCount {
                from = take
            } else {
                i += 1
            }
        }
        let room = maxEvents - headEvents
        if total > room {
            // The tail kept so far and the start of this batch fall out of the window.
            t.dropKept(t.keptEvents - t.headStoredEvents, afterStored: t.headStored)
            var skip = total - room
            t.omittedEvents += skip
            while skip > 0, i < batch.endIndex {
                let left = batch[i].eventCount - from
                if left <= skip {
                    skip -= left
                    i += 1
                    from = 0
                } else {
                    from += skip
                    skip = 0
                }
            }
        }
        while i < batch.endIndex {
            let e = batch[i]
            t.add(InspectorEvent(offset: offset, event: e, pieces: from..<e.eventCount))
            from = 0
            i += 1
        }
        if t.keptEvents > maxEvents + dropSlack {
            // Drop the oldest of the tail in a batch (amortised), keeping the head.
            t.dropKept(t.keptEvents - maxEvents, afterStored: t.headStored)
        }
    }

    /// Records what a session event tells the inspector.
    public mutating func record(_ event: SessionEvent) {
        switch event {
        case .connected(let h):
            handshakeJSON = Redaction.redact(h.redactedJSON.prettyText(), secrets: [h.token])
            handshakeWarnings = h.warnings.map(\.description)
            version += 1
            handshakeVersion += 1
        case .turnStarted(let t):
            turns.append(InspectorTurn(id: t.id, agentName: t.agentName, userText: t.userText))
            if turns.count > Self.maxTurns {
                droppedTurns += turns.count - Self.maxTurns
                turns.removeFirst(turns.count - Self.maxTurns)
                handshakeVersion += 1
            }
            version += 1
        case .response(let id, var info):
            info.requestBody = Redaction.redact(info.requestBody)
            info.requestHeaders = Redaction.headers(info.requestHeaders)
            info.headers = Redaction.headers(info.headers)
            update(id) { $0.response = info }
        case .chunks(let id, let batch, let offset):
            update(id) { t in Self.append(batch, offset: offset, to: &t) }
            capRawBytes()
        case .retrying(let id, let reason, let delay):
            update(id) { $0.notes.append("retrying in \(RobofyErrorFormat.seconds(delay)): \(reason)") }
        case .reauthenticated:
            if let last = turns.last, last.status == .streaming {
                update(last.id) { $0.notes.append("the token was refused; handshook again") }
            }
        case .turnFinished(let t):
            if !turns.contains(where: { $0.id == t.id }) {
                record(.turnStarted(t))
            }
            update(t.id) { it in
                it.status = t.status
                it.finishReason = t.finishReason
                it.timing = t.timing
                it.characters = t.characterCount
                it.charactersPerSecond = t.charactersPerSecond(characters: it.characters)
                it.tools = t.tools.map(\.name)
                // (Sent back as it came; shown without a secret a server put in it.)
                it.sessionID = t.sessionID.map { Redaction.redact($0) }
                it.reasoning = t.reasoning
                for e in t.errors { it.notes.append("error: \(e)") }
                if !t.unknownChunkTypes.isEmpty {
                    it.notes.append("unknown event types skipped: \(t.unknownChunkTypes.joined(separator: ", "))")
                }
            }
        case .submitted(let s):
            recordSubmission(s)
        default:
            break
        }
    }

    /// Keeps the events' server text within `maxRawBytes`: the oldest turns' events are
    /// dropped first, then the oldest after the first `headEvents` of the newest turn.
    mutating func capRawBytes() {
        var total = turns.reduce(0) { $0 + $1.rawBytes }
        guard total > Self.maxRawBytes else { return }
        for i in turns.indices where total > Self.maxRawBytes && !turns[i].stored.isEmpty {
            var t = turns[i]
            let cut = i == turns.count - 1 ? t.headStored : 0
            var end = cut
            var events = 0
            while end < t.stored.count && total > Self.maxRawBytes {
                let e = t.stored[end]
                let over = total - Self.maxRawBytes
                if e.count > 1, e.bytes > over {
                    // Part of a run is enough: the fewest of its first events that free `over` bytes.
                    var lo = 1, hi = e.count
                    while lo < hi {
                        let mid = (lo + hi) / 2
                        if e.bytes - e.bytes(droppingFirst: mid) >= over { hi = mid } else { lo = mid + 1 }
                    }
                    total -= e.bytes - e.bytes(droppingFirst: lo)
                    events += lo
                    break
                }
                total -= e.bytes
                events += e.count
                end += 1
            }
            guard events > 0 else { continue }
            t.dropKept(events, afterStored: cut)
            t.version += 1
            turns[i] = t
            version += 1
        }
    }

    mutating func update(_ id: Int, _ change: (inout InspectorTurn) -> Void) {
        guard let i = turns.lastIndex(where: { $0.id == id }) else { return }
        change(&turns[i])
        turns[i].version += 1
        version += 1
    }
}

/// A line of the inspector, with how to draw it.
public struct InspectorLine: Sendable, Equatable {
    public enum Kind: Sendable, Equatable { case heading, label, text, dim, error }
    public var text: String
    public var kind: Kind
    public init(_ text: String, _ kind: Kind = .text) {
        self.text = text
        self.kind = kind
    }
}

/// The inspector's text: a pure function of the state, so tests can read it.
public enum InspectorView {
    /// Every line of the inspector at a width (each already cut to fit).
    public static func lines(_ s: InspectorState, width: Int) -> [InspectorLine] {
        var out = handshakeLines(s, width: width)
        for t in s.turns { out += turnLines(t, width: width) }
        return out
    }

    /// The handshake section.
    public static func handshakeLines(_ s: InspectorState, width: Int) -> [InspectorLine] {
        var out: [InspectorLine] = []
        func add(_ text: String, _ kind: InspectorLine.Kind = .text) {
            out.append(InspectorLine(DisplayWidth.truncate(Sanitizer.clean(text, allowNewlines: false), to: width), kind))
        }
        if let p = s.transcriptPath {
            for l in wrapped("Transcript autosave: ", p, width: width, maxLines: 4) { add(l, .label) }
            add("")
        }
        add("── Handshake (token redacted) ", .heading)
        if let json = s.handshakeJSON {
            for l in json.split(separator: "\n", omittingEmptySubsequences: false) { add(String(l)) }
        } else {
            add("(not connected yet)", .dim)
        }
        for w in s.handshakeWarnings { add("warning: \(w)", .error) }
        if s.droppedTurns > 0 { add("(\(s.droppedTurns) older turn\(s.droppedTurns == 1 ? "" : "s") not kept)", .dim) }
        add("")
        out += submissionSection(s, width: width)
        return out
    }

    /// One turn's section: request, response, timings, events.
    public static func turnLines(_ t: InspectorTurn, width: Int) -> [InspectorLine] {
        var out = turnHeaderLines(t, width: width)
        for (i, e) in t.events.enumerated() {
            if t.omittedEvents > 0 && i == InspectorState.headEvents { out.append(omittedLine(t, width: width)) }
            out.append(eventLine(e, width: width))
        }
        out.append(InspectorLine(""))
        return out
    }

    static func eventLine(_ e: InspectorEvent, width: Int) -> InspectorLine {
        // Redact the whole (capped) event first, so that no cut can hide a token from it;
        // then cut before cleaning: an event may be thousands of characters long.
        let text = "  " + String(format: "+%.3fs", e.offset) + " " + String(Redaction.redact(e.raw).prefix(width + 8))
        return InspectorLine(DisplayWidth.truncate(Sanitizer.clean(text, allowNewlines: false), to: width))
    }

    /// An event whole (Enter in the inspector): its (capped, redacted) text wrapped under its time.
    static func eventLines(_ e: InspectorEvent, width: Int, whole: Bool) -> [InspectorLine] {
        guard whole else { return [eventLine(e, width: width)] }
        let head = "  " + String(format: "+%.3fs", e.offset) + " "
        let text = Sanitizer.clean(Redaction.redact(e.raw), allowNewlines: false)
        let indent = String(repeating: " ", count: DisplayWidth.of(head))
        let body = Wrapper.wrap(text, width: max(1, width - indent.count))
        return body.enumerated().map { InspectorLine(($0.offset == 0 ? head : indent) + $0.element) }
    }

    static func omittedLine(_ t: InspectorTurn, width: Int) -> InspectorLine {
        InspectorLine(DisplayWidth.truncate("  … \(t.omittedEvents) events not kept …", to: width), .dim)
    }

    /// A turn's section up to its "Events (N)" line.
    static func turnHeaderLines(_ t: InspectorTurn, width: Int) -> [InspectorLine] {
        var out: [InspectorLine] = []
        func add(_ text: String, _ kind: InspectorLine.Kind = .text) {
            out.append(InspectorLine(DisplayWidth.truncate(Sanitizer.clean(text, allowNewlines: false), to: width), kind))
        }
        add("── Turn \(t.id) · \(t.agentName) · “\(t.userText)” ", .heading)
        if let r = t.response {
            add("Request   POST \(r.url)", .label)
            for h in r.requestHeaders { add("  \(h.name): \(h.value)") }
            for l in wrapped("  body: ", r.requestBody, width: width, maxLines: 20) { add(l) }
            add("Response  HTTP \(r.status) · \(r.streaming ? "event stream" : "one JSON answer")", .label)
            if let why = r.fallbackReason { add("  fallback: \(why)", .dim) }
            for h in r.headers { add("  \(h.name): \(h.value)") }
        } else {
            add(t.status == .streaming ? "Request   sent; waiting for the answer…" : "Request   no HTTP answer", .label)
        }
        var timing = ["first byte \(seconds(t.timing.firstByte))", "first text \(seconds(t.timing.firstText))"]
        if t.status == .streaming {
            timing.append("streaming…")
        } else {
            timing.append("duration \(seconds(t.timing.duration))")
            timing.append(t.charactersPerSecond.map { String(format: "%.0f chars/s", $0) } ?? "– chars/s")
        }
        add("Timing    " + timing.joined(separator: " · "), .label)
        if t.status != .streaming {
            let state = t.status == .interrupted ? "interrupted: ⚠ The answer was cut off (no finish)" : t.status.rawValue
            var result = [state, "finish \(t.finishReason ?? "–")", "\(t.characters) chars"]
            if !t.tools.isEmpty { result.append("tools: \(t.tools.joined(separator: ", "))") }
            if let sid = t.sessionID { result.append("session \(sid)") }
            for l in wrapped("Result    ", result.joined(separator: " · "), width: width, maxLines: 4) {
                add(l, t.status == .complete ? .label : .error)
            }
        }
        if !t.reasoning.isEmpty {
            add("Reasoning", .label)
            for para in Sanitizer.clean(t.reasoning).split(separator: "\n", omittingEmptySubsequences: false) {
                for l in Wrapper.wrap(String(para), width: max(1, width - 2)) { add("  " + l, .dim) }
            }
        }
        for n in t.notes { add("  \(n)", n.hasPrefix("error") ? .error : .dim) }
        add("Events (\(t.totalEvents))", .label)
        return out
    }

    /// Text cut into lines of `width` columns (the first after `prefix`, the rest indented).
    static func wrapped(_ prefix: String, _ text: String, width: Int, maxLines: Int) -> [String] {
        let indent = String(repeating: " ", count: min(DisplayWidth.of(prefix), 10))
        let indentW = DisplayWidth.of(indent)
        var out: [String] = []
        var line = prefix
        var w = DisplayWidth.of(prefix)
        for ch in Sanitizer.clean(text, allowNewlines: false) {
            let cw = DisplayWidth.of(ch)
            if w + cw > width, w > indentW {
                out.append(line)
                if out.count == maxLines { return out.dropLast() + [DisplayWidth.truncate(line + "…", to: width)] }
                line = indent
                w = indentW
            }
            line.append(ch)
            w += cw
        }
        out.append(line)
        return out
    }

    static func seconds(_ v: Double?) -> String {
        v.map { String(format: "%.3f s", $0) } ?? "–"
    }
}

/// Per-turn line caches, so a streaming turn does not re-lay out every other turn (or its
/// own earlier events) each frame.
final class InspectorCache {
    private var handshake: (version: Int, width: Int, lines: [InspectorLine])?
    private var turns: [Int: (version: Int, width: Int, lines: [InspectorLine])] = [:]
    /// Event lines of each turn, extended as events arrive.
    private var events: [Int: (width: Int, omitted: Int, lines: [InspectorLine])] = [:]
    /// Events shown whole (Enter): each may be several lines, so the event lines are counted apart.
    private var whole = false

    func turnLines(_ t: InspectorTurn, width: Int) -> [InspectorLine] {
        if whole { return wholeTurnLines(t, width: width) }
        var cached = events[t.id]
        if cached == nil || cached?.width != width || cached?.omitted != t.omittedEvents
            || (cached?.lines.count ?? 0) > t.keptEvents {
            cached = (width, t.omittedEvents, [])
        }
        var lines = cached?.lines ?? []
        for e in t.events(from: lines.count) { lines.append(InspectorView.eventLine(e, width: width)) }
        events[t.id] = (width, t.omittedEvents, lines)
        var out = InspectorView.turnHeaderLines(t, width: width)
        if t.omittedEvents > 0, lines.count > InspectorState.headEvents {
            out += lines[..<InspectorState.headEvents]
            out.append(InspectorView.omittedLine(t, width: width))
            out += lines[InspectorState.headEvents...]
        } else {
            out += lines
        }
        out.append(InspectorLine(""))
        return out
    }

    /// A turn with its events whole (laid out again as events arrive: this view is opened to read).
    private func wholeTurnLines(_ t: InspectorTurn, width: Int) -> [InspectorLine] {
        var out = InspectorView.turnHeaderLines(t, width: width)
        for (i, e) in t.events.enumerated() {
            if t.omittedEvents > 0 && i == InspectorState.headEvents { out.append(InspectorView.omittedLine(t, width: width)) }
            out += InspectorView.eventLines(e, width: width, whole: true)
        }
        out.append(InspectorLine(""))
        return out
    }

    func lines(_ s: InspectorState, width: Int, whole: Bool = false) -> (lines: [InspectorLine], turnStarts: [Int]) {
        if whole != self.whole {
            self.whole = whole
            turns = [:]
        }
        var out: [InspectorLine]
        if let h = handshake, h.width == width, h.version == s.handshakeVersion {
            out = h.lines
        } else {
            out = InspectorView.handshakeLines(s, width: width)
        }
        handshake = (s.handshakeVersion, width, out)
        var starts: [Int] = []
        var fresh: [Int: (version: Int, width: Int, lines: [InspectorLine])] = [:]
        for t in s.turns {
            starts.append(out.count)
            let lines: [InspectorLine]
            if let c = turns[t.id], c.version == t.version, c.width == width {
                lines = c.lines
            } else {
                lines = turnLines(t, width: width)
            }
            fresh[t.id] = (t.version, width, lines)
            out += lines
        }
        turns = fresh
        events = events.filter { fresh[$0.key] != nil }
        return (out, starts)
    }
}

extension Renderer {
    /// Draws the inspector over the whole screen. Returns the top line shown (after clamping).
    func drawInspector(_ canvas: inout CanvasRegion, _ s: AppState, cache: InspectorCache) -> Int {
        let t = s.theme
        let w = s.width, h = s.height
        canvas.fill(Rect(x: 0, y: 0, width: w, height: h), t.modal)
        let title = " Inspector "
        canvas.fill(Rect(x: 0, y: 0, width: w, height: 1), t.header)
        canvas.put(title, x: 1, y: 0, style: t.header)
        let hint = "↑↓ PgUp PgDn Home End · Enter \(s.inspectorWhole ? "cut" : "whole") lines · F8/Esc close "
        if DisplayWidth.of(title) + DisplayWidth.of(hint) + 2 <= w {
            canvas.put(hint, x: w - DisplayWidth.of(hint), y: 0, style: t.header)
        }
        let (lines, starts) = cache.lines(s.inspector, width: max(1, w - 2), whole: s.inspectorWhole)
        let rows = max(1, h - 2)
        let maxTop = max(0, lines.count - rows)
        var top: Int
        if s.inspectorFollow {
            top = maxTop
        } else if s.inspectorScroll < 0 {
            top = starts.last ?? 0
        } else {
            top = s.inspectorScroll
        }
        top = min(max(0, top), maxTop)
        for (i, line) in lines[top..<min(lines.count, top + rows)].enumerated() {
            let style: CellStyle
            switch line.kind {
            case .heading: style = t.modalTitle
            case .label: style = t.accentText.withBackground(t.modal)
            case .text: style = t.modal
            case .dim: style = t.notice.withBackground(t.modal)
            case .error: style = t.error.withBackground(t.modal)
            }
            canvas.put(line.text, x: 1, y: 1 + i, style: style, maxX: w - 1)
        }
        let shownTo = min(lines.count, top + rows)
        let foot = lines.isEmpty ? " (empty) " : " lines \(top + 1)–\(shownTo) of \(lines.count) · \(s.inspector.turns.count) turn\(s.inspector.turns.count == 1 ? "" : "s") "
        canvas.fill(Rect(x: 0, y: h - 1, width: w, height: 1), t.status)
        canvas.put(DisplayWidth.truncate(foot, to: w - 2), x: 1, y: h - 1, style: t.status)
        return top
    }
}
