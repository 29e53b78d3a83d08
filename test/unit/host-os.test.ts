// Fixes that name a package manager name the host's: /etc/os-release of seven distributions (as they
// ship it) through the parser, the package-manager choice and the doctor's fixes.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { parseOsRelease } from '../../src/base/host-os/os-release';
import { installCommand, packageManager } from '../../src/base/host-os/install';
import { binfmtCheck } from '../../src/doctor/host-checks';
import { loadRegistry } from '../../src/targets/registry';
import { PACKAGE_ROOT } from '../../src/base/package-root';
import { tempDir } from './helpers';

const OS_RELEASE = {
  debian:
    'PRETTY_NAME="Debian GNU/Linux 12 (bookworm)"\nNAME="Debian GNU/Linux"\nVERSION_ID="12"\nVERSION="12 (bookworm)"\nVERSION_CODENAME=bookworm\nID=debian\nHOME_URL="https://www.debian.org/"\n',
  ubuntu:
    'PRETTY_NAME="Ubuntu 24.04.1 LTS"\nNAME="Ubuntu"\nVERSION_ID="24.04"\nVERSION="24.04.1 LTS (Noble Numbat)"\nVERSION_CODENAME=noble\nID=ubuntu\nID_LIKE=debian\n',
  fedora:
    'NAME="Fedora Linux"\nVERSION="41 (Workstation Edition)"\nID=fedora\nVERSION_ID=41\nPRETTY_NAME="Fedora Linux 41 (Workstation Edition)"\nVARIANT_ID=workstation\n',
  rhel: 'NAME="Red Hat Enterprise Linux"\nVERSION="9.4 (Plow)"\nID="rhel"\nID_LIKE="fedora"\nVERSION_ID="9.4"\nPRETTY_NAME="Red Hat Enterprise Linux 9.4 (Plow)"\n',
  rocky:
    'NAME="Rocky Linux"\nVERSION="9.4 (Blue Onyx)"\nID="rocky"\nID_LIKE="rhel centos fedora"\nVERSION_ID="9.4"\nPRETTY_NAME="Rocky Linux 9.4 (Blue Onyx)"\n',
  arch: 'NAME="Arch Linux"\nPRETTY_NAME="Arch Linux"\nID=arch\nBUILD_ID=rolling\nANSI_COLOR="38;2;23;147;209"\n',
  opensuse:
    'NAME="openSUSE Tumbleweed"\n# VERSION="20241201"\nID="opensuse-tumbleweed"\nID_LIKE="opensuse suse"\nVERSION_ID="20241201"\nPRETTY_NAME="openSUSE Tumbleweed"\n',
  alpine: 'NAME="Alpine Linux"\nID=alpine\nVERSION_ID=3.20.3\nPRETTY_NAME="Alpine Linux v3.20"\n',
  nixos: 'NAME=NixOS\nID=nixos\nPRETTY_NAME="NixOS 24.05 (Uakari)"\n',
};
const os = (name: keyof typeof OS_RELEASE) => parseOsRelease(OS_RELEASE[name]);

test('os-release: quoting, comments, ID_LIKE as a list', () => {
  assert.deepEqual(os('rocky'), {
    id: 'rocky',
    idLike: ['rhel', 'centos', 'fedora'],
    name: 'Rocky Linux 9.4 (Blue Onyx)',
    versionId: '9.4',
  });
  assert.deepEqual(os('arch'), { id: 'arch', idLike: [], name: 'Arch Linux' });
  assert.equal(parseOsRelease('NAME="A \\"quoted\\" name"\nID=\'x\'\n').name, 'A "quoted" name');
  assert.equal(parseOsRelease('').id, 'linux');
});

