import Foundation
import RobofyAPI
import RobofySession

/// Saving files for the user: the transcript (download) and the conversation as a test
/// script. Off the main actor; the outcome comes back to the loop as a status line.
extension ChatRuntime {
    func save(_ markdown: String, agentName: String) {
        let dir = options.downloadDirectory
        let cont = continuation
        Task.detached {
            let f = DateFormatter()
            f.dateFormat = "yyyyMMdd-HHmmss"
            f.locale = Locale(identifier: "en_US_POSIX")
            let slug = TranscriptStore.slug(agentName)
            let path = (dir as NSString).appendingPathComponent("robofy-transcript-\(slug)-\(f.string(from: Date())).md")
            do {
                try ChatRuntime.writeDownload(markdown, to: path)
                cont?.yield(.fileWritten(path))
            } catch {
                cont?.yield(.fileFailed("Could not save the transcript: \(error). Check --download-dir."))
            }
        }
    }

    /// Writes a file into the download folder, making the folder when it is missing; through
    /// symlinks, never replacing a device (LocalFile).
    nonisolated static func writeDownload(_ text: String, to path: String) throws {
        let dir = (path as NSString).deletingLastPathComponent
        if !FileManager.default.fileExists(atPath: dir) {
            try? FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        }
        try LocalFile.write(Data(text.utf8), to: path)
    }

    func saveScript() {
        let cont = continuation
        guard let save = options.saveScript else {
            cont?.yield(.notice(RuntimeNotice("Saving a script is not available here.", isError: true)))
            return
        }
        Task.detached {
            do {
                let path = try await save()
                cont?.yield(.notice(RuntimeNotice("Script saved to \(path)")))
            } catch {
                cont?.yield(.notice(RuntimeNotice("Could not save the script: \(error)", isError: true)))
            }
        }
    }
}
