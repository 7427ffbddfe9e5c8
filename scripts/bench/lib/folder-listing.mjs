// Listing a large shared folder while chat flows, for the files benchmark. A server is started on
// a folder of N empty files (how long it takes to start is its first scan); then, each round,
// after the index has aged past the rescan interval, a client lists every page — which starts a
// background rescan — and waits until a file created just before the listing shows up (the
// rescan is done): chat phase `rescan`. Then it lists every page again from the fresh index:
// phase `listing`. Chat latency is measured in both and idle before them.
import { closeSync, mkdirSync, openSync, rmSync } from 'node:fs';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { startChatLatency } from './chat-latency.mjs';
import { FilesWireClient } from './files-wire-client.mjs';
import { makeEmptyFiles } from './generated-files.mjs';
import { rssKiB } from './processes.mjs';
import { fmt } from './stats.mjs';
import { startNetchat } from './targets.mjs';

/** The server rescans its folder when someone lists and its index is this old (core/files/shared-folder.ts). */
const RESCAN_AFTER_S = 5;
const RESCAN_TIMEOUT_MS = 120_000;

/**
 * Resolves with { createMs, startupMs, rounds: [{ before, rescanMs, after }], chat, rssStartKiB, rssEndKiB },
 * where before/after are full listings: { firstPageMs, allMs, pages, files }.
 */
export async function measureFolderListing({ runtime, work, files, rounds, idleSeconds, chatOptions, log }) {
  const dir = path.join(work, 'many');
  mkdirSync(dir);
  let at = performance.now();
  makeEmptyFiles(dir, files);
  const createMs = performance.now() - at;
  log(`created ${fmt(files)} empty files in ${fmt(createMs / 1000, 1)} s`);
  at = performance.now();
  const server = await startNetchat({ runtime, extraArgs: ['--shared-dir', dir] });
  const startupMs = performance.now() - at;
  const results = [];
  let chat;
  let lister;
  let rssStartKiB;
  let rssEndKiB;
  let latency;
  try {
    chat = await startChatLatency(server.port, chatOptions);
    lister = await FilesWireClient.connect(server.port);
    await lister.join('lister');
    rssStartKiB = rssKiB(server.pid);
    for (let round = 1; round <= rounds; round++) {
      // Idle long enough that the next listing finds the index old and rescans the folder.
      chat.phase(`idle#${round}`);
      await sleep(Math.max(idleSeconds, RESCAN_AFTER_S + 0.5) * 1000);
      chat.phase(`rescan#${round}`);
      // A file the index cannot know yet: once a listing shows it, the rescan is done.
      const marker = `zzzz-marker-${round}.txt`;
      closeSync(openSync(path.join(dir, marker), 'w'));
      const t0 = performance.now();
      const before = await listEverything(lister, files);
      let rescanMs;
      while (rescanMs === undefined) {
        if ((await lister.listPage(marker.slice(0, -1))).files > 0) rescanMs = performance.now() - t0;
        else if (performance.now() - t0 > RESCAN_TIMEOUT_MS) throw new Error(`the rescan took more than ${RESCAN_TIMEOUT_MS} ms`);
        else await sleep(50);
      }
      chat.phase(`listing#${round}`);
      const after = await listEverything(lister, files);
      chat.phase('between');
      results.push({ round, before, rescanMs, after });
      log(
        `[list ${round}/${rounds}] first page ${fmt(before.firstPageMs, 1)} ms, ${before.pages} pages in ${fmt(before.allMs)} ms; ` +
          `rescan seen after ${fmt(rescanMs)} ms; all pages again ${fmt(after.allMs)} ms`,
      );
    }
  } finally {
    lister?.close();
    latency = await chat?.report().catch((error) => log(`chat latency: ${error.message}`));
    rssEndKiB = rssKiB(server.pid);
    await server.stop();
    rmSync(dir, { recursive: true, force: true });
  }
  return { createMs, startupMs, rounds: results, chat: latency, rssStartKiB, rssEndKiB };
}

/** Every page of LIST_FILES from the first: how long the first page and all of them took. */
async function listEverything(client, atLeast) {
  const t0 = performance.now();
  let firstPageMs;
  let pages = 0;
  let files = 0;
  let after;
  do {
    const page = await client.listPage(after);
    pages++;
    files += page.files;
    firstPageMs ??= performance.now() - t0;
    after = page.next;
  } while (after !== undefined);
  if (files < atLeast) throw new Error(`LIST_FILES showed ${files} files, fewer than the ${atLeast} created`);
  return { firstPageMs, allMs: performance.now() - t0, pages, files };
}
