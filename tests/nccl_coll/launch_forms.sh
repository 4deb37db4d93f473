#!/bin/sh
# nccl_coll without a GPU.
#   launch_forms.sh EXE            the binary itself picks rank/size/peer up
#                                  from options and every launcher's env
#   launch_forms.sh EXE usage      bad input: exit 2, clear message; the
#                                  --local-hosts refusal without MPS (77)
#   launch_forms.sh EXE bootstrap  two real nccl_coll processes: mismatched
#                                  parameters refused; absent rank 0 times out
exe=$1
mode=${2:-forms}
fail=0

# Run with a clean launcher environment plus the given variables.
run() {
	env -u RANK -u WORLD_SIZE -u MASTER_ADDR -u MASTER_PORT -u LOCAL_RANK \
	    -u SLURM_PROCID -u SLURM_NTASKS -u SLURM_LOCALID \
	    -u OMPI_COMM_WORLD_RANK -u OMPI_COMM_WORLD_SIZE \
	    -u OMPI_COMM_WORLD_LOCAL_RANK -u PMI_RANK -u PMI_SIZE \
	    -u NETROOF_RANK -u NETROOF_NRANKS -u NETROOF_PEER "$@"
}

expect() {	# expect "WANTED SUBSTRING" -- command...
	want=$1; shift; shift
	out=$(run "$@" 2>&1); rc=$?
	case "$out" in
	*"$want"*) [ $rc -eq 0 ] && { echo "ok: $want"; return; } ;;
	esac
	echo "FAIL: wanted '$want' (rc 0), got rc $rc: $out" >&2
	fail=1
}

expect_rc() {	# expect_rc RC "SUBSTRING" -- command...
	want_rc=$1; want=$2; shift 3
	out=$(run "$@" 2>&1); rc=$?
	if [ $rc -eq "$want_rc" ] && case "$out" in *"$want"*) true;; *) false;; esac; then
		echo "ok: rc $rc '$want'"
	else
		echo "FAIL: wanted rc $want_rc and '$want', got rc $rc: $out" >&2
		fail=1
	fi
}

case $mode in
forms)
	expect "rank=0 nranks=1 local_rank=-1 peer=-:18515 source=single" -- \
		"$exe" --print-launch
	expect "rank=1 nranks=2 local_rank=-1 peer=10.0.0.1:4000 source=options net=ib" -- \
		"$exe" --dry-run --rank 1 --nranks 2 --peer 10.0.0.1:4000 --net ib
	expect "rank=2 nranks=4 local_rank=-1 peer=nodeA:7000 source=netroof" -- \
		env NETROOF_RANK=2 NETROOF_NRANKS=4 NETROOF_PEER=nodeA:7000 \
		"$exe" --print-launch
	expect "rank=3 nranks=4 local_rank=1 peer=10.1.2.3:29500 source=torchrun" -- \
		env RANK=3 WORLD_SIZE=4 LOCAL_RANK=1 MASTER_ADDR=10.1.2.3 \
		MASTER_PORT=29500 "$exe" --print-launch
	expect "rank=5 nranks=8 local_rank=1 peer=head:29400 source=slurm" -- \
		env SLURM_PROCID=5 SLURM_NTASKS=8 SLURM_LOCALID=1 \
		MASTER_ADDR=head MASTER_PORT=29400 "$exe" --print-launch
	expect "rank=1 nranks=2 local_rank=0 peer=n0:18515 source=openmpi" -- \
		env OMPI_COMM_WORLD_RANK=1 OMPI_COMM_WORLD_SIZE=2 \
		OMPI_COMM_WORLD_LOCAL_RANK=0 NETROOF_PEER=n0:18515 \
		"$exe" --print-launch
	expect "rank=1 nranks=3 local_rank=-1 peer=p0:1234 source=pmi" -- \
		env PMI_RANK=1 PMI_SIZE=3 NETROOF_PEER=p0:1234 \
		"$exe" --print-launch
	# options win over the environment
	expect "rank=0 nranks=2 local_rank=-1 peer=0.0.0.0:18515 source=options" -- \
		env RANK=3 WORLD_SIZE=4 "$exe" --print-launch --rank 0 --nranks 2
	# a rank > 0 without rank 0's address is a usage error
	expect_rc 2 "needs rank 0's address" -- env RANK=1 WORLD_SIZE=2 \
		"$exe" --print-launch
	;;
usage)
	expect_rc 2 "unknown --op" -- "$exe" --op alltoall
	expect_rc 2 "unknown --dtype" -- "$exe" --dtype int3
	expect_rc 2 "bad value" -- "$exe" --net carrier-pigeon
	expect_rc 2 "" -- "$exe" -b 1M -e 1K
	expect_rc 2 "--rank and --nranks" -- "$exe" --print-launch --rank 1
	expect_rc 2 "" -- "$exe" --local 2 --rank 0 --nranks 2
	expect_rc 0 "Usage: nccl_coll" -- "$exe" --help
	# --local-hosts: at least 2 ranks, not with --local or --rank; no
	# MPS pipe directory: refused before any rank starts, with the how-to
	expect_rc 2 "bad value '1'" -- "$exe" --local-hosts 1
	expect_rc 2 "one of them" -- "$exe" --local-hosts 2 --local 2
	expect_rc 2 "--local-hosts forks its own ranks" -- \
		"$exe" --local-hosts 2 --rank 0 --nranks 2
	expect_rc 77 "nvidia-cuda-mps-control -d" -- \
		env CUDA_MPS_PIPE_DIRECTORY=/nonexistent/mps \
		"$exe" --local-hosts 2 -s 8K
	;;
bootstrap)
	# rank 1 with a different sweep than rank 0: both refuse, fast
	port=$((10000 + $$ % 20000))	# below the ephemeral range
	run "$exe" --rank 0 --nranks 2 -p $port -e 1K --timeout 5 >/tmp/nc0.$$ 2>&1 &
	p0=$!
	out=$(run "$exe" --rank 1 --nranks 2 --peer 127.0.0.1:$port -e 2K \
		--timeout 5 2>&1); rc1=$?
	wait $p0; rc0=$?
	out0=$(cat /tmp/nc0.$$); rm -f /tmp/nc0.$$
	if [ $rc0 -eq 1 ] && [ $rc1 -eq 1 ] &&
	   case "$out$out0" in *maxbytes*) true;; *) false;; esac; then
		echo "ok: mismatch refused (maxbytes named)"
	else
		echo "FAIL: mismatch: rc0 $rc0 rc1 $rc1: $out0 / $out" >&2
		fail=1
	fi
	# nobody listens: clear error within the timeout, no hang
	start=$(date +%s)
	expect_rc 1 "bootstrap" -- "$exe" --rank 1 --nranks 2 \
		--peer 127.0.0.1:1 --timeout 2
	[ $(( $(date +%s) - start )) -le 10 ] || { echo "FAIL: slow" >&2; fail=1; }
	;;
esac
exit $fail
