#!/bin/sh
# native-probe.sh CC: /usr/local/lib/xcross/native-probe, a static "return 0" for the target. For a
# target another CPU's kernel may run (i386 programs on x86_64), xcross-runner runs it first: a kernel
# without IA-32 emulation refuses it (ENOEXEC), and the runner then uses qemu.
set -eu
cc=${1:?usage: native-probe.sh CC}
printf 'int main(void) { return 0; }\n' >/tmp/native-probe.c
"$cc" -static -O1 -s -o /usr/local/lib/xcross/native-probe /tmp/native-probe.c
rm /tmp/native-probe.c
