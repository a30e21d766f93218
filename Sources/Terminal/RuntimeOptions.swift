import Foundation
import Logging
import WidgetUI

public struct RuntimeOptions: Sendable {
    /// Where "download transcript" writes its files.
    public var downloadDirectory: String
    /// Frames per second at most: what the user did (a key, a click, a resize) is drawn on
    /// this clock.
    public var maxFPS: Double = 60
    /// Frames per second at most when only the conversation changed (an answer streaming
    /// in): text arriving 50 times a second is drawn 20 times a second (a paced answer of 200
    /// deltas: 201 → 82 frames; 124 at 30 a second). Never more than `maxFPS`.
    /// `--stream-fps` (`ROBOFY_STREAM_FPS`, `stream_fps` in config.toml) sets it.
    public var streamFPS: Double = RuntimeOptions.defaultStreamFPS
    /// A frame costs the same few wakes and terminal writes however little text it adds: at 20
    /// a second a paced answer costs about a quarter less CPU than at 30 (`robofy-bench paced`,
    /// alternated: 0.102 → 0.075 s), and text that comes in words still grows word by word.
    public static let defaultStreamFPS = UserConfig.defaultStreamFPS
    /// The least time between two socket reads of an answer that trickles in, in seconds, for a
    /// UI that draws `streamFPS` frames a second at most: a frame's interval. The reads come on a
    /// steady clock of their own (`ResponseBodyQueue`), and the UI draws each as it comes, with
    /// no stream clock of its own (its ticks woke the timer thread and the main thread once a
    /// frame besides the reads).
    public static func readWindow(streamFPS: Double) -> Double {
        1 / min(streamFPSRange.upperBound, max(streamFPSRange.lowerBound, streamFPS))
    }
    /// The session's client reads an answer that trickles in at most once per this many seconds
    /// (`readWindow(streamFPS:)`; zero: as it comes). With a window no shorter than the stream
    /// interval, streamed text is drawn as it comes and the stream clock is never kept.
    public var readWindow: Double = 0
    /// What `--stream-fps` accepts.
    public static let streamFPSRange = UserConfig.streamFPSRange
    public var logger: Logger
    /// Preview: show the widget, send nothing.
    public var previewOnly = false
    /// Exit after the first complete frame following the handshake (start-up benchmark).
    public var exitAfterFirstFrame = false
    /// Shown in the status line once connected (e.g. where the transcript is autosaved).
    public var startupNotice: RuntimeNotice?
    /// Notices from outside the UI (e.g. an autosave failure), shown in the status line.
    public var notices: AsyncStream<RuntimeNotice>?
    /// Saves the conversation so far as a test script (F9); returns the path written.
    public var saveScript: (@Sendable () async throws -> String)?
    /// Keys the user remapped in the configuration file.
    public var keys = KeyRemap()
    /// Where copies go (`--clipboard`, `clipboard` in config.toml): OSC 52 and a file, or the file only.
    public var clipboard: Clipboard.Mode = .osc52
    /// Running inside tmux (`$TMUX`): OSC 52 is also sent through tmux's passthrough.
    public var inTmux = false
    /// Avatar images drawn over their badges (a terminal that said it can draw them); nil: initials only.
    public var images: TerminalImages?

    public init(downloadDirectory: String = FileManager.default.currentDirectoryPath,
                logger: Logger = Logger(label: "robofy.ui", factory: { _ in SwiftLogNoOpLogHandler() })) {
        self.downloadDirectory = downloadDirectory
        self.logger = logger
    }
}

/// A line for the status bar from outside the UI.
public struct RuntimeNotice: Sendable, Equatable {
    public enum Kind: Sendable, Equatable {
        case info
        case error
        /// A file the user relies on stopped being written (the transcript autosave, the
        /// `--log-file`): not a passing error; the status line keeps it until acknowledged.
        case storageFailure
    }
    public var text: String
    public var isError: Bool
    public var kind: Kind
    /// Writing the user's data failed (autosave, recording, log): shown until acknowledged (F12).
    public var isStorageFailure: Bool { kind == .storageFailure }
    public init(_ text: String, isError: Bool = false, isStorageFailure: Bool = false) {
        self.text = text
        self.isError = isError || isStorageFailure
        kind = isStorageFailure ? .storageFailure : (isError ? .error : .info)
    }

    /// The autosave or the log file failed (see `Kind.storageFailure`).
    public static func storageFailure(_ text: String) -> RuntimeNotice {
        RuntimeNotice(text, isStorageFailure: true)
    }
}
