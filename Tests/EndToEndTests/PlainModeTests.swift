import Foundation
import Testing
import TestSupport
#if canImport(Glibc)
import Glibc
#endif

/// Line mode (`--plain`) as a user and a script run it: exit statuses, the echoed
/// conversation, messages without keys, a log that cannot be written, and the line
/// editor on a real terminal (tmux).
@Suite(.serialized, .timeLimit(.minutes(3))) struct PlainModeTests {
    let dir: String

    init() throws {
        dir = try scratchDirectory("robofy-plain")
    }

    func bin() throws -> String {
        try Binary.require()
    }

    var env: [String: String] { ["XDG_STATE_HOME": dir + "/state"] }

    @Test func pipedInputIsEchoedBeforeEachAnswer() throws {
        let r = sh([try bin(), "demo", "--plain", "--pace", "0", "--no-autosave"],
                   stdin: "my name is Ada\nwhat is my name?\n", env: env)
        #expect(r.status == 0, "\(r.out)")
        let first = try #require(r.out.range(of: "› my name is Ada\nNova: Nice to meet you, Ada"), "\(r.out)")
        let second = try #require(r.out.range(of: "› what is my name?\nNova: Your name is Ada"), "\(r.out)")
        #expect(first.upperBound < second.lowerBound)
    }

    @Test func exitStatusIsOneWhenTheLastTurnFailed() throws {
        let ok = sh([try bin(), "demo", "--plain", "--pace", "0", "--no-autosave"], stdin: "hello\n", env: env)
        #expect(ok.status == 0, "\(ok.out)")
        let failed = sh([try bin(), "demo", "--plain", "--pace", "0", "--no-autosave", "--fault", "500"],
                        stdin: "hello\n", env: env)
        #expect(failed.status == 1, "\(failed.out)")
        #expect(failed.out.contains("error: The server answered 500"))
    }

    /// Needs the session's verdict (a body without `finish` is interrupted, not complete).
    @Test func aCutOffAnswerIsMarkedAndExitsOne() throws {
        let r = sh([try bin(), "demo", "--plain", "--pace", "0", "--no-autosave", "--fault", "cut=300"],
                   stdin: "hello\n", env: env)
        #expect(r.out.contains("⚠ The answer was cut off"), "\(r.out)")
        #expect(r.status == 1, "\(r.out)")
    }

    @Test func aRefusedHandshakeSaysWhatToDoWithoutKeys() throws {
        let server = try RefusingServer()
        defer { server.stop() }
        let r = sh([try bin(), "chat", "--plain", "--no-autosave", "--base-url", server.url, "--project-id", "p",
                    "--chatbot-id", "c"], stdin: "", env: env)
        #expect(r.status == 1, "\(r.out)")
        #expect(r.out.contains("401"), "\(r.out)")
        #expect(!r.out.contains("Ctrl-R"), "plain mode has no keys: \(r.out)")
        #expect(r.out.contains("run the command again"), "\(r.out)")
    }

    @Test func aLogFileThatCannotBeWrittenIsReportedOnceAndTurnedOff() throws {
        let r = sh([try bin(), "demo", "--plain", "--pace", "0", "--no-autosave", "--log-file", "/dev/full"],
                   stdin: "hello\nhello again\n", env: env)
        #expect(r.status == 0, "\(r.out)")
        #expect(r.out.contains("Nova: Hello!"), "the chat goes on: \(r.out)")
        #expect(r.out.components(separatedBy: "log file /dev/full cannot be written").count == 2, "once: \(r.out)")

        let script = dir + "/hello.yaml"
        try "target: {demo: true}\nturns: [hello]\n".write(toFile: script, atomically: true, encoding: .utf8)
        let run = sh([try bin(), "run", script, "--log-file", "/dev/full"], env: env)
        #expect(run.status == 0, "\(run.out)")
        #expect(run.out.contains("cannot be written"), "\(run.out)")
    }

    @Test func aFailingAutosaveIsPrintedOnceAndTheChatGoesOn() throws {
        let r = sh([try bin(), "demo", "--plain", "--pace", "0", "--transcript", "/dev/full"],
                   stdin: "hello\nhello again\n", env: env)
        #expect(r.status == 0, "\(r.out)")
        #expect(r.out.components(separatedBy: "Autosave stopped").count == 2, "once: \(r.out)")
        #expect(r.out.contains("(turn 2 of this conversation)"), "\(r.out)")
    }

    // MARK: The line editor, in a terminal

    /// A line typed before the prompt (while the handshake is still on its way) is kept:
    /// entering raw mode must not flush type-ahead.
    @Test func aLineTypedBeforeThePromptIsNotLost() throws {
        guard Binary.tmuxAvailable else { throw E2EError("tmux is not installed (apt-get install tmux)") }
        let cmd = "cd '\(dir)' && '\(try bin())' demo --plain --pace 0 --no-autosave --fault latency=2500; echo \"EXIT=$?\""
        let t = try Tmux(command: cmd, env: ["TERM": "xterm-256color", "LANG": "C.UTF-8"])
        t.type("my name is Ada")
        t.keys("Enter")
        #expect(!t.screen().contains("you ›"), "the prompt came before the type-ahead: \(t.screen())")
        #expect(t.waitFor(timeout: 20) { $0.contains("Nice to meet you, Ada") }.ok, "\(t.screen())")
        t.keys("C-d")
        #expect(t.waitUntilExit() == 0)
    }

    @Test func onATerminalThereIsAPromptWithLineEditingAndHistory() throws {
        guard Binary.tmuxAvailable else { throw E2EError("tmux is not installed (apt-get install tmux)") }
        let transcript = dir + "/t.jsonl"
        let cmd = "cd '\(dir)' && '\(try bin())' demo --plain --pace 0 --transcript '\(transcript)'; rc=$?; stty -a > '\(dir)/stty.txt'; echo \"EXIT=$rc\""
        let t = try Tmux(command: cmd, env: ["TERM": "xterm-256color", "LANG": "C.UTF-8"])
        #expect(t.waitFor("you ›").ok, "\(t.screen())")
        // Typo fixed with Left and Backspace, then a character inserted mid-line.
        t.type("my name is Adq")
        t.keys("BSpace")
        t.type("a")
        for _ in 0..<3 { t.keys("Left") }
        t.type("X")
        t.keys("Left")
        t.keys("DC")
        t.keys("End")
        t.type("!")
        let typed = t.waitFor(timeout: 5) { $0.contains("you › my name is Ada!") }
        #expect(typed.ok, "\(typed.screen)")
        t.keys("Enter")
        #expect(t.waitFor(timeout: 20) { $0.contains("Nova: Nice to meet you, Ada") }.ok, "\(t.screen())")
        #expect(t.waitFor(timeout: 5) { $0.components(separatedBy: "you ›").count == 3 }.ok, "a new prompt: \(t.screen())")
        // Up recalls the last line; Ctrl-W removes its last word, Ctrl-A goes home.
        t.keys("Up")
        #expect(t.waitFor(timeout: 5) { $0.components(separatedBy: "you › my name is Ada!").count == 3 }.ok, "\(t.screen())")
        t.keys("C-w")
        t.type("Bob")
        t.keys("C-a")
        t.type("hi, ")
        t.keys("C-e")
        t.type("?")
        #expect(t.waitFor(timeout: 5, "edited") { $0.contains("you › hi, my name is Bob?") }.ok, "\(t.screen())")
        t.keys("Enter")
        #expect(t.waitFor(timeout: 20) { $0.contains("Nova: Nice to meet you, Bob") }.ok, "\(t.screen())")
        // Ctrl-U clears what was typed; Ctrl-D on an empty line leaves.
        t.type("never sent")
        t.keys("C-u")
        t.keys("C-d")
        #expect(t.waitUntilExit(timeout: 30) == 0, "\(t.screen())")
        // What was sent is what the editor showed; arrow keys never leaked as text.
        let sent = ((try? String(contentsOfFile: transcript, encoding: .utf8)) ?? "")
            .split(separator: "\n").compactMap { line -> String? in
                guard let o = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any],
                      o["kind"] as? String == "turn-started" else { return nil }
                return o["userText"] as? String
            }
        #expect(sent == ["my name is Ada!", "hi, my name is Bob?"])
        #expect(!t.screen().contains("^["), "\(t.screen())")
        // The terminal was put back: canonical mode and echo.
        let stty = (try? String(contentsOfFile: dir + "/stty.txt", encoding: .utf8)) ?? ""
        #expect(stty.contains(" icanon") && stty.contains(" echo "), "\(stty)")
    }

    @Test func aSignalWhileEditingPutsTheTerminalBack() throws {
        guard Binary.tmuxAvailable else { throw E2EError("tmux is not installed (apt-get install tmux)") }
        let cmd = "cd '\(dir)' && '\(try bin())' demo --plain --pace 0 --no-autosave; rc=$?; stty -a > '\(dir)/stty2.txt'; echo \"EXIT=$rc\""
        let t = try Tmux(command: cmd, env: ["TERM": "xterm-256color", "LANG": "C.UTF-8", "XDG_STATE_HOME": dir + "/state"])
        #expect(t.waitFor("you ›").ok, "\(t.screen())")
        t.type("half a line")
        #expect(t.waitFor("you › half a line").ok)
        // SIGTERM to robofy-tui itself (the pane's shell waits for it).
        let shell = try #require(t.panePID())
        let child = try #require(Int32(sh(["pgrep", "-P", "\(shell)"]).out.split(separator: "\n").first ?? ""))
        kill(child, SIGTERM)
        #expect(t.waitUntilExit() == 128 + Int(SIGTERM), "\(t.screen())")
        let stty = (try? String(contentsOfFile: dir + "/stty2.txt", encoding: .utf8)) ?? ""
        #expect(stty.contains(" icanon") && stty.contains(" echo "), "\(stty)")
    }
}

