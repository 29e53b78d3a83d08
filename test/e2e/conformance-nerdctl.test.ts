// The conformance suite through the nerdctl runtime, driving a stand-in `nerdctl` that hands its
// arguments to podman (nerdctl is not installable here): this proves xcross's nerdctl argument
// building and handling against a real engine, not nerdctl's own behaviour.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { conformanceSuite } from '../conformance/suite';
import { containersWithLabel } from './harness';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'xcross-nerdctl-standin-'));
const nerdctl = path.join(dir, 'nerdctl');
fs.writeFileSync(nerdctl, '#!/bin/sh\nexec podman "$@"\n', { mode: 0o755 });
process.on('exit', () => fs.rmSync(dir, { recursive: true, force: true }));

conformanceSuite('nerdctl (stand-in that passes its arguments to podman)', { runtime: nerdctl, containersWithLabel });
