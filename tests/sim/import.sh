#!/bin/sh
# sim import and sim validate on the JSON of vLLM's benchmarks and
# llama-benchy (fixtures in tests/sim/vllm/, written in vLLM's schemas):
# the rows each file gives (tests/sim/vllm/expected/*.csv), the round trip
# (benchmark files -> sim import -> CSV -> sim validate gives what sim
# validate gives on the files themselves, also for the reference CSV), how
# each row's tok/s was derived in the output, and bad or foreign files
# refused with exit 2 and the missing field named.
# After a deliberate change of the conversion, regenerate an expected file
# with the command listed for it below (run from the source root) and
# review the diff like code.
# usage: import.sh SIM_EXE TESTS_SIM_DIR SOURCE_ROOT
set -u
sim=$(cd "$(dirname "$1")" && pwd)/$(basename "$1"); here=$2; root=$3
command -v python3 >/dev/null || { echo "SKIP: needs python3" >&2; exit 77; }
fail=0
tmp=$(mktemp -d) || exit 99
trap 'rm -rf "$tmp"' EXIT
cd "$root" || exit 99
v=tests/sim/vllm
dep="model=qwen3-coder-30b-a3b transport=roce"

bad() { echo "FAIL: $*" >&2; fail=1; }

. "$here/lib.sh"	# check

# expected NAME -- sim import arguments: the rows, exactly
expected() {
	name=$1; shift 2
	if ! "$sim" import "$@" >"$tmp/$name.csv" 2>"$tmp/err"; then
		bad "sim import $* failed"; cat "$tmp/err" >&2; return
	fi
	diff -u "$v/expected/$name.csv" "$tmp/$name.csv" >&2 ||
		bad "sim import $* differs from $v/expected/$name.csv"
}
expected serve -- $v/serve
expected latency -- $v/latency --deploy "$dep"
expected latency-ttft -- $v/latency --deploy "$dep ttft=60.3"
expected latency-bare -- $v/latency-bare.json --deploy "$dep tp=2 ctx=32 out=128 batch=1 spec=none"
expected llama-benchy -- $v/llama-benchy.json --deploy "$dep tp=2 spec=none"

# same_rows A.json B.json: two sim validate documents agree on every row
# (the line a row was read from aside) and on the summary
same_rows() {
	python3 - "$1" "$2" <<'PY' || bad "validate rows differ: $1 $2"
import json, sys
def noline(x):
    if isinstance(x, dict):
        return {k: noline(v) for k, v in x.items() if k != "line"}
    if isinstance(x, list):
        return [noline(v) for v in x]
    return x
a, b = (json.load(open(p)) for p in sys.argv[1:3])
assert a["error"] is None and b["error"] is None, (a["error"], b["error"])
assert noline(a["results"]) == noline(b["results"]), (a["results"], b["results"])
assert noline(a["summary"]) == noline(b["summary"]), (a["summary"], b["summary"])
PY
}

# round trip: files -> sim import -> CSV -> sim validate
"$sim" import $v/serve >"$tmp/serve.csv" 2>/dev/null || bad "import serve"
"$sim" validate --measured $v/serve -J "$tmp/a.json" >/dev/null
"$sim" validate --measured "$tmp/serve.csv" -J "$tmp/b.json" >/dev/null
same_rows "$tmp/a.json" "$tmp/b.json"
"$sim" validate --measured $v/serve >"$tmp/a.txt"
"$sim" validate --measured "$tmp/serve.csv" >"$tmp/b.txt"
diff "$tmp/a.txt" "$tmp/b.txt" | grep -q '^[<>] # sim validate:' ||
	bad "round trip: no header difference?"
[ "$(diff "$tmp/a.txt" "$tmp/b.txt" | grep -c '^[<>]')" -eq 2 ] ||
	{ bad "round trip: tables differ beyond the file name";
	  diff "$tmp/a.txt" "$tmp/b.txt" >&2; }
python3 - "$tmp/b.json" <<'PY' || bad "validate JSON lacks source/tok_s_from"
import json, sys
for r in json.load(open(sys.argv[1]))["results"]:
    assert r["source"].startswith("tests/sim/vllm/serve/"), r["source"]
    assert r["tok_s_from"].startswith("vllm-serve: 1000/median_tpot_ms"), r
