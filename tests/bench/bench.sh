#!/usr/bin/env bash
# SPDX-License-Identifier: MIT OR Apache-2.0
# make bench: what hud costs the process it watches, side by side in one run.
#
# For each fixture workload (cpu: compute between yields; switch: channel hops and short
# timers across workers; handoff: spawn_blocking round trips, about 80k thread switches a
# second), alternate ROUNDS runs of: unprofiled, under hud-record at defaults, and under
# perf record (the anchor: -g -F 99 -e cpu-clock -e sched:sched_switch). Report the median
# throughput of each relative to unprofiled, hud-record's own CPU time, and file sizes.
# Then: the event rate hud-record drains (every off-CPU interval, -t 0), and hud-report
# against perf report --stdio on the same handoff-mode run (time and peak RSS).
#
# Timings on a shared 2-core VM are noisy: compare the ratios of one run, not absolutes.
set -euo pipefail
build=${HUD_BUILD:-build}
rounds=${ROUNDS:-3}
secs=${SECS:-8}
fixture=$build/fixtures/hud-fixture
out=$(mktemp -d /tmp/hud-bench.XXXXXX)
trap 'rm -rf "$out"' EXIT
[ "$(id -u)" = 0 ] || { echo "bench: error: needs root (BPF, perf): run 'sudo make bench'" >&2; exit 1; }
have_perf=1
command -v perf >/dev/null || have_perf=0

clk=$(getconf CLK_TCK)
cpu_ticks() { awk '{ print $14 + $15 }' "/proc/$1/stat" 2>/dev/null || echo 0; }

# run MODE KIND -> "ops_per_sec steady_cpu_percent startup_cpu_seconds file_bytes"
# Throughput and the profiler's CPU are measured from the fixture's 2-second tick to its
# last tick, so BPF loading and start-up do not count; start-up CPU is reported apart.
run() {
	local mode=$1 kind=$2 fx rec=0 t_a=0 t_b=0 w_a w_b bytes=0
	"$fixture" --bench "$mode" --duration "$secs" >"$out/fx.out" 2>/dev/null &
	fx=$!
	until grep -q pid= "$out/fx.out" 2>/dev/null; do sleep 0.01; done
	case $kind in
	hud)
		"$build/hud-record" -p "$fx" -o "$out/$mode.hud" 2>/dev/null &
		rec=$!
		;;
	perf)
		perf record -q -g -F 99 -e cpu-clock -e sched:sched_switch -p "$fx" \
			-o "$out/$mode.perf.data" >/dev/null 2>&1 &
		rec=$!
		;;
	esac
	until grep -q "tick secs=2" "$out/fx.out" 2>/dev/null; do sleep 0.01; done
	w_a=$(date +%s.%N)
	[ "$rec" = 0 ] || t_a=$(cpu_ticks "$rec")
	while kill -0 "$fx" 2>/dev/null && [ "$(grep -c '^tick' "$out/fx.out")" -lt "$((secs - 1))" ]; do
		sleep 0.05
	done
	w_b=$(date +%s.%N)
	[ "$rec" = 0 ] || t_b=$(cpu_ticks "$rec")
	wait "$fx"
	if [ "$rec" != 0 ]; then
		kill -INT "$rec" 2>/dev/null || true
		wait "$rec" 2>/dev/null || true
	fi
	case $kind in
	hud) bytes=$(stat -c %s "$out/$mode.hud") ;;
	perf) bytes=$(stat -c %s "$out/$mode.perf.data") ;;
	esac
	awk -v ta="$t_a" -v tb="$t_b" -v wa="$w_a" -v wb="$w_b" -v c="$clk" -v bytes="$bytes" '
		/^tick secs=2\./ { split($2, s, "="); split($3, o, "="); s0 = s[2]; o0 = o[2] }
		/^tick/ { split($2, s, "="); split($3, o, "="); s1 = s[2]; o1 = o[2] }
		END { printf "%.1f %.3f %.3f %d\n", (o1 - o0) / (s1 - s0),
			100 * (tb - ta) / c / (wb - wa), ta / c, bytes }' "$out/fx.out"
}

median() { sort -g | awk '{ a[NR] = $1 } END { print (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2 }'; }

printf '# hud bench: %s rounds of %s s per cell, %s\n' "$rounds" "$secs" "$(date -u +%F)"
printf '# kernel %s, %s CPUs\n\n' "$(uname -r)" "$(nproc)"
printf '| workload | unprofiled ops/s | under hud-record | under perf record | hud-record CPU (steady) | hud-record start-up CPU | hud file | perf.data |\n'
printf '|---|---:|---:|---:|---:|---:|---:|---:|\n'
workloads=${WORKLOADS:-cpu switch handoff}
for mode in $workloads; do
	: >"$out/base"; : >"$out/hud"; : >"$out/perf"; : >"$out/hudcpu"; : >"$out/hudstart"
	for r in $(seq "$rounds"); do
		run "$mode" none | awk '{ print $1 }' >>"$out/base"
		run "$mode" hud >"$out/h"
		awk '{ print $1 }' "$out/h" >>"$out/hud"
		awk '{ print $2 }' "$out/h" >>"$out/hudcpu"
		awk '{ print $3 }' "$out/h" >>"$out/hudstart"
		hud_bytes=$(awk '{ print $4 }' "$out/h")
		if [ $have_perf = 1 ]; then
			run "$mode" perf >"$out/p"
			awk '{ print $1 }' "$out/p" >>"$out/perf"
			perf_bytes=$(awk '{ print $4 }' "$out/p")
		fi
	done
	hudstart=$(median <"$out/hudstart")
	base=$(median <"$out/base")
	hud=$(median <"$out/hud")
	hudcpu=$(median <"$out/hudcpu")
	perf_col="n/a"
	perf_size="n/a"
	if [ $have_perf = 1 ]; then
		perf=$(median <"$out/perf")
		perf_col=$(awk -v a="$perf" -v b="$base" 'BEGIN { printf "%.3f (%+.1f%%)", a / b, 100 * (a / b - 1) }')
		perf_size="$((perf_bytes / 1024)) KiB"
	fi
	printf '| %s | %.0f | %s | %s | %.2f%% of a core | %.2f s | %s KiB | %s |\n' "$mode" "$base" \
		"$(awk -v a="$hud" -v b="$base" 'BEGIN { printf "%.3f (%+.1f%%)", a / b, 100 * (a / b - 1) }')" \
		"$perf_col" "$hudcpu" "$hudstart" "$((hud_bytes / 1024))" "$perf_size"
