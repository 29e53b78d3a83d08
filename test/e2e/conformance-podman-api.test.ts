// The conformance suite against real rootless podman, through its REST API. No socket listens on
// this machine, so the runtime starts a short-lived service of its own for each run, as it would for
// a user without podman.socket.
import { conformanceSuite } from '../conformance/suite';
import { containersWithLabel } from './harness';

conformanceSuite('podman-api (REST over a Unix socket)', { runtime: 'podman-api', containersWithLabel });
