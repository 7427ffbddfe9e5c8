// TLS as an option of TCP listen and connect: handshake, the encrypted flag, fingerprints,
// verification, and what happens when one side does not speak TLS.
import { describe, expect, it, onTestFinished } from 'vitest';
import type { IssuedCertificate, Runtime, SocketAddress } from '../../../src/runtime/types.ts';
import { Recorder, Waiters, recordingServer, rejectionOf } from './contract-peers.ts';

interface Failure {
  remote: SocketAddress;
  code: string;
}

async function tlsServer(runtime: Runtime, certificate: IssuedCertificate, handshakeTimeoutMs?: number) {
  const failures: Failure[] = [];
  const waiters = new Waiters();
  const served = await recordingServer(runtime, {
    allowHalfOpen: true,
    tls: { cert: certificate.certificatePem, key: new TextEncoder().encode(certificate.privateKeyPem), handshakeTimeoutMs, plainReply: 'ERROR TLS_REQUIRED plain\n' },
    onConnectionFailed: (remote, error) => {
      failures.push({ remote, code: error.code });
      waiters.poke();
    },
  }, (recorder) => recorder.connection.on('end', () => recorder.connection.end(`reply:${recorder.text()}`)));
  onTestFinished(async () => {
    for (const recorder of served.accepted) recorder.connection.destroy();
    await served.server.close();
  });
  const untilFailure = () => waiters.until(() => failures.length > 0, () => 'the server to report a failed connection');
  return { ...served, failures, untilFailure, port: served.server.address.port };
}

