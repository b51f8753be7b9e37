#!/usr/bin/env bash
# SPDX-License-Identifier: MIT OR Apache-2.0
# make bench: what hud costs the process it watches, side by side in one run.
#
# For each fixture workload (cpu: compute between yields; switch: channel hops and short
# timers across workers; handoff: spawn_blocking round trips, about 80k thread switches a
# second), one fixture process runs through CYCLES cycles of windows: unprofiled, under
# hud-record at defaults, and under perf record (the anchor: -g -F 99 -e cpu-clock
# -e sched:sched_switch). Report the throughput change of each against the unprofiled
# windows with a 95 % confidence interval, hud-record's own CPU time, and file sizes.
# Then: the event rate hud-record drains with 0 lost (hud-storm, -t 0), the cost to the
# rest of the host (a system-call loop), and hud-report against perf report --stdio on one
# handoff run recorded by both (time and peak RSS), and against the hud-report of
# BASE_REPORT_REV (before CFI unwinding) on a -g fp recording of that run. The off-CPU
# sampling table compares hud-record with BASE_RECORD_REV's (before sampling). The
# stack-copy table runs the fixtures with and without frame pointers under hud-record
# -g fp, auto and dwarf. Last, the CPU of the live screen (hud-report --follow) in tmux.
#
# Environment: CYCLES (8), W (window seconds, 4), WARM (4), STORM_RATES, STORM_SECS (4),
# REPORT_SECS (20), WORKLOADS ("cpu switch handoff"), STACK_CYCLES (4), STACK_WORKLOADS
# ("cpu handoff"), BASE_REPORT_REV (9438d02), SAMPLE_CYCLES (4), SAMPLE_WORKLOADS
# ("switch handoff"), BASE_RECORD_REV (8106639), HOST_ROUNDS (5), LIVE_SECS (20).
# Timings on a shared 2-core VM are noisy: compare the numbers of one run, not absolutes.
set -euo pipefail
build=${HUD_BUILD:-build}
fixture=$build/fixtures/hud-fixture
out=$(mktemp -d /tmp/hud-bench.XXXXXX)
trap 'rm -rf "$out"' EXIT
[ "$(id -u)" = 0 ] || { echo "bench: error: needs root (BPF, perf): run 'sudo make bench'" >&2; exit 1; }
for f in hud-record hud-report fixtures/hud-fixture tests/hud-storm tests/hud-synth; do
	[ -x "$build/$f" ] || { echo "bench: error: $build/$f is not built: run 'make bench'" >&2; exit 1; }
done
have_perf=1
command -v perf >/dev/null || have_perf=0

clk=$(getconf CLK_TCK)
cpu_ticks() { awk '{ print $14 + $15 }' "/proc/$1/stat" 2>/dev/null || echo 0; }

# Throughput is compared inside one fixture process: it runs WARM seconds, then CYCLES
# cycles of W-second windows, unprofiled, under hud-record and under perf record in turn.
# Separate processes of the same workload differ by more than what is measured here (on
# handoff, by up to a third from one start to the next), while the windows of one process
# are steady. A profiler starts at a window's first tick and stops at its last; the
# window's first second is not counted, so BPF loading and start-up do not pose as
# per-event cost (start-up CPU is shown apart).
warm=${WARM:-4}
cycles=${CYCLES:-${ROUNDS:-8}}
win=${W:-4}

ticks() { grep -c '^tick' "$out/fx.out" 2>/dev/null || true; }
wait_tick() { while [ "$(ticks)" -lt "$1" ]; do sleep 0.01; done; }
# ops_at N -> "ops secs" at the fixture's Nth progress line
ops_at() { awk -v n="$1" '/^tick/ && ++c == n { split($2, s, "="); split($3, o, "="); print o[2], s[2] }' "$out/fx.out"; }

