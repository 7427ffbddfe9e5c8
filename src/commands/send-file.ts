// `netchat send-file <path>... <host> [port]`: upload files, a folder's files, or stdin (`-`,
// with --name) to a server's shared folder, each on its own connection, and print the server's
// verdict per file. With passwords (join's login options) each upload's connection logs in first.
// Exit 0 when every file was stored, 6 when any was not, 3 when the server cannot be reached, 4
// when it refused the login.
import { defineCommand } from 'citty';
import { isUnreachable, planUploads, sendAll, type UploadOutcome } from '../core/files-client/send-files.ts';
import type { UploadLogin } from '../core/files-client/upload-login.ts';
import { systemClock } from '../core/shared/clock.ts';
import { formatHostPort } from '../core/shared/host-port.ts';
import { checkFileName } from '../protocol/files/file-names.ts';
import { formatSize } from '../protocol/files/file-sizes.ts';
import { progressStyle, startProgress, type TransferProgress } from '../ui/transfer-progress.ts';
import { eventJson } from '../ui/chat-format.ts';
import { takesPositionalList } from './_strict-args.ts';
import { createLogger, EXIT, logArgs, onShutdownSignal, parsePort, parseSeconds, UsageError } from './_shared.ts';
import { displayLogger, displayText, jsonLine } from '../ui/display-safe.ts';
import { resolveStateDir, stateDirArg } from './_state-dir.ts';
import { guardStdout } from './_stdout.ts';
import { isLoginRefusal, joinCredentials, joinLoginArgs } from './_join-login.ts';
import { clientTlsArgs, clientTlsRuntime, isTrustRefusal, parseChatAddress } from './_tls-flags.ts';

const DEFAULT_PORT = 12000;
const DEFAULT_CONNECT_TIMEOUT_MS = 10_000;
const IDLE_TIMEOUT_MS = 60_000;

/** The paths, then the host, then maybe a port: `a.csv b.csv host 12000`, `dir host:12000`. */
function splitTarget(positionals: readonly string[]): { paths: string[]; host: string; port: number; tls: boolean } {
  if (positionals.length < 2) throw new UsageError('send-file needs at least one PATH and a HOST: netchat send-file <path>... <host> [port]');
  const last = positionals[positionals.length - 1]!;
  const withPort = positionals.length >= 3 && /^\d+$/.test(last);
  const host = positionals[positionals.length - (withPort ? 2 : 1)]!;
  const paths = positionals.slice(0, positionals.length - (withPort ? 2 : 1));
  const parsed = parseChatAddress(host, 'HOST');
  if (withPort && parsed.port !== undefined) throw new UsageError(`two ports: ${host} and ${last}`);
  const port = withPort ? parsePort(last, 'PORT', false) : (parsed.port ?? DEFAULT_PORT);
  return { paths, host: parsed.host, port, tls: parsed.tls };
}

/** The login for every upload: join's passwords, and the account they belong to. */
async function uploadLogin(
  args: { account?: string; password?: boolean; 'password-file'?: string; 'server-password-file'?: string },
  readsStdin: boolean,
): Promise<UploadLogin | undefined> {
  const interactive = Boolean(process.stdin.isTTY && process.stderr.isTTY) && !readsStdin;
  const account = args.account?.trim() || undefined;
  if ((args.password || args['password-file']) && !account) throw new UsageError('--password and --password-file log in to an account: name it with --account NAME');
  const credentials = await joinCredentials(args, interactive, account, process.stderr);
  if (!credentials) return undefined;
  if (account && credentials.password === undefined) throw new UsageError('--account needs its password: --password, --password-file FILE or NETCHAT_PASSWORD');
  return {
    serverPassword: credentials.serverPassword,
    // NETCHAT_PASSWORD alone (no --account) names no account: it is not sent.
    account: account && credentials.password !== undefined ? { name: account, password: credentials.password } : undefined,
  };
}

