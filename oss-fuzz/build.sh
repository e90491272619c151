#!/bin/bash -eu
# The build logic lives in the project: fuzz/ossfuzz.sh.
"$SRC/libredir/fuzz/ossfuzz.sh"
