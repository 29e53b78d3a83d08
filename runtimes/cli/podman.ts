// The podman runtime, through its CLI.
import { CliEngine, type CliOptions } from './engine';
import { podmanFlavor } from './flavor';

export class PodmanCli extends CliEngine {
  constructor(o: CliOptions) {
    // podman 5 warns on every command on a cgroups v1 host (into the stderr a run shares with the
    // program, which the conformance suite caught): xcross's doctor says which cgroups there are.
    super({ ...o, env: { PODMAN_IGNORE_CGROUPSV1_WARNING: '1', ...o.env } }, podmanFlavor);
  }
}
