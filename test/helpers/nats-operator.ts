// What `nsc` would make for a nats-server in operator mode, made here with @nats-io/jwt: an
// operator, its system account and a chat account (JetStream on, nothing limited) preloaded
// into the server's memory resolver, and .creds files for a user of the chat account and for a
// user of an account the server has never heard of.
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { createAccount, createOperator, createUser, encodeAccount, encodeOperator, encodeUser, fmtCreds } from '@nats-io/jwt';

export interface NatsOperatorFiles {
  /** nats-server arguments that load the configuration. */
  serverArgs: string[];
  /** A user of the chat account. */
  userCreds: string;
  /** A user signed by an account the server does not know. */
  strangerCreds: string;
}

const UNLIMITED = { conn: -1, subs: -1, data: -1, payload: -1, imports: -1, exports: -1, leaf: -1, wildcards: true };
const UNLIMITED_JETSTREAM = { mem_storage: -1, disk_storage: -1, streams: -1, consumer: -1 };

async function userCredsFile(file: string, account: ReturnType<typeof createAccount>): Promise<string> {
  const user = createUser();
  writeFileSync(file, fmtCreds(await encodeUser('chat', user, account), user), { mode: 0o600 });
  return file;
}

/** `maxConnections`: the chat account's connection limit (default none). */
export async function writeNatsOperatorFiles(dir: string, options: { maxConnections?: number } = {}): Promise<NatsOperatorFiles> {
  const [operator, system, chat] = [createOperator(), createAccount(), createAccount()];
  const operatorJwt = await encodeOperator('netchat-test', operator, { system_account: system.getPublicKey() });
  const systemJwt = await encodeAccount('SYS', system, { limits: UNLIMITED }, { signer: operator });
  const limits = { ...UNLIMITED, ...UNLIMITED_JETSTREAM, ...(options.maxConnections !== undefined && { conn: options.maxConnections }) };
  const chatJwt = await encodeAccount('CHAT', chat, { limits }, { signer: operator });
  const operatorFile = path.join(dir, 'operator.jwt');
  writeFileSync(operatorFile, operatorJwt);
  const config = path.join(dir, 'nats.conf');
  writeFileSync(
    config,
    [
      `operator: ${JSON.stringify(operatorFile)}`,
      `system_account: ${system.getPublicKey()}`,
      'resolver: MEMORY',
      'resolver_preload: {',
      `  ${system.getPublicKey()}: ${systemJwt}`,
      `  ${chat.getPublicKey()}: ${chatJwt}`,
      '}',
    ].join('\n'),
  );
  return {
    serverArgs: ['-c', config],
    userCreds: await userCredsFile(path.join(dir, 'chat.creds'), chat),
    strangerCreds: await userCredsFile(path.join(dir, 'stranger.creds'), createAccount()),
  };
}
