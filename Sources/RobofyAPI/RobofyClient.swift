import AsyncHTTPClient
import Foundation
import Logging
import NIOCore
import NIOHTTP1

/// Talks the Robofy widget protocol over HTTP. Holds no token: callers pass it in.
public final class RobofyClient: Sendable {
    public let target: RobofyTarget
    public let timeouts: RobofyTimeouts
    let http: HTTPClient
    let logger: Logger
    /// The one event loop of `http` (every connection of this client lives there), as a task
    /// executor: a task that streams an answer can prefer it (`EventLoopTaskExecutor`).
    public let executor: EventLoopTaskExecutor
    /// The least time between two socket reads of an answer that trickles in (`ResponseBodyQueue`);
    /// zero: each packet is read as it comes.
    public let readWindow: TimeAmount

    /// `readWindow`: in seconds (the UI gives its stream frame's interval: what comes between two
    /// frames is read once, and drawn as it comes).
    public init(target: RobofyTarget, timeouts: RobofyTimeouts = .init(),
                logger: Logger = Logger(label: "robofy.client", factory: { _ in SwiftLogNoOpLogHandler() }),
                readWindow: Double = 0) {
        self.target = target
        self.readWindow = .nanoseconds(Int64(max(0, min(1, readWindow.isFinite ? readWindow : 0)) * 1e9))
        self.timeouts = timeouts
        self.logger = logger
        var config = HTTPClient.Configuration()
        // No read timeout: AsyncHTTPClient resets its timer at every read. A body's silence is
        // watched by `StallWatch` instead (`collect`, and the answer's `ChunkStream`).
        config.timeout = .init(connect: .milliseconds(Int64(NetNumber.milliseconds(timeouts.connect))))
        config.decompression = .disabled
        // A refused connection is tried again by `ConnectGrace` (2 s at most), not by the pool
        // until the connect timeout.
        config.connectionPool.retryConnectionEstablishment = false
        // Never follow: a redirected POST turns into a GET (and could lead to any port);
        // a 3xx is reported with where it points (`RobofyError.redirected`).
        config.redirectConfiguration = .disallow
        let loop = HTTPClient.defaultEventLoopGroup.next()
        self.executor = EventLoopTaskExecutor(loop)
        self.http = HTTPClient(eventLoopGroup: loop, configuration: config)
    }

    /// Must be called once the client is no longer needed.
    public func shutdown() async {
        try? await http.shutdown()
    }

    deinit {
        // A client dropped without `shutdown()` (an error thrown on the way) still closes its
        // connections; AsyncHTTPClient stops a debug build otherwise. After `shutdown()`, this
        // one fails quietly (already shut down).
        http.shutdown(queue: .global()) { _ in }
    }

    // MARK: Handshake

    /// One handshake with a client made for it (and shut down after).
    public static func handshake(_ target: RobofyTarget) async throws(RobofyError) -> Handshake {
        let client = RobofyClient(target: target)
        do {
            let h = try await client.handshake()
            await client.shutdown()
            return h
        } catch {
            await client.shutdown()
            throw error
        }
    }

    /// The handshake, within `timeouts.handshake` seconds (`RobofyError.handshakeTimedOut`).
    public func handshake() async throws(RobofyError) -> Handshake {
        let seconds = timeouts.handshake
        let result: Result<Handshake, RobofyError>? = await withTaskGroup(of: Result<Handshake, RobofyError>?.self) { group in
            group.addTask {
                do throws(RobofyError) { return .success(try await self.handshakeOnce()) } catch { return .failure(error) }
            }
            group.addTask {
                do { try await Task.sleep(for: .milliseconds(NetNumber.milliseconds(seconds))) } catch { return nil }
                return .failure(.handshakeTimedOut(seconds: seconds))
            }
            let first = await group.next() ?? nil
            group.cancelAll()
            return first
        }
        switch result {
        case .success(let h): return h
        case .failure(let e): throw e
        case nil: throw .cancelled
        }
    }

