#!/usr/bin/env bash
# SPDX-License-Identifier: MIT OR Apache-2.0
# make demo: start the bundled Tokio demo service, record it for 5 s, print the report.
set -euo pipefail
build=${HUD_BUILD:-build}
[ "$(id -u)" = 0 ] || { echo "demo: error: hud-record needs root: run 'sudo make demo'" >&2; exit 1; }
out=$(mktemp -d /tmp/hud-demo.XXXXXX)
"$build/fixtures/hud-fixture" --workers 2 >"$out/fixture.log" 2>&1 &
pid=$!
trap 'kill $pid 2>/dev/null; wait $pid 2>/dev/null || true; rm -rf "$out"' EXIT
sleep 0.5
echo "demo: recording the demo service (pid $pid) for 5 seconds..."
"$build/hud-record" -p "$pid" -o "$out/demo.hud" --duration 5
echo
"$build/hud-report" -i "$out/demo.hud" --stacks 1 --max-frames 8
