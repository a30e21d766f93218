import RobofyAPI
import RobofySession
import Testing
@testable import Terminal

/// The mailbox wakes the loop when it asked to be woken, and, while a frame is pending (the
/// loop asked not to be), once the chunks waiting pass `drainChunks`: they are applied
/// without a frame, so a fast answer never piles up between two frames.
@Suite struct SessionMailboxTests {
    func chunks(_ n: Int) -> SessionEvent {
        .chunks(turnID: 1, Array(repeating: ChunkEvent(chunk: .textDelta(id: "t", delta: "word "), raw: "{}"), count: n),
                offset: 0)
    }

    @Test func aPendingFrameHoldsTheEventsUntilTooManyWait() {
        let box = SessionMailbox()
        #expect(box.push(.connecting, at: .zero), "the first event wakes the loop")
        // The loop takes it, and a frame is pending.
        _ = box.take()
        box.disarm()
        let batch = 100
        var pushed = 0, waiting = 0, woken = 0
        while pushed < 10 * SessionMailbox.drainChunks {
            let wake = box.push(chunks(batch), at: .zero)
            pushed += batch
            waiting += batch
            if wake {
                woken += 1
                // Woken once the waiting chunks pass the limit, not before, not long after.
                #expect(waiting >= SessionMailbox.drainChunks && waiting < SessionMailbox.drainChunks + batch)
                #expect(box.take().events.count > 0)
                waiting = 0
                box.disarm()
            }
        }
        #expect(woken >= pushed / (SessionMailbox.drainChunks + batch) && woken <= pushed / SessionMailbox.drainChunks)
        // One wake per take: more chunks before the loop takes them wake it no more.
        _ = box.take()
        box.disarm()
        #expect(box.push(chunks(SessionMailbox.drainChunks), at: .zero))
        #expect(!box.push(chunks(SessionMailbox.drainChunks), at: .zero))
        // Nor after an armed wake that the loop has not answered yet.
        _ = box.take()
        #expect(!box.arm())
        #expect(box.push(.connecting, at: .zero))
        #expect(!box.push(chunks(2 * SessionMailbox.drainChunks), at: .zero))
        // Armed again (no frame pending): the next event wakes it at once.
        _ = box.take()
        #expect(!box.arm())
        #expect(box.push(.connecting, at: .zero))
    }

    /// Events that came together (a read's chunks, then their changes) wake the loop once the
    /// last of them is in: woken by the first, it drew the chunks without their text.
    @Test func eventsThatCameTogetherWakeTheLoopWithTheLast() {
        let box = SessionMailbox()
        #expect(!box.arm())
        #expect(!box.push(chunks(3), at: .zero, last: false))
        #expect(box.push(.connecting, at: .zero, last: true))
        #expect(box.take().events.count == 2)
        // Armed while some have come and the rest are still to come: the last of them wakes it.
        _ = box.push(chunks(3), at: .zero, last: false)
        #expect(!box.arm(), "armed with half a batch in")
        #expect(box.push(.connecting, at: .zero, last: true))
        #expect(box.take().events.count == 2)
    }

    /// The loop learns when the newest event it takes came (a streamed frame's mark).
    @Test func takeTellsWhenTheLastEventCame() {
        let box = SessionMailbox()
        _ = box.push(.connecting, at: .milliseconds(5))
        _ = box.push(chunks(1), at: .milliseconds(30))
        let (events, at) = box.take()
        #expect(events.count == 2)
        #expect(at == .milliseconds(30))
    }
}
