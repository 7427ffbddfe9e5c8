// TcpLineLink over a fake connection: every event is driven by hand and seen the moment it happens.
import { describe, expect, it } from 'vitest';
import { encodeLine, type LineLinkHandler, type RawInputSink } from '../../../src/core/links/line-link.ts';
import { TcpLineLink } from '../../../src/core/links/tcp-line-link.ts';
import { FakeConnection } from '../../helpers/chat-fakes.ts';

const LIMITS = { maxLineBytes: 16, maxUnterminatedBytes: 32 };
const bytes = (text: string) => new TextEncoder().encode(text);
const text = (data: Uint8Array) => new TextDecoder().decode(data);

/** Everything the link reported, in order, as short strings. */
function recorder(options: { withError?: boolean } = {}) {
  const seen: string[] = [];
  const handler: LineLinkHandler = {
    line: (line) => seen.push(`line ${line}`),
    overlong: (length) => seen.push(`overlong ${length}`),
    inputOverflow: () => seen.push('overflow'),
    peerEnded: () => seen.push('peer-ended'),
    closed: (hadError) => seen.push(`closed ${hadError}`),
  };
  if (options.withError) handler.error = (error) => seen.push(`error ${error.message}`);
  return { handler, seen };
}

function setup(options: { withError?: boolean } = {}) {
  const connection = new FakeConnection({ address: '10.0.0.7', port: 5555, family: 'IPv4' });
  connection.autoClose = false;
  const link = new TcpLineLink(connection, LIMITS);
  const { handler, seen } = recorder(options);
  link.attach(handler);
  return { connection, link, handler, seen };
}

describe('TcpLineLink input', () => {
  it('delivers whole lines however the bytes are split, and reports over-long lines by length', () => {
    const { connection, seen } = setup();
    const input = bytes('héllo\r\nsecond line\n0123456789abcdefX\nend\n');
    for (let offset = 0; offset <= input.length; offset++) {
      seen.length = 0;
      connection.send(input.subarray(0, offset));
      connection.send(input.subarray(offset));
      expect(seen, `split at ${offset}`).toEqual(['line héllo', 'line second line', 'overlong 17', 'line end']);
    }
  });

  it('reports input overflow past max-unterminated-bytes, not at it', () => {
    const at = setup();
    at.connection.send('x'.repeat(32));
    expect(at.seen).toEqual([]);
    const past = setup();
    past.connection.send('x'.repeat(33));
    expect(past.seen).toEqual(['overflow']);
  });

  it('reports the peer half-close, then the close once; errors only to a handler that asks', () => {
    const { connection, seen } = setup();
    connection.peerEnd();
    connection.emitError(new Error('nobody listens'));
    connection.emitClose(true);
    connection.emitClose(true);
    expect(seen).toEqual(['peer-ended', 'closed true']);
    const listening = setup({ withError: true });
    listening.connection.emitError(new Error('reset'));
    listening.connection.emitClose(true);
    expect(listening.seen).toEqual(['error reset', 'closed true']);
  });

  it('takes new input limits from the next line on', () => {
    const connection = new FakeConnection({ address: '10.0.0.7', port: 1, family: 'IPv4' });
    const link = new TcpLineLink(connection, LIMITS);
    const seen: string[] = [];
    link.attach({
      ...recorder().handler,
      line: (line) => {
        seen.push(line);
        if (line === 'raise') link.setInputLimits({ maxLineBytes: 64, maxUnterminatedBytes: 64 });
      },
      overlong: (length) => seen.push(`overlong ${length}`),
    });
    connection.send(`${'a'.repeat(20)}\nraise\n${'b'.repeat(20)}\n`);
    expect(seen).toEqual(['overlong 20', 'raise', 'b'.repeat(20)]);
  });

  it('passes pause and resume to the connection', () => {
    const { connection, link } = setup();
    link.pause();
    expect(connection.paused).toBe(true);
    link.resume();
    expect(connection.paused).toBe(false);
  });

  it('knows the remote address and that plain TCP is not encrypted; a TLS connection says it is', () => {
    const { link } = setup();
    expect(link.remote).toEqual({ address: '10.0.0.7', port: 5555, family: 'IPv4' });
    expect(link.encrypted).toBe(false);
    const tls = Object.assign(new FakeConnection({ address: '10.0.0.8', port: 1, family: 'IPv4' }), { encrypted: true });
    expect(new TcpLineLink(tls, LIMITS).encrypted).toBe(true);
  });

  it('accepts one handler only', () => {
    const { link, handler } = setup();
    expect(() => link.attach(handler)).toThrow();
  });
});

