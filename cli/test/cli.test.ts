import { expect } from 'chai';
import { runCli } from './run-cli.js';

describe('osdlab CLI contract', function () {
  this.timeout(60_000);

  it('exits 2 with a usage hint on an unknown command, without a stack trace', async () => {
    const r = await runCli(['frobnicate']);
    expect(r.exitCode).to.equal(2);
    expect(r.stderr).to.match(/unknown command/);
    expect(r.stderr).not.to.match(/\bat .*\.ts:\d+/);
  });

  it('prints help with an example for the program and for each command', async function () {
    this.timeout(180_000);
    const top = await runCli(['--help']);
    expect(top.exitCode).to.equal(0);
    const commands = [...top.stdout.matchAll(/^ {2}([a-z][a-z-]*)\b/gm)].map((m) => m[1]).filter((c) => c !== 'help');
    expect(commands).to.include('doctor');
    // One CLI process per command, side by side: each spends most of its time starting tsx.
    const helps = await Promise.all(commands.map((c) => runCli([c, '--help'], { timeoutMs: 150_000 })));
    helps.forEach((r, i) => {
      expect(r.exitCode, commands[i]).to.equal(0);
      expect(r.stdout, `${commands[i]} --help shows an example`).to.match(/Example/);
    });
  });
});
