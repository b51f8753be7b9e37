#!/usr/bin/env bash
# SPDX-License-Identifier: MIT OR Apache-2.0
# hud-record to full depth, with real BPF on the Tokio fixture: every signal for the
# right blocker, roles, late threads, exits, signals, crashes, output file handling, and
# lost-event accounting.
set -u
here=$(cd "$(dirname "$0")" && pwd)
. "$here/../lib/tap.sh"
. "$here/fixture.sh"
require_root_and_build

json() { "$HUD_REPORT" -f json --stacks 20 "$@" 2>/dev/null; }
# jq_hot JSON CATEGORY FUNCTION FILTER : FILTER applied to that hotspot (null if absent).
jq_hot() {
	printf '%s' "$1" | jq -r --arg c "$2" --arg f "$3" \
		"[.hotspots[] | select(.category == \$c and .function == \$f)][0] | $4"
}

# --- signals ---------------------------------------------------------------------
start_fixture --only sleep,mutex || { ok 1 "fixture starts"; done_testing; }
"$HUD_RECORD" -p "$fixture_pid" -o "$tmpdir/sig.hud" --duration 3 2>/dev/null
ok $? "record sleep and mutex blockers"
j=$(json -i "$tmpdir/sig.hud")
like "$(jq_hot "$j" blocked hud_fixture::sleep_blocker .reason)" "nanosleep" \
	"sleep_blocker is blocked in nanosleep (kernel stack)"
like "$(jq_hot "$j" blocked hud_fixture::sleep_blocker '.stacks[0].frames | map(.function) | join(";")')" \
	"hud_fixture::sleep_blocker" "sleep_blocker is in the user stack of its intervals"
like "$(jq_hot "$j" blocked hud_fixture::mutex_blocker '[.stacks[].reason] | join(",")')" \
	"futex" "mutex_blocker waits on a futex (contended std::sync::Mutex)"
like "$(jq_hot "$j" blocked hud_fixture::mutex_blocker '.stacks | map(select(.reason | test("futex"))) | .[0].frames | map(.function) | join(";")')" \
	"Mutex.*lock.*;hud_fixture::mutex_blocker" "the futex wait is under Mutex::lock in mutex_blocker"
kill "$fixture_pid"

# The raw_tp flavour, loaded where tp_btf cannot attach, records the same signals.
start_fixture --only sleep,cpu || { ok 1 "fixture starts"; done_testing; }
HUD_RECORD_NO_BTF=1 "$HUD_RECORD" -v -p "$fixture_pid" -o "$tmpdir/raw.hud" --duration 2 \
	2>"$tmpdir/raw.err"
ok $? "record with the raw_tp programs (HUD_RECORD_NO_BTF=1)"
like "$(cat "$tmpdir/raw.err")" "raw_tp sched_switch" "... which hud-record says it uses"
j=$(json -i "$tmpdir/raw.hud")
like "$(jq_hot "$j" blocked hud_fixture::sleep_blocker .reason)" "nanosleep" \
	"raw_tp: sleep_blocker is blocked in nanosleep"
like "$(jq_hot "$j" blocked hud_fixture::sleep_blocker '.stacks[0].frames | map(.function) | join(";")')" \
	"hud_fixture::sleep_blocker" "raw_tp: with its user stack"
is "$(printf '%s' "$j" | jq -r '[.hotspots[] | select(.category == "cpu")][0].function')" \
	hud_fixture::cpu_hog "raw_tp: the CPU hog is sampled"
kill "$fixture_pid"

