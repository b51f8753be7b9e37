#!/usr/bin/env bash
# SPDX-License-Identifier: MIT OR Apache-2.0
# The live screen, driven as a person drives it, in tmux: hud-top on the fixture names the
# CPU hog and the sleep and mutex blockers within seconds; Enter shows the hog's stack;
# 2 shows only blocked hotspots; w changes the window; a resized pane redraws; q stops,
# and the kept file reports the same hotspots. hud-report --follow on a file another
# hud-record writes shows the hotspots growing, then that the recording ended. Without a
# terminal, both refuse with exit 2.
set -u
here=$(cd "$(dirname "$0")" && pwd)
. "$here/../lib/tap.sh"
. "$here/fixture.sh"
require_root_and_build
command -v tmux >/dev/null || skip_all "tmux missing (make deps installs it)"
command -v jq >/dev/null || skip_all "jq missing (make deps installs it)"
HUD_TOP=$HUD_BUILD/hud-top
[ -x "$HUD_TOP" ] || skip_all "$HUD_TOP not built (run make)"

sock=hud-test-$$
tm() { tmux -L "$sock" "$@"; }
screen() { tm capture-pane -p -t "$1"; }
# wait_screen SESSION REGEX SECS : until the pane shows REGEX (0), or the time is up (1).
wait_screen() {
	local i
	for i in $(seq $(($3 * 10))); do
		screen "$1" | grep -Eq "$2" && return 0
		sleep 0.1
	done
	return 1
}
# wait_file FILE : until FILE has something in it (5 s at most).
wait_file() {
	local i
	for i in $(seq 50); do
		[ -s "$1" ] && return 0
		sleep 0.1
	done
	return 1
}
cleanup_tmux() { tm kill-server 2>/dev/null; cleanup_fixtures; }
trap cleanup_tmux EXIT

# --- not a terminal ------------------------------------------------------------------
"$HUD_TOP" -p 1 >"$tmpdir/pipe.out" 2>&1 </dev/null
is "$?" 2 "hud-top with a piped stdout exits 2"
out=$(cat "$tmpdir/pipe.out")
like "$out" "not a terminal.*hud-record.*hud-report" "... naming hud-record and hud-report"
is "$(printf '%s\n' "$out" | wc -l)" 1 "... in one line"
"$HUD_REPORT" --follow -i "$tmpdir/x.hud" >"$tmpdir/pipe.out" 2>&1 </dev/null
is "$?" 2 "hud-report --follow with a piped stdout exits 2"
out=$(cat "$tmpdir/pipe.out")
like "$out" "needs a terminal.*hud-report -i.*hud-record" "... naming hud-report and hud-record"

# --- hud-top on the fixture ------------------------------------------------------------
start_fixture --only cpu,sleep,mutex || { ok 1 "fixture starts"; done_testing; }
kept=$tmpdir/top.hud
tm new-session -d -s top -x 160 -y 50 \
	"$HUD_TOP -o $kept -p $fixture_pid 2>$tmpdir/top.err; echo exit=\$? >$tmpdir/top.rc; sleep 60"
wait_screen top 'cpu_hog' 8
ok $? "within seconds the screen names the CPU hog"
wait_screen top 'blocked +[0-9.]+% .*sleep_blocker' 5
ok $? "... and the sleep blocker, as blocked"
wait_screen top 'blocked +[0-9.]+% .*mutex_blocker' 5
ok $? "... and the mutex blocker, as blocked"
s=$(screen top)
like "$s" "TID THREAD +WALL S +CPU +BLOCKED" "the header has the workers' time budget"
like "$s" "window: whole recording" "... and the window"
like "$s" "workers: 2 .*lost: 0" "... the workers and lost events"

# Select the hog, open its stacks.
row=$(screen top | grep -n 'cpu_hog' | head -1 | cut -d: -f1)
sel=$(screen top | grep -n '^> ' | head -1 | cut -d: -f1)
for _ in $(seq $((row - sel))); do tm send-keys -t top Down; done
sleep 0.3
like "$(screen top | grep '^> ')" "cpu_hog" "Down selects the hog's row"
tm send-keys -t top Enter
wait_screen top '^stack 1 of [0-9]+: [0-9]+ samples?' 3
ok $? "Enter shows the hog's stacks"
like "$(screen top)" "> hud_fixture::cpu_hog" "... its frame marked as the blamed one"
like "$(screen top)" "tokio::runtime" "... above the runtime frames that called it"
tm send-keys -t top Escape
wait_screen top 'CATEGORY +SHARE' 3
ok $? "Esc goes back to the table"

tm send-keys -t top 2
sleep 0.5
rows=$(screen top | grep -E '^[> ] [a-z]+ +[0-9.]+%' | sed 's/^[> ] //' | awk '{ print $1 }' | sort -u)
is "$rows" "blocked" "2 shows only blocked hotspots"
like "$(screen top)" "Hotspots: blocked" "... and says so"
tm send-keys -t top 0
tm send-keys -t top w
wait_screen top 'window: last 10 s' 3
ok $? "w changes the window label to the last 10 s"
tm send-keys -t top w
wait_screen top 'window: last 30 s' 3
ok $? "... then to the last 30 s"
tm send-keys -t top w

