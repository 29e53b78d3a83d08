#!/usr/bin/env bash
# Sets up a Debian or Ubuntu machine for xcross: podman (rootless-capable), qemu-user, debootstrap,
# and, where no registry can be reached, the offline Debian base (scripts/make-offline-base.sh).
# With --e2e-user NAME it also prepares that non-root user for rootless podman (the end-to-end tests
# run as it). Re-running is harmless. Runs itself through sudo when not root.
#
# With --docker it also installs Debian's docker.io and starts a private dockerd for that user (the
# docker runtime's tests).
#
# For the image cache's tests (--e2e-user): Debian's docker-registry and htpasswd (the tests start
# their own registry), a second rootless user NAME-peer that NAME may act as through sudo (an empty
# image store on the same machine), docker's certs.d folder for the tests' registry port, and a
# small filesystem (16 MB) for the "disk full" cases. For the ssh tests: NAME-remote, a rootless user
# with a 0700 home that plays the engine on another machine (scripts/setup-ssh-remote.sh). Debian's Rust
# crates of openssl-sys in /var/cache/xcross/debian-crates (scripts/debian-crates.sh).
#
#   scripts/setup-host.sh [--e2e-user NAME] [--docker]
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
# Fedora, RHEL, Arch and the like need no script: podman and Node are all xcross wants there.
if ! command -v apt-get >/dev/null; then
  name=$( (. /etc/os-release && echo "$PRETTY_NAME") 2>/dev/null || echo "this system")
  echo "setup-host: this script sets up Debian and Ubuntu (apt-get), not $name." >&2
  echo "setup-host: xcross needs only podman and Node 20+ here: sudo dnf install podman nodejs npm (Fedora), sudo pacman -S podman nodejs npm (Arch); see the README" >&2
  exit 1
fi
if [ "$(id -u)" != 0 ]; then exec sudo -- "$0" "$@"; fi

e2e_user=""
docker=false
while [ $# -gt 0 ]; do
  case "$1" in
    --e2e-user) e2e_user=$2; shift 2 ;;
    --docker) docker=true; shift ;;
    -h|--help) sed -n '2,8p' "$0"; exit 0 ;;
    *) echo "setup-host: unknown argument '$1' (see --help)" >&2; exit 2 ;;
  esac
done

packages=(podman runc catatonit uidmap slirp4netns qemu-user-static debootstrap)
# The ssh tests: sshd and a second rootless user. The compile cache's tests: Debian's redis-server
# (started by the tests themselves) and regex's sources (librust-regex-dev, and the aho-corasick and memchr its default features use,
# which it only recommends: test/fixtures/regex-tree
# builds from /usr/share/cargo/registry).
[ -n "$e2e_user" ] && packages+=(docker-registry apache2-utils sudo openssl openssh-server openssh-client redis-server librust-regex-dev librust-aho-corasick-dev librust-memchr-dev)
$docker && packages+=(docker.io)
missing=()
for p in "${packages[@]}"; do dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'ok installed' || missing+=("$p"); done
if [ ${#missing[@]} -gt 0 ]; then
  echo "setup-host: installing ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  for try in 1 2 3; do
    apt-get update -q >/dev/null && apt-get install -y -q --no-install-recommends "${missing[@]}" >/tmp/xcross-setup-apt.log 2>&1 && break
    [ "$try" = 3 ] && { tail -20 /tmp/xcross-setup-apt.log >&2; echo "setup-host: apt-get failed" >&2; exit 1; }
    echo "setup-host: apt-get failed (try $try), retrying" >&2; sleep 10
  done
fi
echo "setup-host: $(podman --version), $(qemu-aarch64-static --version | head -1)"

# The base image: a registry's when one answers, else made offline from the Debian mirror.
base=$(sed -n 's/^registry *= *"\(.*\)"/\1/p' "$here/../images/targets.toml" | head -1)
offline=$(sed -n 's/^offline *= *"\(.*\)"/\1/p' "$here/../images/targets.toml" | head -1)
tarball=$(sed -n 's/^offline-tarball *= *"\(.*\)"/\1/p' "$here/../images/targets.toml" | head -1)
if podman image exists "$base" || podman pull -q "$base" >/dev/null 2>&1; then
  echo "setup-host: $base is available"
elif podman image exists "$offline" && [ -s "$tarball" ]; then
  echo "setup-host: the offline base $offline is available"
else
  echo "setup-host: cannot pull $base: making the offline base"
  "$here/make-offline-base.sh" --import
fi

if [ -n "$e2e_user" ]; then
  "$here/setup-rootless-user.sh" "$e2e_user"
  # A Debian 11 userland, where the tests run what xcross built for the glibc 2.31 floor.
  "$here/make-offline-base.sh" --suite bullseye --user "$e2e_user"
  if $docker; then "$here/start-private-dockerd.sh" "$e2e_user" >/dev/null; fi
  "$here/setup-cache-peer.sh" "$e2e_user"
  "$here/setup-ssh-remote.sh" "$e2e_user"
  # openssl-sys and its build dependencies for the OpenSSL tests (test/fixtures/ssl-sys): no crates.io here.
  "$here/debian-crates.sh" /var/cache/xcross/debian-crates openssl-sys cc libc pkg-config vcpkg autocfg
fi
