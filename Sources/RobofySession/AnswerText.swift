import NIOConcurrencyHelpers

/// The text of an answer while it streams: the one copy of it, appended to by the session
/// and read by whoever shows it (the UI lays out its tail from it on every frame).
///
/// The text is a `String` behind a lock. The session appends in place (amortised, no
/// copy); a reader looks at it inside `withText`, under the same lock, so it never holds
/// a second reference while an append runs (which would make the append copy the whole
/// text). `string` hands out a reference for keeps: the finished turn's `answer`, which
/// shares this storage once the session stops appending. A reader that keeps one while the
/// answer still streams costs one copy at the next append, never a wrong text.
public final class AnswerText: Sendable, Equatable {
    private let box: NIOLockedValueBox<String>

    public init(_ text: String = "") {
        box = NIOLockedValueBox(text)
    }

    /// Adds text at the end (the session, as deltas arrive).
    public func append(_ piece: String) {
        box.withLockedValue { $0 += piece }
    }

    /// Calls `body` with the text as it is now, without copying it. Keep `body` short: the
    /// session waits for it to append the next delta. Do not let the text escape it.
    public func withText<R>(_ body: (String) throws -> R) rethrows -> R {
        try box.withLockedValue { try body($0) }
    }

    /// The text, as a value (shares the storage; see the type's note).
    public var string: String { box.withLockedValue { $0 } }

    /// Bytes of UTF-8 in the text.
    public var utf8Count: Int { box.withLockedValue { $0.utf8.count } }

    public var isEmpty: Bool { box.withLockedValue { $0.isEmpty } }

    /// Whether the text ends with a line break, and with two (an empty line), as `hasSuffix` says.
    var endsWithBreaks: (one: Bool, two: Bool) {
        box.withLockedValue { ($0.hasSuffix("\n"), $0.hasSuffix("\n\n")) }
    }

    /// The same text (one storage), not an equal one.
    public static func == (a: AnswerText, b: AnswerText) -> Bool { a === b }
}
