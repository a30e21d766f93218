/// FNV-1a, 64 bits: a small stable hash (not for security) — avatar cache file names, suite shards.
public enum FNV1a {
    /// The hash of the string's UTF-8 bytes.
    public static func hash(_ s: String) -> UInt64 {
        var h: UInt64 = 0xcbf2_9ce4_8422_2325
        for b in s.utf8 {
            h ^= UInt64(b)
            h = h &* 0x0000_0100_0000_01B3
        }
        return h
    }
}
