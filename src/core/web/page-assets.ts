// The page and its assets as served: compiled into the program (page-assets.generated.ts,
// written by scripts/build-web.mjs), compressed once at start-up with brotli and gzip, each
// with an ETag. Script and style have content-hashed names, so they are cached for a year; the
// page itself is revalidated (a 304 costs a few bytes).
import type { Compression, HttpRequest, HttpResponse } from '../../runtime/http-types.ts';
import type { Sha256 } from '../../runtime/types.ts';
import { PAGE_ASSET_SOURCES, type PageAssetSource } from './page-assets.generated.ts';
import { SECURITY_HEADERS } from './web-replies.ts';

interface PreparedAsset {
  type: string;
  etag: string;
  cacheControl: string;
  identity: Uint8Array;
  br: Uint8Array;
  gzip: Uint8Array;
}

const IMMUTABLE = 'public, max-age=31536000, immutable';
const REVALIDATE = 'no-cache';

export class PageAssets {
  private constructor(private readonly assets: ReadonlyMap<string, PreparedAsset>) {}

  static async prepare(
    compress: (bytes: Uint8Array, encoding: Compression) => Promise<Uint8Array>,
    newHash: () => Sha256,
    sources: readonly PageAssetSource[] = PAGE_ASSET_SOURCES,
  ): Promise<PageAssets> {
    const assets = new Map<string, PreparedAsset>();
    for (const source of sources) {
      const identity = new TextEncoder().encode(source.text);
      const [br, gzip] = await Promise.all([compress(identity, 'br'), compress(identity, 'gzip')]);
      const etag = `"${newHash().update(identity).digestHex().slice(0, 32)}"`;
      assets.set(source.path, { type: source.type, etag, cacheControl: source.immutable ? IMMUTABLE : REVALIDATE, identity, br, gzip });
    }
    return new PageAssets(assets);
  }

  has(path: string): boolean {
    return this.assets.has(path);
  }

  /** Bytes a first visit transfers with brotli: the page and everything it loads. */
  get compressedBytes(): number {
    let total = 0;
    for (const asset of this.assets.values()) total += asset.br.length;
    return total;
  }

  /** GET or HEAD of a known asset. */
  serve(path: string, request: HttpRequest, response: HttpResponse): void {
    const asset = this.assets.get(path)!;
    const common = { ...SECURITY_HEADERS, ETag: asset.etag, 'Cache-Control': asset.cacheControl, Vary: 'Accept-Encoding' };
    if (matchesEtag(request.headers['if-none-match'], asset.etag)) {
      response.writeHead(304, common);
      return response.end();
    }
    const encoding = chooseEncoding(request.headers['accept-encoding']);
    const body = encoding === 'br' ? asset.br : encoding === 'gzip' ? asset.gzip : asset.identity;
    response.writeHead(200, {
      ...common,
      'Content-Type': asset.type,
      'Content-Length': body.length,
      ...(encoding !== 'identity' && { 'Content-Encoding': encoding }),
    });
    response.end(request.method === 'HEAD' ? undefined : body);
  }
}

function matchesEtag(header: string | undefined, etag: string): boolean {
  if (!header) return false;
  return header.split(',').some((tag) => {
    const trimmed = tag.trim();
    return trimmed === '*' || trimmed === etag || trimmed === `W/${etag}`;
  });
}

/** brotli, else gzip, else none, as the client accepts them (a q of 0 refuses). */
export function chooseEncoding(header: string | undefined): Compression | 'identity' {
  if (!header) return 'identity';
  const accepted = new Map<string, number>();
  for (const part of header.split(',')) {
    const [name = '', ...params] = part.trim().toLowerCase().split(';');
    const q = params.map((p) => /^\s*q=([\d.]+)\s*$/.exec(p)).find(Boolean);
    accepted.set(name.trim(), q ? Number(q[1]) : 1);
  }
  const weight = (name: string) => accepted.get(name) ?? accepted.get('*') ?? 0;
  if (weight('br') > 0) return 'br';
  if (weight('gzip') > 0) return 'gzip';
  return 'identity';
}
