// Render: the renderer — a frame from the state, drawn region by region; its layout caches.
import Foundation
import RobofyAPI
import RobofySession
import RobofyText

/// One frame: the cells, what the mouse can hit, and the scroll position after clamping.
public struct Frame: Sendable {
    public var canvas: Canvas
    public var hits: [(Rect, HitTarget)]
    public var scroll: Int
    /// The inspector's first line shown, after clamping (when it is open).
    public var inspectorScroll: Int? = nil
    /// The only rows that differ from the previous frame this renderer made (the rows a
    /// driver needs to look at); nil: any row may have changed (the first frame, a new size).
    public var changedRows: [Int]? = nil
    /// Lines that arrived below a view scrolled up (the view holds still meanwhile).
    public var newLinesBelow = 0

    /// The clamped scroll positions, for the state: `state.reduce(frame.shown)` after drawing
    /// (the renderer never changes the state; the state changes only in `reduce`).
    public var shown: AppEvent { .viewShown(scroll: scroll, inspectorTop: inspectorScroll) }

    public func target(x: Int, y: Int) -> HitTarget? {
        hits.last { $0.0.contains(x: x, y: y) }?.1
    }
}

/// What changed since the last frame (see `Renderer.render(_:damage:)`).
public enum FrameDamage: Sendable {
    /// Anything: the whole frame is drawn.
    case whole
    /// Only the messages of the conversation (their text and parts).
    case conversation
}

/// A laid-out line of the conversation.
struct LineItem {
    var x: Int
    /// Columns from `fillX` to paint with `fillStyle` (a bubble's background).
    var fillX: Int
    var fillWidth: Int
    var fillStyle: CellStyle
    var line: StyledLine
    var base: CellStyle
    var hits: [(x: Int, width: Int, HitTarget)] = []
    /// The loader's line (redrawn alone by `renderTick`).
    var isLoader = false
    /// A line of the message's own text (not its "You" / agent label): the search looks here.
    var searchable = true

    /// Whether `other` paints the same cells as this line (on a row cleared to the base style).
    func paintsLike(_ other: LineItem?) -> Bool {
        guard let o = other else { return false }
        return x == o.x && fillX == o.fillX && fillWidth == o.fillWidth && (fillWidth == 0 || fillStyle == o.fillStyle)
            && base == o.base && line == o.line
    }
}

/// Draws the widget from the app state. Keeps a cache of laid-out messages, so a
/// long conversation costs no more per frame than a short one.
public final class Renderer {
    public static let minWidth = 40
    public static let minHeight = 12
    public static let spinner: [String] = ["⠋", "⠙", "⠹", "⠸", "⠼", "⠴", "⠦", "⠧", "⠇", "⠏"]

    struct CacheKey: Hashable {
        var id: Int
        var version: Int
        var width: Int
        var measure: Int
        var reasoning: Bool
        var details = false
        /// Selected (Alt-Up: its label is marked) and its details open (Enter).
        var selected = false
        var expanded = false
    }
    var cache: [Int: (key: CacheKey, parts: [LineRun])] = [:]
    var cacheTheme: Theme?
    /// The answer streaming in (or streamed last), laid out incrementally.
    var stream: StreamLayout?

    /// An answer's text as a `MarkdownStream`: a frame lays out only the text that can still
    /// change (the frozen lines are the message's `LineRun`).
    final class StreamLayout {
        let id: Int
        let markdown = MarkdownStream()
        init(id: Int) { self.id = id }
    }
    let inspectorCache = InspectorCache()

    /// Where the last frame showed the loader, for `renderTick`.
    struct LoaderSpot {
        var y: Int
        var item: LineItem
        var statusShown: Bool
    }
    var loaderSpot: LoaderSpot?
    /// Whether the last frame showed the loader (the runtime's clock ticks only while it does).
    public var showsLoader: Bool { loaderSpot != nil }
    /// The canvas of the last frame made (whole or stepped), for the next frame's changed rows.
    var lastCanvas: Canvas?

    /// What a view scrolled up holds on to: a line of a message (its id and the line's
    /// index in the message's layout), at the view's top. New text below leaves it there.
    struct ScrollAnchor: Equatable {
        var messageID: Int
        var line: Int
        var width: Int
        var agentID: String?
        /// Lines from the bottom of the conversation to the top of that message, then.
        var linesFromMessageTop: Int
        /// The scroll this renderer gave out with it (a different scroll in the state: the
        /// user scrolled, so the anchor is taken again).
        var scroll: Int
    }
    var anchor: ScrollAnchor?
    /// Lines that arrived below since the view left the bottom.
    var newBelow = 0
    /// The search's `reveal` last scrolled into view, and where the current match is in the
    /// last frame's conversation rows (the row, and which match in that row).
    var revealedSearch: Int?
    var searchSpot: (row: Int, nth: Int)?
    /// The selected message last scrolled into view (a new selection is scrolled into view once).
    var revealed: Int?
    /// The scroll that keeps the greeting in view at start-up (until the user scrolls).
    var pinnedScroll: Int?
    var pinReleased = false

