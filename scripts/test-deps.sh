#!/usr/bin/env bash
# Installs the Debian packages Slipway's tests use, when missing (run by `npm test` as its pretest
# step, so a fresh machine needs nothing done by hand). Subsystems add their packages to NEEDED.
set -euo pipefail

# command -> Debian package
declare -A NEEDED=(
  [prometheus]=prometheus
  [git]=git
  [haproxy]=haproxy
  [chromium]=chromium
  # `ip netns`: network namespaces stand in for other hosts (runners, data planes)
  [ip]=iproute2
)

missing=()
for cmd in "${!NEEDED[@]}"; do
  command -v "$cmd" >/dev/null 2>&1 || missing+=("${NEEDED[$cmd]}")
done
[ ${#missing[@]} -eq 0 ] && exit 0

if [ "$(id -u)" != 0 ]; then
  echo "test-deps: these Debian packages are needed: ${missing[*]} (run as root, or install them)" >&2
  exit 1
fi
echo "test-deps: installing ${missing[*]}" >&2
apt-get update -qq
DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
