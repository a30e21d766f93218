// Fuzz target `chunk`: UIChunkDecoder on the data of one event. Never traps; every
// input decodes to a chunk (unknown and malformed data are values, a malformed one
// keeps at most 2,000 characters of the raw text); the fast path, when it accepts
// an input, agrees with the general JSON path; decoding from the bytes (the client's
// path) gives the same chunk, and an event without a copy of its data rebuilds it exactly.
import Foundation

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzChunk(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let text = String(decoding: UnsafeBufferPointer(start: data, count: size), as: UTF8.self)
    let chunk = UIChunkDecoder.decode(text)
    if checking("chunk-malformed-limit"), case .malformed(let raw, let reason) = chunk {
        if raw.count > UIChunkDecoder.malformedRawLimit || reason.isEmpty {
            fuzzFail("chunk-malformed-limit", "malformed chunk keeps \(raw.count) characters, reason '\(reason)'")
        }
    }
    if checking("chunk-fastpath"), let fast = UIChunkDecoder.decodeFastPath(text) {
        let general = UIChunkDecoder.decodeGeneral(text)
        if fast != general {
            fuzzFail("chunk-fastpath", "input \(visible(text))\nfast path: \(String(describing: fast).prefix(400))\ngeneral:   \(String(describing: general).prefix(400))")
        }
    }
    if checking("chunk-bytes") {
        // Decoded from the bytes (as the client does, from its read buffer): the same chunk;
        // an event that keeps no copy of its data gives the data back byte for byte.
        let event = UIChunkDecoder.event(utf8: UnsafeBufferPointer(start: data, count: size))
        if event.chunk != chunk {
            fuzzFail("chunk-bytes", "input \(visible(text))\nfrom bytes: \(String(describing: event.chunk).prefix(400))\nfrom text:  \(String(describing: chunk).prefix(400))")
        }
        if !event.keepsRawCopy, !event.raw.utf8.elementsEqual(UnsafeBufferPointer(start: data, count: size)) {
            fuzzFail("chunk-bytes", "input \(visible(text)) kept no copy but its raw is \(visible(event.raw))")
        }
    }
    if checking("chunk-deterministic"), UIChunkDecoder.decode(text) != chunk {
        fuzzFail("chunk-deterministic", "two decodes of \(visible(text)) differ")
    }
    return 0
}
