#!/bin/sh
# A tool writing its results onto a full disk: a 64 KiB tmpfs filled up,
# in a mount namespace of the test's own (root; 77 otherwise). The tool
# must exit 1 saying "No space left on device", and leave nothing on the
# disk but the filler: no results file, no half of one, no temporary file.
# Then the same command on a tmpfs with room must exit 0 and leave exactly
# the files named, each complete (JSON parses, SVG closes, CSV ends in a
# newline).
# usage: disk_full.sh "FILE..." CMD ARG...   (@D@ in an ARG: the tmpfs)
want=$1
shift
[ "$(id -u)" = 0 ] || { echo "SKIP: needs root for unshare -m and a tmpfs"; exit 77; }
unshare -m true 2>/dev/null || { echo "SKIP: unshare -m not permitted"; exit 77; }
command -v python3 >/dev/null || { echo "SKIP: needs python3"; exit 77; }
tmp=$(mktemp -d) || exit 99
trap 'rm -rf "$tmp"' EXIT
mkdir "$tmp/d"
fail=0

# run SIZE FILL: the command on a SIZE tmpfs at $tmp/d (filled up when
# FILL is 1); its rc, stderr and what it left (ls -A, and a copy) come back
# in $tmp
run() {
	size=$1 fill=$2
	shift 2
	unshare -m sh -c '
		d=$1 size=$2 fill=$3 out=$4
		shift 4
		mount -t tmpfs -o size=$size tmpfs "$d" || exit 77
		[ "$fill" = 1 ] && dd if=/dev/zero of="$d/fill" bs=4k 2>/dev/null
		for a in "$@"; do
			set -- "$@" "$(printf %s "$a" | sed "s|@D@|$d|g")"
			shift
		done
		"$@" >"$out/stdout" 2>"$out/stderr"
		rc=$?
		(cd "$d" && ls -A | sort) >"$out/left"
		rm -rf "$out/copy" && mkdir "$out/copy" && cp -r "$d/." "$out/copy/"
		rm -f "$out/copy/fill"
		exit $rc' sh "$tmp/d" "$size" "$fill" "$tmp" "$@"
}

cmd_args="$*"
run 64k 1 "$@"
rc=$?
[ $rc = 77 ] && { echo "SKIP: cannot mount a tmpfs"; exit 77; }
if [ $rc != 1 ]; then
	echo "FAIL: full disk: exit $rc, want 1: $cmd_args" >&2
	cat "$tmp/stderr" >&2
	fail=1
fi
if ! grep -q "No space left on device" "$tmp/stderr"; then
	echo "FAIL: full disk: no 'No space left on device' message" >&2
	cat "$tmp/stderr" >&2
	fail=1
fi
left=$(tr '\n' ' ' <"$tmp/left")
if [ "$left" != "fill " ]; then
	echo "FAIL: full disk: left '$left', want only the filler" >&2
	fail=1
fi
[ $fail = 0 ] && echo "ok: full disk: exit 1, 'No space left on device', nothing left but the filler"

run 4m 0 "$@"
rc=$?
if [ $rc != 0 ]; then
	echo "FAIL: with room: exit $rc: $cmd_args" >&2
	cat "$tmp/stderr" >&2
	fail=1
fi
left=$(tr '\n' ' ' <"$tmp/left")
expect=$(printf '%s\n' $want | sort | tr '\n' ' ')
if [ "$left" != "$expect" ]; then
	echo "FAIL: with room: left '$left', want '$expect'" >&2
	fail=1
fi
python3 - "$tmp/copy" $want <<'PY' || fail=1
import json, os, sys
d = sys.argv[1]
for name in sys.argv[2:]:
    p = os.path.join(d, name)
    if not os.path.exists(p):
        continue
    data = open(p, "rb").read()
    if name.endswith(".json"):
        json.loads(data)
    elif name.endswith(".svg"):
        assert b"</svg>" in data[-64:], name + " is not a complete SVG"
    else:
        assert data.endswith(b"\n"), name + " does not end in a newline"
print("ok: with room: exit 0, complete files:", " ".join(sys.argv[2:]))
PY
exit $fail
