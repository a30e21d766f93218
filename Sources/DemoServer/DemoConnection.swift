import Hummingbird
import NIOCore
import NIOConcurrencyHelpers

/// Request context that also knows its connection's channel, so a streaming
/// answer can notice when the client goes away.
struct DemoRequestContext: RequestContext {
    var coreContext: CoreRequestContextStorage
    let channel: any Channel

    init(source: ApplicationRequestContextSource) {
        self.coreContext = .init(source: source)
        self.channel = source.channel
    }
}

/// Fires once; waiters wake up when it fires.
final class DemoSignal: Sendable {
    private struct State {
        var fired = false
        var nextID = 0
        var waiters: [Int: CheckedContinuation<Void, Never>] = [:]
    }

    private let state = NIOLockedValueBox(State())

    var isFired: Bool { state.withLockedValue { $0.fired } }

    func fire() {
        let waiters = state.withLockedValue { s -> [CheckedContinuation<Void, Never>] in
            if s.fired { return [] }
            s.fired = true
            let waiters = Array(s.waiters.values)
            s.waiters.removeAll()
            return waiters
        }
        for waiter in waiters { waiter.resume() }
    }

    /// Returns when the signal fires, after `duration`, or when the task is cancelled.
    func wait(upTo duration: Duration) async {
        await withTaskGroup(of: Void.self) { group in
            group.addTask { try? await Task.sleep(for: duration) }
            group.addTask { await self.waitUntilFired() }
            _ = await group.next()
            group.cancelAll()
        }
    }

    private func waitUntilFired() async {
        let id = state.withLockedValue { s -> Int in
            s.nextID += 1
            return s.nextID
        }
        await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
                let resumeNow = state.withLockedValue { s -> Bool in
                    if s.fired || Task.isCancelled { return true }
                    s.waiters[id] = continuation
                    return false
                }
                if resumeNow { continuation.resume() }
            }
        } onCancel: {
            let waiter = state.withLockedValue { $0.waiters.removeValue(forKey: id) }
            waiter?.resume()
        }
    }
}

/// Sits in every connection's pipeline and fires its signal when the client closes
/// its side (half-closure is enabled, so a FIN arrives as `inputClosed`) or the
/// connection goes away.
final class DemoConnectionWatch: ChannelInboundHandler, RemovableChannelHandler, Sendable {
    typealias InboundIn = NIOAny
    let clientGone = DemoSignal()

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if let event = event as? ChannelEvent, event == .inputClosed {
            clientGone.fire()
        }
        context.fireUserInboundEventTriggered(event)
    }

    func channelInactive(context: ChannelHandlerContext) {
        clientGone.fire()
        context.fireChannelInactive()
    }

    /// The watch of a request's connection.
    static func signal(for context: DemoRequestContext) async -> DemoSignal? {
        try? await context.channel.pipeline.handler(type: DemoConnectionWatch.self).get().clientGone
    }
}
