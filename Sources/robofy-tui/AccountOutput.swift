import Foundation
import RobofyAPI
import WidgetUI
import RobofyText

enum AccountListingKind {
    case leads, sessions, messages

    var jsonKey: String {
        switch self {
        case .leads: "leads"
        case .sessions: "sessions"
        case .messages: "messages"
        }
    }

    func noun(_ n: Int) -> String {
        switch self {
        case .leads: n == 1 ? "lead" : "leads"
        case .sessions: n == 1 ? "session" : "sessions"
        case .messages: n == 1 ? "message" : "messages"
        }
    }

    /// Columns shown first (the first key of each group that a row has), before the others.
    var first: [[String]] {
        switch self {
        case .leads: [["created_at", "createdAt", "created", "date"], ["session_id", "sessionId"]]
        case .sessions:
            [["session_id", "sessionId", "id"], ["created_at", "createdAt", "started_at"],
             ["updated_at", "updatedAt", "last_message_at", "lastMessageAt"], ["message_count", "messageCount", "messages"]]
        case .messages: [["created_at", "createdAt", "timestamp", "time"], ["role", "sender", "from", "type"]]
        }
    }

    /// Columns shown last (long text).
    var last: [String] {
        switch self {
        case .leads: []
        case .sessions: ["last_message", "lastMessage", "preview", "summary"]
        case .messages: ["content", "text", "message", "body", "query", "answer"]
        }
    }
}

/// Tables and JSON for `leads` and `inbox`. Every string the server sent is sanitized
/// (escape sequences, controls, bidi overrides removed) before it reaches the terminal,
/// and redacted (the API key, bearer tokens and JWTs a recorded message may hold).
enum AccountOutput {
    /// Cells wider than this are cut with "…" (the last column may be wider).
    static let maxCell = 40
    static let maxLastCell = 200

    // MARK: Table

    static func table(_ listing: AccountListing, kind: AccountListingKind, width: Int?) -> String {
        let n = listing.rows.count
        let pages = listing.pages == 1 ? "1 page" : "\(listing.pages) pages"
        guard n > 0 else { return "No \(kind.noun(0)) recorded (\(pages)).\n" }
        let (headers, cells) = columns(listing.rows, kind: kind)
        var out = render(headers: headers, rows: cells, lastIsLong: !kind.last.isEmpty, width: width)
        out += "\(n) \(kind.noun(n)) (\(pages)).\n"
        return out
    }

    /// One row's cells by column name: scalars as text, `lead_data[]` items as a column per
    /// `field_name`, anything else as compact JSON.
    static func flatten(_ row: JSONValue) -> [(String, String)] {
        guard let object = row.objectValue else { return [("value", text(row))] }
        var fields: [(String, String)] = []
        var others: [(String, String)] = []
        for key in object.keys.sorted() {
            guard let value = object[key] else { continue }
            if key == "lead_data", let items = value.arrayValue,
               items.allSatisfy({ $0["field_name"]?.stringValue != nil }) {
                for item in items {
                    fields.append((item["field_name"]?.stringValue ?? "", text(item["field_value"] ?? .null)))
                }
                continue
            }
            if value.isNull { continue }
            others.append((key, text(value)))
        }
        // The lead's own fields (name, email, …) come before the bookkeeping.
        return fields + others
    }

    static func text(_ v: JSONValue) -> String {
        switch v {
        case .string(let s): s
        case .null: ""
        default: v.compactText
        }
    }

    /// Column names in display order, and each row's cells (sanitized, one line).
    static func columns(_ rows: [JSONValue], kind: AccountListingKind) -> ([String], [[String]]) {
        let flat = rows.map(flatten)
        var seen: [String] = []
        for row in flat { for (k, _) in row where !seen.contains(k) { seen.append(k) } }
        var ordered: [String] = []
        for group in kind.first {
            if let k = group.first(where: seen.contains) { ordered.append(k) }
        }
        let tail = kind.last.filter { seen.contains($0) && !ordered.contains($0) }
        ordered += seen.filter { !ordered.contains($0) && !tail.contains($0) }
        ordered += tail
        let cells = flat.map { row in
            ordered.map { col in clean(row.last(where: { $0.0 == col })?.1 ?? "") }
        }
        return (ordered.map { clean($0) }, cells)
    }

    static func clean(_ s: String) -> String {
        Redaction.redact(Sanitizer.clean(s, allowNewlines: false)).trimmingCharacters(in: .whitespaces)
    }

    static func render(headers: [String], rows: [[String]], lastIsLong: Bool, width: Int?) -> String {
        let count = headers.count
        var widths = headers.map { DisplayWidth.of($0) }
        for row in rows {
            for (i, c) in row.enumerated() { widths[i] = max(widths[i], DisplayWidth.of(c)) }
        }
        for i in widths.indices {
            widths[i] = min(widths[i], lastIsLong && i == count - 1 ? maxLastCell : maxCell)
        }
        if let width {
            // Fit the terminal: shrink the widest column, a column at a time, down to 8.
            while widths.reduce(0, +) + 2 * max(0, count - 1) > width,
                  let i = widths.indices.max(by: { widths[$0] < widths[$1] }), widths[i] > 8 {
                widths[i] -= 1
            }
        }
        func line(_ cells: [String]) -> String {
            var parts: [String] = []
            for (i, c) in cells.enumerated() {
                let cut = DisplayWidth.truncate(c, to: widths[i])
                parts.append(i == count - 1 ? cut : DisplayWidth.pad(cut, to: widths[i]))
            }
            var l = parts.joined(separator: "  ")
            while l.hasSuffix(" ") { l.removeLast() }
            return l + "\n"
        }
        var out = line(headers)
        out += line(widths.map { String(repeating: "-", count: $0) })
        for row in rows { out += line(row) }
        return out
    }

    static func terminalWidth() -> Int? {
        var ws = winsize()
        guard ioctl(STDOUT_FILENO, UInt(TIOCGWINSZ), &ws) == 0, ws.ws_col > 0 else { return nil }
        return Int(ws.ws_col)
    }

    // MARK: JSON

    /// The rows as the server sent them, with what was asked and whether the listing is complete.
    /// JSON escapes every control character; characters that could reorder or hide text
    /// (bidi overrides, zero-width characters) are escaped too, so the output is safe to print.
    static func json(_ listing: AccountListing, kind: AccountListingKind, context: [String: String?]) -> String {
        var object: JSONObject = [
            kind.jsonKey: .array(listing.rows),
            "count": .number(Double(listing.rows.count)),
            "pages": .number(Double(listing.pages)),
            "complete": .bool(listing.complete),
        ]
        for (k, v) in context { if let v { object[k] = .string(v) } }
        if let t = listing.nextPageToken { object["nextPageToken"] = .string(t) }
        if let why = listing.stoppedEarly { object["stopped"] = .string(why) }
        return Redaction.redact(escapeInvisible(JSONValue.object(object).prettyText()))
    }

    /// `\uXXXX` for every scalar the sanitizer would remove (JSON text stays valid: such
    /// characters only occur inside strings).
    static func escapeInvisible(_ text: String) -> String {
        guard text.unicodeScalars.contains(where: { $0.value >= 0x80 && isInvisible($0) }) else { return text }
        var out = ""
        for u in text.unicodeScalars {
            if u.value >= 0x80 && isInvisible(u) {
                for unit in String(u).utf16 { out += String(format: "\\u%04x", unit) }
            } else {
                out.unicodeScalars.append(u)
            }
        }
        return out
    }

    static func isInvisible(_ u: Unicode.Scalar) -> Bool {
        let s = String(u)
        return Sanitizer.clean(s) != s
    }
}
