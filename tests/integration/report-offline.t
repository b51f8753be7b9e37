#!/usr/bin/env bash
# SPDX-License-Identifier: MIT OR Apache-2.0
# Symbolizing elsewhere: the binary moved away and found again with --symfs or
# --debug-dir (hud-record --archive), and a rebuilt binary at the recorded path refused.
set -u
here=$(cd "$(dirname "$0")" && pwd)
. "$here/../lib/tap.sh"
. "$here/fixture.sh"
require_root_and_build

# The binary will be moved and replaced.
use_private_fixture
start_fixture --only cpu,sleep || { ok 1 "fixture starts"; done_testing; }
"$HUD_RECORD" -p "$fixture_pid" -o "$tmpdir/r.hud" --duration 2 --archive "$tmpdir/arch" \
	2>/dev/null
ok $? "record with --archive"
kill "$fixture_pid"
wait "$fixture_pid" 2>/dev/null
# HOME is empty: ~/.debug (perf's build-id cache, searched by default) must not help.
mkdir -p "$tmpdir/home"
report() { HOME=$tmpdir/home "$HUD_REPORT" -i "$tmpdir/r.hud" --no-color "$@" 2>/dev/null; }
want=$(report)
like "$want" "hud_fixture::cpu_hog" "the report names the blockers with the binary in place"

# Elsewhere: the binary is gone from its recorded path.
mkdir -p "$tmpdir/symfs$tmpdir/bin"
mv "$tmpdir/bin/hud-fixture" "$tmpdir/symfs$tmpdir/bin/hud-fixture"
got=$(report)
unlike "$got" "hud_fixture::cpu_hog" "without the binary, no fixture function is named"
like "$got" "\[unknown\] hud-fixture\+0x[0-9a-f]+" "its frames print as [unknown] dso+0xoffset"
like "$got" "unresolved: $tmpdir/bin/hud-fixture: no binary: .*--symfs DIR or --debug-dir DIR" \
	"the header names the binary, the reason and the fix"
is "$(report --symfs "$tmpdir/symfs")" "$want" "--symfs DIR gives the identical report"
is "$(report --debug-dir "$tmpdir/arch")" "$want" \
	"--debug-dir with hud-record --archive's directory gives the identical report"

# A rebuilt binary (another build-id) at the recorded path is refused, not used.
cp "$tmpdir/symfs$tmpdir/bin/hud-fixture" "$tmpdir/bin/hud-fixture"
off=$(readelf -SW "$tmpdir/bin/hud-fixture" |
	awk '{ for (i = 1; i < NF; i++) if ($i == ".note.gnu.build-id") print $(i + 3) }')
printf '\xff\xee' | dd of="$tmpdir/bin/hud-fixture" bs=1 seek=$((0x$off + 16)) conv=notrunc \
	2>/dev/null
got=$(report)
unlike "$got" "hud_fixture::cpu_hog" "a binary with another build-id is not used"
like "$got" "unresolved: $tmpdir/bin/hud-fixture: build-id mismatch" "... and the header says why"
is "$(report --debug-dir "$tmpdir/arch")" "$want" "--debug-dir still finds the recorded build"

# Presentation options that change names.
like "$(report --debug-dir "$tmpdir/arch" --no-demangle)" "_ZN11hud_fixture7cpu_hog17h[0-9a-f]{16}E" \
	"--no-demangle shows raw symbols"
like "$(report --debug-dir "$tmpdir/arch" --user tokio --threads all)" "> tokio::" \
	"--user makes a crate count as the program's own code"

done_testing
