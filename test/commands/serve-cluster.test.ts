import { describe, expect, it } from 'vitest';
import { clusterSettings } from '../../src/commands/_serve-cluster.ts';
import { UsageError } from '../../src/commands/_shared.ts';

describe('serve --cluster flags', () => {
  it('leave a lone server alone without --cluster', () => {
    expect(clusterSettings({}, 12000)).toBeUndefined();
    expect(clusterSettings({ cluster: ' ' }, 12000)).toBeUndefined();
  });

  it('take NATS URLs, a node id, bounds and replicas, with defaults', () => {
    expect(clusterSettings({ cluster: 'nats://a:4222, nats://b', 'node-id': 'n_1' }, 12000)).toEqual({
      servers: ['a:4222', 'b:4222'],
      nodeId: 'n_1',
      heartbeatMs: 1000,
      deadAfterMs: 5000,
      replicas: 1,
      tlsRequired: false,
    });
    // Credentials in a URL become the client's user and password; tls:// asks for TLS.
    expect(clusterSettings({ cluster: 'tls://chat:s%40cret@[::1]:4333', 'node-id': 'n' }, 1)).toMatchObject({
      servers: ['[::1]:4333'],
      user: { user: 'chat', pass: 's@cret' },
      tlsRequired: true,
    });
    const settings = clusterSettings({ cluster: 'nats://a:4222', 'cluster-heartbeat': '0.5', 'cluster-dead-after': '1', 'cluster-replicas': '3' }, 7);
    expect(settings).toMatchObject({ heartbeatMs: 500, deadAfterMs: 1000, replicas: 3 });
    expect(settings!.nodeId).toMatch(/^[A-Za-z0-9_-]+-7$/);
  });

  it('refuse what cannot work, naming the flag', () => {
    const refused = (args: Record<string, string>) => () => clusterSettings({ cluster: 'nats://a:4222', ...args }, 1);
    expect(() => clusterSettings({ cluster: 'http://a:4222' }, 1)).toThrow(/--cluster/);
    expect(refused({ 'node-id': 'has.dot' })).toThrow(UsageError);
    expect(refused({ 'node-id': 'x'.repeat(64) })).not.toThrow();
    expect(refused({ 'node-id': 'x'.repeat(65) })).toThrow(/--node-id/);
    expect(refused({ 'cluster-heartbeat': '1', 'cluster-dead-after': '2' })).not.toThrow();
    expect(refused({ 'cluster-heartbeat': '1', 'cluster-dead-after': '1.999' })).toThrow(/--cluster-dead-after/);
    expect(refused({ 'cluster-heartbeat': '0.05' })).not.toThrow();
    expect(refused({ 'cluster-heartbeat': '0.049' })).toThrow(/--cluster-heartbeat/);
    expect(refused({ 'cluster-replicas': '2' })).toThrow(/--cluster-replicas/);
    expect(refused({ 'cluster-tls-cert': 'c.pem' })).toThrow(/--cluster-tls-key/);
  });
});
