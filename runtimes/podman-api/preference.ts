// Whether auto-detection takes a podman socket that already answers over the podman CLI: decided by
// measurement (scripts/bench-runtimes.mjs, figures in the README), not by taste.
export const API_FASTER = true;
export const API_VERDICT = 'not yet measured';
