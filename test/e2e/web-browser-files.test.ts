// The page's files list in chromium against a folder larger than one page of the server's
// listing (`--list-page 3`): the first page, then "Show more" a page at a time until every file
// is listed, and a refresh after a new file keeps what was shown. Many files dropped at once go
// up a few at a time, within the server's transfers per user, one at a time where it allows one.
import { mkdtempSync, mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLI_RUNTIME, type CliProcess } from '../helpers/cli.ts';
import { joinPage, launchBrowser, pageProblems, startWebServer, stopServer } from '../helpers/web-browser.ts';

const PAGE = 3;
const NAMES = Array.from({ length: 7 }, (_, i) => `file-${String(i + 1).padStart(2, '0')}.txt`);

describe(`the web client lists a folder larger than one listing page [${CLI_RUNTIME}]`, () => {
  const shared = path.join(mkdtempSync(path.join(os.tmpdir(), 'netchat-web-paging-')), 'shared');
  let server: CliProcess;
  let url: string;
  let browser: Browser;
  let page: Page;
  const listed = () => page.locator('#files a').allTextContents();
  const more = () => page.getByRole('button', { name: /Show more/ });

  beforeAll(async () => {
    mkdirSync(shared);
    for (const name of NAMES) writeFileSync(path.join(shared, name), name);
    ({ server, url } = await startWebServer({ sharedDir: shared, extra: ['--list-page', String(PAGE), '--min-free-disk', '0', '--max-transfers-per-user', '2'] }));
    browser = await launchBrowser();
    page = await joinPage(browser, url, 'pat');
  });

  afterAll(async () => {
    await browser?.close();
    if (server) await stopServer(server);
  });

  it('shows one page, then the next on "Show more", until every file is there', async () => {
    await page.locator('#files a', { hasText: NAMES[PAGE - 1]! }).waitFor();
    expect(await listed()).toEqual(NAMES.slice(0, PAGE));
    expect(await more().textContent()).toContain(`${NAMES.length - PAGE} not shown`);
    await more().click();
    await page.locator('#files a', { hasText: NAMES[2 * PAGE - 1]! }).waitFor();
    expect(await listed()).toEqual(NAMES.slice(0, 2 * PAGE));
    await more().click();
    await page.locator('#files a', { hasText: NAMES.at(-1)! }).waitFor();
    expect(await listed()).toEqual(NAMES);
    expect(await more().isHidden()).toBe(true);
  });

  it('keeps every shown page when a new file makes it fetch the list again', async () => {
    await page.locator('#upload-input').setInputFiles({ name: 'file-00.txt', mimeType: 'text/plain', buffer: Buffer.from('new') });
    await page.locator('#uploads li.done', { hasText: 'stored as file-00.txt' }).waitFor();
    await page.locator('#files a', { hasText: 'file-00.txt' }).waitFor();
    // Sorted by name, the new file comes first; the last one is still listed, one more page in.
    await page.locator('#files a', { hasText: NAMES.at(-1)! }).waitFor();
    expect(await listed()).toEqual(['file-00.txt', ...NAMES]);
    expect(pageProblems(page)).toEqual([]);
  });

  it('uploads many files dropped at once, a few at a time, all under the user’s transfer limit', async () => {
    const files = Array.from({ length: 5 }, (_, i) => ({ name: `batch-${i}.bin`, mimeType: 'application/octet-stream', buffer: Buffer.alloc(2_000_000, i) }));
    const before = await page.locator('#uploads li.done').count();
    await page.locator('#upload-input').setInputFiles(files);
    // Every one of them finished, one way or the other; none was refused.
    await page.locator('#uploads li.done, #uploads li.failed').nth(before + files.length - 1).waitFor();
    expect(await page.locator('#uploads li.failed').allTextContents()).toEqual([]);
    for (const file of files) expect(await page.locator('#uploads li.done', { hasText: `stored as ${file.name}` }).count()).toBe(1);
    expect(await page.locator('#uploads li.done').count()).toBe(before + files.length);
  });
});

describe(`the web client sends no more uploads at once than the server allows a user [${CLI_RUNTIME}]`, () => {
  const shared = path.join(mkdtempSync(path.join(os.tmpdir(), 'netchat-web-one-slot-')), 'shared');
  let server: CliProcess;
  let browser: Browser;
  let page: Page;

  beforeAll(async () => {
    mkdirSync(shared);
    let url: string;
    ({ server, url } = await startWebServer({ sharedDir: shared, extra: ['--min-free-disk', '0', '--max-transfers-per-user', '1'] }));
    browser = await launchBrowser();
    page = await joinPage(browser, url, 'uma');
  });

  afterAll(async () => {
    await browser?.close();
    if (server) await stopServer(server);
  });

  it('uploads files dropped together one after another when the server allows one transfer per user', async () => {
    // The listing, which says how many transfers a user may run, is in before the files are dropped.
    await page.locator('#files li', { hasText: 'No files yet' }).waitFor();
    const files = Array.from({ length: 3 }, (_, i) => ({ name: `one-${i}.bin`, mimeType: 'application/octet-stream', buffer: Buffer.alloc(4_000_000, i) }));
    await page.locator('#upload-input').setInputFiles(files);
    await page.locator('#uploads li.done, #uploads li.failed').nth(files.length - 1).waitFor();
    expect(await page.locator('#uploads li.failed').allTextContents()).toEqual([]);
    for (const file of files) expect(await page.locator('#uploads li.done', { hasText: `stored as ${file.name}` }).count()).toBe(1);
    expect(pageProblems(page)).toEqual([]);
  });
});