# Deferred user stacks of long waits: taken at rseq_update by default, at sys_exit where the
# kernel has no rseq_update tracepoint (HUD_RECORD_NO_RSEQ=1), and at switch-out for threads
# that never registered rseq (glibc.pthread.rseq=0). Each gives the same stacks.
for variant in rseq_update sys_exit no-rseq-threads; do
	env=()
	case $variant in
	sys_exit) env=(HUD_RECORD_NO_RSEQ=1) ;;
	no-rseq-threads) env=(GLIBC_TUNABLES=glibc.pthread.rseq=0) ;;
	esac
	if [ "$variant" = no-rseq-threads ]; then
		GLIBC_TUNABLES=glibc.pthread.rseq=0 start_fixture --only sleep,mutex ||
			{ ok 1 "fixture starts"; done_testing; }
		n=$(perf stat -x, -e rseq:rseq_update -p "$fixture_pid" -- sleep 0.5 2>&1 |
			awk -F, '/rseq_update/ { print $1 }')
		is "$n" 0 "$variant: the fixture's threads do not pass rseq_update"
	else
		start_fixture --only sleep,mutex || { ok 1 "fixture starts"; done_testing; }
	fi
	env "${env[@]}" "$HUD_RECORD" -v -p "$fixture_pid" -o "$tmpdir/defer.hud" --duration 2 \
		2>"$tmpdir/defer.err"
	ok $? "$variant: record"
	hook=$variant
	[ "$variant" = no-rseq-threads ] && hook=rseq_update
	like "$(cat "$tmpdir/defer.err")" "user stacks of long waits at $hook" \
		"$variant: hud-record says where it takes deferred user stacks"
	j=$(json -i "$tmpdir/defer.hud")
	like "$(jq_hot "$j" blocked hud_fixture::sleep_blocker '.stacks[0].frames | map(.function) | join(";")')" \
		"hud_fixture::sleep_blocker" "$variant: sleep_blocker's intervals have its user stack"
	like "$(jq_hot "$j" blocked hud_fixture::mutex_blocker '.stacks | map(select(.reason | test("futex"))) | .[0].frames | map(.function) | join(";")')" \
		"Mutex.*lock.*;hud_fixture::mutex_blocker" "$variant: and the futex wait is under Mutex::lock"
	kill "$fixture_pid"
done

# The CPU hog, and preempted when a burner competes for the same CPU.
start_fixture --only cpu --workers 1 || { ok 1 "fixture starts"; done_testing; }
taskset -a -p -c 0 "$fixture_pid" >/dev/null
taskset -c 0 sh -c 'while :; do :; done' &
burner=$!
taskset -c 0 sh -c 'while :; do :; done' &
burner2=$!
fixture_pids+=("$burner" "$burner2")
"$HUD_RECORD" -p "$fixture_pid" -o "$tmpdir/hog.hud" --duration 3 2>/dev/null
ok $? "record the CPU hog next to a CPU burner"
kill "$burner" "$burner2"
j=$(json -i "$tmpdir/hog.hud")
is "$(printf '%s' "$j" | jq -r '[.hotspots[] | select(.category == "cpu")][0].function')" \
	hud_fixture::cpu_hog "the CPU hog is the top on-CPU hotspot"
n=$(jq_hot "$j" preempted hud_fixture::cpu_hog .count)
like "$n" '^[1-9][0-9]*$' "the CPU hog is preempted by the competing burner ($n intervals)"
kill "$fixture_pid"

# Run-queue delay: a sleeping worker is woken but its only CPU is busy. The fixture's
# threads run SCHED_IDLE next to an ordinary CPU burner, so each wake-up waits for the
# burner to give up the CPU. (A SCHED_FIFO burner would need real-time budget, which a
# cpu cgroup with cpu.rt_runtime_us = 0, as CI runners use, refuses.) Each wait lasts about
# one slice of the burner: ~2 ms under EEVDF (kernel 6.6 on), below the default 5 ms at
# which the run-queue part of an interval is told apart, so this records with -t 1.
start_fixture --only sleep --workers 1 || { ok 1 "fixture starts"; done_testing; }
taskset -a -p -c 0 "$fixture_pid" >/dev/null
chrt -i -a -p 0 "$fixture_pid"
ok $? "the fixture's threads switch to SCHED_IDLE"
"$HUD_RECORD" -v -p "$fixture_pid" -o "$tmpdir/runq.hud" --duration 3 -t 1 2>"$tmpdir/runq.err" &
rec=$!
# The burner starts once the programs are attached (-v says so), or its first wake-ups
# would be missed on a slow machine.
for _ in $(seq 100); do grep -q "recording " "$tmpdir/runq.err" && break; sleep 0.05; done
sleep 0.2
timeout 2 taskset -c 0 sh -c 'while :; do :; done' &
burner=$!
fixture_pids+=("$burner")
wait "$rec"
ok $? "record a worker whose wake-ups wait behind a CPU burner"
wait "$burner" 2>/dev/null
j=$(json -i "$tmpdir/runq.hud")
ms=$(printf '%s' "$j" | jq -r '.categories.runqueue.total_ms')
ok "$(awk -v m="$ms" 'BEGIN { print (m + 0 >= 300) ? 0 : 1 }')" \
	"the worker's wake-ups waited for the CPU: $ms ms of run-queue delay (>= 300)"