describe('each distribution gets its own package manager and package names', () => {
  const expected: [keyof typeof OS_RELEASE, string | undefined, string, string, string][] = [
    [
      'debian',
      'apt',
      'sudo apt-get install podman uidmap',
      'sudo apt-get install uidmap',
      'sudo apt-get install binfmt-support qemu-user-static',
    ],
    [
      'ubuntu',
      'apt',
      'sudo apt-get install podman uidmap',
      'sudo apt-get install uidmap',
      'sudo apt-get install binfmt-support qemu-user-static',
    ],
    ['fedora', 'dnf', 'sudo dnf install podman', 'sudo dnf install shadow-utils', 'sudo dnf install qemu-user-static'],
    ['rhel', 'dnf', 'sudo dnf install podman', 'sudo dnf install shadow-utils', 'sudo dnf install qemu-user-static'],
    ['rocky', 'dnf', 'sudo dnf install podman', 'sudo dnf install shadow-utils', 'sudo dnf install qemu-user-static'],
    [
      'arch',
      'pacman',
      'sudo pacman -S podman',
      'sudo pacman -S shadow',
      'sudo pacman -S qemu-user-static qemu-user-static-binfmt',
    ],
    [
      'opensuse',
      'zypper',
      'sudo zypper install podman',
      'sudo zypper install shadow',
      'sudo zypper install qemu-linux-user',
    ],
    [
      'alpine',
      'apk',
      'sudo apk add podman',
      'sudo apk add shadow-uidmap',
      'sudo apk add qemu-openrc qemu-aarch64 qemu-s390x',
    ],
  ];
  for (const [name, pm, podman, uidmap, binfmt] of expected) {
    test(name, () => {
      assert.equal(packageManager(os(name)), pm);
      assert.equal(installCommand('podman', os(name)), podman);
      assert.equal(installCommand('uidmap', os(name)), uidmap);
      assert.equal(installCommand('binfmt', os(name), ['aarch64', 's390x']), binfmt);
    });
  }
  test('a distribution xcross does not know, or no os-release: both common commands, said to be examples', () => {
    assert.equal(packageManager(os('nixos')), undefined);
    assert.equal(
      installCommand('podman', os('nixos')),
      'NixOS 24.05 (Uakari) is not a distribution xcross knows: install podman uidmap with your package manager (Debian: sudo apt-get install podman uidmap; Fedora: sudo dnf install podman)',
    );
    assert.match(installCommand('podman', null), /^install podman uidmap with your package manager/);
  });
});

describe("the doctor's fixes follow the host", () => {
  test("binfmt_misc without entries: the host family's qemu packages", () => {
    const targets = loadRegistry().targets;
    const empty = tempDir();
    assert.match(
      binfmtCheck(targets, 'x86_64', empty, os('fedora')).fix ?? '',
      /^sudo dnf install qemu-user-static, then/,
    );
    assert.match(
      binfmtCheck(targets, 'x86_64', empty, os('ubuntu')).fix ?? '',
      /^sudo apt-get install binfmt-support qemu-user-static, then/,
    );
    assert.match(
      binfmtCheck(targets, 'x86_64', empty, os('alpine')).fix ?? '',
      /^sudo apk add qemu-openrc qemu-aarch64 qemu-arm qemu-ppc64le qemu-s390x qemu-riscv64 qemu-mips qemu-mipsel qemu-mips64 qemu-mips64el qemu-ppc qemu-ppc64 qemu-sparc64, then/,
    );
  });
});

test('no fix spells a package manager out by itself: they all come from src/base/host-os/install.ts', () => {
  const offenders: string[] = [];
  const walk = (dir: string) => {
    for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
      const p = path.join(dir, e.name);
      if (e.isDirectory()) walk(p);
      else if (p.endsWith('.ts') && !p.endsWith(path.join('host-os', 'install.ts'))) {
        fs.readFileSync(p, 'utf8')
          .split('\n')
          .forEach((line, i) => {
            if (/\b(apt-get|apt|dnf|yum|pacman|zypper|apk) (install|add|-S)\b/.test(line))
              offenders.push(`${path.relative(PACKAGE_ROOT, p)}:${i + 1}: ${line.trim()}`);
          });
      }
    }
  };
  for (const dir of ['src', 'runtimes']) walk(path.join(PACKAGE_ROOT, dir));
  assert.deepEqual(offenders, []);
});
