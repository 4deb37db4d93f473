#!/usr/bin/env bash
# Installs what is needed (Debian 12, as root), builds, and runs netroof's
# main job on built-in defaults: the simulator's predicted-vs-measured table
# for the reference two-node GB10 report, and why TP doubles over RoCE while
# PP barely moves.
#   BUILD=dir  build directory (default: build)
set -uo pipefail
cd "$(dirname "$0")"
build=${BUILD:-build}
scripts/install-deps.sh || exit 1
scripts/build.sh "$build" --quiet || exit 1
# exit 1 is the validation's own verdict (a cell outside the limits): show
# it and go on; 2 and above are errors
"$build"/sim/sim validate --measured results/vllm/qwen3-coder-gb10-2node.csv
rc=$?; [ $rc -le 1 ] || exit $rc
echo
"$build"/sim/sim explain --model qwen3-coder-30b-a3b
