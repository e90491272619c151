#!/usr/bin/env python3
"""Extracts fuzz seed corpora from packet captures.

Each capture's TCP streams are reassembled with tshark, split into protocol
packets, and each packet is filed under the harness that decodes it
(fuzz/corpus/<harness>/<sha1>). Harnesses that take capabilities from the
first two input bytes get the prefix for "MariaDB default" or "MySQL 8".
Whole conversations become fuzz_dump_flow inputs (segments in capture
order) and small captures are fuzz_pcap seeds as they are. URL, Location and
ERR-redirect seeds come from the vectors in SPEC.md's sources. Run from the
repository root: fuzz/make_seeds.py pcaps/*.pcap*
"""
import hashlib
import os
import subprocess
import sys
from collections import defaultdict

SERVER_PORTS = {3306, 20130, 30130, 6033, 2883, 5432}
OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "corpus")
MAX_SEEDS = 60
MAX_LEN = 8192
counts = defaultdict(int)


def save(harness, data):
    if counts[harness] >= MAX_SEEDS or len(data) > MAX_LEN:
        return
    d = os.path.join(OUT, harness)
    os.makedirs(d, exist_ok=True)
    name = hashlib.sha1(data).hexdigest()
    path = os.path.join(d, name)
    if not os.path.exists(path):
        with open(path, "wb") as f:
            f.write(data)
        counts[harness] += 1


def streams(pcap):
    ports = ",".join(f"tcp.port=={p},mysql" for p in sorted(SERVER_PORTS))
    cmd = ["tshark", "-r", pcap, "-Y", "tcp.len>0", "-T", "fields", "-e", "tcp.stream",
           "-e", "tcp.srcport", "-e", "tcp.dstport", "-e", "tcp.seq_raw", "-e", "tcp.payload"]
    out = subprocess.run(cmd, capture_output=True, text=True, check=True).stdout
    segs = defaultdict(dict)
    ports_of = {}
    for line in out.splitlines():
        parts = line.split("\t")
        if len(parts) < 5 or not parts[4]:
            continue
        stream, sport, dport, seq, payload = parts[:5]
        key = (stream, int(sport))
        segs[key].setdefault(int(seq), bytes.fromhex(payload.replace(":", "")))
        ports_of[stream] = (int(sport), int(dport))
    result = {}
    for (stream, sport), by_seq in segs.items():
        data = b""
        expect = None
        for seq in sorted(by_seq):
            chunk = by_seq[seq]
            if expect is not None and seq < expect:
                chunk = chunk[expect - seq:]
            data += chunk
            expect = max(expect or 0, seq + len(by_seq[seq]))
        result[(stream, sport)] = data
    return result, ports_of


def packets(data):
    pos = 0
    while pos + 4 <= len(data):
        n = int.from_bytes(data[pos:pos + 3], "little")
        if pos + 4 + n > len(data):
            break
        yield data[pos:pos + 4 + n]
        pos += 4 + n


def segments(pcap):
    """TCP payload segments in capture order: {stream: [(from_port, bytes)]}."""
    cmd = ["tshark", "-r", pcap, "-Y", "tcp.len>0", "-T", "fields", "-e", "tcp.stream",
           "-e", "tcp.srcport", "-e", "tcp.payload"]
    out = subprocess.run(cmd, capture_output=True, text=True, check=True).stdout
    result = defaultdict(list)
    for line in out.splitlines():
        parts = line.split("\t")
        if len(parts) < 3 or not parts[2]:
            continue
        result[parts[0]].append((int(parts[1]), bytes.fromhex(parts[2].replace(":", ""))))
    return result


def dump_flow_seed(segs, server_port, options):
    """fuzz_dump_flow input: options, then one record per segment."""
    out = bytearray([options])
    for port, payload in segs:
        s2c = 0x80 if port == server_port else 0
        while payload:
            chunk, payload = payload[:65535], payload[65535:]
            if len(chunk) < 63:
                out.append(s2c | len(chunk))
            else:
                out.append(s2c | 0x3F)
                out += len(chunk).to_bytes(2, "little")
            out += chunk
    return bytes(out)


def classify_flow(server, client):
    spk = list(packets(server))
    cpk = list(packets(client))
    if not spk:
        return
    mysql8 = b"\x01\x00"
    mariadb = b"\x00\x00"
    prefix = mariadb
    first = spk[0][4:]
    for p in spk[:40]:
        save("frame", b"\x01" + p)
    for p in cpk[:20]:
        save("frame", b"\x01" + p)
    save("frame", b"\x01" + server[:4096])
    save("cframe", server[:4096])
    save("cframe", client[:4096])
    if first[:1] == b"\x0a":
        save("greeting", first)
        if b"MariaDB" not in first:
            prefix = mysql8
    if cpk:
        c0 = cpk[0][4:]
        if len(c0) == 32:
            save("ssl_request", c0)
        else:
            save("response", c0)
    for p in spk[1:]:
        body = p[4:]
        if not body:
            continue
        h = body[0]
        if h == 0xFE and len(body) >= 9:
            save("auth", b"\x00" + body)
            save("classify", prefix + body)
        elif h == 0xFE:
            save("eof", prefix + body)
            save("auth", b"\x00" + body)
        elif h == 0x01 and len(body) < 600:
            save("auth", b"\x01" + body)
        elif h == 0x00:
            save("ok", prefix + body)
            save("redirect", prefix + b"\x47\x00" + body)
        elif h == 0xFF:
            save("err", prefix + body)
            save("redirect", prefix + b"\xc7\x00" + body)
        save("classify", prefix + body)


