#!/usr/bin/env python3
"""An OpenAI-compatible fake chat-completions stream for `scripts/bench --peer elia`.

Streams the same deterministic text as the demo server's `/bench BYTES DELTAS`
(the pattern below, repeated), as `chat.completion.chunk` events, DELTAS of them,
PACE milliseconds apart (0 = unpaced). Prints `listening PORT`, then `request`
when a completion is asked for and `done` when its last byte is sent (the bench
reads these lines). Standard library only.

    fake_openai.py BYTES DELTAS PACE_MS
"""
import http.server
import json
import sys
import time

PATTERN = b"The quick brown fox jumps over the lazy dog while the demo server streams benchmark text.\n"


def text(offset, count):
    n = len(PATTERN)
    out = bytearray()
    p = offset % n
    while len(out) < count:
        take = min(n - p, count - len(out))
        out += PATTERN[p:p + take]
        p = (p + take) % n
    return out.decode("ascii")


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def do_GET(self):
        body = json.dumps({"object": "list", "data": [{"id": "fake", "object": "model"}]}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_POST(self):
        length = int(self.headers.get("Content-Length") or 0)
        self.rfile.read(length)
        print("request", flush=True)
        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream")
        self.send_header("Cache-Control", "no-cache")
        self.send_header("Connection", "close")
        self.end_headers()
        total, deltas, pace = self.server.spec
        base, extra = divmod(total, deltas)
        offset = 0

        def send(obj):
            self.wfile.write(b"data: " + json.dumps(obj).encode() + b"\n\n")

        head = {"id": "chatcmpl-fake", "object": "chat.completion.chunk", "created": int(time.time()), "model": "fake"}
        send(dict(head, choices=[{"index": 0, "delta": {"role": "assistant", "content": ""}, "finish_reason": None}]))
        for i in range(deltas):
            size = base + (1 if i < extra else 0)
            if pace:
                self.wfile.flush()
                time.sleep(pace / 1000)
            send(dict(head, choices=[{"index": 0, "delta": {"content": text(offset, size)}, "finish_reason": None}]))
            offset += size
        send(dict(head, choices=[{"index": 0, "delta": {}, "finish_reason": "stop"}]))
        self.wfile.write(b"data: [DONE]\n\n")
        self.wfile.flush()
        print("done", flush=True)
        self.close_connection = True


def main():
    total, deltas, pace = (int(a) for a in sys.argv[1:4])
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.spec = (total, deltas, pace)
    print("listening", server.server_address[1], flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main()
