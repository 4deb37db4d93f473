#!/bin/sh
# Golden test: `sim plan` for Qwen3-Coder-30B-A3B on two GB10 nodes (RoCE)
# must print exactly the pinned table (tests/sim/plan.golden), and its JSON
# document must carry the same ranking and recommendation.
# The numbers follow the model and its data files (the network model among
# them); after a deliberate change, regenerate from the source root with
#   build/sim/sim plan --model qwen3-coder-30b-a3b --nodes-max 2 >tests/sim/plan.golden
# and review the diff like code.
# usage: plan_golden.sh SIM_EXE TESTS_SIM_DIR
set -u
sim=$1; here=$2
command -v python3 >/dev/null || { echo "SKIP: needs python3" >&2; exit 77; }
out=$(mktemp) || exit 99
js=$(mktemp) || exit 99
trap 'rm -f "$out" "$js"' EXIT
"$sim" plan --model qwen3-coder-30b-a3b --nodes-max 2 >"$out" || {
	echo "FAIL: sim plan exit $?" >&2; exit 1; }
if ! diff -u "$here/plan.golden" "$out"; then
	echo "FAIL: sim plan output differs from plan.golden (regenerate: see $0)" >&2
	exit 1
fi
"$sim" plan --model qwen3-coder-30b-a3b --nodes-max 2 -J - >"$js" || exit 1
python3 - "$js" "$out" <<'PY' || exit 1
import json, re, sys
d = json.load(open(sys.argv[1]))
text = open(sys.argv[2]).read()
rows = d["results"]
ranked = [r for r in rows if r["rank"] is not None]
# the table lists every fitting row, in rank order, with its tok/s
table = re.findall(r"^\s+(\d+)\s+(\S+(?: \+EAGLE3)?)\s+(\d+)\s+([\d.]+)", text, re.M)
assert len(table) == len(ranked), (len(table), len(ranked))
for (rank, name, nodes, tok), r in zip(table, ranked):
    assert int(rank) == r["rank"] and name == r["deployment"], (rank, name, r)
    assert abs(float(tok) - r["tok_s"]) <= 0.05, (tok, r["tok_s"])
    assert r["headroom_gib"] >= 0 and r["status"] == "fits", r
toks = [r["tok_s"] for r in ranked]
assert toks == sorted(toks, reverse=True), toks
best = d["summary"]["best"]
assert re.search(r"^=> run %s over " % re.escape(best), text, re.M), best
assert d["summary"]["vllm"] in text
print("plan golden ok (best %s, %d deployments fit)" % (best, len(ranked)))
PY
