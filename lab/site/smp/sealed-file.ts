// Stored user state at rest: AES-256-GCM with the association's key. File layout:
//   "OSDLSMP1" | 12-byte IV | u16 length + association ID (UTF-8) | ciphertext | 16-byte tag
// The header is authenticated (AAD), so a store cannot be moved to another association.
// Written to a temp file, fsync'd and renamed over the old store: a broken upload leaves the
// previous complete store as it was.

import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { appendFile, open, rename, rm } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { Transform, type Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';

const MAGIC = Buffer.from('OSDLSMP1');
const TAG_BYTES = 16;

export interface SealedHeader {
  associationId: string;
  iv: Buffer;
  headerBytes: number;
}

function header(associationId: string, iv: Buffer): Buffer {
  const id = Buffer.from(associationId, 'utf8');
  const length = Buffer.alloc(2);
  length.writeUInt16BE(id.length);
  return Buffer.concat([MAGIC, iv, length, id]);
}

export interface SealResult {
  /** Plaintext bytes. */
  bytes: number;
  /** SHA-256 of the plaintext, for the client to compare. */
  sha256: string;
}

/**
 * Encrypts `source` into `path` atomically. `check` runs per chunk with the bytes so far and may
 * throw (minimum free space); any failure removes the temp file and keeps the old store.
 */
export async function writeSealed(path: string, source: Readable, key: Buffer, associationId: string, check: (bytes: number) => Promise<void>): Promise<SealResult> {
  const iv = randomBytes(12);
  const head = header(associationId, iv);
  const cipher = createCipheriv('aes-256-gcm', key, iv);
  cipher.setAAD(head);
  const hash = createHash('sha256');
  let bytes = 0;
  const temp = join(dirname(path), `.upload-${randomBytes(6).toString('hex')}.tmp`);
  try {
    const out = createWriteStream(temp, { flags: 'wx', mode: 0o600 });
    out.write(head);
    const counter = new Transform({
      transform(chunk: Buffer, _enc, done) {
        bytes += chunk.length;
        hash.update(chunk);
        check(bytes).then(() => done(null, chunk), done);
      },
    });
    await pipeline(source, counter, cipher, out);
    await appendFile(temp, cipher.getAuthTag());
    const file = await open(temp, 'r+');
    try {
      await file.sync();
    } finally {
      await file.close();
    }
    await rename(temp, path);
    await syncDirectory(dirname(path));
    return { bytes, sha256: hash.digest('hex') };
  } catch (error) {
    await rm(temp, { force: true });
    throw error;
  }
}

type Handle = Awaited<ReturnType<typeof open>>;

/** The header of a sealed file (which association's key opens it) and its plaintext size. */
export async function readSealedHeader(path: string): Promise<SealedHeader & { plaintextBytes: number }> {
  const file = await open(path, 'r');
  try {
    return await headerOf(file, path);
  } finally {
    await file.close();
  }
}

async function headerOf(file: Handle, path: string): Promise<SealedHeader & { plaintextBytes: number; raw: Buffer }> {
  const fixed = Buffer.alloc(MAGIC.length + 12 + 2);
  await file.read(fixed, 0, fixed.length, 0);
  if (!fixed.subarray(0, MAGIC.length).equals(MAGIC)) throw new Error(`${path} is not a sealed user-state store`);
  const idLength = fixed.readUInt16BE(MAGIC.length + 12);
  const id = Buffer.alloc(idLength);
  await file.read(id, 0, idLength, fixed.length);
  const headerBytes = fixed.length + idLength;
  const size = (await file.stat()).size;
  return {
    associationId: id.toString('utf8'),
    iv: fixed.subarray(MAGIC.length, MAGIC.length + 12),
    headerBytes,
    plaintextBytes: size - headerBytes - TAG_BYTES,
    raw: Buffer.concat([fixed, id]),
  };
}

/**
 * The plaintext of a sealed file as a stream. GCM verifies at the end: a tampered or wrongly
 * keyed store makes the stream fail there (the client sees a cut transfer, never a clean end).
 */
export async function openSealed(path: string, key: Buffer): Promise<{ stream: Readable; bytes: number; associationId: string }> {
  const file = await open(path, 'r');
  let decipher;
  let h;
  try {
    h = await headerOf(file, path);
    const tag = Buffer.alloc(TAG_BYTES);
    await file.read(tag, 0, TAG_BYTES, h.headerBytes + h.plaintextBytes);
    decipher = createDecipheriv('aes-256-gcm', key, h.iv);
    decipher.setAAD(h.raw);
    decipher.setAuthTag(tag);
  } catch (error) {
    await file.close();
    throw error;
  }
  const answer = { stream: decipher as Readable, bytes: h.plaintextBytes, associationId: h.associationId };
  if (h.plaintextBytes === 0) {
    await file.close();
    decipher.end();
    return answer;
  }
  // The read stream closes the file when it ends or fails.
  const cipherText = file.createReadStream({ start: h.headerBytes, end: h.headerBytes + h.plaintextBytes - 1 });
  cipherText.once('error', (e) => decipher.destroy(e));
  cipherText.pipe(decipher);
  return answer;
}

async function syncDirectory(dir: string): Promise<void> {
  const d = await open(dir, 'r');
  try {
    await d.sync();
  } finally {
    await d.close();
  }
}
