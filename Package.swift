// swift-tools-version:6.2
import PackageDescription

let strict: [SwiftSetting] = [
    .enableUpcomingFeature("ExistentialAny"),
]

let package = Package(
    name: "robofy-tui",
    platforms: [.macOS(.v14)],
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
    ],
    targets: [
        .systemLibrary(name: "CNCursesW", path: "Sources/CNCursesW"),
        .target(name: "CTerminalRestore", path: "Sources/CTerminalRestore"),
        .target(
            name: "RobofyAPI",
            dependencies: [
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strict
        ),
        .target(
            name: "RobofySession",
            dependencies: ["RobofyAPI", .product(name: "Logging", package: "swift-log")],
            swiftSettings: strict
        ),
        .target(
            name: "WidgetUI",
            dependencies: ["RobofySession", "RobofyAPI"],
            swiftSettings: strict
        ),
        .target(
            name: "Terminal",
            dependencies: ["CNCursesW", "CTerminalRestore", "WidgetUI", "RobofySession", "RobofyAPI",
                           .product(name: "Logging", package: "swift-log")],
            swiftSettings: strict
        ),
        .target(
            name: "DemoServer",
            dependencies: [
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strict
        ),
        .target(
            name: "RobofyQA",
            dependencies: ["RobofyAPI", "RobofySession", "WidgetUI", "DemoServer",
                           .product(name: "Yams", package: "Yams"),
                           .product(name: "Logging", package: "swift-log")],
            swiftSettings: strict
        ),
        .executableTarget(
            name: "robofy-tui",
            dependencies: [
                "RobofyAPI", "RobofySession", "WidgetUI", "Terminal", "DemoServer", "RobofyQA",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strict
        ),
        .executableTarget(
            name: "robofy-bench",
            dependencies: ["RobofyAPI", "RobofySession", "WidgetUI", "DemoServer",
                           .product(name: "ArgumentParser", package: "swift-argument-parser")],
            swiftSettings: strict
        ),
        .testTarget(name: "RobofyAPITests", dependencies: ["RobofyAPI", "DemoServer", .product(name: "Logging", package: "swift-log")],
                    exclude: ["Fixtures"], swiftSettings: strict),
        .testTarget(name: "RobofySessionTests", dependencies: ["RobofySession", "DemoServer"], swiftSettings: strict),
        .testTarget(name: "WidgetUITests", dependencies: ["WidgetUI", "RobofySession"], exclude: ["Golden"],
                    swiftSettings: strict),
        .testTarget(name: "EndToEndTests", dependencies: ["DemoServer"], swiftSettings: strict),
        .testTarget(name: "QATests", dependencies: ["RobofyQA", "WidgetUI", "RobofySession", "RobofyAPI", "DemoServer",
                                                    .product(name: "Logging", package: "swift-log")],
                    swiftSettings: strict),
    ],
    swiftLanguageModes: [.v6]
)
