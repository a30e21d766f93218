import NIOCore

/// Runs a task's jobs on one NIO event loop: the loop that reads the client's responses.
///
/// A task that prefers this executor (`Task(executorPreference:)`) reads an answer on the
/// thread that receives it. When a read completes, the body's async sequence resumes its
/// reader; a resumed task goes to its preferred executor, here the same loop, which runs the
/// job as soon as the read's handlers return. Without the preference every read woke a
/// thread of the global pool (and put the loop's thread back to sleep): at 50 reads a second,
/// a quarter of an answer's CPU was threads waking each other. A default actor called by
/// such a task (the chat session) runs there too.
///
/// What runs here must not block: it holds up the loop's reads (an answer's text is decoded
/// and handed on; files are written off this thread or briefly).
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
