import Foundation
import Logging
import RobofyAPI
import Terminal

/// Avatar images: asks the terminal what it can draw (before ncurses starts) unless
/// `--no-images` or `ROBOFY_IMAGES=off`; kitty graphics draws them, anything else keeps the initials.
enum TerminalImagesSetup {
    static func make(enabled: Bool, baseURL: String, logger: Logger,
                     env: [String: String] = ProcessInfo.processInfo.environment) -> TerminalImages? {
        guard enabled, env["ROBOFY_IMAGES"]?.lowercased() != "off" else { return nil }
        let support = GraphicsProbe.detect()
        switch support {
        case .none:
            logger.info("terminal graphics: none answered; avatars as initials")
            return nil
        case .sixel:
            logger.info("terminal graphics: sixel detected; avatars as initials (only kitty graphics draws them)")
            return nil
        case .kitty:
            logger.info("terminal graphics: kitty; avatar images drawn")
            return TerminalImages(support: .kitty, baseURL: baseURL, cacheDirectory: AvatarFetch.cacheDirectory(), logger: logger)
        }
    }
}
