import NIOCore

/// Runs a task's jobs on one NIO event loop: the loop that reads the client's responses.
///
/// A task that prefers this executor (`withTaskExecutorPreference`, after `enter()`) reads an
/// answer on the thread that receives it. When a read completes, the body's async sequence
/// resumes its reader; a resumed task goes to its preferred executor, here the same loop,
/// which runs the job as soon as the read's handlers return. Without the preference each read
/// woke a thread of the global pool to decode it (and the loop's thread went back to sleep).
/// A default actor called by such a task (the chat session) runs there too, when it is free:
/// an actor runs what is queued on it on the thread that holds it, so a call from another
/// task, made while the turn holds the session, may run on the loop as well, and a read that
/// finds the session busy elsewhere is handled there.
///
/// What runs here holds up the loop's reads: an answer's text is decoded and handed on, the
/// autosave takes its text under a lock (which its flushes hold while they write), and the
/// log file (`--log-file`) gets a line per event. The autosave's fsyncs are its own queue's
/// (`SessionRecorder`).
public final class EventLoopTaskExecutor: TaskExecutor {
    public let loop: any EventLoop

    public init(_ loop: any EventLoop) {
        self.loop = loop
    }

    /// Moves a task that prefers this executor onto the loop now: resumed by the loop, it
    /// runs there, and stays there (what it reads while data is already waiting is read
    /// without a wait, on the thread it is on: without this, the first reads of a fast answer
    /// ran wherever the task had been).
    public func enter() async {
        await withUnsafeContinuation { (c: UnsafeContinuation<Void, Never>) in
            loop.execute { c.resume() }
        }
    }

    public func enqueue(_ job: consuming ExecutorJob) {
        let job = UnownedJob(job)
        loop.execute { job.runSynchronously(on: self.asUnownedTaskExecutor()) }
    }

    public func asUnownedTaskExecutor() -> UnownedTaskExecutor {
        UnownedTaskExecutor(ordinary: self)
    }
}
