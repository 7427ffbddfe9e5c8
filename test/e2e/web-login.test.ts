// The web client logging in on a server with accounts (chromium through playwright-core, the
// real `netchat serve --web --accounts`): no password and a wrong one are refused on the join
// form as text and join nothing; the right one joins and chats with a terminal `join` that
// logged in too; after a server restart the page logs in again by itself. A server password
// (`--password-file`) shows its own field when the server asks for it.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EXIT } from '../../src/commands/_shared.ts';
import { CLI_RUNTIME, runCli, spawnCli, type CliProcess } from '../helpers/cli.ts';
import { launchBrowser, pageProblems, SCREENSHOTS, startWebServer, stopServer } from '../helpers/web-browser.ts';

const ANN_PASSWORD = 'ann <b>pass</b> word';
const TOM_PASSWORD = 'tom-pw';

/** What a conversation's visible message list shows. */
const visibleMessages = (page: Page) => page.locator('#messages > div:not([hidden])');

describe(`the web client logs in [${CLI_RUNTIME}]`, () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'netchat-web-login-'));
  const accountsFile = path.join(dir, 'accounts');
  const serverArgs = ['--accounts', accountsFile, '--state-dir', path.join(dir, 'state')];
  let server: CliProcess;
  let port: number;
  let webPort: number;
  let url: string;
  let browser: Browser;
  let tom: CliProcess;
  const type = (text: string) => tom.child.stdin.write(`${text}\n`);
  const joinTom = () =>
    spawnCli(['join', 'tom', '127.0.0.1', String(port), '--stay'], { cwd: dir, env: { NETCHAT_PASSWORD: TOM_PASSWORD } });

  async function openPage(): Promise<Page> {
    const page = await browser.newPage({ viewport: { width: 1100, height: 720 } });
    const problems: string[] = [];
    page.on('pageerror', (error) => problems.push(error.message));
    (page as Page & { problems?: string[] }).problems = problems;
    await page.goto(url);
    return page;
  }

  async function submit(page: Page, name: string, password: string): Promise<void> {
    await page.getByLabel('Your name').fill(name);
    await page.locator('#join-password').fill(password);
    await page.getByRole('button', { name: 'Join', exact: true }).click();
  }

  beforeAll(async () => {
    for (const [name, password] of [['ann', ANN_PASSWORD], ['tom', TOM_PASSWORD]]) {
      const made = await runCli(['account', 'add', name!, '--accounts', accountsFile], { input: `${password}\n` });
      expect(made.code, made.stderr).toBe(EXIT.OK);
    }
    ({ server, port, webPort, url } = await startWebServer({ sharedDir: path.join(dir, 'shared'), extra: serverArgs }));
    browser = await launchBrowser();
    tom = joinTom();
    await tom.waitForStderr(/joined \S+ as tom/);
  });

  afterAll(async () => {
    tom?.child.stdin.end('/quit\n');
    await tom?.exited;
    await browser?.close();
    if (server) await stopServer(server);
    rmSync(dir, { recursive: true, force: true });
  });

  it('has a password field for password managers', async () => {
    const page = await openPage();
    const field = page.locator('#join-password');
    expect(await field.getAttribute('type')).toBe('password');
    expect(await field.getAttribute('autocomplete')).toBe('current-password');
    await page.getByLabel(/^Password/).waitFor();
    await page.close();
  });

  it('refuses a registered name without its password, then a wrong one, and joins nothing', async () => {
    const page = await openPage();
    await submit(page, 'ann', '');
    await page.locator('#join-error', { hasText: 'A password is needed' }).waitFor();
    expect(await page.locator('#join-error').textContent()).toContain('log in first with AUTH ann');
    // The server said what it asks for after the greeting.
    await page.locator('#login-hint', { hasText: 'AUTH <name> <password>' }).waitFor();

    await submit(page, 'ann', 'not the password');
    await page.locator('#join-error', { hasText: 'Wrong name or password.' }).waitFor();
    // The JOIN after the failed AUTH was refused too, and did not hide why: nothing joined.
    await page.locator('#status.offline', { hasText: 'Not logged in' }).waitFor();
    expect(await page.locator('#chat-view').isHidden()).toBe(true);
    expect(await page.locator('#join-error').evaluate((node) => node.children.length)).toBe(0);
    await page.screenshot({ path: path.join(SCREENSHOTS, `login-refused-${CLI_RUNTIME}.png`) });
    expect(pageProblems(page)).toEqual([]);
    await page.close();
  });

  let ann: Page;

  it('joins with the right password and chats with a logged-in terminal user', async () => {
    ann = await openPage();
    await submit(ann, 'ann', ANN_PASSWORD);
    await ann.locator('#status', { hasText: 'Connected as ann' }).waitFor();
    // The first join tom sees is ann's: the refused attempts above joined nothing.
    const joined = await tom.waitForStdout(/(\S+) has joined the chat/);
    expect(joined[1]).toBe('ann');
    await ann.getByLabel('Message').fill('hello from the page');
    await ann.getByLabel('Message').press('Enter');
    await tom.waitForStdout(/\[Broadcast\] ann: hello from the page/);
    type('hello from the terminal');
    await visibleMessages(ann).locator('.message', { hasText: 'hello from the terminal' }).waitFor();
    expect(pageProblems(ann)).toEqual([]);
  });

  it('logs in again by itself after a server restart', async () => {
    await stopServer(server);
    await tom.exited;
    await ann.locator('#status.offline').waitFor();
    ({ server } = await startWebServer({ sharedDir: path.join(dir, 'shared'), port, webPort, extra: serverArgs }));
    // A registered name is let back in only after AUTH: the page sent it again.
    await ann.locator('#status', { hasText: 'Connected as ann' }).waitFor();
    tom = joinTom();
    await tom.waitForStderr(/joined \S+ as tom/);
    await ann.locator('#users', { hasText: 'tom' }).waitFor();
    await ann.getByLabel('Message').fill('back again');
    await ann.getByLabel('Message').press('Enter');
    await tom.waitForStdout(/\[Broadcast\] ann: back again/);
    expect(pageProblems(ann)).toEqual([]);
  });
});

