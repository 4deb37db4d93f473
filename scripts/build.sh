#!/usr/bin/env bash
# Configures (or reconfigures) and builds netroof into build dir $1.
#   scripts/build.sh DIR [--quiet]
set -uo pipefail
build=$1
out=/dev/stdout
[ "${2:-}" = "--quiet" ] && out=/dev/null
if [ -f "$build/build.ninja" ]; then
	meson setup --reconfigure "$build" >/dev/null || exit 1
else
	meson setup "$build" >"$out" || exit 1
fi
ninja -C "$build" >"$out" || exit 1
