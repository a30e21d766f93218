import Dispatch
import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// Watches standard input on its own thread (without touching ncurses) and tells the
/// main loop when there is something to read, or the window changed size (the ncurses
/// driver's input thread).
final class InputWatcher: @unchecked Sendable {
    private let wake: @Sendable (InputWake) -> Void
    private let lock = NSLock()
    private var stopped = false
    private let ready = DispatchSemaphore(value: 0)

    init(_ wake: @escaping @Sendable (InputWake) -> Void) {
        self.wake = wake
    }

    func start() {
        let t = Thread { [self] in self.loop() }
        t.name = "robofy-input"
        t.start()
    }

    func stop() {
        lock.lock()
        stopped = true
        lock.unlock()
        ready.signal()
    }

    /// The main loop has read what was waiting.
    func resume() {
        ready.signal()
    }

    private var isStopped: Bool {
        lock.lock()
        defer { lock.unlock() }
        return stopped
    }

    private func windowSize() -> (Int, Int) {
        var ws = winsize()
        if ioctl(STDOUT_FILENO, UInt(TIOCGWINSZ), &ws) == 0 { return (Int(ws.ws_col), Int(ws.ws_row)) }
        return (0, 0)
    }

    private func loop() {
        var size = windowSize()
        while !isStopped {
            var pfd = pollfd(fd: STDIN_FILENO, events: Int16(POLLIN), revents: 0)
            let r = poll(&pfd, 1, 250)
            if isStopped { break }
            if r > 0, Int32(pfd.revents) & (POLLHUP | POLLERR | POLLNVAL) != 0 {
                // The terminal is gone (its window closed, without a SIGHUP reaching us):
                // quit as on SIGHUP, instead of waking the loop for input forever.
                wake(.hangup)
                break
            }
            var woke = r > 0
            let now = windowSize()
            if now != size {
                size = now
                woke = true
            }
            if woke {
                wake(.ready)
                ready.wait()
            }
        }
    }
}
