#!/usr/bin/env bash
# SPDX-License-Identifier: MIT OR Apache-2.0
# The trace, folded and SVG outputs of a recording of the fixture, opened by real
# consumers in headless Chromium (tests/browser/consume.mjs): speedscope imports the trace
# and the folded stacks and lists the fixture's blockers in its Sandwich table; the SVG
# flame graph renders, draws them, and its search and click-to-zoom work.
# HUD_BROWSER_SHOTS=DIR keeps screenshots of each page checked.
set -u
here=$(cd "$(dirname "$0")" && pwd)
. "$here/../lib/tap.sh"
. "$here/fixture.sh"
require_root_and_build
browser=$(cd "$here/../browser" && pwd)
command -v node >/dev/null || skip_all "node missing (Node.js 20 or later; make deps checks it)"
[ "$(node -p 'process.versions.node.split(".")[0]')" -ge 20 ] ||
	skip_all "node $(node --version) too old: playwright-core needs Node.js 20 or later"
[ -x /usr/bin/chromium ] || skip_all "chromium missing (tests/browser/setup.sh, run by make deps, installs it)"
if [ ! -f "$browser/node_modules/speedscope/dist/release/index.html" ] ||
	[ ! -f "$browser/node_modules/playwright-core/package.json" ]; then
	skip_all "speedscope or playwright-core missing (tests/browser/setup.sh, run by make deps, runs npm ci)"
fi

start_fixture || { ok 1 "fixture starts"; done_testing; }
"$HUD_RECORD" -p "$fixture_pid" -o "$tmpdir/r.hud" --duration 3 2>/dev/null
ok $? "record the fixture"
kill "$fixture_pid"
rep() { "$HUD_REPORT" -i "$tmpdir/r.hud" "$@" 2>/dev/null; }

# On-CPU samples alone name the CPU hog; time weights (every category) name the sleeper too.
rep -f trace -o "$tmpdir/trace.json" &&
	rep -f folded -o "$tmpdir/folded.txt" &&
	rep -f folded --weight time -o "$tmpdir/folded-time.txt" &&
	rep -f svg -o "$tmpdir/flame.svg" &&
	rep -f svg --weight time -o "$tmpdir/flame-time.svg"
ok $? "hud-report writes trace, folded and svg"

cpu=hud_fixture::cpu_hog
sleep=hud_fixture::sleep_blocker
shots=()
[ -n "${HUD_BROWSER_SHOTS:-}" ] && shots=(--screenshots "$HUD_BROWSER_SHOTS")
start=$(date +%s)
out=$(cd "$tmpdir" && timeout -k 10 170 node "$browser/consume.mjs" --timeout 150 "${shots[@]}" \
	--expect "$cpu" --speedscope folded.txt --svg flame.svg \
	--expect "$cpu" --expect "$sleep" --speedscope trace.json --speedscope folded-time.txt \
	--svg flame-time.svg 2>&1)
rc=$?
printf '%s\n' "$out" | sed 's/^/# /'
diag "browser checks took $(($(date +%s) - start)) s"

like "$out" "^found speedscope trace\.json $cpu: Sandwich row in profile" \
	"speedscope imports the trace and shows $cpu"
like "$out" "^found speedscope trace\.json $sleep: Sandwich row in profile" \
	"speedscope imports the trace and shows $sleep"
like "$out" "^found speedscope folded\.txt $cpu: " "speedscope imports the folded stacks and shows $cpu"
like "$out" "^found speedscope folded-time\.txt $cpu: " \
	"speedscope imports the folded stacks of --weight time and shows $cpu"
like "$out" "^found speedscope folded-time\.txt $sleep: " \
	"speedscope imports the folded stacks of --weight time and shows $sleep"
like "$out" "^found svg flame\.svg $cpu: frame " "the SVG renders in Chromium and draws $cpu"
like "$out" "^found svg flame-time\.svg $cpu: frame " "the SVG of --weight time renders and draws $cpu"
like "$out" "^found svg flame-time\.svg $sleep: frame " "the SVG of --weight time renders and draws $sleep"
unlike "$out" "^(error|missing) " "no consumer reported an error"
# Events that end where the next begins must not look overlapping to speedscope (whole
# microseconds in the trace): it warns "Tried to end ..." and misnests them otherwise.
unlike "$out" "^note speedscope trace\.json: .*import warning" "speedscope imports the trace without warnings"
is "$rc" 0 "consume.mjs exits 0"

done_testing
