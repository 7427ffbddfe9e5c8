// The web client in a real browser (chromium, headless, through playwright-core) against the
// real `netchat serve --web` of whichever runtime NETCHAT_CLI names: two browser pages and one
// terminal `join` chat with each other, move files both ways byte for byte, show markup as
// text, and the pages come back on their own after a server restart.
import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLI_RUNTIME, spawnCli, type CliProcess } from '../helpers/cli.ts';
import { joinPage, launchBrowser, pageProblems, SCREENSHOTS, startWebServer, stopServer } from '../helpers/web-browser.ts';

const sha256 = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');
const XSS = '<img src=x onerror="window.__pwned=1">';

/** What a conversation's visible message list shows. */
const visibleMessages = (page: Page) => page.locator('#messages > div:not([hidden])');

describe(`the web client in chromium [${CLI_RUNTIME}]`, () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'netchat-web-'));
  const shared = path.join(dir, 'shared');
  const terminalDir = mkdtempSync(path.join(os.tmpdir(), 'netchat-web-term-'));
  let server: CliProcess;
  let port: number;
  let webPort: number;
  let url: string;
  let browser: Browser;
  let ann: Page;
  let bea: Page;
  let tom: CliProcess;
  const type = (text: string) => tom.child.stdin.write(`${text}\n`);

  beforeAll(async () => {
    ({ server, port, webPort, url } = await startWebServer({ sharedDir: shared }));
    browser = await launchBrowser();
    ann = await joinPage(browser, url, 'ann');
    bea = await joinPage(browser, url, 'bea');
    tom = spawnCli(['join', 'tom', '127.0.0.1', String(port), '--stay'], { cwd: terminalDir });
    await tom.waitForStderr(/joined \S+ as tom/);
    await ann.locator('#users', { hasText: 'tom' }).waitFor();
  });

  afterAll(async () => {
    tom?.child.stdin.end('/quit\n');
    await tom?.exited;
    await browser?.close();
    if (server) await stopServer(server);
  });

  it('broadcasts between two pages and a terminal, with names, times and colours', async () => {
    await ann.getByLabel('Message').fill('hello from ann');
    await ann.getByLabel('Message').press('Enter');
    const seen = visibleMessages(bea).locator('.message', { hasText: 'hello from ann' });
    await seen.waitFor();
    expect(await seen.locator('.from').textContent()).toBe('ann');
    expect(await seen.locator('time').getAttribute('datetime')).toMatch(/^\d{4}-\d\d-\d\dT/);
    const hue = await seen.locator('.from').evaluate((node) => (node as unknown as { style: { getPropertyValue(name: string): string } }).style.getPropertyValue('--hue'));
    expect(Number(hue)).toBeGreaterThanOrEqual(0);
    await tom.waitForStdout(/\[Broadcast\] ann: hello from ann/);
    type('hi browsers');
    await visibleMessages(ann).locator('.message', { hasText: 'hi browsers' }).waitFor();
    await visibleMessages(bea).locator('.message', { hasText: 'hi browsers' }).waitFor();
    // Up brings the last message back into the box.
    await ann.getByLabel('Message').press('ArrowUp');
    expect(await ann.getByLabel('Message').inputValue()).toBe('hello from ann');
    await ann.getByLabel('Message').fill('');
  });

  it('sends private messages between the pages and to the terminal', async () => {
    await bea.locator('#users').getByRole('button', { name: 'ann' }).click();
    await bea.getByLabel('Message').fill('just for ann');
    await bea.getByLabel('Message').press('Enter');
    await ann.getByRole('button', { name: /@ bea/ }).click();
    await visibleMessages(ann).locator('.message', { hasText: 'just for ann' }).waitFor();
    await ann.locator('#users').getByRole('button', { name: 'tom' }).click();
    await ann.getByLabel('Message').fill('psst tom');
    await ann.getByLabel('Message').press('Enter');
    await tom.waitForStdout(/\[Private\] ann: psst tom/);
    type('/unicast bea back to you');
    await bea.getByRole('button', { name: /@ tom/ }).click();
    await visibleMessages(bea).locator('.message', { hasText: 'back to you' }).waitFor();
    // Nobody else saw any of it.
    expect(tom.stdout()).not.toContain('just for ann');
    expect(await ann.locator('#messages').textContent()).not.toContain('back to you');
  });

  it('chats in a group joined from both pages and the terminal', async () => {
    for (const page of [ann, bea]) {
      await page.getByLabel('Group to join').fill('team');
      await page.getByRole('button', { name: 'Join group' }).click();
      await page.locator('#conversation-title', { hasText: '# team' }).waitFor();
    }
    type('/join team');
    await tom.waitForStdout(/You joined group team/);
    await ann.getByLabel('Message').fill('team standup');
    await ann.getByLabel('Message').press('Enter');
    await tom.waitForStdout(/\[Group team\] ann: team standup/);
    await visibleMessages(bea).locator('.message', { hasText: 'team standup' }).waitFor();
    type('/group team on my way');
    await visibleMessages(ann).locator('.message', { hasText: 'on my way' }).waitFor();
    // The broadcast conversation did not get the group's lines.
    await ann.getByRole('button', { name: /^Everyone/ }).click();
    expect(await visibleMessages(ann).textContent()).not.toContain('team standup');
    await ann.screenshot({ path: path.join(SCREENSHOTS, `chat-${CLI_RUNTIME}.png`) });
  });

  it('shows markup in a message and in a file name as text, and runs none of it', async () => {
    type(XSS);
    const row = visibleMessages(ann).locator('.message', { hasText: 'onerror' });
    await row.waitFor();
    expect(await row.locator('.text').textContent()).toBe(XSS);
    // A file named like markup: the server refuses the name; the page shows it, as text.
    await ann.locator('#upload-input').setInputFiles({ name: XSS, mimeType: 'text/plain', buffer: Buffer.from('x') });
    await ann.locator('#uploads li.failed', { hasText: 'FILE_NAME_INVALID' }).waitFor();
    expect(await ann.locator('#uploads').textContent()).toContain(XSS);
    expect(await ann.locator('#messages img, #uploads img, #files img').count()).toBe(0);
    expect(await ann.evaluate(() => (globalThis as { __pwned?: number }).__pwned)).toBeUndefined();
    expect(pageProblems(ann)).toEqual([]);
  });

  it('uploads by drag and drop in the browser; the terminal downloads it byte for byte', async () => {
    const bytes = randomBytes(300_000);
    const name = 'from the browser.bin';
    // Drop a file on the drop zone as a user would from a file manager.
    const transfer = await ann.evaluateHandle(
      ([fileName, base64]) => {
        // Runs in the page, where DataTransfer exists (the test's own types have no DOM).
        const page = globalThis as unknown as { DataTransfer: new () => { items: { add(file: File): void } } };
        const dt = new page.DataTransfer();
        dt.items.add(new File([Uint8Array.from(atob(base64), (c) => c.charCodeAt(0))], fileName));
        return dt;
      },
      [name, bytes.toString('base64')] as const,
    );
    await ann.dispatchEvent('#drop-zone', 'drop', { dataTransfer: transfer });
    await ann.locator('#uploads li.done', { hasText: `stored as ${name}` }).waitFor();
    expect(await ann.locator('#uploads progress').last().getAttribute('aria-label')).toContain(name);
    // The others are told who shared it (the page's upload carried a ticket from its chat), and
    // the page lists it.
    await tom.waitForStdout(/ann shared from the browser\.bin/);
    await bea.locator('#files a', { hasText: name }).waitFor();
    type(`/download ${name}`);
    const [, savedTo] = await tom.waitForStderr(/✓ saved from the browser\.bin to (.+) \(/);
    expect(path.resolve(terminalDir, savedTo!)).toBe(path.join(terminalDir, 'tom', name));
    expect(sha256(readFileSync(path.join(terminalDir, 'tom', name)))).toBe(sha256(bytes));
  });

  it('the terminal uploads; the browser downloads it byte for byte from the files list', async () => {
    const bytes = randomBytes(200_000);
    const source = path.join(terminalDir, 'from-terminal.dat');
    writeFileSync(source, bytes);
    type(`/upload ${source}`);
    const link = bea.locator('#files a', { hasText: 'from-terminal.dat' });
    await link.waitFor();
    const [download] = await Promise.all([bea.waitForEvent('download'), link.click()]);
    const saved = path.join(dir, 'browser-download.dat');
    await download.saveAs(saved);
    expect(sha256(readFileSync(saved))).toBe(sha256(bytes));
    // The picture in the README: a group conversation, the people, the files.
    await bea.getByRole('button', { name: /# team/ }).click();
    await bea.screenshot({ path: path.join(SCREENSHOTS, `web-client-${CLI_RUNTIME}.png`) });
  });

  it('fits a phone and follows the system’s dark setting', async () => {
    const phone = await browser.newPage({ viewport: { width: 390, height: 844 }, colorScheme: 'dark', isMobile: true, hasTouch: true });
    await phone.goto(url);
    // Runs in the page (the test's own types have no DOM).
    type PageGlobals = { getComputedStyle(node: unknown): { backgroundColor: string }; document: { body: unknown; documentElement: { scrollWidth: number } } };
    const background = () => phone.evaluate(() => {
      const page = globalThis as unknown as PageGlobals;
      return page.getComputedStyle(page.document.body).backgroundColor;
    });
    const dark = await background();
    await phone.getByLabel('Your name').fill('pia');
    await phone.getByRole('button', { name: 'Join', exact: true }).click();
    await phone.locator('#status', { hasText: 'Connected as pia' }).waitFor();
    // Nothing wider than the screen: no sideways scrolling.
    expect(await phone.evaluate(() => (globalThis as unknown as PageGlobals).document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
    await phone.screenshot({ path: path.join(SCREENSHOTS, `phone-dark-${CLI_RUNTIME}.png`) });
    await phone.emulateMedia({ colorScheme: 'light' });
    expect(await background()).not.toBe(dark);
    await phone.close();
  });

  it('reconnects after the server restarts and chats again under the same name', async () => {
    await stopServer(server);
    await tom.exited;
    await ann.locator('#status.offline').waitFor();
    ({ server } = await startWebServer({ sharedDir: shared, port, webPort }));
    await ann.locator('#status', { hasText: 'Connected as ann' }).waitFor();
    await bea.locator('#status', { hasText: 'Connected as bea' }).waitFor();
    tom = spawnCli(['join', 'tom', '127.0.0.1', String(port), '--stay'], { cwd: terminalDir });
    await tom.waitForStderr(/joined \S+ as tom/);
    // The groups were joined again too.
    await ann.getByRole('button', { name: /# team/ }).click();
    type('/join team');
    await tom.waitForStdout(/You joined group team \(3 members\)/);
    await ann.getByLabel('Message').fill('back again');
    await ann.getByLabel('Message').press('Enter');
    await tom.waitForStdout(/\[Group team\] ann: back again/);
    await ann.screenshot({ path: path.join(SCREENSHOTS, `reconnected-${CLI_RUNTIME}.png`) });
    expect(pageProblems(ann)).toEqual([]);
  });
});
