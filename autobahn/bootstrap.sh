#!/usr/bin/env bash
# Installs wstest (crossbario's autobahntestsuite) with a private Python 2.7 into the cache
# directory, for machines with neither Docker nor Python 2, and prints the path of the
# wstest command on stdout. Everything else goes to stderr.
#
# wstest runs on Python 2.7 only. Debian bullseye still ships it, so the packages listed in
# debian-packages.txt are downloaded with apt-get under a private sources list, lists and
# cache (the machine's own apt state is never touched), unpacked with dpkg -x, and run with
# PYTHONHOME and LD_LIBRARY_PATH pointing at them. pip then installs the hash-pinned
# requirements files from PyPI.
#
# The install is keyed by a hash of this script and its pin files, built in a temporary
# directory and renamed into place only when complete: an interrupted run leaves nothing a
# later run trusts, and a finished install is reused offline.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
cache=${BRONCO_CACHE:-$HOME/.cache/bronco}/autobahn
pins=("$here/bootstrap.sh" "$here/debian-packages.txt" "$here/requirements-build.txt" "$here/requirements.txt")
key=$(cat "${pins[@]}" | sha256sum | cut -c1-16)
final=$cache/wstest-$key

log() { echo "bootstrap: $*" >&2; }

if [ -x "$final/bin/wstest" ]; then
	log "using $final (built $(cat "$final/built-at" 2>/dev/null || echo '?'))"
	echo "$final/bin/wstest"
	exit 0
fi

# The pinned wheels are x86_64 builds, and the Python comes from Debian packages.
if [ "$(uname -m)" != x86_64 ]; then
	log "the local bootstrap supports x86_64 only (this is $(uname -m)); run with Docker instead"
	exit 1
fi
for tool in apt-get dpkg cc sha256sum; do
	if ! command -v "$tool" >/dev/null; then
		log "needs $tool, which this machine lacks; run with Docker instead"
		exit 1
	fi
done

