#!/usr/bin/env bash
# Installs what the interop suite needs on a fresh machine, each pinned: Debian's chromium,
# node's ws and playwright-core from node/package-lock.json, Python's websockets into a private
# venv from python/requirements.txt. The Go peers come with `go test` through go.mod. Every
# step is skipped when what it installs is already there at the pinned version.
set -euo pipefail
cd "$(dirname "$0")"

# Chromium: Debian's package, at the version the suite was last checked with. Debian drops a
# version from its mirror when a security update replaces it; then the newer one is installed
# with a warning rather than no browser at all, and the summary names the version that ran.
chromium_version=156.0.8078.114-1~deb12u1
if ! command -v chromium >/dev/null 2>&1; then
	echo "interop: installing Debian's chromium $chromium_version"
	export DEBIAN_FRONTEND=noninteractive
	sudo=""; [ "$(id -u)" = 0 ] || sudo="sudo"
	timeout 300 $sudo apt-get update -qq
	if ! timeout 600 $sudo apt-get install -y -qq --no-install-recommends \
		"chromium=$chromium_version" "chromium-common=$chromium_version" fonts-noto-color-emoji >/dev/null; then
		echo "interop: warning: chromium $chromium_version is no longer on the mirror; installing the current one"
		timeout 600 $sudo apt-get install -y -qq --no-install-recommends chromium fonts-noto-color-emoji >/dev/null
	fi
fi
chromium --version 2>/dev/null # its wrapper script complains on stderr about nothing

# node: npm ci installs exactly what package-lock.json names.
if ! node -e 'const p=require("./node/package-lock.json").packages;for(const n of ["ws","playwright-core"]){if(require("./node/node_modules/"+n+"/package.json").version!==p["node_modules/"+n].version)process.exit(1)}' 2>/dev/null; then
	echo "interop: npm ci"
	(cd node && timeout 300 npm ci --no-audit --no-fund --loglevel=error)
fi
echo "node $(node --version), ws $(node -p 'require("./node/node_modules/ws/package.json").version'), playwright-core $(node -p 'require("./node/node_modules/playwright-core/package.json").version')"

# Python: a venv of our own, so nothing touches the system's site-packages.
if ! .venv/bin/python -c 'import sys, websockets; sys.exit(websockets.__version__ != sys.argv[1])' \
	"$(sed -n 's/^websockets==//p' python/requirements.txt)" 2>/dev/null; then
	echo "interop: python venv"
	rm -rf .venv
	python3 -m venv .venv
	timeout 300 .venv/bin/pip install -q --disable-pip-version-check -r python/requirements.txt
fi
echo "$(.venv/bin/python --version), websockets $(.venv/bin/python -c 'import websockets; print(websockets.__version__)')"
