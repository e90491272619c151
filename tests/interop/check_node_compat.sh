#!/usr/bin/env bash
# Checks libredir's model of MariaDB Connector/Node.js (the "connector-nodejs" entry of
# `redir url --compat`) against the real package: every vector of redirect_vectors.txt goes
# through the package's own Connection.redirect (node_redirect_parse.js) and through redir,
# and accepts/host/port must agree.
#
# usage: check_node_compat.sh PATH/TO/redir
# Exit status: 0 all agree, 1 a difference, 2 usage, 77 skipped (no node, or the package is
# not installed and `npm ci` cannot install it).
set -u

REDIR=${1:?usage: check_node_compat.sh PATH/TO/redir}
DIR=$(cd "$(dirname "$0")" && pwd)
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT

if ! command -v node >/dev/null 2>&1; then
    echo "SKIP: node is not installed"
    exit 77
fi
if [ ! -f "$DIR/node_modules/mariadb/package.json" ]; then
    if ! (cd "$DIR" && npm ci --no-audit --no-fund >"$TMP/npm.log" 2>&1); then
        cat "$TMP/npm.log"
        echo "SKIP: cannot install the mariadb package (npm ci failed)"
        exit 77
    fi
fi

VECTORS=$DIR/redirect_vectors.txt
if ! node "$DIR/node_redirect_parse.js" "$VECTORS" >"$TMP/expected" 2>"$TMP/version"; then
    cat "$TMP/version"
    echo "FAIL: node_redirect_parse.js failed"
    exit 1
fi
echo "package: $(cat "$TMP/version")"

# The vectors as NUL-separated arguments.
node -e '
const fs = require("node:fs");
for (const l of fs.readFileSync(process.argv[1], "utf8").split("\n")) {
  if (l.trim() === "" || l.startsWith("#")) continue;
  process.stdout.write(JSON.parse(l) + "\0");
}' "$VECTORS" >"$TMP/args"
mapfile -d '' -t vectors <"$TMP/args"

status=0
"$REDIR" url --compat -- "${vectors[@]}" >"$TMP/actual" 2>"$TMP/err" || status=$?
if [ "$status" -gt 1 ]; then
    cat "$TMP/err"
    echo "FAIL: redir url exited with status $status"
    exit 1
fi
node "$DIR/compare_compat.js" "$TMP/expected" "$TMP/actual"
