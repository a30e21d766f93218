import Foundation
import Hummingbird
import Logging

/// Routes every request itself (no Router), so that every answer, including 404
/// and 405, carries the protocol's error envelope.
struct DemoResponder: HTTPResponder {
    typealias Context = DemoRequestContext
    let core: DemoCore

    func respond(to request: Request, context: Context) async throws -> Response {
        await core.handle(request, context: context)
    }
}

struct DemoCore: Sendable {
    let state: DemoState
    let options: DemoServerOptions
    let agents: [DemoAgent]
    let logger: Logger
    let account: DemoAccountStore
    let avatarRequests: DemoAvatarCounter

    static let maxBodyBytes = 1024 * 1024
    static let faultHeader = "x-robofy-demo-fault"
    static let handshakePath = "/v1/widget/handshake"
    static let chatPath = "/v1/ai-agent/chat"
    static let streamPath = "/v1/ai-agent/chat/stream"

    init(options: DemoServerOptions, logger: Logger, avatarRequests: DemoAvatarCounter = DemoAvatarCounter()) {
        self.avatarRequests = avatarRequests
        self.options = options
        self.logger = logger
        self.state = DemoState(tokenLifetimeSeconds: options.tokenLifetimeSeconds, opaqueTokens: options.opaqueTokens)
        self.agents = DemoCatalog.agents(hostile: options.hostile) + DemoOverride.aliases(options.handshakeOverride)
        self.account = DemoAccountStore(pageSize: options.accountPageSize)
    }

    private enum Route {
        case info, handshake, chat, stream
        var allowed: [HTTPRequest.Method] {
            switch self {
            case .info: [.get, .head]
            default: [.post]
            }
        }
    }

    func handle(_ request: Request, context: DemoRequestContext) async -> Response {
        let response = await route(request, context: context)
        logger.debug(
            "demo request",
            metadata: [
                "method": .string(request.method.rawValue),
                "path": .string(request.uri.path),
                "status": .stringConvertible(response.status.code),
            ])
        return response
    }

    private func route(_ request: Request, context: DemoRequestContext) async -> Response {
        var path = request.uri.path
        while path.count > 1, path.hasSuffix("/") { path.removeLast() }
        if let answer = await accountRoute(request, path: path) { return answer }
        if request.method == .get, let png = DemoAvatars.png(atPath: path) {
            avatarRequests.add()
            return DemoAvatars.response(png)
        }
        let route: Route? =
            switch path {
            case "/": .info
            case Self.handshakePath: .handshake
            case Self.chatPath: .chat
            case Self.streamPath: .stream
            default: nil
            }

        // Per-request faults (header), merged over the server-wide ones.
        var headerFaults: DemoFaults?
        let headerSpecs = request.headers.filter { $0.name.canonicalName == Self.faultHeader }.map(\.value)
        if !headerSpecs.isEmpty {
            do {
                headerFaults = try DemoFaults(spec: headerSpecs.joined(separator: ","))
            } catch {
                return Self.envelope(.badRequest, code: "BAD_REQUEST", detail: "X-Robofy-Demo-Fault: \(error.message)")
            }
        }
        let faults = options.faults.merged(withRequestFaults: headerFaults ?? DemoFaults())

        if faults.latencyMs > 0 {
            // Cancelled when the server stops: answer anyway (nobody will read it).
            try? await Task.sleep(for: .milliseconds(faults.latencyMs))
        }

        guard let route else {
            return Self.envelope(.notFound, code: "NOT_FOUND", detail: "No route for \(request.method.rawValue) \(DemoScripts.echo(path, limit: 200)).")
        }
        guard route.allowed.contains(request.method) else {
            var headers = HTTPFields()
            headers[.allow] = route.allowed.map(\.rawValue).joined(separator: ", ")
            return Self.envelope(
                .methodNotAllowed, code: "METHOD_NOT_ALLOWED",
                detail: "\(request.method.rawValue) is not allowed on \(path); use \(route.allowed[0].rawValue).",
                headers: headers)
        }
        if route == .stream, faults.noStreaming {
            return Self.envelope(.notFound, code: "NOT_FOUND", detail: "No route for POST \(path) (demo fault: nostream).")
        }
        if route == .info { return info() }

        let body: [UInt8]
        switch await Self.readBody(request) {
        case .ok(let bytes): body = bytes
        case .tooLarge:
            return Self.envelope(
                .contentTooLarge, code: "PAYLOAD_TOO_LARGE", detail: "Request bodies are limited to \(Self.maxBodyBytes) bytes.")
        case .failed:
            return Self.envelope(.badRequest, code: "BAD_REQUEST", detail: "The request body could not be read.")
        }

        // Hostile answers for the handshake and the chat calls alike.
        if let location = faults.redirectTo { return Self.redirect(location) }
        if let raw = faults.retryAfterRaw { return Self.rateLimited(raw: raw) }
        if faults.htmlServerError { return Self.htmlServerError() }

        switch route {
        case .handshake:
            return handshake(body: body, headerFaults: headerFaults)
        case .chat:
            return chat(request: request, body: body, faults: faults, headerFaults: headerFaults, clientGone: nil)
        case .stream:
            if faults.streamAsJSON {
                return chat(request: request, body: body, faults: faults, headerFaults: headerFaults, clientGone: nil)
            }
            let clientGone = await DemoConnectionWatch.signal(for: context) ?? DemoSignal()
            return chat(request: request, body: body, faults: faults, headerFaults: headerFaults, clientGone: clientGone)
        case .info:
            return info()
        }
    }

