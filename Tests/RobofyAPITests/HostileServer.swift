import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// A tiny HTTP/1.1 server on 127.0.0.1 for what the demo server cannot do: reset a
/// connection (RST) or never answer. One thread accepts; each request is read (head and
/// `Content-Length` body) and then handled by `action`.
final class HostileServer: @unchecked Sendable {
    enum Action: Sendable {
        /// Write these bytes, then close.
        case respond(String)
        /// Write these bytes, then reset the connection (SO_LINGER 0).
        case reset(after: String)
        /// Never answer (the connection is held until `stop`).
        case hang
        /// Write these bytes, then keep the connection open until the client closes it
        /// (counted in `closedByClient`).
        case holdAfter(String)
    }

    let port: Int
    var baseURL: String { "http://127.0.0.1:\(port)" }
    private let listener: Int32
    private let lock = NSLock()
    private var held: [Int32] = []
    private var stopped = false
    private var closed = 0
    /// Connections of `holdAfter` that the client closed.
    var closedByClient: Int {
        lock.lock()
        defer { lock.unlock() }
        return closed
    }
    private let action: @Sendable (String) -> Action

    /// `listening` false: the port is bound but refuses connections until `startListening()`
    /// (a server still starting).
    init(listening: Bool = true, _ action: @escaping @Sendable (_ requestHead: String) -> Action) throws {
        self.action = action
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw POSIXError(.EIO) }
        var one: Int32 = 1
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, socklen_t(MemoryLayout<Int32>.size))
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_port = 0
        addr.sin_addr.s_addr = inet_addr("127.0.0.1")
        let bound = withUnsafePointer(to: &addr) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard bound == 0, !listening || listen(fd, 16) == 0 else {
            close(fd)
            throw POSIXError(.EADDRINUSE)
        }
        var len = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &addr) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &len) }
        }
        listener = fd
        port = Int(UInt16(bigEndian: addr.sin_port))
        if listening { startAccepting() }
    }

    /// Starts listening (a server made with `listening: false`).
    func startListening() {
        guard listen(listener, 16) == 0 else { return }
        startAccepting()
    }

    private func startAccepting() {
        let thread = Thread { [self] in self.acceptLoop() }
        thread.start()
    }

    func stop() {
        lock.lock()
        stopped = true
        let fds = held
        held = []
        lock.unlock()
        shutdown(listener, Int32(SHUT_RDWR))
        close(listener)
        for fd in fds {
            shutdown(fd, Int32(SHUT_RDWR))
            close(fd)
        }
    }

    private func acceptLoop() {
        while true {
            let c = accept(listener, nil, nil)
            if c < 0 {
                lock.lock()
                let done = stopped
                lock.unlock()
                if done { return }
                continue
            }
            let thread = Thread { [self] in self.serve(c) }
            thread.start()
        }
    }

    private func serve(_ fd: Int32) {
        var data: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 4096)
        var head = ""
        // Read the head, then Content-Length bytes of body.
        while true {
            let n = read(fd, &buffer, buffer.count)
            if n <= 0 { close(fd); return }
            data.append(contentsOf: buffer[0..<n])
            if let r = String(decoding: data, as: UTF8.self).range(of: "\r\n\r\n") {
                head = String(String(decoding: data, as: UTF8.self)[..<r.lowerBound])
                let bodyStart = String(decoding: data, as: UTF8.self)[..<r.upperBound].utf8.count
                let length = head.split(separator: "\r\n").compactMap { line -> Int? in
                    let parts = line.split(separator: ":", maxSplits: 1)
                    guard parts.count == 2, parts[0].lowercased() == "content-length" else { return nil }
                    return Int(parts[1].trimmingCharacters(in: .whitespaces))
                }.first ?? 0
                var have = data.count - bodyStart
                while have < length {
                    let m = read(fd, &buffer, buffer.count)
                    if m <= 0 { break }
                    have += m
                }
                break
            }
        }
        switch action(head) {
        case .respond(let text):
            write(fd, text)
            shutdown(fd, Int32(SHUT_WR))
            close(fd)
        case .reset(let text):
            write(fd, text)
            var linger = Glibc.linger(l_onoff: 1, l_linger: 0)
            setsockopt(fd, SOL_SOCKET, SO_LINGER, &linger, socklen_t(MemoryLayout<Glibc.linger>.size))
            close(fd)
        case .holdAfter(let text):
            write(fd, text)
            var sink = [UInt8](repeating: 0, count: 4096)
            while read(fd, &sink, sink.count) > 0 {}
            lock.lock()
            closed += 1
            lock.unlock()
            close(fd)
        case .hang:
            lock.lock()
            if stopped {
                lock.unlock()
                close(fd)
            } else {
                held.append(fd)
                lock.unlock()
            }
        }
    }

    private func write(_ fd: Int32, _ text: String) {
        let bytes = Array(text.utf8)
        let count = bytes.count
        var off = 0
        while off < count {
            let n = bytes.withUnsafeBytes { raw in Glibc.write(fd, raw.baseAddress.map { $0 + off }, count - off) }
            if n <= 0 { return }
            off += n
        }
    }

    /// An HTTP/1.1 answer with a body and `Connection: close`.
    static func http(_ status: String, headers: [String: String] = [:], body: String) -> String {
        var out = "HTTP/1.1 \(status)\r\nContent-Length: \(body.utf8.count)\r\nConnection: close\r\n"
        for (k, v) in headers.sorted(by: { $0.key < $1.key }) { out += "\(k): \(v)\r\n" }
        return out + "\r\n" + body
    }
}
