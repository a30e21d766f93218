/// A small deterministic random number generator (SplitMix64), so the property tests'
/// failures reproduce: the same seed gives the same sequence on every machine and run.
public struct SeededRandom: RandomNumberGenerator, Sendable {
    private var state: UInt64

    public init(seed: UInt64) { state = seed }

    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// A number in `0..<bound` (`bound` > 0).
    public mutating func next(upTo bound: Int) -> Int { Int(next() % UInt64(bound)) }

    /// A number in `0..<bound` (`bound` > 0).
    public mutating func int(_ bound: Int) -> Int { next(upTo: bound) }

    /// One element of a non-empty array.
    public mutating func pick<T>(_ xs: [T]) -> T { xs[next(upTo: xs.count)] }
}
