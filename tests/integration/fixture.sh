# SPDX-License-Identifier: MIT OR Apache-2.0
# Helpers for integration tests that record the Tokio fixture. Source after tap.sh.

fixture_pids=()
tmpdir=$(mktemp -d /tmp/hud-test.XXXXXX)
cleanup_fixtures() {
	local p
	for p in "${fixture_pids[@]}"; do kill "$p" 2>/dev/null; done
	wait 2>/dev/null
	rm -rf "$tmpdir"
}
trap cleanup_fixtures EXIT

# start_fixture ARGS... : start hud-fixture in the background, set $fixture_pid once it runs.
start_fixture() {
	local out=$tmpdir/fixture.$RANDOM.out i
	"$HUD_FIXTURE" "$@" >"$out" 2>&1 &
	fixture_pid=$!
	fixture_pids+=("$fixture_pid")
	for i in $(seq 100); do
		grep -q "pid=" "$out" 2>/dev/null && return 0
		sleep 0.05
	done
	diag "fixture did not start:"; sed 's/^/#   /' "$out"
	return 1
}

# Run a private copy of the fixture from now on ($tmpdir/bin/hud-fixture), which a test
# may move, replace or delete.
use_private_fixture() {
	mkdir -p "$tmpdir/bin"
	cp "$HUD_FIXTURE" "$tmpdir/bin/hud-fixture"
	HUD_FIXTURE=$tmpdir/bin/hud-fixture
}

require_root_and_build() {
	[ "$(id -u)" = 0 ] || skip_all "needs root for BPF"
	[ -x "$HUD_RECORD" ] && [ -x "$HUD_REPORT" ] || skip_all "tools not built (run make)"
	[ -x "$HUD_FIXTURE" ] || skip_all "fixture not built (run make fixture)"
}

# section TEXT TITLE_PREFIX : the hotspot rows of one table of a text report.
section() {
	printf '%s\n' "$1" | awk -v t="$2" '
		index($0, t) == 1 { on = 1; next }
		on && /^$/ { exit }
		on && /^  +[0-9]+ +[0-9.]+ +[0-9.]+% +[0-9]+  / { print }'
}

# row_field ROWS FUNCTION FIELD : field (1 count, 2 total ms, 3 share, 4 threads) of
# FUNCTION's row.
row_field() {
	printf '%s\n' "$1" | awk -v f="$2" -v n="$3" '$5 == f { print $n; exit }'
}

# top_function ROWS : the function of the first row.
top_function() {
	printf '%s\n' "$1" | head -1 | awk '{ print $5 }'
}