    // MARK: Body

    private enum BodyResult {
        case ok([UInt8])
        case tooLarge
        case failed
    }

    private static func readBody(_ request: Request) async -> BodyResult {
        if let declared = request.headers[.contentLength].flatMap({ Int($0) }), declared > maxBodyBytes {
            return .tooLarge
        }
        var bytes: [UInt8] = []
        do {
            for try await buffer in request.body {
                if bytes.count + buffer.readableBytes > maxBodyBytes { return .tooLarge }
                bytes.append(contentsOf: buffer.readableBytesView)
            }
        } catch {
            return .failed
        }
        return .ok(bytes)
    }

    /// A finished error answer, carried through `Result`.
    struct Rejection: Error {
        let response: Response
        init(_ response: Response) { self.response = response }
    }

    private static func parseObject(_ body: [UInt8]) -> Result<DemoJSON, Rejection> {
        guard !body.isEmpty else {
            return .failure(Rejection(envelope(.badRequest, code: "BAD_REQUEST", detail: "The request body is empty; a JSON object is required.")))
        }
        do {
            let json = try DemoJSONParser.parse(body)
            guard json.isObject else {
                return .failure(Rejection(envelope(.badRequest, code: "BAD_REQUEST", detail: "The request body must be a JSON object.")))
            }
            return .success(json)
        } catch {
            return .failure(Rejection(envelope(.badRequest, code: "BAD_REQUEST", detail: "The request body is not valid JSON: \(error).")))
        }
    }

    private static func requiredString(_ json: DemoJSON, _ key: String) -> Result<String, Rejection> {
        guard let value = json[key], value != .null else {
            return .failure(Rejection(envelope(.badRequest, code: "BAD_REQUEST", detail: "Missing required field '\(key)'.")))
        }
        guard let s = value.stringValue, !s.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty else {
            return .failure(Rejection(envelope(.badRequest, code: "BAD_REQUEST", detail: "Field '\(key)' must be a non-empty string.")))
        }
        return .success(s)
    }

    // MARK: Handshake

