import Foundation
import NIOCore
import NIOPosix

/// A refused connection is tried again for a short while before it is reported: a server just
/// started (`robofy-tui serve --port 8787 &`, then a command) may not listen yet.
///
/// AsyncHTTPClient's own retry is off (`retryConnectionEstablishment`): it kept trying until
/// the connect timeout (5 s by default) before a wrong port was reported, and on a loaded
/// machine its timeout could come before the first refusal and be reported instead.
enum ConnectGrace {
    /// How long a refused connection is tried again, at most (never longer than the connect timeout).
    static let seconds: Double = 2

    /// The grace for a client whose connect timeout is `connect` seconds.
    static func seconds(connect: Double) -> Double {
        min(seconds, Double(NetNumber.milliseconds(connect)) / 1000)
    }

    /// Whether `error` says that nothing listens there (a refused connection).
    static func isRefused(_ error: any Error) -> Bool {
        if let e = error as? IOError { return e.errnoCode == ECONNREFUSED }
        // A host name: NIO tried each of its addresses, and keeps each one's failure.
        if let e = error as? NIOConnectionError { return e.connectionErrors.contains { isRefused($0.error) } }
        return false
    }

    /// `op`, tried again while it is refused, 50 ms apart and then up to 400 ms apart, for at
    /// most `grace` seconds; then its error (or the cancellation's) is thrown.
    static func run<T: Sendable>(grace: Double, _ op: () async throws -> T) async throws -> T {
        let clock = ContinuousClock(), start = clock.now
        var delay = Duration.milliseconds(50)
        while true {
            do {
                return try await op()
            } catch {
                guard isRefused(error), clock.now - start + delay <= .seconds(grace) else { throw error }
                try await Task.sleep(for: delay)
                delay = min(delay * 2, .milliseconds(400))
            }
        }
    }
}
