// The shared folder on the page: the listing with download links, and uploads by drag and drop
// (or the file picker) with a progress bar each. An upload declares its SHA-256 when the
// browser can compute it (a secure context: localhost or https) and the file is small enough to
// hash in memory; the server checks it and stores nothing that does not match. Each upload
// carries a one-time ticket from the chat connection, so it is announced under our name.
import { byId, element, formatSize } from './dom.ts';

interface Listing {
  files: Array<{ name: string; size: number; mtime: string }>;
  total: number;
  continueAfter?: string;
  uploads: boolean;
  maxUploadBytes: number;
  /** Transfers the server lets one user run at once (absent from an older server). */
  maxTransfersPerUser?: number;
}

/** Larger files are sent without a declared hash (hashing would hold the whole file in memory). */
const MAX_HASHED_BYTES = 256 * 1024 * 1024;
/** Uploads sent at once, at most (fewer when the server allows fewer); more wait their turn, shown as "waiting…". */
const UPLOADS_AT_ONCE = 2;

export class FilesPanel {
  private readonly list = byId<HTMLUListElement>('files');
  private readonly uploads = byId<HTMLUListElement>('uploads');
  private readonly dropZone = byId('drop-zone');
  private readonly picker = byId<HTMLInputElement>('upload-input');
  private readonly more = byId<HTMLButtonElement>('files-more');
  private refreshing = false;
  private again = false;
  /** Files the list shows now, and the most one page of the server's listing held. */
  private shown = 0;
  private pageSize = 0;
  private uploading = 0;
  /** Uploads sent at once: UPLOADS_AT_ONCE, or the server's transfers per user when that is less. */
  private uploadsAtOnce = UPLOADS_AT_ONCE;
  private readonly waitingUploads: Array<() => void> = [];

  /** `ticket` asks the chat connection for a one-time upload ticket (upload-tickets.ts). */
  constructor(private readonly ticket: () => Promise<string | undefined>) {
    this.more.addEventListener('click', () => {
      this.shown += Math.max(1, this.pageSize);
      void this.refresh();
    });
    const zone = this.dropZone;
    zone.addEventListener('dragover', (event) => {
      event.preventDefault();
      zone.classList.add('over');
    });
    zone.addEventListener('dragleave', () => zone.classList.remove('over'));
    zone.addEventListener('drop', (event) => {
      event.preventDefault();
      zone.classList.remove('over');
      for (const file of event.dataTransfer?.files ?? []) void this.upload(file);
    });
    // A file dropped anywhere else must not make the browser navigate away from the chat.
    window.addEventListener('dragover', (event) => event.preventDefault());
    window.addEventListener('drop', (event) => event.preventDefault());
    this.picker.addEventListener('change', () => {
      for (const file of this.picker.files ?? []) void this.upload(file);
      this.picker.value = '';
    });
  }

  /**
   * Fetch the listing again (at start, after a `shared` notice, after an upload). The server
   * sends it a page at a time: as many pages are fetched as the list showed before, so a
   * refresh does not take back what "Show more" brought.
   */
  async refresh(): Promise<void> {
    if (this.refreshing) {
      this.again = true;
      return;
    }
    this.refreshing = true;
    try {
      const wanted = Math.max(1, this.shown);
      const files: Listing['files'] = [];
      let listing: Listing | undefined;
      do {
        const query = listing?.continueAfter === undefined ? '' : `?after=${encodeURIComponent(listing.continueAfter)}`;
        const response = await fetch(`/files${query}`, { cache: 'no-store' });
        if (!response.ok) return;
        listing = (await response.json()) as Listing;
        files.push(...listing.files);
      } while (listing.continueAfter !== undefined && files.length < wanted && listing.files.length > 0);
      this.render({ ...listing, files });
    } catch {
      // Offline: the chat's own status says so; the list stays as it was.
    } finally {
      this.refreshing = false;
      if (this.again) {
        this.again = false;
        void this.refresh();
      }
    }
  }

