#!/usr/bin/env bash
# SPDX-License-Identifier: MIT OR Apache-2.0
# Whole stacks where frame pointers break, with real BPF on the Tokio fixture: a helper
# that tail-calls std::thread::sleep, glibc leaves (malloc/realloc/free, memcpy, a libc
# function called directly), and the same service built without frame pointers. Each case
# must be named as its hotspot with (nearly) every stack complete, the inferred frames
# marked; and for samples with a glibc leaf, the callers hud recovers must be perf's
# (perf record --call-graph dwarf on the same run).
set -u
here=$(cd "$(dirname "$0")" && pwd)
. "$here/../lib/tap.sh"
. "$here/fixture.sh"
require_root_and_build
command -v jq >/dev/null || skip_all "jq missing (make deps installs it)"
HUD_DUMP=$HUD_BUILD/tests/hud-dump
[ -x "$HUD_DUMP" ] || skip_all "$HUD_DUMP not built (make unit-tests)"
dump() { "$HUD_DUMP" "$1" 2>/dev/null | awk -v k="$2" '$1 == k { print $2 } $1 == "meta" && index($2, k "=") == 1 { print substr($2, length(k) + 2) }'; }

# Every stack of the selected hotspots, with their frames.
json() { "$HUD_REPORT" -f json --stacks 1000 --max-frames 1000 "$@" 2>/dev/null; }
# share_complete JSON CATEGORY FUNCTION : percent of the hotspot's events with whole stacks.
share_complete() {
	printf '%s' "$1" | jq -r --arg c "$2" --arg f "$3" '
		[.hotspots[] | select(.category == $c and .function == $f) | .stacks[]] |
		(map(.count) | add) as $n |
		if $n then (map(select(.complete) | .count) | add // 0) * 100 / $n | floor
		else "none" end'
}
count_of() {
	printf '%s' "$1" | jq -r --arg c "$2" --arg f "$3" \
		'[.hotspots[] | select(.category == $c and .function == $f)][0].count // 0'
}

# --- frame-pointer fixture: tail call and glibc leaves ----------------------------------
start_fixture --only tailsleep,alloc,memcpy,libc || { ok 1 "fixture starts"; done_testing; }
have_perf=
if command -v perf >/dev/null && perf --version >/dev/null 2>&1; then
	perf record -q -F 99 --call-graph dwarf,16384 -p "$fixture_pid" -o "$tmpdir/perf.data" \
		-- sleep 4 >/dev/null 2>&1 &
	perf_pid=$!
	have_perf=1
fi
"$HUD_RECORD" -p "$fixture_pid" -o "$tmpdir/fp.hud" --duration 4 2>"$tmpdir/fp.err"
ok $? "record the fixture's tail call and glibc leaves"
[ -n "$have_perf" ] && wait "$perf_pid"
kill "$fixture_pid"
like "$(cat "$tmpdir/fp.err")" "[1-9][0-9]* events carry a copy of the user stack" \
	"events with a glibc leaf carry a stack copy"
is "$(dump "$tmpdir/fp.hud" ustack_mode)/$(dump "$tmpdir/fp.hud" target_frame_pointers)" "auto/yes" \
	"the file says: auto, a target with frame pointers"
# A glibc leaf's copy ends at its first caller's frame record (rbp + 16), not at 2 KiB.
mean=$(dump "$tmpdir/fp.hud" copy_bytes_mean) max=$(dump "$tmpdir/fp.hud" copy_bytes_max)
ok "$([ "${mean:-9999}" -le 1024 ] && [ "${max:-9999}" -le 2048 ] && echo 0 || echo 1)" \
	"leaf copies stop at the first frame record (mean $mean, max $max bytes)"
j=$(json -i "$tmpdir/fp.hud")
for c in cpu:hud_fixture::alloc_churn cpu:hud_fixture::copy_loop cpu:hud_fixture::libc_direct \
	blocked:hud_fixture::refresh; do
	cat=${c%%:*} fn=${c#*:}
	n=$(count_of "$j" "$cat" "$fn")
	like "$n" '^[1-9][0-9]*$' "$fn is a $cat hotspot ($n events)"
	pct=$(share_complete "$j" "$cat" "$fn")
	ok "$([ "$pct" != none ] && [ "$pct" -ge 99 ] && echo 0 || echo 1)" \
		"... with complete stacks ($pct% of its events)"
done
# The leaves really are glibc's: what the case is about.
leaf=$(printf '%s' "$j" | jq -r '[.hotspots[] | select(.category == "cpu" and
	.function == "hud_fixture::alloc_churn") | .stacks[] | select(.frames[0].class == "system")
	| .count] | add // 0')
like "$leaf" '^[1-9][0-9]*$' "alloc_churn's samples have glibc leaves ($leaf of them)"
# refresh() left no frame: it is inferred from the call in tail_sleeper, and marked.
inf=$(printf '%s' "$j" | jq -r '[.hotspots[] | select(.category == "blocked" and
	.function == "hud_fixture::refresh") | .stacks[0].frames[] |
	select(.function == "hud_fixture::refresh")][0].inferred')
