#!/usr/bin/env bash
# SPDX-License-Identifier: MIT OR Apache-2.0
# Peak memory and time of hud-report on a big synthetic recording: EVENTS (default one
# million) SAMPLE and OFFCPU records written by hud-synth, with stacks into the golden
# binary tests/golden/symtest (so symbolization is real: DWARF, inlining, demangling).
# One table row per output format. Target: a peak RSS of at most RSS_LIMIT_MB (100) MiB.
#
# Peak RSS is the kernel's high-water mark of the process: ru_maxrss through GNU time when
# /usr/bin/time is GNU time, else VmHWM from /proc/PID/status read every 10 ms (a lower
# bound, short by at most what the last 10 ms added). Needs no root.
#   HUD_BUILD=build EVENTS=1000000 tests/bench/report-rss.sh
set -euo pipefail
build=${HUD_BUILD:-build}
events=${EVENTS:-1000000}
limit_mb=${RSS_LIMIT_MB:-100}
formats=${FORMATS:-text json folded svg trace}
golden=$(cd "$(dirname "$0")/../golden" && pwd)
synth=$build/tests/hud-synth
report=$build/hud-report
if [ ! -x "$synth" ] || [ ! -x "$report" ]; then
	echo "report-rss: skipped: $synth or $report not built (make all unit-tests)" >&2
	exit 0
fi
out=$(mktemp -d /tmp/hud-rss.XXXXXX)
trap 'rm -rf "$out"' EXIT

# The binary at its recorded path under --symfs; an empty HOME keeps ~/.debug out.
mkdir -p "$out/symfs/opt/hud-synth/bin" "$out/home"
ln -s "$golden/symtest" "$out/symfs/opt/hud-synth/bin/symtest"

gnu_time=0
/usr/bin/time --version 2>&1 | grep -q GNU && gnu_time=1

# CPU seconds (user + system) of this shell's reaped children so far: `times`' second line
# (run in this shell: in a $(...) subshell it would count the subshell's children).
children_cpu() {
	times >"$out/times"
	awk 'NR == 2 { split($1, u, "m"); split($2, s, "m"); print u[1] * 60 + u[2] + s[1] * 60 + s[2] }' \
		"$out/times"
}

# measure CMD... -> "wall_seconds cpu_seconds peak_rss_kib exit_code"; its stderr in $out/err
measure() {
	local t0 t1 c0 c1 pid hwm=0 key val rc=0 tick
	if [ $gnu_time = 1 ]; then
		/usr/bin/time -f '%e %U %S %M' -o "$out/time" "$@" 2>"$out/err" || rc=$?
		awk -v rc="$rc" '{ printf "%s %.2f %s %d\n", $1, $2 + $3, $4, rc }' "$out/time"
		return
	fi
	exec {tick}<> <(:) # a 10 ms sleep without a process per poll: read -t on an idle pipe
	children_cpu >"$out/c0"
	t0=$(date +%s.%N)
	"$@" 2>"$out/err" &
	pid=$!
	while kill -0 "$pid" 2>/dev/null; do
		while read -r key val _; do
			[ "$key" = VmHWM: ] && [ "$val" -gt "$hwm" ] && hwm=$val
		done <"/proc/$pid/status" 2>/dev/null || true
		read -rt 0.01 -u "$tick" _ || true
	done
	wait "$pid" || rc=$?
	t1=$(date +%s.%N)
	children_cpu >"$out/c1"
	read -r c0 <"$out/c0"
	read -r c1 <"$out/c1"
	exec {tick}<&-
	awk -v a="$t0" -v b="$t1" -v c="$c0" -v d="$c1" -v m="$hwm" -v rc="$rc" \
		'BEGIN { printf "%.2f %.2f %d %d\n", b - a, d - c, m, rc }'
}

t0=$(date +%s.%N)
"$synth" --elf "$golden/symtest" --events "$events" -o "$out/big.hud"
t1=$(date +%s.%N)
bytes=$(stat -c %s "$out/big.hud")

printf '\n# hud-report peak memory: %s events from hud-synth (%.1f MiB file, written in %.1f s)\n' \
	"$events" "$(awk -v b="$bytes" 'BEGIN { print b / 1048576 }')" \
	"$(awk -v a="$t0" -v b="$t1" 'BEGIN { print b - a }')"
printf '# peak RSS: %s\n\n' \
	"$([ $gnu_time = 1 ] && echo "ru_maxrss (GNU time)" || echo "VmHWM polled every 10 ms (lower bound)")"
printf '| hud-report -f | wall | CPU | peak RSS | target <= %s MiB |\n' "$limit_mb"
printf '|---|---:|---:|---:|---|\n'
for f in $formats; do
	read -r wall cpu kib rc < <(measure env -u DEBUGINFOD_URLS HOME="$out/home" "$report" \
		-i "$out/big.hud" --symfs "$out/symfs" -f "$f" -o /dev/null)
	verdict=$(awk -v k="$kib" -v l="$limit_mb" 'BEGIN { print k / 1024 <= l ? "yes" : "**no**" }')
	if [ "$rc" != 0 ]; then
		verdict="hud-report failed (exit $rc)"
		sed 's/^/# /' "$out/err" >&2
	fi
	printf '| %s | %s s | %s s | %.1f MiB | %s |\n' "$f" "$wall" "$cpu" \
		"$(awk -v k="$kib" 'BEGIN { print k / 1024 }')" "$verdict"
done
