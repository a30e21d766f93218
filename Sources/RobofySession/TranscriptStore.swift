import Foundation
import RobofyAPI
import RobofyText
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// One line of an autosaved transcript (JSON Lines).
///
/// A file holds, in order: one `start` record, then for each turn a `turn-started`
/// record (the user's message), `progress` records while the answer streams (the
/// answer's text in chunks, in order: what was added since the previous one, every
/// half second or every 64 KiB) and, when the turn ends however it ends, a `turn`
/// record with the whole `Turn`. When `answerInProgress` is true, the `turn` record's
/// answer is left out: it is the turn's `progress` texts joined (the answer is then
/// written once, as it streams, not again at the end). `session-ended` and
/// `chat-reset` mark those actions. A turn with no `turn` record was cut off when the
/// process died; its `turn-started` and `progress` records still tell what was on screen.
/// Older files (every `turn` record with its answer) read the same.
public struct TranscriptRecord: Codable, Sendable, Equatable {
    public enum Kind: String, Codable, Sendable {
        case start
        case turnStarted = "turn-started"
        case progress
        case turn
        case sessionEnded = "session-ended"
        case chatReset = "chat-reset"
        /// A lead or a rating sent from the widget.
        case submission
    }

    public var kind: Kind
    /// When the record was written.
    public var at: Date
    /// `start`: the program and version.
    public var tool: String?
    /// `start`: where the session talks to (a base URL, or "demo").
    public var target: String?
    public var projectID: String?
    public var agentID: String?
    public var agentName: String?
    public var sessionID: String?
    public var turnID: Int?
    /// `turn-started`: the user's message.
    public var userText: String?
    /// `turn-started`: the turn this one is a new version of (asked again or edited); nil for an ordinary turn.
    public var versionOf: Int?
    /// `progress`: answer text added since the previous progress record of the turn.
    public var text: String?
    /// `turn`: the finished turn (answer, tools, sources, errors, status, timings).
    public var turn: Turn?
    /// `turn`: the answer is not in `turn.answer` but in this turn's `progress` records.
    public var answerInProgress: Bool?
    /// `submission`: the lead or rating and what the server said.
    public var submission: WidgetSubmission?

    public init(kind: Kind, at: Date = Date()) {
        self.kind = kind
        self.at = at
    }
}

public struct TranscriptError: Error, Sendable, CustomStringConvertible {
    public let description: String
    public init(_ d: String) { description = d }
}

/// Appends transcript records to a JSON Lines file: one `write(2)` of a whole line per
/// record on a descriptor opened with `O_APPEND`, nothing buffered in the process, so a
/// killed process leaves every record it wrote complete. `sync` flushes them to the disk
/// (the recorder asks for it after a `turn` record, from its own queue). The file is
/// created (mode 0600, folders as needed) on the first record.
public final class TranscriptStore: @unchecked Sendable {
    public let path: String
    private let lock = NSLock()
    private var fd: Int32 = -1
    /// How `sync` flushes the file to the disk (`fsync`; a test stands in a slow disk).
    private let flush: @Sendable (Int32) -> Void

    public init(path: String, flush: @escaping @Sendable (Int32) -> Void = { _ = fsync($0) }) {
        self.path = path
        self.flush = flush
    }

    deinit {
        if fd >= 0 { _ = closeDescriptor(fd) }
    }

