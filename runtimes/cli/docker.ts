// The docker runtime, through its CLI, for users who have a Docker daemon (rootful or rootless).
import { CliEngine, type CliOptions } from './engine';
import { dockerFlavor } from './flavor';

export class DockerCli extends CliEngine {
  constructor(o: CliOptions) {
    super(o, dockerFlavor);
  }
}
