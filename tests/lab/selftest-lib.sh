# Sourced by the lab's self-tests: check NAME GOT WANT prints ok/FAIL and
# counts failures in $fails; has TEXT PATTERN says yes or no.
fails=0
check()
{
	if [ "$2" = "$3" ]; then
		echo "ok   $1"
	else
		echo "FAIL $1: got '$2', want '$3'"
		fails=$((fails + 1))
	fi
}
has() { grep -q -- "$2" <<< "$1" && echo yes || echo no; }
