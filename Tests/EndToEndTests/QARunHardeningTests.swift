import Foundation
import Testing
import TestSupport
#if canImport(Glibc)
import Glibc
#endif

/// `run` against hostile answers and hostile local files: the real binary, real files.
@Suite(.serialized, .timeLimit(.minutes(3))) struct QARunHardeningTests: ScratchSuite {
    let dir: String

    init() throws {
        dir = try Self.makeScratch("robofy-qa-run")
    }

    var env: [String: String] { ["XDG_STATE_HOME": dir + "/state", "LANG": "C.UTF-8"] }

    static func forbidden(_ s: String) -> [String] {
        s.unicodeScalars.compactMap { u -> String? in
            let v = u.value
            let bad = (v < 0x20 && v != 0x0A && v != 0x09) || (0x7F...0x9F).contains(v)
                || (0x202A...0x202E).contains(v) || (0x2066...0x2069).contains(v)
            return bad ? String(format: "U+%04X", v) : nil
        }
    }

    @Test func theHostileAgentLeavesNoEscapeInStdoutOrJUnit() async throws {
        let bin = try binary()
        let script = try write("mallory.yaml", """
            target: {demo: true}
            agent: demo-hostile
            turns:
              - send: /hostile
                expect: {contains: "Normal text again"}
              - send: /hostile
                expect: {contains: "this text is not there"}
            """)
        let junit = dir + "/mallory.xml"
        let r = await shOff([bin, "run", script, "--verbose", "--junit", junit], env: env)
        #expect(r.status == 1, "\(r.out)")
        #expect(r.out.contains("✓ turn 1: /hostile"))
        #expect(r.out.contains("Normal text again at the end."), "the answer is printed")
        #expect(Self.forbidden(r.out) == [])
        let xml = readFile(junit)
        #expect(xml.contains("Normal text again at the end."))
        #expect(Self.forbidden(xml) == [])
        #expect(!xml.contains("\u{1B}"))
    }

    @Test func anAliasBombOrAnEndlessFileIsRefusedWithExitTwo() async throws {
        let bin = try binary()
        var lines = ["a0: &a0 [\"lol\"]"]
        for level in 1...9 {
            lines.append("a\(level): &a\(level) [" + Array(repeating: "*a\(level - 1)", count: 9).joined(separator: ", ") + "]")
        }
        let bomb = try write("bomb.yaml", (lines + ["target: {demo: true}", "turns: [hi]"]).joined(separator: "\n"))
        let r = await shOff([bin, "run", bomb], env: env)
        #expect(r.status == 2, "\(r.out)")
        #expect(r.out.contains("the YAML expands to more than 100000 values"))
        let z = await shOff([bin, "run", "/dev/zero"], env: env)
        #expect(z.status == 2, "\(z.out)")
        #expect(z.out.contains("is larger than 4 MiB"))
        let missing = await shOff([bin, "run", dir + "/nope.yaml"], env: env)
        #expect(missing.status == 2)
        #expect(missing.out.contains("Cannot read the script"))
    }

    @Test func junitIsWrittenThroughASymlinkAndAFullDiskIsReported() async throws {
        let bin = try binary()
        let script = try write("ok.yaml", "target: {demo: true}\nturns: [hello]\n")
        let real = dir + "/real.xml"
        let link = dir + "/link.xml"
        try "old".write(toFile: real, atomically: true, encoding: .utf8)
        try FileManager.default.createSymbolicLink(atPath: link, withDestinationPath: real)
        let r = await shOff([bin, "run", script, "--junit", link], env: env)
        #expect(r.status == 0, "\(r.out)")
        let kind = try FileManager.default.attributesOfItem(atPath: link)[.type] as? FileAttributeType
        #expect(kind == .typeSymbolicLink, "the link stays a link")
        #expect(readFile(real).contains("<testsuite"))
        let full = await shOff([bin, "run", script, "--junit", "/dev/full"], env: env)
        #expect(full.status == 2, "\(full.out)")
        #expect(full.out.contains("could not write the JUnit report: Cannot write /dev/full: No space left on device"))
        var st = stat()
        #expect(stat("/dev/full", &st) == 0 && (st.st_mode & S_IFMT) == S_IFCHR, "the device is still a device")
    }

    /// A stream cut before `finish`/`[DONE]` is interrupted: a script that expects a complete
    /// answer fails (exit 1), one that expects `status: interrupted` passes.
    /// (Needs the session's verdict fix: a stream without finish is never complete.)
    @Test func aCutStreamFailsUnlessTheScriptExpectsInterrupted() async throws {
        let bin = try binary()
        let plain = try write("cut.yaml", """
            target: {demo: true}
            agent: demo-nova
            fault: cut=200
            turns:
              - send: What's on sale today?
            """)
        let r = await shOff([bin, "run", plain], env: env)
        #expect(r.status == 1, "\(r.out)")
        #expect(r.out.contains("✗ status: expected complete, got interrupted"))
        let expecting = try write("cut-expected.yaml", """
            target: {demo: true}
            agent: demo-nova
            fault: cut=200
            turns:
              - send: What's on sale today?
                expect: {status: interrupted}
            """)
        let r2 = await shOff([bin, "run", expecting], env: env)
        #expect(r2.status == 0, "\(r2.out)")
        #expect(r2.out.contains("All 1 turn passed"))
    }
}
