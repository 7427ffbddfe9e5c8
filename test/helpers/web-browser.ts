// A real browser for the web client's tests: Debian's chromium, headless, driven by
// playwright-core (which downloads no browser of its own). Tests save screenshots under
// test-results/web/ (not committed; docs/web-client.png is one of them, copied by hand).
import { execFileSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { ROOT, spawnCli, type CliProcess } from './cli.ts';

export const SCREENSHOTS = path.join(ROOT, 'test-results/web');

function chromiumPath(): string {
  if (process.env.CHROMIUM_PATH) return process.env.CHROMIUM_PATH;
  try {
    return execFileSync('sh', ['-c', 'command -v chromium || command -v chromium-browser'], { encoding: 'utf8' }).trim();
  } catch {
    return '/usr/bin/chromium';
  }
}

export async function launchBrowser(extraArgs: readonly string[] = []): Promise<Browser> {
  mkdirSync(SCREENSHOTS, { recursive: true });
  // --no-sandbox: CI runs the tests as root, where chromium's sandbox refuses to start.
  return chromium.launch({ executablePath: chromiumPath(), headless: true, args: ['--no-sandbox', ...extraArgs] });
}

/** `netchat serve` with the web client on; both ports as the server reports them. */
export async function startWebServer(
  options: { sharedDir: string; port?: number; webPort?: number; extra?: string[] },
): Promise<{ server: CliProcess; port: number; webPort: number; url: string }> {
  const server = spawnCli([
    'serve',
    '--host', '127.0.0.1',
    '--port', String(options.port ?? 0),
    '--web', `127.0.0.1:${options.webPort ?? 0}`,
    '--shared-dir', options.sharedDir,
    // Every join and leave announced: the tests wait on them.
    '--announce-rate', '1000',
    ...(options.extra ?? []),
  ]);
  const [, webPort] = await server.waitForStderr(/web client on http:\/\/127\.0\.0\.1:(\d+)\//);
  const [, port] = await server.waitForStderr(/listening on 127\.0\.0\.1:(\d+)/);
  return { server, port: Number(port), webPort: Number(webPort), url: `http://127.0.0.1:${webPort}/` };
}

export async function stopServer(server: CliProcess): Promise<number> {
  server.child.kill('SIGTERM');
  return server.exited;
}

/** Open the page and join as `name`; resolves once the server welcomed us. */
export async function joinPage(browser: Browser, url: string, name: string): Promise<Page> {
  const page = await browser.newPage({ viewport: { width: 1100, height: 720 } });
  const problems: string[] = [];
  page.on('pageerror', (error) => problems.push(error.message));
  // Script errors, and what the Content-Security-Policy refused (failed requests are expected:
  // a refused upload, a WebSocket while the server restarts).
  page.on('console', (message) => {
    if (message.type() === 'error' && /Content Security Policy|Refused to/i.test(message.text())) problems.push(message.text());
  });
  (page as Page & { problems?: string[] }).problems = problems;
  await page.goto(url);
  await page.getByLabel('Your name').fill(name);
  await page.getByRole('button', { name: 'Join', exact: true }).click();
  await page.locator('#status', { hasText: `Connected as ${name}` }).waitFor();
  return page;
}

/** Script errors and CSP refusals the page logged: a test expects none. */
export function pageProblems(page: Page): string[] {
  return (page as Page & { problems?: string[] }).problems ?? [];
}
