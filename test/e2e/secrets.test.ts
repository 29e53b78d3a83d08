// Secrets in the host environment (a CI runner's tokens, passwords, cloud keys) reach nothing of
// xcross's: not the container (podman CLI or REST runtime), not -v/-vv output, not a custom image's build (its history, labels,
// environment), not error messages; only a variable named in env.passthrough gets in. The test
// prints the container's whole environment and dumps every log to one file, kept when a test fails
// (or with XCROSS_E2E_KEEP_LOGS=1; its path is printed).
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { spawn } from 'node:child_process';
import * as net from 'node:net';
import { copyFixtures, ensureTargetImages, type Result, tail, xcross } from './harness';
import { RespClient } from '../../src/compile-cache/resp';

const T = 'x86_64-unknown-linux-gnu';
const NAMES = [
  'GITHUB_TOKEN',
  'GH_TOKEN',
  'GITLAB_TOKEN',
  'CI_JOB_TOKEN',
  'ACTIONS_RUNTIME_TOKEN',
  'ACTIONS_ID_TOKEN_REQUEST_TOKEN',
  'AWS_ACCESS_KEY_ID',
  'AWS_SECRET_ACCESS_KEY',
  'AWS_SESSION_TOKEN',
  'AZURE_CLIENT_SECRET',
  'AZURE_STORAGE_KEY',
  'GOOGLE_APPLICATION_CREDENTIALS',
  'GCP_SERVICE_ACCOUNT_KEY',
  'CLOUDSDK_AUTH_ACCESS_TOKEN',
  'DIGITALOCEAN_ACCESS_TOKEN',
  'CLOUDFLARE_API_TOKEN',
  'HEROKU_API_KEY',
  'NPM_TOKEN',
  'NODE_AUTH_TOKEN',
  'TWINE_PASSWORD',
  'PYPI_TOKEN',
  'DOCKER_PASSWORD',
  'REGISTRY_PASSWORD',
  'DB_PASSWORD',
  'POSTGRES_PASSWORD',
  'MYSQL_ROOT_PASSWORD',
  'DATABASE_URL',
  'SLACK_WEBHOOK_URL',
  'SLACK_BOT_TOKEN',
  'STRIPE_SECRET_KEY',
  'SENTRY_AUTH_TOKEN',
  'CODECOV_TOKEN',
  'COVERALLS_REPO_TOKEN',
  'SONAR_TOKEN',
  'SNYK_TOKEN',
  'CIRCLE_TOKEN',
  'TRAVIS_API_TOKEN',
  'BUILDKITE_AGENT_TOKEN',
  'DRONE_TOKEN',
  'VAULT_TOKEN',
  'CONSUL_HTTP_TOKEN',
  'TF_TOKEN_app_terraform_io',
  'OPENAI_API_KEY',
  'SSH_PRIVATE_KEY',
  'GPG_PASSPHRASE',
  'SIGNING_KEY_PASSWORD',
  'CARGO_REGISTRY_TOKEN',
  'CARGO_REGISTRIES_CORP_TOKEN',
  'CARGO_HTTP_PASSWORD',
  'XCROSS_SECRET_TOKEN',
];
/** Secret-looking too, and named in env.passthrough: it must arrive. */
const PASSED = 'XC_PASSED_TOKEN';

