// Which host variables reach the container, as cross has it: cargo's and rustc's own (but for its
// credentials), the terminal, proxies and QEMU_*; nothing else. Variables that xcross sets itself, or that would point the
// container at host paths, stay out.
import type { Env } from '../host';
import { envVarTriple } from '../config/cross-env';

const EXACT = new Set([
  'RUSTFLAGS',
  'RUSTDOCFLAGS',
  'RUST_BACKTRACE',
  'RUST_LOG',
  'RUST_TEST_THREADS',
  'RUST_TEST_NOCAPTURE',
  'RUST_MIN_STACK',
  'TERM',
  'COLORTERM',
  'NO_COLOR',
  'http_proxy',
  'https_proxy',
  'no_proxy',
  'all_proxy',
  'HTTP_PROXY',
  'HTTPS_PROXY',
  'NO_PROXY',
  'ALL_PROXY',
]);
// Set by xcross from the mounts it makes, or meaningless inside (host paths, host rustup).
const BLOCKED = new Set([
  'CARGO_HOME',
  'CARGO_TARGET_DIR',
  'CARGO_BUILD_TARGET_DIR',
  'CARGO_BUILD_TARGET',
  'CARGO_BUILD_RUSTC',
  'CARGO_BUILD_RUSTC_WRAPPER',
  'CARGO_BUILD_RUSTDOC',
]);
// Cargo's credentials (CARGO_REGISTRY_TOKEN, CARGO_REGISTRIES_<NAME>_TOKEN, ...) are for publishing and
// private registries: a build script or test in the container could read them, so they come in only
// when named in env.passthrough (or CROSS_BUILD_ENV_PASSTHROUGH).
const SECRET = /TOKEN|SECRET|PASSW|CREDENTIAL|_KEY($|_)/;

export function passthroughEnv(env: Env, triple: string): Record<string, string> {
  const own = `CARGO_TARGET_${envVarTriple(triple)}_`;
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(env)) {
    if (v === undefined || BLOCKED.has(k) || SECRET.test(k.toUpperCase())) continue;
    // The image's linker and runner for this target must win over a host setup for it.
    if (k === `${own}LINKER` || k === `${own}RUNNER`) continue;
    if (EXACT.has(k) || k.startsWith('CARGO_') || k.startsWith('QEMU_')) out[k] = v;
  }
  return out;
}
