#!/usr/bin/env bash
# SPDX-License-Identifier: MIT OR Apache-2.0
# Off-CPU time below the threshold, sampled, with real BPF on the Tokio fixture: blocking
# made of 1.5 ms sleeps and of 1.5 ms lock waits must be reported within 15 % of what the
# fixture's own clock measured around each call, and of what libbpf-tools' offcputime
# measured in the same run; a sleep that repeats at exactly the sampling period must not
# alias; each thread's time budget must add up; and intervals at or above the threshold
# stay exact, the only ones on the trace's timeline.
set -u
here=$(cd "$(dirname "$0")" && pwd)
. "$here/../lib/tap.sh"
. "$here/fixture.sh"
require_root_and_build
command -v jq >/dev/null || skip_all "jq missing (make deps installs it)"
HUD_DUMP=$HUD_BUILD/tests/hud-dump
[ -x "$HUD_DUMP" ] || skip_all "$HUD_DUMP not built (make unit-tests)"
dump() { "$HUD_DUMP" "$1" 2>/dev/null | awk -v k="$2" '$1 == k { print $2 } $1 == "meta" && index($2, k "=") == 1 { print substr($2, length(k) + 2) }'; }

secs=8
# The report's window: the recording minus half a second at each end (start-up, stop).
from=0.5 to=$(awk -v s="$secs" 'BEGIN { print s - 0.5 }')

# truth OUT FIELD START_NS END_NS : the fixture's own total of FIELD (ns) between two
# CLOCK_MONOTONIC instants, interpolated between its 100 ms timing lines, in ms.
truth() {
	awk -v f="$2" -v a="$3" -v b="$4" '
		function at(t,   i) {
			for (i = 2; i <= n; i++) if (T[i] >= t)
				return V[i - 1] + (V[i] - V[i - 1]) * (t - T[i - 1]) / (T[i] - T[i - 1])
			return V[n]
		}
		$1 == "timing" { for (i = 2; i <= NF; i++) { split($i, kv, "=")
			if (kv[1] == "mono_ns") t = kv[2]; if (kv[1] == f) v = kv[2] }
			n++; T[n] = t; V[n] = v }
		END { printf "%.1f\n", (at(b) - at(a)) / 1e6 }' "$1"
}
# off_ms JSON FUNCTION : the function's off-CPU time (blocked, preempted, run queue), ms.
off_ms() {
	printf '%s' "$1" | jq -r --arg f "$2" '[.hotspots[] | select(.function == $f and
		(.category == "blocked" or .category == "preempted" or .category == "runqueue")) |
		.total_ms] | add // 0'
}
# within A B PCT : |A - B| <= PCT % of B
within() { awk -v a="$1" -v b="$2" -v p="$3" 'BEGIN { exit !(b > 0 && (a - b) ^ 2 <= (p / 100 * b) ^ 2) }'; }
# budgets_add_up JSON : every thread's parts sum to 100 % +- 2 %
budgets_add_up() {
	printf '%s' "$1" | jq -e '.budget != null and ([.budget.threads[] | (.cpu + .blocked +
		.preempted + .runqueue + .idle + .unaccounted) | select(. < 0.98 or . > 1.02)] |
		length == 0)' >/dev/null
}

# --- short sleeps and short lock waits -------------------------------------------------
start_fixture --workers 4 --only shortsleep,shortlock || { ok 1 "fixture starts"; done_testing; }
out=$(ls -t "$tmpdir"/fixture.*.out | head -1)
have_ofc=
if command -v offcputime >/dev/null; then
	offcputime -p "$fixture_pid" "$secs" >"$tmpdir/ofc.out" 2>"$tmpdir/ofc.err" &
	ofc_pid=$!
	have_ofc=1
fi
"$HUD_RECORD" -p "$fixture_pid" -o "$tmpdir/short.hud" --duration "$secs" 2>"$tmpdir/short.err"
ok $? "record short blocking calls"
[ -n "$have_ofc" ] && wait "$ofc_pid"
kill "$fixture_pid"
like "$(cat "$tmpdir/short.err")" "off-CPU events \([1-9][0-9]* sampled below 5 ms\)" \
	"hud-record samples the intervals below the threshold"
start=$(dump "$tmpdir/short.hud" start_monotonic_ns)
a=$(awk -v s="$start" -v f="$from" 'BEGIN { printf "%.0f", s + f * 1e9 }')
b=$(awk -v s="$start" -v t="$to" 'BEGIN { printf "%.0f", s + t * 1e9 }')
j=$("$HUD_REPORT" -i "$tmpdir/short.hud" -f json --time "$from,$to" 2>/dev/null)
for c in short_sleeper:shortsleep_ns short_lock_wait:shortlock_ns; do
	fn=hud_fixture::${c%%:*} field=${c#*:}
	want=$(truth "$out" "$field" "$a" "$b")
	got=$(off_ms "$j" "$fn")
	within "$got" "$want" 15
	ok $? "$fn: hud's off-CPU time is within 15% of the fixture's own ($got ms, fixture $want ms)"
done
blocked=$(printf '%s' "$j" | jq -r '[.hotspots[] | select(.function == "hud_fixture::short_sleeper"
	and .category == "blocked")][0].total_ms // 0')
want=$(truth "$out" shortsleep_ns "$a" "$b")
within "$blocked" "$want" 15
ok $? "... its blocked time alone too ($blocked ms)"

