# shellcheck shell=bash
# What the GPU-machine scripts share (sourced by nccl_coll/bench_multirank.sh
# and nccl_rt/gpu_suite.sh; not run on its own). The machine: one GPU,
# CUDA + NCCL in /usr, meson/ninja, no jansson (Debian's .debs carried in
# .debs/ or .deps/), nothing reachable outside, at most 10 minutes a
# command. So every step prints progress, has a timeout, and a failed step
# does not stop the next; the MPS daemon these scripts start is always
# quit at the end (trap), and the outputs go under $OUT as one tarball and
# a status text.
#
#   gm_init NAME BUDGET_S TARBALL
#                           work dir $GM_DIR (/tmp/NAME), status file,
#                           deadline BUDGET_S from now, exit trap (which
#                           still writes the tarball if the script stops
#                           early)
#   gm_log MSG              timestamped progress line (stdout + status)
#   gm_deps                 jansson: dpkg -x the carried .debs if pkg-config
#                           lacks it (into /, or /tmp/nr-jansson when / is
#                           not writable)
#   gm_build DIR            meson setup + ninja (verbs/rdmacm off: no
#                           headers there; ib_lat -t tcp needs neither)
#   gm_mps_start            MPS control daemon, pipes in /tmp/mps, logs in
#                           /tmp/mps-log (the tools' own how-to); GM_MPS=1
#                           when it answers
#   gm_mps_stop             echo quit | nvidia-cuda-mps-control (only for a
#                           daemon this script started; also from the trap)
#   gm_step NAME SECS CMD.. run CMD under timeout (capped by the deadline;
#                           skipped when too little is left), stdout into
#                           $GM_DIR/NAME.txt, stderr into
#                           $GM_DIR/logs/NAME.err, rc and seconds into the
#                           status; returns CMD's rc
#   gm_left                 seconds left before the deadline
#   gm_bg_add PID           a helper process (a server) to stop at the end
#   gm_finish               MPS quit, summary line, the tarball of $GM_DIR
#                           and the status text into $OUT

GM_T0=$(date +%s)

gm_log() {
	local line
	line="[$(date -u +%H:%M:%S) +$(( $(date +%s) - GM_T0 ))s] $*"
	echo "$line"
	[ -n "${GM_STATUS:-}" ] && echo "$line" >>"$GM_STATUS"
	return 0
}

gm_left() {
	echo $(( GM_DEADLINE - $(date +%s) ))
}

gm_init() {
	GM_NAME=$1
	GM_DEADLINE=$(( GM_T0 + $2 ))
	GM_TARBALL=$3
	GM_DIR=/tmp/$GM_NAME
	GM_OUT=${OUT:-/tmp/out}
	rm -rf "$GM_DIR"
	mkdir -p "$GM_DIR/logs" "$GM_OUT" || exit 1
	GM_STATUS=$GM_DIR/status.txt
	: >"$GM_STATUS"
	GM_FAILED=0
	GM_STEPS=0
	GM_MPS=0
	GM_MPS_OURS=0
	GM_FINISHED=0
	GM_CHILD=
	GM_BG=
	trap 'gm_on_exit' EXIT
	trap 'gm_on_signal' INT TERM HUP
	export NCCL_NVLS_ENABLE=0
	gm_log "$GM_NAME: start (budget $2 s), host $(hostname), $(nproc) CPUs"
}

gm_on_signal() {
	gm_log "signal: stopping${GM_CHILD:+ (and step pid $GM_CHILD)}"
	# timeout(1) passes the signal on to the step's processes
	[ -n "$GM_CHILD" ] && kill -TERM "$GM_CHILD" 2>/dev/null &&
		wait "$GM_CHILD" 2>/dev/null
	exit 1
}

# A helper process a step needs (a server): stopped at the end, or on a
# signal, if still running.
gm_bg_add() {
	GM_BG="$GM_BG $1"
}

gm_bg_stop() {
	local p
	for p in $GM_BG; do
		kill "$p" 2>/dev/null && wait "$p" 2>/dev/null
	done
	GM_BG=
}

