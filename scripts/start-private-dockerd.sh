#!/usr/bin/env bash
# Starts Debian's dockerd on a private socket (no iptables, no bridge: it must not disturb the host),
# for the docker runtime's end-to-end tests. The socket is given to the group of USER so that the
# tests can run as that user. Prints the DOCKER_HOST to use. DIR (default /run/xcross-docker) holds its
# socket; a second test user on the same machine gives its own, and its data goes beside the default's.
#
#   sudo scripts/start-private-dockerd.sh USER [DIR]
set -euo pipefail
user=${1:?usage: start-private-dockerd.sh USER}
[ "$(id -u)" = 0 ] || { echo "start-private-dockerd: run it as root" >&2; exit 1; }
command -v dockerd >/dev/null || { echo "start-private-dockerd: dockerd is missing: apt-get install docker.io" >&2; exit 1; }
dir=${2:-/run/xcross-docker}
sock=$dir/docker.sock
data=/var/lib/$(basename "$dir")
mkdir -p "$dir" "$data"
if ! DOCKER_HOST=unix://$sock /usr/bin/docker version >/dev/null 2>&1; then
  nohup dockerd --host "unix://$sock" --data-root "$data" --exec-root "$dir/exec" --pidfile "$dir/docker.pid" \
    --iptables=false --bridge=none --group "$(id -gn "$user")" >"/var/log/$(basename "$dir")d.log" 2>&1 &
  for _ in $(seq 60); do DOCKER_HOST=unix://$sock /usr/bin/docker version >/dev/null 2>&1 && break; sleep 0.5; done
fi
DOCKER_HOST=unix://$sock /usr/bin/docker version --format 'start-private-dockerd: docker {{.Server.Version}} on '"$sock" >&2
chmod 0755 "$dir"
echo "unix://$sock"