    func handshakeOnce() async throws(RobofyError) -> Handshake {
        let url = try target.url(target.handshakePath)
        let body: JSONValue = .object([
            "chatbot_id": .string(target.chatbotID),
            "project_id": .string(target.projectID),
            "version": .number(2),
        ])
        let response = try await post(url, body: body.compactText, accept: "application/json", token: nil)
        let status = Int(response.status.code)
        try Self.checkRedirect(status: status, headers: response.headers, url: url)
        let bytes = try await collect(response.body, limit: 8 << 20, url: url)
        logger.info("handshake answered", metadata: ["status": "\(status)", "bytes": "\(bytes.count)"])
        guard (200..<300).contains(status) else {
            throw RobofyError.fromResponse(status: status, body: bytes,
                                           retryAfterHeader: response.headers.first(name: "retry-after"))
        }
        do {
            let h = try Handshake.decode(Data(bytes))
            Redaction.remember(h.token)
            return h
        } catch HandshakeDecodeError.notJSON {
            throw .badHandshake("HTTP \(status) from \(url) is not JSON (body: \(RobofyError.snippet(bytes))). "
                                + "Check --base-url: it must point at the Robofy API, not a web page.")
        } catch let e as HandshakeDecodeError {
            throw .badHandshake(e.description)
        } catch {
            throw .badHandshake("\(error)")
        }
    }

    // MARK: Chat

    /// Sends one turn and returns the answer as a sequence of chunks. Streams when
    /// `target.streaming`, falling back to the non-streaming endpoint when the stream
    /// path answers 404 or answers JSON.
    public func send(_ request: ChatRequest, token: String) async throws(RobofyError) -> (ResponseInfo, ChunkStream) {
        let body = Self.chatBody(request, projectID: target.projectID)
        if !target.streaming {
            return try await sendPlain(body, token: token, fallbackReason: nil)
        }
        let url = try target.url(target.streamPath)
        let (response, reads) = try await postReading(url, body: body, accept: "text/event-stream", token: token,
                                                      window: readWindow)
        let status = Int(response.status.code)
        try Self.checkRedirect(status: status, headers: response.headers, url: url)
        let contentType = response.headers.first(name: "content-type")?.lowercased() ?? ""
        logger.info("chat answered", metadata: ["status": "\(status)", "content-type": "\(contentType)"])
        if status == 404 {
            // Drain the small 404 body so the connection can be reused.
            _ = try? await collect(response.body, limit: 64 << 10, url: url)
            return try await sendPlain(body, token: token,
                                       fallbackReason: "the streaming path \(target.streamPath) answered 404")
        }
        guard (200..<300).contains(status) else {
            let bytes = (try? await collect(response.body, limit: 64 << 10, url: url)) ?? []
            throw RobofyError.fromResponse(status: status, body: bytes,
                                           retryAfterHeader: response.headers.first(name: "retry-after"))
        }
        let info = ResponseInfo(url: url, status: status, headers: Self.fields(response.headers),
                                streaming: !contentType.contains("application/json"), fallbackReason: nil,
                                requestBody: body, requestHeaders: shownRequestHeaders(accept: "text/event-stream"))
        if contentType.contains("application/json") {
            let bytes = try await collect(response.body, limit: 16 << 20, url: url)
            var i = info
            i.fallbackReason = "the streaming path answered JSON"
            return (i, try Self.plainAnswerStream(bytes, status: status, url: url))
        }
        return (info, ChunkStream(body: response.body, stallWatch: StallWatch(seconds: timeouts.stall, loop: executor.loop),
                                  reads: reads))
    }

    func sendPlain(_ body: String, token: String, fallbackReason: String?) async throws(RobofyError) -> (ResponseInfo, ChunkStream) {
        let url = try target.url(target.chatPath)
        let response = try await post(url, body: body, accept: "application/json", token: token)
        let status = Int(response.status.code)
        try Self.checkRedirect(status: status, headers: response.headers, url: url)
        let bytes = try await collect(response.body, limit: 16 << 20, url: url)
        guard (200..<300).contains(status) else {
            throw RobofyError.fromResponse(status: status, body: bytes,
                                           retryAfterHeader: response.headers.first(name: "retry-after"))
        }
        let info = ResponseInfo(url: url, status: status, headers: Self.fields(response.headers),
                                streaming: false, fallbackReason: fallbackReason, requestBody: body,
                                requestHeaders: shownRequestHeaders(accept: "application/json"))
        return (info, try Self.plainAnswerStream(bytes, status: status, url: url))
    }

    /// A 3xx answer (with or without `Location`) is an error that says where it points.
    static func checkRedirect(status: Int, headers: HTTPHeaders, url: String) throws(RobofyError) {
        guard (300..<400).contains(status), status != 304 else { return }
        let location = headers.first(name: "location").map { sanitizedLocation($0, relativeTo: url) } ?? "nowhere (no Location header)"
        throw .redirected(status: status, location: location)
    }

