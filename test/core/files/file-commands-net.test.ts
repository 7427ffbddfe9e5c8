// Shared files on a real chat server on 127.0.0.1, spoken to as `nc` and Python users would:
// listing, downloads on the chat connection, raw and declared uploads, tickets, and what is
// refused. Files are real, in a temporary folder.
import { createHash, randomBytes } from 'node:crypto';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startChatServer, type ChatServer } from '../../../src/core/chat/chat-server.ts';
import type { ChatLimits } from '../../../src/core/chat/chat-limits.ts';
import type { FileService } from '../../../src/core/files/file-service.ts';
import type { FilesLimits } from '../../../src/core/files/files-limits.ts';
import { getRuntime } from '../../../src/runtime/index.ts';
import { BytePeer } from '../../helpers/byte-peer.ts';
import { openRealFileService } from '../../helpers/real-file-service.ts';

const sha = (bytes: Uint8Array | string) => createHash('sha256').update(bytes).digest('hex');

let dir: string;
let shared: string;
let server: ChatServer | undefined;
let files: FileService | undefined;
const peers: BytePeer[] = [];

beforeEach(async () => {
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'netchat-files-net-'));
  shared = path.join(dir, 'SharedFiles');
  await fs.mkdir(shared);
});

afterEach(async () => {
  for (const peer of peers.splice(0)) peer.destroy();
  await server?.close();
  server = undefined;
  await fs.rm(dir, { recursive: true, force: true });
});

async function start(options: { limits?: Partial<FilesLimits>; chat?: Partial<ChatLimits>; uploads?: boolean } = {}): Promise<number> {
  const runtime = getRuntime();
  const chat = { floodBurst: 0, ...options.chat };
  const service = await openRealFileService(shared, {
    limits: options.limits,
    uploadsEnabled: options.uploads ?? true,
    maxSendQueueBytes: chat.maxSendQueueBytes ?? 1024 * 1024,
  });
  files = service;
  server = await startChatServer(runtime, { host: '127.0.0.1', port: 0, limits: chat, files: service, closeGraceMs: 500 });
  return server.address.port;
}

async function peer(port: number): Promise<BytePeer> {
  const connected = await BytePeer.connect(port);
  peers.push(connected);
  await connected.line(); // greeting
  return connected;
}

async function joined(port: number, name: string): Promise<BytePeer> {
  const user = await peer(port);
  user.send(`JOIN ${name}\n`);
  await user.lineMatching(/^\[Server\] Welcome, /);
  return user;
}

async function visible(): Promise<string[]> {
  return (await fs.readdir(shared)).sort();
}

describe('LIST_FILES', () => {
  it('lists names with sizes and times, hidden files left out, in pages that say how to continue', async () => {
    await fs.writeFile(path.join(shared, 'b report.csv'), 'bb');
    await fs.writeFile(path.join(shared, 'a.txt'), 'a');
    await fs.writeFile(path.join(shared, 'c.bin'), 'ccc');
    await fs.writeFile(path.join(shared, '.secret'), 'x');
    const port = await start({ limits: { listPageEntries: 2 } });
    const ann = await joined(port, 'ann');
    ann.send('LIST_FILES\n');
    expect(await ann.line()).toMatch(/^\[File\] 1 \d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ a\.txt$/);
    expect(await ann.line()).toMatch(/^\[File\] 2 \S+ b report\.csv$/);
    expect(await ann.line()).toBe('[Files] 2 files, 3 in total. More: LIST_FILES AFTER b report.csv');
    ann.send('LIST_FILES AFTER b report.csv\n');
    expect(await ann.line()).toMatch(/^\[File\] 3 \S+ c\.bin$/);
    expect(await ann.line()).toBe('[Files] 1 file, 3 in total.');
  });

  it('needs a name first', async () => {
    const port = await start();
    const guest = await peer(port);
    guest.send('LIST_FILES\n');
    expect(await guest.line()).toMatch(/^ERROR NOT_REGISTERED /);
  });
});