describe('secrets in the host environment', () => {
  let dir: string;
  let crate: string;
  const nonce = randomBytes(6).toString('hex');
  const secrets = Object.fromEntries(NAMES.map((n) => [n, `s3cr3t-${randomBytes(12).toString('hex')}`]));
  const passed = `passed-${randomBytes(12).toString('hex')}`;
  // The podman CLI unless a run names another (a podman service other tests stop must not decide this).
  const env = { ...secrets, [PASSED]: passed, XCROSS_RUNTIME: 'podman' };
  const logFile = path.join(os.tmpdir(), `xcross-secrets-${nonce}.log`);
  const logs: [string, string][] = [];
  let image: string | undefined;
  let passedTests = 0;

  const log = (what: string, text: string) => {
    logs.push([what, text]);
    fs.appendFileSync(logFile, `==== ${what}\n${text}\n`);
  };
  const logRun = (what: string, r: Result) =>
    log(`${what} (exit ${r.code})`, `-- stdout\n${r.stdout}\n-- stderr\n${r.stderr}`);

  before(async () => {
    await ensureTargetImages([T]);
    ({ dir, crate } = copyFixtures());
    // A custom image (pre-build) unique to this run, so that its build happens here, with the secrets set.
    fs.writeFileSync(
      path.join(crate, 'Cross.toml'),
      [
        '[build]',
        `pre-build = ["echo xcross-secrets-${nonce} > /xcross-secrets-probe"]`,
        '[build.env]',
        `passthrough = ["${PASSED}"]`,
        '',
      ].join('\n'),
    );
  });
  after(() => {
    fs.rmSync(dir, { recursive: true, force: true });
    // Only the image this test made (its tag holds this run's inputs).
    if (image) spawnSync('podman', ['rmi', image], { stdio: 'ignore' });
    if (passedTests === 4 && process.env.XCROSS_E2E_KEEP_LOGS !== '1') fs.rmSync(logFile, { force: true });
  });

  test(`${NAMES.length} secrets set on the host`, () => {
    assert.equal(new Set(NAMES).size, 50);
    passedTests++;
  });

  test("the container's whole environment: none of them, and the passed-through one", async (t) => {
    t.diagnostic(`every log: ${logFile}`);
    const shell = await xcross(['shell', '-v', '--target', T, '--', 'env'], { cwd: crate, env, timeoutMs: 900_000 });
    logRun('xcross shell -v -- env', shell);
    assert.equal(shell.code, 0, tail(shell.stderr));
    image = /\s(localhost\/xcross\/\S+)\s+env(\s|$)/m.exec(shell.stderr)?.[1];
    assert.ok(image, `the image in ${tail(shell.stderr)}`);
    const dump = new Map(
      shell.stdout
        .split('\n')
        .filter(Boolean)
        .map((l) => [l.split('=')[0], l.slice(l.indexOf('=') + 1)]),
    );
    assert.equal(dump.get(PASSED), passed);
    t.diagnostic(`the container's environment: ${[...dump.keys()].sort().join(' ')}`);
    for (const n of NAMES) assert.equal(dump.has(n), false, `${n} reached the container`);

    // The REST runtime sends the environment as JSON, and -v logs its requests: the same for it.
    const api = await xcross(['shell', '-v', '--runtime', 'podman-api', '--target', T, '--', 'env'], {
      cwd: crate,
      env,
      timeoutMs: 300_000,
    });
    logRun('xcross shell -v --runtime podman-api -- env', api);
    assert.equal(api.code, 0, tail(api.stderr));
    assert.match(api.stdout, new RegExp(`^${PASSED}=${passed}$`, 'm'));
    for (const n of NAMES)
      assert.doesNotMatch(api.stdout, new RegExp(`^${n}=`, 'm'), `${n} reached the container (podman-api)`);

    const run = await xcross(['run', '-v', '--target', T, '--', '--print-env'], {
      cwd: crate,
      env,
      timeoutMs: 900_000,
    });
    logRun('xcross run -v -- --print-env', run);
    assert.equal(run.code, 0, tail(run.stderr));
    assert.match(run.stdout, new RegExp(`^env ${PASSED}=${passed}$`, 'm'));
    passedTests++;
  });

  test('logs, -vv, errors and the custom image: no secret anywhere', async (t) => {
    logRun('xcross build -vv', await xcross(['build', '-vv', '--target', T], { cwd: crate, env, timeoutMs: 900_000 }));
    logRun('xcross test -v', await xcross(['test', '-v', '--target', T], { cwd: crate, env, timeoutMs: 900_000 }));
    // Failures, with the debug switch on (stack traces are allowed there, secrets are not).
    const failures: [string, string[], Record<string, string>][] = [
      ['unknown target', ['build', '--target', 'x86_64-unknown-linux-gnx'], {}],
      ['engine missing', ['build', '-v', '--target', T], { XCROSS_RUNTIME: '/nonexistent/podman' }],
      ['command fails', ['shell', '-v', '--target', T, '--', 'sh', '-c', 'echo failing >&2; exit 3'], {}],
      ['bad image cache', ['build', '--target', T], { XCROSS_IMAGE_CACHE: 'not a registry' }],
      ['bad passthrough', ['build', '--target', T], { CROSS_BUILD_ENV_PASSTHROUGH: '1BAD' }],
    ];
    for (const [what, args, extra] of failures) {
      const r = await xcross(args, { cwd: crate, env: { ...env, ...extra, XCROSS_DEBUG: '1' }, timeoutMs: 300_000 });
      logRun(`failure: ${what}: xcross ${args.join(' ')}`, r);
      assert.notEqual(r.code, 0, what);
    }
    logRun('xcross doctor -v', await xcross(['doctor', '-v'], { cwd: crate, env, timeoutMs: 300_000 }));
    assert.ok(image, 'the shell test found the custom image');
    for (const args of [
      ['image', 'inspect', image],
      ['history', '--no-trunc', image],
    ]) {
      const r = spawnSync('podman', args, { encoding: 'utf8' });
      log(`podman ${args.join(' ')}`, r.stdout + r.stderr);
      assert.equal(r.status, 0, r.stderr);
    }
    assert.match(
      logs.map(([, t]) => t).join('\n'),
      new RegExp(`xcross-secrets-${nonce}`),
      'the image history shows the pre-build',
    );
    for (const [what, text] of logs) {
      for (const [n, v] of Object.entries(secrets)) {
        assert.ok(!text.includes(v), `${n}'s value appears in ${what} (see ${logFile})`);
        // A name alone tells little, but -v must not even forward one (`-e NAME`).
        assert.ok(!new RegExp(`(-e|--env)[ =]${n}\\b`).test(text), `${n} is forwarded in ${what}`);
      }
    }
    t.diagnostic(
      `${logs.length} logs, ${logs.reduce((n, [, x]) => n + x.length, 0)} characters: no secret value in them`,
    );
    passedTests++;
  });

  test(
    "the compile cache's redis password: not in -v or -vv, the container's command line, labels or environment",
    {
      skip:
        spawnSync('sh', ['-c', 'command -v redis-server']).status === 0
          ? false
          : 'no redis-server (scripts/setup-host.sh --e2e-user installs it)',
    },
    async () => {
      const password = `redis-${randomBytes(12).toString('hex')}`;
      const port = await new Promise<number>((resolve) => {
        const s = net.createServer().listen(0, '127.0.0.1', () => {
          const p = (s.address() as net.AddressInfo).port;
          s.close(() => resolve(p));
        });
      });
      const conf = path.join(dir, 'redis.conf');
      fs.writeFileSync(
        conf,
        `port ${port}\nbind 127.0.0.1\nrequirepass ${password}\nsave ""\nappendonly no\ndir ${dir}\n`,
      );
      const redis = spawn('redis-server', [conf], { stdio: 'ignore' });
      try {
        for (let i = 0; i < 100; i++) {
          const up = await RespClient.connect('127.0.0.1', port, 300).then(
            (c) => (c.close(), true),
            () => false,
          );
          if (up) break;
          await new Promise((r) => setTimeout(r, 100));
        }
        const cache = { XCROSS_COMPILE_CACHE: `redis://:${password}@127.0.0.1:${port}/1` };
        const runs: [string, string[]][] = [
          ['podman', ['run', '-v', '--target', T, '--', '--print-env']],
          ['podman-api', ['run', '-vv', '--runtime', 'podman-api', '--target', T, '--', '--print-env']],
        ];
        for (const [what, args] of runs) {
          const r = await xcross(args, { cwd: crate, env: { ...env, ...cache }, timeoutMs: 900_000 });
          logRun(`compile cache in redis, ${what}: xcross ${args.join(' ')}`, r);
          assert.equal(r.code, 0, tail(r.stderr));
          // It went through the cache (the container's command line and environment were the cache's)...
          assert.match(r.stderr, /compile cache: redis:\/\/:\*\*\*@127\.0\.0\.1:\d+\/1 \(XCROSS_COMPILE_CACHE\)/);
          assert.match(r.stdout, /^env RUSTC_WRAPPER=\/usr\/local\/bin\/xcross-compile-cache$/m);
          // ... and the password is nowhere: not in -v (command lines, labels, requests), not in the program's environment.
          assert.ok(
            !r.stdout.includes(password) && !r.stderr.includes(password),
            `the redis password shows in ${what}`,
          );
        }
        passedTests++;
      } finally {
        redis.kill('SIGKILL');
      }
    },
  );
});