is "$inf" true "refresh, which tail-calls sleep, is an inferred frame"
order=$(printf '%s' "$j" | jq -r '[.hotspots[] | select(.category == "blocked" and
	.function == "hud_fixture::refresh") | .stacks[0].frames[] | select(.class != "kernel") |
	.function] | map(select(test("thread::functions::sleep|hud_fixture::(refresh|tail_sleeper)")))
	| join(" < ")')
is "$order" "std::thread::functions::sleep < hud_fixture::refresh < hud_fixture::tail_sleeper" \
	"... between sleep (its callee, unwound with CFI) and tail_sleeper (its caller)"
text=$("$HUD_REPORT" -i "$tmpdir/fp.hud" --category blocked --stacks 1 2>/dev/null)
like "$text" "hud_fixture::refresh \(tail call\)" "text marks it (tail call)"
like "$text" "^stacks: +[0-9.]+% complete, [0-9.]+% unwound with CFI" "the header says how whole stacks are"
like "$("$HUD_REPORT" -i "$tmpdir/fp.hud" -f folded --weight time --category blocked 2>/dev/null)" \
	"hud_fixture::tail_sleeper;hud_fixture::refresh;std::thread::functions::sleep" \
	"folded stacks hold the inferred frame as a real one"

# perf's callers of samples with a glibc leaf, and hud's, ranked by samples. The first
# caller outside libc, by ELF symbol (no inlined or inferred frames: perf has neither).
if [ -n "$have_perf" ] && [ -s "$tmpdir/perf.data" ]; then
	perf script -i "$tmpdir/perf.data" -F tid,ip,sym,dso --no-inline 2>/dev/null |
		awk 'BEGIN { RS = "" } {
			n = split($0, L, "\n")
			if (n < 2 || L[2] !~ /libc\.so/) next
			for (i = 2; i <= n; i++) if (L[i] !~ /libc\.so/) {
				sub(/^[ \t]*[0-9a-f]+ /, "", L[i]); sub(/ \(.*\)$/, "", L[i])
				sub(/::h[0-9a-f]{16}$/, "", L[i]); print L[i]; break
			}
		}' | sort | uniq -c | sort -rn | awk '$1 >= 10 { n = $1; $1 = ""; print n "\t" substr($0, 2) }' |
		head -4 >"$tmpdir/perf.callers"
	json -i "$tmpdir/fp.hud" --threads all --category cpu |
		jq -r '.hotspots[].stacks[] | . as $s | [.frames[] | select(.class != "kernel")] as $u |
		select(($u | length) > 0 and ($u[0].dso | test("libc\\.so"))) |
		([$u[] | select((.dso | test("libc\\.so") | not) and (.inlined | not) and
		  (.inferred | not))][0].function // "[none]") as $c | "\($s.count)\t\($c)"' |
		awk -F'\t' '{ n[$2] += $1 } END { for (k in n) print n[k] "\t" k }' | sort -rn |
		awk -F'\t' '$1 >= 10' | head -4 >"$tmpdir/hud.callers"
	ok "$([ -s "$tmpdir/perf.callers" ] && echo 0 || echo 1)" \
		"perf --call-graph dwarf recovers callers of glibc leaves ($(wc -l <"$tmpdir/perf.callers") of 10 samples or more)"
	names() { cut -f2 "$1" | sort | paste -sd '|'; }
	is "$(names "$tmpdir/hud.callers")" "$(names "$tmpdir/perf.callers")" \
		"hud's top callers of glibc leaves are perf's"
	# Ranks: where perf has one caller 1.5 times as often as another, hud must too (two
	# 99 Hz samplers of one run differ by their noise: near-ties may swap).
	misranked=$(awk -F'\t' 'NR == FNR { p[$2] = $1; next } { h[$2] = $1 }
		END { for (a in p) for (b in p) if (p[a] >= 1.5 * p[b] && !(h[a] > h[b]))
			print a " over " b }' "$tmpdir/perf.callers" "$tmpdir/hud.callers")
	is "$misranked" "" "... and rank them as perf does ($(awk -F'\t' '{ printf "%s%s %s", (NR > 1 ? ", " : ""), $1, $2 }' "$tmpdir/perf.callers"))"
else
	skip "perf is not usable here"
	skip "perf is not usable here"
	skip "perf is not usable here"
fi

# --- the same service without frame pointers ---------------------------------------------
HUD_FIXTURE=$HUD_BUILD/fixtures/hud-fixture-nofp
[ -x "$HUD_FIXTURE" ] || { skip "hud-fixture-nofp not built (make fixture)" 1; done_testing; }
start_fixture || { ok 1 "fixture starts"; done_testing; }
like "$("$HUD_RECORD" --check "$fixture_pid" 2>/dev/null)" \
	"warn +target frame pointers +built without them" "--check says the target has no frame pointers"
"$HUD_RECORD" -p "$fixture_pid" -o "$tmpdir/nofp.hud" --duration 4 2>/dev/null
ok $? "record the fixture built without frame pointers"
"$HUD_RECORD" -p "$fixture_pid" -g fp -o "$tmpdir/nofp-fp.hud" --duration 1 2>/dev/null
is "$(dump "$tmpdir/nofp-fp.hud" copies)/$(dump "$tmpdir/nofp-fp.hud" ustack_copy_bytes)" "0/0" \
	"-g fp: no stack copies"
kill "$fixture_pid"
is "$(dump "$tmpdir/nofp.hud" target_frame_pointers)" no "the file says the target has no frame pointers"
ev=$(dump "$tmpdir/nofp.hud" events) cp=$(dump "$tmpdir/nofp.hud" copies)
is "$cp" "$ev" "... and every one of its $ev events carries a copy"
is "$(dump "$tmpdir/nofp.hud" copy_bytes_max)" 16384 "... of 16 KiB"
j=$(json -i "$tmpdir/nofp.hud")
for c in cpu:hud_fixture::cpu_hog blocked:hud_fixture::sleep_blocker \
	blocked:hud_fixture::mutex_blocker; do
	cat=${c%%:*} fn=${c#*:}
	n=$(count_of "$j" "$cat" "$fn")
	like "$n" '^[1-9][0-9]*$' "no frame pointers: $fn is a $cat hotspot ($n events)"
	pct=$(share_complete "$j" "$cat" "$fn")
	ok "$([ "$pct" != none ] && [ "$pct" -ge 95 ] && echo 0 || echo 1)" \
		"... with complete stacks ($pct% of its events)"
done
all=$(printf '%s' "$j" | jq -r '(.stacks.complete * 100 | floor)')
ok "$([ "$all" -ge 95 ] && echo 0 || echo 1)" "no frame pointers: $all% of all worker events have complete stacks"
cfi=$(printf '%s' "$j" | jq -r '.stacks.cfi * 100 | floor')
ok "$([ "$cfi" -ge 95 ] && echo 0 || echo 1)" "... $cfi% of them unwound with CFI"

done_testing
