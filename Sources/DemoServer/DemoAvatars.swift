import Foundation
import HTTPTypes
import Hummingbird
import NIOConcurrencyHelpers

/// The demo agents' avatar images: small PNGs in the binary, served at `/v1/demo/avatars/<agent id>.png`
/// (the handshake's `avatar_image_path`, relative to the server). Requests are counted, so a test can
/// check that a client fetches each image once.
enum DemoAvatars {
    static let pathPrefix = "/v1/demo/avatars/"

    /// 16×16 PNG: a disc in the agent's colour on white.
    static let images: [String: String] = [
        "demo-nova": "iVBORw0KGgoAAAANSUhEUgAAABAAAAAQCAIAAACQkWg2AAAAP0lEQVR42mP4jwFeyiXDEaYsAy6luLQxEFSNpoeBGNXIehiIVA3XQ7oG4lVD0GDUQPtQIifiyEka5CQ+IpM3AMnq1RwqdHfYAAAAAElFTkSuQmCC",
        "demo-atlas": "iVBORw0KGgoAAAANSUhEUgAAABAAAAAQCAIAAACQkWg2AAAAP0lEQVR42mP4jwEUp32GI0xZBlxKcWljIKgaTQ8DMaqR9TAQqRquh3QNxKuGoMGogfahRE7EkZM0yEl8RCZvAMlzBCsaTJ5jAAAAAElFTkSuQmCC",
        "demo-sage": "iVBORw0KGgoAAAANSUhEUgAAABAAAAAQCAIAAACQkWg2AAAAP0lEQVR42mP4jwF81gfAEaYsAy6luLQxEFSNpoeBGNXIehiIVA3XQ7oG4lVD0GDUQPtQIifiyEka5CQ+IpM3AIZlvlgjWrGIAAAAAElFTkSuQmCC",
    ]

    static func path(_ agentID: String) -> String { pathPrefix + agentID + ".png" }

    /// The image's bytes, for a request path; nil: not an avatar path.
    static func png(atPath path: String) -> [UInt8]? {
        guard path.hasPrefix(pathPrefix), path.hasSuffix(".png") else { return nil }
        let id = String(path.dropFirst(pathPrefix.count).dropLast(4))
        return images[id].flatMap { Data(base64Encoded: $0) }.map { [UInt8]($0) }
    }

    static func response(_ bytes: [UInt8]) -> Response {
        var headers = HTTPFields()
        headers[.contentType] = "image/png"
        headers[.cacheControl] = "max-age=86400"
        return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: bytes)))
    }
}

/// How many avatar images the server has sent.
public final class DemoAvatarCounter: Sendable {
    private let count = NIOLockedValueBox(0)
    public init() {}
    public var value: Int { count.withLockedValue { $0 } }
    func add() { count.withLockedValue { $0 += 1 } }
}
