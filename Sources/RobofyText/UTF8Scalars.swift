/// Scalars read straight from UTF-8 bytes known to be valid (a `String`'s), without decoding
/// the text around them.
enum UTF8Scalars {
    /// The scalar whose encoding starts at byte `i`, and its length in bytes; nil at the end,
    /// at a byte that starts no scalar, or where the encoding is cut short.
    @inline(__always)
    static func scalar<Bytes: RandomAccessCollection<UInt8>>(in bytes: Bytes, at i: Int)
        -> (scalar: Unicode.Scalar, length: Int)? where Bytes.Index == Int
    {
        guard i < bytes.endIndex else { return nil }
        let b0 = bytes[i]
        if b0 < 0x80 { return (Unicode.Scalar(b0), 1) }
        var length = 0
        var value: UInt32 = 0
        if b0 & 0xE0 == 0xC0 {
            length = 2
            value = UInt32(b0 & 0x1F)
        } else if b0 & 0xF0 == 0xE0 {
            length = 3
            value = UInt32(b0 & 0x0F)
        } else if b0 & 0xF8 == 0xF0 {
            length = 4
            value = UInt32(b0 & 0x07)
        } else {
            return nil
        }
        guard i + length <= bytes.endIndex else { return nil }
        for k in 1..<length { value = (value << 6) | UInt32(bytes[i + k] & 0x3F) }
        return Unicode.Scalar(value).map { ($0, length) }
    }
}
