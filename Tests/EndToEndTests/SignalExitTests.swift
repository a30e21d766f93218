import Foundation
import Testing
import TestSupport
#if canImport(Glibc)
import Glibc
#endif

/// SIGTERM, SIGHUP and SIGINT sent to the full UI (closing the terminal window, `kill PID`)
/// take the same orderly exit as F10: the terminal restored, the turn that was streaming
/// saved as interrupted, the `--record` script written; the exit status is 128 + the signal.
@Suite(.serialized, .timeLimit(.minutes(6))) struct SignalExitTests {
    let dir: String

    init() throws {
        dir = try scratchDirectory("robofy-sig")
    }

    var transcript: String { dir + "/t.jsonl" }
    var record: String { dir + "/rec.yaml" }

    func start() throws -> Tmux {
        try Tmux.robofy("demo --pace 4 --transcript '\(transcript)' --record '\(record)' --download-dir '\(dir)'", in: dir,
                        after: "stty -a > '\(dir)/stty.txt'")
    }

    /// The last JSON Lines record of the autosave, decoded.
    func lastRecord() -> [String: Any]? {
        guard let text = try? String(contentsOfFile: transcript, encoding: .utf8) else { return nil }
        guard let line = text.split(separator: "\n").last else { return nil }
        return (try? JSONSerialization.jsonObject(with: Data(line.utf8))) as? [String: Any]
    }

    /// A turn record's answer: in the record, or (`answerInProgress`) its turn's `progress` texts joined.
    func answer(of last: [String: Any]) -> String {
        let turn = last["turn"] as? [String: Any]
        guard last["answerInProgress"] as? Bool == true, let id = turn?["id"] as? Int else { return turn?["answer"] as? String ?? "" }
        let text = (try? String(contentsOfFile: transcript, encoding: .utf8)) ?? ""
        return text.split(separator: "\n")
            .compactMap { (try? JSONSerialization.jsonObject(with: Data($0.utf8))) as? [String: Any] }
            .filter { $0["kind"] as? String == "progress" && $0["turnID"] as? Int == id }
            .compactMap { $0["text"] as? String }.joined()
    }

    func sttyFlags() -> Set<String> {
        let deadline = Date().addingTimeInterval(5)
        var text = ""
        while text.isEmpty && Date() < deadline {
            text = (try? String(contentsOfFile: dir + "/stty.txt", encoding: .utf8)) ?? ""
            if text.isEmpty { Thread.sleep(forTimeInterval: 0.05) }
        }
        return Set(text.split(whereSeparator: { $0 == " " || $0 == "\n" || $0 == ";" }).map(String.init))
    }

    /// Closing the terminal: tmux hangs up the pane (SIGHUP, then the terminal is gone, so
    /// every later write to it fails). The turn that streamed and `--record` are still saved,
    /// and the program exits 129 instead of crashing on a write to the closed terminal.
    @Test func closingTheTerminalWindowSavesTheTurnAndTheScript() throws {
        let bin = try Binary.require()
        let status = dir + "/status"
        // The shell ignores the hangup, to report the status.
        let cmd = "trap '' HUP; cd '\(dir)' && '\(bin)' demo --pace 4 --transcript '\(transcript)' --record '\(record)'; echo $? > '\(status)'"
        let t = try Tmux(command: cmd, env: ["TERM": "xterm-256color", "LANG": "C.UTF-8"])
        #expect(t.waitFor("Hi, I'm Nova").ok)
        t.type("hello")
        t.keys("Enter")
        #expect(t.waitFor(timeout: 20) { $0.contains("You") && $0.contains("Enter send") }.ok)
        t.type("/slow")
        t.keys("Enter")
        let streaming = t.waitFor(timeout: 20) { s in
            s.contains("Esc stop") && !s.contains("Understanding Query") && !s.contains("Analyzing")
                && s.components(separatedBy: "Nova").count > 3
        }
        #expect(streaming.ok, "\(streaming.screen)")
        sh(["tmux", "-L", t.socket, "kill-pane", "-t", t.name])
        let deadline = Date().addingTimeInterval(15)
        var code = ""
        while code.isEmpty && Date() < deadline {
            code = ((try? String(contentsOfFile: status, encoding: .utf8)) ?? "").trimmingCharacters(in: .whitespacesAndNewlines)
            if code.isEmpty { Thread.sleep(forTimeInterval: 0.05) }
        }
        #expect(code == "129", "exit status \(code)")
        #expect(((try? String(contentsOfFile: record, encoding: .utf8)) ?? "").contains("send: hello"))
        let last = try #require(lastRecord(), "no autosave at \(transcript)")
        #expect((last["turn"] as? [String: Any])?["status"] as? String == "interrupted", "\(last)")
    }

    static let signals: [(name: String, number: Int32)] = [("TERM", SIGTERM), ("HUP", SIGHUP), ("INT", SIGINT)]

    @Test(arguments: [0, 1, 2], [false, true])
    func signalTakesTheOrderlyExit(_ which: Int, _ midTurn: Bool) throws {
        let (name, number) = Self.signals[which]
        let t = try start()
        #expect(t.waitFor("Hi, I'm Nova").ok)
        // One finished turn, so that there is something to record.
        t.type("hello")
        t.keys("Enter")
        let first = t.waitFor(timeout: 20) { $0.contains("You") && $0.contains("Enter send") }
        #expect(first.ok, "\(first.screen)")
        if midTurn {
            t.type("/slow")
            t.keys("Enter")
            // Some text of the slow answer is on screen (the loader is gone), the turn still runs.
            let streaming = t.waitFor(timeout: 20) { s in
                s.contains("Esc stop") && !s.contains("Understanding Query") && !s.contains("Analyzing")
                    && s.components(separatedBy: "Nova").count > 3
            }
            #expect(streaming.ok, "\(streaming.screen)")
        }
        let shell = try #require(t.panePID())
        #expect(sh(["pkill", "-\(name)", "-P", "\(shell)", "robofy-tui"]).status == 0)
        let exited = t.waitFor(timeout: 15) { $0.contains("EXIT=") }
        #expect(exited.ok, "\(exited.screen)")
        // 128 + the signal, as a shell reports a program ended by it; not 132 (SIGILL, a crash).
        #expect(exited.screen.contains("EXIT=\(128 + number)"), "SIG\(name): \(exited.screen)")
        #expect(!exited.screen.contains("Powered by Robofy"), "the alternate screen was not left")
        #expect(sttyFlags().isSuperset(of: ["icanon", "echo", "isig", "icrnl", "opost"]))
        // --record was written at exit (a process killed by the signal would not write it).
        #expect(exited.screen.contains("script saved to \(record)"), "\(exited.screen)")
        let script = (try? String(contentsOfFile: record, encoding: .utf8)) ?? ""
        #expect(script.contains("send: hello"), "\(script)")
        // The autosave ends with the last turn: the one that streamed is kept as interrupted.
        let last = try #require(lastRecord(), "no autosave at \(transcript)")
        let turn = last["turn"] as? [String: Any]
        #expect(last["kind"] as? String == "turn", "\(last)")
        #expect(turn?["userText"] as? String == (midTurn ? "/slow" : "hello"), "\(last)")
        #expect(turn?["status"] as? String == (midTurn ? "interrupted" : "complete"), "\(last)")
        let answer = answer(of: last)
        if midTurn { #expect(answer.count > 0, "the partial answer was not kept") }
    }
}
