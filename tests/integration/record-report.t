#!/usr/bin/env bash
# SPDX-License-Identifier: MIT OR Apache-2.0
# Record the real Tokio fixture with real BPF and check what the report names.
set -u
here=$(cd "$(dirname "$0")" && pwd)
. "$here/../lib/tap.sh"
. "$here/fixture.sh"
require_root_and_build

# --- blockers on -----------------------------------------------------------------
start_fixture --workers 2 || { ok 1 "fixture starts"; done_testing; }
"$HUD_RECORD" -p "$fixture_pid" -o "$tmpdir/on.hud" --duration 3 2>"$tmpdir/rec.err"
ok $? "hud-record records the fixture for 3 s"
report=$("$HUD_REPORT" -i "$tmpdir/on.hud" 2>"$tmpdir/rep.err")
ok $? "hud-report reads the recording"
like "$report" "^samples: +[1-9][0-9]* on-CPU at 99 Hz" "header counts on-CPU samples"
like "$report" "^lost: +0 events" "no events lost"
like "$report" "^threads: +2 worker threads" "both workers are recognized by their stacks"
like "$report" "thread [0-9]+ \(tokio-runtime-w\)" "worker threads are named"

cpu=$(section "$report" "On-CPU hotspots")
top=$(top_function "$cpu")
is "$top" "hud_fixture::cpu_hog" "the CPU hog is the top on-CPU hotspot"
hog=$(row_field "$cpu" hud_fixture::cpu_hog 1)
all=$(printf '%s\n' "$report" | sed -n 's/^On-CPU hotspots: \([0-9]*\) samples.*/\1/p')
ok "$(awk -v h="${hog:-0}" -v a="${all:-0}" 'BEGIN { print (a > 0 && h / a >= 0.5) ? 0 : 1 }')" \
	"the CPU hog has most of the workers' on-CPU samples (${hog:-0} of ${all:-0})"

blocked=$(section "$report" "Blocked hotspots")
for fn in hud_fixture::sleep_blocker hud_fixture::mutex_blocker; do
	n=$(row_field "$blocked" "$fn" 1)
	ms=$(row_field "$blocked" "$fn" 2)
	like "${n:-0}" '^[1-9][0-9]*$' "$fn is named in blocked off-CPU time (${n:-0} intervals)"
	# Plausible: each interval between the 5 ms threshold and half a second.
	avg=$(awk -v n="${n:-0}" -v ms="${ms:-0}" 'BEGIN { if (n > 0) printf "%.1f", ms / n; else print 0 }')
	ok "$(awk -v a="$avg" 'BEGIN { print (a >= 5 && a <= 500) ? 0 : 1 }')" \
		"$fn intervals have a plausible length (avg $avg ms)"
done
# sleep_blocker sleeps 20 ms per call: its average interval must reflect that.
n=$(row_field "$blocked" hud_fixture::sleep_blocker 1)
ms=$(row_field "$blocked" hud_fixture::sleep_blocker 2)
ok "$(awk -v n="${n:-0}" -v ms="${ms:-0}" 'BEGIN { a = n ? ms / n : 0; print (a >= 19 && a <= 60) ? 0 : 1 }')" \
	"sleep_blocker intervals are about 20 ms"
# A sample may catch it entering the syscall, but it must not show as CPU time.
n=$(row_field "$cpu" hud_fixture::sleep_blocker 1)
ok "$([ "${n:-0}" -le 2 ] && echo 0 || echo 1)" "sleep_blocker has (almost) no on-CPU samples (${n:-0})"

# --- blockers off ----------------------------------------------------------------
start_fixture --workers 2 --no-blockers || { ok 1 "fixture starts"; done_testing; }
"$HUD_RECORD" -p "$fixture_pid" -o "$tmpdir/off.hud" --duration 3 2>"$tmpdir/rec2.err"
ok $? "hud-record records the fixture with blockers off"
report_off=$("$HUD_REPORT" -i "$tmpdir/off.hud" 2>"$tmpdir/rep2.err")
ok $? "hud-report reads the second recording"
unlike "$report_off" "cpu_hog|sleep_blocker|mutex_blocker|fsync_blocker" \
	"with blockers off, no blocker is named"
like "$report_off" "^Idle \(runtime parking" "idle workers are reported as runtime parking"

done_testing
