import NIOConcurrencyHelpers
import RobofySession
import Testing

/// Events yielded together (one read of an answer: its chunks, then their changes) reach a
/// handler marked, so that the reader it wakes is woken by the last of them; a lone event is
/// its own last; what was buffered before the handler came is handed on in order.
@Suite struct AsyncEventQueueTests {
    final class Seen: Sendable {
        let all = NIOLockedValueBox<[(Int, Bool)]>([])
        func add(_ e: Int, _ last: Bool) { all.withLockedValue { $0.append((e, last)) } }
        var events: [Int] { all.withLockedValue { $0.map(\.0) } }
        var lasts: [Bool] { all.withLockedValue { $0.map(\.1) } }
    }

    @Test func aHandlerLearnsWhichEventIsTheLastOfThoseYieldedTogether() {
        let q = AsyncEventQueue<Int>()
        let seen = Seen()
        q.deliver(batchedTo: { seen.add($0, $1) })
        q.yield(contentsOf: [1, 2, 3])
        q.yield(4)
        q.yield(contentsOf: [])
        q.yield(contentsOf: [5])
        #expect(seen.events == [1, 2, 3, 4, 5])
        #expect(seen.lasts == [false, false, true, true, true])
    }

    @Test func eventsBufferedBeforeTheHandlerAreHandedOnInOrderAndTogether() {
        let q = AsyncEventQueue<Int>()
        q.yield(contentsOf: [1, 2])
        q.yield(3)
        let seen = Seen()
        q.deliver(batchedTo: { seen.add($0, $1) })
        q.yield(contentsOf: [4, 5])
        #expect(seen.events == [1, 2, 3, 4, 5])
        #expect(seen.lasts == [false, false, true, false, true])
    }

    @Test func aReaderGetsEventsYieldedTogetherInOrder() async {
        let q = AsyncEventQueue<Int>()
        let reader = Task { () -> [Int] in
            var got: [Int] = []
            while let e = await q.next() { got.append(e) }
            return got
        }
        q.yield(contentsOf: [1, 2, 3])
        q.yield(contentsOf: [4])
        q.finish()
        #expect(await reader.value == [1, 2, 3, 4])
    }
}
