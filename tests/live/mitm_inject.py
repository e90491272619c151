#!/usr/bin/env python3
"""mitm_inject.py PORT UPSTREAM_PORT MODE HEX

A man in the middle on 127.0.0.1:PORT in front of a server on
127.0.0.1:UPSTREAM_PORT, for the live tests. It does not parse the protocol:
it relays bytes and, at one moment, sends the bytes HEX (a packet made by
`redir build`) to the client in place of the server's, then closes.

  after-client  relays the server's first bytes (the greeting) to the
                client; when the client answers (an SSLRequest when it wants
                TLS), sends HEX instead of forwarding that answer
  first         sends HEX at once, in place of the greeting

Serves connections until killed; prints one line per connection.
"""
import socket
import sys
import threading


def handle(client, upstream_port, mode, payload):
    upstream = None
    try:
        client.settimeout(10)
        if mode == "after-client":
            upstream = socket.create_connection(("127.0.0.1", upstream_port), timeout=10)
            greeting = upstream.recv(65536)
            client.sendall(greeting)
            answer = client.recv(65536)
            print(f"client sent {len(answer)} bytes; injecting {len(payload)} bytes", flush=True)
        else:
            print(f"injecting {len(payload)} bytes in place of the greeting", flush=True)
        client.sendall(payload)
        # Let the client read it and react (it may send more or close).
        client.settimeout(2)
        try:
            while client.recv(65536):
                pass
        except OSError:
            pass
    except OSError as e:
        print(f"connection failed: {e}", flush=True)
    finally:
        client.close()
        if upstream is not None:
            upstream.close()


def main():
    port, upstream_port, mode, hexdata = sys.argv[1:5]
    if mode not in ("after-client", "first"):
        sys.exit("mode must be after-client or first")
    payload = bytes.fromhex(hexdata)
    listener = socket.socket()
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    listener.bind(("127.0.0.1", int(port)))
    listener.listen(16)
    while True:
        client, _ = listener.accept()
        threading.Thread(target=handle, args=(client, int(upstream_port), mode, payload),
                         daemon=True).start()


if __name__ == "__main__":
    main()
