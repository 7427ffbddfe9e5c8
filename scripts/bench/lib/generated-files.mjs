// Files the files benchmark makes for itself and removes afterwards: one large file of
// incompressible bytes, written once with its SHA-256 computed on the way, and a folder of many
// empty files for the listing measurement.
import { createHash, randomBytes } from 'node:crypto';
import { closeSync, openSync, writeSync } from 'node:fs';
import path from 'node:path';

const UNITS = { k: 1024, m: 1024 ** 2, g: 1024 ** 3 };

/** `1g`, `256m`, `64k` or plain bytes → bytes. */
export function parseSize(text, flag) {
  const match = /^(\d+)([kmg])?i?b?$/i.exec(String(text).trim());
  const bytes = match ? Number(match[1]) * (match[2] ? UNITS[match[2].toLowerCase()] : 1) : Number.NaN;
  if (!Number.isSafeInteger(bytes) || bytes < 1) throw new Error(`${flag} must be a size such as 1g, 256m or 65536, not "${text}"`);
  return bytes;
}

const BLOCK_BYTES = 1024 * 1024;

/**
 * Write `bytes` bytes to `file` and return their SHA-256. One random block is written over and
 * over with its block number in its first 8 bytes, so no two blocks are alike and nothing on the
 * way (there is no compression on loopback, but still) can shortcut the bytes.
 */
export function writeGeneratedFile(file, bytes) {
  const block = randomBytes(BLOCK_BYTES);
  const hash = createHash('sha256');
  const fd = openSync(file, 'w');
  try {
    for (let written = 0, index = 0; written < bytes; index++) {
      block.writeBigUInt64BE(BigInt(index), 0);
      const piece = block.subarray(0, Math.min(BLOCK_BYTES, bytes - written));
      for (let at = 0; at < piece.length; ) at += writeSync(fd, piece, at, piece.length - at);
      hash.update(piece);
      written += piece.length;
    }
  } finally {
    closeSync(fd);
  }
  return hash.digest('hex');
}

/** Create `count` empty files `file-000000.txt` … in `dir` (which must exist). */
export function makeEmptyFiles(dir, count) {
  const digits = Math.max(6, String(count - 1).length);
  for (let i = 0; i < count; i++) closeSync(openSync(path.join(dir, `file-${String(i).padStart(digits, '0')}.txt`), 'w'));
}
