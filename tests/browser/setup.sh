#!/usr/bin/env bash
# SPDX-License-Identifier: MIT OR Apache-2.0
# Installs what tests/browser/consume.mjs needs, only when missing: Debian's chromium
# (apt-get, non-interactive; as root) and the npm packages pinned by package-lock.json
# (npm ci, when node_modules is missing or older than the lock file). Safe to run again.
set -eu
here=$(cd "$(dirname "$0")" && pwd)

if [ ! -x /usr/bin/chromium ]; then
	if [ "$(id -u)" != 0 ]; then
		echo "error: chromium missing: run 'apt-get install chromium' (or this script) as root" >&2
		exit 1
	fi
	echo "browser-deps: installing chromium"
	export DEBIAN_FRONTEND=noninteractive
	apt-get update -qq
	apt-get install -y -qq chromium >/dev/null
fi

command -v node >/dev/null 2>&1 || {
	echo "error: node missing: install Node.js 20 or later (playwright-core needs it)" >&2
	exit 1
}
major=$(node -p 'process.versions.node.split(".")[0]')
[ "$major" -ge 20 ] || {
	echo "error: node $(node --version) is too old: playwright-core needs Node.js 20 or later" >&2
	exit 1
}
command -v npm >/dev/null 2>&1 || {
	echo "error: npm missing: install npm (Debian: apt-get install npm)" >&2
	exit 1
}

# npm ci leaves node_modules/.package-lock.json behind; it is newer than the lock file
# once the install is complete.
stamp=$here/node_modules/.package-lock.json
if [ ! -f "$stamp" ] || [ "$here/package-lock.json" -nt "$stamp" ] || [ "$here/package.json" -nt "$stamp" ]; then
	echo "browser-deps: npm ci in tests/browser"
	(cd "$here" && npm ci --no-audit --no-fund --loglevel=error >/dev/null)
	touch "$stamp"
fi
