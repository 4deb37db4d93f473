# SPDX-License-Identifier: MIT
# What sim's shell tests share (sourced; needs $tmp, sets $fail).
#   check EXPECTED_RC GREP_PATTERN -- command...
# the command's exit status, and GREP_PATTERN ("" for none) in its stdout
# or stderr; with check_case=-i the pattern's case is ignored.
check() {
	want=$1; pat=$2; shift 3
	"$@" >"$tmp/out" 2>"$tmp/err"
	rc=$?
	if [ $rc -ne "$want" ]; then
		echo "FAIL ($rc != $want): $*" >&2; cat "$tmp/err" >&2; fail=1
		return
	fi
	# shellcheck disable=SC2086 # check_case: empty or -i
	if [ -n "$pat" ] &&
	   ! grep -q ${check_case:-} -- "$pat" "$tmp/out" "$tmp/err"; then
		echo "FAIL (no '$pat'): $*" >&2; cat "$tmp/out" "$tmp/err" >&2
		fail=1
	fi
}
