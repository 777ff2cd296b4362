/**
 * downloadBlob: plan from page ranges, fetch chunks over N keep-alive connections, write them at
 * their offsets into a sparse `<dest>.partial` as they arrive, journal each completed chunk
 * (after its data is written and its MD5 matched), verify, rename.
 *
 * The parts, in the order a download runs them (under ./download/):
 *   settings     the knobs, resolved once
 *   planning     blob properties, written ranges, what to fetch
 *   partial      the .partial file and its journal: resume, sparse writes, flushes
 *   connections  transport, connection count, chunk memory, MD5 threads
 *   fetch        one attempt at one chunk, written and checked
 *   workers      the loop that fetches every chunk and journals it
 *   finish       verification and the final rename
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { BlobEndpoint } from '../../blob/http';
import { chunkRanges, intersect, subtractRanges, totalBytes } from '../../blob/ranges';
import { ProgressMeter } from '../core/progress';
import { TransferError, type DownloadOptions, type DownloadResult } from '../core/types';
import { assertSecureUrl } from '../../blob/url';
import type { EngineHooks } from '../core/file';
import { openConnections, type Connections } from './connections';
import { localError } from './errors';
import { ChunkFetcher } from './fetch';
import { ChunkQueue, GapTuner, widestGapWithin } from './gaps';
import { verifyAndRename } from './finish';
import { PartialFile } from './partial';
import { planDownload } from './planning';
import { BlobSession } from '../../blob/session';
import { MAX_CONNECTIONS, Md5Sampler, resolveSettings } from './settings';
import { fetchAll, type FetchStats } from './workers';

/** Adaptive merging fetches at most this many times the written bytes (bounds the extra bytes moved and billed). */
const FETCH_BUDGET = 1.5;

export function partialPaths(destPath: string): { partial: string; journal: string } {
    return { partial: `${destPath}.partial`, journal: `${destPath}.partial.journal` };
}

/** Deletes a partial download and its journal (e.g. after the user chose to start over). */
export function discardPartial(destPath: string): void {
    const p = partialPaths(destPath);
    fs.rmSync(p.journal, { force: true });
    fs.rmSync(p.partial, { force: true });
}

export async function downloadBlob(opts: DownloadOptions, hooks: EngineHooks = {}): Promise<DownloadResult> {
    const t = opts.tuning ?? {};
    assertSecureUrl(opts.url);
    const settings = resolveSettings(opts);
    const paths = partialPaths(opts.destPath);
    const notes: string[] = [];
    const s = new BlobSession({
        url: opts.url, refreshUrl: opts.refreshUrl, signal: opts.signal, log: opts.log,
        maxAttempts: settings.maxAttempts, backoff: settings.backoff, maxRegrants: settings.maxRegrants,
        cancelledMessage: 'Download cancelled; the partial file is kept and the download can resume.',
    });
    // Sockets are opened on demand: at most one per request in flight.
    const http = new BlobEndpoint(MAX_CONNECTIONS, settings.idleTimeoutMs, opts.authorization);
    let partial: PartialFile | undefined;
    let conn: Connections | undefined;
    let fetcher: ChunkFetcher | undefined;
    try {
        const plan = await planDownload(s, http, opts, settings, notes);
        partial = await PartialFile.open(paths, plan.identity, plan.planBytes, t, s.log, notes, hooks.openOutput);
        partial.keepOnly(plan.exact);
        const toFetch = subtractRanges(plan.ranges, partial.done);
        const fetchBytes = totalBytes(toFetch);
        const bytesResumed = plan.planBytes - fetchBytes;
        const chunks = chunkRanges(toFetch, settings.chunkSize);
        if (partial.done.length) s.log(`resuming: ${bytesResumed} bytes already present, ${fetchBytes} to fetch`);
        await checkFreeSpace(path.dirname(paths.partial), fetchBytes);

        conn = await openConnections(s, chunks, fetchBytes, plan.props, settings, t, opts.authorization);
        const stats: FetchStats = { bytesFetched: 0, md5Checked: 0, rangesChecked: 0 };
        // Gaps wider than the plan merged are merged as requests prove costlier than the bytes
        // they skip — never across bytes a resumed partial already has.
        const adaptive = opts.mergeGap === undefined && t.adaptiveMerge !== false;
        const budget = plan.planBytes > 0 ? Math.max(0, FETCH_BUDGET * plan.writtenBytes - plan.planBytes) * (fetchBytes / plan.planBytes) : 0;
        const widest = adaptive ? Math.min(settings.chunkSize / 4, widestGapWithin(toFetch, budget)) : 0;
        const tuner = new GapTuner({ minGap: settings.mergeGap, maxGap: Math.max(settings.mergeGap, widest) });
        const sampler = new Md5Sampler(settings.rangeMd5, s.log);
        const queue = new ChunkQueue(toFetch, (seq) => sampler.limit(seq, settings.chunkSize), (a, b) => intersect(plan.ranges, a, b).length === 0);
        const partialName = path.basename(paths.partial);
        fetcher = new ChunkFetcher({
            signal: s.signal, http, direct: conn.direct, md5: conn.md5, sampler,
            etag: opts.resumeKey ? undefined : plan.identity.etag,
            write: partial.write,
            writeError: (e) => localError(e, Math.max(0, fetchBytes - stats.bytesFetched), `write ${partialName}`),
            log: s.log,
            timed: adaptive ? (n, ms) => tuner.record(n, ms) : undefined,
        });
        const meter = new ProgressMeter(plan.planBytes, plan.size, bytesResumed, opts.onProgress, t.progressIntervalMs ?? 250);
        await fetchAll({ session: s, queue, tuner, planned: plan.ranges, workers: Math.min(conn.connections, chunks.length), fetcher, pool: conn.pool, partial, meter, stats });
        if (tuner.gap > settings.mergeGap) s.log(`merged gaps up to ${Math.round(tuner.gap / 1024)} KiB: ${queue.taken} requests for ${chunks.length} chunks`);

        const checks = await verifyAndRename(partial, plan.size, stats, opts);
        const transport = chunks.length ? fetcher.transport : undefined;
        s.log(`downloaded ${plan.size} bytes (${plan.writtenBytes} written, ${stats.bytesFetched} fetched over ${fetcher.transport === 'direct' ? 'direct sockets' : 'node:http'}, ${bytesResumed} resumed) to ${opts.destPath}`);
        return {
            path: opts.destPath, totalSize: plan.size, bytesFetched: stats.bytesFetched, bytesResumed, bytesWritten: plan.writtenBytes,
            checks, sparse: partial.sparse, notes, retries: s.retries, regrants: s.regrants, transport,
        };
    } finally {
        s.close();
        http.destroy();
        fetcher?.destroy();
        if (!fetcher) conn?.direct?.destroy();
        await conn?.md5?.close();
        await partial?.release();
    }
}

async function checkFreeSpace(dir: string, needed: number): Promise<void> {
    let free: number;
    try {
        const s = await fs.promises.statfs(dir);
        free = s.bavail * s.bsize;
    } catch {
        return; // not knowable here; a write will say ENOSPC
    }
    if (free < needed) throw new TransferError('DiskFull', `Not enough disk space: ${needed} bytes needed, ${free} free.`, needed - free);
}
