#!/usr/bin/env bash
# SPDX-License-Identifier: MIT OR Apache-2.0
# Golden outputs: hud-report on a checked-in synthetic recording (tests/golden/synth.hud,
# written by hud-synth with stacks into the checked-in binary tests/golden/symtest), in
# every format and a few option variants, compared byte for byte with
# tests/golden/expected/. Also: hud-synth is deterministic, and text output is colored on
# a terminal only. Needs no root and no BPF.
#
# After an intended change of the output (or of hud-synth or symtest.c), regenerate and
# review the diff before committing:
#   UPDATE_GOLDEN=1 HUD_BUILD=$PWD/build prove -v tests/integration/report-golden.t
set -u
here=$(cd "$(dirname "$0")" && pwd)
. "$here/../lib/tap.sh"
golden=$(cd "$here/../golden" && pwd)
expected=$golden/expected
HUD_SYNTH=$HUD_BUILD/tests/hud-synth
[ -x "$HUD_REPORT" ] || skip_all "hud-report not built (run make)"
[ -x "$HUD_SYNTH" ] || skip_all "hud-synth not built (run make unit-tests)"
update=${UPDATE_GOLDEN:-}
tmp=$(mktemp -d /tmp/hud-golden.XXXXXX)
trap 'rm -rf "$tmp"' EXIT

# The recording: changing these arguments changes every expected file.
synth_args=(--elf "$golden/symtest" --events 150 --seed 1)

# --- hud-synth -----------------------------------------------------------------------
"$HUD_SYNTH" "${synth_args[@]}" -o "$tmp/a.hud"
ok $? "hud-synth writes a recording"
"$HUD_SYNTH" "${synth_args[@]}" -o "$tmp/b.hud"
cmp -s "$tmp/a.hud" "$tmp/b.hud"
ok $? "hud-synth: the same arguments give the same bytes"
"$HUD_SYNTH" "${synth_args[@]}" --seed 2 -o "$tmp/c.hud"
! cmp -s "$tmp/a.hud" "$tmp/c.hud"
ok $? "hud-synth: another seed gives another recording"
if [ -n "$update" ]; then
	cp "$tmp/a.hud" "$golden/synth.hud"
	ok $? "UPDATE_GOLDEN: wrote tests/golden/synth.hud"
elif cmp -s "$tmp/a.hud" "$golden/synth.hud"; then
	ok 0 "hud-synth regenerates tests/golden/synth.hud byte for byte"
else
	# zstd's output may change between libzstd versions; the records may not.
	"$HUD_SYNTH" --same-records "$tmp/a.hud" "$golden/synth.hud" >/dev/null 2>&1
	ok $? "hud-synth regenerates the records of tests/golden/synth.hud"
	diag "(the compressed bytes differ: another libzstd?)"
fi

# --- the golden outputs ----------------------------------------------------------------
# The binary is found through --symfs at its recorded path, whatever the checkout's path;
# an empty HOME keeps ~/.debug out, and no debuginfod is asked.
mkdir -p "$tmp/symfs/opt/hud-synth/bin" "$tmp/home"
ln -s "$golden/symtest" "$tmp/symfs/opt/hud-synth/bin/symtest"
# Run from tests/golden with a relative input: the path is part of the output.
report() {
	(cd "$golden" && env -u NO_COLOR -u DEBUGINFOD_URLS HOME="$tmp/home" \
		"$HUD_REPORT" -i synth.hud --symfs "$tmp/symfs" "$@")
}