# build_rev REV NAME TARGET... : build TARGETs of git revision REV of this tree into
# $out/NAME (make's default build/ there). Fails when this is no git checkout or REV does
# not build.
src=$(cd "$(dirname "$0")/../.." && pwd)
build_rev() {
	local rev=$1 dir=$out/$2
	shift 2
	[ -x "$dir/build/${1#build/}" ] && return 0
	git -C "$src" rev-parse -q --verify "$rev^{commit}" >/dev/null 2>&1 || return 1
	mkdir -p "$dir" && git -C "$src" archive "$rev" | tar -x -C "$dir" &&
		make -C "$dir" -j"$(nproc)" "$@" >/dev/null 2>&1
}

# window KIND FIRST_TICK -> appends "ops_per_sec cpu_pct startup_s bytes events copies
# sampled" to $out/KIND. KIND is none, perf, hud (defaults), hud-G (hud-record -g G) or
# base (BASE_RECORD_REV's hud-record at defaults); with STACKS=1 the stack-quality line of
# each hud window's report goes to $out/KIND.stacks.
window() {
	local kind=$1 t=$2 rec=0 c_a=0 c_b=0 w_a w_b oa sa ob sb bytes=0 events=0 copies=0 g
	local sampled=0
	case $kind in
	hud*)
		g=${kind#hud}
		g=${g#-}
		"$build/hud-record" -p "$fx" ${g:+-g "$g"} -o "$out/w.hud" 2>"$out/w.err" &
		rec=$!
		;;
	base)
		"$out/base-record/build/hud-record" -p "$fx" -o "$out/w.hud" 2>"$out/w.err" &
		rec=$!
		;;
	perf)
		perf record -q -g -F 99 -e cpu-clock -e sched:sched_switch -p "$fx" \
			-o "$out/w.perf.data" >/dev/null 2>&1 &
		rec=$!
		;;
	esac
	wait_tick $((t + 1))
	w_a=$(date +%s.%N)
	[ "$rec" = 0 ] || c_a=$(cpu_ticks "$rec")
	wait_tick $((t + win))
	w_b=$(date +%s.%N)
	[ "$rec" = 0 ] || c_b=$(cpu_ticks "$rec")
	if [ "$rec" != 0 ]; then
		kill -INT "$rec" 2>/dev/null || true
		wait "$rec" 2>/dev/null || true
	fi
	case $kind in
	hud* | base)
		bytes=$(stat -c %s "$out/w.hud")
		events=$(awk '/ samples, [0-9]+ off-CPU events/ {
			for (i = 1; i < NF; i++) if ($(i + 1) ~ /^samples,/ || $(i + 1) == "off-CPU") n += $i
			print n }' "$out/w.err")
		copies=$(awk '/events carry a copy of the user stack/ { print $2 }' "$out/w.err")
		sampled=$(sed -n 's/.*off-CPU events (\([0-9]*\) sampled below.*/\1/p' "$out/w.err")
		[ "${STACKS:-0}" = 0 ] || "$build/hud-report" -i "$out/w.hud" --threads all 2>/dev/null |
			sed -n 's/^stacks: *//p' >>"$out/$kind.stacks"
		;;
	perf)
		bytes=$(stat -c %s "$out/w.perf.data")
		events=$(perf report --stats -i "$out/w.perf.data" 2>/dev/null |
			awk '/SAMPLE events:/ { print $3; exit }')
		;;
	esac
	read -r oa sa < <(ops_at $((t + 1)))
	read -r ob sb < <(ops_at $((t + win)))
	awk -v oa="$oa" -v ob="$ob" -v sa="$sa" -v sb="$sb" -v ca="$c_a" -v cb="$c_b" -v wa="$w_a" \
		-v wb="$w_b" -v c="$clk" -v bytes="$bytes" -v ev="${events:-0}" -v cp="${copies:-0}" \
		-v sm="${sampled:-0}" 'BEGIN {
		printf "%.1f %.3f %.3f %d %d %d %d\n", (ob - oa) / (sb - sa), 100 * (cb - ca) / c / (wb - wa),
			ca / c, bytes, ev, cp, sm }' >>"$out/$kind"
}

median() { sort -g | awk '{ a[NR] = $1 } END { print (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2 }'; }