def main(paths):
    for pcap in paths:
        try:
            flows, ports_of = streams(pcap)
        except subprocess.CalledProcessError as e:
            print(f"skip {pcap}: {e}", file=sys.stderr)
            continue
        by_stream = defaultdict(dict)
        for (stream, sport), data in flows.items():
            by_stream[stream][sport] = data
        for stream, sides in by_stream.items():
            sport, dport = ports_of[stream]
            server_port = None
            for port, data in sides.items():
                if data[4:5] == b"\x0a" and data[3:4] == b"\x00":
                    server_port = port
            if server_port is None:
                server_port = sport if sport in SERVER_PORTS else dport
            client_port = dport if server_port == sport else sport
            classify_flow(sides.get(server_port, b""), sides.get(client_port, b""))
        # The flow harness and the capture reader get whole conversations.
        try:
            by_seg = segments(pcap)
        except subprocess.CalledProcessError:
            by_seg = {}
        for stream, segs in by_seg.items():
            if stream not in ports_of:
                continue
            sport, dport = ports_of[stream]
            server_port = sport if sport in SERVER_PORTS else dport
            for p, data in segs:
                if data[4:5] == b"\x0a" and data[3:4] == b"\x00":
                    server_port = p
            # 0x01 SYN handshake, 0x04 FIN at the end; 0x12 adds small limits;
            # a server port other than 3306 is tracked by its greeting
            opts = 0x05 if server_port == 3306 else 0x07
            save("dump_flow", dump_flow_seed(segs, server_port, opts))
            save("dump_flow", dump_flow_seed(segs[:12], server_port, opts | 0x10))
        if os.path.getsize(pcap) <= MAX_LEN:
            with open(pcap, "rb") as f:
                save("pcap", f.read())
    lenenc = [b"\x00", b"\xfa", b"\xfb", b"\xfc\xfb\x00", b"\xfd\x00\x00\x01",
              b"\xfe\x00\x00\x00\x01\x00\x00\x00\x00", b"\xff", b"\x05hello"]
    for v in lenenc:
        save("lenenc", v)
    urls = [
        "", "mysql://mariadb.org", "mysql://mariadb.org:12345", "mariadb://mariadb.org:66666",
        "mysql://:3306", "mysql://h/db?x=1", "mysql://user@h", "mysql://[::1]:3306",
        "mariadb://user%40host:password@host.example.com:1234/?user=user@host&ttl=60",
        "mysql://[2001:4860:4860::8888]:1234/?user=abcd", "mysql://h%3A1:3306",
        "mysql:replication://primary:3306,replica:3307/db?ttl=5",
        "mysql:loadbalance://address=(host=a)(port=1)(type=master),address=(host=b)/x",
    ]
    locations = [
        "Location: mysql://[db2.example.com]:3306/?user=alice&ttl=60\n",
        "Location: mysql://db2.example.com:3306/user=alice@myserver&ttl=60",
        "Location: mysql://host.example.com:1234/user=user@host",
        "Location: mysql://[2001:4860:4860::8888]:1234/?user=abcd&ttl=60\n",
    ]
    for i, u in enumerate(urls):
        for g in range(3):
            save("url", bytes([g]) + u.encode())
        save("compat", u.encode())
    for loc in locations:
        save("url", b"\x03" + loc.encode())
        save("location", loc.encode())
        save("compat", loc.encode())
    for m in ["|Server is being upgraded|db2.example.com:3306", "|x|h", "|text|", "no pipes",
              "|a|b:99999", "|a|b:"]:
        save("err_redirect", m.encode())
    # OK packets carrying redirects (session-track and Location carriers).
    redirect_oks = [
        "00000002400000002e002c0c72656469726563745f75726c1e6d6172696164623a2f2f6462322e6578616d706c652e636f6d3a33333036",
        "0000000340000000250023" "0c72656469726563745f75726c156d7973716c3a2f2f31302e302e302e373a33333037",
        "000000020000003c4c6f636174696f6e3a206d7973716c3a2f2f5b6462322e6578616d706c652e636f6d5d3a333330362f3f757365723d616c6963652674746c3d36300a",
        "000000034000000015010504746573740201310509085f5f5f5f5f5f5f5f",
    ]
    for h in redirect_oks:
        body = bytes.fromhex(h)
        save("ok", b"\x00\x00" + body)
        save("redirect", b"\x00\x00\x47\x00" + body)
        save("redirect", b"\x00\x00\x07\x00" + body)
    for name, n in sorted(counts.items()):
        print(f"{name}: {n} new seeds")


if __name__ == "__main__":
    main(sys.argv[1:])