    /// Creates the file's folder now, so a problem shows at start rather than at the first turn.
    public func prepare() throws(TranscriptError) {
        let dir = (path as NSString).deletingLastPathComponent
        guard !dir.isEmpty else { return }
        do {
            try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true,
                                                    attributes: [.posixPermissions: 0o700])
        } catch {
            throw TranscriptError("cannot create the folder \(dir): \(error.localizedDescription)")
        }
        guard FileManager.default.isWritableFile(atPath: dir) else {
            throw TranscriptError("the folder \(dir) is not writable")
        }
    }

    /// Appends one record as one line. `secrets` are redacted from the line.
    public func append(_ record: TranscriptRecord, secrets: some Collection<String> = [String]()) throws(TranscriptError) {
        let line = Self.escapeInvisibleControls(Redaction.redact(Self.encode(record), secrets: secrets)) + "\n"
        lock.lock()
        defer { lock.unlock() }
        if fd < 0 {
            try prepare()
            let opened = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0o600)
            guard opened >= 0 else {
                throw TranscriptError("cannot open \(path): \(String(cString: strerror(errno)))")
            }
            fd = opened
        }
        var text = line
        let failure: Int32? = text.withUTF8 { bytes in
            guard let base = bytes.baseAddress else { return nil }
            var offset = 0
            while offset < bytes.count {
                let n = write(fd, base + offset, bytes.count - offset)
                if n < 0 {
                    if errno == EINTR { continue }
                    return errno
                }
                offset += n
            }
            return nil
        }
        if let failure {
            throw TranscriptError("cannot write to \(path): \(String(cString: strerror(failure)))")
        }
    }

    /// Flushes what was appended to the disk (fsync), outside the lock: a slow disk holds up
    /// no `append` meanwhile (the next record of a streaming answer, on the HTTP client's
    /// event loop). It flushes a duplicate of the descriptor, which `close` cannot take away.
    public func sync() {
        lock.lock()
        let copy = fd >= 0 ? fcntl(fd, F_DUPFD_CLOEXEC, 0) : -1  // (not inherited by a program started meanwhile)
        lock.unlock()
        guard copy >= 0 else { return }
        flush(copy)
        _ = closeDescriptor(copy)
    }

    public func close() {
        lock.lock()
        defer { lock.unlock() }
        if fd >= 0 {
            _ = fsync(fd)
            _ = closeDescriptor(fd)
            fd = -1
        }
    }

    // MARK: Encoding

    /// A record as one line of JSON (without the line break).
    public static func encode(_ record: TranscriptRecord) -> String {
        if record.turn == nil && record.submission == nil { return encodeFlat(record) }
        // Long texts (a fast answer can be megabytes) are taken out, the rest is encoded,
        // and they are put back in, quoted by `JSONValue.quote`: JSONEncoder writes strings a character
        // at a time (about 10 ms a megabyte, on the session's actor at the end of every turn).
        var r = record
        var slots: [(placeholder: String, value: String)] = []
        let tag = UUID().uuidString
        func hold(_ s: String) -> String {
            guard s.utf8.count > 2048 else { return s }
            let p = "robofy-slot-\(tag)-\(slots.count)"
            slots.append((p, s))
            return p
        }
        if var t = r.turn {
            t.answer = hold(t.answer)
            t.reasoning = hold(t.reasoning)
            r.turn = t
        }
        if let text = r.text { r.text = hold(text) }
        var out = encodeWithFoundation(r)
        for slot in slots {
            guard let range = out.range(of: "\"" + slot.placeholder + "\"") else {
                return encodeWithFoundation(record)
            }
            out.replaceSubrange(range, with: JSONValue.quote(slot.value))
        }
        return out
    }

    /// JSON text with the controls JSONEncoder leaves raw (C1, bidi overrides and
    /// isolates, other invisible format characters, U+2028/U+2029) written as `\uXXXX`:
    /// the same record when read back, and inert when the file is printed on a terminal.
    public static func escapeInvisibleControls(_ json: String) -> String {
        func unsafe(_ v: UInt32) -> Bool {
            (0x80...0x9F).contains(v) || v == 0x61C || (0x200B...0x200F).contains(v) || (0x2028...0x202E).contains(v)
                || (0x2060...0x206F).contains(v) || v == 0xFEFF
        }
        var copy = json
        // Their UTF-8 forms, looked for in the bytes (walking the scalars of a long answer cost
        // more than writing it): C2 80–9F, D8 9C, E2 80 8B–8F, E2 80 A8–AE, E2 81 A0–AF, EF BB BF.
        let found = copy.withUTF8 { b -> Bool in
            let n = b.count
            var i = 0
            while i < n {
                i = ByteWords.skip(b, from: i, to: n, until: ByteWords.hasHigh)  // ASCII
                guard i < n else { break }
                let c = b[i]
                i += 1
                if c < 0xC2 { continue }
                switch c {
                case 0xC2: if i < n, (0x80...0x9F).contains(b[i]) { return true }
                case 0xD8: if i < n, b[i] == 0x9C { return true }
                case 0xE2:
                    guard i + 1 < n else { break }
                    let (x, y) = (b[i], b[i + 1])
                    if x == 0x80, (0x8B...0x8F).contains(y) || (0xA8...0xAE).contains(y) { return true }
                    if x == 0x81, (0xA0...0xAF).contains(y) { return true }
                case 0xEF: if i + 1 < n, b[i] == 0xBB, b[i + 1] == 0xBF { return true }
                default: break
                }
            }
            return false
        }
        guard found else { return json }
        var out = String.UnicodeScalarView()
        for scalar in json.unicodeScalars {
            if unsafe(scalar.value) {
                let hex = String(scalar.value, radix: 16)
                out.append(contentsOf: ("\\u" + String(repeating: "0", count: 4 - hex.count) + hex).unicodeScalars)
            } else {
                out.append(scalar)
            }
        }
        return String(out)
    }

    /// The fields of a record without a turn or a submission, by hand: what
    /// `encodeWithFoundation` writes (its keys sorted, nil fields left out), except that
    /// strings are quoted by `JSONValue.quote` (as long texts already were): a few controls
    /// come out as `\u00XX` where JSONEncoder writes `\b` or `\f` or the raw byte, the same
    /// text when read. A streaming answer's progress records come twice a second, and
    /// JSONEncoder cost about a millisecond each (5 % of the UI's CPU for a paced answer).
    static func encodeFlat(_ r: TranscriptRecord) -> String {
        // Written as bytes, once: a progress record carries up to 64 KiB of answer.
        var out: [UInt8] = [0x7B]
        out.reserveCapacity(256 + (r.text?.utf8.count ?? 0) * 17 / 16)
        func key(_ name: StaticString) {
            if out.count > 1 { out.append(0x2C) }
            out.append(0x22)
            name.withUTF8Buffer { out.append(contentsOf: $0) }
            out.append(contentsOf: [0x22, 0x3A])
        }
        func add(_ name: StaticString, _ s: String?) {
            guard let s else { return }
            key(name)
            JSONValue.quote(s, into: &out)
        }
        func add(_ name: StaticString, raw: String?) {
            guard let raw else { return }
            key(name)
            out.append(contentsOf: raw.utf8)
        }
        add("agentID", r.agentID)
        add("agentName", r.agentName)
        add("answerInProgress", raw: r.answerInProgress.map { $0 ? "true" : "false" })
        add("at", TranscriptDates.format(r.at))
        add("kind", r.kind.rawValue)
        add("projectID", r.projectID)
        add("sessionID", r.sessionID)
        add("target", r.target)
        add("text", r.text)
        add("tool", r.tool)
        add("turnID", raw: r.turnID.map { String($0) })
        add("userText", r.userText)
        add("versionOf", raw: r.versionOf.map { String($0) })
        out.append(0x7D)
        return String(decoding: out, as: UTF8.self)
    }

    /// A record as JSONEncoder writes it (sorted keys, dates as ISO 8601 text).
    static func encodeWithFoundation(_ record: TranscriptRecord) -> String {
        let e = JSONEncoder()
        e.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        e.dateEncodingStrategy = .custom { date, encoder in
            var c = encoder.singleValueContainer()
            try c.encode(TranscriptDates.format(date))
        }
        guard let data = try? e.encode(record) else {
            return "{\"kind\":\"\(record.kind.rawValue)\",\"error\":\"could not encode the record\"}"
        }
        return String(decoding: data, as: UTF8.self)
    }

    static func decoder() -> JSONDecoder {
        let d = JSONDecoder()
        d.dateDecodingStrategy = .custom { decoder in
            let c = try decoder.singleValueContainer()
            if let n = try? c.decode(Double.self) { return Date(timeIntervalSince1970: n) }
            let s = try c.decode(String.self)
            guard let date = TranscriptDates.parse(s) else {
                throw DecodingError.dataCorruptedError(in: c, debugDescription: "not an ISO 8601 date: \(s)")
            }
            return date
        }
        return d
    }

    // MARK: Where transcripts go

    /// `$XDG_STATE_HOME/robofy-tui/transcripts`, or `~/.local/state/robofy-tui/transcripts`.
    public static func defaultDirectory(env: [String: String] = ProcessInfo.processInfo.environment) -> String {
        var base = env["XDG_STATE_HOME"] ?? ""
        if !base.hasPrefix("/") {  // the spec says relative values are ignored
            let home = env["HOME"].flatMap { $0.isEmpty ? nil : $0 } ?? NSHomeDirectory()
            base = (home as NSString).appendingPathComponent(".local/state")
        }
        return ((base as NSString).appendingPathComponent("robofy-tui") as NSString).appendingPathComponent("transcripts")
    }

    /// `<dir>/<yyyyMMdd>-<HHmmss>-<agent>.jsonl`, with `-2`, `-3`… when that name is taken.
    public static func defaultPath(agent: String, date: Date = Date(),
                                   env: [String: String] = ProcessInfo.processInfo.environment) -> String {
        let dir = defaultDirectory(env: env)
        let f = DateFormatter()
        f.locale = Locale(identifier: "en_US_POSIX")
        f.dateFormat = "yyyyMMdd-HHmmss"
        let stem = "\(f.string(from: date))-\(slug(agent))"
        var candidate = (dir as NSString).appendingPathComponent(stem + ".jsonl")
        var n = 2
        while FileManager.default.fileExists(atPath: candidate), n < 1000 {
            candidate = (dir as NSString).appendingPathComponent("\(stem)-\(n).jsonl")
            n += 1
        }
        return candidate
    }

    /// A file-name-safe form of a name: lowercase letters, digits and dashes.
    public static func slug(_ s: String) -> String {
        var out = ""
        for ch in s.lowercased() {
            if ch.isASCII && (ch.isLetter || ch.isNumber) { out.append(ch) } else if !out.hasSuffix("-") { out.append("-") }
        }
        while out.hasPrefix("-") { out.removeFirst() }
        while out.hasSuffix("-") { out.removeLast() }
        return out.isEmpty ? "agent" : String(out.prefix(40))
    }

    // MARK: Reading

    /// Reads a transcript leniently: lines that are not records are reported, not fatal.
    /// A file larger than `LocalFile.Limit.transcript` is refused with a message naming the limit.
    public static func read(path: String, limit: Int = LocalFile.Limit.transcript) throws(TranscriptError) -> TranscriptFile {
        do {
            return parse(try LocalFile.read(path, limit: limit, what: "transcript"))
        } catch let e as LocalFile.Failure {
            throw TranscriptError(e.description)
        } catch {
            throw TranscriptError("cannot read \(path)")
        }
    }

    public static func parse(_ data: Data) -> TranscriptFile {
        var file = TranscriptFile()
        let d = decoder()
        let lines = data.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false)
        let endsWithNewline = data.last == UInt8(ascii: "\n")
        for (i, line) in lines.enumerated() {
            if line.allSatisfy({ $0 == UInt8(ascii: " ") || $0 == UInt8(ascii: "\r") || $0 == UInt8(ascii: "\t") }) { continue }
            do {
                file.records.append(try d.decode(TranscriptRecord.self, from: Data(line)))
            } catch {
                let last = i == lines.count - 1 && !endsWithNewline
                file.problems.append(last ? "line \(i + 1): incomplete (the program ended while writing it)"
                                          : "line \(i + 1): not a transcript record")
            }
        }
        return file
    }
}

