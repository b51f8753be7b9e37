#!/usr/bin/env bash
# SPDX-License-Identifier: MIT OR Apache-2.0
# hud-diff on real recordings of the fixture with its blockers on and off: the gone
# blockers are named as improvements, gates pass in that direction and fail in the other,
# a recording compared with itself (or with its own json summary) shows no difference,
# bad gates and mismatched inputs exit 2. Golden outputs come from checked-in summaries.
set -u
here=$(cd "$(dirname "$0")" && pwd)
. "$here/../lib/tap.sh"
. "$here/fixture.sh"
require_root_and_build
[ -x "$HUD_DIFF" ] || skip_all "hud-diff not built (run make)"
command -v jq >/dev/null || skip_all "jq missing (make deps installs it)"
golden=$here/../golden/diff

record() { # NAME FIXTURE-ARGS...
	local name=$1
	shift
	start_fixture "$@" || return 1
	"$HUD_RECORD" -p "$fixture_pid" -o "$tmpdir/$name.hud" --duration 3 2>/dev/null
	local rc=$?
	kill "$fixture_pid"
	return $rc
}
record on
ok $? "record the fixture with its blockers"
record off --no-blockers
ok $? "record the fixture without blockers"
d() { "$HUD_DIFF" "$@" 2>"$tmpdir/err"; }

# --- blockers removed: improvements ---------------------------------------------------
d "$tmpdir/on.hud" "$tmpdir/off.hud" -f json -o "$tmpdir/d.json"
ok $? "diff on -> off"
gone=$(jq -r '[.hotspots[] | select(.verdict == "gone") | .function] | join(" ")' "$tmpdir/d.json")
like "$gone" "hud_fixture::mutex_blocker" "the mutex blocker is gone"
like "$gone" "hud_fixture::sleep_blocker" "the sleep blocker is gone"
like "$gone" "hud_fixture::cpu_hog" "the CPU hog is gone"
# (A stray wait of 5 ms or more in the runtime, say a page fault under ASan, makes it improved.)
like "$(jq -r '.categories[] | select(.category == "blocked") | .verdict' "$tmpdir/d.json")" \
	"^(gone|improved)$" "blocked time as a whole is gone or improved"
is "$(jq '[.hotspots[] | select(.verdict == "regressed" or .verdict == "new")] | length' "$tmpdir/d.json")" \
	0 "nothing regressed or new"
t=$(d "$tmpdir/on.hud" "$tmpdir/off.hud")
like "$t" "Gone: [0-9]+" "text: a Gone section"
like "$t" "blocked +[0-9.]+ +0\.0 +-[0-9.]+ +0\.00x +[0-9]+->0  hud_fixture::mutex_blocker  \(.*main\.rs:[0-9]+\)" \
	"text: the mutex blocker's row: before, after, delta, ratio, events, location"

# --- gates ------------------------------------------------------------------------------
d "$tmpdir/on.hud" "$tmpdir/off.hud" --fail-if 'blocked > +20%' --fail-if 'new > 0' >/dev/null
ok $? "'blocked > +20%' and 'new > 0' pass when blockers go away"
d "$tmpdir/off.hud" "$tmpdir/on.hud" --fail-if 'blocked > +20%' >/dev/null
is $? 1 "'blocked > +20%' fails when they come back (exit 1)"
like "$(cat "$tmpdir/err")" "gate failed: blocked > \+20%: blocked: 0 -> [0-9.]+ ms/s \(new\)" \
	"the failure is printed with its numbers"
d "$tmpdir/off.hud" "$tmpdir/on.hud" --fail-if 'fn:hud_fixture::sleep_blocker > 0ms/s' >/dev/null
is $? 1 "fn:hud_fixture::sleep_blocker > 0ms/s fails when the blocker runs"
d "$tmpdir/on.hud" "$tmpdir/off.hud" --fail-if 'fn:hud_fixture::sleep_blocker > 0ms/s' \
	--fail-if 'lost > 0' --fail-if 'cpu > +10%' --fail-if 'blocked > 50ms/s' >/dev/null
