// A distribution point in its own process (a lab namespace runs it with `ip netns exec`):
//   node --import tsx lab/site/dp/main.ts <config.json>
// Prints one JSON line {"url": ...} once listening; SIGTERM/SIGINT stop it cleanly.

import { readFile } from 'node:fs/promises';
import { DistributionPointServer, type DistributionPointServerConfig } from './server.js';

async function main(): Promise<void> {
  const path = process.argv[2];
  if (!path) {
    process.stderr.write('usage: main.ts <distribution-point-config.json>\n');
    process.exitCode = 2;
    return;
  }
  const config = JSON.parse(await readFile(path, 'utf8')) as DistributionPointServerConfig;
  const dp = new DistributionPointServer(config);
  const url = await dp.start();
  process.stdout.write(`${JSON.stringify({ url })}\n`);
  const stop = () => void dp.stop().then(() => process.exit(0));
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
  // Started with an IPC channel (lab/site/lab/service-process.ts): the run that started it is gone.
  process.once('disconnect', stop);
}

await main();
