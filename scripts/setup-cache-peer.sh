#!/usr/bin/env bash
# What the image cache's end-to-end tests need beyond the test user NAME (run as root):
# - NAME-peer, a second rootless user with its own, empty image store, that NAME may run commands as
#   (sudo -u NAME-peer, no password): the tests push from NAME's store and pull into the peer's;
# - /etc/docker/certs.d/127.0.0.1:5443 writable by NAME: dockerd trusts the tests' registry CA there
#   (podman's certs.d is in the user's home and needs nothing from root);
# - /var/tmp/xcross-e2e-small, a 16 MB tmpfs owned by NAME, where an archive cannot fit;
# - /var/tmp/xcross-e2e-full, a 48 MB tmpfs owned by NAME, for an image store that fills up during a
#   build (the load tests' full disk; its own, so that it does not race the archive test for space).
#
#   sudo scripts/setup-cache-peer.sh NAME
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
user=${1:?usage: setup-cache-peer.sh NAME}
[ "$(id -u)" = 0 ] || { echo "setup-cache-peer: run it as root" >&2; exit 1; }
peer="$user-peer"
"$here/setup-rootless-user.sh" "$peer" >/dev/null
printf '%s ALL=(%s) NOPASSWD: ALL\n' "$user" "$peer" >"/etc/sudoers.d/xcross-peer-$user"
chmod 0440 "/etc/sudoers.d/xcross-peer-$user"
install -d -m 0755 /etc/docker /etc/docker/certs.d
install -d -m 0755 -o "$user" "/etc/docker/certs.d/127.0.0.1:5443"
small=/var/tmp/xcross-e2e-small
mkdir -p "$small"
mountpoint -q "$small" || mount -t tmpfs -o size=16m,mode=0755 tmpfs "$small"
chown "$user:" "$small"
full=/var/tmp/xcross-e2e-full
mkdir -p "$full"
mountpoint -q "$full" || mount -t tmpfs -o size=48m,mode=0755 tmpfs "$full"
chown "$user:" "$full"
# Rootless podman works in the mount namespace of NAME's pause process: one that started before this
# mount does not see it (/ is not shared here). Mount a tmpfs there too; only podman uses this one.
pause="/run/user/$(id -u "$user")/libpod/tmp/pause.pid"
if [ -s "$pause" ] && kill -0 "$(cat "$pause")" 2>/dev/null; then
  nsenter -t "$(cat "$pause")" -m sh -c "mountpoint -q '$full' || mount -t tmpfs -o size=48m,mode=0755 tmpfs '$full'; chown $(id -u "$user"):$(id -g "$user") '$full'"
fi
echo "setup-cache-peer: $peer (uid $(id -u "$peer")) for the image cache tests; $small is 16 MB, $full 48 MB"