done

echo
echo "Ratios: median ops/s under the profiler over median unprofiled ops/s, from 2 s to the end."
echo "CPU: user+system time of hud-record over the same window, in % of one core; start-up:"
echo "its CPU time before that window (BPF load, /proc reads)."
echo "Files: a whole ${secs} s run."

# --- drain: every off-CPU interval of the handoff workload (-t 0) ------------------
"$fixture" --bench handoff --duration $((secs + 2)) >"$out/fx.out" 2>/dev/null &
fx=$!
until grep -q pid= "$out/fx.out" 2>/dev/null; do sleep 0.01; done
"$build/hud-record" -p "$fx" -t 0 -o "$out/drain.hud" --duration "$secs" 2>"$out/drain.err" &
rec=$!
sleep 1
t_a=$(cpu_ticks "$rec")
w_a=$(date +%s.%N)
sleep $((secs - 2))
t_b=$(cpu_ticks "$rec")
w_b=$(date +%s.%N)
wait "$rec" || true
wait "$fx" || true
awk -v ta="$t_a" -v tb="$t_b" -v wa="$w_a" -v wb="$w_b" -v c="$clk" '
	/: [0-9.]+ s, [0-9]+ samples, [0-9]+ off-CPU events, [0-9]+ lost/ {
		for (i = 1; i <= NF; i++) {
			if ($(i + 1) == "s,") secs = $i
			if ($(i + 1) == "samples,") smp = $i
			if ($(i + 1) == "off-CPU") off = $i
			if ($(i + 1) == "lost") lost = $i
		}
		cpu = 100 * (tb - ta) / c / (wb - wa)
		printf "\ndrain (handoff, -t 0): %.0f events/s for %.1f s, %d lost, hud-record %.1f%% of a core", (smp + off) / secs, secs, lost, cpu
		if (cpu > 0) printf " (%.1f us of CPU per event)", 10000 * cpu / ((smp + off) / secs)
		printf "\n"
	}' "$out/drain.err"

# --- hud-report vs perf report on the last handoff-mode recordings ----------------
# Each report runs 3 times; the median time and the peak RSS (GNU time) are shown.
report_cost() { # CMD... -> "seconds max_rss_kib"
	local i
	for i in 1 2 3; do
		if /usr/bin/time --version 2>&1 | grep -q GNU; then
			/usr/bin/time -f '%e %M' -o "$out/t" "$@" >/dev/null 2>&1 || true
			cat "$out/t"
		else
			local a b
			a=$(date +%s.%N)
			"$@" >/dev/null 2>&1 || true
			b=$(date +%s.%N)
			awk -v a="$a" -v b="$b" 'BEGIN { printf "%.3f 0\n", b - a }'
		fi
	done | sort -g | sed -n 2p
}
last=${workloads##* }
if [ $have_perf = 1 ] && [ -f "$out/$last.perf.data" ]; then
	read -r hs hm < <(report_cost "$build/hud-report" -i "$out/$last.hud" --threads all)
	read -r ps pm < <(report_cost perf report --stdio -i "$out/$last.perf.data")
	# perf report prints symbols only by default; hud-report also prints file:line (and
	# inlined frames). The fairer anchor asks perf for source lines too.
	read -r ls lm < <(report_cost perf report --stdio --no-children --sort sym,srcline -g none \
		-i "$out/$last.perf.data")
	awk -v hs="$hs" -v hm="$hm" -v ps="$ps" -v pm="$pm" -v ls="$ls" -v lm="$lm" -v w="$last" 'BEGIN {
		printf "\nreport (%s run, median of 3):\n", w
		printf "  hud-report (file:line, inlined frames)           %7.3f s %7.1f MiB\n", hs, hm / 1024
		printf "  perf report --stdio (symbols only)               %7.3f s %7.1f MiB  %5.1fx hud-report'"'"'s time\n", ps, pm / 1024, (hs > 0 ? ps / hs : 0)
		printf "  perf report --stdio --sort sym,srcline -g none   %7.3f s %7.1f MiB  %5.1fx hud-report'"'"'s time\n", ls, lm / 1024, (hs > 0 ? ls / hs : 0) }'
fi
HUD_BUILD=$build "$(dirname "$0")/report-rss.sh" # hud-report peak RSS on 1M synthetic events
