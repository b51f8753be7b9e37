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

# Every recording the test left in $tmpdir: each thread's time budget adds up to 100 %
# +- 2 % (its off-CPU estimates never exceed the time it was watched). One test point,
# run by done_testing; recordings without a budget (older format) are passed over.
check_budgets() {
	local f j rc n=0 bad=()
	command -v jq >/dev/null || return 0
	while IFS= read -r f; do
		j=$("$HUD_REPORT" -i "$f" -f json --threads all 2>/dev/null)
		rc=$?
		[ "$rc" = 0 ] || [ "$rc" = 4 ] || continue
		printf '%s' "$j" | jq -e '.budget != null' >/dev/null 2>&1 || continue
		n=$((n + 1))
		printf '%s' "$j" | jq -e '[.budget.threads[] | (.cpu + .blocked + .preempted +
			.runqueue + .idle + .unaccounted) | select(. < 0.98 or . > 1.02)] |
			length == 0' >/dev/null || bad+=("${f#"$tmpdir"/}")
	done < <(find "$tmpdir" -name '*.hud*' -type f -size +0 2>/dev/null | sort)
	[ "$n" = 0 ] && return 0
	for f in "${bad[@]}"; do
		diag "budget of $f:"
		"$HUD_REPORT" -i "$tmpdir/$f" -f json --threads all 2>/dev/null | jq -c '.budget.threads[] |
			select((.cpu + .blocked + .preempted + .runqueue + .idle + .unaccounted) as $s |
			$s < 0.98 or $s > 1.02)' 2>/dev/null | head -3 | sed 's/^/#   /' >&2
	done
	is "${bad[*]:-}" "" "the time budgets of all $n recordings add up to 100% +- 2%"
}
tap_before_done=check_budgets

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