describe('DOWNLOAD_TCP on the chat connection', () => {
  it('sends the header, exactly the file, then chat that arrived meanwhile', async () => {
    const content = randomBytes(16 * 1024 * 1024 + 17);
    await fs.writeFile(path.join(shared, 'big file.bin'), content);
    const port = await start();
    const ann = await joined(port, 'ann');
    const bob = await joined(port, 'bob');
    ann.send('DOWNLOAD_TCP big file.bin\n');
    const header = await ann.lineMatching(/^FILE_START_TCP /);
    // Ann stops reading mid-file; bob's broadcast arrives while the bytes are still going out.
    ann.socket.pause();
    bob.send('BROADCAST during the download\nPING handled\n');
    await bob.lineMatching(/^PONG handled$/);
    ann.socket.resume();
    expect(header).toBe(`FILE_START_TCP ${content.length} ${sha(content)} 0 big file.bin`);
    const [, size, , offset] = header.split(' ');
    const bytes = await ann.bytes(Number(size) - Number(offset));
    expect(sha(bytes)).toBe(sha(content));
    expect(await ann.line()).toBe('[Broadcast] bob: during the download');
    ann.send('PING after\n');
    expect(await ann.line()).toBe('PONG after');
  }, 60_000);

  it('resumes from an offset; the header still names the whole file', async () => {
    const content = randomBytes(10_000);
    await fs.writeFile(path.join(shared, 'data 2'), content.subarray(0, 10));
    await fs.writeFile(path.join(shared, 'data'), content);
    const port = await start();
    const ann = await joined(port, 'ann');
    ann.send('DOWNLOAD_TCP data 2\n');
    expect(await ann.line()).toBe(`FILE_START_TCP 10 ${sha(content.subarray(0, 10))} 0 data 2`);
    await ann.bytes(10);
    ann.send('DOWNLOAD_TCP "data" 2500\n');
    expect(await ann.line()).toBe(`FILE_START_TCP 10000 ${sha(content)} 2500 data`);
    expect(Buffer.compare(await ann.bytes(7500), content.subarray(2500))).toBe(0);
    ann.send('DOWNLOAD_TCP data 10001\n');
    expect(await ann.line()).toMatch(/^ERROR BAD_OFFSET /);
    ann.send('DOWNLOAD_TCP data 10000\n');
    expect(await ann.line()).toBe(`FILE_START_TCP 10000 ${sha(content)} 10000 data`);
    ann.send('PING x\n');
    expect(await ann.line()).toBe('PONG x');
  });

  it.each([
    ['../outside.txt', 'FILE_NAME_INVALID'],
    ['/etc/passwd', 'FILE_NAME_INVALID'],
    ['..\\outside.txt', 'FILE_NAME_INVALID'],
    ['.hidden', 'FILE_NAME_INVALID'],
    ['nul', 'FILE_NAME_INVALID'],
    ['escape.txt', 'NO_SUCH_FILE'],
    ['subdir', 'NO_SUCH_FILE'],
    ['missing.txt', 'NO_SUCH_FILE'],
  ])('refuses %j with %s and reads nothing outside the folder', async (name, code) => {
    await fs.writeFile(path.join(dir, 'outside.txt'), 'outside');
    await fs.writeFile(path.join(shared, '.hidden'), 'hidden');
    await fs.symlink(path.join(dir, 'outside.txt'), path.join(shared, 'escape.txt'));
    await fs.mkdir(path.join(shared, 'subdir'));
    const port = await start();
    const ann = await joined(port, 'ann');
    ann.send(`DOWNLOAD_TCP ${name}\n`);
    expect(await ann.line()).toMatch(new RegExp(`^ERROR ${code} `));
  });
});

