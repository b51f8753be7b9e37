#!/usr/bin/env bash
# SPDX-License-Identifier: MIT OR Apache-2.0
# Command-line contract of hud-record, hud-report and hud-diff: bad input gets one clear line and
# the documented exit code; every option in --help is documented in the README.
set -u
here=$(cd "$(dirname "$0")" && pwd)
. "$here/../lib/tap.sh"
[ -x "$HUD_RECORD" ] && [ -x "$HUD_REPORT" ] && [ -x "$HUD_DIFF" ] || skip_all "tools not built (run make)"
tmp=$(mktemp -d /tmp/hud-cli.XXXXXX)
trap 'rm -rf "$tmp"' EXIT

expect() { # CODE REGEX DESC -- CMD...
	local code=$1 re=$2 desc=$3 out rc
	shift 4
	out=$("$@" 2>&1 >/dev/null)
	rc=$?
	is "$rc" "$code" "$desc: exit $code"
	like "$out" "$re" "$desc: message"
	is "$(printf '%s\n' "$out" | grep -c .)" 1 "$desc: one line"
}

expect 2 "invalid frequency 'abc'" "record: bad -F" -- "$HUD_RECORD" -F abc -p 1
expect 2 "no target" "record: no target" -- "$HUD_RECORD"
expect 2 "invalid call graph 'lbr'" "record: bad -g" -- "$HUD_RECORD" -g lbr -p 1
expect 2 "invalid stack copy size '100'" "record: -g auto,SIZE too small" -- "$HUD_RECORD" -g auto,100 -p 1
expect 2 "invalid stack copy size '65536'" "record: -g dwarf,SIZE too large" -- "$HUD_RECORD" -g dwarf,65536 -p 1
expect 2 "not both" "record: pid and name" -- "$HUD_RECORD" -p 1 init
expect 2 "invalid ring size" "record: ring size not a power of two" -- "$HUD_RECORD" --ring-size 5000 -p 1
expect 3 "no process with pid 999999999|invalid pid" "record: no such pid" -- "$HUD_RECORD" -p 999999999
expect 3 "no process named 'no-such-process-hud'" "record: no such name" -- "$HUD_RECORD" no-such-process-hud

expect 3 "no such file" "report: missing input" -- "$HUD_REPORT" -i "$tmp/missing.hud"
printf 'this is not a hud file, just text\n' >"$tmp/text.hud"
expect 3 "not a hud file" "report: foreign file" -- "$HUD_REPORT" -i "$tmp/text.hud"
expect 2 "invalid --top" "report: bad --top" -- "$HUD_REPORT" --top -3
expect 2 "unexpected argument" "report: stray argument" -- "$HUD_REPORT" foo.hud
cp "$here/../golden/synth.hud" "$tmp/in.hud"
# A json summary may begin with any amount of white space, as JSON allows.
"$HUD_REPORT" -i "$tmp/in.hud" --symfs "$tmp" -f json -o "$tmp/s.json" 2>/dev/null
{ printf '%20s\n\n' ''; cat "$tmp/s.json"; } >"$tmp/ws.json"
"$HUD_DIFF" "$tmp/ws.json" "$tmp/in.hud" --symfs "$tmp" >/dev/null 2>&1
ok $? "diff: a json summary that starts with 22 bytes of white space is read"
expect 2 "-o $tmp/in.hud is an input: write the report to another file" "report: -o onto an input" -- \
	"$HUD_REPORT" -i "$tmp/in.hud" -o "$tmp/in.hud"
cmp -s "$here/../golden/synth.hud" "$tmp/in.hud"
ok $? "... and the input is untouched"
expect 2 "-o $tmp/in.hud is an input: write the comparison to another file" "diff: -o onto an input" -- \
	"$HUD_DIFF" "$tmp/in.hud" "$here/../golden/synth.hud" -o "$tmp/in.hud"
expect 2 "--time and --window exclude each other" "report: --time START, with --window" -- \
	"$HUD_REPORT" -i x.hud --time 2, --window 2
expect 2 "--time and --window exclude each other" "diff: --time START, with --window" -- \
	"$HUD_DIFF" a.hud b.hud --time 2, --window 2

expect 2 "two inputs needed" "diff: one input" -- "$HUD_DIFF" a.hud
expect 2 "no such file" "diff: missing input" -- "$HUD_DIFF" "$tmp/a.hud" "$tmp/b.hud"
expect 2 "neither a hud recording nor a hud-report json summary" "diff: foreign file" -- \
	"$HUD_DIFF" "$tmp/text.hud" "$tmp/text.hud"
expect 2 "unknown format 'html'" "diff: bad format" -- "$HUD_DIFF" -f html a b
expect 2 "--fail-if 'blocked': no value at the end" "diff: gate without comparison" -- \
	"$HUD_DIFF" --fail-if blocked a b

# Every long option shown by --help is documented in the README, and vice versa for usage.
readme=$(cat "$here/../../README.md")
for tool in "$HUD_RECORD" "$HUD_REPORT" "$HUD_DIFF" "$HUD_BUILD/hud-top"; do
	"$tool" --help >"$tmp/help" 2>&1
	ok $? "$(basename "$tool") --help exits 0"
	like "$(cat "$tmp/help")" "^Examples:" "$(basename "$tool") --help ends with examples"
	for opt in $(grep -oE -- '--[a-z][a-z-]+' "$tmp/help" | sort -u); do
		case "$readme" in
		*"$opt"*) ok 0 "$(basename "$tool") $opt is documented in README.md" ;;
		*) ok 1 "$(basename "$tool") $opt is documented in README.md" ;;
		esac
	done
done

if [ "$(id -u)" = 0 ] && command -v setpriv >/dev/null; then
	sleep 30 &
	victim=$!
	out=$(setpriv --reuid=65534 --regid=65534 --clear-groups "$HUD_RECORD" -p "$victim" -o "$tmp/x.hud" --duration 1 2>&1 >/dev/null)
	rc=$?
	kill "$victim" 2>/dev/null
	is "$rc" 4 "record as nobody: exit 4 (insufficient privileges)"
	like "$out" "run hud-record as root" "record as nobody: says how to fix it"
fi

done_testing
