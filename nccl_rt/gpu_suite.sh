#!/usr/bin/env bash
# The whole gpu test suite on the GPU machine, the multi-rank tests under a
# CUDA MPS daemon this script starts and quits (issue #18). Not a test
# itself: the command that proves the gpu suite passes there.
#
# From the repository root, on the GPU machine (carry .debs/ when the
# machine has no jansson):
#     bash nccl_rt/gpu_suite.sh
# Writes $OUT/gpu-suite.tgz (gpu-suite/: meson's testlogs, every test's
# output, logs/, mps-log/) and $OUT/status.txt. Budget: SUITE_BUDGET_S
# (default 540 s) from the start, the build included; MPS is quit at the
# end whatever happened.
#
# Steps:
#   build         meson + ninja in $BUILD (default /tmp/nr-build)
#   unit          meson test --suite unit (no GPU needed: the build is sound)
#   mps_refusal   before MPS runs: nccl_coll-gpu-mps-state, which then
#                 checks the refusal (77 and how to start a daemon) and the
#                 --allow-time-sliced marking
#   gpu           MPS started; meson test --suite gpu: every gpu test, the
#                 1-rank ones, nccl_coll and moe_alltoall at 2 and 4 ranks
#                 on one GPU, the kill test, nccl_coll-gpu-mps-state again
#                 (now with MPS)
set -u
cd "$(dirname "$0")/.." || exit 1
. nccl_rt/gpu_machine.sh
gm_init gpu-suite "${SUITE_BUDGET_S:-540}" gpu-suite.tgz
B=${BUILD:-/tmp/nr-build}
D=$GM_DIR
if ! gm_deps || ! gm_build "$B"; then
	gm_log "cannot build: nothing to test"
	exit 1		# the trap writes the status and the tarball
fi
nvidia-smi -L >"$D/env.txt" 2>&1
nvidia-smi --query-gpu=name,driver_version,compute_mode,mig.mode.current \
	--format=csv >>"$D/env.txt" 2>&1
gm_log "env: $(head -1 "$D/env.txt")"

# meson's log of one run, kept under its own name
keep_log() {	# NAME
	local f
	for f in testlog.txt testlog.json; do
		[ -f "$B/meson-logs/$f" ] &&
			cp "$B/meson-logs/$f" "$D/$1-$f"
	done
	grep -E "^ *[0-9]+/[0-9]+ " "$D/$1.txt" 2>/dev/null |
		sed 's/^/    /' | tail -40
	grep -E "^(Ok|Fail|Skipped|Timeout):" "$D/$1.txt" 2>/dev/null |
		tr '\n' ' ' | sed 's/^/    /'
	echo
}

gm_step unit 120 meson test -C "$B" --no-rebuild --suite unit \
	--num-processes 8 --print-errorlogs
keep_log unit
# before any daemon: the refusal and the time-sliced marking
unset CUDA_MPS_PIPE_DIRECTORY CUDA_MPS_LOG_DIRECTORY
gm_step mps_refusal 120 meson test -C "$B" --no-rebuild --suite gpu \
	--print-errorlogs nccl_coll-gpu-mps-state
keep_log mps_refusal
gm_mps_start
gm_step gpu 420 meson test -C "$B" --no-rebuild --suite gpu \
	--num-processes 1 --print-errorlogs
keep_log gpu
gm_finish
