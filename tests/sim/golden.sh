#!/bin/sh
# Golden test: `sim validate` on the reference table must print exactly the
# pinned table (tests/sim/validate.golden) and pass its own limits.
# After a deliberate change of the model or its data files, regenerate:
#   build-sim/sim/sim validate --measured results/vllm/qwen3-coder-gb10-2node.csv \
#     > tests/sim/validate.golden
# and review the diff like code.
# usage: golden.sh SIM_EXE TESTS_SIM_DIR SOURCE_ROOT
set -u
sim=$(cd "$(dirname "$1")" && pwd)/$(basename "$1"); here=$2; root=$3
out=$(mktemp) || exit 99
trap 'rm -f "$out"' EXIT
cd "$root" || exit 99
"$sim" validate --measured results/vllm/qwen3-coder-gb10-2node.csv >"$out"
rc=$?
if ! diff -u "$here/validate.golden" "$out"; then
	echo "FAIL: sim validate output differs from validate.golden" >&2
	exit 1
fi
if [ $rc -ne 0 ]; then
	echo "FAIL: sim validate exit $rc (limits not met)" >&2
	exit 1
fi
# the JSON form carries the same numbers
"$sim" validate --measured results/vllm/qwen3-coder-gb10-2node.csv --json >"$out" || exit 1
for k in '"rows"' '"measured"' '"predicted"' '"error_pct"' '"mape_pct"' '"pass": true'; do
	grep -q "$k" "$out" || { echo "FAIL: JSON lacks $k" >&2; exit 1; }
done
mape_txt=$("$sim" validate --measured results/vllm/qwen3-coder-gb10-2node.csv |
	sed -n 's/^MAPE overall: \([0-9.]*\)%.*/\1/p')
mape_json=$(sed -n 's/^  "mape_pct": \([0-9.]*\),*/\1/p' "$out")
[ "$mape_txt" = "$mape_json" ] ||
	{ echo "FAIL: MAPE text $mape_txt vs JSON $mape_json" >&2; exit 1; }
echo "golden ok (MAPE $mape_txt%)"
