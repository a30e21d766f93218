import Foundation
import NIOConcurrencyHelpers
#if canImport(Glibc)
import Glibc
#endif

/// What waking a thread costs on this machine, in CPU time. A paced answer is mostly waiting:
/// curl's whole process is a few hundred wakes (one per network read), and every thread the
/// UI wakes for a read or a frame costs about as much again, whatever it then does. On a
/// virtual machine a wake costs tens of microseconds (the timer's interrupt and the scheduler,
/// both trapped by the hypervisor), enough to set the floor of the paced figure; these two
/// figures tell how much a wake costs here, so that the paced figures can be read against it.
enum WakeCost {
    /// CPU seconds per wake of a thread that sleeps `interval` at a time, `count` times, woken
    /// by its own timer (as curl waits in poll(2) for the next read, or a loop for its timer).
    static func ownTimer(count: Int, interval: Duration) -> Double {
        threadsCPU([{ for _ in 0..<count { sleep(interval) } }]) / Double(count)
    }

    /// CPU seconds per handoff when one thread, woken by its timer every `interval`, wakes
    /// another that waits in read(2) on a pipe (as a timer thread hands a frame to the main
    /// thread): both threads' CPU, two wakes, per handoff.
    static func handoff(count: Int, interval: Duration) -> Double {
        var fds: [Int32] = [0, 0]
        guard pipe(&fds) == 0 else { return .nan }
        defer { close(fds[0]); close(fds[1]) }
        let (r, w) = (fds[0], fds[1])
        let reader: @Sendable () -> Void = {
            var byte: UInt8 = 0
            for _ in 0..<count { _ = read(r, &byte, 1) }
        }
        let timer: @Sendable () -> Void = {
            var byte: UInt8 = 1
            for _ in 0..<count {
                sleep(interval)
                _ = write(w, &byte, 1)
            }
        }
        return threadsCPU([reader, timer]) / Double(count)
    }

    /// Runs each body on a thread of its own, all at once, and returns the CPU seconds the
    /// threads spent, summed, once all are done.
    private static func threadsCPU(_ bodies: [@Sendable () -> Void]) -> Double {
        let spent = NIOLockedValueBox(0.0)
        let done = DispatchSemaphore(value: 0)
        for body in bodies {
            Thread {
                let c0 = threadCPUSeconds()
                body()
                let c = threadCPUSeconds() - c0
                spent.withLockedValue { $0 += c }
                done.signal()
            }.start()
        }
        for _ in bodies { done.wait() }
        return spent.withLockedValue { $0 }
    }

    private static func sleep(_ d: Duration) {
        let (s, atto) = d.components
        var ts = timespec(tv_sec: Int(s), tv_nsec: Int(atto / 1_000_000_000))
        var rest = timespec()
        while nanosleep(&ts, &rest) == -1 && errno == EINTR { ts = rest }
    }
}

/// CPU time the calling thread has used so far, in seconds.
func threadCPUSeconds() -> Double {
    var ts = timespec()
    guard clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts) == 0 else { return .nan }
    return Double(ts.tv_sec) + Double(ts.tv_nsec) / 1e9
}
