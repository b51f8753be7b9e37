#!/usr/bin/env bash
# SPDX-License-Identifier: MIT OR Apache-2.0
# Every output format of hud-report on a recording of the fixture made now: valid for its
# consumers (JSON parses, trace tracks nest, folded lines parse, SVG is well-formed XML)
# and naming the fixture's blockers; plus the selection options.
set -u
here=$(cd "$(dirname "$0")" && pwd)
. "$here/../lib/tap.sh"
. "$here/fixture.sh"
require_root_and_build
command -v jq >/dev/null || skip_all "jq missing (make deps installs it)"

start_fixture || { ok 1 "fixture starts"; done_testing; }
"$HUD_RECORD" -p "$fixture_pid" -o "$tmpdir/r.hud" --duration 3 2>/dev/null
ok $? "record the fixture"
kill "$fixture_pid"
rep() { "$HUD_REPORT" -i "$tmpdir/r.hud" "$@" 2>/dev/null; }

# --- json --------------------------------------------------------------------------
rep -f json -o "$tmpdir/r.json"
ok $? "json: -o writes the file"
jq -e . "$tmpdir/r.json" >/dev/null
ok $? "json: parses"
is "$(jq -r '[.duration_s, .lost, .workers] | map(type) | join(",")' "$tmpdir/r.json")" \
	"number,number,number" "json: duration_s, lost and workers are numbers"
is "$(jq -r '[.hotspots[] | select(.category == "cpu")][0].function' "$tmpdir/r.json")" \
	hud_fixture::cpu_hog "json: the CPU hog is the top cpu hotspot"
is "$(jq -r '.hotspots[0] | [has("category"), has("function"), has("count"), has("total_ms"),
	has("share"), has("file"), has("line"), has("stacks")] | all' "$tmpdir/r.json")" true \
	"json: hotspots carry category, function, count, total_ms, share, file, line, stacks"
like "$(jq -r '[.hotspots[] | select(.category == "blocked") | .function] | join(" ")' "$tmpdir/r.json")" \
	"hud_fixture::sleep_blocker" "json: sleep_blocker is a blocked hotspot"

# --- trace -------------------------------------------------------------------------
rep -f trace -o "$tmpdir/t.json"
jq -e . "$tmpdir/t.json" >/dev/null
ok $? "trace: parses"
like "$(head -c 25 "$tmpdir/t.json")" '^\{"displayTimeUnit":"ms"' "trace: displayTimeUnit comes first"
like "$(jq -r '[.traceEvents[] | select(.ph == "M" and .name == "thread_name") | .args.name] | join(",")' "$tmpdir/t.json")" \
	"^worker 0,worker 1$" "trace: thread names are 'worker N'"
is "$(jq '[.traceEvents[] | select(.ph == "X")] | group_by(.tid) | map(sort_by(.ts) |
	[range(1; length) as $i | .[$i - 1] as $a | .[$i] as $b |
	 ($b.ts >= $a.ts + $a.dur - 0.002) or ($b.ts + $b.dur <= $a.ts + $a.dur + 0.002)] | all) | all' \
	"$tmpdir/t.json")" true "trace: events of a thread never partly overlap"
# The same recording given twice: each input gets its own process, so no track mixes them.
rep -i "$tmpdir/r.hud" -f trace -o "$tmpdir/t2.json"
tracks() { jq '[.traceEvents[] | select(.ph == "X") | [.pid, .tid]] | unique | length' "$1"; }
is "$(tracks "$tmpdir/t2.json")" "$(($(tracks "$tmpdir/t.json") * 2))" \
	"trace of two inputs: twice the tracks of one, none shared"
is "$(jq '[.traceEvents[] | select(.name == "process_name")] | length' "$tmpdir/t2.json")" 2 \
	"trace of two inputs: two processes, each named"
is "$(jq '[.traceEvents[] | select(.ph == "X") | .args | has("worker") and has("worker_id") and
	has("cpu") and has("state") and has("reason") and has("category") and has("file") and
	has("line") and has("detection_method")] | all' "$tmpdir/t.json")" true \
	"trace: args carry worker, worker_id, cpu, state, reason, category, file, line, detection_method"
