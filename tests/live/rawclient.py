#!/usr/bin/env python3
"""rawclient.py: misbehaving clients for the live tests (loopback only).

  rawclient.py hold PORT N
      opens N TCP connections to 127.0.0.1:PORT and keeps them open, silent,
      until killed; prints "held N" once all are connected
  rawclient.py send PORT HEX [SECONDS]
      connects, reads what the server sends first (its greeting), sends the
      bytes HEX (empty: nothing), then reads until the server closes or
      SECONDS (default 5) pass; prints one line per packet the server sent,
      "seq LENGTH HEXPAYLOAD", then "closed after S s" or "open after S s"
  rawclient.py random PORT COUNT [SECONDS]
      like send, with COUNT random bytes
  rawclient.py silent PORT [SECONDS]
      connects and never speaks; prints when the server closed the connection
      ("closed after S s"), or "open after S s" when SECONDS (default 30)
      passed first
Exit status 0, or 2 when the connection itself fails.
"""
import os
import resource
import select
import socket
import sys
import time


def connect(port):
    s = socket.create_connection(("127.0.0.1", port), timeout=10)
    s.setblocking(False)
    return s


def read_until_close(s, seconds):
    """Reads until the peer closes or `seconds` pass: (bytes, closed, elapsed)."""
    data = b""
    start = time.monotonic()
    while True:
        left = seconds - (time.monotonic() - start)
        if left <= 0:
            return data, False, time.monotonic() - start
        ready, _, _ = select.select([s], [], [], left)
        if not ready:
            continue
        try:
            chunk = s.recv(65536)
        except ConnectionResetError:
            chunk = b""
        if not chunk:
            return data, True, time.monotonic() - start
        data += chunk


def print_packets(data):
    while len(data) >= 4:
        n = data[0] | data[1] << 8 | data[2] << 16
        print(f"{data[3]} {n} {data[4:4 + n].hex()}")
        data = data[4 + n:]
    if data:
        print(f"partial {data.hex()}")


def exchange(port, payload, seconds):
    s = connect(port)
    # The greeting: whatever arrives within a second.
    greeting, closed, _ = read_until_close_first(s, 1.0)
    print_packets(greeting)
    if not closed:
        s.setblocking(True)
        try:
            s.sendall(payload)
        except OSError:
            pass
        s.setblocking(False)
        data, closed, elapsed = read_until_close(s, seconds)
        print_packets(data)
    else:
        elapsed = 0.0
    print(f"{'closed' if closed else 'open'} after {elapsed:.2f} s")


def read_until_close_first(s, seconds):
    """Reads the first packet(s) the server sends, waiting at most `seconds`."""
    start = time.monotonic()
    data = b""
    while time.monotonic() - start < seconds:
        ready, _, _ = select.select([s], [], [], seconds)
        if not ready:
            break
        chunk = s.recv(65536)
        if not chunk:
            return data, True, time.monotonic() - start
        data += chunk
        if len(data) >= 4 and len(data) >= 4 + (data[0] | data[1] << 8 | data[2] << 16):
            break
    return data, False, time.monotonic() - start


def hold(port, n):
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < n + 64:
        resource.setrlimit(resource.RLIMIT_NOFILE, (min(hard, n + 64), hard))
    socks = [connect(port) for _ in range(n)]
    print(f"held {len(socks)}", flush=True)
    try:
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        pass


def main(argv):
    if len(argv) < 3:
        sys.stderr.write(__doc__)
        return 2
    mode, port = argv[1], int(argv[2])
    try:
        if mode == "hold":
            hold(port, int(argv[3]))
        elif mode == "send":
            exchange(port, bytes.fromhex(argv[3]), float(argv[4]) if len(argv) > 4 else 5.0)
        elif mode == "random":
            exchange(port, os.urandom(int(argv[3])), float(argv[4]) if len(argv) > 4 else 5.0)
        elif mode == "silent":
            s = connect(port)
            _, closed, elapsed = read_until_close(s, float(argv[3]) if len(argv) > 3 else 30.0)
            print(f"{'closed' if closed else 'open'} after {elapsed:.2f} s")
        else:
            sys.stderr.write(__doc__)
            return 2
    except OSError as e:
        print(f"connection failed: {e}")
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
