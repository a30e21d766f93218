import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// A port on 127.0.0.1 that is bound but not listening for as long as this lives: a connection
/// to it is refused, and no other test's server can take it meanwhile (a port that was just
/// freed can be taken by a test running at the same time).
public final class ClosedPort: @unchecked Sendable {
    public let port: Int
    private let fd: Int32

    public var url: String { "http://127.0.0.1:\(port)" }

    public init() throws {
        guard let (sock, port) = boundLoopbackSocket() else { throw ClosedPortError() }
        fd = sock
        self.port = port
    }

    deinit { close(fd) }
}

public struct ClosedPortError: Error {}

/// A TCP socket bound to a free port of 127.0.0.1 (not listening yet), and the port; nil
/// when the system refuses.
public func boundLoopbackSocket() -> (fd: Int32, port: Int)? {
    let sock = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    guard sock >= 0 else { return nil }
    var addr = sockaddr_in()
    addr.sin_family = sa_family_t(AF_INET)
    addr.sin_addr.s_addr = inet_addr("127.0.0.1")
    addr.sin_port = 0
    let bound = withUnsafePointer(to: &addr) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(sock, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
    }
    var len = socklen_t(MemoryLayout<sockaddr_in>.size)
    let named = withUnsafeMutablePointer(to: &addr) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(sock, $0, &len) }
    }
    guard bound == 0, named == 0 else {
        close(sock)
        return nil
    }
    return (sock, Int(UInt16(bigEndian: addr.sin_port)))
}