like "$(jq -r '[.traceEvents[] | select(.ph == "X" and .cat == "blocked") | .name] | unique | join(" ")' "$tmpdir/t.json")" \
	"hud_fixture::sleep_blocker" "trace: blocked intervals are named by the blocker"
like "$(jq -r '[.traceEvents[] | select(.ph == "X" and .cat == "cpu") | .name] | unique | join(" ")' "$tmpdir/t.json")" \
	"hud_fixture::cpu_hog" "trace: samples are named too"
nt=$(jq '[.traceEvents[] | select(.ph == "X" and .cat == "blocked")] | length' "$tmpdir/t.json")
nj=$(jq '.categories.blocked.count' "$tmpdir/r.json")
ok "$([ "$nt" -ge $((nj * 95 / 100)) ] && [ "$nt" -le "$nj" ] && echo 0 || echo 1)" \
	"trace: every blocked interval is on the timeline ($nt of $nj)"
end_us=$(jq '.duration_s * 1e6 + 1e5' "$tmpdir/r.json")
is "$(jq --argjson lim "$end_us" '[.traceEvents[] | select(.ph == "X") | .ts >= 0 and .ts + .dur <= $lim] | all' "$tmpdir/t.json")" \
	true "trace: events lie within the recording"

# --- folded --------------------------------------------------------------------------
f=$(rep -f folded)
is "$(printf '%s\n' "$f" | grep -cvE '^[^ ].* [0-9]+$')" 0 "folded: every line is 'frames value'"
like "$f" ";hud_fixture::cpu_hog;.* [0-9]+$" "folded: the CPU hog is in the stacks"
total=$(printf '%s\n' "$f" | awk '{ s += $NF } END { print s }')
is "$total" "$(jq '.categories.cpu.count' "$tmpdir/r.json")" "folded: values add up to the worker samples"
ft=$(rep -f folded --weight time)
like "$ft" "^\[blocked\];.*hud_fixture::sleep_blocker.* [0-9]+$" \
	"folded --weight time: blocked time in microseconds under a [blocked] root"
like "$ft" "_\[k\] [0-9]+$|_\[k\];" "folded --weight time: kernel frames carry _[k]"

# --- svg -----------------------------------------------------------------------------
rep -f svg -o "$tmpdir/f.svg"
if command -v xmllint >/dev/null; then
	xmllint --noout "$tmpdir/f.svg"
	ok $? "svg: well-formed XML"
fi
like "$(cat "$tmpdir/f.svg")" "<title>hud_fixture::cpu_hog \([0-9]+ samples" "svg: frames have hover titles"
like "$(cat "$tmpdir/f.svg")" "function search\(\)" "svg: search is built in"
unlike "$(cat "$tmpdir/f.svg")" "xlink:href|<script[^>]* src=" "svg: self-contained"

# --- selection -------------------------------------------------------------------------
t=$(rep --category blocked)
like "$t" "^Blocked hotspots" "--category blocked shows the blocked table"
unlike "$t" "^On-CPU hotspots" "... and only it"
dur() { printf '%s\n' "$1" | sed -n 's/^recorded: .* \([0-9.]*\) s$/\1/p'; }
d=$(dur "$(rep --time 1,2)")
ok "$(awk -v d="$d" 'BEGIN { print (d > 0.95 && d < 1.05) ? 0 : 1 }')" "--time 1,2 covers 1 s ($d s)"
d=$(dur "$(rep --window 1.5)")
ok "$(awk -v d="$d" 'BEGIN { print (d > 1.45 && d < 1.55) ? 0 : 1 }')" "--window 1.5 covers 1.5 s ($d s)"
tid=$(jq -r '[.hotspots[] | select(.category == "cpu")][0].stacks[0].tid' "$tmpdir/r.json")
like "$(rep --tid "$tid")" "^threads: +1 worker thread with" "--tid keeps one thread"
one=$(jq '.samples' "$tmpdir/r.json")
two=$("$HUD_REPORT" -i "$tmpdir/r.hud" -i "$tmpdir/r.hud" -f json 2>/dev/null | jq '.samples')
is "$two" "$((2 * one))" "two -i files are merged"
like "$(rep --threads all)" "^threads: +[0-9]+ threads? with" "--threads all"

done_testing