# ratio KIND -> "mean_pct ci95_pct n": each window of KIND against the mean of the
# unprofiled windows just before and after it (before only, for the last), which cancels
# a slow drift of the process's own throughput.
ratio() {
	awk 'NR == FNR { base[++nb] = $1; next } { k++; b = base[k]; if (k < nb) b = (b + base[k + 1]) / 2
		r[k] = $1 / b }
		END { for (i = 1; i <= k; i++) s += r[i]; m = s / k
		for (i = 1; i <= k; i++) v += (r[i] - m) ^ 2
		sd = k > 1 ? sqrt(v / (k - 1)) : 0
		printf "%.1f %.1f %d\n", 100 * (m - 1), 196 * sd / sqrt(k), k }' "$out/none" "$out/$1"
}

# run_workload FIXTURE MODE CYCLES KIND... -> one fixture process through CYCLES cycles of
# one window per KIND; results in $out/KIND.
run_workload() {
	local fixture=$1 mode=$2 cycles=$3 c k t nk
	shift 3
	nk=$#
	for k in "$@"; do : >"$out/$k"; done
	rm -f "$out"/*.stacks
	"$fixture" --bench "$mode" --duration $((warm + cycles * nk * (win + 2) + 10)) \
		>"$out/fx.out" 2>/dev/null &
	fx=$!
	until grep -q pid= "$out/fx.out" 2>/dev/null; do sleep 0.01; done
	wait_tick "$warm"
	for c in $(seq "$cycles"); do
		for k in "$@"; do
			# Start each window on a tick, so that its uncounted first second really
			# holds the profiler's start-up.
			t=$(($(ticks) + 1))
			wait_tick "$t"
			window "$k" "$t"
		done
	done
	kill "$fx" 2>/dev/null || true
	wait "$fx" 2>/dev/null || true
}

kinds="none hud"
[ $have_perf = 1 ] && kinds="none hud perf"
printf '# hud bench: %s cycles of %s s windows per workload after %s s of warm-up, %s\n' \
	"$cycles" "$win" "$warm" "$(date -u +%F)"
printf '# kernel %s, %s CPUs\n\n' "$(uname -r)" "$(nproc)"
printf '| workload | unprofiled ops/s | hud-record | perf record | hud-record CPU | hud-record first second | hud file | perf.data |\n'
printf '|---|---:|---:|---:|---:|---:|---:|---:|\n'
workloads=${WORKLOADS:-cpu switch handoff}
for mode in $workloads; do
	run_workload "$fixture" "$mode" "$cycles" $kinds
	base=$(awk '{ print $1 }' "$out/none" | median)
	read -r hm hc hn < <(ratio hud)
	hudcpu=$(awk '{ s += $2 } END { print s / NR }' "$out/hud")
	hudstart=$(awk '{ print $3 }' "$out/hud" | median)
	hud_size=$(awk '{ b += $4; e += $5 } END { printf "%.0f KiB/s, %.0f B/event", b / NR / 1024 / '"$win"', (e ? b / e : 0) }' "$out/hud")
	perf_col="n/a"
	perf_size="n/a"
	if [ $have_perf = 1 ]; then
		read -r pm pc pn < <(ratio perf)
		perf_col=$(printf '%+.1f %% ± %.1f' "$pm" "$pc")
		perf_size=$(awk '{ b += $4; e += $5 } END { printf "%.0f KiB/s, %.0f B/sample", b / NR / 1024 / '"$win"', (e ? b / e : 0) }' "$out/perf")
	fi
	printf '| %s | %.0f | %+.1f %% ± %.1f | %s | %.2f %% of a core | %.2f s | %s | %s |\n' "$mode" "$base" \
		"$hm" "$hc" "$perf_col" "$hudcpu" "$hudstart" "$hud_size" "$perf_size"
done

echo
echo "Throughput: change of ops/s in each profiled window against the unprofiled windows around"
echo "it, mean over $cycles cycles ± the 95 % confidence interval of that mean."
echo "CPU: hud-record's user+system time over the counted part of its windows, in % of one"
echo "core (mean); first second: its CPU time up to the counted part (BPF load, /proc reads)."
echo "Files: bytes per second of recording and per event (hud: samples + off-CPU intervals;"
echo "perf: samples of both events)."

# --- stack copies: what -g auto and -g dwarf cost against -g fp ---------------------
# The fixture with frame pointers and the same fixture built without them, each workload
# in one process: unprofiled windows and hud-record -g fp, auto (the default) and dwarf in
# turn, STACK_CYCLES cycles. Complete: the share of events whose stack reaches the
# thread's entry; CFI: the share that CFI changed (both from hud-report's header, median
# over the windows).
stack_cycles=${STACK_CYCLES:-4}
printf '\nstack copies: hud-record -g fp, auto, dwarf (%s cycles of %s s windows)\n\n' "$stack_cycles" "$win"
printf '| fixture | workload | -g | throughput | hud-record CPU | hud file | events with a copy | complete | CFI |\n'
printf '|---|---|---|---:|---:|---:|---:|---:|---:|\n'
for fxname in hud-fixture hud-fixture-nofp; do
	[ -x "$build/fixtures/$fxname" ] || continue
	for mode in ${STACK_WORKLOADS:-cpu handoff}; do
		STACKS=1 run_workload "$build/fixtures/$fxname" "$mode" "$stack_cycles" \
			none hud-fp hud-auto hud-dwarf
		for k in hud-fp hud-auto hud-dwarf; do
			read -r m ci n < <(ratio "$k")
			awk -v fx="$fxname" -v mode="$mode" -v g="${k#hud-}" -v m="$m" -v ci="$ci" -v w="$win" '
				{ cpu += $2; b += $4; e += $5; cp += $6; n++ }
				END { printf "| %s | %s | %s | %+.1f %% ± %.1f | %.2f %% of a core | %.0f KiB/s, %.0f B/event | %.1f %% |",
					fx, mode, g, m, ci, cpu / n, b / n / 1024 / w, (e ? b / e : 0), (e ? 100 * cp / e : 0) }' \
				"$out/$k"
			# "100.0% complete, 85.2% unwound with CFI, ..." -> the Nth percentage
			pct() { awk -v f="$1" '{ split($0, a, ","); v = a[f]; sub(/%.*/, "", v); print v + 0 }' \
				"$out/$k.stacks" | median; }
			c=$(pct 1)
			r=$(pct 2)
			printf ' %.1f %% | %.1f %% |\n' "${c:-0}" "${r:-0}"
		done
	done
