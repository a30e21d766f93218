import Foundation
import Testing
@testable import RobofyAPI

/// Events decoded from the read buffer: a `text-delta` as servers write it keeps no copy of
/// its JSON, and its `raw` is still the received data byte for byte; anything else keeps it.
@Suite struct ChunkEventTests {
    func event(_ data: String) -> ChunkEvent {
        var d = data
        return d.withUTF8 { UIChunkDecoder.event(utf8: $0) }
    }

    static let canonical = [
        #"{"type":"text-delta","id":"0","delta":"Hello"}"#,
        #"{"type":"text-delta","id":"msg-1","delta":""}"#,
        #"{"type":"text-delta","id":"0","delta":"line\nnext\ttab \"q\" back\\slash \b\f\r"}"#,
        #"{"type":"text-delta","id":"0","delta":"bell \u0007 esc \u001b nul \u0000 us \u001f"}"#,
        "{\"type\":\"text-delta\",\"id\":\"0\",\"delta\":\"déjà vu 東京 🙂 / < > \u{7F} \u{85} \u{2028}\"}",
    ]

    @Test(arguments: canonical) func aCanonicalTextDeltaKeepsNoCopyAndGivesItsDataBack(_ data: String) {
        let e = event(data)
        #expect(!e.keepsRawCopy)
        #expect(e.raw == data)
        #expect(e.chunk == UIChunkDecoder.decode(data))
        #expect(e.chunk == UIChunkDecoder.decodeGeneral(data))
    }

    static let other = [
        #"{"type":"text-delta","id":"0","delta":"a\/b"}"#,                 // an escape JSON.stringify does not write
        #"{"type":"text-delta","id":"0","delta":"\u0041"}"#,
        #"{"type":"text-delta","id":"0","delta":"\u001B upper hex"}"#,
        #"{"type":"text-delta","id":"0","delta":"\u000a long form"}"#,
        #"{"id":"0","type":"text-delta","delta":"order"}"#,
        #"{"type":"text-delta", "id":"0","delta":"space"}"#,
        #"{"type":"text-delta","id":"0","delta":"x"} "#,
        #"{"type":"text-delta","id":"a\"b","delta":"x"}"#,
        #"{"type":"text-delta","id":"0","delta":"x","extra":1}"#,
        #"{"type":"text-delta","id":"0","delta":"unterminated}"#,
        #"{"type":"text-start","id":"0"}"#,
        #"{"type":"custom-thing","value":1}"#,
        "[DONE]",
        "{not json",
    ]

    @Test(arguments: other) func anyOtherDataIsKeptAsReceived(_ data: String) {
        let e = event(data)
        #expect(e.keepsRawCopy)
        #expect(e.raw == data)
        #expect(e.chunk == UIChunkDecoder.decode(data))
    }

    @Test func invalidUTF8InADeltaIsNotCanonical() {
        var bytes = Array(#"{"type":"text-delta","id":"0","delta":"ab"}"#.utf8)
        bytes.insert(0xFF, at: bytes.count - 3)
        let e = bytes.withUnsafeBufferPointer { UIChunkDecoder.event(utf8: $0) }
        #expect(e.keepsRawCopy)
        #expect(e.chunk == .textDelta(id: "0", delta: "a\u{FFFD}b"))
    }

    @Test func theCanonicalFormRoundTripsEveryControlCharacter() {
        for v in 0..<0x20 {
            let delta = "<" + String(UnicodeScalar(UInt8(v))) + ">"
            let raw = UIChunkDecoder.canonicalRaw(.textDelta(id: "0", delta: delta)) ?? ""
            let e = event(raw)
            #expect(!e.keepsRawCopy, "\(raw)")
            #expect(e.chunk == .textDelta(id: "0", delta: delta))
            #expect(e.raw == raw)
        }
    }

    /// The data of an event whose line ends in one read and whose blank line comes in the
    /// next (handed over after being kept), or whose two data lines are joined.
    @Test func eventsSplitAcrossReadsDecodeTheSame() {
        let stream = Array("data: {\"type\":\"text-delta\",\"id\":\"0\",\"delta\":\"a\"}\n\ndata: one\ndata: two\n\n".utf8)
        for cut in 0...stream.count {
            var decoder = SSEDecoder()
            var got: [String] = []
            for part in [stream[..<cut], stream[cut...]] {
                Array(part).withUnsafeBytes { raw in
                    decoder.feed(raw) { got.append(String(decoding: $0.data, as: UTF8.self)) }
                }
            }
            #expect(got == [#"{"type":"text-delta","id":"0","delta":"a"}"#, "one\ntwo"], "cut at \(cut)")
        }
    }
}
