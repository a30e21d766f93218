import Foundation
import Testing
import TestSupport

/// The benchmark itself keeps working: every figure is measured and written, the
/// end-to-end run gets the whole answer. (Run on the debug build, so its figures mean
/// nothing here; nothing about speed is asserted.)
@Suite(.timeLimit(.minutes(5))) struct BenchSmokeTests {
    @Test func everyFigureIsMeasuredAndWritten() throws {
        let tui = try Binary.require()
        let bench = try Binary.sibling("robofy-bench")
        let json = NSTemporaryDirectory() + "robofy-bench-smoke-\(UUID().uuidString).json"
        defer { unlink(json) }
        let r = sh([bench, "decode", "render", "e2e", "idle", "startup", "memory", "--quick", "--tui", tui, "--json", json])
        #expect(r.status == 0, "\(r.out.suffix(2000))")
        #expect(!r.out.contains("FAILED"), "\(r.out.suffix(2000))")
        let data = try #require(FileManager.default.contents(atPath: json))
        let root = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        let figures = try #require(root["figures"] as? [[String: Any]])
        #expect(root["environment"] is [String: Any])
        func key(_ f: [String: Any]) -> String { f["key"] as? String ?? "?" }
        func detail(_ k: String, _ name: String) -> Int {
            let f = figures.first { key($0) == k }
            return Int((f?["detail"] as? [String: Any])?[name] as? String ?? "") ?? 0
        }
        let keys = Set(figures.map(key))
        let expected = ["decode.4k", "decode.1b", "decode.4k_runs", "render.cold.10", "render.cold.10000", "render.warm.10000",
                        "render.loader", "render.streaming", "render.paced_frame", "render.paced_frame_cold", "render.layout_throughput", "e2e.ui_cpu", "e2e.curl_cpu",
                        "e2e.ui_wall", "e2e.curl_wall", "e2e.bytes", "idle.quiet", "idle.loader", "startup", "memory.ui"]
        for k in expected { #expect(keys.contains(k), "missing figure \(k); got \(keys.sorted())") }
        #expect(figures.contains { $0["target"] is String }, "the targets are in the results")
        for f in figures {
            let value = f["value"] as? Double ?? -1
            #expect(value.isFinite && value >= 0, "\(key(f)) = \(value)")
            #expect(!(f["command"] as? String ?? "").isEmpty, "\(key(f)) says how to measure it again")
            #expect((f["target"] is String) == (f["pass"] is Bool), "\(key(f)): a target comes with pass or miss")
        }
        // The end-to-end run saw the whole 1 MiB answer, and curl read a real stream.
        #expect(detail("e2e.ui_cpu", "transcript_bytes") >= 1_048_576)
        #expect(detail("e2e.curl_cpu", "downloaded_bytes") > 1_048_576)
        #expect((figures.first { key($0) == "memory.ui" }?["value"] as? Double ?? 0) > 1)
        // The table on stdout names the figures too.
        #expect(r.out.contains("| Figure"))
        #expect(r.out.contains("E2E: UI CPU"))
    }
}

/// The search figure (Ctrl-F over 10,000 messages) is measured and written; nothing about speed is asserted.
@Suite(.timeLimit(.minutes(5))) struct SearchBenchSmokeTests {
    @Test func searchFiguresAreMeasuredAndWritten() throws {
        let bench = try Binary.sibling("robofy-bench")
        let json = NSTemporaryDirectory() + "robofy-bench-search-\(UUID().uuidString).json"
        defer { unlink(json) }
        let r = sh([bench, "search", "--quick", "--json", json])
        #expect(r.status == 0, "\(r.out.suffix(2000))")
        let data = try #require(FileManager.default.contents(atPath: json))
        let root = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        let figures = try #require(root["figures"] as? [[String: Any]])
        for k in ["search.keystroke", "search.next"] {
            let f = try #require(figures.first { $0["key"] as? String == k }, "missing \(k)")
            #expect((f["value"] as? Double ?? -1) > 0, "\(k)")
            #expect((f["detail"] as? [String: Any])?["messages"] as? String == "10000", "\(k)")
        }
        let next = figures.first { $0["key"] as? String == "search.next" }
        #expect(Int((next?["detail"] as? [String: Any])?["matches"] as? String ?? "") ?? 0 > 1000, "n moved among many matches")
    }
}

/// The paced figure and its floors (what AsyncHTTPClient, robofy-tui's read path, ncurses and the
/// frames' wakes cost alone for the same answer, each in a child process) are measured and
/// written; nothing about speed is asserted.
@Suite(.timeLimit(.minutes(5))) struct PacedBenchSmokeTests {
    @Test func pacedFiguresAndTheirFloorsAreMeasuredAndWritten() throws {
        let tui = try Binary.require()
        let bench = try Binary.sibling("robofy-bench")
        let json = NSTemporaryDirectory() + "robofy-bench-paced-\(UUID().uuidString).json"
        defer { unlink(json) }
        let r = sh([bench, "paced", "--quick", "--tui", tui, "--json", json])
        #expect(r.status == 0, "\(r.out.suffix(2000))")
        #expect(!r.out.contains("FAILED"), "\(r.out.suffix(2000))")
        let data = try #require(FileManager.default.contents(atPath: json))
        let root = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        let figures = try #require(root["figures"] as? [[String: Any]])
        func figure(_ k: String) -> [String: Any]? { figures.first { $0["key"] as? String == k } }
        for k in ["paced.ui_cpu", "paced.curl_cpu", "paced.floor_ahc", "paced.floor_client", "paced.floor_frames",
                  "paced.floor_canvases", "paced.floor_ticks", "paced.ui_wakes", "paced.curl_wakes",
                  "paced.wake_cost_own", "paced.wake_cost_handoff"] {
            let f = try #require(figure(k), "missing \(k); got \(figures.map { $0["key"] as? String ?? "?" })")
            let v = f["value"] as? Double ?? -1
            #expect(v.isFinite && v > 0, "\(k) = \(v)")
        }
        // Each floor is set beside curl's figure and the UI's.
        let detail = figure("paced.floor_frames")?["detail"] as? [String: Any]
        #expect(Double(detail?["times_curl"] as? String ?? "") != nil)
        #expect(Double(detail?["share_of_ui"] as? String ?? "") != nil)
        // The UI drew frames (the frames floors draw as many).
        #expect((figure("paced.frames")?["value"] as? Double ?? 0) >= 1)
        #expect(r.out.contains("Paced floor: AsyncHTTPClient alone"))
        // The wakes: every frame took one at least; curl was woken for its reads of 200 paced
        // deltas; the UI's are given by thread, and those add up to the figure.
        let uiWakes = figure("paced.ui_wakes")?["value"] as? Double ?? 0
        #expect(uiWakes >= figure("paced.frames")?["value"] as? Double ?? .infinity)
        #expect((figure("paced.curl_wakes")?["value"] as? Double ?? 0) >= 100)
        let byThread = (figure("paced.ui_wakes")?["detail"] as? [String: Any])?["by_thread"] as? String ?? ""
        let counts = byThread.split(separator: ",").compactMap { Int($0.split(separator: " ").last ?? "") }
        #expect(!counts.isEmpty && Double(counts.reduce(0, +)) == uiWakes, "\(byThread) for \(uiWakes)")
        // Per delta: the same answer twice as long, for the UI, curl and AsyncHTTPClient alone
        // (differences of medians: finite, not necessarily positive in one quick run), each
        // with the runs it came from; the UI's and the client's set beside curl's.
        for k in ["paced.per_delta_curl", "paced.per_delta_ahc", "paced.per_delta_ui"] {
            let f = try #require(figure(k), "missing \(k)")
            #expect((f["value"] as? Double)?.isFinite == true, "\(k)")
            let runs = ((f["detail"] as? [String: Any])?["runs_x2"] as? String ?? "").split(separator: ",")
            #expect(!runs.isEmpty && runs.allSatisfy { (Double($0) ?? 0) > 0 }, "\(k): \(runs)")
        }
        let perUI = figure("paced.per_delta_ui")?["detail"] as? [String: Any]
        #expect(Double(perUI?["times_curl"] as? String ?? "") != nil)
        // The UI drew the longer answer too (about twice the frames).
        let framesX2 = (perUI?["frames_x2"] as? String ?? "").split(separator: ",").compactMap { Int($0) }
        #expect(!framesX2.isEmpty && framesX2.allSatisfy { $0 > Int(figure("paced.frames")?["value"] as? Double ?? 0) })
    }
}
