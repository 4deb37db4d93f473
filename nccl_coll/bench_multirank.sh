#!/usr/bin/env bash
# The multi-rank benchmark on the GPU machine (issue #18): n = 2, 4, 8 ranks
# on its one GPU, each rank its own host to NCCL (--local-hosts), under a
# CUDA MPS daemon this script starts and quits, over NCCL's socket transport
# on loopback TCP; and ib_lat -t tcp over the same loopback, the link-level
# input of the collective model. Not a test: the measurement behind
# results/gpu/multirank/ (README there).
#
# From the repository root, on the GPU machine (carry .debs/ when the
# machine has no jansson):
#     bash nccl_coll/bench_multirank.sh
# Writes $OUT/multirank.tgz (multirank/: JSON and tables, logs/, env.txt,
# mps-log/) and $OUT/status.txt (every step, its exit status and time).
# Budget: BENCH_BUDGET_S (default 540 s) from the start, the build
# included; a step that would not fit is skipped, a failed step does not
# stop the next, and MPS is quit at the end whatever happened.
#
# Steps, cheapest and most needed first:
#   build        meson + ninja in $BUILD (default /tmp/nr-build)
#   env          the GPU, driver, compute mode, clocks, MIG, NCCL, lo
#                (read-only queries: no GPU setting is changed)
#   ib_lat       -t tcp 8 B .. 1 MiB over 127.0.0.1, plain and --busy-poll
#   mps_probe    MPS started; 2 ranks, one 8 KiB all-reduce: does MPS serve
#                the GPU, is the transport socket (NCCL logs kept)
#   nccl_coll_h200_hostsN_sweep  all-reduce, all-gather, send/recv,
#                8 B .. 1 MiB x2, eager and graph, out of place (vLLM's),
#                n = 2, 4, 8
#   nccl_coll_h200_hostsN_decode_MODEL  the --decode sets (TP = n) of
#                qwen3-coder-30b-a3b and minimax-m2.5, n = 2, 4, 8
#   repeat_4k_hostsN_rR  the 4 KiB all-reduce in a graph, n = 2, 4, 8
#                interleaved, REPEATS times (default 5): how far one run's
#                figure moves from the next (sim/model_check.py reads them)
# Each step's table is NAME.txt beside NAME.json.
# Every sample is kept in the JSON (-n 400 at n = 2 and 4, 200 at n = 8:
# a few MB in all). Without MPS (the probe says 77) only a short
# --allow-time-sliced functional sweep at n = 2 runs, marked as not
# latencies.
set -u
cd "$(dirname "$0")/.." || exit 1
. nccl_rt/gpu_machine.sh
gm_init multirank "${BENCH_BUDGET_S:-540}" multirank.tgz
B=${BUILD:-/tmp/nr-build}
D=$GM_DIR
if ! gm_deps || ! gm_build "$B"; then
	gm_log "cannot build: nothing to run"
	exit 1		# the trap writes the status and the tarball
fi
NC=$B/nccl_coll/nccl_coll
IL=$B/ib_lat/ib_lat

{
	echo "== nvidia-smi -L"; nvidia-smi -L
	echo "== GPU settings (read only)"
	nvidia-smi --query-gpu=name,driver_version,compute_mode,mig.mode.current,clocks.sm,clocks.max.sm,power.limit --format=csv
	echo "== NCCL"; ls -l /usr/lib/x86_64-linux-gnu/libnccl.so* /usr/include/nccl.h
	grep -m3 -E "define NCCL_(MAJOR|MINOR|PATCH)" /usr/include/nccl.h
	echo "== host"; uname -a; nproc; free -g
	echo "== lo"; ip -br addr show lo 2>/dev/null; cat /sys/class/net/lo/mtu
	echo "== tools"; "$NC" -V; "$IL" -V
} >"$D/env.txt" 2>&1
gm_log "env: $(grep -m1 GPU "$D/env.txt")"

# ib_lat -t tcp: server in the background, the client is the step
ib_tcp() {	# NAME PORT ARGS...
	local name=$1 port=$2 srv
	shift 2
	if [ "$(gm_left)" -lt 60 ]; then
		gm_log "SKIP $name: $(gm_left)s left before the deadline"
		GM_FAILED=$((GM_FAILED + 1))
		return 1
	fi
	"$IL" -t tcp -p "$port" "$@" -q --timeout 30 \
		>"$D/logs/$name-server.out" 2>"$D/logs/$name-server.err" &
	srv=$!
	gm_bg_add $srv
	sleep 0.5
	gm_step "$name" 120 "$IL" -t tcp -p "$port" "$@" --timeout 30 \
		-J "$D/$name.json" 127.0.0.1
	for _ in $(seq 50); do kill -0 $srv 2>/dev/null || break; sleep 0.1; done
	kill $srv 2>/dev/null
	wait $srv 2>/dev/null
}
ib_tcp ib_lat_tcp_loopback 18600 -b 8 -e 1M -f 2 -n 5000 -w 500
ib_tcp ib_lat_tcp_loopback_busypoll 18602 --busy-poll -b 8 -e 1M -f 2 \
	-n 5000 -w 500

gm_mps_start
mkdir -p "$D/nccl-logs"
gm_step mps_probe 120 env NETROOF_KEEP_NCCL_LOG=1 TMPDIR="$D/nccl-logs" \
	"$NC" --local-hosts 2 -s 8K -n 20 -w 2 --mode eager --timeout 60 \
	-J "$D/mps_probe.json"
probe=$?
sliced=
if [ $probe -eq 77 ]; then
	if grep -q "no CUDA GPU" "$D/logs/mps_probe.err"; then
		gm_log "no CUDA GPU here: nothing more to run"
		exit 0	# the trap quits MPS and writes the tarball
	fi
	gm_log "MPS does not serve the GPU (logs/mps_probe.err): a short time-sliced functional run only"
	sliced=--allow-time-sliced
fi

if [ -n "$sliced" ]; then
	gm_step nccl_coll_h200_hosts2_timesliced 240 "$NC" --local-hosts 2 $sliced \
		-o allreduce,allgather,sendrecv -b 8 -e 64K -f 8 -n 5 -w 1 \
		--pipe-reps 1 --place oop --timeout 60 \
		-J "$D/nccl_coll_h200_hosts2_timesliced.json"
	exit 0
fi

for n in 2 4 8; do
	iters=400; secs=150
	[ $n -eq 8 ] && { iters=200; secs=200; }
	gm_step nccl_coll_h200_hosts${n}_sweep $secs "$NC" --local-hosts $n \
		-o allreduce,allgather,sendrecv -b 8 -e 1M -f 2 --place oop \
		-n $iters -w 10 --timeout 60 \
		-J "$D/nccl_coll_h200_hosts${n}_sweep.json"
done
for n in 2 4 8; do
	iters=400
	[ $n -eq 8 ] && iters=200
	for m in qwen3-coder-30b-a3b minimax-m2.5; do
		gm_step nccl_coll_h200_hosts${n}_decode_$m 90 "$NC" \
			--local-hosts $n \
			--decode $m --place oop -n $iters -w 10 --timeout 60 \
			-J "$D/nccl_coll_h200_hosts${n}_decode_$m.json"
	done
done
mkdir -p "$D/repeat"
for r in $(seq "${REPEATS:-5}"); do
	for n in 2 4 8; do
		gm_step repeat_4k_hosts${n}_r$r 60 "$NC" --local-hosts $n \
			-o allreduce -s 4K --mode graph --place oop -n 100 -w 10 \
			--timeout 30 -J "$D/repeat/repeat_4k_hosts${n}_r$r.json"
	done
done
gm_finish
