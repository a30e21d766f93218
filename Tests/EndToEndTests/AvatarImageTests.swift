import DemoServer
import Foundation
import Testing
import TestSupport

/// Avatar images in the real binary, in a pty driven by a fake terminal (Python): a terminal that
/// answers the kitty graphics query gets the demo's PNG (fetched once, then from the disk cache)
/// placed over the badge; one that answers DA1 only, or nothing, gets no graphics escape at all.
@Suite(.serialized, .timeLimit(.minutes(3))) struct AvatarImageTests: ScratchSuite {
    let dir: String

    init() throws {
        dir = try Self.makeScratch("robofy-avatars")
    }

    /// The fake terminal: runs the command in a pty (80×24), answers the start-up query as told
    /// (kitty: the kitty reply then DA1; da1: DA1 only; silent: nothing), waits for `until` in the
    /// output (or the greeting, then a frame more), quits with Ctrl-Q and writes all the output to `out`.
    static let fakeTerminal = #"""
    import os, pty, sys, select, time, fcntl, termios, struct
    mode, out, until = sys.argv[1], sys.argv[2], sys.argv[3].encode()
    pid, fd = pty.fork()
    if pid == 0:
        os.execv(sys.argv[4], sys.argv[4:])
    fcntl.ioctl(fd, termios.TIOCSWINSZ, struct.pack("HHHH", 24, 80, 0, 0))
    got, answered, quit_at, deadline = b"", False, None, time.time() + 40
    while time.time() < deadline:
        r, _, _ = select.select([fd], [], [], 0.2)
        if r:
            try:
                chunk = os.read(fd, 65536)
            except OSError:
                break
            if not chunk:
                break
            got += chunk
        if not answered and b"\x1b_Gi=31" in got:
            answered = True
            if mode == "kitty":
                os.write(fd, b"\x1b_Gi=31;OK\x1b\\\x1b[?62;22c")
            elif mode == "da1":
                os.write(fd, b"\x1b[?62;22c")
        if quit_at is None and until in got:
            quit_at = time.time()
            os.write(fd, b"\x11")
    if quit_at is None:
        os.kill(pid, 9)
    _, status = os.waitpid(pid, 0)
    open(out, "wb").write(got)
    print("EXIT=%d" % os.waitstatus_to_exitcode(status))
    """#

    func run(_ mode: String, server: DemoServer, until: String, extra: [String] = []) throws -> (output: String, exit: String) {
        let script = try write("fake-terminal.py", Self.fakeTerminal)
        let out = dir + "/out-\(mode)-\(UUID().uuidString).bin"
        let bin = try binary()
        let r = sh(["python3", script, mode, out, until, bin, "chat", "--base-url", server.baseURL,
                    "--project-id", DemoServer.projectID, "--chatbot-id", DemoServer.chatbotID] + extra,
                   env: ["TERM": "xterm-256color", "LANG": "C.UTF-8", "XDG_STATE_HOME": dir + "/state",
                         "XDG_CONFIG_HOME": dir + "/xdg", "XDG_CACHE_HOME": dir + "/cache", "TZ": "UTC"])
        let output = (try? String(contentsOfFile: out, encoding: .utf8)) ?? ""
        return (output, r.out.trimmingCharacters(in: .whitespacesAndNewlines))
    }

    static let placement = "\u{1B}_Ga=p,i="
    static let transmitPNG = "\u{1B}_Ga=t,f=100,t=d,i="

    @Test func aKittyTerminalGetsThePNGFetchedOnce() async throws {
        var o = DemoServerOptions()
        o.defaultDeltaDelayMs = 0
        let server = try await DemoServer.start(o)
        let first = await offPool { try? self.run("kitty", server: server, until: Self.placement) }
        let second = await offPool { try? self.run("kitty", server: server, until: Self.placement) }
        let fetched = server.avatarRequests.value
        await server.stop()
        let a = try #require(first), b = try #require(second)
        #expect(a.exit == "EXIT=0", "\(a.exit)")
        // The PNG itself (kitty decodes it: f=100), then a placement over the badge.
        #expect(a.output.contains(Self.transmitPNG + "1,q=2,m=0;iVBORw0KGgo"), "no PNG sent:\n\(a.output.debugDescription.suffix(2000))")
        #expect(a.output.contains(Self.placement + "1,p=1,c=2,r=1,C=1,q=2"))
        // The second run draws it from the disk cache: the server sent it once.
        #expect(b.output.contains(Self.transmitPNG) && b.output.contains(Self.placement), "\(b.output.debugDescription.suffix(2000))")
        #expect(fetched == 1, "the avatar was fetched \(fetched) times")
        let cached = try FileManager.default.contentsOfDirectory(atPath: dir + "/cache/robofy-tui/avatars")
        #expect(cached.count == 1 && cached[0].hasSuffix(".png"), "\(cached)")
    }

    @Test(arguments: ["da1", "silent"])
    func aTerminalWithoutKittyGraphicsGetsNoGraphicsEscape(mode: String) async throws {
        var o = DemoServerOptions()
        o.defaultDeltaDelayMs = 0
        let server = try await DemoServer.start(o)
        let r = await offPool { try? self.run(mode, server: server, until: "Hi, I'm Nova") }
        let fetched = server.avatarRequests.value
        await server.stop()
        let run = try #require(r)
        #expect(run.exit == "EXIT=0", "\(run.exit)")
        #expect(run.output.contains("Hi, I'm Nova"))
        #expect(!run.output.contains("\u{1B}_Ga="), "a graphics escape was written:\n\(run.output.debugDescription.suffix(2000))")
        #expect(fetched == 0)
    }

    @Test func noImagesTurnsThemOffInAKittyTerminal() async throws {
        var o = DemoServerOptions()
        o.defaultDeltaDelayMs = 0
        let server = try await DemoServer.start(o)
        let r = await offPool { try? self.run("kitty", server: server, until: "Hi, I'm Nova", extra: ["--no-images"]) }
        let fetched = server.avatarRequests.value
        await server.stop()
        let run = try #require(r)
        #expect(run.exit == "EXIT=0", "\(run.exit)")
        #expect(!run.output.contains("\u{1B}_G"), "--no-images still asked or drew:\n\(run.output.debugDescription.suffix(2000))")
        #expect(fetched == 0)
    }
}
