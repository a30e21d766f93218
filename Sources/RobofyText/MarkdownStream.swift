// Streaming Markdown: renders an answer that only grows, laying out only its open tail.

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

// MARK: - Streaming

/// Where a resumed render of a stream starts, and the block state there.
struct MDResumeState {
    enum Mode {
        case block
        /// Inside a paragraph whose lines so far were plain (`joinedBytes`: their
        /// UTF-8 length with line breaks, for the link budget).
        case paragraph(joinedBytes: Int)
        case fence(MDFence, indent: Int)
    }
    var pendingBlank = false
    var listIndents: [Int] = []
    var hasEarlierOutput = false
    var mode: Mode = .block
}

/// Renders a text that only grows (an answer streaming in) again and again at a
/// cost that does not grow with the text: the lines of the part that can no longer
/// change are kept in `frozen`, and only the rest is sanitized and rendered again.
///
/// `frozen + render(text, width:)` is always exactly
/// `Markdown.render(Sanitizer.clean(text), width:)`; a text that does not extend
/// the previous one, or another width, starts over (and bumps `generation`).
public final class MarkdownStream {
    public private(set) var width = 0
    /// Final lines of the text rendered last. Only grows until `generation` changes.
    public private(set) var frozen: [StyledLine] = []
    /// Bumped whenever `frozen` starts over.
    public private(set) var generation = 0
    /// The raw text `frozen` stands for: complete lines without escape sequences.
    var frozenRaw: [UInt8] = []
    var state = MDResumeState()

    public init() {}

    /// The lines of `text` (raw server text) after `frozen`, which may grow by this call.
    public func render(_ text: String, width requested: Int) -> [StyledLine] {
        let width = max(1, min(requested, Wrapper.maxWidth))
        var text = text
        return text.withUTF8 { raw in
            if width != self.width || !Self.starts(raw, with: frozenRaw) { reset(width) }
            return renderTail(raw)
        }
    }

    func reset(_ width: Int) {
        self.width = width
        frozen = []
        frozenRaw = []
        state = MDResumeState()
        generation += 1
    }

    static func starts(_ raw: UnsafeBufferPointer<UInt8>, with prefix: [UInt8]) -> Bool {
        guard raw.count >= prefix.count else { return false }
        return prefix.withUnsafeBufferPointer { p in
            guard let a = raw.baseAddress, let b = p.baseAddress, p.count > 0 else { return true }
            return memcmp(a, b, p.count) == 0
        }
    }

    func renderTail(_ raw: UnsafeBufferPointer<UInt8>) -> [StyledLine] {
        let start = frozenRaw.count
        let n = raw.count
        // Sanitize complete lines without escape sequences one by one: the sanitizer
        // starts such a line fresh, so this is `Sanitizer.clean` of the whole tail.
        // `settled` holds the line starts (clean offset, raw offset) where that holds.
        var clean = ""
        var settled: [(clean: Int, raw: Int)] = [(0, start)]
        var lineStart = start
        var k = start
        // Printable ASCII and LF only (the usual case): every line is clean as it is, so
        // the tail is taken whole, without cleaning it line by line.
        var printable = true
        for i in start..<n {
            let b = raw[i]
            if (b < 0x20 && b != 0x0A) || b >= 0x7F {
                printable = false
                break
            }
        }
        if printable {
            for i in start..<n where raw[i] == 0x0A { settled.append((i + 1 - start, i + 1)) }
            clean = String(decoding: UnsafeBufferPointer(rebasing: raw[start..<n]), as: UTF8.self)
            k = n
            lineStart = n
        }
        scan: while k < n {
            switch raw[k] {
            case 0x1B:
                break scan
            case 0xC2 where k + 1 < n:   // C1 controls that start a sequence: U+0090, 98, 9B, 9D, 9E, 9F
                switch raw[k + 1] {
                case 0x90, 0x98, 0x9B, 0x9D, 0x9E, 0x9F: break scan
                default: break
                }
            case 0x0A:
                clean += Sanitizer.clean(String(decoding: UnsafeBufferPointer(rebasing: raw[lineStart...k]), as: UTF8.self))
                lineStart = k + 1
                settled.append((clean.utf8.count, lineStart))
            default:
                break
            }
            k += 1
        }
        if lineStart < n {
            clean += Sanitizer.clean(String(decoding: UnsafeBufferPointer(rebasing: raw[lineStart..<n]), as: UTF8.self))
        }

        let lines = MDBlocks.splitLines(clean)
        let utf8 = clean.utf8
        func offset(_ line: Int) -> Int { utf8.distance(from: utf8.startIndex, to: lines[line].startIndex) }
        // Lines that start before the last settled line start are complete and final.
        let lastSettled = settled[settled.count - 1].clean
        var finalLines = 0
        while finalLines < lines.count && offset(finalLines) < lastSettled { finalLines += 1 }

        var r = MDBlocks(width: width, depth: 0)
        r.pendingBlank = state.pendingBlank
        r.listIndents = state.listIndents
        r.hasEarlierOutput = state.hasEarlierOutput
        r.recording = true
        r.finalLines = finalLines
        r.run(lines[...], resume: state.mode)
        guard let cp = r.checkpoint, cp.line > 0 else { return r.out }
        // Freeze up to the checkpoint if it starts a raw line.
        let at = offset(cp.line)
        var lo = 0, hi = settled.count - 1
        while lo < hi {
            let mid = (lo + hi) / 2
            if settled[mid].clean < at { lo = mid + 1 } else { hi = mid }
        }
        guard settled[lo].clean == at else { return r.out }
        frozen.append(contentsOf: r.out[..<cp.final])
        frozenRaw.append(contentsOf: UnsafeBufferPointer(rebasing: raw[start..<settled[lo].raw]))
        state = cp.state
        return Array(r.out[cp.final...])
    }
}