describe(`the web client gives a server password [${CLI_RUNTIME}]`, () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'netchat-web-pass-'));
  const passwordFile = path.join(dir, 'server-password');
  let server: CliProcess;
  let browser: Browser;

  afterAll(async () => {
    await browser?.close();
    if (server) await stopServer(server);
    rmSync(dir, { recursive: true, force: true });
  });

  it('asks for it after a refused JOIN, says a wrong one is wrong, and joins with the right one', async () => {
    writeFileSync(passwordFile, 'open sesame\n');
    let url: string;
    ({ server, url } = await startWebServer({ sharedDir: path.join(dir, 'shared'), extra: ['--password-file', passwordFile] }));
    browser = await launchBrowser();
    const page = await browser.newPage();
    await page.goto(url);
    expect(await page.locator('#server-password-row').isHidden()).toBe(true);
    await page.getByLabel('Your name').fill('cy');
    await page.getByRole('button', { name: 'Join', exact: true }).click();
    await page.locator('#join-error', { hasText: 'A password is needed' }).waitFor();
    await page.getByLabel('Server password').fill('not it');
    await page.getByRole('button', { name: 'Join', exact: true }).click();
    await page.locator('#join-error', { hasText: 'Wrong server password.' }).waitFor();
    expect(await page.locator('#chat-view').isHidden()).toBe(true);
    await page.getByLabel('Server password').fill('open sesame');
    await page.getByRole('button', { name: 'Join', exact: true }).click();
    await page.locator('#status', { hasText: 'Connected as cy' }).waitFor();
  });
});
