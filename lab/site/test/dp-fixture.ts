// Shared by the DP tests: a temp folder with package sources of random bytes, their SHA-256, and
// raw HTTP GETs that expose status, headers and body bytes as sent.

import { createHash, randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface PackageSource {
  dir: string;
  file: string;
  bytes: Buffer;
  sha256: string;
}

export async function tempDir(prefix: string): Promise<{ path: string; remove: () => Promise<void> }> {
  const path = await mkdtemp(join(tmpdir(), prefix));
  return { path, remove: () => rm(path, { recursive: true, force: true }) };
}

export async function packageSource(root: string, packageId: string, size: number, file = 'image.wim'): Promise<PackageSource> {
  const dir = join(root, packageId);
  await mkdir(dir, { recursive: true });
  const bytes = randomBytes(size);
  await writeFile(join(dir, file), bytes);
  return { dir, file, bytes, sha256: sha256(bytes) };
}

export function sha256(data: Buffer): string {
  return createHash('sha256').update(data).digest('hex');
}

export interface RawAnswer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
}

export function rawGet(url: string, headers: Record<string, string> = {}, method = 'GET'): Promise<RawAnswer> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method, headers, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.once('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }));
      res.once('error', reject);
    });
    req.once('error', reject);
    req.end();
  });
}
