// Fuzz target `handshake`: the lenient handshake decoder on any bytes. It either
// throws one of its errors or returns a handshake with a token and at least one
// agent with an id, problems reported as warnings; it never traps, and the
// redacted copy never holds the token.
import Foundation

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzHandshake(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = Data(UnsafeBufferPointer(start: data, count: size))
    let handshake: Handshake
    do {
        handshake = try Handshake.decode(bytes)
    } catch is HandshakeDecodeError {
        return 0
    } catch {
        fuzzFail("handshake-error", "unexpected error type \(type(of: error)): \(error)")
    }
    if checking("handshake-result") {
        if handshake.token.isEmpty { fuzzFail("handshake-result", "decoded with an empty token") }
        if handshake.agents.isEmpty { fuzzFail("handshake-result", "decoded without agents") }
        if handshake.agents.contains(where: { $0.chatbotID.isEmpty }) { fuzzFail("handshake-result", "an agent without an id") }
        if handshake.redactedJSON["data"]?["token"] != .string("[redacted]") {
            fuzzFail("handshake-result", "the redacted JSON keeps data.token")
        }
        if handshake.description.contains(handshake.token) && handshake.token.count >= 4 {
            fuzzFail("handshake-result", "the description shows the token")
        }
        _ = handshake.sortedAgents
        _ = handshake.warnings.map(\.description)
    }
    return 0
}
