#!/usr/bin/env bash
# SPDX-License-Identifier: MIT OR Apache-2.0
# hud-report and hud-diff on damaged recordings: a real file cut short at many offsets and
# with single bytes flipped. Every run must end with a documented exit code (hud-report: 0
# with a warning, 3 not readable, 4 partial; hud-diff: 0 with a warning, 2 not readable)
# and never with a signal or a sanitizer report.
set -u
here=$(cd "$(dirname "$0")" && pwd)
. "$here/../lib/tap.sh"
. "$here/fixture.sh"
require_root_and_build

# Record a private copy of the fixture and delete it afterwards: reports then skip DWARF
# and stay fast, so many damaged variants can be read.
use_private_fixture
start_fixture || { ok 1 "fixture starts"; done_testing; }
"$HUD_RECORD" -p "$fixture_pid" -o "$tmpdir/r.hud" --duration 2 2>/dev/null
ok $? "record the fixture"
kill "$fixture_pid"
wait "$fixture_pid" 2>/dev/null
rm "$tmpdir/bin/hud-fixture"
size=$(stat -c %s "$tmpdir/r.hud")
export HOME=$tmpdir # no ~/.debug

# run FILE -> the exit code, and the first line of stderr in $tmpdir/err
run() {
	"$HUD_REPORT" -i "$1" --threads all -f json >/dev/null 2>"$tmpdir/err"
}

# A failure lists OFFSET:RC (OFFSET:BYTE:RC for corruptions) and keeps the recording they
# apply to, which is new on every run, so that the case can be replayed.
keep() {
	[ -n "$1" ] || return 0
	cp "$tmpdir/r.hud" "$HUD_BUILD/report-damage-failed.hud" &&
		diag "the recording damaged is kept as $HUD_BUILD/report-damage-failed.hud"
}

bad=""
n=0
for off in $(seq 0 1 200) $(seq 201 $(((size - 201) / 150 + 1)) "$size"); do
	[ "$off" -le "$size" ] || continue
	head -c "$off" "$tmpdir/r.hud" >"$tmpdir/cut.hud"
	run "$tmpdir/cut.hud"
	rc=$?
	n=$((n + 1))
	case $rc in
	0 | 3 | 4) ;;
	*) bad="$bad $off:$rc" ;;
	esac
done
is "$bad" "" "cut at $n offsets: always exit 0, 3 or 4"
keep "$bad"
head -c $((size - 7)) "$tmpdir/r.hud" >"$tmpdir/cut.hud"
run "$tmpdir/cut.hud"
is "$?" 0 "cut inside the last chunk: the rest reports (exit 0)"
like "$(cat "$tmpdir/err")" "ends inside a chunk" "... with a warning"
head -c 10 "$tmpdir/r.hud" >"$tmpdir/cut.hud"
run "$tmpdir/cut.hud"
is "$?" 3 "cut inside the header: exit 3"
like "$(cat "$tmpdir/err")" "hud-report: error: .*" "... with an error"

bad=""
RANDOM=42
for i in $(seq 1 150); do
	cp "$tmpdir/r.hud" "$tmpdir/flip.hud"
	off=$((RANDOM * 32768 + RANDOM))
	off=$((off % size))
	byte=$(printf %02x $((RANDOM % 255 + 1)))
	printf "\\x$byte" | dd of="$tmpdir/flip.hud" bs=1 seek="$off" conv=notrunc 2>/dev/null
	run "$tmpdir/flip.hud"
	rc=$?
	case $rc in
	0 | 3 | 4) ;;
	*) bad="$bad $off:$byte:$rc" ;;
	esac
done
is "$bad" "" "150 single-byte corruptions: always exit 0, 3 or 4"
keep "$bad"

# A corrupt chunk in the middle: partial report, exit 4, and the damage is named.
cp "$tmpdir/r.hud" "$tmpdir/mid.hud"
printf 'XXXX' | dd of="$tmpdir/mid.hud" bs=1 seek=$((size / 2)) conv=notrunc 2>/dev/null
run "$tmpdir/mid.hud"
rc=$?
like "$rc" "^[34]$" "corrupt middle: exit 3 or 4 ($rc)"
like "$(cat "$tmpdir/err")" "corrupt chunk at offset [0-9]+" "... naming the offset"

# hud-diff: the intact recording against damaged copies of itself.
diff_run() {
	"$HUD_DIFF" --threads all -f json "$tmpdir/r.hud" "$1" >/dev/null 2>"$tmpdir/err"
}
bad=""
n=0
for off in $(seq 0 7 120) $(seq 121 $(((size - 121) / 60 + 1)) "$size"); do
	[ "$off" -le "$size" ] || continue
	head -c "$off" "$tmpdir/r.hud" >"$tmpdir/cut.hud"
	diff_run "$tmpdir/cut.hud"
	rc=$?
	n=$((n + 1))
	case $rc in
	0 | 2) ;;
	*) bad="$bad $off:$rc" ;;
	esac
done
is "$bad" "" "hud-diff, cut at $n offsets: always exit 0 or 2"
keep "$bad"
RANDOM=7
bad=""
for i in $(seq 1 60); do
	cp "$tmpdir/r.hud" "$tmpdir/flip.hud"
	off=$(((RANDOM * 32768 + RANDOM) % size))
	byte=$(printf %02x $((RANDOM % 255 + 1)))
	printf "\\x$byte" | dd of="$tmpdir/flip.hud" bs=1 seek="$off" conv=notrunc 2>/dev/null
	diff_run "$tmpdir/flip.hud"
	rc=$?
	case $rc in
	0 | 2) ;;
	*) bad="$bad $off:$byte:$rc" ;;
	esac
done
is "$bad" "" "hud-diff, 60 single-byte corruptions: always exit 0 or 2"
keep "$bad"
diff_run "$tmpdir/mid.hud"
like "$?" "^[02]$" "hud-diff, corrupt middle: exit 0 or 2"
like "$(cat "$tmpdir/err")" "corrupt chunk at offset [0-9]+" "... naming the damage"

done_testing