    /// A `Location` for a message: resolved against the request URL, without user info,
    /// query or fragment, printable, at most 200 characters. Never connected to.
    static func sanitizedLocation(_ raw: String, relativeTo url: String) -> String {
        let printable = String(String.UnicodeScalarView(raw.unicodeScalars.filter {
            $0.value > 0x20 && $0.value != 0x7F && !(0x80...0x9F).contains($0.value)
                && !(0x202A...0x202E).contains($0.value) && !(0x2066...0x2069).contains($0.value)
        }).prefix(2048))
        var text = printable
        if let c = URLComponents(string: printable) {
            var c = c
            c.user = nil
            c.password = nil
            c.query = nil
            c.fragment = nil
            if c.scheme == nil, let base = URL(string: url), let resolved = c.url(relativeTo: base)?.absoluteURL {
                text = resolved.absoluteString
            } else if let s = c.string {
                text = s
            }
        } else if let q = text.firstIndex(where: { $0 == "?" || $0 == "#" }) {
            text = String(text[..<q])
        }
        text = Redaction.redact(text)
        return text.count > 200 ? String(text.prefix(199)) + "…" : text
    }

    /// Turns a non-streaming answer into the chunks a stream would have carried.
    static func plainAnswerStream(_ bytes: [UInt8], status: Int = 200, url: String = "the server") throws(RobofyError) -> ChunkStream {
        guard let json = JSONValue.parse(Data(bytes)), case .object = json else {
            throw .badResponse("HTTP \(status) from \(url) is not JSON (body: \(RobofyError.snippet(bytes))). "
                               + "Check --base-url and --chat-path: they must point at the Robofy API.")
        }
        let data = json["data"] ?? json
        guard let answer = data["answer"]?.stringValue ?? data["response"]?.stringValue else {
            throw .badResponse("the answer has no data.answer text.")
        }
        var chunks: [UIChunk] = [.start(messageId: nil), .textStart(id: "0"), .textDelta(id: "0", delta: answer),
                                 .textEnd(id: "0"), .finish(finishReason: "stop", messageMetadata: nil)]
        if let sid = data["session_id"]?.stringValue {
            chunks.append(.data(name: "session", id: nil, data: .string(sid), transient: false))
        }
        chunks.append(.done)
        let raw = String(decoding: bytes.prefix(4096), as: UTF8.self)
        return ChunkStream(events: chunks.map { ChunkEvent(chunk: $0, raw: raw) })
    }

    public static func chatBody(_ r: ChatRequest, projectID: String) -> String {
        var context: JSONObject = ["platform": .string("web")]
        if let sid = r.sessionID { context["session_id"] = .string(sid) }
        let body: JSONValue = .object([
            "query": .string(r.query),
            "pid": .string(projectID),
            "chatbot_id": .string(r.chatbotID),
            "user_context": .object(context),
        ])
        return body.compactText
    }

    static func fields(_ headers: HTTPHeaders) -> [HTTPField] {
        headers.map { HTTPField($0.name, $0.value) }
    }

    // MARK: HTTP plumbing

    /// The headers `post` sends with a token, as they may be shown (the token redacted).
    func shownRequestHeaders(accept: String) -> [HTTPField] {
        var out = [HTTPField("Content-Type", "application/json"), HTTPField("Accept", accept),
                   HTTPField("User-Agent", "robofy-tui/\(RobofyVersion.string)")]
        for (k, v) in target.extraHeaders.sorted(by: { $0.key < $1.key }) {
            out.removeAll { $0.name.lowercased() == k.lowercased() }
            out.append(HTTPField(k, v))
        }
        out.removeAll { $0.name.lowercased() == "authorization" }
        out.append(HTTPField("Authorization", "Bearer [redacted]"))
        return Redaction.headers(out)
    }

    func post(_ url: String, body: String, accept: String, token: String?) async throws(RobofyError) -> HTTPClientResponse {
        try await postReading(url, body: body, accept: accept, token: token, window: .zero).0
    }

