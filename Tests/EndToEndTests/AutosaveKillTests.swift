import Foundation
import Testing
import TestSupport
#if canImport(Glibc)
import Glibc
#endif

/// The autosave writes a long answer in chunks as it streams: a process killed outright
/// (SIGKILL: no handler runs) leaves most of the answer in the transcript, and the reader
/// gives it back byte for byte.
@Suite(.serialized, .timeLimit(.minutes(3))) struct AutosaveKillTests {
    /// The text of `/bench` (the demo server's deterministic pattern), `count` bytes of it.
    static func benchText(_ count: Int) -> String {
        let pattern = Array("The quick brown fox jumps over the lazy dog while the demo server streams benchmark text.\n".utf8)
        return String(decoding: (0..<count).map { pattern[$0 % pattern.count] }, as: UTF8.self)
    }

    @Test func sigkillMidAnswerKeepsTheStreamedPart() throws {
        guard Binary.tmuxAvailable else { throw E2EError("tmux is not installed (apt-get install tmux)") }
        guard let bin = Binary.path else { throw E2EError("the robofy-tui binary was not found next to the tests") }
        let dir = NSTemporaryDirectory() + "robofy-kill-" + UUID().uuidString.prefix(8)
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let transcript = dir + "/t.jsonl"
        // 3 MB in 10,000 deltas of 300 bytes, 1 ms apart: it streams for seconds.
        let cmd = "exec '\(bin)' demo --fault pace=1 --transcript '\(transcript)' --download-dir '\(dir)'"
        let t = try Tmux(command: cmd, width: 100, height: 30,
                         env: ["TERM": "xterm-256color", "LANG": "C.UTF-8", "XDG_STATE_HOME": dir + "/state"])
        #expect(t.waitFor("Hi, I'm Nova", timeout: 20).ok)
        t.type("/bench 3000000 10000")
        t.keys("Enter")
        // Well past what the autosave used to write of an answer before its end (256 KiB).
        let want = 600_000
        let deadline = Date().addingTimeInterval(90)
        var size = 0
        while size < want, Date() < deadline {
            size = ((try? FileManager.default.attributesOfItem(atPath: transcript))?[.size] as? Int) ?? 0
            if size < want { usleep(20_000) }
        }
        let pid = try #require(t.panePID())
        #expect(kill(pid, SIGKILL) == 0)
        #expect(size >= want, "the transcript had \(size) bytes while the answer streamed")

        // The records on disk: the turn started, then its answer in progress chunks.
        let text = (try? String(contentsOfFile: transcript, encoding: .utf8)) ?? ""
        let records = text.split(separator: "\n").compactMap {
            (try? JSONSerialization.jsonObject(with: Data($0.utf8))) as? [String: Any]
        }
        #expect(records.contains { $0["kind"] as? String == "turn-started" && $0["userText"] as? String == "/bench 3000000 10000" })
        #expect(!records.contains { $0["kind"] as? String == "turn" }, "the turn cannot have finished")
        let streamed = records.filter { $0["kind"] as? String == "progress" }.compactMap { $0["text"] as? String }.joined()
        let kept = streamed.utf8.count
        #expect(kept >= want - 70_000, "kept \(kept) bytes of the answer")
        #expect(kept < 3_000_000)
        #expect(streamed == Self.benchText(kept), "the kept part is not the answer's start")

        // `robofy-tui transcript` rebuilds the unfinished answer from the chunks.
        let md = dir + "/t.md"
        let r = sh([bin, "transcript", transcript, "--markdown", "-o", md])
        #expect(r.status == 0, "\(r.out)")
        let markdown = (try? String(contentsOfFile: md, encoding: .utf8)) ?? ""
        #expect(markdown.contains("**You:** /bench 3000000 10000"))
        #expect(markdown.contains(Self.benchText(min(kept, 200_000))))
        #expect(markdown.contains("unfinished"))
    }
}