/// A transcript as read back.
public struct TranscriptFile: Sendable, Equatable {
    public var records: [TranscriptRecord] = []
    /// Lines that could not be read, for a warning.
    public var problems: [String] = []
    public init() {}

    public var start: TranscriptRecord? { records.first { $0.kind == .start } }

    /// One entry per turn in the order they started: the finished turn, or what was
    /// recorded of one that never finished.
    public var entries: [Entry] {
        var order: [Int] = []
        var byID: [Int: Entry] = [:]
        var markers: [Entry] = []
        for r in records {
            switch r.kind {
            case .turnStarted:
                guard let id = r.turnID else { continue }
                if byID[id] == nil { order.append(id) }
                byID[id] = Entry(kind: .unfinished, record: r, turnID: id, userText: r.userText ?? "", partialAnswer: "",
                                 agentName: r.agentName ?? "", at: r.at)
            case .progress:
                guard let id = r.turnID, byID[id]?.kind == .unfinished else { continue }
                byID[id]?.partialAnswer += r.text ?? ""
            case .turn:
                guard var t = r.turn else { continue }
                var record = r
                if r.answerInProgress == true {
                    // The answer was written in chunks as it streamed: join them again.
                    t.answer = byID[t.id].map { $0.kind == .unfinished ? $0.partialAnswer : "" } ?? ""
                    record.turn = t
                }
                if byID[t.id] == nil { order.append(t.id) }
                byID[t.id] = Entry(kind: .turn, record: record, turnID: t.id, userText: t.userText, partialAnswer: t.answer,
                                   agentName: t.agentName, at: t.startedAt, turn: t)
            case .sessionEnded, .chatReset:
                let id = -(markers.count + 1)
                markers.append(Entry(kind: r.kind == .sessionEnded ? .sessionEnded : .chatReset, record: r, turnID: id,
                                     userText: "", partialAnswer: "", agentName: r.agentName ?? "", at: r.at))
                order.append(id)
            case .submission:
                // With the turn it rates, or the last turn before it.
                guard let s = r.submission, let id = s.turnID ?? order.last(where: { $0 > 0 }) else { continue }
                byID[id]?.submissions.append(s)
            case .start:
                continue
            }
        }
        for m in markers { byID[m.turnID] = m }
        return order.compactMap { byID[$0] }
    }