export default takesPositionalList(defineCommand({
  meta: { name: 'send-file', description: "Upload files (or a folder's files, or stdin as -) to a server's shared folder" },
  args: {
    name: { type: 'string', description: 'Name to store stdin (-), or the one file sent, under on the server', valueHint: 'name' },
    json: { type: 'boolean', alias: ['j'], description: 'Print one JSON object per file (and progress events) on stdout', default: false },
    account: { type: 'string', description: 'Log in as this account (AUTH) before each upload, with the password of --password, --password-file or NETCHAT_PASSWORD', valueHint: 'name' },
    ...joinLoginArgs,
    ...clientTlsArgs,
    ...stateDirArg,
    timeout: { type: 'string', alias: ['W', 'w'], description: `Seconds to wait for each connection (default ${DEFAULT_CONNECT_TIMEOUT_MS / 1000})`, valueHint: 'seconds' },
    ...logArgs,
  },
  async run({ args }) {
    // Messages may quote the server (a stored name, an error): made safe for the terminal.
    const logger = displayLogger(createLogger(args));
    const { paths, host, port, tls } = splitTarget(args._ as string[]);
    if (paths.filter((path) => path === '-').length > 1) throw new UsageError('stdin (-) can be sent once');
    if (paths.includes('-') && !args.name) throw new UsageError('--name is required to send stdin (-)');
    if (args.name !== undefined && checkFileName(args.name)) throw new UsageError(`--name "${args.name}" is not a valid shared file name`);
    // --name names stdin, or the one file sent: never silently nothing.
    const renamesFile = args.name !== undefined && !paths.includes('-');
    if (renamesFile && paths.length !== 1) throw new UsageError('--name names one upload: stdin (-), or a single file');
    const connectTimeoutMs = parseSeconds(args.timeout, '--timeout') ?? DEFAULT_CONNECT_TIMEOUT_MS;
    const login = await uploadLogin(args, paths.includes('-'));
    if (!login) return void (process.exitCode = EXIT.INTERRUPTED);
    const runtime = await clientTlsRuntime(args, { tls, stateDir: resolveStateDir(args['state-dir']) }, logger);
    let progress: TransferProgress | undefined;
    let interrupted = false;
    // `… | head -1`: the reader of the verdicts went away; stop as a writer cut off by SIGPIPE would.
    const stdout = guardStdout(() => {
      interrupted = true;
      progress?.stop();
      process.exit(EXIT.OUTPUT_CLOSED);
    });
    const writeJson = (event: Record<string, unknown>) => stdout.write(`${jsonLine(eventJson(event, new Date()))}\n`);

    const stdin = { chunks: process.stdin as AsyncIterable<Uint8Array>, name: args.name };
    const plan = await planUploads(runtime.files, paths, stdin);
    if (renamesFile && plan.uploads.length === 1 && plan.uploads[0]!.label === paths[0]) plan.uploads[0]!.name = args.name!;
    else if (renamesFile && plan.problems.length === 0) throw new UsageError('--name names one upload: stdin (-), or a single file, not a folder');
    for (const problem of plan.problems) {
      if (args.json) writeJson({ type: 'error', path: problem.label, code: problem.code, message: problem.message });
      else logger.error(problem.message);
    }

    const style = progressStyle({ json: args.json, quiet: args.quiet, readsStdin: paths.includes('-') }, { stderr: process.stderr, stdin: process.stdin });
    // clack's bar exits the process itself on Ctrl-C: the code must still say "interrupted".
    const onExit = () => {
      if (progress && interrupted === false) process.exitCode = EXIT.INTERRUPTED;
    };
    process.on('exit', onExit);
    const release = onShutdownSignal(() => {
      interrupted = true;
      progress?.stop();
      process.exit(EXIT.INTERRUPTED);
    });
    let outcomes: UploadOutcome[];
    try {
      outcomes = await sendAll(
        { runtime, store: runtime.files, clock: systemClock },
        { host, port, connectTimeoutMs, idleTimeoutMs: IDLE_TIMEOUT_MS, login },
        plan.uploads,
        {
          onStart: (upload) => {
            progress = startProgress(style, upload.name, { stderr: process.stderr, stdin: process.stdin, writeJson });
          },
          onProgress: (_upload, done, total) => progress?.update(done, total),
          // The same passwords would be refused for every file, and count as more failed logins.
          stopsAll: (error) => isLoginRefusal(error.code),
          onOutcome: (outcome) => {
            progress?.stop();
            progress = undefined;
            report(outcome);
          },
        },
      );
    } finally {
      release();
      process.off('exit', onExit);
    }

    function report(outcome: UploadOutcome): void {
      const { upload } = outcome;
      if ('result' in outcome) {
        const { result } = outcome;
        if (args.json) writeJson({ type: 'stored', path: upload.label, name: result.storedAs, size: result.size, sha256: result.sha256 });
        // The verdict is the data: one line per stored file on stdout, for scripts to read.
        // The stored name comes from the server: made safe for a terminal (and its tabs kept out of the columns).
        else stdout.write(`${displayText(upload.label)}\t${displayText(result.storedAs)}\t${result.size}\t${result.sha256}\n`);
        if (!args.json && result.storedAs !== upload.name) logger.info(`${upload.name} was stored as ${result.storedAs}: the server already had a file named ${upload.name}`);
        else logger.debug(`${upload.label}: stored (${formatSize(result.size)})`);
      } else {
        const { error } = outcome;
        if (args.json) writeJson({ type: 'error', path: upload.label, code: error.code, message: error.message });
        else logger.error(`${upload.label}: ${error.code} ${error.message}`);
      }
    }

    const failed = outcomes.filter((outcome) => 'error' in outcome);
    const untrusted = failed.some((outcome) => 'error' in outcome && isTrustRefusal(outcome.error.code));
    const unreachable = failed.some((outcome) => 'error' in outcome && isUnreachable(outcome.error));
    const refusedLogin = failed.some((outcome) => 'error' in outcome && isLoginRefusal(outcome.error.code));
    if (unreachable) logger.error(`cannot reach a netchat server at ${formatHostPort(host, port)}`);
    if (refusedLogin) logger.error(`the server refused the login: give its password (--server-password-file) or an account (--account with --password or --password-file)`);
    process.exitCode = untrusted
      ? EXIT.TLS_UNTRUSTED
      : refusedLogin
      ? EXIT.NAME_REFUSED
      : unreachable
      ? EXIT.CONNECT
      : failed.length > 0 || plan.problems.length > 0 || plan.uploads.length === 0
        ? EXIT.TRANSFER_FAILED
        : EXIT.OK;
    // stdin may still be open (a terminal) when it was not sent; it must not keep us alive.
    if (!paths.includes('-')) process.stdin.destroy();
  },
}));
