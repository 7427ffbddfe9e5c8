// Which pages may open the chat WebSocket or post a file: only our own. A browser always sends
// `Origin` on a WebSocket upgrade and on a POST, and a page elsewhere cannot forge it, so an
// `Origin` whose host is not the `Host` the request was sent to is another site's page using
// the visitor's browser (cross-site WebSocket hijacking). Clients that are not browsers send no
// `Origin` and are let in: they could connect to the chat port anyway.
import type { HttpRequest } from '../../runtime/http-types.ts';

export function originAllowed(request: Pick<HttpRequest, 'headers' | 'encrypted'>, extraOrigins: readonly string[] = []): boolean {
  const origin = request.headers.origin;
  if (origin === undefined) return true;
  const host = request.headers.host;
  if (host === undefined) return false;
  const scheme = request.encrypted ? 'https' : 'http';
  const normalised = origin.trim().toLowerCase().replace(/\/$/, '');
  if (normalised === `${scheme}://${host.trim().toLowerCase()}`) return true;
  return extraOrigins.some((allowed) => allowed.toLowerCase().replace(/\/$/, '') === normalised);
}
