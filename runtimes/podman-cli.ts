// The podman runtime, through its CLI.
import { CliEngine, type CliOptions } from './cli-engine';
import { podmanFlavor } from './cli-flavor';

export class PodmanCli extends CliEngine {
  constructor(o: CliOptions) {
    super(o, podmanFlavor);
  }
}
