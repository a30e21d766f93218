import Foundation
import Testing
@testable import RobofyAPI

@Suite struct LocalFileTests {
    func tempDir() -> String {
        let dir = NSTemporaryDirectory() + "robofy-localfile-" + UUID().uuidString
        try? FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        return dir
    }

    @Test func readRefusesMoreThanTheLimitFromAnEndlessDevice() {
        #expect(throws: LocalFile.Failure.self) { try LocalFile.read("/dev/zero", limit: 1 << 20, what: "handshake file") }
        do {
            _ = try LocalFile.read("/dev/zero", limit: 1000, what: "script")
        } catch let e as LocalFile.Failure {
            #expect(e.description.contains("larger than 1000 bytes"))
        } catch { Issue.record("unexpected \(error)") }
    }

    @Test func readsASmallFileAndNamesAMissingOne() throws {
        let dir = tempDir()
        let path = dir + "/a.json"
        try Data("{}".utf8).write(to: URL(fileURLWithPath: path))
        #expect(try LocalFile.read(path, limit: 10, what: "x") == Data("{}".utf8))
        #expect(throws: LocalFile.Failure("Cannot read the script \(dir)/none.yaml: No such file or directory. Check the path.")) {
            try LocalFile.read(dir + "/none.yaml", limit: 10, what: "script")
        }
        #expect(throws: LocalFile.Failure.self) { try LocalFile.read(dir, limit: 10, what: "script") }
    }

    @Test func writeGoesThroughASymlinkAndKeepsIt() throws {
        let dir = tempDir()
        let real = dir + "/real.md", link = dir + "/link.md"
        try Data("old".utf8).write(to: URL(fileURLWithPath: real))
        try FileManager.default.createSymbolicLink(atPath: link, withDestinationPath: real)
        try LocalFile.write(Data("new".utf8), to: link)
        let attrs = try FileManager.default.attributesOfItem(atPath: link)
        #expect(attrs[.type] as? FileAttributeType == .typeSymbolicLink)
        #expect(try String(contentsOfFile: real, encoding: .utf8) == "new")
        // A dangling link creates the file it names.
        let dangling = dir + "/dangling.md"
        try FileManager.default.createSymbolicLink(atPath: dangling, withDestinationPath: dir + "/target.md")
        try LocalFile.write(Data("x".utf8), to: dangling)
        #expect(try String(contentsOfFile: dir + "/target.md", encoding: .utf8) == "x")
    }

    @Test func writeToADeviceNeverReplacesIt() throws {
        try LocalFile.write(Data("hello".utf8), to: "/dev/null")
        var st = stat()
        #expect(stat("/dev/null", &st) == 0 && (st.st_mode & S_IFMT) == S_IFCHR)
        #expect(throws: LocalFile.Failure.self) { try LocalFile.write(Data("hello".utf8), to: "/dev/full") }
        #expect(stat("/dev/full", &st) == 0 && (st.st_mode & S_IFMT) == S_IFCHR)
    }

    @Test func writeReplacesARegularFileAtomically() throws {
        let dir = tempDir()
        let path = dir + "/out.xml"
        try LocalFile.write(Data("one".utf8), to: path)
        try LocalFile.write(Data("two".utf8), to: path)
        #expect(try String(contentsOfFile: path, encoding: .utf8) == "two")
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir) == ["out.xml"])
        #expect(throws: LocalFile.Failure.self) { try LocalFile.write(Data("x".utf8), to: dir) }
    }
}
