#!/bin/sh
# xcross-compile-cache: sccache around cargo, in the images whose toolchain has a compile cache
# (`sccache` in its [toolchain.<name>] of targets.toml). xcross runs it; nobody needs to call it.
#
#   xcross-compile-cache run STATS CMD ARGS...
#       runs CMD (cargo) with RUSTC_WRAPPER pointing here, then, if anything was compiled, writes the
#       statistics of sccache's server (its settings come as SCCACHE_* variables) as JSON to STATS and
#       stops the server, which finishes its cache writes first; exits with CMD's exit code. Signals
#       are passed on to CMD.
#   xcross-compile-cache RUSTC ARGS...  (as cargo's RUSTC_WRAPPER)
#       sccache RUSTC ARGS..., without CARGO_TARGET_DIR and CARGO_TERM_COLOR: xcross sets them from
#       the host (the target directory's path, the terminal), rustc reads neither, and sccache hashes
#       every CARGO_* variable, so with them two users or machines would never share an entry. The
#       first call starts sccache's server (so a build with nothing to compile starts none); a server
#       that cannot start is one warning, and rustc then runs without the cache.
set -u
state=${TMPDIR:-/tmp}/xcross-compile-cache.${SCCACHE_SERVER_PORT:-0}

if [ "${1:-}" != run ]; then
  unset CARGO_TARGET_DIR CARGO_TERM_COLOR
  if [ ! -e "$state/started" ] && [ ! -e "$state/failed" ]; then
    mkdir -p "$state"
    if mkdir "$state/lock" 2>/dev/null; then
      if out=$(sccache --start-server 2>&1); then
        : >"$state/started"
      else
        echo "xcross: warning: the compile cache's sccache server did not start ($(echo "$out" | tail -n 1)): compiling without it" >&2
        : >"$state/failed"
      fi
    else
      # Another rustc of this build is starting it.
      while [ ! -e "$state/started" ] && [ ! -e "$state/failed" ]; do sleep 0.05; done
    fi
  fi
  [ -e "$state/failed" ] && exec "$@"
  exec sccache "$@"
fi
shift
stats=$1
shift

# In the background so that the signals xcross sends reach CMD (this shell is what --init starts).
# A background command starts with SIGINT and SIGQUIT ignored, which no trap in this shell can undo:
# env --default-signal gives CMD (and the programs cargo runs) their default again. Its stdin goes
# through fd 3, since dash gives a background command /dev/null even for an explicit <&0. On a
# terminal, Ctrl-C reaches CMD from the terminal itself (the whole process group): passing it on
# would send it twice.
exec 3<&0
env --default-signal=INT,QUIT "$@" <&3 3<&- &
pid=$!
exec 3<&-
for sig in INT TERM HUP QUIT; do
  if [ -t 0 ] && [ "$sig" != TERM ]; then trap : "$sig"; else trap "kill -s $sig $pid 2>/dev/null" "$sig"; fi
done
while :; do
  wait "$pid"
  rc=$?
  # A trap ends `wait` early; the command has ended only when it can no longer be signalled.
  kill -0 "$pid" 2>/dev/null || break
done

mkdir -p "$(dirname "$stats")" 2>/dev/null
if [ -e "$state/started" ]; then
  sccache --show-stats --stats-format json >"$stats.part" 2>/dev/null && mv "$stats.part" "$stats"
  sccache --stop-server >/dev/null 2>&1
else
  # Nothing compiled (or the server failed, which was said): no server to ask.
  echo '{"stats":{}}' >"$stats"
fi
exit "$rc"
