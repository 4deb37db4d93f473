#!/usr/bin/env bash
# Installs the Debian 12 packages netroof needs (as root). Idempotent and
# quick when everything is there already: apt runs only for what is missing.
#   scripts/install-deps.sh          build + unit/loopback tests + sim plots
#   scripts/install-deps.sh --lab    also the Soft-RoCE lab (QEMU, kernel, perftest...)
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
pkgs=$(grep -hv '^#' "$here/scripts/packages.txt")
if [ "${1:-}" = "--lab" ]; then
	pkgs="$pkgs $(grep -hv '^#' "$here/tests/lab/packages.txt" 2>/dev/null || true)"
fi
missing=()
for p in $pkgs; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' ||
		missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0
if [ "$(id -u)" != 0 ]; then
	echo "install-deps: missing packages: ${missing[*]} (run as root)" >&2
	exit 1
fi
echo "install-deps: installing ${missing[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
apt-get update -q >/dev/null
apt-get install -y -q --no-install-recommends "${missing[@]}" >/dev/null
