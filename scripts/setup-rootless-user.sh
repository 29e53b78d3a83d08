#!/usr/bin/env bash
# Prepares a non-root user for rootless podman, as a rootless CI runner or a fresh workstation has it:
# the account with /etc/subuid and /etc/subgid ranges, and overlay storage (podman's rootless default
# here is vfs, which copies whole images on every layer).
#
#   sudo scripts/setup-rootless-user.sh NAME
set -euo pipefail
user=${1:?usage: setup-rootless-user.sh NAME}
[ "$(id -u)" = 0 ] || { echo "setup-rootless-user: run it as root (sudo)" >&2; exit 1; }

id "$user" >/dev/null 2>&1 || useradd -m -s /bin/bash "$user"
home=$(getent passwd "$user" | cut -d: -f6)
# useradd gives ranges on Debian; an account made otherwise may lack them.
grep -q "^$user:" /etc/subuid || usermod --add-subuids 200000-265535 "$user"
grep -q "^$user:" /etc/subgid || usermod --add-subgids 200000-265535 "$user"

conf="$home/.config/containers/storage.conf"
if [ ! -f "$conf" ]; then
  install -d -o "$user" -g "$user" "$home/.config" "$home/.config/containers"
  printf '[storage]\ndriver = "overlay"\n' >"$conf"
  chown "$user:" "$conf"
fi
# Rootless podman wants a runtime dir; a login session would give one through logind.
uid=$(id -u "$user")
install -d -m 0700 -o "$user" -g "$user" "/run/user/$uid"
echo "setup-rootless-user: $user (uid $uid) is ready for rootless podman (XDG_RUNTIME_DIR=/run/user/$uid)"
