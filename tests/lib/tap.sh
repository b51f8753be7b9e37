# SPDX-License-Identifier: MIT OR Apache-2.0
# TAP helpers for the shell tests (run by prove). Source it, call the checks, end with done_testing.
#   ok COND_EXIT_CODE DESC    pass if the code is 0
#   is GOT WANT DESC          string equality
#   like TEXT REGEX DESC      extended-regex match
#   unlike TEXT REGEX DESC
#   skip REASON               one skipped test (a precondition this machine lacks)
#   skip_all REASON

tap_n=0
tap_failed=0

tap_result() { # status desc
	tap_n=$((tap_n + 1))
	if [ "$1" = 0 ]; then
		echo "ok $tap_n - $2"
	else
		echo "not ok $tap_n - $2"
		tap_failed=$((tap_failed + 1))
	fi
}

diag() { printf '# %s\n' "$@"; }

ok() { tap_result "$1" "$2"; }

skip() {
	tap_n=$((tap_n + 1))
	echo "ok $tap_n # skip $1"
}

is() {
	if [ "$1" = "$2" ]; then tap_result 0 "$3"; else
		tap_result 1 "$3"; diag "got:  '$1'" "want: '$2'"; fi
}

like() {
	if printf '%s\n' "$1" | grep -Eq -- "$2"; then tap_result 0 "$3"; else
		tap_result 1 "$3"; diag "no match for /$2/ in:"; printf '%s\n' "$1" | head -40 | sed 's/^/#   /'; fi
}

unlike() {
	if printf '%s\n' "$1" | grep -Eq -- "$2"; then
		tap_result 1 "$3"; diag "unexpected match for /$2/:"; printf '%s\n' "$1" | grep -E -- "$2" | head -5 | sed 's/^/#   /'
	else tap_result 0 "$3"; fi
}

skip_all() { echo "1..0 # SKIP $1"; exit 0; }

# A file of helpers may set tap_before_done to a function with checks of its own, run
# first by done_testing.
done_testing() {
	[ -z "${tap_before_done:-}" ] || "$tap_before_done"
	echo "1..$tap_n"
	[ "$tap_failed" = 0 ]
	exit $?
}

# The build directory (make check exports HUD_BUILD).
: "${HUD_BUILD:=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)/build}"
HUD_RECORD=$HUD_BUILD/hud-record
HUD_REPORT=$HUD_BUILD/hud-report
HUD_DIFF=$HUD_BUILD/hud-diff
HUD_FIXTURE=$HUD_BUILD/fixtures/hud-fixture
