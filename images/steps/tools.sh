#!/bin/sh
# tools.sh (--exec NAME COMMAND | --refuse NAME MESSAGE)...: commands in /usr/local/bin. --exec makes
# NAME run COMMAND with its own arguments after it (a compiler under the target's name, with its
# flags); --refuse makes NAME print MESSAGE and fail (a tool the image cannot offer, said plainly).
set -eu
while [ $# -gt 0 ]; do
  [ $# -ge 3 ] || { echo "tools.sh: $1 needs a NAME and a text" >&2; exit 2; }
  f=/usr/local/bin/$2
  case "$1" in
    --exec) printf '#!/bin/sh\nexec %s "$@"\n' "$3" >"$f" ;;
    --refuse) printf '#!/bin/sh\necho %s >&2\nexit 1\n' "'$(printf '%s' "$3" | sed "s/'/'\\\\''/g")'" >"$f" ;;
    *) echo "tools.sh: unknown option $1" >&2; exit 2 ;;
  esac
  chmod 0755 "$f"
  echo "tools.sh: $2"
  shift 3
done
