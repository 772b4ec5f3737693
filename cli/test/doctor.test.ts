import { expect } from 'chai';
import { runCli } from './run-cli.js';

describe('osdlab doctor', function () {
  this.timeout(60_000);

  it('reports every check with a status, and a fix for anything missing', async () => {
    const r = await runCli(['doctor', '--json']);
    const checks = JSON.parse(r.stdout) as { name: string; status: string; detail: string; fix?: string }[];
    const names = checks.map((c) => c.name);
    for (const n of ['Debian packages', 'qemu-system-x86_64', 'qemu-system-i386', 'boot image kernel', 'acceleration', 'network namespaces', 'link shaping', 'disk space']) {
      expect(names).to.include(n);
    }
    for (const c of checks) {
      expect(['ok', 'warn', 'missing']).to.include(c.status);
      if (c.status === 'missing') expect(c.fix, `${c.name} needs a fix`).to.be.a('string');
    }
    const missing = checks.some((c) => c.status === 'missing');
    expect(r.exitCode).to.equal(missing ? 3 : 0);
  });

  it('says which accelerator a run will use', async () => {
    const r = await runCli(['doctor']);
    expect(r.stdout).to.match(/acceleration: (KVM usable|.*TCG software emulation will be used)/);
  });
});
