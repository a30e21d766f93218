/// Eight bytes at a time: the tests that let a scan skip a word of ordinary text at once
/// (the "has a zero byte" family of bit tricks; each is exact: true if and only if some byte
/// of the word qualifies). Long answers are scanned several times (decoding, the autosave's
/// quoting and redaction, counting characters); a byte at a time that was a tenth of the
/// CPU of a 1 MiB answer.
public enum ByteWords {
    static let ones: UInt64 = 0x0101_0101_0101_0101
    static let highs: UInt64 = 0x8080_8080_8080_8080

    /// The 8 bytes at `b[i...]` (`i + 8 <= b.count`), the first in the lowest bits.
    @inline(__always) public static func load(_ b: UnsafeBufferPointer<UInt8>, _ i: Int) -> UInt64 {
        UInt64(littleEndian: UnsafeRawPointer(b.baseAddress.unsafelyUnwrapped + i).loadUnaligned(as: UInt64.self))
    }

    /// Some byte is 0x80 or more.
    @inline(__always) public static func hasHigh(_ x: UInt64) -> Bool { x & highs != 0 }

    /// Some byte is `c`.
    @inline(__always) public static func has(_ x: UInt64, _ c: UInt8) -> Bool {
        let y = x ^ (ones &* UInt64(c))
        return (y &- ones) & ~y & highs != 0
    }

    /// The bytes that are `c`, as their high bits; exact up to the first of them (the lowest
    /// set bit), above it a byte may be marked wrongly: `trailingZeroBitCount / 8` is where
    /// the first `c` is.
    @inline(__always) public static func matches(_ x: UInt64, _ c: UInt8) -> UInt64 {
        let y = x ^ (ones &* UInt64(c))
        return (y &- ones) & ~y & highs
    }

    /// Some byte is less than `n` (`n` at most 128).
    @inline(__always) public static func hasLess(_ x: UInt64, _ n: UInt8) -> Bool {
        (x &- ones &* UInt64(n)) & ~x & highs != 0
    }

    /// Some byte is not printable ASCII (a control, DEL, or not ASCII).
    @inline(__always) public static func hasUnprintable(_ x: UInt64) -> Bool {
        hasHigh(x) || hasLess(x, 0x20) || has(x, 0x7F)
    }

    /// Where a scan of `b[i..<end]` goes on a byte at a time: past the whole words (from `i`)
    /// that `matters` finds nothing in, at the first word it does or the last few bytes.
    @inline(__always) public static func skip(_ b: UnsafeBufferPointer<UInt8>, from i: Int, to end: Int,
                                              until matters: (UInt64) -> Bool) -> Int {
        var i = i
        while i + 8 <= end, !matters(load(b, i)) { i += 8 }
        return i
    }
}

extension String {
    /// The text at UTF-8 offsets `range` (which fall on scalar boundaries), or "" when the
    /// range lies outside the text. O(range) on native strings: no copy of the rest.
    public func utf8Slice(_ range: Range<Int>) -> String {
        let utf8 = self.utf8
        guard range.lowerBound >= 0, range.upperBound <= utf8.count,
              let a = utf8.index(utf8.startIndex, offsetBy: range.lowerBound, limitedBy: utf8.endIndex),
              let b = utf8.index(a, offsetBy: range.count, limitedBy: utf8.endIndex) else { return "" }
        return String(decoding: utf8[a..<b], as: UTF8.self)
    }
}
