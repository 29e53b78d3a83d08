// The nerdctl runtime (containerd), through its CLI: it has no REST API.
import { CliEngine, type CliOptions } from './engine';
import { nerdctlFlavor } from './flavor';

export class NerdctlCli extends CliEngine {
  constructor(o: CliOptions) {
    super(o, nerdctlFlavor);
  }
}
