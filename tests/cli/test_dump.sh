#!/usr/bin/env bash
# `redir dump` output: the text and JSON renderings carry the same members,
# the filters (--only, --flow) select what they say, --opt=value works, and
# the JSON schema facts (ts a number, "length", "schema" in the summary).
#
# usage: test_dump.sh PATH/TO/redir PCAPS_DIR
set -u
REDIR=${1:?usage: test_dump.sh PATH/TO/redir PCAPS_DIR}
PCAPS=${2:?usage: test_dump.sh PATH/TO/redir PCAPS_DIR}
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
passed=0
failed=0
check() { # NAME COMMAND...: the command must succeed
    local name=$1
    shift
    if "$@" >"$TMP/check.out" 2>&1; then
        passed=$((passed + 1))
    else
        echo "FAIL $name"
        sed 's/^/  /' "$TMP/check.out" | head -n 20
        failed=$((failed + 1))
    fi
}

ST=$PCAPS/mariadb-10.11-session-track.pcap
QE=$PCAPS/mariadb-10.11-query-error.pcap
"$REDIR" dump -r "$ST" --json >"$TMP/st.json"
"$REDIR" dump -r "$ST" >"$TMP/st.txt"

# One description, two renderings: every non-null top-level member of a JSON
# packet appears in its text line under the same name (the kind and command
# as bare words, the line prefix standing for flow, endpoints, frame, time).
check same_members python3 - "$TMP/st.json" "$TMP/st.txt" <<'PY'
import json, re, sys
objs = [json.loads(l) for l in open(sys.argv[1])]
packets = [o for o in objs if "kind" in o]
lines = [l for l in open(sys.argv[2]) if not l.startswith("#")]
assert len(packets) == len(lines), (len(packets), len(lines))
prefix = {"flow", "src", "dst", "dir", "frame", "ts"}
words = {"kind", "command"}
for o, line in zip(packets, lines):
    names = set(re.findall(r" ([a-z_]+)=", line.split('"')[0] + " " + " ".join(line.split('"')[2::2])))
    for k, v in o.items():
        if k in prefix or v is None or k.endswith("_flags"):
            continue
        if k in words:
            assert (" %s " % v) in line or line.rstrip().endswith(" " + v), (k, v, line)
        else:
            assert k in names, (k, line)
PY

check json_schema python3 - "$TMP/st.json" <<'PY'
import json, sys
objs = [json.loads(l) for l in open(sys.argv[1])]
s = [o["summary"] for o in objs if "summary" in o]
assert len(s) == 1 and s[0]["schema"] == 2, s
for o in objs:
    if "kind" in o:
        assert isinstance(o["ts"], float) and isinstance(o["length"], int) and "len" not in o, o
        if o["kind"] in ("ok", "ok-as-eof", "err"):
            assert "redirect" in o, o
        if "status" in o and o["status"] is not None:
            assert isinstance(o["status_flags"], list), o
PY

"$REDIR" dump --json --only=err,greeting -r "$QE" >"$TMP/only.json"
check only_kinds python3 - "$TMP/only.json" <<'PY'
import json, sys
objs = [json.loads(l) for l in open(sys.argv[1])]
kinds = {o["kind"] for o in objs if "kind" in o}
assert kinds == {"err", "greeting"}, kinds
assert not [o for o in objs if "event" in o]
PY

"$REDIR" dump --json --only query --flow=1 -r "$ST" >"$TMP/q.json"
check only_query_flow python3 - "$TMP/q.json" <<'PY'
import json, sys
objs = [json.loads(l) for l in open(sys.argv[1]) if '"summary"' not in l]
assert objs and all(o["kind"] == "command" and o["command"] == "query" and o["flow"] == 1
                    for o in objs), objs[:3]
PY

"$REDIR" dump --json --raw --only ok -r "$ST" >"$TMP/raw.json"
check raw_decodes_back python3 - "$TMP/raw.json" "$REDIR" <<'PY'
import json, subprocess, sys
objs = [json.loads(l) for l in open(sys.argv[1]) if '"summary"' not in l]
assert objs
for o in objs[:5]:
    out = subprocess.run([sys.argv[2], "decode", "--as", "ok", o["raw"]], check=True,
                         capture_output=True, text=True).stdout
    d = json.loads(out)
    for k in ("affected_rows", "status", "session_track", "redirect"):
        assert d[k] == o[k], (k, d[k], o[k])
PY

check only_unknown bash -c '! "$0" dump --only bogus -r "$1" 2>"$2" && grep -q "unknown kind .bogus." "$2"' \
    "$REDIR" "$ST" "$TMP/err"
check flow_bad bash -c '! "$0" dump --flow 0 -r "$1" 2>/dev/null' "$REDIR" "$ST"

echo "dump: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
