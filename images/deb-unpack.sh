#!/bin/sh
# deb-unpack.sh --suite SUITE [--release-only] --arch ARCH (--sysroot DIR --multiarch TRIPLET | --rustlib DIR | --root DIR) PACKAGE...
# deb-unpack.sh --suite SUITE [--release-only] --source DIR PACKAGE=UPSTREAM
# (installed in the base image as /usr/local/sbin/xcross-deb-unpack)
#
# Downloads PACKAGE:ARCH from a Debian suite and unpacks it without installing it: dpkg knows nothing
# of these files, so no Multi-Arch constraint applies (an architecture whose security updates lag the
# build host's cannot be installed beside it), and an architecture the suite does not have at all is
# no obstacle. SUITE "base" is the image's own suite; another (trixie) is read from the same mirrors,
# with its -updates and -security archives unless --release-only (the mirror lacks some architectures'
# files of an older suite's security updates: bullseye-security's arm64 OpenSSL answers 404).
#   --sysroot DIR  the libraries into a cross compiler's root (/usr/<gnu>): usr/lib/<multiarch> -> DIR/lib,
#                  usr/include and usr/include/<multiarch> -> DIR/include, pkg-config files rewritten to
#                  DIR (--multiarch: Debian's directory name for the architecture, i386-linux-gnu for i386)
#   --rustlib DIR  a Rust std's usr/lib/rustlib/<triple> into DIR (the compiler's lib/rustlib; "auto":
#                  that of the rustc on PATH)
#   --root DIR     the packages' files as they are, under DIR: "/" (a glibc floor's cross compiler and
#                  its /usr/<gnu> libraries), or a root of their own (a floor's native gcc and libc, used
#                  with --sysroot DIR), where absolute symlinks are made relative to DIR and pkg-config
#                  files point into it. Documentation and gcc's lto-dump are left out.
#   --source DIR   the source package of that upstream version instead (the newest Debian revision of
#                  it the suite has; dpkg-source, from dpkg-dev, must be installed), unpacked with
#                  Debian's patches applied into DIR (OpenSSL built from source in the image)
# What was unpacked, and its version, is recorded in /usr/local/lib/xcross/unpacked.list for
# verify-pins.sh.
set -eu
suite="" arch="" sysroot="" multiarch="" rustlib="" root="" source="" release_only=0
while [ $# -gt 0 ]; do
  case "$1" in
    --suite) suite=$2; shift 2 ;;
    --release-only) release_only=1; shift ;;
    --arch) arch=$2; shift 2 ;;
    --sysroot) sysroot=$2; shift 2 ;;
    --multiarch) multiarch=$2; shift 2 ;;
    --rustlib) rustlib=$2; shift 2 ;;
    --root) root=$2; shift 2 ;;
    --source) source=$2; shift 2 ;;
    *) break ;;
  esac
