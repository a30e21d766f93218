import Foundation

/// The one checked conversion for numbers that come from the network (or any other
/// untrusted text): `Int(someDouble)` traps on NaN, ±inf and anything outside Int's
/// range, so no such number is ever converted any other way.
public enum NetNumber {
    /// `v` as a whole number when it is finite, whole and within `range`; nil otherwise.
    public static func exactInt(_ v: Double, in range: ClosedRange<Int> = Int.min...Int.max) -> Int? {
        guard v.isFinite, v == v.rounded(.towardZero), let i = clampedInt(v, to: range), Double(i) == v else { return nil }
        return i
    }

    /// `v` rounded toward zero and clamped into `range`; nil only for NaN. ±inf clamp to the ends.
    public static func clampedInt(_ v: Double, to range: ClosedRange<Int>) -> Int? {
        guard !v.isNaN else { return nil }
        // Double(Int.max) is 2^63, one past Int.max: compare with `<`, never convert at or past it.
        if v <= Double(range.lowerBound) { return range.lowerBound }
        if v >= Double(range.upperBound) { return range.upperBound }
        let t = v.rounded(.towardZero)
        guard t > -9.223372036854775808e18, t < 9.223372036854775808e18 else {
            return t < 0 ? range.lowerBound : range.upperBound
        }
        return min(max(Int(t), range.lowerBound), range.upperBound)
    }

    /// Milliseconds of `seconds`, for a sleep or a timeout: NaN and negatives are 0, anything
    /// longer than a day is a day.
    public static func milliseconds(_ seconds: Double) -> Int {
        guard !seconds.isNaN, seconds > 0 else { return 0 }
        return clampedInt(seconds * 1000, to: 0...86_400_000) ?? 0
    }

    /// Longest `Retry-After` honoured as given, in seconds (a day); longer waits are clamped.
    public static let maxRetryAfter: Double = 86_400

    /// The seconds a `Retry-After` header asks for: a non-negative number of seconds (a
    /// fraction tolerated) or an HTTP-date (`Wed, 21 Oct 2015 07:28:00 GMT`; a past date is 0).
    /// nil for anything else (`inf`, `NaN`, negatives, words). At most `maxRetryAfter`.
    public static func retryAfterSeconds(_ header: String, now: Date = Date()) -> Double? {
        let text = header.trimmingCharacters(in: .whitespaces)
        guard !text.isEmpty, text.utf8.count <= 64 else { return nil }
        if text.utf8.allSatisfy({ ($0 >= 0x30 && $0 <= 0x39) || $0 == 0x2E || $0 == 0x65 || $0 == 0x45 || $0 == 0x2B }),
           let v = Double(text) {
            guard v.isFinite, v >= 0 else { return nil }
            return min(v, maxRetryAfter)
        }
        guard let date = httpDate(text) else { return nil }
        return min(max(date.timeIntervalSince(now), 0), maxRetryAfter)
    }

    /// Parses the three HTTP date forms (RFC 9110 §5.6.7): IMF-fixdate, RFC 850, asctime.
    static func httpDate(_ s: String) -> Date? {
        for format in ["EEE, dd MMM yyyy HH:mm:ss zzz", "EEEE, dd-MMM-yy HH:mm:ss zzz", "EEE MMM d HH:mm:ss yyyy"] {
            let f = DateFormatter()
            f.locale = Locale(identifier: "en_US_POSIX")
            f.timeZone = TimeZone(identifier: "GMT")
            f.dateFormat = format
            if let d = f.date(from: s) { return d }
        }
        return nil
    }

    /// Seconds as a person reads them: "3 s", "0.5 s", "2 min", "more than a day"; never traps.
    public static func secondsText(_ s: Double) -> String {
        guard s.isFinite, s >= 0 else { return "an unknown time" }
        if s > maxRetryAfter { return "more than a day" }
        if s >= 120 { return "\(clampedInt((s / 60).rounded(), to: 0...1440) ?? 0) min" }
        if let i = exactInt(s) { return "\(i) s" }
        return String(format: "%.1f s", s)
    }
}