    private func handshake(body: [UInt8], headerFaults: DemoFaults?) -> Response {
        let json: DemoJSON
        let chatbotID: String
        let projectID: String
        switch Self.parseObject(body) {
        case .success(let j): json = j
        case .failure(let r): return r.response
        }
        switch Self.requiredString(json, "chatbot_id") {
        case .success(let s): chatbotID = s
        case .failure(let r): return r.response
        }
        switch Self.requiredString(json, "project_id") {
        case .success(let s): projectID = s
        case .failure(let r): return r.response
        }
        guard let versionValue = json["version"], versionValue != .null else {
            return Self.envelope(.badRequest, code: "BAD_REQUEST", detail: "Missing required field 'version'.")
        }
        guard versionValue.numberValue == 2 else {
            return Self.envelope(
                .badRequest, code: "BAD_REQUEST", detail: "Unsupported 'version' \(versionValue.serialized); this server speaks version 2.")
        }
        // Per-request 429/500 apply to the handshake too (server-wide ones only to chat calls).
        if let headerFaults {
            if let retryAfter = headerFaults.rateLimitRetryAfter { return Self.rateLimited(retryAfter) }
            if headerFaults.serverError { return Self.serverError() }
        }
        guard projectID == DemoCatalog.projectID else {
            return Self.envelope(
                .notFound, code: "PROJECT_NOT_FOUND", detail: "Project '\(DemoScripts.echo(projectID, limit: 64))' was not found.",
                message: "Project not found")
        }
        guard agents.contains(where: { $0.id == chatbotID }) else {
            return Self.envelope(
                .notFound, code: "PROJECT_NOT_FOUND",
                detail: "Chatbot '\(DemoScripts.echo(chatbotID, limit: 64))' was not found in project '\(DemoCatalog.projectID)'.",
                message: "Project not found")
        }
        let token = state.issueToken(chatbotID: chatbotID, projectID: projectID)
        if let override = options.handshakeOverride {
            return Self.jsonResponse(.ok, bytes: Self.splice(token: token, into: override))
        }
        let answer: DemoJSON = [
            "message": "Widget handshake completed successfully",
            "data": [
                "token": .string(token),
                "chatbots": .array(agents.map(\.json)),
                "widget": DemoCatalog.widget,
            ],
        ]
        return Self.jsonResponse(.ok, bytes: answer.serializedBytes)
    }

    /// Replaces the string at `data.token` with `token`, leaving every other byte as it was.
    static func splice(token: String, into body: [UInt8]) -> [UInt8] {
        var parser = DemoJSONParser(bytes: body, trackingPath: ["data", "token"])
        guard (try? parser.parseDocument()) != nil, let range = parser.trackedRange,
            case .string = parser.trackedValue
        else { return body }
        var out = Array(body[..<range.lowerBound])
        out.append(contentsOf: Array(DemoJSON.quoted(token).utf8))
        out.append(contentsOf: body[range.upperBound...])
        return out
    }

    // MARK: Chat

