import Foundation
import Testing
import TestSupport
#if canImport(Glibc)
import Glibc
#endif

/// The QA features as a tester uses them: the real binary, real files, real signals.
/// Everything is polled with a deadline; nothing sleeps to synchronise.
@Suite(.serialized, .timeLimit(.minutes(3))) struct QAEndToEndTests: ScratchSuite {
    let dir: String

    init() throws {
        dir = try Self.makeScratch("robofy-qa-e2e")
    }

    func read(_ path: String) -> String { readFile(path) }

    func jsonl(_ path: String) -> [[String: Any]]? { jsonlFile(path) }

    var env: [String: String] { ["XDG_STATE_HOME": dir + "/state", "LANG": "C.UTF-8"] }

    // MARK: Autosave

    @Test func autosaveSurvivesSIGKILLInTheMiddleOfAStreamedAnswer() async throws {
        let bin = try binary()
        let transcript = dir + "/t.jsonl"
        let output = dir + "/out.txt"
        let env = env
        // 500 ms between streamed pieces: an answer takes several seconds to arrive.
        let outcome = await offPool { () -> KillRun in
            var r = KillRun()
            let child: Child
            do {
                child = try Child(args: [bin, "demo", "--plain", "--chatbot-id", "demo-atlas", "--pace", "500",
                                         "--transcript", transcript], output: output, env: env)
            } catch {
                r.problem = "\(error)"
                return r
            }
            defer { child.kill() }
            child.send("Weather in Paris?\n")
            r.finished = waitUntil(timeout: 30) { readFile(transcript).contains(#""kind":"turn""#) }
            guard r.finished else { return r }
            child.send("Weather in Tokyo?\n")
            // Streaming is under way (and on screen) once its progress reaches the file.
            r.streaming = waitUntil(timeout: 30) {
                (jsonlFile(transcript) ?? []).contains { $0["kind"] as? String == "progress" && $0["turnID"] as? Int == 2 }
            }
            r.signal = child.kill()
            return r
        }
        #expect(outcome.problem == nil, "\(outcome.problem ?? "")")
        #expect(outcome.finished, "the first turn never reached the file:\n\(read(output))")
        #expect(outcome.streaming, "no progress for the second answer:\n\(read(transcript))")
        #expect(outcome.signal == SIGKILL)

        let text = read(transcript)
        #expect(text.hasSuffix("\n"), "the last line is torn")
        let records = try #require(jsonl(transcript), "not valid JSON Lines:\n\(text)")
        #expect(records.first?["kind"] as? String == "start")
        let turns = records.filter { $0["kind"] as? String == "turn" }
        #expect(turns.count == 1, "only the finished turn has a turn record")
        let turn = try #require(turns.first?["turn"] as? [String: Any])
        #expect(turn["status"] as? String == "complete")
        #expect(turn["userText"] as? String == "Weather in Paris?")
        // The answer is in the turn record, or (answerInProgress) in the turn's progress records, in order.
        let firstAnswer = turns.first?["answerInProgress"] as? Bool == true
            ? records.filter { $0["kind"] as? String == "progress" && $0["turnID"] as? Int == 1 }
                .compactMap { $0["text"] as? String }.joined()
            : turn["answer"] as? String
        #expect(firstAnswer?.contains("Paris") == true, "\(text)")
        #expect((turn["tools"] as? [[String: Any]])?.first?["name"] as? String == "get_weather")
        #expect(turns.first?["sessionID"] is String)
        #expect(records.contains { $0["kind"] as? String == "turn-started" && $0["userText"] as? String == "Weather in Tokyo?" })
        let partial = records.filter { $0["kind"] as? String == "progress" && $0["turnID"] as? Int == 2 }
            .compactMap { $0["text"] as? String }.joined()
        #expect(!partial.isEmpty)
        #expect("It's currently 24 °C and sunny in Tokyo.".hasPrefix(partial.prefix(20)), "\(partial)")
        #expect(!text.contains("eyJ"), "a token reached the transcript")

        // The transcript command renders what was saved, the unfinished turn included.
        let md = await shOff([bin, "transcript", transcript, "--markdown"], env: env)
        #expect(md.status == 0, "\(md.out)")
        #expect(md.out.contains("**You:** Weather in Paris?"))
        #expect(md.out.contains("> tool `get_weather` done"))
        #expect(md.out.contains("**You:** Weather in Tokyo?"))
        #expect(md.out.contains("**Atlas:** It's"))
        #expect(md.out.contains("_(unfinished: the program ended before this answer was complete)_"))
        let summary = await shOff([bin, "transcript", transcript], env: env)
        #expect(summary.status == 0)
        #expect(summary.out.contains("2 turns (1 complete, 1 unfinished)"), "\(summary.out)")
    }

    @Test func autosaveGoesToTheXDGStateDirectoryByDefault() async throws {
        let bin = try binary()
        let r = await shOff([bin, "demo", "--plain", "--pace", "0"], stdin: "hello\n", env: env)
        #expect(r.status == 0, "\(r.out)")
        let folder = dir + "/state/robofy-tui/transcripts"
        let files = (try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? []
        #expect(files.count == 1)
        let file = try #require(files.first)
        #expect(file.hasSuffix("-demo-nova.jsonl"))
        #expect(r.out.contains("robofy-tui: autosaving the transcript to \(folder)/\(file)"))
        #expect(jsonl(folder + "/" + file)?.contains { $0["kind"] as? String == "turn" } == true)
        let none = await shOff([bin, "demo", "--plain", "--pace", "0", "--no-autosave"], stdin: "hello\n", env: env)
        #expect(none.status == 0)
        #expect(!none.out.contains("autosaving"))
        #expect(((try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? []).count == 1)
        let listed = await shOff([bin, "transcript"], env: env)
        #expect(listed.out.contains(file))
    }

    // MARK: Scripts

    @Test func aPassingScriptExitsZeroAndWritesJUnit() async throws {
        let bin = try binary()
        let script = try write("weather.yaml", """
            # Atlas calls a tool before it answers.
            target: {demo: true}
            agent: demo-atlas
            turns:
              - send: Weather in Paris?
                expect:
                  contains: Paris
                  matches: '\\d+ °C'
                  tool_called: get_weather
                  finish_reason: stop
                  max_seconds: 20
              - send: hello
                agent: demo-nova
                expect: {contains: "Nova", not_contains: "Paris"}
            """)
        let junit = dir + "/pass.xml"
        let r = await shOff([bin, "run", script, "--junit", junit], env: env)
        #expect(r.status == 0, "\(r.out)")
        #expect(r.out.contains("✓ turn 1: Weather in Paris?"))
        #expect(r.out.contains("tools: get_weather"))
        #expect(r.out.contains("✓ turn 2: hello"))
        #expect(r.out.contains("All 2 turns passed"))
        let xml = read(junit)
        #expect(xml.hasPrefix("<?xml version=\"1.0\" encoding=\"UTF-8\"?>"))
        #expect(xml.contains("<testsuite name=\"weather\" tests=\"2\" failures=\"0\" errors=\"0\""))
        #expect(xml.contains("<testcase name=\"turn 1: Weather in Paris?\" classname=\"weather\""))
        #expect(!xml.contains("<failure"))
    }

    @Test func aFailingScriptWithAFaultKnobExitsOneAndSaysWhy() async throws {
        let bin = try binary()
        // Every request waits 1.5 s: the max_seconds expectation fails, the other one passes.
        let script = try write("slow.json", """
            {"target": {"demo": true}, "agent": "demo-atlas", "fault": "latency=1500",
             "turns": [
               {"send": "Weather in Tokyo?", "expect": {"contains": "Tokyo", "max_seconds": 1}},
               {"send": "Weather in Tokyo?", "expect": {"contains": ["Tokyo"], "tool_called": "get_weather"}}
             ]}
            """)
        let junit = dir + "/fail.xml"
        let r = await shOff([bin, "run", script, "--junit", junit], env: env)
        #expect(r.status == 1, "\(r.out)")
        #expect(r.out.contains("against the demo server (fault latency=1500)"))
        #expect(r.out.contains("✗ turn 1: Weather in Tokyo?"))
        // (How long it took past 1.5 s is not asserted: a loaded machine adds to it.)
        #expect(r.out.contains("✗ max_seconds 1: the turn took "), "\(r.out)")
        #expect(r.out.contains("✓ turn 2: Weather in Tokyo?"))
        #expect(r.out.contains("1 of 2 turns failed"))
        let xml = read(junit)
        #expect(xml.contains("<testsuite name=\"slow\" tests=\"2\" failures=\"1\" errors=\"0\""))
        #expect(xml.contains("<failure message=\"max_seconds 1: the turn took "))
        #expect(xml.contains("type=\"expectation\""))
        #expect(xml.components(separatedBy: "<failure").count == 2)

        // A server error: the turn fails, with the status in the reason.
        let broken = try write("five-hundred.yaml", """
            target: {demo: true}
            fault: "500"
            turns:
              - send: hello
                expect: {contains: Nova}
            """)
        let r2 = await shOff([bin, "run", broken, "--junit", junit], env: env)
        #expect(r2.status == 1)
        #expect(r2.out.contains("✗ status: expected complete, got failed (The server answered 500"))
        #expect(read(junit).contains("failures=\"1\""))
    }

    @Test func aBrokenScriptExitsTwoAndNamesTheProblem() async throws {
        let bin = try binary()
        let script = try write("typo.yaml", "target: {demo: true}\nturns:\n  - send: hi\n    expect: {contians: x}\n")
        let junit = dir + "/broken.xml"
        let r = await shOff([bin, "run", script, "--junit", junit], env: env)
        #expect(r.status == 2)
        #expect(r.out.contains("typo.yaml: turns[1].expect: unknown key 'contians' (did you mean 'contains'?)"))
        #expect(read(junit).contains("<error message=\"turns[1].expect: unknown key"))
        let missing = await shOff([bin, "run", dir + "/nope.yaml"], env: env)
        #expect(missing.status == 2)
        #expect(missing.out.contains("Cannot read the script"))
        let badFault = try write("fault.yaml", "target: {demo: true}\nfault: latency=soon\nturns: [hi]\n")
        let f = await shOff([bin, "run", badFault], env: env)
        #expect(f.status == 2)
        #expect(f.out.contains("fault: Invalid fault 'latency=soon'"))
    }

    // MARK: Record to script

    @Test func recordedConversationRunsAgainAsAScript() async throws {
        let bin = try binary()
        let recorded = dir + "/recorded.yaml"
        let chat = await shOff([bin, "demo", "--plain", "--pace", "0", "--chatbot-id", "demo-atlas", "--no-autosave",
                       "--record", recorded], stdin: "Weather in Berlin?\n/agent 1\nWhat's on sale today?\n", env: env)
        #expect(chat.status == 0, "\(chat.out)")
        #expect(chat.out.contains("script saved to \(recorded)"))
        let text = read(recorded)
        #expect(text.hasPrefix("# Recorded by robofy-tui"))
        #expect(text.contains("target:\n  demo: true"))
        #expect(text.contains("agent: demo-atlas"))
        #expect(text.contains("- send: Weather in Berlin?"))
        #expect(text.contains("contains: It's currently 16 °C and overcast in Berlin."))
        #expect(text.contains("tool_called: get_weather"))
        #expect(text.contains("agent: demo-nova"))
        #expect(!text.contains("eyJ"))

        let junit = dir + "/recorded.xml"
        let run = await shOff([bin, "run", recorded, "--junit", junit], env: env)
        #expect(run.status == 0, "\(run.out)\n\(text)")
        #expect(run.out.contains("All 2 turns passed"))
        #expect(read(junit).contains("tests=\"2\" failures=\"0\""))
    }

    // MARK: The full-screen UI

    @Test func inspectorAndRecordKeyInTheTerminalUI() async throws {
        guard Binary.tmuxAvailable else { throw E2EError("tmux is not installed (apt-get install tmux)") }
        let bin = try binary()
        let transcript = dir + "/ui.jsonl"
        let log = dir + "/ui.log"
        let cmd = "cd '\(dir)' && '\(bin)' demo --pace 2 --chatbot-id demo-atlas --download-dir '\(dir)' "
            + "--transcript '\(transcript)' --log-file '\(log)'; echo \"EXIT=$?\""
        let t = try Tmux(command: cmd, width: 100, height: 32,
                         env: ["TERM": "xterm-256color", "LANG": "C.UTF-8", "XDG_STATE_HOME": dir + "/state"])
        let tmux = UncheckedBox(t)
        let started = await offPool { tmux.value.waitFor("Autosaving to \(transcript)") }
        #expect(started.ok, "no autosave notice:\n\(started.screen)")
        t.type("Weather in Paris?")
        t.keys("Enter")
        let answered = await offPool { tmux.value.waitFor(timeout: 20) { $0.contains("Used get_weather") && $0.contains("A light jacket") } }
        #expect(answered.ok, "\(answered.screen)")

        t.keys("F8")
        // The inspector is drawn in one refresh, but a capture can land between two: wait for the whole turn.
        let inspector = await offPool {
            tmux.value.waitFor(timeout: 10) {
                $0.contains("Inspector") && $0.contains("── Turn 1 · Atlas") && $0.contains("Timing    first byte")
                    && $0.contains(#"{"type":"tool-input-start""#)
            }
        }
        #expect(inspector.ok, "\(inspector.screen)")
        let s = inspector.screen
        #expect(s.contains("Request   POST http://127.0.0.1:"))
        #expect(s.contains("Authorization: Bearer [redacted]"))
        #expect(s.contains("Response  HTTP 200 · event stream"))
        #expect(s.contains("Timing    first byte"))
        #expect(s.contains("chars/s"))
        #expect(s.contains("tools: get_weather"))
        #expect(s.contains(#"{"type":"tool-input-start""#))
        #expect(!s.contains("eyJ"))
        t.keys("Home")
        let top = await offPool { tmux.value.waitFor("── Handshake (token redacted)") }
        #expect(top.ok)
        #expect(top.screen.contains("Transcript autosave: \(transcript)"))
        t.keys("Escape")
        #expect(await offPool { tmux.value.waitFor(timeout: 10) { !$0.contains("Inspector") && $0.contains("Powered by") }.ok })

        t.keys("F9")
        let saved = await offPool { tmux.value.waitFor(timeout: 10) { $0.contains("Script saved to") } }
        #expect(saved.ok, "\(saved.screen)")
        t.keys("C-q")
        #expect(await offPool { tmux.value.waitUntilExit() } == 0)

        let scripts = ((try? FileManager.default.contentsOfDirectory(atPath: dir)) ?? []).filter { $0.hasPrefix("robofy-script-") }
        let script = try #require(scripts.first, "no script in \(dir)")
        #expect(script.hasSuffix(".yaml"))
        let run = await shOff([bin, "run", dir + "/" + script], env: env)
        #expect(run.status == 0, "\(run.out)\n\(read(dir + "/" + script))")

        #expect(jsonl(transcript)?.filter { $0["kind"] as? String == "turn" }.count == 1)
        let logText = read(log)
        #expect(logText.range(of: #"event turn=1 \+\d+\.\d{3}s \{"type":"start""#, options: .regularExpression) != nil)
        #expect(logText.contains("Authorization: Bearer [redacted]"))
        #expect(!logText.contains("eyJ"))
    }

}

/// What the SIGKILL test saw before it read the file.
struct KillRun: Sendable {
    var problem: String?
    var finished = false
    var streaming = false
    var signal: Int32 = -1
}
