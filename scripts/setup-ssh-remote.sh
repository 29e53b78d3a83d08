#!/usr/bin/env bash
# What the ssh end-to-end tests need beyond the test user NAME (run as root): a second rootless user,
# NAME-remote, that plays the engine on another machine. Its home is 0700 and NAME's test workspaces
# are 0700, so neither can read the other's files: its podman cannot see NAME's workspace, as a build
# box or a podman machine without shared folders cannot. NAME may run commands as it (sudo, no
# password) to start what a real remote has running: sshd (Debian's openssh-server, as that user, on a
# loopback port with the test's own host key and authorized_keys) and its podman API socket.
# Its podman runs with runc and cgroupfs (containers.conf), as an admin would set it on a host whose
# cgroups crun refuses.
#
#   sudo scripts/setup-ssh-remote.sh NAME
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
user=${1:?usage: setup-ssh-remote.sh NAME}
[ "$(id -u)" = 0 ] || { echo "setup-ssh-remote: run it as root" >&2; exit 1; }
remote="$user-remote"
if ! command -v sshd >/dev/null && [ ! -x /usr/sbin/sshd ]; then
  export DEBIAN_FRONTEND=noninteractive
  apt-get install -y -q --no-install-recommends openssh-server openssh-client >/tmp/xcross-setup-ssh.log 2>&1 ||
    { apt-get update -q >/dev/null && apt-get install -y -q --no-install-recommends openssh-server openssh-client >/tmp/xcross-setup-ssh.log 2>&1; }
fi
"$here/setup-rootless-user.sh" "$remote" >/dev/null
home=$(getent passwd "$remote" | cut -d: -f6)
chmod 0700 "$home"
conf="$home/.config/containers/containers.conf"
if [ ! -f "$conf" ]; then
  printf '[engine]\nruntime = "runc"\ncgroup_manager = "cgroupfs"\n' >"$conf"
  chown "$remote:" "$conf"
fi
printf '%s ALL=(%s) NOPASSWD: ALL\n' "$user" "$remote" >"/etc/sudoers.d/xcross-remote-$user"
chmod 0440 "/etc/sudoers.d/xcross-remote-$user"
# The offline base, so that the remote can build images without a registry (imported from root's).
offline=$(sed -n 's/^offline *= *"\(.*\)"/\1/p' "$here/../images/targets.toml" | head -1)
if ! runuser -u "$remote" -- env XDG_RUNTIME_DIR="/run/user/$(id -u "$remote")" podman image exists "$offline" 2>/dev/null; then
  podman save "$offline" | runuser -u "$remote" -- env XDG_RUNTIME_DIR="/run/user/$(id -u "$remote")" sh -c 'cd && podman load -q' >/dev/null
fi
echo "setup-ssh-remote: $remote (uid $(id -u "$remote")), home 0700, for the ssh tests; sshd $(/usr/sbin/sshd -V 2>&1 | head -1 || true)"
