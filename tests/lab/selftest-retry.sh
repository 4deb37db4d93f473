#!/usr/bin/env bash
# Self-test of `lab pair --retry-rejected`: the retry runs when, and only
# when, the client was rejected by rdma_cm while connecting and the server
# did not finish; it says so; its CM delay on node A is gone afterwards.
# The first client attempt is made to fail for real: rping to a port with
# no listener (RDMA_CM_EVENT_REJECTED, status 8); the second attempt runs
# perftest's ib_write_lat -R for real.
#   selftest-retry.sh PATH-TO-lab
set -u
lab=${1:?usage: selftest-retry.sh PATH-TO-lab}
. "$(dirname "${BASH_SOURCE[0]}")/selftest-lib.sh"

"$lab" up
rc=$?
[ $rc = 0 ] || exit $rc
share=$("$lab" run A -- sh -c 'echo $LAB_SHARE') || exit 1
flag=$share/selftest-retry.flag
srv='ib_write_lat -d rxe0 -x 1 -R -n 100'
cli="if [ ! -e $flag ]; then touch $flag; rping -c -a @B@ -p 18599 -C 1; exit 1; fi; $srv @B@"

rm -f "$flag"
out=$("$lab" pair --wait-port 18515 --retry-rejected --server "$srv" --client "$cli" 2>&1)
check "rejected once, retried: pair passes" $? 0
check "the retry is announced" "$(has "$out" 'pair: RETRY: the client got RDMA_CM_EVENT_REJECTED')" yes
check "the verdict names the retry" "$(has "$out" 'pair: OK (.* s, after one retry')" yes
check "no netem left on node A" "$("$lab" run A -- tc qdisc show dev eth0 | grep -c netem)" 0

# The failing pairs below need no 10 s of grace for their server.
rm -f "$flag"
out=$(LAB_PAIR_GRACE=2 "$lab" pair --wait-port 18515 --server "$srv" --client "$cli" 2>&1)
check "without --retry-rejected: pair fails" $? 1
check "without --retry-rejected: no retry" "$(has "$out" 'pair: RETRY')" no

out=$(LAB_PAIR_GRACE=2 "$lab" pair --wait-port 18515 --retry-rejected \
	--server "$srv" --client 'echo not rejected; exit 3' 2>&1)
check "another failure is not retried: pair fails" $? 1
check "another failure is not retried: no retry" "$(has "$out" 'pair: RETRY')" no
rm -f "$flag"

echo "$fails failure(s)"
[ $fails = 0 ]
