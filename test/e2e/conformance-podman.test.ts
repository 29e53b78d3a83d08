// The conformance suite against real rootless podman, through its CLI.
import { conformanceSuite } from '../conformance/suite';
import { containersWithLabel } from './harness';

conformanceSuite('podman (CLI)', { runtime: 'podman', containersWithLabel });
