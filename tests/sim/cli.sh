#!/bin/sh
# sim command line: help, JSON (-J -), every mode/transport/context for both named
# models, clear errors with exit 2 on bad input, sweep output and refusal to
# overwrite.  usage: cli.sh SIM_EXE TESTS_SIM_DIR
set -u
sim=$1; here=$2
fail=0
tmp=$(mktemp -d) || exit 99
trap 'rm -rf "$tmp"' EXIT

check_case=-i
. "$here/lib.sh"	# check

check 0 'validate' -- "$sim" --help
check 0 'explain' -- "$sim" --help
check 0 '--measured' -- "$sim" validate --help
check 2 'unknown command' -- "$sim" frobnicate
check 0 '"tok_s"' -- "$sim" predict --model qwen3-coder-30b-a3b --mode tp -J -
# the breakdown: one <term>_ms key per term in the row
check 0 '"allreduce_ms"' -- "$sim" predict --model qwen3-coder-30b-a3b --mode ep --transport socket --ctx 16K -J -
check 0 'tok/s' -- "$sim" predict --model qwen3-coder-30b-a3b --mode tp --spec eagle3 --spec-tokens 2 --accept 0.7
check 0 'tok/s' -- "$sim" predict --model "$here/dense-llama.json" --mode tp --nodes 4
check 0 'allreduce' -- "$sim" explain --model qwen3-coder-30b-a3b
check 0 '"modes"' -- "$sim" explain --model minimax-m2.5 -J -

# every mode, transport and context of the report, every named model, with
# the memory check (the JSON carries the fit)
models=$(cd "$here/../../sim/models" && ls *.json | sed 's/\.json$//')
[ -n "$models" ] || { echo "FAIL: no models in sim/models" >&2; fail=1; }
for m in $models; do
	for mode in pp tp ep; do
		for t in roce socket; do
			for c in 0 512 2048 8192 16384; do
				for l in short medium long; do
					check 0 '"fits": true' -- "$sim" predict --model $m \
						--mode $mode --transport $t --ctx $c \
						--length $l -J -
				done
			done
		done
	done
done
# one node: gpt-oss-120b and Qwen3-Coder fit; Qwen3-235B INT4 and the full
# MiniMax-M2.5 INT4 (~112-116 GiB of weights) do not: exit 1 with the numbers
for c in 0 512 2048 8192 16384; do
	check 0 '"fits": true' -- "$sim" predict --model gpt-oss-120b --mode single --ctx $c -J -
	check 0 '"fits": true' -- "$sim" predict --model qwen3-coder-30b-a3b --mode single --ctx $c -J -
done
check 1 'does not fit: no room for a KV cache: weights 11' -- "$sim" predict --model qwen3-235b-a22b --mode single
check 1 '"fits": false' -- "$sim" predict --model minimax-m2.5 --mode single -J -
# the vLLM memory flags mean what they mean there
check 1 'will not start' -- "$sim" predict --model qwen3-coder-30b-a3b --gpu-memory-utilization 0.96
check 1 'KV cache, the pool has 1.00 GiB' -- "$sim" predict --model qwen3-coder-30b-a3b --mode single --kv-cache-memory-bytes 1G --max-model-len 16K
check 0 'max_model_len": 16384' -- "$sim" predict --model qwen3-coder-30b-a3b --gpu-memory-utilization 0.05 --kv-cache-memory-bytes 10G --max-model-len 16K -J -
check 2 'above the model' -- "$sim" predict --model qwen3-235b-a22b --max-model-len 64K
check 2 'does not fit max_model_len' -- "$sim" predict --model qwen3-coder-30b-a3b --ctx 32K --max-model-len 16K
check 2 'invalid --kv-dtype' -- "$sim" predict --model qwen3-coder-30b-a3b --kv-dtype fp4
check 0 'fp8 KV' -- "$sim" predict --model qwen3-235b-a22b --mode ep --kv-dtype fp8 --ctx 16K
check 0 'TP 2 per stage' -- "$sim" predict --model qwen3-coder-30b-a3b --mode pp --nodes 4 --stage-tp 2
check 2 'goes with --mode pp' -- "$sim" predict --model qwen3-coder-30b-a3b --mode tp --stage-tp 2
check 2 'attention heads' -- "$sim" predict --model gpt-oss-120b --mode tp --nodes 3
for q in bf16 fp8 fp8-block mxfp4 nvfp4 w4g128 w8g128 awq:w4g128; do
	check 0 '"tok_s"' -- "$sim" predict --model qwen3-coder-30b-a3b --quant $q -J -
done
check 2 'unknown quantisation' -- "$sim" predict --model qwen3-coder-30b-a3b --quant int3

# sim plan: every model, both transports; the recommendation and its flags
for m in $models; do
	for t in roce socket; do
		check 0 'vllm serve' -- "$sim" plan --model $m --transport $t
	done
done
check 0 'TP=2xPP=2' -- "$sim" plan --model qwen3-coder-30b-a3b --nodes-max 4 --ctx 16K --kv-dtype fp8
check 0 '"best": "TP=2"' -- "$sim" plan --model qwen3-235b-a22b -J -
check 2 'invalid --nodes-max' -- "$sim" plan --model gpt-oss-120b --nodes-max 16
check 2 'invalid --transport' -- "$sim" plan --model gpt-oss-120b --transport carrier-pigeon
check 2 '--model is required' -- "$sim" plan
if command -v gnuplot >/dev/null; then
	check 0 '' -- "$sim" plan --model gpt-oss-120b --plot "$tmp/plan" -q
	[ -s "$tmp/plan/plan.svg" ] && [ -s "$tmp/plan/plan.csv" ] ||
		{ echo "FAIL: sim plan --plot wrote no SVG/CSV" >&2; fail=1; }
	check 2 'never overwrites' -- "$sim" plan --model gpt-oss-120b --plot "$tmp/plan" -q
