import RobofyAPI
import RobofySession

/// What `ChatRuntime` asks of the session: its events, the handshake, sending, stopping,
/// choosing an agent, ending or resetting the conversation, and closing. `ChatSession` is
/// the one the program uses; tests run the runtime against a fake.
public protocol ChatSessionProtocol: Actor {
    /// Everything the session reports, in order; read by one reader.
    nonisolated var events: AsyncStream<SessionEvent> { get }
    /// Hands the events to `handler` as they happen instead of through `events`, if the
    /// session can (true); false: read `events`. The handler learns whether each event is the
    /// last of those that came together (a read of an answer: its chunks and their changes).
    nonisolated func deliverEvents(directlyTo handler: @escaping @Sendable (SessionEvent, _ last: Bool) -> Void) -> Bool
    @discardableResult func connect() async -> Result<Handshake, RobofyError>
    @discardableResult func send(_ text: String) async -> Turn
    /// Sends a message as a new version of an earlier turn (Alt-R, Alt-E).
    @discardableResult func send(_ text: String, versionOf: Int?) async -> Turn
    /// Stops the turn in progress.
    func cancel() async
    @discardableResult func selectAgent(_ id: String) async -> Agent?
    func endSession() async
    func reset() async
    /// Stops what runs and ends `events`: the program is quitting.
    func close() async
}

extension ChatSession: ChatSessionProtocol {
    public nonisolated func deliverEvents(directlyTo handler: @escaping @Sendable (SessionEvent, _ last: Bool) -> Void) -> Bool {
        deliverEvents(batchedTo: handler)
        return true
    }
}

extension ChatSessionProtocol {
    public nonisolated func deliverEvents(directlyTo handler: @escaping @Sendable (SessionEvent, _ last: Bool) -> Void) -> Bool { false }

    /// A session that does not mark versions sends the message as an ordinary turn.
    @discardableResult public func send(_ text: String, versionOf: Int?) async -> Turn { await send(text) }
}