    /// The privacy term as shown, and the raw term it was made from (a regular expression
    /// and three passes over it: made when the term changes, not on every frame).
    var privacyMemo: (raw: String?, text: String?)?
    /// The last agent's initials badge (" NV "), and its name: each frame of a streaming
    /// answer lays out its label again.
    var badgeMemo: (name: String, badge: String)?
    /// The loader's texts' widths (see `loaderWidth`).
    var loaderWidths: [String: Int] = [:]

    public init() {}

    func agentBadge(_ name: String) -> String {
        if let m = badgeMemo, m.name == name { return m.badge }
        let badge = " \(Self.initials(name)) "
        badgeMemo = (name, badge)
        return badge
    }

    func privacyText(_ s: AppState) -> String? {
        let raw = s.config.privacy.privacyTerm
        if let m = privacyMemo, m.raw == raw { return m.text }
        let text = AppState.privacyText(raw)
        privacyMemo = (raw, text)
        return text
    }

    /// The next animation step of the last frame this renderer made (`frame`), when only
    /// time has passed since it (the caller knows): the loader's row is drawn again, the
    /// rest is kept. False, with `frame` untouched, when that cannot be done (no loader on
    /// screen, the status timed out): render a whole frame. The loader animates ten times
    /// a second, and a whole frame costs far more than a row.
    public func renderTick(_ s: AppState, into frame: inout Frame) -> Bool {
        guard let spot = loaderSpot, s.overlay == .none, !s.extras.hasPanel, s.width == frame.canvas.width, s.height == frame.canvas.height,
              s.statusShown == spot.statusShown,
              let item = loaderLines(s, width: s.width).first else { return false }
        let t = s.theme
        // Give the old loader's cells back to the background, then draw the new one (in the row's region).
        // The renderer lets go of its reference first; the driver still holds the canvas it
        // drew, so the first write copies the cells once.
        lastCanvas = nil
        defer { lastCanvas = frame.canvas }
        let old = spot.item
        let oldEnd = max(old.fillX + old.fillWidth, old.x + loaderWidth(old.line.plainText))
        let lo = max(0, min(old.fillX, old.x)), hi = min(s.width, oldEnd)
        frame.canvas.draw(in: Rect(x: 0, y: spot.y, width: s.width, height: 1)) { row in
            if hi > lo { row.fill(Rect(x: lo, y: 0, width: hi - lo, height: 1), t.base) }
            paint(item, y: 0, on: &row, theme: t, width: s.width)
        }
        loaderSpot?.item = item
        // (Read through the optional, not copied out: a copy would make this write copy the rows.)
        if let top = regions?.headerRows, let count = regions?.rows.items.count, spot.y - top >= 0, spot.y - top < count {
            regions?.rows.items[spot.y - top] = item
        }
        frame.changedRows = [spot.y]
        return true
    }

    func paint(_ item: LineItem, y: Int, on canvas: inout CanvasRegion, theme t: Theme, width w: Int) {
        if item.fillWidth > 0 {
            canvas.fill(Rect(x: item.fillX, y: y, width: item.fillWidth, height: 1), item.fillStyle)
        }
        canvas.put(item.line, x: item.x, y: y, base: item.base, theme: t, maxX: w - 1)
    }

    /// Draws a frame: the header, the footer (input and status), the conversation and the
    /// overlay, each in its own region of the canvas (see ScreenRegions.swift).
    ///
    /// `damage`: what changed since the last frame this renderer made, as the caller knows it.
    /// `.conversation` (only messages' text and parts: an answer streaming in) lets the frame
    /// redraw the conversation and the rule under it alone, on the last frame's cells, when
    /// nothing else on screen can have changed; else the whole frame is drawn.
    public func render(_ s: AppState, damage: FrameDamage = .whole) -> Frame {
        if damage == .conversation, let frame = renderConversation(s) { return frame }
        var frame = renderWhole(s)
        frame.changedRows = frame.canvas.changedRows(since: lastCanvas)
        lastCanvas = frame.canvas
        return frame
    }

    /// The last whole frame's regions, when the next frame may redraw its conversation alone
    /// (its size is `lastCanvas`'s, its theme `cacheTheme`).
    struct Regions {
        var headerRows: Int
        var footerTop: Int
        /// What the mouse can hit outside the conversation (the footer's, in drawing order).
        var chromeHits: [(Rect, HitTarget)]
        /// Whether the status line was shown (it times out: that is a change outside the conversation).
        var statusShown: Bool
        /// What the conversation's rows show (a row that would show the same is not drawn again).
        var rows: ConversationRows
        /// What the rule under the conversation was drawn from (the same: not drawn again).
        var rule: RuleInputs
    }

    /// What `drawRule` draws from, besides the width and theme a region keeps.
    struct RuleInputs: Equatable {
        var scroll: Int
        var newBelow: Int
        var previewOnly: Bool
        var endSession: String
        var transcript: String

        init(_ s: AppState, scroll: Int, newBelow: Int) {
            self.scroll = scroll
            self.newBelow = newBelow
            previewOnly = s.previewOnly
            endSession = s.config.header.endSessionLabel
            transcript = s.config.header.downloadTranscriptLabel
        }
    }
    var regions: Regions?
    /// Frames made by redrawing the conversation alone (for tests and the benchmark).
    public private(set) var conversationFrames = 0