is "$(printf '%s' "$j" | jq -r '[.hotspots[] | select(.category == "runqueue") | .stacks[].role] | unique | join(",")')" \
	worker "... attributed to the worker"
like "$(jq_hot "$j" blocked hud_fixture::sleep_blocker .reason)" "nanosleep" \
	"its sleeps stay blocked in nanosleep"
kill "$fixture_pid"

# --- roles -----------------------------------------------------------------------
start_fixture --only pool || { ok 1 "fixture starts"; done_testing; }
"$HUD_RECORD" -p "$fixture_pid" -o "$tmpdir/pool.hud" --duration 3 2>/dev/null
ok $? "record spawn_blocking work (pool threads start after the recording does)"
unlike "$("$HUD_REPORT" -i "$tmpdir/pool.hud" 2>/dev/null)" "pool_sleeper" \
	"spawn_blocking work is not attributed to workers"
j=$(json -i "$tmpdir/pool.hud" --threads blocking)
n=$(jq_hot "$j" blocked hud_fixture::pool_sleeper .count)
like "$n" '^[1-9][0-9]*$' "--threads blocking shows it ($n intervals)"
is "$(jq_hot "$j" blocked hud_fixture::pool_sleeper '.stacks[0].role')" blocking \
	"its stacks have the blocking role"
like "$(jq_hot "$j" blocked hud_fixture::pool_sleeper '.stacks[0].thread')" "^tokio-runtime-w" \
	"threads born after attach are named"
kill "$fixture_pid"

start_fixture --only sleep --thread-name my-rt-pool || { ok 1 "fixture starts"; done_testing; }
"$HUD_RECORD" -p "$fixture_pid" -o "$tmpdir/named.hud" --duration 2 2>/dev/null
j=$(json -i "$tmpdir/named.hud")
like "$(jq_hot "$j" blocked hud_fixture::sleep_blocker .count)" '^[1-9]' \
	"workers with a custom thread name are recognized without a flag"
like "$(jq_hot "$j" blocked hud_fixture::sleep_blocker '.stacks[0].thread')" '^my-rt-pool' \
	"... and shown with their name"
kill "$fixture_pid"

start_fixture --only sleep --current-thread || { ok 1 "fixture starts"; done_testing; }
"$HUD_RECORD" -p "$fixture_pid" -o "$tmpdir/ct.hud" --duration 2 2>/dev/null
j=$(json -i "$tmpdir/ct.hud")
like "$(jq_hot "$j" blocked hud_fixture::sleep_blocker .count)" '^[1-9]' \
	"a current_thread runtime's block_on thread is a worker"
is "$(printf '%s' "$j" | jq -r '[.hotspots[] | select(.category == "blocked" and (.function | test("main$")))] | length')" \
	0 "its parking inside block_on is idle, not a blocker blamed on main"
kill "$fixture_pid"

# --- targets ---------------------------------------------------------------------
# The short-lived fixture must outlive another start and hud-record's start-up (0.2 s, more
# under ASan on a loaded machine): 2 s of life leaves a second or more recorded.
start_fixture --only sleep || { ok 1 "fixture starts"; done_testing; }
long=$fixture_pid
start_fixture --only sleep --duration 2 || { ok 1 "fixture starts"; done_testing; }
short=$fixture_pid
t0=$(date +%s.%N)
err=$("$HUD_RECORD" -p "$short,$long" -o "$tmpdir/two.hud" --duration 4 2>&1 >/dev/null)
ok $? "record two pids, one exiting after 2 s"
like "$err" "process $short exited; its data is kept, recording the others" \
	"the exit is noted"
ok "$(awk -v a="$t0" -v b="$(date +%s.%N)" 'BEGIN { print (b - a >= 3.5) ? 0 : 1 }')" \
	"recording goes on for the other pid"
j=$(json -i "$tmpdir/two.hud")
like "$(jq_hot "$j" blocked hud_fixture::sleep_blocker "[.stacks[] | select(.pid == $short)] | length")" \
	'^[1-9]' "the exited process's data is kept"
