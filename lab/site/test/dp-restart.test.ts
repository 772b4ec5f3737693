// "The DP process restarted during a download": the DP runs in a child process, is killed
// (SIGKILL) mid-transfer and started again on the same port; the client resumes with Range.

import { expect } from 'chai';
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { setTimeout as sleep } from 'node:timers/promises';
import { downloadWithResume, type DistributionPointServerConfig } from '../index.js';
import { packageSource, tempDir } from './dp-fixture.js';

const MIB = 1024 * 1024;
const MAIN = fileURLToPath(new URL('../dp/main.ts', import.meta.url));

async function startChild(configPath: string, children: Set<ChildProcess>): Promise<{ child: ChildProcess; url: string }> {
  const child = spawn(process.execPath, ['--import', 'tsx', MAIN, configPath], { stdio: ['ignore', 'pipe', 'inherit'] });
  children.add(child);
  child.once('exit', () => children.delete(child));
  const lines = createInterface({ input: child.stdout! });
  const [first] = (await Promise.race([once(lines, 'line'), once(child, 'exit').then(() => { throw new Error('the DP process ended before listening'); })])) as [string];
  lines.close();
  return { child, url: (JSON.parse(first) as { url: string }).url };
}

describe('distribution point restarted during a download (child process)', function () {
  this.timeout(60_000);
  const children = new Set<ChildProcess>();
  let dir: Awaited<ReturnType<typeof tempDir>>;

  before(async () => {
    dir = await tempDir('osdlab-dp-restart-');
  });
  after(async () => {
    for (const c of children) c.kill('SIGKILL');
    await dir.remove();
  });

  it('resumes after the DP was killed and started again; the content verifies', async () => {
    const image = await packageSource(dir.path, 'LAB00003', 8 * MIB);
    const config: DistributionPointServerConfig = { id: 'DP02', site: 'HQ', packages: [{ packageId: 'LAB00003', source: image.dir }], rateBytesPerSec: 4 * MIB };
    const configPath = join(dir.path, 'dp.json');
    await writeFile(configPath, JSON.stringify(config));
    const first = await startChild(configPath, children);
    await writeFile(configPath, JSON.stringify({ ...config, port: Number(new URL(first.url).port) }));

    const destination = join(dir.path, 'image.wim');
    const download = downloadWithResume(`${first.url}/SMS_DP_SMSPKG$/LAB00003/image.wim`, destination, { retryDelayMs: 100, attempts: 100 });
    let killedAt = 0;
    while (killedAt === 0) {
      const have = (await stat(`${destination}.partial`).catch(() => undefined))?.size ?? 0;
      if (have >= 2 * MIB) {
        first.child.kill('SIGKILL');
        await once(first.child, 'exit');
        killedAt = have;
      } else await sleep(20);
    }
    const second = await startChild(configPath, children);
    expect(second.url).to.equal(first.url);
    const result = await download;
    expect(killedAt).to.be.below(image.bytes.length);
    expect(result.resumes).to.be.at.least(1);
    expect(result.sha256).to.equal(image.sha256);
    second.child.kill('SIGTERM');
    const [code] = (await once(second.child, 'exit')) as [number | null];
    expect(code).to.equal(0);
  });
});