    /// A frame that redraws the conversation and the rule alone, on the last frame's cells; nil
    /// when it cannot (no such frame, another size, an overlay, a panel, the search, the status
    /// line timed out): the caller draws a whole frame.
    func renderConversation(_ s: AppState) -> Frame? {
        guard let reg = regions, var canvas = lastCanvas, canvas.width == s.width, canvas.height == s.height,
              s.overlay == .none, !s.extras.hasPanel, !s.extras.closed, s.search == nil,
              s.statusShown == reg.statusShown, cacheTheme == s.theme else { return nil }
        loaderSpot = nil
        let w = s.width
        var hits = reg.chromeHits
        let area = Rect(x: 0, y: reg.headerRows, width: w, height: reg.footerTop - reg.headerRows)
        let shown = canvas.draw(in: area) { drawConversation(&$0, s, hits: &hits, previous: reg.rows) }
        regions?.rows = shown.rows
        let rule = RuleInputs(s, scroll: shown.scroll, newBelow: newBelow)
        // Only rows drawn again can differ: those the conversation painted, its first (the
        // "more above" mark goes on it each frame) and the rule when it was drawn again.
        var drawn = shown.painted.map { area.y + $0 }
        if area.height > 0 { drawn.append(area.y) }
        if rule != reg.rule {
            canvas.draw(in: Rect(x: 0, y: reg.footerTop, width: w, height: 1)) { drawRule(&$0, s, scroll: shown.scroll) }
            regions?.rule = rule
            drawn.append(reg.footerTop)
        }
        var frame = Frame(canvas: canvas, hits: hits, scroll: shown.scroll, inspectorScroll: nil)
        frame.newLinesBelow = newBelow
        if let loader = shown.loader {
            loaderSpot = LoaderSpot(y: area.y + loader.y, item: loader.item, statusShown: s.statusShown)
        }
        frame.changedRows = canvas.changedRows(since: lastCanvas, among: drawn)
        lastCanvas = canvas
        conversationFrames += 1
        return frame
    }

    func renderWhole(_ s: AppState) -> Frame {
        loaderSpot = nil
        regions = nil
        let w = s.width, h = s.height
        let t = s.theme
        var canvas = Canvas(width: w, height: h, fill: t.base)
        var hits: [(Rect, HitTarget)] = []
        if cacheTheme != t {
            cache.removeAll()
            cacheTheme = t
        }
        let screen = Rect(x: 0, y: 0, width: w, height: h)
        guard w >= Self.minWidth, h >= Self.minHeight else {
            canvas.draw(in: screen) { Self.drawTooSmall(&$0, s) }
            return Frame(canvas: canvas, hits: [], scroll: s.scroll)
        }
        if s.extras.closed {
            canvas.draw(in: screen) { drawClosed(&$0, s) }
            return Frame(canvas: canvas, hits: [], scroll: s.scroll)
        }
        let headerRows = h < 16 ? 2 : 3
        let footer = FooterLayout(s, headerRows: headerRows, privacyText: privacyText(s))
        let footerRect = Rect(x: 0, y: footer.top, width: w, height: h - footer.top)
        canvas.draw(in: Rect(x: 0, y: 0, width: w, height: headerRows)) { Self.drawHeader(&$0, s) }
        canvas.draw(in: footerRect) { Self.drawFooter(&$0, s, footer, hits: &hits) }
        let chromeHits = hits
        let area = Rect(x: 0, y: headerRows, width: w, height: footer.top - headerRows)
        let shown = canvas.draw(in: area) { drawConversation(&$0, s, hits: &hits) }
        if s.overlay == .none, !s.extras.hasPanel, s.search == nil {
            regions = Regions(headerRows: headerRows, footerTop: footer.top, chromeHits: chromeHits,
                              statusShown: s.statusShown, rows: shown.rows,
                              rule: RuleInputs(s, scroll: shown.scroll, newBelow: newBelow))
        }
        canvas.draw(in: footerRect) { drawRule(&$0, s, scroll: shown.scroll) }
        // An overlay or panel covers the answers' avatar images (the picker draws its own).
        if s.overlay != .none || s.extras.hasPanel { hits.removeAll { $0.1.isAvatar } }
        let inspectorTop = canvas.draw(in: screen) { drawOverlay(&$0, s, hits: &hits) }
        if s.overlay != .none || s.extras.hasPanel { canvas.cursor = nil }
        canvas.draw(in: screen) { drawExtras(&$0, s) }
        var frame = Frame(canvas: canvas, hits: hits, scroll: shown.scroll, inspectorScroll: inspectorTop)
        frame.newLinesBelow = newBelow
        if let loader = shown.loader, s.overlay == .none {
            loaderSpot = LoaderSpot(y: area.y + loader.y, item: loader.item, statusShown: s.statusShown)
        }
        return frame
    }

}

extension CellStyle {
    /// This style's foreground and attributes on another style's background.
    func withBackground(_ o: CellStyle) -> CellStyle {
        var s = self
        s.bg = o.bg
        return s
    }
}
