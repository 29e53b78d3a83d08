// Whether auto-detection takes a podman socket that already answers over the podman CLI: decided by
// measurement (scripts/bench-runtimes.mjs, figures in the README), not by taste. On a listening
// socket the API skips starting a podman process per call; a socket xcross must start itself first
// is slower than the CLI, so detection never does that (only `--runtime podman-api` does).
export const API_FASTER = true;
export const API_VERDICT =
  'the benchmark measured the API faster on a listening socket (no-op build 0.88-0.92x, `true` round trip 0.56-0.60x of the CLI)';