PY
# and twice: import of an imported CSV gives the same CSV
"$sim" import "$tmp/serve.csv" >"$tmp/serve2.csv" 2>/dev/null
cmp -s "$tmp/serve.csv" "$tmp/serve2.csv" || bad "re-import changed the CSV"
# latency with the sidecar's args, through a directory
"$sim" import $v/latency --deploy "$dep" >"$tmp/lat.csv" 2>/dev/null
"$sim" validate --measured $v/latency --deploy "$dep" -J "$tmp/c.json" >/dev/null
"$sim" validate --measured "$tmp/lat.csv" -J "$tmp/d.json" >/dev/null
same_rows "$tmp/c.json" "$tmp/d.json"
# the reference table typed by hand: the same validation after the trip
"$sim" import results/vllm/qwen3-coder-gb10-2node.csv >"$tmp/ref.csv" 2>/dev/null
"$sim" validate --measured "$tmp/ref.csv" | tail -n +2 >"$tmp/ref.txt"
tail -n +2 "$here/validate.golden" | diff -u - "$tmp/ref.txt" >&2 ||
	bad "reference CSV: validation differs after sim import"

# the output says how each row's tok/s was derived
# (limits opened: these check how rows are read, not how well sim predicts)
lim="--max-mape 1000 --max-cell 1000 --max-speedup 1000"
check 0 '# row 1: tests/sim/vllm/serve/ep2.jsonl#1: vllm-serve: 1000/median_tpot_ms = 1000/11.696 ms' -- "$sim" validate --measured $v/serve $lim
check 0 'includes the prefill of input_len=32' -- "$sim" validate --measured $v/latency --deploy "$dep" $lim
check 0 '(output_len-1)/(avg_latency-ttft) = 127/' -- "$sim" validate --measured $v/latency --deploy "$dep ttft=60.3" $lim
check 0 'counts SSE chunks' -- "$sim" validate --measured $v/llama-benchy.json --deploy "$dep tp=2 spec=none" $lim
check 0 'skipped 1 runs at concurrency > 1' -- "$sim" import $v/llama-benchy.json --deploy "$dep tp=2 spec=none"
# the table of a run into --csv FILE, and never overwriting it
check 0 'tests/sim/vllm/serve/tp2-roce.json' -- "$sim" import $v/serve --csv "$tmp/x.csv"
check 2 'never overwrites\|exists' -- "$sim" import $v/serve --csv "$tmp/x.csv"
check 0 '"rows": 5' -- "$sim" import $v/serve -J -
# --help names the formats and the versions read
check 0 'v0.16.0' -- "$sim" import --help
check 0 'netroof_KEY=VALUE' -- "$sim" validate --help

# refused: exit 2, the field named
check 2 'no FILE or DIR' -- "$sim" import
check 2 'unknown schema: no avg_latency' -- "$sim" validate --measured tests/sim/bad/foreign.json
check 2 'malformed JSON' -- "$sim" import tests/sim/bad/malformed.json
check 2 'sidecar' -- "$sim" validate --measured tests/sim/bad/orphan.pytorch.json
check 2 'max_concurrency 4' -- "$sim" validate --measured tests/sim/bad/vllm-serve-concurrency4.json
check 2 'median_tpot_ms missing' -- "$sim" validate --measured tests/sim/bad/vllm-serve-pooling.json
check 2 'model_id missing' -- "$sim" import tests/sim/bad/vllm-serve-no-model-id.json
check 2 'tp missing' -- "$sim" validate --measured tests/sim/bad/vllm-serve-no-tp.json
check 2 'spec missing' -- "$sim" validate --measured tests/sim/bad/vllm-serve-spec-unsaid.json
check 2 'batch_size missing' -- "$sim" validate --measured $v/latency-bare.json --deploy "$dep tp=2 ctx=32 out=128 spec=none"
check 2 'output_len missing' -- "$sim" validate --measured $v/latency-bare.json --deploy "$dep"
check 2 'transport missing' -- "$sim" validate --measured $v/latency --deploy "model=qwen3-coder-30b-a3b"
check 2 "names 'Intel/Qwen3-Coder" -- "$sim" validate --measured $v/latency
check 2 'the file records roce' -- "$sim" validate --measured $v/serve/tp2-roce.json --deploy "transport=socket"
check 2 'tensor_parallel_size' -- "$sim" validate --measured $v/latency --deploy "$dep tp=4"
check 2 'kv-cache dtype fp8' -- "$sim" validate --measured tests/sim/bad/vllm-latency-fp8.json --deploy "$dep"
check 2 "unknown deployment key 'warp'" -- "$sim" validate --measured $v/serve --deploy "warp=9"
mkdir "$tmp/empty"
check 2 'no measured rows' -- "$sim" validate --measured "$tmp/empty"
check 2 'No such file' -- "$sim" import "$tmp/absent.json"
# a llama-benchy CSV cannot say the prompt size: pointed to its JSON
printf 'model,test_name,t_s_mean,t_s_std\nm,tg32,50.0,0.1\n' >"$tmp/lb.csv"
check 2 'llama-benchy --format json' -- "$sim" validate --measured "$tmp/lb.csv"
exit $fail
