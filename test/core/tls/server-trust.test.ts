// Trust decisions on the in-memory network: authorities, pins, trust on first use and a changed
// certificate, each refusal closing the connection before anything is sent.
import { describe, expect, it } from 'vitest';
import { KnownHosts } from '../../../src/core/tls/known-hosts.ts';
import { ServerTrustError, trustedConnectTcp, type ServerTrustOptions } from '../../../src/core/tls/server-trust.ts';
import { createCertificate } from '../../../src/runtime/self-signed-certificate.ts';
import type { IssuedCertificate, TcpConnection } from '../../../src/runtime/types.ts';
import { createFakeRuntime } from '../../helpers/fake-runtime.ts';

const first = createCertificate({ altNames: ['127.0.0.1'] });
const second = createCertificate({ altNames: ['127.0.0.1'] });

async function world() {
  const fake = createFakeRuntime();
  const received: string[] = [];
  let certificate = first;
  const servers: Array<{ close(): Promise<void> }> = [];
  const listen = async (issued: IssuedCertificate, port = 0) => {
    certificate = issued;
    const server = await fake.runtime.listenTcp({ host: '127.0.0.1', port, tls: { cert: certificate.certificatePem, key: certificate.privateKeyPem } }, (connection) => {
      connection.on('data', (chunk) => received.push(new TextDecoder().decode(chunk)));
    });
    servers.push(server);
    return server;
  };
  const knownHosts = new KnownHosts(fake.files, '/state/known_hosts');
  const connect = (options: Partial<ServerTrustOptions>, port: number) =>
    trustedConnectTcp(fake.runtime.connectTcp, { policy: { kind: 'known-hosts', knownHosts }, ...options })({ host: '127.0.0.1', port });
  return { fake, listen, connect, knownHosts, received };
}

async function refusal(promise: Promise<TcpConnection>): Promise<ServerTrustError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(ServerTrustError);
  return error as ServerTrustError;
}

describe('server trust', () => {
  it('trusts on first use, records the fingerprint and says so; the same certificate is accepted quietly later', async () => {
    const { listen, connect, knownHosts } = await world();
    const server = await listen(first);
    const seen: string[] = [];
    const connection = await connect({ onFirstUse: (s) => seen.push(`${s.host}:${s.port} ${s.fingerprint256} ${s.file}`) }, server.address.port);
    expect(connection.encrypted).toBe(true);
    expect(seen).toEqual([`127.0.0.1:${server.address.port} ${first.fingerprint256} /state/known_hosts`]);
    expect(await knownHosts.lookup('127.0.0.1', server.address.port)).toBe(first.fingerprint256);
    await connect({ onFirstUse: () => seen.push('again') }, server.address.port);
    expect(seen).toHaveLength(1);
  });

  it('refuses a changed certificate with both fingerprints and closes the connection before any byte', async () => {
    const { listen, connect, received } = await world();
    const genuine = await listen(first);
    const port = genuine.address.port;
    (await connect({}, port)).destroy();
    await genuine.close();
    await listen(second, port);
    const error = await refusal(connect({}, port));
    expect(error).toMatchObject({ code: 'TLS_HOST_CHANGED', actual: second.fingerprint256, expected: first.fingerprint256, file: '/state/known_hosts' });
    expect(received).toEqual([]);
  });

  it('--fingerprint: accepts exactly the pin, refuses anything else, records nothing', async () => {
    const { listen, connect, knownHosts } = await world();
    const { address } = await listen(first);
    const pinned = { policy: { kind: 'fingerprint', fingerprint256: first.fingerprint256 } } as const;
    await expect(connect(pinned, address.port)).resolves.toBeDefined();
    const error = await refusal(connect({ policy: { kind: 'fingerprint', fingerprint256: second.fingerprint256 } }, address.port));
    expect(error).toMatchObject({ code: 'TLS_FINGERPRINT_MISMATCH', actual: first.fingerprint256, expected: second.fingerprint256 });
    expect(await knownHosts.lookup('127.0.0.1', address.port)).toBeUndefined();
  });

  it('with authorities given: a certificate they verify for the host is taken, any other refused, never trusted on first use', async () => {
    const { listen, connect, knownHosts } = await world();
    const { address } = await listen(first);
    await expect(connect({ ca: first.certificatePem }, address.port)).resolves.toBeDefined();
    const error = await refusal(connect({ ca: second.certificatePem }, address.port));
    expect(error.code).toBe('TLS_UNTRUSTED');
    expect(await knownHosts.lookup('127.0.0.1', address.port)).toBeUndefined();
  });

  it('--insecure takes any certificate', async () => {
    const { listen, connect } = await world();
    const { address } = await listen(second);
    await expect(connect({ policy: { kind: 'insecure' } }, address.port)).resolves.toBeDefined();
  });
});