  private render(listing: Listing): void {
    const items = listing.files.map((file) => {
      const item = element('li');
      const link = element('a', undefined, file.name);
      link.href = `/files/${encodeURIComponent(file.name)}`;
      link.download = file.name;
      item.append(link, element('span', 'size', formatSize(file.size)));
      return item;
    });
    if (items.length === 0) items.push(element('li', 'size', 'No files yet'));
    this.list.replaceChildren(...items);
    this.shown = listing.files.length;
    this.pageSize = Math.max(this.pageSize, listing.files.length);
    const more = listing.continueAfter === undefined ? 0 : Math.max(0, listing.total - listing.files.length);
    this.more.hidden = more === 0;
    this.more.textContent = `Show more (${more} not shown)`;
    this.dropZone.hidden = !listing.uploads;
    const allowed = listing.maxTransfersPerUser;
    if (allowed !== undefined && Number.isSafeInteger(allowed) && allowed >= 1) {
      this.uploadsAtOnce = Math.min(UPLOADS_AT_ONCE, allowed);
      // Those waiting look again: the limit may have risen.
      for (const wake of this.waitingUploads.splice(0)) wake();
    }
  }

  private async upload(file: File): Promise<void> {
    const item = element('li');
    const label = element('span', undefined, `${file.name} (${formatSize(file.size)})`);
    const bar = element('progress');
    bar.max = Math.max(1, file.size);
    bar.value = 0;
    bar.setAttribute('aria-label', `Uploading ${file.name}`);
    const state = element('span', 'size', 'waiting…');
    item.append(label, bar, state);
    this.uploads.append(item);
    // A few at a time: the server allows a user few transfers at once (max-transfers-per-user,
    // which the listing gives), and each asks the chat for a ticket, which counts against its
    // flood control.
    while (this.uploading >= this.uploadsAtOnce) await new Promise<void>((resolve) => this.waitingUploads.push(resolve));
    this.uploading++;
    try {
      await this.sendOne(file, bar, state, item);
    } finally {
      this.uploading--;
      this.waitingUploads.shift()?.();
    }
  }

  private async sendOne(file: File, bar: HTMLProgressElement, state: HTMLElement, item: HTMLElement): Promise<void> {
    state.textContent = 'starting…';
    const headers: Record<string, string> = {};
    if (crypto.subtle && file.size <= MAX_HASHED_BYTES) {
      const digest = await crypto.subtle.digest('SHA-256', await file.arrayBuffer());
      headers['X-Netchat-Sha256'] = [...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, '0')).join('');
    }
    // Last, just before sending: a ticket lives only seconds.
    const ticket = await this.ticket();
    if (ticket !== undefined) headers['X-Netchat-Ticket'] = ticket;
    const result = await send(file, headers, (sent) => {
      bar.value = sent;
      state.textContent = `${Math.floor((100 * sent) / bar.max)} %`;
    });
    bar.value = bar.max;
    state.textContent = result.ok ? `stored as ${result.name}` : `failed: ${result.message}`;
    item.classList.add(result.ok ? 'done' : 'failed');
    if (result.ok) void this.refresh();
  }
}

type UploadResult = { ok: true; name: string } | { ok: false; message: string };

/** XMLHttpRequest, not fetch: only it reports upload progress in every browser. */
function send(file: File, headers: Record<string, string>, progress: (sent: number) => void): Promise<UploadResult> {
  return new Promise((resolve) => {
    const request = new XMLHttpRequest();
    request.open('POST', `/files/${encodeURIComponent(file.name)}`);
    for (const [name, value] of Object.entries(headers)) request.setRequestHeader(name, value);
    request.upload.addEventListener('progress', (event) => progress(event.loaded));
    request.addEventListener('load', () => {
      let body: { name?: string; error?: string; message?: string } = {};
      try {
        body = JSON.parse(request.responseText) as typeof body;
      } catch {
        // not JSON: the status says enough
      }
      if (request.status === 201 && body.name) resolve({ ok: true, name: body.name });
      else resolve({ ok: false, message: body.error ? `${body.error} ${body.message ?? ''}` : `HTTP ${request.status}` });
    });
    request.addEventListener('error', () => resolve({ ok: false, message: 'the connection broke' }));
    request.send(file);
  });
}
