import Testing
@testable import RobofyText

/// `MDBlocks.isPlainBreaker` (a byte) and `hasPlainBreaker` (eight at a time, for freezing
/// plain lines from the raw text) name the same bytes twice: they must agree on every byte.
@Suite struct PlainBreakerTests {
    func word(_ bytes: [UInt8]) -> UInt64 {
        bytes.withUnsafeBufferPointer { ByteWords.load($0, 0) }
    }

    @Test func aWordHasABreakerExactlyWhenOneOfItsBytesIsOne() {
        for b in 0...255 {
            for at in 0..<8 {
                var bytes = [UInt8](repeating: UInt8(ascii: "a"), count: 8)
                bytes[at] = UInt8(b)
                #expect(MDBlocks.hasPlainBreaker(word(bytes)) == MDBlocks.isPlainBreaker(UInt8(b)), "byte \(b) at \(at)")
            }
        }
        var rng = SystemRandomNumberGenerator()
        for _ in 0..<20_000 {
            let bytes = (0..<8).map { _ in UInt8.random(in: 0...255, using: &rng) }
            #expect(MDBlocks.hasPlainBreaker(word(bytes)) == bytes.contains(where: MDBlocks.isPlainBreaker), "\(bytes)")
        }
    }
}
