#!/bin/sh
# moe_alltoall --routing-only, the real binary with no GPU: the per-peer
# matrix from a matrix file must come out exactly, bytes and imbalance must
# follow from it, bad input must be a usage error (exit 2).
# usage: routing_only.sh MOE_ALLTOALL TESTDIR
# The model is sim/models' qwen3-coder-30b-a3b, by name (common/hfconfig).
exe=$1 dir=$2
model=qwen3-coder-30b-a3b
command -v python3 >/dev/null || { echo "SKIP: needs python3" >&2; exit 77; }
tmp=$(mktemp -d) || exit 99
trap 'rm -rf "$tmp"' EXIT
fail=0
expect_rc() {	# expected rc, then the command
	want=$1; shift
	"$@" >"$tmp/out" 2>"$tmp/err"; rc=$?
	if [ "$rc" != "$want" ]; then
		echo "FAIL: exit $rc (want $want): $*" >&2
		cat "$tmp/err" >&2
		fail=1
	fi
}

expect_rc 0 "$exe" --help
grep -q "GPUDirect RDMA" "$tmp/out" || { echo "FAIL: --help lacks the GPUDirect RDMA note" >&2; fail=1; }
expect_rc 0 "$exe" --list
grep -q "zipf" "$tmp/out" || { echo "FAIL: --list lacks zipf" >&2; fail=1; }

# 16 tokens x top-8 = 128 selections per rank: row 0 3/4:1/4, row 1 1/2:1/2
expect_rc 0 "$exe" --routing-only --ep 2 -R "matrix:$dir/data/skew2.matrix" \
	-s 16 -n 3 -w 0 --model "$model" -J "$tmp/m.json" -q
python3 - "$tmp/m.json" <<'PY' || fail=1
import json, sys
d = json.load(open(sys.argv[1]))
assert d["error"] is None, d["error"]
rows = d["results"]
assert len(rows) == 1, rows
r = rows[0]
def near(a, b, what):
    if abs(a - b) > 1e-9 * max(1, abs(b)):
        raise SystemExit("FAIL: %s = %r, want %r" % (what, a, b))
assert r["tokens"] == 16 and r["steps"] == 3
assert r["peer_sel_per_step"] == [[96, 32], [64, 64]], r["peer_sel_per_step"]
# every token has experts on both ranks (>= 2 slots per token each side)
assert r["peer_tok_per_step"] == [[16, 16], [16, 16]], r["peer_tok_per_step"]
# rank 0 processes 96 + 64 selections, rank 1 32 + 64: max/mean 160/128
near(r["imb_sel"], 1.25, "imb_sel")
near(r["imb_tok"], 1.0, "imb_tok")
# DeepEP-style: 128 selections x (2048 FP8 + 16 x 4 B scales), x 4096 back
near(r["bytes_deepep_dispatch"], 128 * 2112, "deepep dispatch")
near(r["bytes_deepep_combine"], 128 * 4096, "deepep combine")
# wire: 16 remote records per rank, BF16 hidden + (4 + 8 x 8) B meta
near(r["bytes_wire_dispatch"], 16 * (4096 + 68), "wire dispatch")
near(r["bytes_wire_combine"], 16 * 4096, "wire combine")
near(r["bytes_self"], 16 * (4096 + 68) + 16 * 4096, "self")
assert d["params"]["ep"] == 2 and d["params"]["hidden"] == 2048
PY

# eptp, zipf, sweep 1..8: 4 rows; busiest rank holds >= half the experts
expect_rc 0 "$exe" --routing-only --ep 2 -P eptp -R zipf:1.2 -b 1 -e 8 \
	-n 20 --model "$model" -J "$tmp/e.json" -q
python3 - "$tmp/e.json" <<'PY' || fail=1
import json, sys
d = json.load(open(sys.argv[1]))
rows = d["results"]
assert [r["tokens"] for r in rows] == [1, 2, 4, 8], rows
for r in rows:
    assert r["busiest_rank_expert_share"] >= 0.5, r
    assert r["imb_wbytes"] >= 1.0, r
    # eptp: one all-reduce of tokens x 4096 B, 2(n-1)/n of it per rank
    assert abs(r["bytes_wire_combine"] - r["tokens"] * 4096) < 1e-6, r
    assert r["bytes_wire_dispatch"] == 0, r
    # the tokens are shared: only row 0 of the matrix is used
    assert r["peer_sel_per_step"][1] == [0, 0], r
    assert abs(sum(r["peer_sel_per_step"][0]) - 8 * r["tokens"]) < 1e-9, r
assert rows[-1]["hot_expert_x_mean"] > 2, rows[-1]
PY

# the same seed reproduces, another seed differs
expect_rc 0 "$exe" --routing-only --ep 4 -R zipf -s 32 -n 5 --seed 9 --model "$model" --csv "$tmp/a.csv" -q
expect_rc 0 "$exe" --routing-only --ep 4 -R zipf -s 32 -n 5 --seed 9 --model "$model" --csv "$tmp/b.csv" -q
expect_rc 0 "$exe" --routing-only --ep 4 -R zipf -s 32 -n 5 --seed 10 --model "$model" --csv "$tmp/c.csv" -q
cmp -s "$tmp/a.csv" "$tmp/b.csv" || { echo "FAIL: same seed, different output" >&2; fail=1; }
cmp -s "$tmp/a.csv" "$tmp/c.csv" && { echo "FAIL: other seed, same output" >&2; fail=1; }

# bad input: usage errors, never a crash
expect_rc 2 "$exe" --routing-only --ep 3 -R "matrix:$dir/data/skew2.matrix" -s 4 --model "$model"
expect_rc 2 "$exe" --routing-only -R "matrix:$tmp/none" -s 4 --model "$model"
expect_rc 2 "$exe" --routing-only -R "trace:$dir/data/trace_k2.csv" -s 4 --model "$model"
expect_rc 2 "$exe" -P bogus
expect_rc 2 "$exe" -R zipf:x
expect_rc 2 "$exe" --routing-only --model "$tmp/none.json"
expect_rc 2 "$exe" --routing-only -b 8 -e 4 --model "$model"
# a trace with top-2 routing works once the model says top-2
expect_rc 0 "$exe" --routing-only --ep 2 -R "trace:$dir/data/trace_k2.csv" \
	--topk 2 --experts 8 -s 3 -n 1 -w 0 --model "$model" -J "$tmp/t.json" -q
python3 - "$tmp/t.json" <<'PY' || fail=1
import json, sys
r = json.load(open(sys.argv[1]))["results"][0]
# rank 0: lines 0-2 (0,5) (4,7) (1,2); rank 1: lines 0-2 again (3 lines)
assert r["peer_sel_per_step"] == [[3, 3], [3, 3]], r["peer_sel_per_step"]
assert r["peer_tok_per_step"] == [[2, 2], [2, 2]], r["peer_tok_per_step"]
PY
exit $fail
