// Terminal images: the agents' avatars drawn over their initials badges (kitty graphics), between
// frames, after ncurses has drawn. Each image is fetched once (AvatarFetch) and sent to the
// terminal once; placements are redone whenever the badges move or something covers them.
import Foundation
import Logging
import Synchronization
import RobofyAPI
import WidgetUI

public final class TerminalImages: Sendable {
    public let support: GraphicsSupport
    let baseURL: String
    let cacheDirectory: String?
    let logger: Logger
    let output: @Sendable (String) -> Void

    enum Image: Sendable { case fetching, ready(id: Int, png: [UInt8]), failed }
    struct Placement: Equatable, Sendable { var id: Int, x: Int, y: Int }
    struct Inner: Sendable {
        var images: [String: Image] = [:]
        /// Each badge path's URL, resolved once (nil: not one to fetch).
        var resolved: [String: URL?] = [:]
        var sent: Set<Int> = []
        var placed: [Placement] = []
        var wake: (@Sendable () -> Void)?
        var nextID = 1
    }
    private let inner = Mutex(Inner())

    /// `output`: where the escapes go (the terminal, after ncurses has drawn a frame).
    public init(support: GraphicsSupport, baseURL: String, cacheDirectory: String?, logger: Logger,
                output: @escaping @Sendable (String) -> Void = TerminalImages.writeToTerminal) {
        self.support = support
        self.baseURL = baseURL
        self.cacheDirectory = cacheDirectory
        self.logger = logger
        self.output = output
    }

    public static func writeToTerminal(_ s: String) {
        let bytes = Array(s.utf8)
        var done = 0
        while done < bytes.count {
            let n = bytes[done...].withUnsafeBytes { write(STDOUT_FILENO, $0.baseAddress, $0.count) }
            if n <= 0 { if errno == EINTR || errno == EAGAIN { continue }; return }
            done += n
        }
    }

    /// Called when an image has come in (the runtime draws a frame, which places it).
    public func setWake(_ wake: @escaping @Sendable () -> Void) {
        inner.withLock { $0.wake = wake }
    }

    /// The screen was cleared (resize, Ctrl-L, the editor): every placement is redone.
    public func invalidate() {
        inner.withLock { $0.placed = [] }
        output(KittyGraphics.deleteAll)
    }

    /// After a frame: places the images of the badges on screen (fetching those not had yet),
    /// and takes away the placements that are no longer there.
    public func frameDrawn(_ badges: [(x: Int, y: Int, width: Int, path: String)]) {
        guard support == .kitty else { return }
        var out = ""
        var fetch: [URL] = []
        inner.withLock { st in
            var want: [Placement] = []
            for b in badges {
                let url: URL?
                if let known = st.resolved[b.path] {
                    url = known
                } else {
                    url = AvatarFetch.resolve(b.path, base: baseURL)
                    st.resolved[b.path] = url
                }
                guard let url else { continue }
                switch st.images[url.absoluteString] {
                case nil:
                    st.images[url.absoluteString] = .fetching
                    fetch.append(url)
                case .ready(let id, let png)?:
                    if !st.sent.contains(id) {
                        out += KittyGraphics.transmit(id: id, png: png)
                        st.sent.insert(id)
                    }
                    want.append(Placement(id: id, x: b.x + max(0, (b.width - 2) / 2), y: b.y))
                default: break
                }
            }
            guard want != st.placed else { return }
            out += KittyGraphics.deleteAll
            for (i, p) in want.enumerated() {
                out += KittyGraphics.place(id: p.id, placement: i + 1, x: p.x, y: p.y, columns: 2, rows: 1)
            }
            st.placed = want
        }
        if !out.isEmpty { output(out) }
        for url in fetch { start(url) }
    }

    func start(_ url: URL) {
        let dir = cacheDirectory, logger = logger
        Task.detached { [self] in
            let png = await AvatarFetch.load(url, cacheDirectory: dir, logger: logger)
            let wake = inner.withLock { st -> (@Sendable () -> Void)? in
                if let png {
                    st.images[url.absoluteString] = .ready(id: st.nextID, png: png)
                    st.nextID += 1
                } else {
                    st.images[url.absoluteString] = .failed
                }
                return png == nil ? nil : st.wake
            }
            wake?()
        }
    }

    /// The image at this URL could not be had (tests).
    func hasFailed(_ url: String) -> Bool {
        inner.withLock { if case .failed? = $0.images[url] { true } else { false } }
    }

    /// Takes the images off the screen (before the terminal is given back).
    public func clear() {
        guard support == .kitty else { return }
        output(KittyGraphics.deleteAll)
    }
}
