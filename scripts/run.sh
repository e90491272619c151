#!/usr/bin/env bash
# The main job. Builds libredir and the redir tool (release) and then:
#   1. decodes real packets taken from the captures in pcaps/ (`redir decode`);
#   2. runs the conformance pass: every capture in pcaps/ through
#      `redir dump --json --verify`, compared with the tshark-derived goldens;
#   3. builds each redirect carrier (`redir build`), decodes it back, and asks
#      which implementations would follow its URL (`redir url --compat`).
# Installs what it needs first (scripts/deps.sh). Exits non-zero when a step
# fails.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
bash scripts/deps.sh
echo "building (release)..."
cmake --preset release -DREDIR_BUILD_TESTS=OFF >build-release.log 2>&1 &&
  cmake --build --preset release -j "$(nproc)" >>build-release.log 2>&1 ||
  { tail -n 40 build-release.log; exit 1; }
mkdir -p build && mv build-release.log build/
redir=$root/build/release/tools/redir
section() { printf '\n== %s\n' "$*"; }
show() { printf '$ redir %s\n' "$*" | cut -c1-150; "$redir" "$@"; }

section "1. redir decode: real packets from pcaps/ (see tests/cli/test_decode.sh for their frames)"
# MariaDB 10.11 greeting: CLIENT_MYSQL clear, extended capabilities in the reserved bytes
show decode --as greeting --header \
  640000000a352e352e352d31302e31312e31392d4d6172696144422d302b64656231327531000d0000007d \
  284c287d62504d00feff2d0200ff81150000000000001d0000006e642c4c783a5376766c3e30006d797371 \
  6c5f6e61746976655f70617373776f726400
# MariaDB 10.11 OK after SET NAMES: three tracked system variables and a state change
show decode --header \
  6b000001000000024000000062001d156368617261637465725f7365745f726573756c7473066c6174696e \
  310020186368617261637465725f7365745f636f6e6e656374696f6e066c6174696e31001c146368617261 \
  637465725f7365745f636c69656e74066c6174696e31020131
# MariaDB progress report during ALTER TABLE
show decode --header 1b000001ffffff010102e7030011636f707920746f20746d70207461626c65
# MySQL 5.5 ERR 1045 with SQLSTATE
show decode ff15042332383030304163636573732064656e69656420666f72207573657220277573657230274027686f7374 \
  3132332e6c6f63616c2720287573696e672070617373776f72643a204e4f29

section "2. conformance: redir dump --json --verify over pcaps/, compared with conformance/ goldens"
bash tests/conformance/run.sh "$redir"

section "3. the three redirect carriers, built, decoded, and judged by every implementation"
ok=$("$redir" build session-track --url mariadb://db2.example.com:3306 \
  --var autocommit=ON --var character_set_client=utf8mb4 --var redirect_url= --var time_zone=SYSTEM)
echo "session-track (a MariaDB 11.5-style login OK): $ok"
show decode --header "$ok"
err=$("$redir" build err --text "Server is being upgraded" --host db2.example.com --port 3306)
echo "ERR redirect: $err"
show decode --header "$err"
loc=$("$redir" build location --host db2.example.com --port 3306 --user alice --ttl 60)
echo "Location: $loc"
show decode --header "$loc"
section "will clients follow these redirect_url values? (redir url --compat, as a table)"
# some of these are invalid on purpose, so `redir url` exits 1 here
{ "$redir" url --compat -- "mariadb://db2:3306" "mysql://db2/" "mysql://:3306" \
  "MARIADB://db2" "mariadb://db2:99999" "mysql://h%3A1:3306" "mysql://u:p@db2:3306" || true; } |
  python3 -c '
import json, sys
rows = [json.loads(line) for line in sys.stdin]
impls = list(rows[0]["compat"])
print("%-22s" % "redirect_url" + " ".join("%-18s" % i for i in impls))
for r in rows:
    cells = []
    for i in impls:
        c = r["compat"][i]
        if not c["accepts"]:
            cells.append("no")
        elif c["host"] is None:
            cells.append("valid")
        else:
            cells.append("-> %s:%s" % (c["host"], c["port"]))
    print("%-22s" % r["url"] + " ".join("%-18s" % x for x in cells))
'
