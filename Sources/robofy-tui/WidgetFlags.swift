import ArgumentParser
import DemoServer
import Foundation
import WidgetUI

/// The widget's extras on the command line: where leads and ratings go (Robofy documents
/// no endpoint for either), and the auto-close emulation.
struct WidgetFlags: ParsableArguments {
    @Option(name: .long, help: ArgumentHelp(
        "POST lead-form submissions to this path (undocumented by Robofy: off by default; demo: \(DemoServer.demoLeadsPath)).",
        valueName: "path"))
    var leadEndpoint: String?

    @Option(name: .long, help: ArgumentHelp(
        "POST answer ratings to this path (undocumented by Robofy: off by default; demo: \(DemoServer.demoRatingsPath)).",
        valueName: "path"))
    var ratingEndpoint: String?

    @Flag(name: .long, help: "Do not emulate behaviour.close_after_time (the widget closing after inactivity).")
    var noAutoClose = false

    func validate() throws {
        for (flag, v) in [("--lead-endpoint", leadEndpoint), ("--rating-endpoint", ratingEndpoint)] {
            if let v, !v.isEmpty, !v.hasPrefix("/") {
                throw ValidationError("\(flag) takes a path on the API base URL starting with /, e.g. /v1/leads (got \"\(v)\").")
            }
        }
    }

    /// Sets the state's extras; `demo`: the demo server's own endpoints are the defaults.
    func apply(_ s: inout AppState, demo: Bool) {
        func path(_ v: String?, demoDefault: String) -> String? {
            if let v { return v.isEmpty ? nil : v }
            return demo ? demoDefault : nil
        }
        s.extras.leadEndpoint = path(leadEndpoint, demoDefault: DemoServer.demoLeadsPath)
        s.extras.ratingEndpoint = path(ratingEndpoint, demoDefault: DemoServer.demoRatingsPath)
        s.extras.autoClose = !noAutoClose
    }
}
