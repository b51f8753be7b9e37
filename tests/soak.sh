#!/usr/bin/env bash
# SPDX-License-Identifier: MIT OR Apache-2.0
# make soak: hud-record on a busy fixture for a long time (SOAK_SECS, default 600 s).
#
# Every SOAK_EVERY seconds (default 10) sample hud-record's resident memory (VmRSS) and
# its running totals (samples, off-CPU events, lost). The totals come from hud-record's own
# status line, which it prints only on a terminal, so it runs under script(1). At the end
# the file is read back with hud-report. Prints a table and a verdict:
#   memory  flat: VmRSS grows by at most SOAK_RSS_SLACK_KB (default 1024) after the
#           warm-up (the first sample at or after 60 s, or the second sample)
#   lost    0, both in the status line and in the file
# Exit 0 when both hold, 1 otherwise. Needs root; not part of make check or CI.
set -uo pipefail
build=${HUD_BUILD:-build}
secs=${SOAK_SECS:-600}
every=${SOAK_EVERY:-10}
slack_kb=${SOAK_RSS_SLACK_KB:-1024}
# Busy: every blocker, the blocking pool, four workers; 999 Hz with kernel stacks.
fixture_args=${SOAK_FIXTURE_ARGS:---workers 4 --only cpu,sleep,fsync,mutex,pool}
record_args=${SOAK_RECORD_ARGS:--F 999 -g kernel}

[ "$(id -u)" = 0 ] || { echo "soak: error: hud-record needs root: run 'sudo make soak'" >&2; exit 1; }
for f in "$build/hud-record" "$build/hud-report" "$build/fixtures/hud-fixture"; do
	[ -x "$f" ] || { echo "soak: error: $f missing (make all fixture)" >&2; exit 1; }
done
command -v script >/dev/null || { echo "soak: error: script(1) missing (util-linux)" >&2; exit 1; }

out=$(mktemp -d /tmp/hud-soak.XXXXXX)
fx=
scr=
# shellcheck disable=SC2317 # called by the trap
cleanup() {
	[ -n "$scr" ] && kill "$scr" 2>/dev/null
	[ -n "$fx" ] && kill "$fx" 2>/dev/null
	wait 2>/dev/null
	rm -rf "$out"
}
trap cleanup EXIT

# shellcheck disable=SC2086 # word splitting of the argument lists is intended
"$build/fixtures/hud-fixture" $fixture_args >"$out/fixture.log" 2>&1 &
fx=$!
for _ in $(seq 100); do grep -q pid= "$out/fixture.log" 2>/dev/null && break; sleep 0.05; done
grep -q pid= "$out/fixture.log" || { echo "soak: error: the fixture did not start" >&2; exit 1; }

# script(1) gives hud-record a terminal; exec makes hud-record script's direct child.
SHELL=/bin/sh script -qfec "exec $build/hud-record -p $fx -o $out/soak.hud --duration $secs $record_args" \
	"$out/record.log" </dev/null >/dev/null 2>&1 &
scr=$!
rec=
for _ in $(seq 100); do
	rec=$(pgrep -P "$scr" -x hud-record)
	[ -n "$rec" ] && break
	sleep 0.05
done
[ -n "$rec" ] || { echo "soak: error: hud-record did not start" >&2; cat "$out/record.log" >&2; exit 1; }

# The latest status line: "hud-record: 12 s, 345 samples, 67 off-CPU events, 0 lost".
status() {
	tr '\r' '\n' <"$out/record.log" | grep -a -o 'hud-record: [0-9]* s, .* lost' | tail -1
}

printf '# hud soak: %s s of hud-record %s on hud-fixture %s, %s\n' "$secs" "$record_args" \
	"$fixture_args" "$(date -u '+%F %H:%M UTC')"
printf '# kernel %s, %s CPUs, load average %s\n\n' "$(uname -r)" "$(nproc)" \
	"$(cut -d' ' -f1-3 /proc/loadavg)"