# name | hud-report arguments. json and trace are cut down (one stack per hotspot, a
# quarter of a second) to keep the files reviewable; text covers the defaults.
cases='
text.txt|
json.json|-f json --stacks 1
trace.json|-f trace --time 0.25,0.5
folded.txt|-f folded
folded-time.txt|-f folded --weight time
flame.svg|-f svg
threads-all.txt|--threads all --stacks 1
threads-blocking.txt|--threads blocking
category-blocked.txt|--category blocked
stacks.txt|--stacks 1 --max-frames 4
no-demangle.txt|--no-demangle --category cpu,preempted --top 3 --stacks 1
'
[ -n "$update" ] && mkdir -p "$expected"
# compare NAME : $tmp/NAME against tests/golden/expected/NAME (or written there).
compare() {
	local name=$1
	if [ -n "$update" ]; then
		cp "$tmp/$name" "$expected/$name"
		ok $? "UPDATE_GOLDEN: wrote expected/$name"
	elif diff -u "$expected/$name" "$tmp/$name" >"$tmp/$name.diff" 2>&1; then
		ok 0 "$name: identical to tests/golden/expected/$name"
	else
		ok 1 "$name: identical to tests/golden/expected/$name"
		diag "diff -u expected got (first 60 lines):"
		head -60 "$tmp/$name.diff" | sed 's/^/#   /'
	fi
}
while IFS='|' read -r name args; do
	[ -n "$name" ] || continue
	# shellcheck disable=SC2086 # args are words
	report $args >"$tmp/$name" 2>"$tmp/$name.err"
	rc=$?
	is "$rc" 0 "$name: hud-report ${args:-(defaults)} exits 0"
	compare "$name"
done <<<"$cases"

# The same service recorded with off-CPU sampling (format 1.2): short sleeps sampled on
# each thread's grid, and THREAD_STATE records, so the header shows the time budgets.
mkdir -p "$tmp/sampled"
"$HUD_SYNTH" "${synth_args[@]}" --offcpu-sampling -o "$tmp/sampled/synth-sampled.hud"
ok $? "hud-synth --offcpu-sampling writes a recording"
sampled_cases='
sampled-text.txt|--stacks 1
sampled-json.json|-f json --stacks 1
sampled-folded-time.txt|-f folded --weight time
'
while IFS='|' read -r name args; do
	[ -n "$name" ] || continue
	# shellcheck disable=SC2086 # args are words
	(cd "$tmp/sampled" && env -u NO_COLOR -u DEBUGINFOD_URLS HOME="$tmp/home" \
		"$HUD_REPORT" -i synth-sampled.hud --symfs "$tmp/symfs" $args) \
		>"$tmp/$name" 2>/dev/null
	is "$?" 0 "$name: hud-report $args exits 0"
	compare "$name"
done <<<"$sampled_cases"
if command -v jq >/dev/null; then
	is "$(jq -c '[.budget.threads[] | (.cpu + .blocked + .preempted + .runqueue + .idle +
		.unaccounted) | . * 1000 | round] | unique' "$tmp/sampled-json.json")" "[1000]" \
		"sampled: every thread's budget adds up to its wall time"
	is "$(jq -c '[.categories | del(.cpu) | .[].total_ms] | add | round' \
		"$tmp/sampled-json.json")" \
		"$(jq -c '[.budget.threads[] | .wall_s * (.blocked + .preempted + .runqueue +
		.idle) * 1e3] | add | round' "$tmp/sampled-json.json")" \
		"sampled: the off-CPU categories' totals are the budgets' off-CPU parts (ms)"
	like "$(jq -r '.offcpu_sampled' "$tmp/sampled-json.json")" '^[1-9]' \
		"sampled: json counts the sampled intervals"
else
	skip 3 "jq missing"
fi

like "$(cat "$tmp/text.txt.err")" "warning: 3 events were lost" \
	"stderr: the lost events are warned about"
unlike "$(cat "$tmp/text.txt" "$tmp/json.json" "$tmp/trace.json")" "$golden|$tmp" \
	"no path of this checkout or of the temporary directory leaks into the output"

# The binary found by build-id (hud-record --archive's layout) gives the same report.
bid=$(readelf -n "$golden/symtest" | awk '/Build ID:/ { print $3 }')
mkdir -p "$tmp/debug/.build-id/${bid:0:2}"
ln -s "$golden/symtest" "$tmp/debug/.build-id/${bid:0:2}/${bid:2}"
(cd "$golden" && env -u NO_COLOR -u DEBUGINFOD_URLS HOME="$tmp/home" "$HUD_REPORT" \
	-i synth.hud --debug-dir "$tmp/debug" >"$tmp/debug-dir.txt" 2>/dev/null)
cmp -s "$tmp/debug-dir.txt" "$tmp/text.txt"
ok $? "--debug-dir DIR/.build-id/ finds the binary as --symfs does: same text report"

