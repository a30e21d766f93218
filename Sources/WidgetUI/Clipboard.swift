// Copying: what is copied (a message as Markdown, one code block) and the OSC 52 sequence that
// carries it to the terminal's clipboard. The runtime writes the sequence between frames.
import Foundation
import RobofyText

/// Copying to the user's clipboard from a terminal: OSC 52 (`ESC ] 52 ; c ; base64 BEL`),
/// which xterm, kitty, WezTerm, iTerm2, foot, Windows Terminal and tmux (with
/// `set-clipboard on`) take, also over SSH. The terminal sends no reply, so a refusal
/// cannot be seen: the runtime also writes the text to a file. What is copied is the
/// sanitized text: no escape sequence the server sent reaches the clipboard or the terminal.
public enum Clipboard {
    /// Where copies go: OSC 52 (and the file), or the file only (`clipboard = "file"`).
    public enum Mode: String, Sendable, CaseIterable {
        case osc52, file
    }

    /// Largest text sent by OSC 52, in bytes before base64 (xterm and tmux take sequences of
    /// about 100 KB; longer texts go to the file only).
    public static let osc52Limit = 74_994

    /// The OSC 52 sequence that puts `text` on the clipboard, or nil when it is too long for one.
    public static func osc52(_ text: String) -> String? {
        let bytes = Data(text.utf8)
        guard bytes.count <= osc52Limit else { return nil }
        return "\u{1B}]52;c;" + bytes.base64EncodedString() + "\u{07}"
    }

    /// The same sequence wrapped for tmux's passthrough (`ESC P tmux; … ESC \`, each ESC doubled):
    /// it reaches the outer terminal when tmux has `allow-passthrough on`, while the plain sequence
    /// sets tmux's own buffer (and the outer clipboard) when tmux has `set-clipboard on`.
    public static func tmuxPassthrough(_ sequence: String) -> String {
        "\u{1B}Ptmux;" + sequence.replacingOccurrences(of: "\u{1B}", with: "\u{1B}\u{1B}") + "\u{1B}\\"
    }

    /// The fenced code blocks of a Markdown text (``` or ~~~), their contents without the fences.
    public static func codeBlocks(in markdown: String) -> [String] {
        var blocks: [String] = []
        var current: [Substring]?
        var fence: Substring = ""
        for line in markdown.split(separator: "\n", omittingEmptySubsequences: false) {
            let trimmed = line.drop { $0 == " " }
            if let open = current {
                let ch = fence.first ?? "`"
                if trimmed.hasPrefix(fence), trimmed.drop(while: { $0 == ch }).allSatisfy({ $0 == " " || $0 == "\r" }) {
                    blocks.append(open.joined(separator: "\n"))
                    current = nil
                } else {
                    // In place (a copy per line made a long block cost its length squared).
                    current!.append(line)
                }
            } else if trimmed.hasPrefix("```") || trimmed.hasPrefix("~~~") {
                let ch = trimmed.first ?? "`"
                fence = trimmed.prefix { $0 == ch }
                current = []
            }
        }
        // An unclosed fence runs to the end (an answer cut off in a code block).
        if let open = current, !open.isEmpty { blocks.append(open.joined(separator: "\n")) }
        return blocks
    }

    /// A message as it is copied: the text as written (Markdown, tabs and new lines kept), without
    /// control or escape sequences (the same text as drawn; the user's input never holds any).
    public static func text(of m: ChatMessage) -> String {
        // The sanitizer expands tabs for the screen; a copy keeps them (Makefiles, TSV).
        m.text.split(separator: "\t", omittingEmptySubsequences: false).map { Sanitizer.clean(String($0)) }.joined(separator: "\t")
    }
}