done

# --- off-CPU sampling: what sampling below the threshold costs ---------------------
# The switch-heavy workloads in one process each: unprofiled windows, this hud-record
# (which samples off-CPU intervals below the threshold) and BASE_RECORD_REV's, the last
# one that recorded long intervals only, at defaults, SAMPLE_CYCLES cycles.
sample_cycles=${SAMPLE_CYCLES:-4}
base_record_rev=${BASE_RECORD_REV:-8106639}
printf '\noff-CPU sampling: hud-record against %s'"'"'s (before it), %s cycles of %s s windows\n\n' \
	"$base_record_rev" "$sample_cycles" "$win"
if build_rev "$base_record_rev" base-record build/hud-record; then
	printf '| workload | hud-record | at %s | hud-record CPU | at %s | events/s | at %s | sampled | B/event |\n' \
		"$base_record_rev" "$base_record_rev" "$base_record_rev"
	printf '|---|---:|---:|---:|---:|---:|---:|---:|---:|\n'
	for mode in ${SAMPLE_WORKLOADS:-switch handoff}; do
		run_workload "$fixture" "$mode" "$sample_cycles" none hud base
		read -r hm hc hn < <(ratio hud)
		read -r bm bc bn < <(ratio base)
		stats() { awk -v w="$win" '{ cpu += $2; b += $4; e += $5; sm += $7; n++ }
			END { printf "%.2f %.0f %.1f %.0f\n", cpu / n, e / n / w, (e ? 100 * sm / e : 0), (e ? b / e : 0) }' "$out/$1"; }
		read -r hcpu hev hsm hb < <(stats hud)
		read -r bcpu bev bsm bb < <(stats base)
		printf '| %s | %+.1f %% ± %.1f | %+.1f %% ± %.1f | %.2f %% of a core | %.2f %% | %s | %s | %s %% | %s |\n' \
			"$mode" "$hm" "$hc" "$bm" "$bc" "$hcpu" "$bcpu" "$hev" "$bev" "$hsm" "$hb"
	done
	echo
	echo "events/s: samples and off-CPU intervals written per second; sampled: the share of"
	echo "them that are off-CPU intervals below the threshold (OFFCPU_SAMPLED)."
else
	printf '(no hud-record at %s to compare: not a git checkout, or it did not build)\n' "$base_record_rev"
fi

# --- drain: the event rate hud-record keeps up with ---------------------------------
# hud-storm wakes futex sleepers at a set rate; with -t 0 every wake-up ends an off-CPU
# interval, i.e. one event. Each rate runs STORM_SECS; the events/s are those hud-record
# wrote over its recording time, with its loss count and CPU.
storm_secs=${STORM_SECS:-4}
printf '\ndrain: hud-record -t 0 on hud-storm (futex wake-ups at a set rate, %s s each)\n\n' "$storm_secs"
printf '| offered wake-ups/s | events/s recorded | lost | hud-record CPU | CPU per event |\n'
printf '|---:|---:|---:|---:|---:|\n'
best=0
for rate in ${STORM_RATES:-25000 50000 100000 150000 200000 300000}; do
	"$build/tests/hud-storm" "$rate" "$storm_secs" >"$out/storm.out" &
	st=$!
	until grep -q pid= "$out/storm.out" 2>/dev/null; do sleep 0.01; done
	sp=$(sed -n 's/^pid=//p' "$out/storm.out")
	"$build/hud-record" -p "$sp" -t 0 -o "$out/storm.hud" 2>"$out/storm.err" &
	rec=$!
	wait "$st" || true
	cpu_ticks "$rec" >"$out/rec.cpu" # its CPU time while the storm ran, before it finalizes
	kill -INT "$rec" 2>/dev/null || true
	wait "$rec" 2>/dev/null || true
	row=$(awk -v rate="$rate" -v c="$clk" '
		/: [0-9.]+ s, [0-9]+ samples, [0-9]+ off-CPU events.*, [0-9]+ lost/ {
			for (i = 1; i <= NF; i++) {
				if ($(i + 1) == "s,") secs = $i
				if ($(i + 1) == "samples,") smp = $i
				if ($(i + 1) == "off-CPU") off = $i
				if ($(i + 1) == "lost") lost = $i
			}
		}
		/^cpu_ticks=/ { split($0, a, "="); ticks = a[2] }
		END { ev = (smp + off) / secs
			printf "%d %.0f %d %.1f %.2f", rate, ev, lost, 100 * ticks / c / secs, (ev ? 1e6 * ticks / c / secs / ev : 0) }' \
		"$out/storm.err" <(echo "cpu_ticks=$(cat "$out/rec.cpu" 2>/dev/null || echo 0)"))
	read -r r ev lost cpu_pct per <<<"$row"
	printf '| %d | %d | %d | %.1f %% of a core | %.2f µs |\n' "$r" "$ev" "$lost" "$cpu_pct" "$per"
	[ "$lost" = 0 ] && [ "$ev" -gt "$best" ] && best=$ev
done
printf '\nhighest rate recorded with 0 lost: %d events/s\n' "$best"

# --- the rest of the host: a system-call loop in another process -------------------
# The BPF programs run for every context switch of the machine, not only the target's:
# time dd bs=1 (two system calls a byte) beside a quiet target, without and with each
# profiler, alternating HOST_ROUNDS times (median).
host_rounds=${HOST_ROUNDS:-5}
"$fixture" --only sleep >"$out/fx.out" 2>/dev/null &
fx=$!
until grep -q pid= "$out/fx.out" 2>/dev/null; do sleep 0.01; done
for k in $kinds; do : >"$out/host.$k"; done
for r in $(seq "$host_rounds"); do
	for k in $kinds; do
		rec=0
		case $k in
		hud) "$build/hud-record" -p "$fx" -o "$out/h.hud" 2>/dev/null & rec=$! ;;
		perf) perf record -q -g -F 99 -e cpu-clock -e sched:sched_switch -p "$fx" \
			-o "$out/h.perf.data" >/dev/null 2>&1 & rec=$! ;;
		esac
		[ "$rec" = 0 ] || sleep 1
		a=$(date +%s.%N)
		dd if=/dev/zero of=/dev/null bs=1 count=1000000 2>/dev/null
		b=$(date +%s.%N)
		echo "$a $b" | awk '{ print $2 - $1 }' >>"$out/host.$k"
		if [ "$rec" != 0 ]; then
			kill -INT "$rec" 2>/dev/null || true
			wait "$rec" 2>/dev/null || true
		fi
	done
