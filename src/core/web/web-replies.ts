// What every response of the web server carries, and the one way an error is answered: a
// status, a stable code and a message, as JSON (docs/PROTOCOL.md, "Web client", lists the codes).
import type { HttpHeaders, HttpResponse } from '../../runtime/http-types.ts';

/**
 * The page runs only its own script and style, talks only to its own origin (http and ws),
 * and may not be framed: a message or file name that slipped through as markup could still
 * run nothing.
 */
export const CONTENT_SECURITY_POLICY = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "connect-src 'self'",
  "img-src 'self' data:",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

export const SECURITY_HEADERS: Readonly<HttpHeaders> = Object.freeze({
  'Content-Security-Policy': CONTENT_SECURITY_POLICY,
  'X-Content-Type-Options': 'nosniff',
  'Referrer-Policy': 'no-referrer',
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Resource-Policy': 'same-origin',
  'X-Frame-Options': 'DENY',
});

export type WebErrorCode =
  | 'NOT_FOUND'
  | 'METHOD_NOT_ALLOWED'
  | 'BAD_ORIGIN'
  | 'LENGTH_REQUIRED'
  | 'BAD_REQUEST'
  | 'RANGE_NOT_SATISFIABLE'
  | 'UPGRADE_REQUIRED';

const encoder = new TextEncoder();

export function sendJson(response: HttpResponse, status: number, value: unknown, headers: HttpHeaders = {}): void {
  const body = encoder.encode(JSON.stringify(value));
  response.writeHead(status, {
    ...SECURITY_HEADERS,
    'Content-Type': 'application/json; charset=utf-8',
    'Content-Length': body.length,
    'Cache-Control': 'no-store',
    ...headers,
  });
  response.end(body);
}

/** An error answer: `{"error": CODE, "message": text}`. The code is the stable part. */
export function sendError(response: HttpResponse, status: number, code: string, message: string, headers: HttpHeaders = {}): void {
  if (response.closed) return;
  sendJson(response, status, { error: code, message }, headers);
}