describe('slow readers', () => {
  it('a client that does not read its download holds only its own transfer: chat flows for everyone else', async () => {
    await fs.writeFile(path.join(shared, 'big.bin'), randomBytes(8 * 1024 * 1024));
    const port = await start();
    const slow = await joined(port, 'slow');
    const ann = await joined(port, 'ann');
    const bob = await joined(port, 'bob');
    slow.socket.pause();
    slow.send('DOWNLOAD_TCP big.bin\n');
    for (let i = 0; i < 20; i++) ann.send(`BROADCAST message ${i}\n`);
    for (let i = 0; i < 20; i++) expect(await bob.lineMatching(/^\[Broadcast\]/)).toBe(`[Broadcast] ann: message ${i}`);
    expect(server!.connectionCount).toBe(3);
  });

  it('a download whose reader goes away while the server waits for it to read gives back its transfer slot', async () => {
    // Far more than any kernel's socket buffers hold: the server must stop and wait for the reader.
    await fs.writeFile(path.join(shared, 'big.bin'), randomBytes(64 * 1024 * 1024));
    const port = await start();
    const slow = await joined(port, 'slow');
    slow.send('DOWNLOAD_TCP big.bin\n');
    await slow.lineMatching(/^FILE_START_TCP /);
    slow.socket.pause();
    await expect.poll(() => files!.activeTransfers).toBe(1);
    slow.socket.resetAndDestroy();
    await expect.poll(() => files!.activeTransfers).toBe(0);
  });
});

describe('a full disk', () => {
  const root = process.getuid?.() === 0;
  it.runIf(root)('is reported as DISK_FULL and leaves nothing (a 1 MiB tmpfs)', async () => {
    const { execFileSync } = await import('node:child_process');
    try {
      execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=1m', 'tmpfs', shared]);
    } catch (error) {
      console.warn(`skipped: cannot mount a tmpfs here (${(error as Error).message})`);
      return;
    }
    try {
      const port = await start();
      const nc = await BytePeer.connect(port);
      peers.push(nc);
      nc.send(Buffer.concat([Buffer.from('UPLOAD_RAW too big.bin\n'), randomBytes(2 * 1024 * 1024)]));
      nc.end();
      expect(await nc.lineMatching(/^ERROR|^FILE_STORED/)).toMatch(/^ERROR DISK_FULL /);
      await server!.close();
      server = undefined;
      expect(await visible()).toEqual([]);
    } finally {
      execFileSync('umount', [shared]);
    }
  });
});

