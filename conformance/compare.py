#!/usr/bin/env python3
"""Compare `redir dump --json --verify` output with a conformance golden.

Usage: compare.py GOLDEN [DUMP_JSONL]   (the dump output is read from stdin
       when no file is given)
       compare.py --draft GOLDEN [DUMP_JSONL]   print draft review lines for
       every difference instead of failing (for reviewing by hand).

Exit status 0 when every golden PDU is matched with equal fields, every packet
of ours is matched (or covered by a review line), and --verify reported no
difference; 1 otherwise. See conformance/README.md for the file format.
"""
import json
import sys

# Kinds of ours that a tshark kind may correspond to.
KIND_COMPAT = {
    "eof": {"eof"},
    "ok-as-eof": {"ok-as-eof"},
    "ok": {"ok"},
}


def load_golden(path):
    header, pdus, reviews = None, [], []
    with open(path, encoding="utf-8") as fh:
        for line in fh:
            line = line.strip()
            if not line:
                continue
            obj = json.loads(line)
            if "golden" in obj:
                header = obj
            elif "review" in obj:
                reviews.append(obj["review"])
            else:
                pdus.append(obj)
    return header, pdus, reviews


def load_dump(fh):
    packets, events, summaries = [], [], []
    for line in fh:
        line = line.strip()
        if not line:
            continue
        obj = json.loads(line)
        if "summary" in obj:
            summaries.append(obj["summary"])
        elif "event" in obj:
            events.append(obj)
        else:
            packets.append(obj)
    return packets, events, summaries


def length_of(obj):
    # goldens (and dump output before schema 2) say "len"; dump says "length"
    return obj["len"] if "len" in obj else obj["length"]


def key_of(obj):
    return (obj["frame"], obj["src"], obj["dst"], obj["seq"], length_of(obj))


def review_matches(rv, key):
    m = rv.get("match")
    if m is None:
        return False
    return (m.get("frame"), m.get("src"), m.get("dst"), m.get("seq"), m.get("len")) == key


def our_value(ours, field):
    if field == "capabilities_low32":
        v = ours.get("capabilities")
        return None if v is None else v & 0xFFFFFFFF
    if field == "session_track":
        return ours.get("session_track")
    return ours.get(field, "<absent>")


def same(field, want, got):
    if field == "session_track":
        if not isinstance(got, list) or len(got) != len(want):
            return False
        for w, g in zip(want, got):
            for k, v in w.items():
                if g.get(k) != v:
                    return False
        return True
    return want == got


