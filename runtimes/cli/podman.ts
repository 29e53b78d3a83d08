// The podman runtime, through its CLI.
import { CliEngine, type CliOptions } from './engine';
import { podmanFlavor } from './flavor';

export class PodmanCli extends CliEngine {
  constructor(o: CliOptions) {
    super(o, podmanFlavor);
  }
}