fi

# bad configs and bad input: a clear message, exit 2
check 2 'missing required field "hidden_size"' -- "$sim" predict --model "$here/bad/missing-field.json"
check 2 'unknown architecture' -- "$sim" predict --model "$here/bad/unknown-arch.json"
check 2 'malformed JSON' -- "$sim" predict --model "$here/bad/malformed.json"
check 2 'not a JSON object' -- "$sim" predict --model "$here/bad/not-object.json"
check 2 'inconsistent' -- "$sim" predict --model "$here/bad/bad-experts.json"
check 2 'cannot read' -- "$sim" predict --model "$here/bad/absent.json"
check 2 'unknown model' -- "$sim" predict --model no-such-model
check 2 'invalid --mode' -- "$sim" predict --model qwen3-coder-30b-a3b --mode warp
check 2 'needs an MoE model' -- "$sim" predict --model "$here/dense-llama.json" --mode ep
check 2 'not supported' -- "$sim" predict --model qwen3-coder-30b-a3b --mode pp --spec eagle3
check 2 'network profile' -- "$sim" predict --model qwen3-coder-30b-a3b --transport carrier-pigeon
check 2 'no "results"' -- "$sim" predict --model qwen3-coder-30b-a3b --net "$here/dense-llama.json"
# one rank crossed no network: refused, and so is the other transport's file
check 2 'measured on one rank' -- "$sim" predict --model qwen3-coder-30b-a3b --mode tp --net "$here/../../results/gpu/nccl_coll_h100_allreduce_sweep.json"
check 2 'not IB/RoCE' -- "$sim" predict --model qwen3-coder-30b-a3b --mode tp --transport roce --net "$here/../../results/gpu/h200-loopback-20261203/nccl_n2.json"
check 0 'allreduce at 2 ranks' -- "$sim" predict --model qwen3-coder-30b-a3b --mode tp --transport socket --net "$here/../../results/gpu/h200-loopback-20261203/nccl_n2.json"
check 2 'mode must be' -- "$sim" validate --measured "$here/bad/bad-mode.csv"
check 2 'header lacks' -- "$sim" validate --measured "$here/bad/bad-header.csv"
check 2 '--measured' -- "$sim" validate

# a deliberately wrong table fails the data check (exit 1)
printf 'model,mode,nodes,transport,spec,length,ctx,tok_s\nqwen3-coder-30b-a3b,tp,2,roce,none,long,0,45\n' >"$tmp/off.csv"
check 1 'FAIL' -- "$sim" validate --measured "$tmp/off.csv"

# sweep writes its CSVs, and never overwrites
check 0 'sweep' -- "$sim" sweep --out "$tmp/sw" --no-plot
for f in ctx latency bandwidth nodes transport; do
	[ "$(grep -c . "$tmp/sw/$f.csv")" -ge 4 ] ||
		{ echo "FAIL: $f.csv short" >&2; fail=1; }
done
grep -q '^131072,' "$tmp/sw/ctx.csv" || { echo "FAIL: no 128K row" >&2; fail=1; }
check 2 'never overwrites' -- "$sim" sweep --out "$tmp/sw" --no-plot
# sim calibrate: fits the bounded host/kernel terms of a perturbed profile
# (the objective falls, every value within its bounds), writes a new profile, never overwrites one,
# and refuses a profile with nothing to fit
python3 - "$NETROOF_SIM_DATA/profiles/gb10.json" "$tmp/off.json" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
d["host_step_ms"]["value"] = 2.5
json.dump(d, open(sys.argv[2], "w"))
PY
check 0 'objective' -- "$sim" calibrate --measured "$here/../../results/vllm/qwen3-coder-gb10-2node.csv" --exclude socket --hw "$tmp/off.json" --out "$tmp/cal.json" --sweeps 1 -J "$tmp/cal-doc.json"
python3 - "$tmp/cal-doc.json" "$tmp/cal.json" <<'PY' || { echo "FAIL: calibrate did not improve" >&2; fail=1; }
import json, sys
doc, prof = (json.load(open(p)) for p in sys.argv[1:3])
s = doc["summary"]
assert s["objective_after_pct"] < s["objective_before_pct"] - 1, s
assert doc["results"] and all(r["lo"] <= r["after"] <= r["hi"] for r in doc["results"])
assert "sim calibrate" in prof["host_step_ms"]["cells"]
PY
check 2 'refusing to overwrite' -- "$sim" calibrate --measured "$here/../../results/vllm/qwen3-coder-gb10-2node.csv" --hw "$tmp/off.json" --out "$tmp/cal.json"
printf '{"mem_bw_gbs": 1}' >"$tmp/nofit.json"
check 2 '' -- "$sim" calibrate --measured "$here/../../results/vllm/qwen3-coder-gb10-2node.csv" --hw "$tmp/nofit.json" --out "$tmp/cal2.json"

exit $fail