ok $? "fn:, lost, cpu and an absolute blocked gate pass without the blockers"
d "$tmpdir/off.hud" "$tmpdir/on.hud" --fail-if 'new > 0' -f markdown -o "$tmpdir/g.md"
is $? 1 "'new > 0' fails when blockers appear"
like "$(cat "$tmpdir/g.md")" "\*\*FAILED\*\* \`new > 0\`" "markdown: the failed gate heads the comment"

# --- no difference ------------------------------------------------------------------------
d "$tmpdir/on.hud" "$tmpdir/on.hud" --fail-if 'blocked > +0%' --fail-if 'cpu > +0%' \
	--fail-if 'new > 0' --fail-if 'regressed > 0' --min-count 0 -f json -o "$tmpdir/same.json"
ok $? "a recording against itself passes every gate"
is "$(jq -r '[.hotspots[].verdict, .categories[].verdict] | unique | join(",")' "$tmpdir/same.json")" \
	same "every row is marked same"
"$HUD_REPORT" -i "$tmpdir/on.hud" -f json -o "$tmpdir/on.json" 2>/dev/null
d "$tmpdir/on.json" "$tmpdir/on.hud" --min-count 0 -f json -o "$tmpdir/same2.json"
ok $? "a json summary against its recording"
is "$(jq -r '[.hotspots[].verdict, .categories[].verdict] | unique | join(",")' "$tmpdir/same2.json")" \
	same "the json summary and the recording say the same"
# A summary of two inputs: its shares are of both inputs' thread time.
"$HUD_REPORT" -i "$tmpdir/on.hud" -i "$tmpdir/on.hud" -f json -o "$tmpdir/twice.json" 2>/dev/null
d "$tmpdir/twice.json" "$tmpdir/on.hud" --min-count 0 -f json -o "$tmpdir/twice-d.json"
ok $? "a summary of the recording given twice against the recording"
# (Rounding: the summary rounds the doubled totals, not each half.)
is "$(jq -c '[.categories[] | (.before_share - .after_share | fabs) <= 0.00001] | unique' "$tmpdir/twice-d.json")" \
	"[true]" "... has the same shares (thread_seconds)"
# A summary cut down with --category lacks hotspots: they would show as gone.
"$HUD_REPORT" -i "$tmpdir/on.hud" -f json --category cpu -o "$tmpdir/cpu.json" 2>/dev/null
d "$tmpdir/cpu.json" "$tmpdir/on.hud"
is $? 2 "a summary made with --category is refused (exit 2)"
like "$(cat "$tmpdir/err")" "made with --category, so it lacks the blocked hotspots: make the summary without --category" \
	"... saying why and what to do"

# --- formats ----------------------------------------------------------------------------
d "$tmpdir/on.hud" "$tmpdir/off.hud" -f markdown -o "$tmpdir/d.md"
like "$(cat "$tmpdir/d.md")" "\| blocked \| \`hud_fixture::mutex_blocker\` \| [0-9.]+ \| 0\.0 \|" \
	"markdown: a table row per hotspot, names as code"
d "$tmpdir/on.hud" "$tmpdir/off.hud" -f svg -o "$tmpdir/d.svg"
ok $? "svg from two recordings"
if command -v xmllint >/dev/null; then
	xmllint --noout "$tmpdir/d.svg"
	ok $? "svg: well-formed XML"
fi
like "$(cat "$tmpdir/d.svg")" "<title>hud_fixture::sleep_blocker \(before [0-9.]+ ms/s, after 0\.000 ms/s, -[0-9.]+ ms/s\)</title><rect [^>]*fill=\"rgb\([0-9]+,[0-9]+,255\)\"" \
	"svg: a gone blocker is drawn blue with both values in its title"
d "$tmpdir/on.json" "$tmpdir/off.hud" -f svg -o "$tmpdir/x.svg"
is $? 2 "svg from a json summary: exit 2"
like "$(cat "$tmpdir/err")" "svg needs the recordings" "... saying why"

# --- bad input ------------------------------------------------------------------------------
expect_usage() { # DESCRIPTION PATTERN ARGS...
	local desc=$1 pat=$2
	shift 2
	d "$@" >/dev/null
	is $? 2 "$desc: exit 2"
	like "$(cat "$tmpdir/err")" "$pat" "$desc: says so"
}
expect_usage "malformed gate" "--fail-if 'blocked >> 5%': unknown metric" \
	"$tmpdir/on.hud" "$tmpdir/off.hud" --fail-if 'blocked >> 5%'
