// swift-tools-version:6.2
import PackageDescription

let strict: [SwiftSetting] = [
    .enableUpcomingFeature("ExistentialAny"),
]

let package = Package(
    name: "robofy-tui",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "robofy-tui", targets: ["robofy-tui"]),
        .executable(name: "robofy-bench", targets: ["robofy-bench"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/swift-server/async-http-client", from: "1.37.0"),
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.1"),
        .package(url: "https://github.com/apple/swift-nio", from: "2.101.2"),
        .package(url: "https://github.com/jpsim/Yams", from: "5.0.1"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.13.0"),
        .package(url: "https://github.com/apple/swift-collections", from: "1.6.0"),
    ],
    targets: [
        .systemLibrary(name: "CNCursesW", path: "Sources/CNCursesW"),
        .target(name: "CTerminalRestore", path: "Sources/CTerminalRestore"),
        // Display width, sanitizer, escaping, Markdown → styled lines: Foundation only, no dependencies.
        .target(name: "RobofyText", swiftSettings: strict),
        .target(
            name: "RobofyAPI",
            dependencies: [
                "RobofyText",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "OrderedCollections", package: "swift-collections"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strict
        ),
        .target(
            name: "RobofySession",
            dependencies: ["RobofyAPI", "RobofyText", .product(name: "Logging", package: "swift-log"),
                           .product(name: "NIOConcurrencyHelpers", package: "swift-nio")],
            swiftSettings: strict
        ),
        .target(
            name: "WidgetUI",
            dependencies: ["RobofyText", "RobofySession", "RobofyAPI"],
            swiftSettings: strict
        ),
        .target(
            name: "Terminal",
            dependencies: ["CNCursesW", "CTerminalRestore", "RobofyText", "WidgetUI", "RobofySession", "RobofyAPI",
                           .product(name: "Logging", package: "swift-log"),
                           .product(name: "UnixSignals", package: "swift-service-lifecycle")],
            swiftSettings: strict
        ),
        .target(
            name: "DemoServer",
            dependencies: [
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strict
        ),
        .target(
            name: "RobofyQA",
            dependencies: ["RobofyAPI", "RobofySession", "RobofyText", "WidgetUI", "DemoServer",
                           .product(name: "Yams", package: "Yams"),
                           .product(name: "Logging", package: "swift-log")],
            swiftSettings: strict
        ),
        .target(name: "BenchSupport", dependencies: ["WidgetUI", "RobofySession"], swiftSettings: strict),
        .executableTarget(
            name: "robofy-tui",
            dependencies: [
                "RobofyAPI", "RobofySession", "RobofyText", "WidgetUI", "Terminal", "DemoServer", "RobofyQA", "BenchSupport",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strict
        ),
        .executableTarget(
            name: "robofy-bench",
            dependencies: ["RobofyAPI", "RobofySession", "WidgetUI", "Terminal", "DemoServer", "BenchSupport",
                           .product(name: "ArgumentParser", package: "swift-argument-parser"),
                           .product(name: "AsyncHTTPClient", package: "async-http-client"),
                           .product(name: "NIOConcurrencyHelpers", package: "swift-nio")],
            swiftSettings: strict
        ),
        // Helpers every test target shares (Tests/TestSupport/TestSupport.swift says what it holds).
        .target(name: "TestSupport", dependencies: [.product(name: "Logging", package: "swift-log"),
                                                   .product(name: "InMemoryLogging", package: "swift-log"),
                                                   .product(name: "NIOConcurrencyHelpers", package: "swift-nio")],
                path: "Tests/TestSupport", swiftSettings: strict),
        .testTarget(name: "RobofyAPITests", dependencies: ["RobofyAPI", "DemoServer", "TestSupport",
                                                           .product(name: "Logging", package: "swift-log"),
                                                           .product(name: "NIOPosix", package: "swift-nio")],
                    exclude: ["Fixtures"], swiftSettings: strict),
        .testTarget(name: "RobofyTextTests", dependencies: ["RobofyText", "TestSupport"], swiftSettings: strict),
        .testTarget(name: "RobofySessionTests", dependencies: ["RobofySession", "DemoServer", "TestSupport",
                                                              .product(name: "NIOConcurrencyHelpers", package: "swift-nio")],
                    swiftSettings: strict),
        .testTarget(name: "WidgetUITests", dependencies: ["WidgetUI", "RobofyText", "RobofySession", "TestSupport"], exclude: ["Golden"],
                    swiftSettings: strict),
        .testTarget(name: "TerminalTests", dependencies: ["Terminal", "WidgetUI", "RobofyText", "RobofySession", "RobofyAPI",
                                                         .product(name: "Logging", package: "swift-log")],
                    swiftSettings: strict),
        .testTarget(name: "EndToEndTests", dependencies: ["DemoServer", "TestSupport"], swiftSettings: strict),
        // The benchmark's smoke run, a step of its own in scripts/test (not part of the end-to-end step).
        .testTarget(name: "BenchSmokeTests", dependencies: ["TestSupport"], swiftSettings: strict),
        .testTarget(name: "QATests", dependencies: ["RobofyQA", "RobofyText", "WidgetUI", "RobofySession", "RobofyAPI", "DemoServer",
                                                    "TestSupport", .product(name: "Logging", package: "swift-log"),
                                                    .product(name: "NIOConcurrencyHelpers", package: "swift-nio")],
                    swiftSettings: strict),
    ],
    swiftLanguageModes: [.v6]
)
