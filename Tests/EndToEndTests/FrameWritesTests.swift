import Foundation
import Testing
import TestSupport

/// Each frame reaches the terminal in one write(2). ncurses 6.4 flushes its output after every
/// cursor move until its screen has been through `endwin` once: a streamed frame left as three
/// to five writes, each waking the terminal, which could show a frame half drawn between two of
/// them. The driver's start sends its screen through `endwin` once (issue 16).
@Suite(.serialized, .timeLimit(.minutes(3))) struct FrameWritesTests {
    static let strace = sh(["sh", "-c", "command -v strace"]).out.trimmingCharacters(in: .whitespacesAndNewlines)
    /// strace is installed (scripts/test installs it) and may trace here (a container can forbid ptrace).
    static let canTrace = !strace.isEmpty && sh([strace, "-o", "/dev/null", "true"]).status == 0

    @Test(.enabled(if: canTrace, "needs strace, allowed to trace (apt-get install strace; scripts/test installs it)"))
    func eachFrameOfAStreamedAnswerLeavesInOneWrite() throws {
        let (times, seconds) = try writesWhileAPacedAnswerStreams()
        #expect(times.count >= 30, "\(times.count) writes while the answer streamed")
        // Frames are at least 1/60 s apart; the writes of one frame came within microseconds.
        let close = zip(times, times.dropFirst()).filter { $1 - $0 < 0.002 }.count
        #expect(close == 0, "\(close) of \(times.count) writes came within 2 ms of the one before")
        // Streamed text is drawn 20 frames a second at most (deltas come 50 a second; the answer
        // is read once a frame's interval and drawn as it comes); a few more are the key's, the
        // loader's and the end of the turn's.
        #expect(Double(times.count) <= 20 * seconds + 8, "\(times.count) writes in \(seconds) s")
    }

    /// `--stream-fps` sets the stream clock: 5 frames a second at most, however fast text comes.
    @Test(.enabled(if: canTrace, "needs strace, allowed to trace (apt-get install strace; scripts/test installs it)"))
    func streamFPSSetsHowOftenAStreamedAnswerIsDrawn() throws {
        let (times, seconds) = try writesWhileAPacedAnswerStreams(["--stream-fps", "5"])
        #expect(times.count >= 5, "\(times.count) writes while the answer streamed")
        #expect(Double(times.count) <= 5 * seconds + 8, "\(times.count) writes in \(seconds) s")
    }

    /// `stream_fps` in config.toml does the same.
    @Test(.enabled(if: canTrace, "needs strace, allowed to trace (apt-get install strace; scripts/test installs it)"))
    func streamFPSInTheConfigFileSetsItToo() throws {
        let (times, seconds) = try writesWhileAPacedAnswerStreams(configFile: "stream_fps = 5\n")
        #expect(times.count >= 5, "\(times.count) writes while the answer streamed")
        #expect(Double(times.count) <= 5 * seconds + 8, "\(times.count) writes in \(seconds) s")
    }

    /// The times of the UI's writes to the terminal while a paced answer (4 KiB in 200 deltas,
    /// 20 ms apart) streamed, and how long that was (from Enter to the screen showing it whole).
    func writesWhileAPacedAnswerStreams(_ flags: [String] = [], configFile: String? = nil) throws -> (times: [Double], seconds: Double) {
        let strace = Self.strace
        let dir = try scratchDirectory("robofy-writes")
        let log = dir + "/writes.log"
        let bin = try Binary.require()
        // Every write(2) of the UI, with its time (epoch seconds, as Date's).
        let cmd = "cd '\(dir)' && '\(strace)' -f -ttt -e trace=write -e signal=none -o '\(log)' "
            + "'\(bin)' demo --no-autosave --download-dir '\(dir)' --fault pace=20 \(flags.joined(separator: " ")); rc=$?; echo \"EXIT=$rc\""
        let env = ["LANG": "C.UTF-8", "XDG_STATE_HOME": dir + "/state", "TERM": "xterm-256color",
                   "XDG_CONFIG_HOME": dir + "/config", "ROBOFY_STREAM_FPS": ""]
        if let configFile {
            try FileManager.default.createDirectory(atPath: dir + "/config/robofy-tui", withIntermediateDirectories: true)
            try configFile.write(toFile: dir + "/config/robofy-tui/config.toml", atomically: true, encoding: .utf8)
        }
        let t = try Tmux(command: cmd, width: 100, height: 30, env: env)
        #expect(t.waitFor("Hi, I'm Nova", timeout: 30).ok)
        t.type("/bench 4096 200")
        let sent = Date().timeIntervalSince1970
        t.keys("Enter")
        // 200 deltas 20 ms apart: about four seconds of frames.
        let done = t.waitFor(timeout: 60) { $0.contains("streams benchmark text") && $0.contains("Enter send") }
        #expect(done.ok, "the answer did not finish:\n\(done.screen)")
        let ended = Date().timeIntervalSince1970
        t.keys("C-q")
        #expect(t.waitUntilExit(timeout: 20) == 0)

        let text = try String(contentsOfFile: log, encoding: .utf8)
        // `PID 1733213423.123456 write(1, "…"…, 120) = 120`: the writes to the terminal while
        // the answer streamed (not the first frame, nor giving the terminal back).
        let times = text.split(separator: "\n").compactMap { line -> Double? in
            let f = line.split(separator: " ", maxSplits: 2)
            guard f.count == 3, f[2].hasPrefix("write(1,"), let at = Double(f[1]) else { return nil }
            return at
        }.filter { $0 > sent && $0 < ended }
        return (times, ended - sent)
    }
}
