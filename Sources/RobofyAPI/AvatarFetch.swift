import AsyncHTTPClient
import Foundation
import Logging
import NIOCore

/// An agent's avatar image (`avatar_image_path`), fetched once and kept in a disk cache by the
/// hash of its URL. Only http(s), at most `maxBytes`, a few redirects, a short timeout; only a
/// PNG is kept (the kitty terminal draws PNG itself). Anything else: nil, and one log line.
public enum AvatarFetch {
    public static let maxBytes = 512 * 1024
    static let pngSignature: [UInt8] = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]

    /// The image's URL: absolute http(s), or a path relative to the server (`/v1/demo/avatars/…`).
    public static func resolve(_ path: String, base: String) -> URL? {
        let p = path.trimmingCharacters(in: .whitespaces)
        guard !p.isEmpty, p.utf8.allSatisfy({ $0 > 0x20 && $0 < 0x7F }) else { return nil }
        let url = p.hasPrefix("/") && !p.hasPrefix("//") ? URL(string: base.trimmingCharacters(in: ["/"]) + p) : URL(string: p)
        guard let url, let scheme = url.scheme?.lowercased(), scheme == "http" || scheme == "https", url.host != nil else { return nil }
        return url
    }

    /// The cache folder: `$XDG_CACHE_HOME/robofy-tui/avatars` (`~/.cache/…` when unset).
    public static func cacheDirectory(_ env: [String: String] = ProcessInfo.processInfo.environment) -> String {
        let base = env["XDG_CACHE_HOME"].flatMap { $0.hasPrefix("/") ? $0 : nil }
            ?? (env["HOME"] ?? NSHomeDirectory()) + "/.cache"
        return base + "/robofy-tui/avatars"
    }

    /// The cache file of a URL (FNV-1a 64 of the URL, in hex).
    public static func cacheFile(_ url: URL, directory: String) -> String {
        directory + "/" + String(FNV1a.hash(url.absoluteString), radix: 16) + ".png"
    }

    /// A PNG whose IHDR says at most `maxSide` pixels a side (a small file can claim a huge
    /// image, which the terminal would then decode).
    public static func isPNG(_ bytes: [UInt8], maxSide: UInt32 = 1024) -> Bool {
        // Signature, then the IHDR chunk: length (4), "IHDR" (4), width (4), height (4), big-endian.
        guard bytes.count >= 24, bytes.starts(with: pngSignature), Array(bytes[12..<16]) == Array("IHDR".utf8) else { return false }
        func u32(_ i: Int) -> UInt32 { bytes[i..<(i + 4)].reduce(0) { $0 << 8 | UInt32($1) } }
        let w = u32(16), h = u32(20)
        return w > 0 && h > 0 && w <= maxSide && h <= maxSide
    }

    /// The image from the cache, else from the network (then cached); nil when it cannot be had.
    public static func load(_ url: URL, cacheDirectory dir: String?, timeout: TimeInterval = 5, logger: Logger) async -> [UInt8]? {
        let file = dir.map { cacheFile(url, directory: $0) }
        if let file, let data = FileManager.default.contents(atPath: file), isPNG([UInt8](data)) { return [UInt8](data) }
        var config = HTTPClient.Configuration()
        config.redirectConfiguration = .follow(max: 3, allowCycles: false)
        config.timeout = .init(connect: .milliseconds(Int64(timeout * 1000)), read: .milliseconds(Int64(timeout * 1000)))
        let http = HTTPClient(eventLoopGroupProvider: .singleton, configuration: config)
        let body = await fetch(url, http: http, timeout: timeout, logger: logger)
        try? await http.shutdown()
        if let body, let dir, let file {
            try? FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
            try? Data(body).write(to: URL(fileURLWithPath: file), options: .atomic)
        }
        return body
    }

    static func fetch(_ url: URL, http: HTTPClient, timeout: TimeInterval, logger: Logger) async -> [UInt8]? {
        let shown = Redaction.redact(url.absoluteString)
        do {
            let response = try await http.execute(HTTPClientRequest(url: url.absoluteString), timeout: .seconds(Int64(timeout * 2)))
            guard response.status == .ok else {
                logger.info("avatar not fetched: HTTP \(response.status.code); initials shown", metadata: ["url": .string(shown)])
                return nil
            }
            let body = [UInt8](buffer: try await response.body.collect(upTo: maxBytes))
            guard isPNG(body) else {
                logger.info("avatar is not a PNG; initials shown", metadata: ["url": .string(shown)])
                return nil
            }
            return body
        } catch {
            logger.info("avatar not fetched (\(error)); initials shown", metadata: ["url": .string(shown)])
            return nil
        }
    }
}
