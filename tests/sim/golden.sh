#!/bin/sh
# Golden test: `sim validate` on the reference table must print exactly the
# pinned table (tests/sim/validate.golden), exit with the status its verdict
# line states (PASS 0, FAIL 1: the link-level socket profile has no GB10
# TCP latency to stand on, see sim/profiles/net-socket.json), and its JSON
# must carry the same numbers.
# After a deliberate change of the model or its data files, regenerate:
#   build/sim/sim validate --measured results/vllm/qwen3-coder-gb10-2node.csv \
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
verdict=$(sed -n 's/^=> \(PASS\|FAIL\):.*/\1/p' "$out")
case "$verdict:$rc" in
PASS:0|FAIL:1) ;;
*) echo "FAIL: verdict '$verdict' with exit $rc" >&2; exit 1 ;;
esac
pass_json=false; [ "$verdict" = PASS ] && pass_json=true
# the JSON document (-J -) carries the same numbers: every row, the MAPE
"$sim" validate --measured results/vllm/qwen3-coder-gb10-2node.csv -J - >"$out"
[ $? -eq $rc ] || { echo "FAIL: -J - exit differs" >&2; exit 1; }
for k in '"results"' '"measured"' '"predicted"' '"error_pct"' '"mape_pct"' "\"pass\": $pass_json" '"params_fitted_on_this_table"' '"fitted_net_whatif"'; do
	grep -q "$k" "$out" || { echo "FAIL: JSON lacks $k" >&2; exit 1; }
done
mape_txt=$("$sim" validate --measured results/vllm/qwen3-coder-gb10-2node.csv |
	sed -n 's/^MAPE overall: \([0-9.]*\)%.*/\1/p')
rows_txt=$(grep -c '^qwen3-coder' "$here/validate.golden")
set -- $(python3 -c 'import json,sys
d = json.load(open(sys.argv[1]))
print("%.2f" % d["summary"]["mape_pct"], len(d["results"]))' "$out") || exit 1
mape_json=$1 rows_json=$2
[ "$mape_txt" = "$mape_json" ] ||
	{ echo "FAIL: MAPE text $mape_txt vs JSON $mape_json" >&2; exit 1; }
[ "$rows_txt" = "$rows_json" ] ||
	{ echo "FAIL: $rows_txt rows in the table, $rows_json in JSON" >&2; exit 1; }
echo "golden ok (MAPE $mape_txt%)"
