// The nerdctl runtime (containerd), through its CLI: it has no REST API.
import { CliEngine, type CliOptions } from './cli-engine';
import { nerdctlFlavor } from './cli-flavor';

export class NerdctlCli extends CliEngine {
  constructor(o: CliOptions) {
    super(o, nerdctlFlavor);
  }
}