gm_on_exit() {
	# a script stopped early still quits its daemon and leaves its data
	gm_bg_stop
	[ "$GM_FINISHED" = 1 ] || gm_finish
	gm_mps_stop
}

gm_deps() {
	local f d root
	if pkg-config --exists jansson 2>/dev/null; then
		gm_log "jansson: $(pkg-config --modversion jansson) (installed)"
		return 0
	fi
	set -- .debs/libjansson*.deb .deps/libjansson*.deb
	d=
	for f in "$@"; do [ -f "$f" ] && d="$d $f"; done
	if [ -z "$d" ]; then
		gm_log "jansson: not installed and no .debs/libjansson*.deb here"
		return 1
	fi
	if [ -w / ] && [ -w /usr/lib ]; then
		root=/
	else
		root=/tmp/nr-jansson
		mkdir -p "$root"
	fi
	for f in $d; do
		dpkg -x "$f" "$root" || { gm_log "dpkg -x $f failed"; return 1; }
	done
	if [ "$root" != / ]; then
		# the .pc says prefix=/usr: point it at the copy
		mkdir -p "$root/pc"
		for f in "$root"/usr/lib/*/pkgconfig/jansson.pc \
			 "$root"/usr/lib/pkgconfig/jansson.pc; do
			[ -f "$f" ] && sed "s|^prefix=.*|prefix=$root/usr|" "$f" \
				>"$root/pc/jansson.pc"
		done
		export PKG_CONFIG_PATH="$root/pc${PKG_CONFIG_PATH:+:$PKG_CONFIG_PATH}"
		for f in "$root"/usr/lib/*-linux-gnu "$root"/usr/lib; do
			[ -d "$f" ] && export LD_LIBRARY_PATH="$f${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
		done
	fi
	if ! pkg-config --exists jansson; then
		gm_log "jansson: extracted$d into $root, pkg-config still lacks it"
		return 1
	fi
	gm_log "jansson: $(pkg-config --modversion jansson) from$d ($root)"
}

gm_build() {
	local b=$1 t0 rc
	t0=$(date +%s)
	if [ ! -f "$b/build.ninja" ]; then
		meson setup "$b" -Dverbs=disabled -Drdmacm=disabled \
			>"$GM_DIR/logs/meson-setup.log" 2>&1 || {
			tail -30 "$GM_DIR/logs/meson-setup.log"
			gm_log "build: meson setup FAILED (logs/meson-setup.log)"
			return 1; }
	fi
	grep -E "CUDA runtime|NCCL \(" "$GM_DIR/logs/meson-setup.log" 2>/dev/null
	ninja -C "$b" >"$GM_DIR/logs/ninja.log" 2>&1
	rc=$?
	grep -E "warning|error" "$GM_DIR/logs/ninja.log" | head -20
	if [ $rc -ne 0 ]; then
		tail -20 "$GM_DIR/logs/ninja.log"
		gm_log "build: ninja FAILED rc $rc (logs/ninja.log)"
		return 1
	fi
	gm_log "build: ok in $(( $(date +%s) - t0 )) s ($("$b/nccl_coll/nccl_coll" -V 2>&1 | tail -1))"
}

# 0 when a control daemon answers in $CUDA_MPS_PIPE_DIRECTORY.
gm_mps_answers() {
	local out
	out=$(echo get_server_list | timeout 10 nvidia-cuda-mps-control 2>&1) ||
		return 1
	case $out in *"Cannot find"*|*"annot connect"*) return 1 ;; esac
	return 0
}

gm_mps_start() {
	export CUDA_MPS_PIPE_DIRECTORY=/tmp/mps CUDA_MPS_LOG_DIRECTORY=/tmp/mps-log
	if ! command -v nvidia-cuda-mps-control >/dev/null; then
		gm_log "MPS: nvidia-cuda-mps-control not found: runs that need MPS will say so (exit 77)"
		return 1
	fi
	mkdir -p "$CUDA_MPS_PIPE_DIRECTORY" "$CUDA_MPS_LOG_DIRECTORY"
	if timeout 30 nvidia-cuda-mps-control -d; then
		GM_MPS_OURS=1
	else
		gm_log "MPS: nvidia-cuda-mps-control -d failed (a daemon already running there?)"
	fi
	sleep 1
	if gm_mps_answers; then
		GM_MPS=1
		gm_log "MPS: daemon $([ "$GM_MPS_OURS" = 1 ] && echo started || echo "found (not ours: left running)") (pipes $CUDA_MPS_PIPE_DIRECTORY, logs $CUDA_MPS_LOG_DIRECTORY)"
	else
		gm_log "MPS: no daemon answers in $CUDA_MPS_PIPE_DIRECTORY"
	fi
}

gm_mps_stop() {
	[ "${GM_MPS_OURS:-0}" = 1 ] || return 0
	GM_MPS_OURS=0
	{
		echo "== get_server_list (MPS servers: one per user whose clients ran)"
		echo get_server_list | timeout 10 nvidia-cuda-mps-control
	} >"$GM_DIR/mps-servers.txt" 2>&1
	echo quit | timeout 30 nvidia-cuda-mps-control
	gm_log "MPS: quit sent (rc $?)"
	cp -r "${CUDA_MPS_LOG_DIRECTORY:-/tmp/mps-log}" "$GM_DIR/mps-log" 2>/dev/null
	return 0
}

gm_step() {
	local name=$1 secs=$2 left t0 rc
	shift 2
	GM_STEPS=$((GM_STEPS + 1))
	left=$(( $(gm_left) - 20 ))	# the tarball and MPS quit need a little
	if [ "$left" -lt 15 ]; then
		gm_log "SKIP $name: ${left}s left before the deadline"
		GM_FAILED=$((GM_FAILED + 1))
		return 1
	fi
	[ "$secs" -gt "$left" ] && secs=$left
	gm_log "step $name (at most ${secs}s): $*"
	t0=$(date +%s)
	# in the background: a signal to this script is handled at once
	timeout -k 10 "$secs" "$@" >"$GM_DIR/$name.txt" \
		2>"$GM_DIR/logs/$name.err" &
	GM_CHILD=$!
	wait $GM_CHILD
	rc=$?
	GM_CHILD=
	tr '\r' '\n' <"$GM_DIR/logs/$name.err" | grep -v "^[a-z_]*: [0-9]*/[0-9]* \|step [0-9]*/" | tail -4
	case $rc in
	0)	gm_log "ok   $name rc 0 in $(( $(date +%s) - t0 ))s" ;;
	124|137) gm_log "FAIL $name TIMED OUT after ${secs}s"
		GM_FAILED=$((GM_FAILED + 1)) ;;
	77)	gm_log "SKIP $name rc 77 (no GPU, no MPS, or not built) in $(( $(date +%s) - t0 ))s"
		GM_FAILED=$((GM_FAILED + 1)) ;;
	*)	gm_log "FAIL $name rc $rc in $(( $(date +%s) - t0 ))s"
		GM_FAILED=$((GM_FAILED + 1)) ;;
	esac
	return $rc
}

gm_finish() {
	local tarball=$GM_TARBALL
	GM_FINISHED=1
	gm_mps_stop
	gm_log "$GM_NAME: done: $GM_STEPS steps, $GM_FAILED not ok, MPS daemon answered: $([ "$GM_MPS" = 1 ] && echo yes || echo no), $(( $(date +%s) - GM_T0 )) s"
	cp "$GM_STATUS" "$GM_OUT/status.txt"
	tar -C "$(dirname "$GM_DIR")" -czf "$GM_OUT/$tarball" "$(basename "$GM_DIR")" &&
		gm_log "wrote $GM_OUT/$tarball ($(du -k "$GM_OUT/$tarball" | cut -f1) KiB) and $GM_OUT/status.txt"
	cp "$GM_STATUS" "$GM_OUT/status.txt"
}
