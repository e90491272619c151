#!/usr/bin/env python3
"""gen_hostile.py KIND OUT FRAMES: writes a pcap of FRAMES TCP segments on port 3306.

Kinds come in pairs of the same size, one benign and one crafted:
  inorder   one flow, a greeting then one-byte segments in order
  hole      the same segments, but the first byte after the greeting never
            arrives and the rest arrive in reverse order within blocks of 64
  flows     FRAMES distinct flows (a SYN each), sequential client addresses
  scatter   FRAMES distinct flows with addresses spread over the whole space
"""
import random
import struct
import sys

GREETING = bytes.fromhex(
    "360000000a352e352e322d6d320052000000223d4e5029753956"
    "00ffff08020000000000000000000000000000296440525c55787a7c21294b00")


def frame(src, dst, sport, dport, seq, flags, payload=b""):
    tcp = struct.pack("!HHIIBBHHH", sport, dport, seq, 0, 5 << 4, flags, 65535, 0, 0)
    ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(tcp) + len(payload), 0, 0, 64, 6, 0,
                     src, dst)
    eth = b"\x02\x00\x00\x00\x00\x01\x02\x00\x00\x00\x00\x02\x08\x00"
    return eth + ip + tcp + payload


def main():
    kind, out, n = sys.argv[1], sys.argv[2], int(sys.argv[3])
    cli, srv = bytes([10, 0, 0, 1]), bytes([10, 0, 0, 2])
    frames = []
    if kind in ("inorder", "hole"):
        frames.append(frame(srv, cli, 3306, 40000, 5000, 0x12))
        frames.append(frame(srv, cli, 3306, 40000, 5001, 0x10, GREETING))
        base = 5001 + len(GREETING)
        order = list(range(n))
        if kind == "hole":
            order = []
            for blk in range(0, n, 64):
                order.extend(reversed(range(blk, min(blk + 64, n))))
            order = [i + 1 for i in order]  # byte 0 never arrives
        for i in order:
            frames.append(frame(srv, cli, 3306, 40000, base + i, 0x10, b"\x01"))
    elif kind in ("flows", "scatter"):
        rng = random.Random(7)
        for i in range(n):
            if kind == "flows":
                c = struct.pack("!I", 0x0a000000 + 16 + i)
            else:
                c = struct.pack("!I", rng.getrandbits(32))
            frames.append(frame(c, srv, 1024 + i % 60000, 3306, 1000, 0x02))
    else:
        sys.exit("unknown kind " + kind)
    with open(out, "wb") as f:
        f.write(struct.pack("<IHHiIII", 0xa1b2c3d4, 2, 4, 0, 0, 65535, 1))
        for i, fr in enumerate(frames):
            f.write(struct.pack("<IIII", 1000 + i // 1000000, i % 1000000, len(fr), len(fr)))
            f.write(fr)


main()