describe('uploads', () => {
  it('takes a raw upload from nc until the half-close, answers with name, size and hash, and tells the others', async () => {
    const port = await start();
    const ann = await joined(port, 'ann');
    const content = randomBytes(2 * 1024 * 1024 + 5);
    const nc = await BytePeer.connect(port);
    peers.push(nc);
    nc.send(Buffer.concat([Buffer.from('UPLOAD_RAW report.csv\n'), content.subarray(0, 1000)]));
    nc.end(content.subarray(1000));
    expect(await nc.lineMatching(/^FILE_STORED /)).toBe(`FILE_STORED ${content.length} ${sha(content)} report.csv`);
    await nc.waitForClose();
    expect(await ann.line()).toBe('[Server] A guest shared report.csv (2.1 MB).');
    expect(sha(await fs.readFile(path.join(shared, 'report.csv')))).toBe(sha(content));
  });

  it('keeps nothing of a raw upload whose connection breaks', async () => {
    const port = await start();
    const nc = await BytePeer.connect(port);
    nc.send(Buffer.concat([Buffer.from('UPLOAD_RAW cut.bin\n'), randomBytes(100_000)]));
    await expect.poll(async () => (await fs.readdir(shared)).length).toBe(1); // the partial file
    nc.socket.resetAndDestroy();
    await expect.poll(visible).toEqual([]);
  });

  it('takes a declared upload after UPLOAD_READY, never overwriting: the second copy gets a new name', async () => {
    await fs.writeFile(path.join(shared, 'report.csv'), 'already here');
    const port = await start();
    const content = randomBytes(70_000);
    const sender = await BytePeer.connect(port);
    peers.push(sender);
    sender.send(`UPLOAD ${content.length} ${sha(content)} report.csv\n`);
    expect(await sender.lineMatching(/^UPLOAD_READY|^ERROR/)).toBe('UPLOAD_READY');
    sender.send(content);
    expect(await sender.lineMatching(/^FILE_STORED|^ERROR/)).toBe(`FILE_STORED ${content.length} ${sha(content)} report (1).csv`);
    expect(await visible()).toEqual(['report (1).csv', 'report.csv']);
    expect(await fs.readFile(path.join(shared, 'report.csv'), 'utf8')).toBe('already here');
  });

  it.each([
    ['a wrong hash', (c: Buffer) => `UPLOAD ${c.length} ${sha('other')} x.bin\n`, 'UPLOAD_CORRUPT'],
    ['a size over the limit', () => `UPLOAD 5000001 ${sha('x')} x.bin\n`, 'FILE_TOO_LARGE'],
    ['a traversal name', (c: Buffer) => `UPLOAD ${c.length} ${sha(c)} ../x.bin\n`, 'FILE_NAME_INVALID'],
    ['a hidden name', (c: Buffer) => `UPLOAD ${c.length} ${sha(c)} .x.bin\n`, 'FILE_NAME_INVALID'],
  ])('refuses %s and leaves nothing', async (_label, line, code) => {
    const port = await start({ limits: { maxUploadBytes: 5_000_000 } });
    const content = randomBytes(1000);
    const sender = await BytePeer.connect(port);
    peers.push(sender);
    sender.send(line(content));
    const answer = await sender.lineMatching(/^UPLOAD_READY|^ERROR/);
    if (answer === 'UPLOAD_READY') sender.send(content);
    expect(await sender.lineMatching(/^ERROR|^FILE_STORED/).catch(() => answer)).toMatch(new RegExp(`^ERROR ${code} `));
    await sender.waitForClose();
    expect(await visible()).toEqual([]);
  });

  it('reports a short declared upload as incomplete when the sender half-closes', async () => {
    const port = await start();
    const content = randomBytes(1000);
    const sender = await BytePeer.connect(port);
    peers.push(sender);
    sender.send(`UPLOAD ${content.length} ${sha(content)} short.bin\n`);
    await sender.lineMatching(/^UPLOAD_READY/);
    sender.end(content.subarray(0, 999));
    expect(await sender.lineMatching(/^ERROR/)).toMatch(/^ERROR UPLOAD_INCOMPLETE 999 of 1000 bytes/);
    expect(await visible()).toEqual([]);
  });

  it('refuses an upload that is not the first line, and every upload with --no-uploads', async () => {
    let port = await start();
    const ann = await joined(port, 'ann');
    ann.send('UPLOAD_RAW x.txt\n');
    expect(await ann.line()).toMatch(/^ERROR UPLOAD_MISPLACED /);
    await server!.close();
    port = await start({ uploads: false });
    const nc = await BytePeer.connect(port);
    peers.push(nc);
    nc.end('UPLOAD_RAW x.txt\nhello');
    expect(await nc.lineMatching(/^ERROR/)).toMatch(/^ERROR UPLOADS_DISABLED /);
    await nc.waitForClose();
    expect(await visible()).toEqual([]);
  });
});

describe('the bytes after an upload line', () => {
  const payload = 'JOIN mallory\nBROADCAST owned\n';
  it.each([
    ['a blank line before it (ignored: the upload still opens the connection)', `\n  \nUPLOAD_RAW notes.txt\n${payload}`, /^FILE_STORED \d+ [0-9a-f]{64} notes\.txt$/],
    ['an UPLOAD_RAW without a name', `UPLOAD_RAW   \n${payload}`, /^ERROR MISSING_ARGUMENT /],
    ['a bare UPLOAD', `UPLOAD\n${payload}`, /^ERROR MISSING_ARGUMENT /],
    ['an over-long first line', `UPLOAD_RAW ${'x'.repeat(5000)}.txt\n${payload}`, /^ERROR LINE_TOO_LONG /],
  ])('are never read as commands: %s', async (_label, sent, answer) => {
    const port = await start();
    const ann = await joined(port, 'ann');
    const nc = await BytePeer.connect(port);
    peers.push(nc);
    nc.end(sent);
    expect(await nc.lineMatching(/^ERROR|^FILE_STORED/)).toMatch(answer);
    await nc.waitForClose();
    // Had the bytes been read as lines, mallory would have joined and broadcast before bob joins.
    await joined(port, 'bob');
    expect(await ann.lineMatching(/^\[Server\] (bob|mallory|A guest)|^\[Broadcast\]/)).toMatch(/^\[Server\] (bob has joined|A guest shared notes\.txt)/);
  });
});