# The same Debian mirror the machine's own apt sources use, so a machine whose network
# reaches only its configured mirror can still bootstrap. DEBIAN_MIRROR overrides.
debian_mirror() {
	local uri
	uri=$(cat /etc/apt/sources.list /etc/apt/sources.list.d/*.list /etc/apt/sources.list.d/*.sources 2>/dev/null |
		grep -vE '^\s*#' | grep -oE '(https?|ftp)://[^ ]+/debian/?( |$)' | grep -v -- '-security' | awk 'NR == 1' | tr -d ' ')
	echo "${uri:-http://deb.debian.org/debian}"
}

mkdir -p "$cache"
# Leftovers of runs that were killed before their rename; a live build is never this old.
find "$cache" -maxdepth 1 -name '.partial-*' -mmin +120 -exec rm -rf {} + 2>/dev/null || true
tmp=$(mktemp -d "$cache/.partial-$key.XXXXXX")
chmod 755 "$tmp" # mktemp makes it private; the finished install is for every user
trap 'rm -rf "$tmp"' EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
# stderr goes through tee below; when a Ctrl-C kills tee too, bash's own "Terminated" notice
# must not kill bash with SIGPIPE before the EXIT trap has removed the partial install.
trap '' PIPE
started=$(date +%s)
log "building wstest into $final (log: $final/bootstrap.log)"
exec 3>&2 2> >(tee "$tmp/bootstrap.log" >&3)

# --- Python 2.7 from Debian bullseye -------------------------------------------------------
mirror=${DEBIAN_MIRROR:-$(debian_mirror)}
keyring=/usr/share/keyrings/debian-archive-keyring.gpg
if [ -r "$keyring" ]; then
	trust="signed-by=$keyring"
else
	log "WARNING: $keyring missing; bullseye's Release file is NOT signature-checked"
	trust="trusted=yes"
fi
mkdir -p "$tmp/apt/lists/partial" "$tmp/apt/cache/archives/partial" "$tmp/apt/parts" "$tmp/debs"
echo "deb [$trust] $mirror bullseye main" >"$tmp/apt/sources.list"
: >"$tmp/apt/status"
apt_opts=(
	-o "Dir::Etc::SourceList=$tmp/apt/sources.list"
	-o "Dir::Etc::SourceParts=$tmp/apt/parts"
	-o "Dir::State::Lists=$tmp/apt/lists"
	-o "Dir::State::status=$tmp/apt/status"
	-o "Dir::Cache=$tmp/apt/cache"
	-o "Debug::NoLocking=1"
	-o "APT::Sandbox::User=root"
)
log "apt-get update: $mirror bullseye main (private lists)"
apt-get "${apt_opts[@]}" update >&2
mapfile -t debs < <(grep -vE '^\s*(#|$)' "$here/debian-packages.txt")
log "apt-get download: ${debs[*]}"
(cd "$tmp/debs" && apt-get "${apt_opts[@]}" download "${debs[@]}" >&2)
py=$tmp/python
for deb in "$tmp/debs"/*.deb; do
	dpkg -x "$deb" "$py"
done
rm -rf "$tmp/apt" "$tmp/debs"

# The wrappers set PYTHONHOME and LD_LIBRARY_PATH for the private Python alone: exported,
# they would break every other Python on the machine.
mkdir -p "$tmp/bin"
for cmd in python wstest; do
	{
		echo '#!/bin/sh'
		echo '# Runs the private Python 2.7 that bootstrap.sh unpacked beside this script.'
		echo 'root=$(cd "$(dirname "$0")/.." && pwd)'
		echo 'exec env -u PYTHONPATH -u PYTHONSTARTUP PYTHONNOUSERSITE=1 PYTHONHOME="$root/python/usr" \'
		echo '	LD_LIBRARY_PATH="$root/python/usr/lib/x86_64-linux-gnu${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}" \'
		if [ "$cmd" = wstest ]; then
			echo '	"$root/python/usr/bin/python2.7" -m autobahntestsuite.wstest "$@"'
		else
			echo '	"$root/python/usr/bin/python2.7" "$@"'
		fi
	} >"$tmp/bin/$cmd"
	chmod +x "$tmp/bin/$cmd"
done
log "$("$tmp/bin/python" -c 'import sys, ssl; print("Python %s, %s" % (sys.version.split()[0], ssl.OPENSSL_VERSION))' 2>&1)"

# --- wstest from PyPI ----------------------------------------------------------------------
site=$py/usr/lib/python2.7/dist-packages
# pip 20.3.4 trusts its own 2020 CA bundle unless told otherwise; prefer the system's.
if [ -z "${PIP_CERT:-}" ] && [ -r /etc/ssl/certs/ca-certificates.crt ]; then
	export PIP_CERT=/etc/ssl/certs/ca-certificates.crt
fi
pip_opts=(--disable-pip-version-check --no-cache-dir --no-warn-script-location --progress-bar off
	--require-hashes --no-deps --target "$site")
# Debian's pip wheel runs straight from its zip; it installs the real pip, whose build
# machinery (unlike the zipped one's) can build the sdists that follow.
log "pip install: $(grep -oE '^[A-Za-z0-9_.-]+==[^ ]+' "$here/requirements-build.txt" | tr '\n' ' ')"
"$tmp/bin/python" "$py/usr/share/python-wheels/pip-20.3.4-py2.py3-none-any.whl/pip" install \
	"${pip_opts[@]}" -r "$here/requirements-build.txt" >&2
# wsaccel and ujson compile against the unpacked headers; Debian's sysconfig points at
# /usr/include, which has no Python 2 headers here. Build isolation is off because the
# build tools are already installed from hashed pins above.
log "pip install: $(grep -oE '^[A-Za-z0-9_.-]+==[^ ]+' "$here/requirements.txt" | tr '\n' ' ')"
CFLAGS="-I$py/usr/include/python2.7 -I$py/usr/include" LDFLAGS="-L$py/usr/lib/x86_64-linux-gnu" \
	"$tmp/bin/python" -m pip install "${pip_opts[@]}" --no-build-isolation -r "$here/requirements.txt" >&2

# --- check, record, publish ----------------------------------------------------------------
"$tmp/bin/python" -c 'import wsaccel.utf8validator, wsaccel.xormask, ujson, twisted, autobahn' >&2
"$tmp/bin/wstest" --autobahnversion >"$tmp/versions.txt"
"$tmp/bin/python" -c 'import sys, ssl; print("Python %s, %s" % (sys.version.split()[0], ssl.OPENSSL_VERSION))' >>"$tmp/versions.txt"
"$tmp/bin/python" -m pip list --format=freeze --path "$site" >>"$tmp/versions.txt" 2>/dev/null
date -u +%Y-%m-%dT%H:%M:%SZ >"$tmp/built-at"
log "built in $(($(date +%s) - started)) s: $(head -n2 "$tmp/versions.txt" | tr '\n' ' ')"

exec 2>&3 3>&-
if ! mv -T "$tmp" "$final" 2>/dev/null; then
	# Another run finished the same install first; theirs is as good as ours.
	[ -x "$final/bin/wstest" ] || { log "could not move the install to $final"; exit 1; }
fi
trap - EXIT
echo "$final/bin/wstest"
