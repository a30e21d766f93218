import Foundation
import RobofyAPI
import WidgetUI

/// Copying (Alt-C, c, 1–9 on a selected message) and the mouse toggle (Alt-M).
///
/// OSC 52 has no reply: a terminal that ignores it (or tmux without `set-clipboard on`)
/// cannot be told from one that took it. So every copy is also written to a file in the
/// download folder, and the status line names both; `clipboard = "file"` (or `--clipboard
/// file`) sends nothing to the terminal.
extension ChatRuntime {
    /// The file every copy is written to (replaced each time).
    static let clipboardFile = "robofy-clipboard.md"

    func copy(_ text: String, what: String) {
        let chars = text.count
        var how: String?
        if options.clipboard == .osc52 {
            if let seq = Clipboard.osc52(text) {
                // Written now, between frames: ncurses flushed the last frame, the next is drawn after.
                driver.writeControl(seq)
                // Inside tmux: also through its passthrough, for the outer terminal when tmux has
                // `allow-passthrough on` (with `set-clipboard on` the plain sequence does it all).
                if options.inTmux { driver.writeControl(Clipboard.tmuxPassthrough(seq)) }
                how = "OSC 52"
            } else {
                how = nil
            }
        }
        let path = (options.downloadDirectory as NSString).appendingPathComponent(Self.clipboardFile)
        let tooLong = options.clipboard == .osc52 && how == nil
        let cont = continuation
        Task.detached {
            let notice: RuntimeNotice
            do {
                try ChatRuntime.writeDownload(text, to: path)
                if let how {
                    notice = RuntimeNotice("Copied \(what), \(chars) chars (\(how)) — also saved to \(path)")
                } else if tooLong {
                    notice = RuntimeNotice("Too long for OSC 52 (\(chars) chars): \(what) saved to \(path)")
                } else {
                    notice = RuntimeNotice("Copied \(what), \(chars) chars, to \(path) (clipboard = file)")
                }
            } catch {
                let sent = how.map { "Copied \(what), \(chars) chars (\($0)); " } ?? ""
                notice = RuntimeNotice("\(sent)could not save \(path): \(error). Check --download-dir.", isError: true)
            }
            cont?.yield(.notice(notice))
        }
    }
}