    /// `post`, with the queue its body is read from (`ResponseBodyQueue`), its reads held by
    /// `window` while it trickles in.
    func postReading(_ url: String, body: String, accept: String, token: String?,
                     window: TimeAmount) async throws(RobofyError) -> (HTTPClientResponse, ResponseBodyQueue) {
        var request = HTTPClientRequest(url: url)
        request.method = .POST
        request.headers.add(name: "Content-Type", value: "application/json")
        request.headers.add(name: "Accept", value: accept)
        request.headers.add(name: "User-Agent", value: "robofy-tui/\(RobofyVersion.string)")
        for (k, v) in target.extraHeaders { request.headers.replaceOrAdd(name: k, value: v) }
        if let token { request.headers.replaceOrAdd(name: "Authorization", value: "Bearer \(token)") }
        request.body = .bytes(ByteBuffer(string: body))
        logger.debug("POST", metadata: ["url": "\(url)"])
        // The answer's head is waited for at most the response timeout, and no longer than the
        // stall timeout either (a silence that long, head or body, is a stall: as AsyncHTTPClient's
        // read timeout, which once watched this wait too, said).
        let stallMs = max(1, NetNumber.milliseconds(timeouts.stall)), responseMs = NetNumber.milliseconds(timeouts.response)
        let stallFirst = stallMs < responseMs
        let wait = min(responseMs, stallMs)
        do {
            return try await ConnectGrace.run(grace: ConnectGrace.seconds(connect: timeouts.connect)) {
                try await execute(request, body: body, timeout: .milliseconds(Int64(wait)), window: window)
            }
        } catch {
            if stallFirst, let e = error as? HTTPClientError, e == .deadlineExceeded { throw .stalled(seconds: timeouts.stall) }
            throw Self.map(error, url: url, timeouts: timeouts)
        }
    }

    /// A whole body, at most `limit` bytes; a silence of `timeouts.stall` between two reads
    /// stops it (`RobofyError.stalled`).
    func collect(_ body: HTTPClientResponse.Body, limit: Int, url: String) async throws(RobofyError) -> [UInt8] {
        let watch = StallWatch(seconds: timeouts.stall, loop: executor.loop)
        // Read by a task of its own, which the watch cancels when the body falls silent.
        let reading = Task { () async throws -> [UInt8] in
            var out: [UInt8] = []
            for try await buffer in body {
                watch.touch()
                out.append(contentsOf: buffer.readableBytesView)
                if out.count > limit { throw RobofyError.badResponse("the answer is larger than \(limit >> 20) MiB.") }
            }
            return out
        }
        watch.start { reading.cancel() }
        let result = await withTaskCancellationHandler { await reading.result } onCancel: { reading.cancel() }
        watch.stop()
        // (A cancelled read may end its body early, as if whole.)
        if watch.stalled { throw .stalled(seconds: timeouts.stall) }
        if Task.isCancelled { throw .cancelled }
        switch result {
        case .success(let out): return out
        case .failure(let e as RobofyError): throw e
        case .failure(let error): throw Self.map(error, url: url, timeouts: timeouts)
        }
    }

    static func map(_ error: any Error, url: String, timeouts: RobofyTimeouts) -> RobofyError {
        if let e = error as? RobofyError { return e }
        if error is CancellationError { return .cancelled }
        if let e = error as? HTTPClientError {
            switch e {
            case .connectTimeout: return .timedOut(what: "Connecting to \(url)", seconds: timeouts.connect)
            case .readTimeout: return .stalled(seconds: timeouts.stall)
            case .deadlineExceeded: return .timedOut(what: "Waiting for \(url)", seconds: timeouts.response)
            case .cancelled: return .cancelled
            case .remoteConnectionClosed:
                return .cannotConnect(url: url, reason: "the server closed the connection")
            case .invalidURL, .emptyHost, .emptyScheme:
                return .invalidBaseURL(url)
            default: break
            }
        }
        if let e = error as? IOError, e.errnoCode == ECONNRESET || e.errnoCode == EPIPE {
            return .connectionReset(url: url)
        }
        let text = String(describing: error)
        let lower = text.lowercased()
        // An IOError is judged by its errno alone: NIO describes a refused connect as
        // "connection reset (error set): Connection refused (errno: 111)".
        if !(error is IOError),
           lower.contains("connection reset") || lower.contains("errno: 104") || lower.contains("broken pipe") {
            return .connectionReset(url: url)
        }
        let reason: String
        if let e = error as? IOError {
            // NIO's text names the system call ("read(descriptor:pointer:size:) failed …"): say only what failed.
            reason = String(cString: strerror(e.errnoCode)).lowercased()
        } else if lower.contains("refused") { reason = "connection refused" }
        else if lower.contains("resolv") || lower.contains("getaddrinfo") || lower.contains("nodename") {
            reason = "host name not found"
        } else if lower.contains("certificate") || lower.contains("tls") || lower.contains("ssl") {
            reason = "TLS failed"
        } else { reason = String(RobofyError.collapse(text).prefix(120)) }
        return .cannotConnect(url: url, reason: reason)
    }
}


public enum RobofyVersion {
    public static let string = "0.1.0"
}