# --- colors ----------------------------------------------------------------------------
# On a terminal (script(1) gives one) text output is colored, unless NO_COLOR is set (to
# anything but the empty string, as no-color.org says) or --no-color is given; output to
# a pipe or a file never is.
esc=$'\033\\[' # a regular expression
on_tty() { # ENV-ASSIGNMENTS... -- ARGS... : hud-report's stdout on a pseudo-terminal
	local envs=() dir cmd
	while [ "$1" != -- ]; do envs+=("$1"); shift; done
	shift
	printf -v dir '%q' "$golden"
	printf -v cmd '%q ' env -u NO_COLOR -u DEBUGINFOD_URLS HOME="$tmp/home" "${envs[@]}" \
		"$HUD_REPORT" -i synth.hud --symfs "$tmp/symfs" "$@"
	script -qec "cd $dir && $cmd 2>/dev/null" /dev/null </dev/null | tr -d '\r'
}
if ! command -v script >/dev/null; then
	for d in "terminal: colored" "NO_COLOR=1: no colors" "--no-color: no colors"; do
		tap_result 0 "$d # SKIP script(1) missing (util-linux)"
	done
else
	tty=$(on_tty --)
	like "$tty" "$esc" "on a terminal: ANSI colors"
	like "$tty" "> ${esc}1;33msymtest::handlers::cpu_hog${esc}0m" \
		"on a terminal: the blamed frame is highlighted"
	is "$(printf '%s\n' "$tty" | sed 's/\x1b\[[0-9;]*m//g')" "$(cat "$tmp/text.txt")" \
		"on a terminal: the same report once the colors are removed"
	unlike "$(on_tty NO_COLOR=1 --)" "$esc" "on a terminal with NO_COLOR=1: no colors"
	like "$(on_tty NO_COLOR= --)" "$esc" "on a terminal with an empty NO_COLOR: colors"
	unlike "$(on_tty -- --no-color)" "$esc" "on a terminal with --no-color: no colors"
	on_tty -- -o "$tmp/tty-file.txt" >/dev/null
	unlike "$(cat "$tmp/tty-file.txt")" "$esc" "on a terminal with -o FILE: no colors in FILE"
	unlike "$(on_tty -- -f json --stacks 1)" "$esc" "on a terminal, -f json: no colors"
fi
unlike "$(report 2>/dev/null | cat)" "$esc" "piped: no colors"

# --no-demangle changes names only: what is blocked and what is idle stays the same.
if command -v jq >/dev/null; then
	is "$(report -f json --no-demangle 2>/dev/null | jq -c .categories)" \
		"$(report -f json 2>/dev/null | jq -c .categories)" \
		"--no-demangle: the same category totals (idle parking in block_on included)"

	# --time cuts intervals at its edges: the totals of two adjacent windows add up to the
	# whole, and an interval crossing the cut counts in both, each for its own part.
	totals() { report -f json --threads all "$@" 2>/dev/null | jq -c '.categories | map_values(.total_ms)'; }
	whole=$(totals)
	off=$(jq -nc --argjson a "$(totals --time 0,0.3)" --argjson b "$(totals --time 0.3,1000)" \
		--argjson w "$whole" '[$w | keys[] | ($a[.] + $b[.] - $w[.]) | fabs] | max')
	ok "$(awk -v d="$off" 'BEGIN { print (d <= 0.002) ? 0 : 1 }')" \
		"--time 0,0.3 and --time 0.3,end add up to the whole recording (off by $off ms)"
	j=$(report -f json --threads all --time 0.3,0.301 2>/dev/null)
	ok "$(printf '%s' "$j" | jq '[.categories[].share] | all(. <= 1) | if . then 0 else 1 end')" \
		"a 1 ms window: no category takes more than all of the threads' time"

	# Shares are of each thread's own recorded time: the same file twice gives the same.
	is "$(report -f json -i "$golden/synth.hud" 2>/dev/null | jq -c '.categories | map_values(.share)')" \
		"$(report -f json 2>/dev/null | jq -c '.categories | map_values(.share)')" \
		"two inputs merged: the same shares as one"
fi

done_testing
