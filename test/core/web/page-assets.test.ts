import { execFileSync } from 'node:child_process';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { chooseEncoding, PageAssets } from '../../../src/core/web/page-assets.ts';
import { PAGE_ASSET_SOURCES } from '../../../src/core/web/page-assets.generated.ts';
import { originAllowed } from '../../../src/core/web/origin-check.ts';
import type { HttpRequest, HttpResponse } from '../../../src/runtime/http-types.ts';
import { createSha256 } from '../../../src/runtime/node-hash.ts';
import { ROOT } from '../../helpers/cli.ts';

describe('chooseEncoding', () => {
  it.each([
    [undefined, 'identity'],
    ['gzip, deflate, br', 'br'],
    ['gzip', 'gzip'],
    ['br;q=0, gzip', 'gzip'],
    ['*', 'br'],
    ['identity', 'identity'],
    ['gzip;q=0', 'identity'],
  ])('%s → %s', (header, expected) => {
    expect(chooseEncoding(header)).toBe(expected);
  });
});

function exchange(assets: PageAssets, path: string, headers: Record<string, string>) {
  const result: { status?: number; headers?: Record<string, unknown>; body?: Uint8Array | string } = {};
  const response = {
    writeHead: (status: number, h: Record<string, unknown>) => Object.assign(result, { status, headers: h }),
    end: (body?: Uint8Array | string) => (result.body = body),
  } as unknown as HttpResponse;
  assets.serve(path, { method: 'GET', url: path, headers } as unknown as HttpRequest, response);
  return result;
}

describe('PageAssets', () => {
  const sources = [{ path: '/', type: 'text/html; charset=utf-8', immutable: false, text: '<p>hi</p>' }];
  const prepare = () => PageAssets.prepare(async (bytes) => gzipSync(bytes), createSha256, sources);

  it('answers a matching ETag with 304 and no body', async () => {
    const assets = await prepare();
    const first = exchange(assets, '/', {});
    expect(first.status).toBe(200);
    const etag = String(first.headers!.ETag);
    const again = exchange(assets, '/', { 'if-none-match': etag });
    expect(again.status).toBe(304);
    expect(again.body).toBeUndefined();
  });

  it('serves the compressed body only to a client that accepts it', async () => {
    const assets = await prepare();
    expect(exchange(assets, '/', { 'accept-encoding': 'gzip' }).headers!['Content-Encoding']).toBe('gzip');
    expect(exchange(assets, '/', {}).headers!['Content-Encoding']).toBeUndefined();
  });

  it('the built page loads nothing but its own hashed script and style', () => {
    const page = PAGE_ASSET_SOURCES.find((a) => a.path === '/')!;
    const loaded = [...page.text.matchAll(/(?:src|href)="([^"]+)"/g)].map((m) => m[1]);
    expect(loaded.filter((url) => url !== 'data:,').sort()).toEqual(PAGE_ASSET_SOURCES.filter((a) => a.immutable).map((a) => a.path).sort());
    expect(page.text).not.toMatch(/<script(?![^>]*\bsrc=)[^>]*>/);
  });

  it('the committed page module is what scripts/build-web.mjs makes of web/', () => {
    expect(() => execFileSync(process.execPath, ['scripts/build-web.mjs', '--check'], { cwd: ROOT, stdio: 'pipe' })).not.toThrow();
  });
});

describe('originAllowed', () => {
  const request = (origin: string | undefined, host = '127.0.0.1:8080') => ({ headers: { origin, host }, encrypted: false });
  it.each([
    [undefined, true],
    ['http://127.0.0.1:8080', true],
    ['HTTP://127.0.0.1:8080/', true],
    ['http://127.0.0.1:8081', false],
    ['https://127.0.0.1:8080', false],
    ['http://evil.example', false],
    ['null', false],
  ])('Origin %s → %s', (origin, allowed) => {
    expect(originAllowed(request(origin))).toBe(allowed);
  });

  it('lets in an origin named by --web-origin', () => {
    expect(originAllowed(request('https://chat.example'), ['https://chat.example'])).toBe(true);
  });
});