start_fixture --only sleep || { ok 1 "fixture starts"; done_testing; }
other=$fixture_pid
out=$("$HUD_RECORD" hud-fixture --duration 1 -o "$tmpdir/amb.hud" 2>&1)
is "$?" 3 "an ambiguous NAME exits 3"
like "$out" "processes are named 'hud-fixture'.*--all" "... and lists the candidates"
"$HUD_RECORD" hud-fixture --all --duration 1 -o "$tmpdir/all.hud" 2>/dev/null
ok $? "--all records every match"
kill "$long" "$other"
wait "$long" "$other" 2>/dev/null

start_fixture --only sleep --duration 2 || { ok 1 "fixture starts"; done_testing; }
"$HUD_RECORD" -p "$fixture_pid" -o "$tmpdir/exit.hud" --duration 10 2>/dev/null
ok $? "recording ends cleanly when the only target exits"
"$HUD_REPORT" -i "$tmpdir/exit.hud" >/dev/null 2>"$tmpdir/exit.err"
ok $? "... and the file reports"
unlike "$(cat "$tmpdir/exit.err")" "warning" "... without warnings (finalized)"

# --- signals and crashes -----------------------------------------------------------
start_fixture --only cpu,sleep || { ok 1 "fixture starts"; done_testing; }
"$HUD_RECORD" -p "$fixture_pid" -o "$tmpdir/int.hud" 2>/dev/null &
rec=$!
sleep 2
kill -INT "$rec"
wait "$rec"
ok $? "SIGINT stops hud-record with exit 0"
"$HUD_REPORT" -i "$tmpdir/int.hud" >"$tmpdir/int.txt" 2>"$tmpdir/int.err"
ok $? "the SIGINT-finalized file reports"
is "$(cat "$tmpdir/int.err")" "" "... with no warning"

"$HUD_RECORD" -v -p "$fixture_pid" -o "$tmpdir/k9.hud" 2>"$tmpdir/k9.log" &
rec=$!
# Chunks go to disk once a second from the attach (-v's "recording" line).
for _ in $(seq 200); do grep -q "recording " "$tmpdir/k9.log" && break; sleep 0.05; done
sleep 2.5
kill -9 "$rec"
wait "$rec" 2>/dev/null
out=$("$HUD_REPORT" -i "$tmpdir/k9.hud" 2>"$tmpdir/k9.err")
ok $? "after kill -9 the file still reports"
like "$(cat "$tmpdir/k9.err")" "did not finish|interrupted" "... with a warning that it is incomplete"
like "$out" "hud_fixture::cpu_hog" "... and the data of complete chunks"

# --- output file -----------------------------------------------------------------
"$HUD_RECORD" -p "$fixture_pid" -o "$tmpdir/int.hud" --duration 0.5 2>/dev/null
ok $? "recording over an existing file"
[ -s "$tmpdir/int.hud.old" ]
ok $? "the previous file is kept as FILE.old"
is "$(stat -c %a "$tmpdir/int.hud")" 600 "new files are mode 0600"
SUDO_UID=65534 SUDO_GID=65534 "$HUD_RECORD" -p "$fixture_pid" -o "$tmpdir/sudo.hud" \
	--duration 0.5 2>/dev/null
is "$(stat -c %u:%g "$tmpdir/sudo.hud")" 65534:65534 "under sudo, the file goes to SUDO_UID:SUDO_GID"
"$HUD_RECORD" -p "$fixture_pid" -o /nonexistent-dir/x.hud --duration 0.5 2>"$tmpdir/nodir.err"
is "$?" 5 "unwritable output exits 5"
like "$(cat "$tmpdir/nodir.err")" "cannot create /nonexistent-dir/x.hud" "... naming the file"

# --- lost events ------------------------------------------------------------------
"$HUD_RECORD" -p "$fixture_pid" -o "$tmpdir/lost.hud" --duration 2 --ring-size 4096 \
	-F 20000 -g kernel 2>"$tmpdir/lost.err"
ok $? "record with a tiny ring"
like "$(cat "$tmpdir/lost.err")" "[1-9][0-9]* lost" "hud-record counts lost events"
lost=$(json -i "$tmpdir/lost.hud" | jq -r .lost)
like "$lost" '^[1-9][0-9]*$' "the file carries the lost count ($lost)"
like "$("$HUD_REPORT" -i "$tmpdir/lost.hud" 2>&1 >/dev/null)" "events were lost" \
	"hud-report warns about lost events"

done_testing
