import Foundation
import Terminal
import Testing
import WidgetUI

/// Alt-C through the main loop: the OSC 52 sequence goes to the driver between frames and the
/// clipboard file is written (or only the file, with `clipboard = file`); Alt-M sets the mouse.
@MainActor
@Suite(.timeLimit(.minutes(1))) struct RuntimeCopyTests {
    let driver = HeadlessDriver(width: 80, height: 24)
    let session = FakeSession(direct: false)
    let dir = NSTemporaryDirectory() + "robofy-copy-" + UUID().uuidString.prefix(8)

    func run(_ mode: Clipboard.Mode, _ body: () async throws -> Void) async throws {
        var options = RuntimeOptions(downloadDirectory: dir)
        options.maxFPS = 1_000_000
        options.streamFPS = 1_000_000
        options.clipboard = mode
        let (signals, _) = AsyncStream.makeStream(of: Int32.self)
        let rt = ChatRuntime(session: session, state: AppState(), options: options, driver: driver,
                             clock: ManualClock(), signals: signals)
        let task = Task { try await rt.run() }
        _ = try #require(await driver.waitForFrame { $0.contains("Hello from the fake agent") })
        try await body()
        driver.press(.function(10))
        try await task.value
        try? FileManager.default.removeItem(atPath: dir)
    }

    func file() -> String? {
        try? String(contentsOfFile: dir + "/robofy-clipboard.md", encoding: .utf8)
    }

    @Test func altCSendsOSC52BetweenFramesAndWritesTheFile() async throws {
        try await run(.osc52) {
            driver.type("\u{1B}c")
            _ = try #require(await driver.waitForFrame { $0.contains("Copied the last answer") }, "\(driver.text)")
            let seq = try #require(driver.controls.first, "no OSC 52 written")
            #expect(driver.controls.count == 1)  // not inside tmux: no passthrough copy
            #expect(seq.afterFrames > 0)
            let b64 = seq.sequence.dropFirst("\u{1B}]52;c;".count).dropLast()
            #expect(seq.sequence.hasPrefix("\u{1B}]52;c;") && seq.sequence.hasSuffix("\u{07}"))
            #expect(Data(base64Encoded: String(b64)).flatMap { String(data: $0, encoding: .utf8) } == "Hello from the fake agent")
            #expect(file() == "Hello from the fake agent")
            // Alt-M: mouse reporting off, then on.
            driver.type("\u{1B}m")
            _ = try #require(await driver.waitForFrame { $0.contains("Mouse reporting off") })
            #expect(!driver.mouseReporting)
            driver.type("\u{1B}m")
            _ = try #require(await driver.waitForFrame { $0.contains("Mouse reporting on") })
            #expect(driver.mouseReporting)
        }
    }

    @Test func clipboardFileSendsNothingToTheTerminal() async throws {
        try await run(.file) {
            driver.type("\u{1B}c")
            _ = try #require(await driver.waitForFrame { $0.contains("(clipboard = file)") }, "\(driver.text)")
            #expect(driver.controls.isEmpty)
            #expect(file() == "Hello from the fake agent")
        }
    }
}