describe('TcpLineLink raw input', () => {
  /** A link whose handler starts raw input at the line `UPLOAD`. */
  function uploading() {
    const connection = new FakeConnection({ address: '10.0.0.7', port: 1, family: 'IPv4' });
    const link = new TcpLineLink(connection, LIMITS);
    const { handler, seen } = recorder();
    const raw: number[] = [];
    let rawEnded = false;
    const sink: RawInputSink = {
      data: (data) => raw.push(...data),
      end: () => (rawEnded = true),
    };
    link.attach({
      ...handler,
      line: (line) => {
        handler.line(line);
        if (line === 'UPLOAD') link.startRawInput(sink);
      },
    });
    return { connection, link, seen, raw: () => new Uint8Array(raw), rawEnded: () => rawEnded };
  }

  // Past the command line nothing is a line: CR LF, invalid UTF-8 and endless runs come through as sent.
  const body = new Uint8Array([0x0d, 0x0a, 0xff, 0x00, ...bytes('x'.repeat(100)), 0x0a]);

  it('hands every byte after the command line to the sink, the rest of its chunk included, until the peer half-closes', () => {
    const all = new Uint8Array([...bytes('hello\nUPLOAD\n'), ...body]);
    for (let offset = 0; offset <= all.length; offset++) {
      const s = uploading();
      s.connection.send(all.subarray(0, offset));
      s.connection.send(all.subarray(offset));
      expect(s.seen, `split at ${offset}`).toEqual(['line hello', 'line UPLOAD']);
      expect(s.raw(), `split at ${offset}`).toEqual(body);
      expect(s.rawEnded()).toBe(false);
      s.connection.peerEnd();
      expect(s.rawEnded()).toBe(true);
      expect(s.seen).toEqual(['line hello', 'line UPLOAD']);
    }
  });

  it('asks the connection to read into one buffer from then on only when given its size, and says whether it does', () => {
    for (const reusesReads of [true, false]) {
      const connection = new FakeConnection({ address: '10.0.0.7', port: 1, family: 'IPv4' }, { reusesReads });
      const sized = new TcpLineLink(connection, LIMITS);
      const chunks: Uint8Array[] = [];
      let borrowed: boolean | undefined;
      sized.attach({ ...recorder().handler, line: () => (borrowed = sized.startRawInput({ data: (data) => chunks.push(data), end: () => {} }, 4)) });
      connection.send('UPLOAD\nab');
      connection.send('cdefgh');
      expect(borrowed).toBe(reusesReads);
      // Borrowed chunks are views of one buffer, overwritten after each delivery.
      expect(chunks.map((chunk) => chunk.length)).toEqual(reusesReads ? [2, 4, 2] : [2, 6]);
      expect(chunks.length > 2 ? chunks[1]!.buffer === chunks[2]!.buffer : true).toBe(true);
    }
  });

  it('starts only at a line boundary, and once', () => {
    const { connection, link } = setup();
    const sink = { data: () => {}, end: () => {} };
    connection.send('partial');
    expect(() => link.startRawInput(sink)).toThrow(/line boundary/);
    connection.send('\n');
    link.startRawInput(sink);
    expect(() => link.startRawInput(sink)).toThrow();
  });
});

describe('TcpLineLink output', () => {
  it('writes the bytes it is given, never a copy, and counts what the connection holds', () => {
    const { connection, link } = setup();
    const shared = encodeLine('to everyone');
    link.write(shared);
    link.writeLine('just me');
    expect(connection.writes[0]).toBe(shared);
    expect(connection.lines()).toEqual(['to everyone', 'just me']);
    connection.stuckBytes = 300;
    expect(link.pendingOutputBytes).toBe(300);
  });

  it('ends after what was written, with or without a final line; destroy drops the connection', () => {
    const a = setup();
    a.link.writeLine('first');
    a.link.end('last words');
    expect(a.connection.lines()).toEqual(['first', 'last words']);
    expect(a.connection.ended).toBe(true);
    const b = setup();
    b.link.end();
    expect(b.connection.ended).toBe(true);
    expect(b.connection.writes).toEqual([]);
    const c = setup();
    c.link.destroy();
    expect(c.connection.destroyed).toBe(true);
  });

  it('holds lines behind raw output, counts them as pending, and sends them after it in one write', () => {
    const { connection, link } = setup();
    link.writeLine('DOWNLOAD 5');
    let drains = 0;
    const raw = link.startRawOutput(() => drains++);
    expect(raw.write(bytes('abc'))).toBe(true);
    link.writeLine('held 1');
    link.write(encodeLine('held 2'));
    expect(link.pendingOutputBytes).toBe('held 1\nheld 2\n'.length);
    raw.write(new Uint8Array([0x0a, 0xff]));
    connection.emitDrain();
    expect(drains).toBe(1);
    const writesBefore = connection.writes.length;
    raw.end();
    expect(connection.writes.length).toBe(writesBefore + 1);
    const wire = new Uint8Array(connection.writes.flatMap((w) => [...w]));
    expect(wire).toEqual(new Uint8Array([...bytes('DOWNLOAD 5\nabc'), 0x0a, 0xff, ...bytes('held 1\nheld 2\n')]));
    expect(link.pendingOutputBytes).toBe(0);
    // Done: no more drain callbacks, raw writes refused, lines go straight out.
    connection.emitDrain();
    expect(drains).toBe(1);
    expect(raw.write(bytes('late'))).toBe(false);
    raw.end();
    link.writeLine('after');
    expect(connection.lines().at(-1)).toBe('after');
  });

  it('ends raw output when the link ends: held lines, then the final line', () => {
    const { connection, link } = setup();
    const raw = link.startRawOutput(() => {});
    raw.write(bytes('partial-'));
    link.writeLine('held');
    link.end('ERROR SEND_QUEUE_FULL bye');
    expect(connection.lines()).toEqual(['partial-held', 'ERROR SEND_QUEUE_FULL bye']);
    expect(() => link.startRawOutput(() => {})).not.toThrow();
  });

  it('runs one raw output at a time', () => {
    const { link } = setup();
    link.startRawOutput(() => {});
    expect(() => link.startRawOutput(() => {})).toThrow();
  });
});