done
kill "$fx" 2>/dev/null || true
wait "$fx" 2>/dev/null || true
hn=$(median <"$out/host.none")
printf '\nhost: dd bs=1 count=1M (2M system calls) beside the recorded process, median of %s:\n' "$host_rounds"
for k in $kinds; do
	printf '  %-5s %6.2f s  %+.1f %%\n' "$k" "$(median <"$out/host.$k")" \
		"$(awk -v a="$(median <"$out/host.$k")" -v b="$hn" 'BEGIN { print 100 * (a / b - 1) }')"
done

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
# One handoff run of REPORT_SECS, recorded by hud-record and perf record side by side.
report_secs=${REPORT_SECS:-20}
if [ $have_perf = 1 ]; then
	"$fixture" --bench handoff --duration $((report_secs + 4)) >"$out/fx.out" 2>/dev/null &
	fx=$!
	until grep -q pid= "$out/fx.out" 2>/dev/null; do sleep 0.01; done
	"$build/hud-record" -p "$fx" -o "$out/r.hud" --duration "$report_secs" 2>/dev/null &
	rec=$!
	"$build/hud-record" -p "$fx" -g fp -o "$out/rfp.hud" --duration "$report_secs" 2>/dev/null &
	recfp=$!
	perf record -q -g -F 99 -e cpu-clock -e sched:sched_switch -p "$fx" -o "$out/r.perf.data" \
		-- sleep "$report_secs" >/dev/null 2>&1 || true
	wait "$rec" "$recfp" || true
	kill "$fx" 2>/dev/null || true
	wait "$fx" 2>/dev/null || true
	read -r hs hm < <(report_cost "$build/hud-report" -i "$out/r.hud" --threads all)
	read -r ps pm < <(report_cost perf report --stdio -i "$out/r.perf.data")
	# perf report prints symbols only by default; hud-report also prints file:line (and
	# inlined frames). The fairer anchor asks perf for source lines too.
	read -r ls lm < <(report_cost perf report --stdio --no-children --sort sym,srcline -g none \
		-i "$out/r.perf.data")
	awk -v hs="$hs" -v hm="$hm" -v ps="$ps" -v pm="$pm" -v ls="$ls" -v lm="$lm" -v secs="$report_secs" \
		-v hb="$(stat -c %s "$out/r.hud")" -v pb="$(stat -c %s "$out/r.perf.data")" 'BEGIN {
		printf "\nreport: one %d s handoff run recorded by both (hud %.0f KiB, perf.data %.0f KiB), median of 3:\n", secs, hb / 1024, pb / 1024
		printf "  hud-report (file:line, inlined frames)           %7.3f s %7.1f MiB\n", hs, hm / 1024
		printf "  perf report --stdio (symbols only)               %7.3f s %7.1f MiB  %5.1fx hud-report'"'"'s time\n", ps, pm / 1024, (hs > 0 ? ps / hs : 0)
		printf "  perf report --stdio --sort sym,srcline -g none   %7.3f s %7.1f MiB  %5.1fx hud-report'"'"'s time\n", ls, lm / 1024, (hs > 0 ? ls / hs : 0) }'

	# The cost of unwinding: the same run recorded with -g fp too (no stack copies), reported
	# by this hud-report and by BASE_REPORT_REV's, the last one before CFI unwinding and call-site
	# recovery (built from git into the scratch directory).
	base_rev=${BASE_REPORT_REV:-9438d02}
	read -r fs fm < <(report_cost "$build/hud-report" -i "$out/rfp.hud" --threads all)
	printf '\nreport: the same run recorded with -g fp (%.0f KiB), median of 3:\n' \
		"$(awk -v b="$(stat -c %s "$out/rfp.hud")" 'BEGIN { print b / 1024 }')"
	printf '  hud-report, -g auto recording (CFI)              %7.3f s %7.1f MiB\n' "$hs" \
		"$(awk -v m="$hm" 'BEGIN { print m / 1024 }')"
	printf '  hud-report, -g fp recording                      %7.3f s %7.1f MiB\n' "$fs" \
		"$(awk -v m="$fm" 'BEGIN { print m / 1024 }')"
	if build_rev "$base_rev" base build/hud-report; then
		read -r bs bm < <(report_cost "$out/base/build/hud-report" -i "$out/rfp.hud" --threads all)
		awk -v bs="$bs" -v bm="$bm" -v fs="$fs" -v rev="$base_rev" 'BEGIN {
			printf "  hud-report at %-12s -g fp recording         %7.3f s %7.1f MiB  this one takes %.2fx its time\n",
				rev ",", bs, bm / 1024, (bs > 0 ? fs / bs : 0) }'
	else
		printf '  (no hud-report at %s to compare: not a git checkout, or it did not build)\n' "$base_rev"
	fi
