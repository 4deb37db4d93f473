#!/bin/sh
# The GPU-machine benchmark behind results/gpu/nccl_coll_*.json (not a test):
# build, run the test suites, a 1-rank 8 B..64 MiB sweep (eager + graph,
# bf16, 1000 isolated samples per point), decode presets, and nccl-tests'
# all_reduce_perf on the same GPU with the same pipelining (-n 20, -G 10)
# when .peer/nccl-tests is there. Writes everything under $OUT.
#   usage: OUT=dir sh nccl_coll/bench_gpu.sh [BUILDDIR]
set -u
b=${1:-/tmp/b}
TOP=${OUT:-/tmp/out}
OUT=$TOP/bench
mkdir -p "$OUT"
export NCCL_NVLS_ENABLE=0
exe=$b/nccl_coll/nccl_coll
nvidia-smi -L > "$OUT/gpu.txt" 2>&1
"$exe" -V > "$OUT/version.txt" 2>&1
# 1. the sweep, both launch modes (also the data check on every size)
"$exe" -b 8 -e 64M -f 2 -n 1000 -w 20 --pipe-iters 20 --graph-launches 10 \
	-J "$OUT/nccl_coll_h100_allreduce_sweep.json" \
	--csv "$OUT/nccl_coll_h100_allreduce_sweep.csv" \
	> "$OUT/nccl_coll_sweep.txt" 2> "$OUT/nccl_coll_sweep.err"
echo "sweep exit $?" >> "$OUT/status.txt"
# 2. nccl-tests, same GPU, same command, bf16 like ours; graph and eager
if [ -x .peer/nccl-tests/build/all_reduce_perf ]; then
	for g in 10 0 10b; do
		env -u NCCL_DEBUG -u NCCL_DEBUG_FILE -u NCCL_DEBUG_SUBSYS \
		.peer/nccl-tests/build/all_reduce_perf -b 8 -e 64M -f 2 -g 1 \
			-d bfloat16 -n 20 -w 20 -G ${g%b} \
			> "$OUT/nccl_tests_allreduce_G$g.txt" 2>&1
		echo "nccl-tests G$g exit $?" >> "$OUT/status.txt"
	done
fi
# 3. every collective and type, decode presets, compare smoke, --local 2
for t in bf16 fp16 fp32; do
	"$exe" -o all -d $t -b 8 -e 1M -f 4 -n 200 --no-samples \
		-J "$OUT/nccl_coll_h100_allops_$t.json" \
		> "$OUT/nccl_coll_allops_$t.txt" 2>&1
	echo "allops $t exit $?" >> "$OUT/status.txt"
done
for m in qwen3-coder-30b-a3b minimax-m2.5; do
	"$exe" --decode $m -n 1000 \
		-J "$OUT/nccl_coll_h100_decode_$m.json" \
		> "$OUT/nccl_coll_decode_$m.txt" 2>&1
	echo "decode $m exit $?" >> "$OUT/status.txt"
done
"$exe" --compare -s 8K -n 200 --blocks 10 --no-samples \
	-J "$OUT/nccl_coll_h100_compare_smoke.json" \
	> "$OUT/nccl_coll_compare.txt" 2>&1
echo "compare exit $?" >> "$OUT/status.txt"
timeout 120 "$exe" --local 2 -s 8K -n 10 --timeout 20 \
	> "$OUT/nccl_coll_local2.txt" 2>&1
echo "local2 exit $?" >> "$OUT/status.txt"
cat "$OUT/status.txt"
# at most 8 files come back: one archive with everything
tar -C "$TOP" -czf "$TOP/bench.tgz" bench && echo "bench.tgz written"
