/**
 * The update engine alone, called as Update Earlier Download… calls it:
 *   node out/test/bench/update.js <olderSasUrl> <newerSasUrl> <file> [--concurrency N]
 * brings <file> (a download of the older snapshot) up to date with the newer one; or, with
 *   node out/test/bench/update.js <olderSasUrl> <newerSasUrl> --list-only
 * only lists the changes between the two, as the update does (listDiff), and times that alone.
 * Prints one JSON line on stdout; logs (no secrets) go to stderr.
 */
import { BlobEndpoint } from '../../src/blob/http';
import { BlobSession } from '../../src/blob/session';
import { redactUrl, updateInPlace } from '../../src/transfer/index';
import { listDiff } from '../../src/transfer/update/diff';
import { engineArgs, runEngine } from './cli';

const args = engineArgs(process.argv.slice(2), {
    values: ['concurrency'],
    switches: ['list-only'],
    required: 2,
    usage: 'update.js <olderSasUrl> <newerSasUrl> (<file> [--concurrency N] | --list-only)',
});
const [older, newer, file] = args.positionals;
const log = (m: string) => process.stderr.write(`log ${m}\n`);

runEngine(async (signal) => {
    if (args.has('list-only')) {
        const session = (url: string, role: string) => new BlobSession({ url, role, signal, log, maxAttempts: 6, backoff: { baseDelayMs: 200, maxDelayMs: 10_000 } });
        const n = session(newer, 'the newer snapshot'), o = session(older, 'the older snapshot');
        const ep = new BlobEndpoint(8, 60_000);
        try {
            const size = (await ep.head(newer, signal)).size;
            const t0 = process.hrtime.bigint();
            const diff = await listDiff(n, o, ep, size, {});
            const listMs = Number(process.hrtime.bigint() - t0) / 1e6;
            return { rangesUpdated: diff.updated.length, rangesCleared: diff.cleared.length, listRequests: diff.requests, listMs };
        } finally {
            n.close();
            o.close();
            ep.destroy();
        }
    }
    if (!file) throw new Error('update.js: the file to update is missing');
    const r = await updateInPlace({ filePath: file, olderUrl: older, newerUrl: newer, signal, log, tuning: { concurrency: args.number('concurrency') } });
    return { ...r, older: redactUrl(older), newer: redactUrl(newer) };
});
