#!/usr/bin/env python3
"""Turn tshark's PDML for one capture into a conformance golden file.

Usage: tshark2golden.py CAPTURE_NAME TSHARK_VERSION DECODE_AS_ARGS < pdml > golden

Reads the PDML that `tshark -T pdml -Y mysql` printed on stdin and writes one
JSON line per MySQL PDU that tshark dissected, with the fields named in
conformance/README.md under the names `redir dump --json` uses. Review lines
(hand-written, starting with {"review") are not produced here: make_goldens.sh
carries them over from the previous golden file.
"""
import json
import sys
import xml.etree.ElementTree as ET

COMMANDS = {
    0x00: "sleep", 0x01: "quit", 0x02: "init-db", 0x03: "query", 0x04: "field-list",
    0x05: "create-db", 0x06: "drop-db", 0x07: "refresh", 0x08: "shutdown",
    0x09: "statistics", 0x0a: "process-info", 0x0b: "connect", 0x0c: "process-kill",
    0x0d: "debug", 0x0e: "ping", 0x0f: "time", 0x10: "delayed-insert",
    0x11: "change-user", 0x12: "binlog-dump", 0x13: "table-dump", 0x14: "connect-out",
    0x15: "register-slave", 0x16: "stmt-prepare", 0x17: "stmt-execute",
    0x18: "stmt-send-long-data", 0x19: "stmt-close", 0x1a: "stmt-reset",
    0x1b: "set-option", 0x1c: "stmt-fetch", 0x1d: "daemon", 0x1e: "binlog-dump-gtid",
    0x1f: "reset-connection", 0xfa: "stmt-bulk-execute",
}

TRACK_TYPES = {0: "system_variable", 1: "schema", 2: "state_change", 3: "gtids",
               4: "transaction_characteristics", 5: "transaction_state"}

# NUL-terminated strings whose PDML value includes the terminator.
NUL_TERMINATED = {"mysql.version", "mysql.user", "mysql.schema", "mysql.auth_plugin",
                  "mysql.client_auth_plugin", "mysql.auth_switch_request.name"}


# Fields read from the PDML; everything else (row values, flags) is skipped.
WANTED = ("mysql.packet_", "mysql.server_greeting", "mysql.version", "mysql.thread_id",
          "mysql.caps.server", "mysql.extcaps.server", "mysql.caps.client",
          "mysql.extcaps.client", "mysql.server_status", "mysql.auth_plugin",
          "mysql.login_request", "mysql.user", "mysql.schema", "mysql.client_auth_plugin",
          "mysql.request", "mysql.command", "mysql.query", "mysql.error_code",
          "mysql.sqlstate", "mysql.error.message", "mysql.auth_switch_request.name",
          "mysql.row.nullbuffer", "mysql.response_code", "mysql.stmt_id", "mysql.num_params",
          "mysql.affected_rows", "mysql.insert_id", "mysql.warnings", "mysql.num_fields",
          "mysql.field.catalog", "mysql.field.name", "mysql.row.text")


def text_of(hexstr):
    """Bytes (given as hex) as `redir dump --json` shows them once parsed:
    UTF-8 where valid, every other byte as the code point of its value."""
    raw = hexstr if isinstance(hexstr, bytes) else bytes.fromhex(hexstr) if len(hexstr) % 2 == 0 else b""
    s = raw.decode("utf-8", errors="surrogateescape")
    return "".join(chr(ord(c) - 0xDC00) if 0xDC80 <= ord(c) <= 0xDCFF else c for c in s)


class Pdu:
    def __init__(self, elem):
        self.fields = {}   # name -> list of (show, raw bytes)
        self.tracks = []   # session-track entries: dict name -> (show, raw)
        self._walk(elem, None)

    def _walk(self, elem, track):
        for child in elem:
            if child.tag != "field":
                continue
            name = child.get("name", "")
            if name == "mysql.session_track":
                entry = {}
                self.tracks.append(entry)
                self._walk(child, entry)
                continue
            show = child.get("show", "")
            # Hex stays text until a field is used: rows can be megabytes.
            raw = child.get("value") or ""
            if track is not None:
                track.setdefault(name, (show, raw))
            elif name.startswith(WANTED):
                self.fields.setdefault(name, []).append((show, raw))
            self._walk(child, track)

    def has(self, name):
        return name in self.fields

    def show(self, name):
        return self.fields[name][0][0]

    def int(self, name):
        s = self.show(name)
        return int(s, 16) if s.startswith("0x") else int(s)

    def text(self, name):
        raw = self.fields[name][0][1]
        if name in NUL_TERMINATED and raw.endswith("00") and len(raw) % 2 == 0:
            raw = raw[:-2]
        return text_of(raw)


def track_list(pdu):
    out = []
    for e in pdu.tracks:
        if "mysql.session_track.type" not in e:
            continue
        t = int(e["mysql.session_track.type"][0])
        name = TRACK_TYPES.get(t, t)
        item = {"type": name}
        if t == 0:
            item["name"] = text_of(e.get("mysql.session_track.sysvar.name", ("", ""))[1])
            item["value"] = text_of(e.get("mysql.session_track.sysvar.value", ("", ""))[1])
        elif t in TRACK_TYPES:
            key = {1: "schema", 2: "state_change", 3: "gtids",
                   4: "transaction_characteristics", 5: "transaction_state"}[t]
            fld = e.get("mysql.session_track." + key)
            if fld is not None:
                item["value"] = text_of(fld[1])
        out.append(item)
    return out


