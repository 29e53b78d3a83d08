#!/bin/sh
# smoke-bare-metal.sh TRIPLE: the last step of a bare-metal target image. C compiled and linked against
# newlib with the target's gcc (CC_<triple>); a no_std, no_main Rust program (its own vector table and
# linker script, output and exit through semihosting) linked by rustc's default linker (rust-lld) and
# run on the target's default board through xcross-runner, as `cargo run` will: its output must come
# through on stdout and its semihosting exit be 0.
set -eu
t=${1:?usage: smoke-bare-metal.sh TRIPLE}
[ "$t" = "${XCROSS_TARGET:-}" ] || { echo "smoke-bare-metal: the image's XCROSS_TARGET is '${XCROSS_TARGET:-}', not $t" >&2; exit 1; }
u=$(echo "$t" | tr .- __)
eval "cc=\${CC_$u:?}"
dir=$(mktemp -d /tmp/xcross-smoke.XXXXXX)
trap 'rm -rf "$dir"' EXIT
cd "$dir"

printf '#include <stdio.h>\n#include <string.h>\nint main(void) { printf("%%d\\n", (int)strlen("newlib")); return 0; }\n' >c.c
"$cc" -mthumb --specs=nosys.specs -o c.elf c.c
echo "smoke-bare-metal: C linked against newlib with $cc"

# The secure-state Cortex-M33 boards see their code and data memories elsewhere.
case "${XCROSS_MACHINE:?}" in
  mps2-an505 | mps2-an521) flash=0x10000000 ram=0x38000000 ;;
  *) flash=0x00000000 ram=0x20000000 ;;
esac
cat >link.x <<LD
MEMORY { FLASH : ORIGIN = $flash, LENGTH = 64K  RAM : ORIGIN = $ram, LENGTH = 16K }
ENTRY(reset);
SECTIONS {
  .vectors ORIGIN(FLASH) : { LONG(ORIGIN(RAM) + LENGTH(RAM)); KEEP(*(.vectors.reset)); } > FLASH
  .text : { *(.text .text.*); *(.rodata .rodata.*); } > FLASH
  /DISCARD/ : { *(.ARM.exidx .ARM.exidx.* .ARM.extab.*); }
}
LD
cat >main.rs <<'RS'
#![no_std]
#![no_main]
extern crate alloc;
#[link_section = ".vectors.reset"]
#[no_mangle]
static RESET: extern "C" fn() -> ! = reset;
fn semihost(op: usize, arg: usize) {
    unsafe { core::arch::asm!("bkpt #0xab", inout("r0") op => _, in("r1") arg, options(nostack)) };
}
#[no_mangle]
extern "C" fn reset() -> ! {
    let ok = alloc::alloc::Layout::new::<u64>().size() == 8;
    semihost(0x04, c"rust on the board\n".as_ptr() as usize);
    loop { semihost(0x18, if ok { 0x20026 } else { 0x20023 }) }
}
// alloc links only with an allocator: one with no heap will do, nothing allocates.
struct NoHeap;
unsafe impl alloc::alloc::GlobalAlloc for NoHeap {
    unsafe fn alloc(&self, _: alloc::alloc::Layout) -> *mut u8 { core::ptr::null_mut() }
    unsafe fn dealloc(&self, _: *mut u8, _: alloc::alloc::Layout) {}
}
#[global_allocator]
static HEAP: NoHeap = NoHeap;
#[panic_handler]
fn panic(_: &core::panic::PanicInfo) -> ! {
    loop { semihost(0x18, 0x20023) }
}
RS
rustc --target "$t" --edition 2021 -C panic=abort -C link-arg=-Tlink.x -L . -o rust.elf main.rs
out=$(timeout 120 xcross-runner ./rust.elf) || { echo "smoke-bare-metal: rust.elf failed or hung on $XCROSS_MACHINE (exit $?)" >&2; exit 1; }
[ "$out" = "rust on the board" ] || { echo "smoke-bare-metal: rust.elf printed '$out', not 'rust on the board'" >&2; exit 1; }
echo "smoke-bare-metal: rust.elf ran on $XCROSS_MACHINE ($XCROSS_QEMU_CPU): $out"