describe('TICKET and TRANSFER', () => {
  it('moves a file on a second connection, once per ticket, while the chat connection stays free', async () => {
    const content = randomBytes(200_000);
    await fs.writeFile(path.join(shared, 'f.bin'), content);
    const port = await start();
    const ann = await joined(port, 'ann');
    ann.send('TICKET\n');
    const ticket = /^TICKET ([0-9a-f]{32}) 30$/.exec(await ann.line())![1]!;
    const transfer = await BytePeer.connect(port);
    peers.push(transfer);
    transfer.send(`TRANSFER ${ticket}\nDOWNLOAD_TCP f.bin\n`);
    expect(await transfer.lineMatching(/^FILE_START_TCP/)).toBe(`FILE_START_TCP ${content.length} ${sha(content)} 0 f.bin`);
    ann.send('PING free\n');
    expect(await ann.line()).toBe('PONG free');
    expect(sha(await transfer.bytes(content.length))).toBe(sha(content));
    await transfer.waitForClose();
    const again = await BytePeer.connect(port);
    peers.push(again);
    again.send(`TRANSFER ${ticket}\n`);
    expect(await again.lineMatching(/^ERROR/)).toMatch(/^ERROR TICKET_INVALID /);
    await again.waitForClose();
  });

  it('takes a ticket typed in capitals, and refuses TRANSFER on a joined chat connection without ending its chat', async () => {
    await fs.writeFile(path.join(shared, 'f.bin'), 'abc');
    const port = await start();
    const ann = await joined(port, 'ann');
    ann.send('TICKET\n');
    const ticket = /^TICKET ([0-9a-f]{32}) 30$/.exec(await ann.line())![1]!;
    ann.send(`TRANSFER ${ticket}\n`);
    expect(await ann.line()).toMatch(/^ERROR TICKET_INVALID TRANSFER must be the first line/);
    ann.send('PING still here\n');
    expect(await ann.line()).toBe('PONG still here');
    const transfer = await BytePeer.connect(port);
    peers.push(transfer);
    transfer.send(`TRANSFER ${ticket.toUpperCase()}\nDOWNLOAD_TCP f.bin\n`);
    expect(await transfer.lineMatching(/^FILE_START_TCP|^ERROR/)).toBe(`FILE_START_TCP 3 ${sha('abc')} 0 f.bin`);
  });

  it('uploads with a ticket under the user name, announced to the others', async () => {
    const port = await start();
    const ann = await joined(port, 'ann');
    const bob = await joined(port, 'bob');
    ann.send('TICKET\n');
    const ticket = (await ann.lineMatching(/^TICKET /)).split(' ')[1]!;
    const content = Buffer.from('ticketed upload');
    const transfer = await BytePeer.connect(port);
    peers.push(transfer);
    transfer.send(`TRANSFER ${ticket}\nUPLOAD ${content.length} ${sha(content)} notes.txt\n`);
    await transfer.lineMatching(/^UPLOAD_READY/);
    transfer.send(content);
    expect(await transfer.lineMatching(/^FILE_STORED/)).toBe(`FILE_STORED ${content.length} ${sha(content)} notes.txt`);
    expect(await bob.line()).toBe('[Server] ann shared notes.txt (15 B).');
    // The sharer is not told about its own file.
    ann.send('PING after\n');
    expect(await ann.line()).toBe('PONG after');
  });

  it('limits transfers per user', async () => {
    await fs.writeFile(path.join(shared, 'f.bin'), randomBytes(4 * 1024 * 1024));
    const port = await start({ limits: { maxTransfersPerUser: 1 } });
    const ann = await joined(port, 'ann');
    ann.send('TICKET\nTICKET\n');
    const first = (await ann.line()).split(' ')[1]!;
    const second = (await ann.line()).split(' ')[1]!;
    // The first transfer stalls: its reader does not read, so it holds its slot.
    const slow = await BytePeer.connect(port);
    peers.push(slow);
    slow.socket.pause();
    slow.send(`TRANSFER ${first}\nDOWNLOAD_TCP f.bin\n`);
    await expect.poll(() => server!.connectionCount).toBe(2);
    const refused = await BytePeer.connect(port);
    peers.push(refused);
    refused.send(`TRANSFER ${second}\nDOWNLOAD_TCP f.bin\n`);
    expect(await refused.lineMatching(/^ERROR|^FILE_START/)).toMatch(/^ERROR TOO_MANY_TRANSFERS /);
  });
});
