#!/usr/bin/env bash
# with_certs.sh COMMAND [ARGS...]
#
# Makes a throw-away CA and server certificate (scripts/make-certs.sh) in a
# temporary directory, runs COMMAND with REDIR_TEST_CERTS naming it, removes
# it and exits with COMMAND's status.
set -uo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
dir=$(mktemp -d /tmp/redir-certs.XXXXXX)
trap 'rm -rf "$dir"' EXIT
"$root/scripts/make-certs.sh" "$dir" || exit 1
REDIR_TEST_CERTS=$dir "$@"
