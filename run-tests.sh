#!/usr/bin/env bash
# Installs what is needed (Debian 12, as root), builds, and runs every test
# suite: unit, loopback (real processes over 127.0.0.1), gpu (skips with 77
# without a GPU), then lab (two QEMU VMs with Soft-RoCE; skips with 77 if
# QEMU cannot run). Ends with "N passed, N failed, N skipped".
#   BUILD=dir  build directory (default: build)
set -uo pipefail
cd "$(dirname "$0")"
build=${BUILD:-build}
scripts/install-deps.sh --lab || exit 1
scripts/build.sh "$build" || exit 1
rm -f "$build"/meson-logs/testlog*.json
meson test -C "$build" --print-errorlogs --num-processes 2 \
	--suite unit --suite loopback --suite gpu --logbase testlog-main
# The lab takes both cores: run it alone, after the rest.
meson test -C "$build" --print-errorlogs --suite lab --logbase testlog-lab
scripts/count-results "$build"/meson-logs/testlog-main.json \
	"$build"/meson-logs/testlog-lab.json