done
[ -n "$suite" ] && [ $# -gt 0 ] && { [ -n "$source" ] || { [ -n "$arch" ] && { [ -n "$rustlib" ] || [ -n "$root" ] || { [ -n "$sysroot" ] && [ -n "$multiarch" ]; }; }; }; } \
  || { echo "usage: xcross-deb-unpack --suite SUITE [--release-only] (--arch ARCH (--sysroot DIR --multiarch TRIPLET | --rustlib DIR | --root DIR) PACKAGE... | --source DIR PACKAGE=UPSTREAM)" >&2; exit 2; }

work=$(mktemp -d /tmp/xcross-deb-unpack.XXXXXX)
mkdir -p /usr/local/lib/xcross
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/lists" "$work/cache/archives/partial" "$work/debs" "$work/root"

# The image's own mirrors (one-line sources.list, or the deb822 debian.sources of the registry
# images): the first URI serving the base suite, and the one serving its -security suite.
base=$(. /etc/os-release && echo "$VERSION_CODENAME")
entries=$( (cat /etc/apt/sources.list 2>/dev/null | awk '$1 == "deb" { print $2, $3 }'
  for f in /etc/apt/sources.list.d/*.sources; do
    [ -f "$f" ] && awk '/^URIs:/ { u = $2 } /^Suites:/ { for (i = 2; i <= NF; i++) print u, $i } /^$/ { u = "" }' "$f"
  done) | sed 's/\[[^]]*\] *//')
mirror=$(printf '%s\n' "$entries" | awk -v s="$base" '$2 == s { print $1; exit }')
security=$(printf '%s\n' "$entries" | awk -v s="$base-security" '$2 == s { print $1; exit }')
[ -n "$mirror" ] || { echo "xcross-deb-unpack: no $base mirror in the image's apt sources" >&2; exit 1; }
[ "$suite" = base ] && suite=$base
{
  kind=deb
  [ -n "$source" ] && kind=deb-src
  echo "$kind $mirror $suite main"
  if [ "$release_only" = 0 ]; then
    echo "$kind $mirror $suite-updates main"
    [ -n "$security" ] && echo "$kind $security $suite-security main"
  fi
} >"$work/sources.list"
apt_state() {
  printf '%s\n' -o "Dir::Etc::SourceList=$work/sources.list" -o Dir::Etc::SourceParts=/nonexistent \
    -o "Dir::State::Lists=$work/lists" -o "Dir::Cache=$work/cache" -o Dir::State::status=/dev/null \
    -o APT::Sandbox::User=root
}

if [ -n "$source" ]; then
  [ $# = 1 ] || { echo "xcross-deb-unpack: --source takes one PACKAGE=UPSTREAM" >&2; exit 2; }
  pkg=${1%%=*} want=${1#*=}
  # shellcheck disable=SC2046 # one option a line
  xcross-apt-install --source "$want" --download "$work/debs" $(apt_state) "$pkg"
  ls "$work"/debs/*.dsc >/dev/null 2>&1 || { echo "xcross-deb-unpack: no source of $pkg $want in $suite" >&2; exit 1; }
  dpkg-source --no-check -x "$(ls "$work"/debs/*.dsc | head -n 1)" "$source" >/dev/null
  got=$(cd "$source" && dpkg-parsechangelog -S Version)
  echo "$pkg:source $got $suite" >>/usr/local/lib/xcross/unpacked.list
  echo "xcross-deb-unpack: the source of $pkg $got from $suite, in $source"
  exit 0
fi

set -- $(for p in "$@"; do echo "$p:$arch"; done)
# shellcheck disable=SC2046 # one option a line
xcross-apt-install --download "$work/debs" $(apt_state) -o "APT::Architecture=$arch" -o "APT::Architectures::=$arch" "$@"

for deb in "$work"/debs/*.deb; do
  dpkg-deb -x "$deb" "$work/root"
  echo "$(dpkg-deb -f "$deb" Package):$(dpkg-deb -f "$deb" Architecture) $(dpkg-deb -f "$deb" Version) $suite" >>/usr/local/lib/xcross/unpacked.list
  echo "xcross-deb-unpack: $(basename "$deb") from $suite"
done

r=$work/root
if [ -n "$root" ]; then
  rm -rf "$r/usr/share/doc" "$r/usr/share/man" "$r/usr/share/info" "$r/usr/share/locale" "$r/usr/share/lintian" "$r"/usr/bin/*lto-dump*
  # bullseye's cross compilers ship cc1, cc1plus and lto1 with their debugging information (~200 MB
  # each, 25 MB stripped). They are programs of the build host, like the image's own strip.
  if [ -d "$r/usr/lib/gcc-cross" ]; then
    find "$r/usr/lib/gcc-cross" -mindepth 3 -maxdepth 3 -type f \( -name cc1 -o -name cc1plus -o -name lto1 \) -exec strip --strip-unneeded {} +
  fi
  if [ "$root" != / ]; then
    find "$r" -type l | while read -r l; do
      t=$(readlink "$l")
      case "$t" in /*) ln -sfn "$(realpath -m --relative-to="$(dirname "$l")" "$r$t")" "$l" ;; esac
    done
    find "$r" -path '*/pkgconfig/*.pc' -type f -exec sed -i "s|^prefix=/usr\$|prefix=$root/usr|" {} +
  fi
  mkdir -p "$root"
  # Into existing directories, through the image's own /lib -> usr/lib style symlinks.
  tar -C "$r" -cf - . | tar -C "$root" -xf - --keep-directory-symlink --no-overwrite-dir --no-same-owner
elif [ -n "$rustlib" ]; then
  [ "$rustlib" = auto ] && rustlib="$(rustc --print sysroot)/lib/rustlib"
  [ -d "$r/usr/lib/rustlib" ] || { echo "xcross-deb-unpack: $* has no usr/lib/rustlib" >&2; exit 1; }
  mkdir -p "$rustlib"
  for d in "$r"/usr/lib/rustlib/*/; do
    t=$(basename "$d")
    [ -e "$rustlib/$t" ] && { echo "xcross-deb-unpack: $rustlib/$t exists already" >&2; exit 1; }
    cp -a "$d" "$rustlib/$t"
  done
else
  m=$multiarch
  mkdir -p "$sysroot/lib" "$sysroot/include"
  [ -d "$r/usr/lib/$m" ] && cp -a "$r/usr/lib/$m/." "$sysroot/lib/"
  if [ -d "$r/usr/include" ]; then
    [ -d "$r/usr/include/$m" ] && { cp -a "$r/usr/include/$m/." "$sysroot/include/"; rm -rf "${r:?}/usr/include/$m"; }
    cp -a "$r/usr/include/." "$sysroot/include/"
  fi
  for pc in "$sysroot"/lib/pkgconfig/*.pc; do
    [ -f "$pc" ] && sed -i -e "s|^prefix=/usr\$|prefix=$sysroot|" -e "s|/lib/$m|/lib|g" -e "s|/include/$m|/include|g" "$pc"
  done
fi
