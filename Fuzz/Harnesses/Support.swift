// Shared by every fuzz target (compiled into each one by scripts/fuzz).
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Stops the run with a message libFuzzer shows next to the reproducer.
/// `abort()` (not `fatalError`) so the Swift backtracer stays out of the way.
func fuzzFail(_ oracle: String, _ message: String) -> Never {
    let text = "FUZZ ORACLE FAILED [\(oracle)]: \(message)\n"
    var bytes = Array(text.utf8)
    bytes.withUnsafeMutableBytes { buffer in
        guard let base = buffer.baseAddress else { return }
        _ = write(2, base, buffer.count)
    }
    abort()
}

/// Oracles named in the environment variable FUZZ_SKIP (comma-separated) are not
/// checked: lets a long run get past a known, already reported bug.
let skippedOracles: Set<String> = {
    guard let raw = getenv("FUZZ_SKIP") else { return [] }
    return Set(String(cString: raw).split(separator: ",").map { String($0) })
}()

@inline(__always)
func checking(_ oracle: String) -> Bool { !skippedOracles.contains(oracle) }

/// A small deterministic generator, seeded from the input, for input-derived choices.
struct SplitMix {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    init(hashing bytes: [UInt8]) {
        var h: UInt64 = 0xcbf2_9ce4_8422_2325
        for b in bytes { h = (h ^ UInt64(b)) &* 0x100_0000_01b3 }
        state = h
    }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
    mutating func below(_ n: Int) -> Int { n <= 1 ? 0 : Int(next() % UInt64(n)) }
}

/// Shows a string with every non-printable-ASCII scalar escaped.
func visible(_ s: String, limit: Int = 300) -> String {
    var out = ""
    for scalar in s.unicodeScalars.prefix(limit) {
        let v = scalar.value
        if v >= 0x20 && v < 0x7F && v != 0x5C { out.unicodeScalars.append(scalar) } else {
            out += "\\u{" + String(v, radix: 16, uppercase: true) + "}"
        }
    }
    return out
}