    public struct Entry: Sendable, Equatable {
        public enum Kind: Sendable, Equatable { case turn, unfinished, sessionEnded, chatReset }
        public var kind: Kind
        public var record: TranscriptRecord
        public var turnID: Int
        public var userText: String
        /// The answer (whole for a finished turn, what streamed in for an unfinished one).
        public var partialAnswer: String
        public var agentName: String
        public var at: Date
        public var turn: Turn?
        /// Leads and ratings sent after this turn.
        public var submissions: [WidgetSubmission] = []
    }
}

private func closeDescriptor(_ fd: Int32) -> Int32 {
    close(fd)
}

enum TranscriptDates {
    /// `2026-12-02T06:40:00.123Z`, as `ISO8601DateFormatter` writes it with fractional
    /// seconds, in UTC. Written by hand: a streaming answer writes a record twice a second,
    /// and making a formatter each time cost a fifth of the autosave's CPU.
    static func format(_ date: Date) -> String {
        let t = date.timeIntervalSince1970
        // To the nearest millisecond, as the formatter rounds (0.9996 s is 1.000).
        let total = (t * 1000).rounded()
        guard total.isFinite, total >= 0, total < 253_402_300_800_000 else { return formatWithFoundation(date) }  // 9999-12-31
        let seconds = (total / 1000).rounded(.down)
        let ms = min(max(Int(total - seconds * 1000), 0), 999)
        var time = time_t(seconds)
        var parts = tm()
        guard gmtime_r(&time, &parts) != nil else { return formatWithFoundation(date) }
        func two(_ v: Int32) -> String { v < 10 ? "0\(v)" : "\(v)" }
        let year = String(parts.tm_year + 1900)
        let milli = ms < 10 ? "00\(ms)" : ms < 100 ? "0\(ms)" : "\(ms)"
        return String(repeating: "0", count: max(0, 4 - year.count)) + year + "-" + two(parts.tm_mon + 1) + "-"
            + two(parts.tm_mday) + "T" + two(parts.tm_hour) + ":" + two(parts.tm_min) + ":" + two(parts.tm_sec)
            + "." + milli + "Z"
    }

    static func formatWithFoundation(_ date: Date) -> String {
        let f = ISO8601DateFormatter()
        f.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        return f.string(from: date)
    }

    static func parse(_ s: String) -> Date? {
        let f = ISO8601DateFormatter()
        f.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        if let d = f.date(from: s) { return d }
        f.formatOptions = [.withInternetDateTime]
        return f.date(from: s)
    }
}
