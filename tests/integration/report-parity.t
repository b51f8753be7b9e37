#!/usr/bin/env bash
# SPDX-License-Identifier: MIT OR Apache-2.0
# Symbolization parity: every unique fixture address of real recordings (at least 1000),
# symbolized by hud-report, must give the same function names, inlined frames included,
# as binutils' addr2line -f -i -C.
set -u
here=$(cd "$(dirname "$0")" && pwd)
. "$here/../lib/tap.sh"
. "$here/fixture.sh"
require_root_and_build
command -v addr2line >/dev/null || skip_all "addr2line missing (binutils)"
command -v jq >/dev/null || skip_all "jq missing (make deps installs it)"

# Several workloads at a high rate, for many distinct addresses. A loaded machine (CI under
# ASan) samples less: then the workloads run a second round, until 1000 addresses are seen.
files=()
record_round() {
	local args f
	for args in "--bench switch" "--bench cpu" "" "--only pool,fsync,mutex --current-thread" \
		"--workers 3 --thread-name par" "--bench switch --current-thread" \
		"--bench cpu --current-thread" "--only fsync,mutex,sleep --workers 4"; do
		# shellcheck disable=SC2086
		start_fixture $args || return 1
		f=$tmpdir/p$((${#files[@]})).hud
		"$HUD_RECORD" -p "$fixture_pid" -o "$f" --duration 4 -F 20000 --ring-size 67108864 \
			2>/dev/null || diag "recording $args failed"
		kill "$fixture_pid"
		files+=(-i "$f")
	done
}

# One line per unique address: offset, return address?, and hud's inline chain. Frames
# inferred from call sites stand for no address of the stack: they are left out.
unique_addresses() {
	"$HUD_REPORT" "${files[@]}" -f json --threads all --stacks 1000 --max-frames 1000 2>/dev/null |
		jq -r --arg bin "$HUD_FIXTURE" '
		[.hotspots[].stacks[].frames | map(select(.inferred | not)) |
		 reduce .[] as $f ([];
			("\($f.dso)|\($f.offset)|\($f.return_address)") as $k |
			if length > 0 and .[-1].k == $k and .[-1].more then
				.[-1].fn += [$f.function] | .[-1].more = $f.inlined
			else
				. + [{k: $k, fn: [$f.function], more: $f.inlined, dso: $f.dso,
				      off: $f.offset, ret: $f.return_address, sym: $f.symbolized}]
			end) | .[]] |
		unique_by(.k) | .[] | select(.sym and .dso == $bin) |
		"\(.off)\t\(.ret)\t\(.fn | join("|"))"' >"$tmpdir/hud.tsv"
	wc -l <"$tmpdir/hud.tsv"
}
for round in 1 2 3; do
	record_round || { ok 1 "fixture starts"; done_testing; }
	n=$(unique_addresses)
	[ "$n" -ge 1000 ] && break
	diag "round $round: $n unique addresses, recording another round"
done
ok "$([ "$n" -ge 1000 ] && echo 0 || echo 1)" "at least 1000 unique fixture addresses ($n)"

# File offset -> virtual address through the PT_LOAD headers; callers at the call (-1).
readelf -lW "$HUD_FIXTURE" | awk '$1 == "LOAD" { print $2, $3, $5 }' >"$tmpdir/load"
while IFS=$'\t' read -r off ret _; do
	v=-1
	while read -r poff pva psz; do
		if ((off >= poff && off < poff + psz)); then
			v=$((off - poff + pva))
			break
		fi
	done <"$tmpdir/load"
	[ "$ret" = true ] && v=$((v - 1))
	printf '0x%x\n' "$v"
done <"$tmpdir/hud.tsv" >"$tmpdir/addrs"
addr2line -a -f -i -C -e "$HUD_FIXTURE" $(cat "$tmpdir/addrs") |
	awk '/^0x[0-9a-f]+$/ { if (NR > 1) print s; s = ""; fn = 1; next }
	     fn { sub(/::h[0-9a-f]{16}$/, ""); s = s == "" ? $0 : s "|" $0; fn = 0; next }
	     { fn = 1 }
	     END { print s }' >"$tmpdir/a2l"

paste "$tmpdir/hud.tsv" "$tmpdir/a2l" | awk -F'\t' '$3 != $4' >"$tmpdir/diff"
same=$((n - $(wc -l <"$tmpdir/diff")))
is "$same" "$n" "function names and inline chains equal addr2line -f -i -C ($same of $n)"
head -5 "$tmpdir/diff" | sed 's/^/# /'

done_testing