    /// A chat call; streamed (SSE) when `clientGone` is given.
    private func chat(
        request: Request, body: [UInt8], faults: DemoFaults, headerFaults: DemoFaults?, clientGone: DemoSignal?
    ) -> Response {
        guard let token = Self.bearerToken(request), state.isValidToken(token) else {
            return Self.unauthorized()
        }
        let json: DemoJSON
        switch Self.parseObject(body) {
        case .success(let j): json = j
        case .failure(let r): return r.response
        }
        guard let query = json["query"]?.stringValue, !query.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty else {
            return Self.envelope(.badRequest, code: "BAD_REQUEST", detail: "Field 'query' is required and must be a non-empty string.")
        }
        let pid: String
        let chatbotID: String
        switch Self.requiredString(json, "pid") {
        case .success(let s): pid = s
        case .failure(let r): return r.response
        }
        switch Self.requiredString(json, "chatbot_id") {
        case .success(let s): chatbotID = s
        case .failure(let r): return r.response
        }
        var sessionID: String?
        if let userContext = json["user_context"], userContext != .null {
            guard userContext.isObject else {
                return Self.envelope(.badRequest, code: "BAD_REQUEST", detail: "Field 'user_context' must be an object.")
            }
            if let s = userContext["session_id"], s != .null {
                guard let id = s.stringValue else {
                    return Self.envelope(.badRequest, code: "BAD_REQUEST", detail: "Field 'user_context.session_id' must be a string.")
                }
                sessionID = id.trimmingCharacters(in: .whitespacesAndNewlines)
            }
        }
        guard pid == DemoCatalog.projectID else {
            return Self.envelope(
                .notFound, code: "PROJECT_NOT_FOUND", detail: "Project '\(DemoScripts.echo(pid, limit: 64))' was not found.",
                message: "Project not found")
        }
        guard let agent = agents.first(where: { $0.id == chatbotID }) else {
            return Self.envelope(
                .notFound, code: "PROJECT_NOT_FOUND",
                detail: "Chatbot '\(DemoScripts.echo(chatbotID, limit: 64))' was not found in project '\(DemoCatalog.projectID)'.",
                message: "Project not found")
        }

        // Injected faults, in this order: 401once, 429, 500.
        // 401once is counted per key: the header's canonical spec (so `id=` makes it unique), or "server".
        var onceKey: String?
        if let headerFaults, headerFaults.unauthorizedOnce {
            onceKey = "header:" + headerFaults.spec
        } else if options.faults.unauthorizedOnce {
            onceKey = "server"
        }
        if let onceKey, state.consumeUnauthorizedOnce(key: onceKey) {
            return Self.unauthorized()
        }
        if let retryAfter = headerFaults?.rateLimitRetryAfter {
            return Self.rateLimited(retryAfter)
        }
        if let retryAfter = options.faults.rateLimitRetryAfter, state.consumeServerRateLimit() {
            return Self.rateLimited(retryAfter)
        }
        if faults.serverError { return Self.serverError() }

        // The `echotoken` fault puts the token in a new session's id too (sent back as it came).
        let suffix = (agent.kind == .hostile ? Hostile.sessionSuffix : "") + (faults.echoToken ? "-" + token : "")
        let turn = state.beginTurn(agentID: agent.id, sessionID: sessionID, newIDSuffix: suffix)
        var plan = DemoScripts.plan(agent: agent, query: query, context: turn)
        if faults.echoToken { plan.segments.insert(contentsOf: Self.echoing(token), at: 0) }
        account.recordTurn(agentID: agent.id, sessionID: turn.sessionID, query: query, plan: plan)
        if let name = plan.rememberName {
            state.remember(userName: name, agentID: agent.id, sessionID: turn.sessionID)
        }

        guard let clientGone else {
            if let errorText = plan.errorText {
                return Self.envelope(.internalServerError, code: "INTERNAL_SERVER_ERROR", detail: errorText, message: "Internal Server Error")
            }
            let answer: DemoJSON = [
                "message": "Success",
                "data": ["answer": .string(plan.answerText), "session_id": .string(turn.sessionID)],
            ]
            return Self.jsonResponse(.ok, bytes: answer.serializedBytes)
        }

        // The query's own pacing (/slow: 300 ms) wins over pace=N, which wins over the default;
        // /bench is unpaced unless pace=N says otherwise (a paced benchmark answer).
        let delay = (plan.paceWins ? faults.deltaDelayMs : nil) ?? plan.deltaDelayMs ?? faults.deltaDelayMs
            ?? options.defaultDeltaDelayMs
        let streamer = SSEStreamer(plan: plan, sessionID: turn.sessionID, deltaDelayMs: max(0, delay), faults: faults)
        var headers = HTTPFields()
        headers[.contentType] = "text/event-stream"
        headers[.cacheControl] = "no-cache"
        let logger = self.logger
        let body = ResponseBody { writer in
            let sink = SSESink(writer: writer, faults: faults, batching: delay <= 0, clientGone: clientGone)
            do {
                try await streamer.run(sink)
                try await sink.finish()
            } catch let stop as SSEStop where stop == .cut || stop == .stallTimeout {
                logger.debug("demo stream ended early", metadata: ["reason": .string("\(stop)")])
                try await sink.finish()
            } catch {
                // drop=N, client gone, server stopping: the connection is closed without a clean end.
                logger.debug("demo stream ended early", metadata: ["reason": .string("\(error)")])
                throw error
            }
        }
        return Response(status: .ok, headers: headers, body: body)
    }

    static func bearerToken(_ request: Request) -> String? {
        guard let value = request.headers[.authorization] else { return nil }
        let trimmed = value.trimmingCharacters(in: .whitespaces)
        guard trimmed.count > 7, trimmed.prefix(7).lowercased() == "bearer " else { return nil }
        let token = trimmed.dropFirst(7).trimmingCharacters(in: .whitespaces)
        return token.isEmpty ? nil : token
    }

    // MARK: Info

    private func info() -> Response {
        let answer: DemoJSON = [
            "message": "Robofy demo server",
            "data": [
                "project_id": .string(DemoCatalog.projectID),
                "chatbots": .array(agents.map { ["chatbot_id": .string($0.id), "agent_name": .string($0.name)] }),
                "endpoints": [
                    .string("POST \(Self.handshakePath)"), .string("POST \(Self.chatPath)"), .string("POST \(Self.streamPath)"),
                ],
                "fault_header": "X-Robofy-Demo-Fault",
                "fault_items": .string(DemoFaults.validItems),
                "faults": .string(options.faults.spec),
                "commands": ["/long N", .string("/bench BYTES DELTAS [\(BenchText.Shape.usage)]"), "/hostile", "/error", "/reason", "/slow", "/help"],
            ],
        ]
        return Self.jsonResponse(.ok, bytes: answer.serializedBytes)
    }