def classify(p):
    """Returns (kind, fields) in the vocabulary of redir dump --json."""
    f = {}
    if p.has("mysql.server_greeting") or p.has("mysql.version"):
        f["server_version"] = p.text("mysql.version") if p.has("mysql.version") else None
        if p.has("mysql.thread_id"):
            f["connection_id"] = p.int("mysql.thread_id")
        if p.has("mysql.caps.server"):
            caps = p.int("mysql.caps.server")
            if p.has("mysql.extcaps.server"):
                caps |= p.int("mysql.extcaps.server") << 16
            f["capabilities_low32"] = caps
        if p.has("mysql.server_status"):
            f["status"] = p.int("mysql.server_status")
        if p.has("mysql.auth_plugin"):
            f["auth_plugin"] = p.text("mysql.auth_plugin")
        return "greeting", f
    if p.has("mysql.login_request"):
        if p.has("mysql.caps.client"):
            caps = p.int("mysql.caps.client")
            if p.has("mysql.extcaps.client"):
                caps |= p.int("mysql.extcaps.client") << 16
            f["capabilities_low32"] = caps
        if not p.has("mysql.user") or (p.int("mysql.packet_length") == 32 and
                                        f.get("capabilities_low32", 0) & 0x0800):
            f.pop("user", None)
            return "ssl-request", f
        f["user"] = p.text("mysql.user")
        if p.has("mysql.schema"):
            f["database"] = p.text("mysql.schema")
        if p.has("mysql.client_auth_plugin"):
            f["auth_plugin"] = p.text("mysql.client_auth_plugin")
        return "response", f
    if p.has("mysql.request"):
        if p.has("mysql.command"):
            c = p.int("mysql.command")
            f["command"] = COMMANDS.get(c, c)
        if p.has("mysql.query"):
            f["sql"] = p.text("mysql.query")
        if p.has("mysql.user"):
            f["user"] = p.text("mysql.user")
        return "command", f
    if p.has("mysql.error_code"):
        f["code"] = p.int("mysql.error_code")
        if p.has("mysql.sqlstate"):
            f["sql_state"] = p.text("mysql.sqlstate")
        if p.has("mysql.error.message"):
            f["message"] = p.text("mysql.error.message")
        return "err", f
    if p.has("mysql.auth_switch_request.name"):
        f["auth_plugin"] = p.text("mysql.auth_switch_request.name")
        return "auth-switch", f
    if p.has("mysql.row.nullbuffer"):
        return "row", f  # a binary-protocol row: tshark also shows its 0x00 header
    if p.has("mysql.response_code"):
        code = p.int("mysql.response_code")
        if code == 0x00 and p.has("mysql.stmt_id") and p.has("mysql.num_params"):
            f["statement_id"] = p.int("mysql.stmt_id")
            f["params"] = p.int("mysql.num_params")
            return "prepare-ok", f
        if code == 0x00 or (code == 0xFE and p.has("mysql.affected_rows")):
            for src, dst in (("mysql.affected_rows", "affected_rows"),
                             ("mysql.insert_id", "last_insert_id"),
                             ("mysql.server_status", "status"),
                             ("mysql.warnings", "warnings")):
                if p.has(src):
                    f[dst] = p.int(src)
            tracks = track_list(p)
            if tracks:
                f["session_track"] = tracks
            return ("ok" if code == 0x00 else "ok-as-eof"), f
        if code == 0xFE:
            if p.has("mysql.warnings"):
                f["warnings"] = p.int("mysql.warnings")
            if p.has("mysql.server_status"):
                f["status"] = p.int("mysql.server_status")
            return "eof", f
    if p.has("mysql.num_fields") and not p.has("mysql.field.catalog"):
        f["columns"] = p.int("mysql.num_fields")
        return "column-count", f
    if p.has("mysql.field.catalog"):
        f["name"] = p.text("mysql.field.name") if p.has("mysql.field.name") else ""
        return "column-def", f
    if p.has("mysql.row.text") or p.has("mysql.fld"):
        return "row", f
    return "other", f


def endpoint(ip, port):
    return ("[%s]:%s" % (ip, port)) if ":" in ip else ("%s:%s" % (ip, port))


def main():
    capture, version, args = sys.argv[1], sys.argv[2], sys.argv[3]
    out = sys.stdout
    out.write(json.dumps({"golden": "redir-conformance/1", "capture": capture,
                          "tshark": version, "tshark_args": args}) + "\n")
    for _, elem in ET.iterparse(sys.stdin.buffer, events=("end",)):
        if elem.tag != "packet":
            continue
        frame = None
        src = dst = None
        sport = dport = None
        pdus = []
        for proto in elem.findall("proto"):
            name = proto.get("name")
            if name == "frame":
                for fl in proto.iter("field"):
                    if fl.get("name") == "frame.number":
                        frame = int(fl.get("show"))
                        break
            elif name in ("ip", "ipv6"):
                for fl in proto.iter("field"):
                    n = fl.get("name")
                    if n in ("ip.src", "ipv6.src") and src is None:
                        src = fl.get("show")
                    elif n in ("ip.dst", "ipv6.dst") and dst is None:
                        dst = fl.get("show")
            elif name == "tcp":
                for fl in proto.iter("field"):
                    n = fl.get("name")
                    if n == "tcp.srcport" and sport is None:
                        sport = fl.get("show")
                    elif n == "tcp.dstport" and dport is None:
                        dport = fl.get("show")
            elif name == "mysql":
                pdus.append(Pdu(proto))
        for p in pdus:
            if not p.has("mysql.packet_length"):
                continue
            kind, fields = classify(p)
            rec = {"frame": frame, "src": endpoint(src, sport), "dst": endpoint(dst, dport),
                   "seq": p.int("mysql.packet_number") if p.has("mysql.packet_number") else None,
                   "len": p.int("mysql.packet_length"), "kind": kind, "fields": fields}
            out.write(json.dumps(rec, ensure_ascii=False, sort_keys=True) + "\n")
        elem.clear()


if __name__ == "__main__":
    main()