printf '| t (s) | VmRSS (KiB) | samples | off-CPU events | lost | file (KiB) |\n'
printf '|---:|---:|---:|---:|---:|---:|\n'
: >"$out/samples"
t0=$(date +%s)
next=$every
while kill -0 "$rec" 2>/dev/null; do
	now=$(($(date +%s) - t0))
	if [ "$now" -lt "$next" ]; then
		sleep 1
		continue
	fi
	next=$((next + every))
	rss=$(awk '/^VmRSS:/ { print $2 }' "/proc/$rec/status" 2>/dev/null)
	[ -n "$rss" ] || break
	st=$(status)
	samples=$(printf '%s' "$st" | sed -n 's/.* s, \([0-9]*\) samples.*/\1/p')
	offcpu=$(printf '%s' "$st" | sed -n 's/.* \([0-9]*\) off-CPU events.*/\1/p')
	lost=$(printf '%s' "$st" | sed -n 's/.* \([0-9]*\) lost$/\1/p')
	kib=$(($(stat -c %s "$out/soak.hud") / 1024))
	printf '| %d | %d | %s | %s | %s | %d |\n' "$now" "$rss" "${samples:-?}" "${offcpu:-?}" \
		"${lost:-?}" "$kib"
	echo "$now $rss ${lost:-0}" >>"$out/samples"
done
wait "$scr"
rc=$?
elapsed=$(($(date +%s) - t0))

json=$("$build/hud-report" -i "$out/soak.hud" -f json --threads all 2>"$out/report.err")
report_rc=$?
file_lost=$(printf '%s' "$json" | jq -r '.lost // "?"' 2>/dev/null)
file_samples=$(printf '%s' "$json" | jq -r '.samples // "?"' 2>/dev/null)
printf '\n# hud-record exit %s after %s s; file %d KiB; hud-report exit %s: %s samples, %s lost\n' \
	"$rc" "$elapsed" $(($(stat -c %s "$out/soak.hud") / 1024)) "$report_rc" "$file_samples" \
	"$file_lost"
[ -s "$out/report.err" ] && sed 's/^/# hud-report: /' "$out/report.err"

verdict=0
read -r base_t base_rss growth last_rss peak_rss max_lost n < <(awk -v warm=60 '
	{ t[NR] = $1; r[NR] = $2; if ($3 > ml) ml = $3 }
	END {
		b = 0
		for (i = 1; i <= NR; i++) if (t[i] >= warm) { b = i; break }
		if (!b) b = (NR >= 2) ? 2 : 1
		peak = 0
		for (i = b; i <= NR; i++) if (r[i] > peak) peak = r[i]
		print t[b] + 0, r[b] + 0, peak - r[b], r[NR] + 0, peak, ml + 0, NR
	}' "$out/samples")
if [ "${n:-0}" -lt 2 ]; then
	echo "soak: FAIL: fewer than two samples (hud-record ended early?)"
	verdict=1
elif [ "$growth" -le "$slack_kb" ]; then
	echo "soak: memory flat: VmRSS ${base_rss} KiB at ${base_t} s, peak ${peak_rss} KiB, last ${last_rss} KiB (+${growth} KiB, limit +${slack_kb})"
else
	echo "soak: FAIL: memory grows: VmRSS ${base_rss} KiB at ${base_t} s, peak ${peak_rss} KiB (+${growth} KiB, limit +${slack_kb})"
	verdict=1
fi
if [ "$rc" = 0 ] && [ "$report_rc" = 0 ] && [ "${max_lost:-1}" = 0 ] && [ "$file_lost" = 0 ]; then
	echo "soak: 0 events lost"
else
	echo "soak: FAIL: lost ${max_lost:-?} (status) / ${file_lost} (file); hud-record exit $rc, hud-report exit $report_rc"
	verdict=1
fi
[ "$verdict" = 0 ] && echo "soak: PASS" || echo "soak: FAIL"
exit "$verdict"