/// A loopback HTTP server that answers every request 401 (a refused handshake).
final class RefusingServer: @unchecked Sendable {
    let fd: Int32
    let port: Int
    private let thread: Thread

    var url: String { "http://127.0.0.1:\(port)" }

    init() throws {
        guard let (sock, bound) = boundLoopbackSocket(), listen(sock, 8) == 0 else { throw E2EError("bind/listen failed") }
        fd = sock
        port = bound
        thread = Thread {
            while true {
                let c = accept(sock, nil, nil)
                if c < 0 { return }
                refuse(c)
            }
        }
        thread.start()
    }

}

/// Reads one request and answers it 401.
private func refuse(_ c: Int32) {
    do {
        var request = [UInt8]()
        var chunk = [UInt8](repeating: 0, count: 4096)
        // Read the head and the body (Content-Length) before answering.
        while request.count < 1 << 20 {
            let n = read(c, &chunk, chunk.count)
            if n <= 0 { break }
            request += chunk[0..<n]
            let text = String(decoding: request, as: UTF8.self)
            guard let head = text.range(of: "\r\n\r\n") else { continue }
            let length = text[..<head.lowerBound].split(separator: "\r\n")
                .first { $0.lowercased().hasPrefix("content-length:") }
                .flatMap { Int($0.split(separator: ":")[1].trimmingCharacters(in: .whitespaces)) } ?? 0
            if text.utf8.distance(from: head.upperBound, to: text.endIndex) >= length { break }
        }
        let body = #"{"message":"Unauthorized","error":{"code":"UNAUTHORIZED"}}"#
        let response = "HTTP/1.1 401 Unauthorized\r\nContent-Type: application/json\r\nContent-Length: \(body.utf8.count)\r\nConnection: close\r\n\r\n\(body)"
        _ = response.withCString { write(c, $0, strlen($0)) }
        close(c)
    }
}

extension RefusingServer {
    func stop() {
        shutdown(fd, Int32(SHUT_RDWR))
        close(fd)
    }
}