# offcputime over its own 6 s against hud over the whole recording (both started together).
if [ -n "$have_ofc" ] && [ -s "$tmpdir/ofc.out" ]; then
	jall=$("$HUD_REPORT" -i "$tmpdir/short.hud" -f json 2>/dev/null)
	for fn in short_sleeper short_lock_wait; do
		o=$(awk -v f="$fn" 'BEGIN { RS = "" } index($0, f) { n = split($0, L, "\n"); s += L[n] }
			END { printf "%.1f\n", s / 1000 }' "$tmpdir/ofc.out")
		h=$(off_ms "$jall" "hud_fixture::$fn")
		within "$h" "$o" 15
		ok $? "hud_fixture::$fn: hud agrees with offcputime within 15% ($h ms, offcputime $o ms)"
	done
else
	skip "offcputime (libbpf-tools) not usable here"
	skip "offcputime (libbpf-tools) not usable here"
fi
budgets_add_up "$j"
ok $? "every worker's time budget adds up to 100% +- 2%"
tb=$(printf '%s' "$j" | jq -r '[.budget.threads[].blocked] | add')
ok "$(awk -v b="$tb" 'BEGIN { exit !(b > 0.4) }'; echo $?)" \
	"the budget shows the workers blocked (blocked shares sum to $tb)"
text=$("$HUD_REPORT" -i "$tmpdir/short.hud" 2>/dev/null)
like "$text" "shorter ones sampled at 99 Hz" "the text says how off-CPU time was estimated"
like "$text" "^  all 4 +[0-9.]+ +[0-9.]+%" "... and prints the budget's total line"

# The threshold still matters: the timeline holds the exact intervals only. An interval
# that waited in the run queue for the threshold is split in two, so a short blocked
# event must end where a run-queue event of its thread starts.
"$HUD_REPORT" -i "$tmpdir/short.hud" -f trace --category blocked,preempted,runqueue \
	-o "$tmpdir/short.json" 2>/dev/null
shorts=$(jq -r '[.traceEvents[] | select(.ph == "X")] as $x |
	([$x[] | select(.cat == "runqueue") | "\(.tid):\(.ts)"]) as $rq |
	[$x[] | select(.cat != "runqueue" and .dur < 5000) | . as $e |
	 select([range(-1; 2)] | map("\($e.tid):\($e.ts + $e.dur + .)") |
		any(. as $k | $rq | index($k)) | not)] | length' "$tmpdir/short.json")
is "$shorts" 0 "the trace's timeline has no interval shorter than the threshold"
exact=$(printf '%s' "$j" | jq -r '.offcpu_events - .offcpu_sampled')
onlines=$(jq -r '[.traceEvents[] | select(.ph == "X")] | length' "$tmpdir/short.json")
# (The workload's exact intervals are mostly idle parking, so there may be none here.)
ok "$([ "$onlines" -le $((2 * exact)) ] && echo 0 || echo 1)" \
	"... and no more intervals than the exact ones ($onlines events for $exact exact intervals)"

# --- long intervals stay exact ---------------------------------------------------------
start_fixture --only sleep || { ok 1 "fixture starts"; done_testing; }
"$HUD_RECORD" -p "$fixture_pid" -o "$tmpdir/long.hud" --duration 3 2>/dev/null
kill "$fixture_pid"
# sleep_blocker sleeps 20 ms at a time: every interval of it is exact, none sampled.
ls=$("$HUD_REPORT" -i "$tmpdir/long.hud" -f json --stacks 1000 2>/dev/null | jq -r '
	[.hotspots[] | select(.function == "hud_fixture::sleep_blocker" and .category == "blocked")][0] |
	"\(.count) \(.total_ms)"')
read -r n ms <<<"$ls"
ok "$(awk -v n="${n:-0}" -v ms="${ms:-0}" 'BEGIN { m = n ? ms / n : 0; exit !(n > 0 && m >= 20 && m < 25) }'; echo $?)" \
	"20 ms sleeps are exact intervals ($n of them, $ms ms)"

# --- a sleep repeating at exactly the sampling period ----------------------------------
start_fixture --only periodic || { ok 1 "fixture starts"; done_testing; }
out=$(ls -t "$tmpdir"/fixture.*.out | head -1)
"$HUD_RECORD" -p "$fixture_pid" -o "$tmpdir/periodic.hud" --duration "$secs" 2>/dev/null
kill "$fixture_pid"
start=$(dump "$tmpdir/periodic.hud" start_monotonic_ns)
a=$(awk -v s="$start" -v f="$from" 'BEGIN { printf "%.0f", s + f * 1e9 }')
b=$(awk -v s="$start" -v t="$to" 'BEGIN { printf "%.0f", s + t * 1e9 }')
j=$("$HUD_REPORT" -i "$tmpdir/periodic.hud" -f json --time "$from,$to" 2>/dev/null)
want=$(truth "$out" periodic_ns "$a" "$b")
got=$(off_ms "$j" hud_fixture::periodic_sleeper)
# The error bar of k grid points of P = 10.1 ms is sqrt(k) P; a grid at a fixed phase
# would count each 3 ms sleep as 10.1 ms or as nothing.
ok "$(awk -v g="$got" -v w="$want" 'BEGIN { p = 10.10101; k = w / p
	exit !(w > 0 && (g - w) ^ 2 <= (3 * sqrt(k) * p) ^ 2) }'; echo $?)" \
	"periodic_sleeper at exactly the sampling period: $got ms against the fixture's $want ms, within 3 error bars"
budgets_add_up "$j"
ok $? "... and its budget adds up"

done_testing