def main():
    args = sys.argv[1:]
    draft = False
    if args and args[0] == "--draft":
        draft = True
        args = args[1:]
    if not args:
        print(__doc__, file=sys.stderr)
        return 2
    header, pdus, reviews = load_golden(args[0])
    fh = open(args[1], encoding="utf-8") if len(args) > 1 else sys.stdin
    packets, _events, summaries = load_dump(fh)
    name = header["capture"] if header else args[0]

    problems = []
    reviewed = 0
    by_key = {}
    for p in packets:
        by_key.setdefault(key_of(p), []).append(p)
    used = set()
    capture_reviews = [rv for rv in reviews if "match" not in rv]
    extra_ok = any(rv.get("extra_ok") for rv in capture_reviews)
    absent_ok = any(rv.get("absent_ok") for rv in capture_reviews)
    extra_compressed_ok = any(rv.get("extra_compressed_ok") for rv in capture_reviews)
    # A logical packet longer than 0xFFFFFF bytes is one packet of ours and
    # several wire frames (consecutive sequence ids) for tshark.
    continued = {}
    for p in packets:
        for i in range(1, p.get("frames", 1)):
            continued[(p["src"], p["dst"], (p["seq"] + i) % 256)] = p
        if p.get("frames", 1) > 1:
            continued[(p["src"], p["dst"], p["seq"])] = p

    for g in pdus:
        key = key_of(g)
        rvs = [rv for rv in reviews if review_matches(rv, key)]
        if any(rv.get("absent") for rv in rvs):
            reviewed += 1
            continue
        cands = [p for p in by_key.get(key, []) if id(p) not in used]
        if not cands:
            whole = continued.get((g["src"], g["dst"], g["seq"]))
            if whole is not None:
                used.add(id(whole))  # a wire frame of a joined packet
                continue
            if absent_ok:
                reviewed += 1
                continue
            problems.append(("missing", g, None, None))
            continue
        ours = cands[0]
        used.add(id(ours))
        want_kind = g["kind"]
        kind_reviewed = False
        for rv in rvs:
            if "kind" in rv:
                want_kind = rv["kind"]
                kind_reviewed = True
                reviewed += 1
        if want_kind != "other":
            allowed = KIND_COMPAT.get(want_kind, {want_kind})
            if ours.get("kind") not in allowed:
                problems.append(("kind", g, ours, ("kind", want_kind, ours.get("kind"))))
                continue
        # tshark's fields describe the packet it thought it saw: a reviewed
        # kind makes them meaningless.
        fields = {} if kind_reviewed else g["fields"]
        for field, want in fields.items():
            for rv in rvs:
                if rv.get("field") == field:
                    want = rv["expect"]
                    reviewed += 1
            if want == "<ignore>":
                continue
            got = our_value(ours, field)
            if not same(field, want, got):
                problems.append(("field", g, ours, (field, want, got)))

    for p in packets:
        if id(p) in used or extra_ok:
            continue
        if extra_compressed_ok and p.get("compressed"):
            continue
        key = key_of(p)
        if any(review_matches(rv, key) and rv.get("extra") for rv in reviews):
            reviewed += 1
            continue
        problems.append(("extra", None, p, None))

    # Every packet must re-encode to the captured bytes, or be reviewed.
    for p in packets:
        v = p.get("verify")
        if v is None:
            problems.append(("verify", None, p, "dump ran without --verify"))
            break
        if v in ("mismatch", "decode-error"):
            key = key_of(p)
            if any(review_matches(rv, key) and rv.get("verify") == v for rv in reviews):
                reviewed += 1
                continue
            problems.append(("verify", None, p, (v, p.get("verify_offset"),
                                                 p.get("verify_status"))))
    for s in summaries:
        v = s.get("verify")
        if v is not None and v.get("mismatched", 0) + v.get("decode_errors", 0) > 0:
            # compressed frames are verified too; they have no packet line
            n = sum(1 for p in packets if p.get("verify") in ("mismatch", "decode-error"))
            if v["mismatched"] + v["decode_errors"] > n:
                problems.append(("verify", None, None, "compressed frame re-encoding differs"))
    if not summaries:
        problems.append(("summary", None, None, "no summary object: the dump did not finish"))

    if draft:
        for kind, g, ours, detail in problems:
            rec = g if g is not None else ours
            m = ({"frame": rec["frame"], "src": rec["src"], "dst": rec["dst"], "seq": rec["seq"],
                  "len": length_of(rec)} if rec else None)
            if kind == "field":
                out = {"match": m, "field": detail[0], "tshark": detail[1], "expect": detail[2],
                       "reason": "TODO"}
            elif kind == "kind":
                out = {"match": m, "kind": detail[2], "tshark_kind": detail[1], "reason": "TODO"}
            elif kind == "missing":
                out = {"match": m, "absent": True, "tshark_kind": g["kind"], "reason": "TODO"}
            elif kind == "extra":
                out = {"match": m, "extra": True, "ours_kind": ours.get("kind"), "reason": "TODO"}
            elif kind == "verify" and ours is not None and isinstance(detail, tuple):
                out = {"match": m, "verify": detail[0], "offset": detail[1], "reason": "TODO"}
            else:
                out = {"note": str(detail)}
            print(json.dumps({"review": out}, ensure_ascii=False, sort_keys=True))
        return 0

    if problems:
        print("FAIL %s: %d problem(s)" % (name, len(problems)))
        for kind, g, ours, detail in problems[:20]:
            rec = g if g is not None else ours
            where = "frame %s %s seq %s len %s" % (rec["frame"], rec.get("dir", "") or
                                                   (rec["src"] + ">" + rec["dst"]),
                                                   rec["seq"], length_of(rec)) if rec else ""
            print("  %s %s %s" % (kind, where, detail if detail is not None else ""))
        if len(problems) > 20:
            print("  ... %d more" % (len(problems) - 20))
        return 1
    print("PASS %s (%d PDUs, %d reviewed differences)" % (name, len(pdus), reviewed))
    return 0


if __name__ == "__main__":
    sys.exit(main())
