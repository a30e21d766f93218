import DemoServer
import Foundation
import Logging
import Testing
@testable import RobofyAPI

/// Avatar images: only http(s), relative to the server; a PNG is fetched and cached, anything
/// else (not a PNG, not there, no server) is nil, never a crash.
@Suite struct AvatarFetchTests {
    static let quiet = Logger(label: "t", factory: { _ in SwiftLogNoOpLogHandler() })

    @Test func resolvesOnlyHTTPAndServerRelativePaths() {
        #expect(AvatarFetch.resolve("/v1/demo/avatars/demo-nova.png", base: "http://127.0.0.1:8787/")?.absoluteString
                == "http://127.0.0.1:8787/v1/demo/avatars/demo-nova.png")
        #expect(AvatarFetch.resolve("https://cdn.example/a.png", base: "http://x")?.host == "cdn.example")
        for bad in ["javascript:alert(1)", "file:///etc/passwd", "//evil.example/a.png", "https://evil.example/\u{1B}[1;31mavatar.png", ""] {
            #expect(AvatarFetch.resolve(bad, base: "http://127.0.0.1") == nil, "\(bad)")
        }
    }

    @Test func fetchesAPNGOnceThenFromTheCacheAndRefusesTheRest() async throws {
        var o = DemoServerOptions()
        o.defaultDeltaDelayMs = 0
        let server = try await DemoServer.start(o)
        let dir = NSTemporaryDirectory() + "robofy-avatar-cache-" + UUID().uuidString
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let url = try #require(AvatarFetch.resolve("/v1/demo/avatars/demo-nova.png", base: server.baseURL))
        let first = await AvatarFetch.load(url, cacheDirectory: dir, logger: Self.quiet)
        let second = await AvatarFetch.load(url, cacheDirectory: dir, logger: Self.quiet)
        // Not a PNG (the server's JSON info page), not there (404), no server at all.
        let json = await AvatarFetch.load(try #require(URL(string: server.baseURL + "/")), cacheDirectory: dir, logger: Self.quiet)
        let missing = await AvatarFetch.load(try #require(URL(string: server.baseURL + "/v1/demo/avatars/nobody.png")),
                                             cacheDirectory: dir, logger: Self.quiet)
        let count = server.avatarRequests.value
        await server.stop()
        let closed = await AvatarFetch.load(try #require(URL(string: "http://127.0.0.1:1/a.png")), cacheDirectory: dir,
                                            timeout: 2, logger: Self.quiet)
        #expect(first.map { AvatarFetch.isPNG($0) } == true)
        #expect(second == first)
        #expect(count == 1)
        #expect(json == nil && missing == nil && closed == nil)
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir).count == 1)
    }

    /// A small file that claims a huge image is refused (the terminal would decode it).
    @Test func aPNGClaimingAHugeImageIsRefused() {
        func png(_ w: UInt32, _ h: UInt32) -> [UInt8] {
            func be(_ v: UInt32) -> [UInt8] { [24, 16, 8, 0].map { UInt8((v >> $0) & 0xFF) } }
            return [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A] + be(13) + Array("IHDR".utf8) + be(w) + be(h) + [8, 6, 0, 0, 0]
        }
        #expect(AvatarFetch.isPNG(png(16, 16)))
        #expect(!AvatarFetch.isPNG(png(30000, 30000)))
        #expect(!AvatarFetch.isPNG(png(16, 0)))
        #expect(!AvatarFetch.isPNG(Array(png(16, 16).prefix(20))))
    }
}