    // MARK: Responses

    static func jsonResponse(_ status: HTTPResponse.Status, bytes: [UInt8], headers extra: HTTPFields = HTTPFields()) -> Response {
        var headers = extra
        headers[.contentType] = "application/json; charset=utf-8"
        var buffer = ByteBuffer()
        buffer.writeBytes(bytes)
        return Response(status: status, headers: headers, body: ResponseBody(byteBuffer: buffer))
    }

    static func envelope(
        _ status: HTTPResponse.Status, code: String, detail: String, message: String? = nil, headers: HTTPFields = HTTPFields()
    ) -> Response {
        let json: DemoJSON = [
            "message": .string(message ?? status.reasonPhrase),
            "error": ["code": .string(code), "detail": .string(detail)],
        ]
        return jsonResponse(status, bytes: json.serializedBytes, headers: headers)
    }

    /// The `echotoken` fault: the token in everything a turn can carry, the reasoning (after a
    /// "Bearer" and a no-break space), a tool call's streamed input (split across two deltas),
    /// its output, a source's title and address, and the answer (and a new session's id).
    static func echoing(_ token: String) -> [DemoSegment] {
        let half = token.index(token.startIndex, offsetBy: token.count / 2)
        let call = DemoToolCall(toolCallID: "call_echo", toolName: "echo_token",
                                inputPieces: ["{\"token\":\"", String(token[..<half]), String(token[half...]), "\"}"],
                                input: ["token": .string(token)], output: ["seen": .string(token)])
        return [
            .reasoning("The widget sent Authorization: Bearer\u{A0}\(token) with this question."),
            .tool(call),
            .sources([DemoSource(id: "echo", url: "https://example.com/?token=\(token)", title: "Token \(token)")]),
            .text("Your token is \(token). "),
        ]
    }

    static func unauthorized() -> Response {
        envelope(.unauthorized, code: "UNAUTHORIZED", detail: "Authentication token is missing or invalid.", message: "Unauthorized")
    }

    static func rateLimited(_ retryAfter: Int) -> Response {
        var headers = HTTPFields()
        headers[.retryAfter] = String(retryAfter)
        return envelope(
            .tooManyRequests, code: "RATE_LIMITED", detail: "Too many requests; retry after \(retryAfter) seconds.",
            message: "Too Many Requests", headers: headers)
    }

    static func redirect(_ location: String) -> Response {
        var headers = HTTPFields()
        // Written as given (hostile on purpose): control characters are dropped, as HTTP fields allow none.
        headers[.location] = String(location.unicodeScalars.filter { $0.value >= 0x20 && $0.value != 0x7F }.map(Character.init))
        return envelope(.temporaryRedirect, code: "REDIRECT", detail: "Moved (demo fault: redirect).", headers: headers)
    }

    static func rateLimited(raw: String) -> Response {
        var headers = HTTPFields()
        headers[.retryAfter] = String(raw.unicodeScalars.filter { $0.value >= 0x20 && $0.value != 0x7F }.map(Character.init))
        return envelope(
            .tooManyRequests, code: "RATE_LIMITED", detail: "Too many requests (demo fault: retryafter).",
            message: "Too Many Requests", headers: headers)
    }

    /// What a proxy or a misconfigured web server answers: a whole HTML page.
    static let htmlErrorPage = """
        <!DOCTYPE html>
        <html><head><title>500 Internal Server Error</title>
        <style>body { font-family: sans-serif; }</style><script>var x = "<b>";</script></head>
        <body><h1>Internal Server Error</h1><p>The server encountered an internal error and was unable to complete your request.</p><p>Either the server is overloaded or there is an error in the application.</p><hr><address>Apache/2.4.41 (Ubuntu) Server at demo.example Port 80</address>
        </body></html>
        """

    static func htmlServerError() -> Response {
        var headers = HTTPFields()
        headers[.contentType] = "text/html; charset=utf-8"
        var buffer = ByteBuffer()
        buffer.writeString(htmlErrorPage)
        return Response(status: .internalServerError, headers: headers, body: ResponseBody(byteBuffer: buffer))
    }

    static func serverError() -> Response {
        envelope(
            .internalServerError, code: "INTERNAL_SERVER_ERROR", detail: "The server encountered an unexpected error (demo fault).",
            message: "Internal Server Error")
    }
}
