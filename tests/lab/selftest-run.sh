#!/usr/bin/env bash
# Self-test of `lab run`: exit codes, stdout/stderr, cwd, quoting, $LAB_NODE,
# the writable share ($LAB_SHARE, same path on host and guests), timeout 124.
#   selftest-run.sh PATH-TO-lab
set -u
lab=${1:?usage: selftest-run.sh PATH-TO-lab}
. "$(dirname "${BASH_SOURCE[0]}")/selftest-lib.sh"

"$lab" up
rc=$?
[ $rc = 0 ] || exit $rc

"$lab" run A -- sh -c 'exit 3'
check "exit code comes back" $? 3

out=$("$lab" run B -- sh -c 'echo out; echo err >&2' 2>/dev/null)
check "stdout only on stdout" "$out" out
err=$("$lab" run B -- sh -c 'echo out; echo err >&2' 2>&1 >/dev/null)
check "stderr only on stderr" "$err" err

check "LAB_NODE on A" "$("$lab" run A -- sh -c 'echo $LAB_NODE')" A
check "LAB_NODE on B" "$("$lab" run B -- sh -c 'echo $LAB_NODE')" B
check "same cwd" "$("$lab" run A -- pwd)" "$PWD"
check "argument quoting" \
	"$("$lab" run B -- printf '%s|' 'a b' "c'd" '$HOME' '')" "a b|c'd|\$HOME||"

# The share: both guests write, the host reads at the same path.
tag=selftest-$$
"$lab" run A -- sh -c "hostname > \$LAB_SHARE/$tag.A; echo A >> \$LAB_SHARE/$tag.A"
"$lab" run B -- sh -c "cat \$LAB_SHARE/$tag.A > \$LAB_SHARE/$tag.B; echo B >> \$LAB_SHARE/$tag.B"
share=$("$lab" run A -- sh -c 'echo $LAB_SHARE')
check "share written by A then B, read on host" \
	"$(tail -n 2 "$share/$tag.B" 2>/dev/null | tr '\n' ' ')" "A B "
rm -f "$share/$tag.A" "$share/$tag.B"

# The wire itself: each node reaches the other's address.
"$lab" run A -- busybox ping -c 2 -W 5 -q 10.0.0.2 > /dev/null
check "ping A -> B" $? 0
"$lab" run B -- busybox ping -c 2 -W 5 -q 10.0.0.1 > /dev/null
check "ping B -> A" $? 0

t0=$(date +%s)
LAB_TIMEOUT=3 "$lab" run A -- sleep 60
rc=$?
dt=$(( $(date +%s) - t0 ))
check "timeout gives 124" $rc 124
check "timeout is prompt (<20 s)" "$([ $dt -lt 20 ] && echo yes || echo "no: ${dt}s")" yes

"$lab" run B -- /nonexistent/command 2>/dev/null
check "missing command gives 127" $? 127

[ $fails = 0 ] || { echo "$fails check(s) failed"; exit 1; }
echo "all lab run checks passed"