export function describeTlsContract(makeRuntime: () => Runtime, has: { handshakeTimeout: boolean }): void {
  describe('TLS', () => {
    // One key pair for the whole block: making one costs a few milliseconds.
    const certificates = new Map<string, IssuedCertificate>();
    const certificate = (name = 'a') => {
      if (!certificates.has(name)) certificates.set(name, makeRuntime().createCertificate({ commonName: `contract ${name}` }));
      return certificates.get(name)!;
    };

    it('handshakes, reports encrypted and the certificate fingerprint, verifies against ca, and half-closes', async () => {
      const runtime = makeRuntime();
      const { server, port, nextAccepted } = await tlsServer(runtime, certificate());
      expect(server.encrypted).toBe(true);
      const client = new Recorder(
        await runtime.connectTcp({ host: '127.0.0.1', port, allowHalfOpen: true, tls: { ca: certificate().certificatePem, servername: 'localhost' } }),
      );
      const peer = await nextAccepted();
      expect(client.connection).toMatchObject({ encrypted: true, peerCertificateFingerprint256: certificate().fingerprint256, peerCertificateVerified: true });
      expect(certificate().fingerprint256).toMatch(/^[0-9a-f]{64}$/);
      expect(peer.connection).toMatchObject({ encrypted: true, peerCertificateFingerprint256: undefined, peerCertificateVerified: false });
      client.connection.end('ping');
      await Promise.all([client.untilClose(), peer.untilClose()]);
      expect(client.text()).toBe('reply:ping');
      expect([client.ends, client.closes, peer.closes]).toEqual([1, 1, 1]);
    });

    it('with rejectUnauthorized false connects to an unknown certificate and says it is not verified', async () => {
      const runtime = makeRuntime();
      const { port } = await tlsServer(runtime, certificate());
      const connection = await runtime.connectTcp({ host: '127.0.0.1', port, tls: { rejectUnauthorized: false } });
      onTestFinished(() => connection.destroy());
      expect(connection).toMatchObject({ encrypted: true, peerCertificateVerified: false, peerCertificateFingerprint256: certificate().fingerprint256 });
    });

    it('refuses an unknown certificate by default, and a trusted one for another host name', async () => {
      const runtime = makeRuntime();
      const { port } = await tlsServer(runtime, certificate());
      await rejectionOf(runtime.connectTcp({ host: '127.0.0.1', port, tls: {} }));
      await rejectionOf(runtime.connectTcp({ host: '127.0.0.1', port, tls: { ca: certificate().certificatePem, servername: 'elsewhere.example' } }));
      // A certificate with no name for this host verifies only with a pin, never with the CA check.
      const other = runtime.createCertificate({ altNames: ['elsewhere.example'] });
      const { port: otherPort } = await tlsServer(runtime, other);
      const unverified = await runtime.connectTcp({ host: '127.0.0.1', port: otherPort, tls: { ca: other.certificatePem, rejectUnauthorized: false } });
      onTestFinished(() => unverified.destroy());
      expect(unverified).toMatchObject({ peerCertificateVerified: false, peerCertificateFingerprint256: other.fingerprint256 });
    });

    it('uses new credentials for connections accepted after setTlsCredentials; a plain server refuses them', async () => {
      const runtime = makeRuntime();
      const { server, port } = await tlsServer(runtime, certificate());
      server.setTlsCredentials({ cert: certificate('b').certificatePem, key: certificate('b').privateKeyPem });
      const connection = await runtime.connectTcp({ host: '127.0.0.1', port, tls: { rejectUnauthorized: false } });
      onTestFinished(() => connection.destroy());
      expect(connection.peerCertificateFingerprint256).toBe(certificate('b').fingerprint256);
      const plain = await runtime.listenTcp({ host: '127.0.0.1', port: 0 }, () => {});
      onTestFinished(() => plain.close());
      expect(() => plain.setTlsCredentials({ cert: certificate().certificatePem, key: certificate().privateKeyPem })).toThrow(
        expect.objectContaining({ code: 'TLS_NOT_ENABLED' }),
      );
    });

    it('answers a plain client on a TLS server with plainReply in plain text, reports TLS_PEER_NOT_TLS and closes it', async () => {
      const runtime = makeRuntime();
      const { port, failures, untilFailure, accepted } = await tlsServer(runtime, certificate());
      const client = new Recorder(await runtime.connectTcp({ host: '127.0.0.1', port, allowHalfOpen: true }));
      onTestFinished(() => client.connection.destroy());
      client.connection.write('JOIN alice\n');
      await Promise.all([untilFailure(), client.untilEnd()]);
      client.connection.end();
      await client.untilClose();
      expect(client.text()).toBe('ERROR TLS_REQUIRED plain\n');
      expect(failures).toEqual([{ remote: expect.objectContaining({ address: '127.0.0.1' }), code: 'TLS_PEER_NOT_TLS' }]);
      expect(accepted).toEqual([]);
    });

    it('fails a TLS client whose server answers in plain text with TLS_NOT_SPOKEN', async () => {
      const runtime = makeRuntime();
      const plain = await recordingServer(runtime, {}, (recorder) => recorder.connection.write('HELLO plain server\n'));
      onTestFinished(async () => {
        for (const recorder of plain.accepted) recorder.connection.destroy();
        await plain.server.close();
      });
      const error = await rejectionOf(runtime.connectTcp({ host: '127.0.0.1', port: plain.server.address.port, tls: { rejectUnauthorized: false } }));
      expect(error.code).toBe('TLS_NOT_SPOKEN');
    });

    it('asks onHandshakeStart before each handshake and closes the sockets it refuses', async () => {
      const runtime = makeRuntime();
      const asked: string[] = [];
      let admit = true;
      const served = await recordingServer(runtime, {
        tls: { cert: certificate().certificatePem, key: certificate().privateKeyPem },
        onHandshakeStart: (remote) => (asked.push(remote.address), admit),
      });
      onTestFinished(async () => {
        for (const recorder of served.accepted) recorder.connection.destroy();
        await served.server.close();
      });
      const port = served.server.address.port;
      const first = await runtime.connectTcp({ host: '127.0.0.1', port, tls: { rejectUnauthorized: false } });
      onTestFinished(() => first.destroy());
      await served.nextAccepted();
      admit = false;
      await rejectionOf(runtime.connectTcp({ host: '127.0.0.1', port, tls: { rejectUnauthorized: false } }));
      expect(asked).toEqual(['127.0.0.1', '127.0.0.1']);
      expect(served.accepted).toHaveLength(1);
    });

    it('fails a TLS client whose server does not answer the handshake with ETIMEDOUT, after timeoutMs', async () => {
      const runtime = makeRuntime();
      const silent = await recordingServer(runtime);
      onTestFinished(async () => {
        for (const recorder of silent.accepted) recorder.connection.destroy();
        await silent.server.close();
      });
      const error = await rejectionOf(runtime.connectTcp({ host: '127.0.0.1', port: silent.server.address.port, timeoutMs: 200, tls: {} }));
      expect(error.code).toBe('ETIMEDOUT');
      const server = await silent.nextAccepted();
      await server.untilBytes(1);
      expect(server.chunks[0]![0]).toBe(0x16); // what arrived was a TLS handshake record
    });

    it.skipIf(!has.handshakeTimeout)('drops a connection that never starts its handshake after handshakeTimeoutMs', async () => {
      const runtime = makeRuntime();
      const { port, failures, untilFailure } = await tlsServer(runtime, certificate(), 100);
      const client = new Recorder(await runtime.connectTcp({ host: '127.0.0.1', port }));
      onTestFinished(() => client.connection.destroy());
      await Promise.all([untilFailure(), client.untilClose()]);
      expect(failures.map((failure) => failure.code)).toEqual(['TLS_HANDSHAKE_TIMEOUT']);
    });
  });
}
