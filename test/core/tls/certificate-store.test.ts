import { describe, expect, it } from 'vitest';
import { CERTIFICATE_FILE, KEY_FILE, loadServerCredentials } from '../../../src/core/tls/certificate-store.ts';
import { createFakeRuntime } from '../../helpers/fake-runtime.ts';

describe('server certificate store', () => {
  it('makes a self-signed pair once in the state folder, the key owner-only, and reads the same one back', async () => {
    const { runtime, files } = createFakeRuntime();
    const deps = { store: files, ...runtime };
    const made = await loadServerCredentials(deps, { stateDir: '/state' });
    expect(made.created).toBe(true);
    expect((await files.stat(`/state/${KEY_FILE}`)).permissions & 0o777).toBe(0o600);
    expect(made.fingerprint256).toBe(runtime.certificateFingerprint256(made.cert));
    const again = await loadServerCredentials(deps, { stateDir: '/state' });
    expect(again).toMatchObject({ created: false, fingerprint256: made.fingerprint256, key: made.key, certificatePath: `/state/${CERTIFICATE_FILE}` });
  });

  it('reads given files, and refuses half a pair, a missing file or a file that is no certificate', async () => {
    const { runtime, files } = createFakeRuntime();
    const deps = { store: files, ...runtime };
    const issued = runtime.createCertificate();
    await files.makeDirectory('/etc', { recursive: true });
    files.writeFile('/etc/c.pem', new TextEncoder().encode(issued.certificatePem));
    files.writeFile('/etc/k.pem', new TextEncoder().encode(issued.privateKeyPem));
    files.writeFile('/etc/junk.pem', new TextEncoder().encode('junk'));
    const loaded = await loadServerCredentials(deps, { stateDir: '/state', certificateFile: '/etc/c.pem', keyFile: '/etc/k.pem' });
    expect(loaded).toMatchObject({ created: false, fingerprint256: issued.fingerprint256 });
    await expect(loadServerCredentials(deps, { stateDir: '/state', certificateFile: '/etc/c.pem' })).rejects.toMatchObject({ code: 'TLS_CREDENTIALS_MISSING' });
    await expect(loadServerCredentials(deps, { stateDir: '/state', certificateFile: '/etc/none.pem', keyFile: '/etc/k.pem' })).rejects.toMatchObject({ code: 'TLS_CREDENTIALS_MISSING' });
    await expect(loadServerCredentials(deps, { stateDir: '/state', certificateFile: '/etc/junk.pem', keyFile: '/etc/k.pem' })).rejects.toMatchObject({ code: 'TLS_BAD_CERTIFICATE' });
    await expect(files.stat(`/state/${KEY_FILE}`)).rejects.toMatchObject({ code: 'ENOENT' });
  });
});
