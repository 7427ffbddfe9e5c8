// The web client in chromium over https and wss (`serve --tls --web`). Chromium trusts exactly
// the server's own certificate, named by the SHA-256 of its public key
// (--ignore-certificate-errors-spki-list), as a user pinning it would; a browser without that
// pin refuses the page, so nothing here switches certificate checks off. On the page: a chat
// with a TLS terminal `join`, an upload announced under the page user's name, and a download.
import { createHash, randomBytes, X509Certificate } from 'node:crypto';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLI_RUNTIME, spawnCli, type CliProcess } from '../helpers/cli.ts';
import { joinPage, launchBrowser, pageProblems, SCREENSHOTS, stopServer } from '../helpers/web-browser.ts';

const sha256 = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');
const visibleMessages = (page: Page) => page.locator('#messages > div:not([hidden])');

/** What chromium's SPKI pin takes: base64 of the SHA-256 of the DER SubjectPublicKeyInfo. */
function spkiPin(certificatePem: string): string {
  const spki = new X509Certificate(certificatePem).publicKey.export({ type: 'spki', format: 'der' });
  return createHash('sha256').update(spki).digest('base64');
}

describe(`the web client in chromium over https and wss [${CLI_RUNTIME}]`, () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'netchat-web-browser-tls-'));
  const terminalDir = path.join(dir, 'terminal');
  let server: CliProcess;
  let url: string;
  let browser: Browser;
  let ann: Page;
  let tom: CliProcess;
  const type = (text: string) => tom.child.stdin.write(`${text}\n`);

  beforeAll(async () => {
    server = spawnCli([
      'serve', '--host', '127.0.0.1', '--port', '0', '--tls', '--web', '127.0.0.1:0',
      '--shared-dir', path.join(dir, 'shared'), '--state-dir', path.join(dir, 'state'),
      '--announce-rate', '1000', '--min-free-disk', '0',
    ]);
    const [, fingerprint] = await server.waitForStderr(/TLS certificate (sha256:[0-9a-f]{64})\n/);
    const [, webPort] = await server.waitForStderr(/web client on https:\/\/127\.0\.0\.1:(\d+)\//);
    const [, port] = await server.waitForStderr(/listening on 127\.0\.0\.1:(\d+)/);
    url = `https://127.0.0.1:${webPort}/`;
    const pin = spkiPin(readFileSync(path.join(dir, 'state', 'tls-certificate.pem'), 'utf8'));
    browser = await launchBrowser([`--ignore-certificate-errors-spki-list=${pin}`]);
    ann = await joinPage(browser, url, 'ann');
    tom = spawnCli(['join', 'tom', `netchats://127.0.0.1:${port}`, '--fingerprint', fingerprint!, '--stay', '--state-dir', path.join(dir, 'client')], { cwd: dir });
    await tom.waitForStderr(/joined \S+ as tom/);
    await ann.locator('#users', { hasText: 'tom' }).waitFor();
  });

  afterAll(async () => {
    tom?.child.stdin.end('/quit\n');
    await tom?.exited;
    await browser?.close();
    if (server) await stopServer(server);
  });

  it('is refused by a browser that does not pin the certificate', async () => {
    const unpinned = await launchBrowser();
    try {
      const page = await unpinned.newPage();
      await expect(page.goto(url)).rejects.toThrow(/ERR_CERT_AUTHORITY_INVALID|ERR_CERT/);
    } finally {
      await unpinned.close();
    }
  });

  it('chats over wss with a TLS terminal user, both ways', async () => {
    expect(await ann.evaluate(() => (globalThis as unknown as { location: { protocol: string } }).location.protocol)).toBe('https:');
    await ann.getByLabel('Message').fill('hello over wss');
    await ann.getByLabel('Message').press('Enter');
    await tom.waitForStdout(/\[Broadcast\] ann: hello over wss/);
    type('hi back over TLS');
    await visibleMessages(ann).locator('.message', { hasText: 'hi back over TLS' }).waitFor();
  });

  it('uploads over https under the page user’s name, and downloads byte for byte', async () => {
    const bytes = randomBytes(250_000);
    await ann.locator('#upload-input').setInputFiles({ name: 'secure.bin', mimeType: 'application/octet-stream', buffer: bytes });
    await ann.locator('#uploads li.done', { hasText: 'stored as secure.bin' }).waitFor();
    await tom.waitForStdout(/ann shared secure\.bin/);
    const source = path.join(dir, 'from-terminal.dat');
    const terminalBytes = randomBytes(180_000);
    writeFileSync(source, terminalBytes);
    type(`/upload ${source}`);
    const link = ann.locator('#files a', { hasText: 'from-terminal.dat' });
    await link.waitFor();
    const [download] = await Promise.all([ann.waitForEvent('download'), link.click()]);
    const saved = path.join(dir, 'browser-download.dat');
    await download.saveAs(saved);
    expect(sha256(readFileSync(saved))).toBe(sha256(terminalBytes));
    expect(readFileSync(path.join(dir, 'shared', 'secure.bin')).equals(bytes)).toBe(true);
    await ann.screenshot({ path: path.join(SCREENSHOTS, `https-${CLI_RUNTIME}.png`) });
    expect(pageProblems(ann)).toEqual([]);
  });
});