tm resize-window -t top -x 100 -y 30 2>/dev/null || tm resize-pane -t top -x 100 -y 30
sleep 1.5
s=$(screen top)
is "$(printf '%s\n' "$s" | wc -l)" 30 "a resized pane is redrawn to its new height"
like "$(printf '%s\n' "$s" | tail -1)" "q quit" "... with the key line at its bottom"
is "$(printf '%s\n' "$s" | awk 'length($0) > 100' | wc -l)" 0 "... and no line wider than it"

tm send-keys -t top q
wait_file "$tmpdir/top.rc"
is "$(cat "$tmpdir/top.rc" 2>/dev/null)" "exit=0" "q exits 0"
like "$(cat "$tmpdir/top.err")" "recording is in $kept" "... saying where the recording is"
j=$("$HUD_REPORT" -i "$kept" -f json 2>/dev/null)
is "$?" 0 "the kept file reports"
for f in cpu:cpu_hog blocked:sleep_blocker blocked:mutex_blocker; do
	like "$(printf '%s' "$j" | jq -r --arg c "${f%%:*}" '.hotspots[] | select(.category == $c) | .function')" \
		"hud_fixture::${f#*:}" "... with ${f#*:} among its ${f%%:*} hotspots"
done
tm kill-session -t top 2>/dev/null

# Without -o the recording is a temporary file, removed at exit.
before=$(ls -d /tmp/hud-top.* 2>/dev/null | wc -l)
tm new-session -d -s tmp -x 160 -y 50 \
	"$HUD_TOP -p $fixture_pid 2>$tmpdir/tmp.err; echo exit=\$? >$tmpdir/tmp.rc; sleep 60"
wait_screen tmp 'cpu_hog' 8
ok $? "hud-top without -o shows the screen"
tm send-keys -t tmp q
wait_file "$tmpdir/tmp.rc"
is "$(cat "$tmpdir/tmp.rc" 2>/dev/null)" "exit=0" "... q exits 0"
like "$(cat "$tmpdir/tmp.err")" "discarded" "... and says the recording was discarded"
is "$(ls -d /tmp/hud-top.* 2>/dev/null | wc -l)" "$before" "... leaving no temporary file"
tm kill-session -t tmp 2>/dev/null

# A target that does not exist: hud-record's own error, and its exit status.
tm new-session -d -s bad -x 160 -y 50 \
	"$HUD_TOP no-such-process-hud 2>$tmpdir/bad.err; echo exit=\$? >$tmpdir/bad.rc; sleep 60"
wait_file "$tmpdir/bad.rc"
like "$(cat "$tmpdir/bad.rc" 2>/dev/null)" "exit=[1-9]" "no such target: a non-zero exit"
like "$(cat "$tmpdir/bad.err")" "hud-record: .*no-such-process-hud" "... with hud-record's message"
tm kill-session -t bad 2>/dev/null

# --- hud-report --follow on a file another hud-record writes -----------------------
# Streamed, as from another host (ssh host hud-record -o - > FILE): the file grows from its
# first byte, with no temporary name.
live=$tmpdir/live.hud
"$HUD_RECORD" -p "$fixture_pid" -o - -d 6 >"$live" 2>"$tmpdir/live.err" &
rec=$!
tm new-session -d -s follow -x 160 -y 50 \
	"$HUD_REPORT --follow -i $live; echo exit=\$? >$tmpdir/follow.rc; sleep 60"
wait_screen follow 'cpu_hog' 6
ok $? "--follow shows the hotspots of a file being recorded"
events() { screen follow | sed -n 's/.*events: \([0-9]*\).*/\1/p'; }
ev1=$(events)
sleep 2.5
ev2=$(events)
ok "$([ "${ev2:-0}" -gt "${ev1:-0}" ] && echo 0 || echo 1)" "... growing ($ev1, then $ev2 events)"
unlike "$(screen follow)" "recording ended" "... while the recording runs"
wait "$rec"
wait_screen follow 'recording ended' 5
ok $? "then the screen says the recording ended"
sleep 1.2
like "$(screen follow)" "recording ended" "... and stays"
j=$("$HUD_REPORT" -i "$live" -f json 2>"$tmpdir/live-report.err")
is "$?" 0 "the streamed file reports"
unlike "$(cat "$tmpdir/live-report.err")" "warning" "... without warnings (finalized)"
n=$(printf '%s' "$j" | jq -r '.samples + .offcpu_events')
is "$(events)" "$n" "... counting every event of the finished file, as hud-report does"
tm send-keys -t follow q
wait_file "$tmpdir/follow.rc"
is "$(cat "$tmpdir/follow.rc" 2>/dev/null)" "exit=0" "q exits 0"
tm kill-session -t follow 2>/dev/null

# -o - onto a terminal would fill it with compressed bytes: refused, before recording.
if command -v script >/dev/null; then
	out=$(script -qec "$HUD_RECORD -p $fixture_pid -o - -d 1" /dev/null </dev/null | tr -d '\r')
	like "$out" "standard output is a terminal: redirect it" "hud-record -o - on a terminal is refused"
else
	skip 1 "script(1) missing (util-linux)"
fi

done_testing
