import ArgumentParser
import Foundation
import Logging
import RobofyAPI

// MARK: - robofy-tui leads / inbox: what the server recorded (account API key)

/// Options shared by `leads` and `inbox`. The API key itself is never an option: it is
/// read from ROBOFY_API_KEY only.
struct AccountOptions: ParsableArguments {
    @Option(name: .long, help: "Robofy API base URL (env ROBOFY_BASE_URL; default \(RobofyTarget.defaultBaseURL)).")
    var baseURL: String?

    @Option(name: .long, help: ArgumentHelp(
        "Header that carries the API key from ROBOFY_API_KEY (env ROBOFY_API_KEY_HEADER; default Authorization, sent as \"Bearer <key>\"; any other header carries the bare key). Unverified: Robofy does not document it.",
        valueName: "name"))
    var apiKeyHeader: String?

    @Flag(name: .long, help: "Print JSON (the rows as the server sent them) instead of a table.")
    var json = false

    @Option(name: .long, help: "Stop after this many rows (pages are followed with nextPageToken until then).")
    var limit: Int = 1000

    @OptionGroup var log: LogFileOption

    func validate() throws {
        if limit < 1 { throw ValidationError("--limit must be at least 1.") }
    }

    /// The client, or a message on stderr and exit status 2 (no key, a bad header name or base URL).
    func client() throws -> AccountClient {
        let env = ProcessInfo.processInfo.environment
        do {
            let key = try AccountAPIKey.fromEnvironment(env)
            var logger = Logger(label: "robofy.account", factory: { _ in SwiftLogNoOpLogHandler() })
            if let logFile = log.logFile {
                do { logger = try FileLogHandler.logger(path: logFile, label: "robofy.account").0 } catch {
                    stderr("robofy-tui: \(error)\n")
                    throw ExitCode(2)
                }
            }
            let header = apiKeyHeader ?? env[AccountAPIKey.headerEnvironmentVariable] ?? AccountAPIKey.defaultHeader
            return try AccountClient(baseURL: baseURL ?? env["ROBOFY_BASE_URL"] ?? RobofyTarget.defaultBaseURL,
                                     key: key, headerName: header, timeouts: RobofyTimeouts(response: 30),
                                     logger: logger)
        } catch let e as AccountError {
            stderr("robofy-tui: \(e.userMessage)\n")
            throw ExitCode(2)
        }
    }

    /// Runs one listing with a fresh client and prints it; a failure is one clear line and exit status 1.
    func show(_ kind: AccountListingKind, context: [String: String?],
              _ fetch: (AccountClient) async throws(AccountError) -> AccountListing) async throws {
        let client = try client()
        let listing: AccountListing
        do {
            listing = try await fetch(client)
        } catch {
            await client.shutdown()
            stderr("robofy-tui: \(error.userMessage)\n")
            throw ExitCode(1)
        }
        await client.shutdown()
        if json {
            out(AccountOutput.json(listing, kind: kind, context: context) + "\n")
        } else {
            let width = isatty(STDOUT_FILENO) == 1 ? AccountOutput.terminalWidth() : nil
            out(AccountOutput.table(listing, kind: kind, width: width))
        }
        if let why = listing.stoppedEarly {
            stderr("robofy-tui: showing the first \(listing.rows.count) \(kind.noun(listing.rows.count)): \(why). "
                   + "Raise --limit to see more.\n")
        }
    }

    func out(_ s: String) {
        FileHandle.standardOutput.write(Data(s.utf8))
    }
}

/// The ids a command needs, from a flag or the environment, or a usage error naming both.
func requiredID(_ flag: String?, env name: String, option: String) throws -> String {
    let value = (flag ?? ProcessInfo.processInfo.environment[name])?.trimmingCharacters(in: .whitespaces) ?? ""
    guard !value.isEmpty else { throw ValidationError("Give \(option) (or set \(name)).") }
    return value
}

struct Leads: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "List the leads the server captured for an agent (needs ROBOFY_API_KEY).",
        discussion: """
          ROBOFY_API_KEY=… robofy-tui leads --project-id P --chatbot-id C
          ROBOFY_API_KEY=… robofy-tui leads --project-id P --chatbot-id C --session S --json
        The API key is read from the environment only.
        """)

    @Option(name: .long, help: "Project id (env ROBOFY_PROJECT_ID).")
    var projectId: String?

    @Option(name: .long, help: "Agent (chatbot) id (env ROBOFY_CHATBOT_ID).")
    var chatbotId: String?

    @Option(name: .long, help: "Only the leads of this session.")
    var session: String?

    @OptionGroup var options: AccountOptions

    func run() async throws {
        let project = try requiredID(projectId, env: "ROBOFY_PROJECT_ID", option: "--project-id")
        let chatbot = try requiredID(chatbotId, env: "ROBOFY_CHATBOT_ID", option: "--chatbot-id")
        let limit = options.limit
        let session = session
        try await options.show(.leads, context: ["project_id": project, "chatbot_id": chatbot, "session_id": session]) {
            (client: AccountClient) async throws(AccountError) -> AccountListing in
            try await client.leads(projectID: project, chatbotID: chatbot, sessionID: session, limit: limit)
        }
    }
}

struct Inbox: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "List an agent's recorded sessions, or one session's messages (needs ROBOFY_API_KEY).",
        discussion: """
          ROBOFY_API_KEY=… robofy-tui inbox --chatbot-id C               # the sessions
          ROBOFY_API_KEY=… robofy-tui inbox --chatbot-id C --session S   # its messages
        The API key is read from the environment only.
        """)

    @Option(name: .long, help: "Agent (chatbot) id (env ROBOFY_CHATBOT_ID).")
    var chatbotId: String?

    @Option(name: .long, help: "Show this session's messages instead of the list of sessions.")
    var session: String?

    @OptionGroup var options: AccountOptions

    func run() async throws {
        let chatbot = try requiredID(chatbotId, env: "ROBOFY_CHATBOT_ID", option: "--chatbot-id")
        let limit = options.limit
        if let session, !session.isEmpty {
            try await options.show(.messages, context: ["chatbot_id": chatbot, "session_id": session]) {
                (client: AccountClient) async throws(AccountError) -> AccountListing in
                try await client.messages(chatbotID: chatbot, sessionID: session, limit: limit)
            }
        } else {
            try await options.show(.sessions, context: ["chatbot_id": chatbot]) {
                (client: AccountClient) async throws(AccountError) -> AccountListing in
                try await client.sessions(chatbotID: chatbot, limit: limit)
            }
        }
    }
}
