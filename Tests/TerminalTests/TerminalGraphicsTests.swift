import Foundation
import Logging
import Synchronization
import Testing
@testable import Terminal

/// What the terminal answers to the start-up query, and the kitty commands written for avatars.
@Suite struct TerminalGraphicsTests {
    static func bytes(_ s: String) -> [UInt8] { Array(s.utf8) }

    @Test func kittyReplyBeforeDA1MeansKitty() {
        let r = GraphicsProbe.parse(Self.bytes("\u{1B}_Gi=31;OK\u{1B}\\\u{1B}[?62;22c"))
        #expect(r.support == .kitty && r.complete)
    }

    @Test func da1AloneIsNoneOrSixel() {
        #expect(GraphicsProbe.parse(Self.bytes("\u{1B}[?62;22c")) == (.none, true))
        #expect(GraphicsProbe.parse(Self.bytes("\u{1B}[?62;4;22c")) == (.sixel, true))
        // Attribute 44 is not 4.
        #expect(GraphicsProbe.parse(Self.bytes("\u{1B}[?62;44c")) == (.none, true))
        // A kitty error reply is not support; no DA1 yet: not complete.
        #expect(GraphicsProbe.parse(Self.bytes("\u{1B}_Gi=31;ENOTSUPPORTED\u{1B}\\\u{1B}[?62c")) == (.none, true))
        #expect(GraphicsProbe.parse(Self.bytes("\u{1B}_Gi=31;OK\u{1B}\\")).complete == false)
    }

    @Test func transmitSendsThePNGInChunksAndPlaceKeepsTheCursor() {
        let png = [UInt8](repeating: 7, count: 5000)  // 6668 base64 characters: two chunks
        let t = KittyGraphics.transmit(id: 3, png: png)
        #expect(t.hasPrefix("\u{1B}_Ga=t,f=100,t=d,i=3,q=2,m=1;"))
        #expect(t.contains("\u{1B}\\\u{1B}_Gm=0,q=2;"))
        let b64 = t.split(separator: "\u{1B}\\").map { $0.split(separator: ";", maxSplits: 1).last ?? "" }.joined()
        #expect(Data(base64Encoded: String(b64)) == Data(png))
        #expect(KittyGraphics.place(id: 3, placement: 1, x: 4, y: 9, columns: 2, rows: 1)
                == "\u{1B}7\u{1B}[10;5H\u{1B}_Ga=p,i=3,p=1,c=2,r=1,C=1,q=2\u{1B}\\\u{1B}8")
    }

    @Test func noTerminalNoQuery() {
        // Not a terminal (a pipe): nothing is asked, nothing waited for.
        var fds: [Int32] = [0, 0]
        #expect(pipe(&fds) == 0)
        #expect(GraphicsProbe.detect(input: fds[0], output: fds[1], timeoutMs: 50) == .none)
        // Nothing was written to it: the query is asked of terminals only.
        var p = pollfd(fd: fds[0], events: Int16(POLLIN), revents: 0)
        #expect(poll(&p, 1, 0) == 0)
        close(fds[0]); close(fds[1])
    }

    /// A badge whose image cannot be had keeps its initials: nothing is placed, nothing breaks.
    @Test func anUnreachableAvatarPlacesNothing() async throws {
        let out = Collected()
        let images = TerminalImages(support: .kitty, baseURL: "http://127.0.0.1:1", cacheDirectory: nil,
                                    logger: Logger(label: "t", factory: { _ in SwiftLogNoOpLogHandler() }),
                                    output: { out.add($0) })
        images.frameDrawn([(x: 2, y: 5, width: 3, path: "/avatar.png"), (x: 2, y: 9, width: 3, path: "javascript:alert(1)")])
        // Once the fetch has failed, another frame still places nothing. (A refused connection is
        // retried until the fetch's connect timeout; on a machine running the whole suite at once
        // its failure took more than 20 s to be recorded, and in CI 54–64 s: what records it waits
        // for a thread of the pool that the other suites keep busy.)
        let deadline = Date().addingTimeInterval(150)
        while !images.hasFailed("http://127.0.0.1:1/avatar.png"), Date() < deadline { try await Task.sleep(for: .milliseconds(20)) }
        #expect(images.hasFailed("http://127.0.0.1:1/avatar.png"))
        images.frameDrawn([(x: 2, y: 5, width: 3, path: "/avatar.png")])
        #expect(!out.text.contains("\u{1B}_G"), "\(out.text.debugDescription)")
    }
}

final class Collected: Sendable {
    private let box = Mutex("")
    func add(_ s: String) { box.withLock { $0 += s } }
    var text: String { box.withLock { $0 } }
}
