// The podman runtime, through its CLI.
import { CliEngine, type CliOptions } from './cli-engine';
import { podmanFlavor } from './cli-flavor';

export type PodmanOptions = CliOptions;

export class PodmanCli extends CliEngine {
  constructor(o: CliOptions) {
    super(o, podmanFlavor);
  }
}
