#!/usr/bin/env python3
"""kit_client.py PORT TARGET_PORT MODE: a scripted client for the judge of
`redir serve --scenario` (loopback, no TLS: the judge of these scenarios
looks at timing, not at the transport).

It logs in (any user: the kit accepts every login), then:
  pipelined-wait   sends two statements at once, reads both answers, then
                   logs in at TARGET_PORT (what a client must do)
  pipelined-early  sends two statements at once, reads the first answer (the
                   redirect) and logs in at TARGET_PORT at once
  trans-wait       one statement (its OK opens a transaction and carries the
                   redirect), COMMIT, then logs in at TARGET_PORT
  trans-early      one statement, then logs in at TARGET_PORT while the
                   transaction is open
Prints one line per packet received ("seq LENGTH HEX"); exit 0, or 1 when
the server misbehaved (closed early, sent something other than OK).
"""
import socket
import struct
import sys

CAPS = (0x00000200 | 0x00002000 | 0x00008000 | 0x00080000 | 0x00800000 | 0x01000000)


def read_packet(s):
    head = b""
    while len(head) < 4:
        chunk = s.recv(4 - len(head))
        if not chunk:
            raise EOFError("closed")
        head += chunk
    n = head[0] | head[1] << 8 | head[2] << 16
    body = b""
    while len(body) < n:
        chunk = s.recv(n - len(body))
        if not chunk:
            raise EOFError("closed")
        body += chunk
    print(f"{head[3]} {n} {body.hex()}", flush=True)
    return body


def frame(seq, payload):
    n = len(payload)
    return bytes([n & 0xFF, n >> 8 & 0xFF, n >> 16, seq]) + payload


def login(port):
    s = socket.create_connection(("127.0.0.1", port), timeout=10)
    read_packet(s)  # greeting
    payload = struct.pack("<IIB", CAPS, 1 << 24, 45) + bytes(23) + b"kit\x00" + b"\x00"
    payload += b"mysql_native_password\x00"
    s.sendall(frame(1, payload))
    expect_ok(read_packet(s))
    return s


def expect_ok(body):
    if not body or body[0] != 0x00:
        raise ValueError(f"expected an OK, got {body[:1].hex()}")


def query(sql):
    return frame(0, b"\x03" + sql.encode())


def main(argv):
    port, target, mode = int(argv[1]), int(argv[2]), argv[3]
    s = login(port)
    if mode.startswith("pipelined"):
        s.sendall(query("DO 1") + query("DO 2"))
        expect_ok(read_packet(s))
        if mode == "pipelined-wait":
            expect_ok(read_packet(s))
    elif mode.startswith("trans"):
        s.sendall(query("DO 1"))
        expect_ok(read_packet(s))
        if mode == "trans-wait":
            s.sendall(query("COMMIT"))
            expect_ok(read_packet(s))
    else:
        sys.stderr.write(__doc__)
        return 2
    t = login(target)
    t.sendall(frame(0, b"\x01"))  # COM_QUIT
    t.close()
    if mode == "pipelined-early":
        expect_ok(read_packet(s))  # the held answer still arrives
    s.sendall(frame(0, b"\x01"))
    s.close()
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main(sys.argv))
    except (OSError, EOFError, ValueError) as e:
        print(f"kit_client: {e}")
        sys.exit(1)
