#!/usr/bin/env bash
# Installs what the cluster example runs beside its nodes, each pinned to the version it was
# last checked with: Debian's haproxy (the load balancer) and redis-server (the pub/sub). A
# package already installed is left as it is. Nothing is started here: the example starts its
# own redis-server and haproxy on free loopback ports, and never uses a system service.
set -euo pipefail

haproxy_version=2.6.12-1+deb12u4
redis_version=5:7.0.15-1~deb12u10

missing=()
command -v haproxy >/dev/null 2>&1 || missing+=("haproxy=$haproxy_version")
command -v redis-server >/dev/null 2>&1 || missing+=("redis-server=$redis_version")

if [ ${#missing[@]} -gt 0 ]; then
	echo "cluster: installing Debian's ${missing[*]}"
	export DEBIAN_FRONTEND=noninteractive
	sudo=""; [ "$(id -u)" = 0 ] || sudo="sudo"
	# Both packages start a service on installation. Without systemd that may fail, or start
	# a redis-server on 6379 nobody asked for: a policy-rc.d that says no (101) keeps the
	# maintainer scripts from starting anything. Ours is removed afterwards; one already
	# there is left alone.
	policy=/usr/sbin/policy-rc.d
	if [ ! -e "$policy" ]; then
		printf '#!/bin/sh\nexit 101\n' | $sudo tee "$policy" >/dev/null
		$sudo chmod 755 "$policy"
		trap '$sudo rm -f "$policy"' EXIT
	fi
	timeout 300 $sudo apt-get update -qq
	# Debian drops a version from its mirror when a security update replaces it: then the
	# current one is installed with a warning rather than nothing, and the test's table
	# names the version that ran.
	if ! timeout 600 $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null; then
		echo "cluster: warning: ${missing[*]} no longer on the mirror; installing the current versions"
		timeout 600 $sudo apt-get install -y -qq --no-install-recommends "${missing[@]%%=*}" >/dev/null
	fi
fi
# awk reads to the end: head would close the pipe early and, under pipefail, haproxy's SIGPIPE
# (exit 141) would fail the script.
haproxy -v | awk 'NR == 1'
redis-server --version
