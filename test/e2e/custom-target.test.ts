// A triple rustc knows and xcross's registry lacks (armv7-unknown-linux-gnueabi: ARMv7, soft float),
// built in an image of the user's: Cross.toml's dockerfile FROM $CROSS_BASE_IMAGE (then xcross's Rust
// toolchain image) adds Debian's armel cross compiler and the variables cargo reads, and build-std = true
// builds the std from the image's Rust sources at run time. The example crate (C through CC_<triple>,
// threads, a path dependency) is built, run and tested under qemu-arm, as the user's image says.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { binaryFacts } from './binary-facts';
import { copyFixtures, tail, xcross } from './harness';

const T = 'armv7-unknown-linux-gnueabi';
const V = 'ARMV7_UNKNOWN_LINUX_GNUEABI';
const HOUR = 60 * 60_000;

const CONTAINERFILE = `ARG CROSS_BASE_IMAGE
FROM $CROSS_BASE_IMAGE
RUN xcross-apt-install gcc-arm-linux-gnueabi libc6-dev-armel-cross
ENV CARGO_TARGET_${V}_LINKER=arm-linux-gnueabi-gcc \\
    CC_armv7_unknown_linux_gnueabi=arm-linux-gnueabi-gcc \\
    AR_armv7_unknown_linux_gnueabi=arm-linux-gnueabi-ar \\
    CARGO_TARGET_${V}_RUNNER="qemu-arm-static -L /usr/arm-linux-gnueabi"
`;

/** ELF e_flags of a 32-bit little-endian ARM program: EF_ARM_ABI_FLOAT_HARD is 0x400, _SOFT 0x200. */
function armFloatAbi(file: string): 'hard' | 'soft' | 'unknown' {
  const flags = fs.readFileSync(file).readUInt32LE(36);
  return flags & 0x400 ? 'hard' : flags & 0x200 ? 'soft' : 'unknown';
}

describe(`${T}, which xcross has no image for: Cross.toml's dockerfile and build-std`, () => {
  let dir: string;
  let crate: string;
  before(() => {
    ({ dir, crate } = copyFixtures());
    fs.writeFileSync(path.join(crate, 'armv7.Containerfile'), CONTAINERFILE);
    fs.writeFileSync(
      path.join(crate, 'Cross.toml'),
      `[target.${T}]\ndockerfile = "armv7.Containerfile"\nbuild-std = true\n`,
    );
  });
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  test('without Cross.toml the triple is unknown, and the fix says how to give it an image', async () => {
    fs.renameSync(path.join(crate, 'Cross.toml'), path.join(crate, 'Cross.toml.off'));
    try {
      const r = await xcross(['build', '--target', T], { cwd: crate });
      assert.equal(r.code, 1, tail(r.stderr));
      assert.match(r.stderr, /error: unknown target 'armv7-unknown-linux-gnueabi': xcross has no image for it/);
      assert.match(
        r.stderr,
        /\[target\.armv7-unknown-linux-gnueabi\] dockerfile = "\.\.\." in Cross\.toml .* build-std = true/,
      );
    } finally {
      fs.renameSync(path.join(crate, 'Cross.toml.off'), path.join(crate, 'Cross.toml'));
    }
  });

  test(
    'build: the image is made FROM the Rust toolchain image, the std is built once, the binary is ARMv7 soft-float',
    { timeout: HOUR },
    async () => {
      const r = await xcross(['build', '--target', T, '-v'], { cwd: crate, timeoutMs: HOUR });
      assert.equal(r.code, 0, tail(r.stderr));
      assert.match(r.stderr, /not in the registry: Cross\.toml's dockerfile/);
      assert.match(
        r.stderr,
        /building the Rust std for armv7-unknown-linux-gnueabi \(std, panic_unwind, panic_abort, test, proc_macro\) from the image's sources/,
      );
      const stds = fs.readdirSync(path.join(crate, 'target', 'xcross-std'));
      assert.equal(stds.length, 1, stds.join(' '));
      assert.ok(
        fs
          .readdirSync(path.join(crate, 'target', 'xcross-std', stds[0], 'lib'))
          .some((f) => /^libstd-.*\.rlib$/.test(f)),
        'no libstd rlib was built',
      );
      const bin = path.join(crate, 'target', T, 'debug', 'hello-xcross');
      assert.deepEqual(binaryFacts(bin), { format: 'elf', machine: 40, bits: 32, endian: 'little', dynamic: true });
      assert.equal(armFloatAbi(bin), 'soft', `${bin} is not a soft-float (gnueabi) program`);
      // A second build finds the std built before and the image made before.
      const again = await xcross(['build', '--target', T, '-v'], { cwd: crate, timeoutMs: HOUR });
      assert.equal(again.code, 0, tail(again.stderr));
      assert.doesNotMatch(again.stderr, /building the Rust std|STEP \d/);
      assert.match(again.stderr, /build-std: the std built earlier in/);
    },
  );

  test(
    "run: under the image's runner (qemu-arm), the C code and threads work, the exit code comes through",
    { timeout: HOUR },
    async () => {
      const r = await xcross(['run', '--target', T, '--', '--exit', '7'], { cwd: crate, timeoutMs: HOUR });
      assert.equal(r.code, 7, tail(r.stdout + r.stderr));
      assert.match(r.stdout, /^hello from arm$/m);
      assert.match(r.stdout, new RegExp(`^target=${T} c_arch=arm c_mul\\(6,7\\)=42$`, 'm'));
      assert.match(r.stdout, /^threaded_sum=5000050000$/m);
    },
  );

  test('test: every test passes (the std has `test`); a failing one exits 101', { timeout: HOUR }, async () => {
    const r = await xcross(['test', '--target', T], { cwd: crate, timeoutMs: HOUR });
    assert.equal(r.code, 0, tail(r.stdout + r.stderr));
    assert.match(r.stdout, /test result: ok\. 5 passed; 0 failed/);
    assert.match(r.stdout, /test result: ok\. 3 passed; 0 failed; 1 ignored/);
    const failing = await xcross(['test', '--target', T, '--test', 'parallel', '--', '--ignored'], {
      cwd: crate,
      timeoutMs: HOUR,
    });
    assert.equal(failing.code, 101, tail(failing.stdout + failing.stderr));
    assert.match(failing.stdout, /fails_on_purpose \.\.\. FAILED/);
  });
});
