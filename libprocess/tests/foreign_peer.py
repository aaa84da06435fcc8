#!/usr/bin/env python3
"""A libprocess peer written with the Python standard library only.

Usage: foreign_peer.py ECHO_UPID

It listens on a free loopback port as process `py`, POSTs one message to the echo process
with `Libprocess-From: py@127.0.0.1:<port>`, and waits for the echo to send the same message
back to its own listener (answering it 202, as libprocess peers do). Exits 0 on success and
prints what went wrong otherwise.
"""

import http.client
import http.server
import socket
import sys
import threading

NAME = "foreign.Greeting"
BODY = b"hello from python"
received = []
arrived = threading.Event()


def read_body(handler):
    """Reads a Content-Length or chunked body."""
    if "chunked" in handler.headers.get("Transfer-Encoding", "").lower():
        body = b""
        while True:
            size = int(handler.rfile.readline().strip().split(b";")[0], 16)
            if size == 0:
                while handler.rfile.readline() not in (b"\r\n", b"\n", b""):
                    pass
                return body
            body += handler.rfile.read(size)
            handler.rfile.readline()
    return handler.rfile.read(int(handler.headers.get("Content-Length", "0")))


class Peer(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def do_POST(self):
        body = read_body(self)
        sender = self.headers.get("Libprocess-From", "")
        received.append((self.path, sender, body))
        self.send_response(202)
        self.send_header("Content-Length", "0")
        self.end_headers()
        arrived.set()

    def log_message(self, *args):
        pass


def main():
    echo = sys.argv[1]
    echo_id, address = echo.split("@", 1)
    host, port = address.split(":")
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Peer)
    my_port = server.server_address[1]
    threading.Thread(target=server.serve_forever, daemon=True).start()
    me = "py@127.0.0.1:%d" % my_port

    connection = http.client.HTTPConnection(host, int(port), timeout=20)
    connection.request(
        "POST", "/%s/%s" % (echo_id, NAME), body=BODY, headers={"Libprocess-From": me}
    )
    status = connection.getresponse().status
    if status != 202:
        print("echo answered %d, expected 202" % status)
        return 1
    if not arrived.wait(20):
        print("the echo never sent the message back")
        return 1
    path, sender, body = received[0]
    expected = ("/py/%s" % NAME, echo, BODY)
    if (path, sender, body) != expected:
        print("got %r, expected %r" % ((path, sender, body), expected))
        return 1
    print("ok")
    return 0


if __name__ == "__main__":
    socket.setdefaulttimeout(20)
    sys.exit(main())
