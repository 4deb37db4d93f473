#!/bin/bash
# moe_alltoall on one GPU (the device machine): build, unit + gpu tests, and
# 1-rank runs of all three patterns. JSON and tables go to $OUT (default
# ./moe-out). From the repository root:  bash moe_alltoall/gpu_1rank.sh
# (on the device machine: carry .deps, which has the jansson packages).
set -u
OUT=${OUT:-moe-out}
mkdir -p "$OUT"
export NCCL_NVLS_ENABLE=0
if ! pkg-config --exists jansson 2>/dev/null; then
	for f in .deps/libjansson*.deb; do dpkg -x "$f" /; done
fi
meson setup /tmp/b -Dverbs=disabled -Drdmacm=disabled >/tmp/setup.log 2>&1 ||
	{ tail -30 /tmp/setup.log; exit 1; }
ninja -C /tmp/b moe_alltoall/moe_alltoall tests/moe_alltoall/test_a2a_routing \
	2>&1 | grep -E "warning|error|FAILED" | head -20
B=/tmp/b/moe_alltoall/moe_alltoall
nvidia-smi -L
meson test -C /tmp/b --no-rebuild --print-errorlogs moe_alltoall-routing \
	moe_alltoall-routing-only moe_alltoall-a2a-check \
	moe_alltoall-agrs-check moe_alltoall-eptp-check 2>&1 |
	grep -E "^ *[0-9]+/|FAIL|rror" | head -30
run() {	# name, args
	n=$1; shift
	timeout 120 $B "$@" -J "$OUT/moe_alltoall_$n.json" >"$OUT/moe_alltoall_$n.txt" 2>"/tmp/$n.err"
	echo "== $n rc=$?: $*"
	grep -v '^# *rank\|selections per step' "$OUT/moe_alltoall_$n.txt" | cut -c1-150
	tr '\r' '\n' <"/tmp/$n.err" | grep -v 'step [0-9]' | tail -3
}
run a2a_zipf_1rank -P a2a -R zipf:1.0 -b 1 -e 256 -n 100 -w 10
run agrs_zipf_1rank -P agrs -R zipf:1.0 -b 1 -e 256 -n 100 -w 10
run eptp_zipf_1rank -P eptp -R zipf:1.0 -b 1 -e 256 -n 100 -w 10
run a2a_uniform_1rank -P a2a -R uniform -b 1 -e 256 -n 100 -w 10
run agrs_uniform_1rank -P agrs -R uniform -b 1 -e 256 -n 100 -w 10
run eptp_minimax_uniform_1rank -P eptp -R uniform --model minimax-m2.5 -b 1 -e 256 -n 100 -w 10
run a2a_minimax_expert2us_1rank -P a2a -R uniform --model minimax-m2.5 -b 1 -e 64 -n 50 -w 5 --expert-us 2