expect_usage "unknown metric" "unknown metric 'latency'" \
	"$tmpdir/on.hud" "$tmpdir/off.hud" --fail-if 'latency > 5ms/s'
expect_usage "gate without a unit" "needs a unit" \
	"$tmpdir/on.hud" "$tmpdir/off.hud" --fail-if 'cpu > 5'
expect_usage "missing input" "no such file" "$tmpdir/on.hud" "$tmpdir/nope.hud"
expect_usage "foreign file" "neither a hud recording nor a hud-report json summary" \
	"$tmpdir/on.hud" /etc/passwd
expect_usage "one input" "two inputs needed" "$tmpdir/on.hud"
"$HUD_REPORT" -i "$tmpdir/on.hud" -f json --threads all -o "$tmpdir/all.json" 2>/dev/null
expect_usage "summaries of different thread selections" "same --threads" \
	"$tmpdir/on.json" "$tmpdir/all.json"
jq '.target.comm = "other-service"' "$tmpdir/on.json" >"$tmpdir/other.json"
expect_usage "summaries of different programs" "compare recordings of the same program" \
	"$tmpdir/on.json" "$tmpdir/other.json"
jq '.hud_json_version = 7' "$tmpdir/on.json" >"$tmpdir/v7.json"
expect_usage "a summary of another schema version" "version .* not supported" \
	"$tmpdir/v7.json" "$tmpdir/on.json"
head -c 100 "$tmpdir/on.json" >"$tmpdir/cut.json"
expect_usage "a cut json summary" "not valid json" "$tmpdir/cut.json" "$tmpdir/on.json"

# --- golden outputs from checked-in summaries --------------------------------------------
for fmt in text json markdown; do
	(cd "$golden" && "$HUD_DIFF" on.json off.json -f "$fmt" --fail-if 'blocked > +20%' \
		--fail-if 'new > 0' 2>/dev/null) >"$tmpdir/golden.$fmt"
	if [ -n "${UPDATE_GOLDEN:-}" ]; then
		cp "$tmpdir/golden.$fmt" "$golden/expected.$fmt"
	fi
	if diff -u "$golden/expected.$fmt" "$tmpdir/golden.$fmt" >"$tmpdir/golden.diff"; then
		ok 0 "golden: $fmt"
	else
		ok 1 "golden: $fmt"
		sed 's/^/#   /' "$tmpdir/golden.diff" | head -40
	fi
done

# --- golden outputs from synthetic recordings (every format, svg included) ------------
# The checked-in synth.hud (seed 1) against hud-synth's seed 2, with the checked-in binary
# found through --symfs; run from a directory of their own so that names are relative.
if [ -x "$HUD_BUILD/tests/hud-synth" ]; then
	mkdir -p "$tmpdir/g/symfs/opt/hud-synth/bin" "$tmpdir/g/home"
	ln -s "$here/../golden/symtest" "$tmpdir/g/symfs/opt/hud-synth/bin/symtest"
	cp "$here/../golden/synth.hud" "$tmpdir/g/seed1.hud"
	"$HUD_BUILD/tests/hud-synth" --elf "$here/../golden/symtest" --events 150 --seed 2 \
		-o "$tmpdir/g/seed2.hud"
	for fmt in text json markdown svg; do
		(cd "$tmpdir/g" && env -u NO_COLOR -u DEBUGINFOD_URLS HOME="$tmpdir/g/home" \
			"$HUD_DIFF" seed1.hud seed2.hud --symfs symfs --min-count 3 -f "$fmt" \
			--fail-if 'cpu > +50%' 2>/dev/null) >"$tmpdir/synth.$fmt"
		if [ -n "${UPDATE_GOLDEN:-}" ]; then
			cp "$tmpdir/synth.$fmt" "$golden/synth-expected.$fmt"
		fi
		if diff -u "$golden/synth-expected.$fmt" "$tmpdir/synth.$fmt" >"$tmpdir/golden.diff"; then
			ok 0 "golden, synthetic recordings: $fmt"
		else
			ok 1 "golden, synthetic recordings: $fmt"
			sed 's/^/#   /' "$tmpdir/golden.diff" | head -40
		fi
	done
fi

done_testing