fi
HUD_BUILD=$build "$(dirname "$0")/report-rss.sh" # hud-report peak RSS on 1M synthetic events

# --- the live view: what hud-report --follow (hud-top's screen) costs -------------------
# The fixture with its blockers on 2 workers, hud-record at defaults (99 Hz), and the live
# screen on its file in a tmux pane for LIVE_SECS: the screen's CPU time after its first
# 2 s (the catch-up read and the first symbolization), in % of one core, against
# hud-record's own over the same span. Goal: at most 5 % of a core.
live_secs=${LIVE_SECS:-20}
if command -v tmux >/dev/null; then
	"$fixture" --only cpu,sleep,mutex --duration $((live_secs + 8)) >"$out/fx.out" 2>/dev/null &
	fx=$!
	until grep -q pid= "$out/fx.out" 2>/dev/null; do sleep 0.01; done
	"$build/hud-record" -p "$fx" -o "$out/live.hud" --duration $((live_secs + 4)) 2>/dev/null &
	rec=$!
	sock=hud-bench-$$
	tmux -L "$sock" new-session -d -x 160 -y 50 "$build/hud-report --follow -i $out/live.hud"
	sleep 2
	view=$(pgrep -f -n "hud-report --follow -i $out/live.hud" || echo 0)
	v_a=$(cpu_ticks "$view") r_a=$(cpu_ticks "$rec") w_a=$(date +%s.%N)
	sleep "$live_secs"
	v_b=$(cpu_ticks "$view") r_b=$(cpu_ticks "$rec") w_b=$(date +%s.%N)
	ev=$(tmux -L "$sock" capture-pane -p | sed -n 's/.*events: \([0-9]*\).*/\1/p')
	tmux -L "$sock" kill-server 2>/dev/null || true
	wait "$rec" 2>/dev/null || true
	kill "$fx" 2>/dev/null || true
	wait "$fx" 2>/dev/null || true
	awk -v va="$v_a" -v vb="$v_b" -v ra="$r_a" -v rb="$r_b" -v wa="$w_a" -v wb="$w_b" -v c="$clk" \
		-v ev="${ev:-0}" -v secs="$live_secs" 'BEGIN {
		printf "\nlive view: hud-report --follow on the blocker fixture (2 workers, 99 Hz), %d s:\n", secs
		printf "  the screen   %5.2f %% of a core (%d events on screen at the end)\n", 100 * (vb - va) / c / (wb - wa), ev
		printf "  hud-record   %5.2f %% of a core\n", 100 * (rb - ra) / c / (wb - wa) }'
else
	printf '\nlive view: (tmux missing: not measured)\n'
fi
