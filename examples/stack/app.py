"""The stack's `app`: a tiny HTTP service that, on GET /, checks each backend
with its own protocol (Redis PING, the Sphinx MySQL-protocol greeting, a TCP
connect to PostgreSQL) and answers 200 with one line per backend, or 503.

Runs in the foreground; devup detaches it (daemonize: true)."""
import http.server
import os
import socket
import sys


def redis_ping(port):
    with socket.create_connection(("127.0.0.1", port), timeout=2) as sock:
        sock.sendall(b"PING\r\n")
        return sock.recv(64).strip().decode()


def sphinx_greeting(port):
    with socket.create_connection(("127.0.0.1", port), timeout=2) as sock:
        packet = sock.recv(256)
        # MySQL handshake: 3-byte length, sequence id, protocol 10, version.
        return packet[5:packet.index(b"\0", 5)].decode()


def tcp_connect(port):
    with socket.create_connection(("127.0.0.1", port), timeout=2):
        return "accepting connections"


CHECKS = [
    ("redis", redis_ping, "REDIS_PORT"),
    ("search", sphinx_greeting, "SPHINX_PORT"),
    ("db", tcp_connect, "PG_PORT"),
]


class Handler(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        lines, healthy = [], True
        for name, check, var in CHECKS:
            try:
                lines.append(f"{name}: {check(int(os.environ[var]))}")
            except (OSError, KeyError, ValueError) as error:
                healthy = False
                lines.append(f"{name}: {error}")
        body = ("\n".join(lines) + "\n").encode()
        self.send_response(200 if healthy else 503)
        self.send_header("Content-Type", "text/plain")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


if __name__ == "__main__":
    server = http.server.HTTPServer(("127.0.0.1", int(sys.argv[1])), Handler)
    print(f"app listening on 127.0.0.1:{sys.argv[1]}", flush=True)
    server.serve_forever()
