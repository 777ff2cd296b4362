/**
 * Copies one page blob into another, range by written range: server-side with Put Page From URL
 * (4 MiB per request, no data through the client), or streamed through the client (ranged GET →
 * Put Page, nothing on disk) for the ranges after the service refuses a server-side copy. Unwritten
 * ranges are never sent; completed ranges go to a journal, so an interrupted copy resumes. Then
 * verify: the target's written ranges and a sample of range MD5s must equal the source's.
 */
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import { HttpStatusError } from '../../blob/http';
import { JournalWriter, readJournal, sameBlob, type BlobIdentity } from '../core/journal';
import { listWrittenRanges } from '../../blob/listing';
import { chunkRanges, mergeRanges, subtractRanges, totalBytes, type ByteRange, type Chunk } from '../../blob/ranges';
import { backoffDelay, classify } from '../../blob/retry';
import { TransferError } from '../core/types';
import { assertSecureUrl, blobIdentity } from '../../blob/url';
import { blobSize, fetchPageListSource, putPage, putPageFromUrl, readRange } from './storage';
import type { CopyCheck, CopyMode, CopyOptions, CopyResult } from './types';

/** Put Page From URL copies at most 4 MiB per request. */
export const COPY_CHUNK = 4 * 1024 * 1024;
const MAX_ATTEMPTS = 6;
const BACKOFF = { baseDelayMs: 200, maxDelayMs: 10_000 };

/** The service will not copy server-side (source unreachable from it, feature refused): stream instead. */
export function refusesServerSide(e: unknown): boolean {
    if (!(e instanceof HttpStatusError)) return false;
    if (e.errorCode === 'CannotVerifyCopySource' || /CopySource/i.test(e.errorCode ?? '')) return true;
    return e.status === 501 || (e.status === 409 && e.errorCode === 'FeatureNotSupported');
}

async function sleep(ms: number, signal?: AbortSignal): Promise<void> {
    await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, ms);
        signal?.addEventListener('abort', () => { clearTimeout(t); resolve(); }, { once: true });
    });
}

function cancelled(): TransferError {
    return new TransferError('Cancelled', 'The copy was cancelled.');
}

/** Runs `fn` until it succeeds, a fatal error, or the attempts run out; `fallback` errors pass through unretried. */
async function withRetry<T>(what: string, url: string, fn: () => Promise<T>, opts: { signal?: AbortSignal; passThrough?: (e: unknown) => boolean; log?: (m: string) => void }): Promise<T> {
    for (let attempt = 0; ; attempt++) {
        if (opts.signal?.aborted) throw cancelled();
        try {
            return await fn();
        } catch (e) {
            if (opts.signal?.aborted) throw cancelled();
            if (opts.passThrough?.(e)) throw e;
            const v = classify(e, url);
            if (v.kind === 'fatal') throw v.error;
            if (v.kind === 'regrant') throw new TransferError('SasExpired', `The access of ${what} expired or was revoked.`);
            if (attempt + 1 >= MAX_ATTEMPTS) throw new TransferError('Server', `${what} kept failing (${(e as Error).message}).`);
            const delay = backoffDelay(attempt, BACKOFF, v.delayMs);
            opts.log?.(`${what}: ${(e as Error).message}; retrying in ${Math.round(delay)} ms.`);
            await sleep(delay, opts.signal);
        }
    }
}

function md5(b: Buffer): string {
    return crypto.createHash('md5').update(b).digest('base64');
}

export async function copyPageBlob(opts: CopyOptions): Promise<CopyResult> {
    assertSecureUrl(opts.sourceUrl);
    assertSecureUrl(opts.targetUrl);
    const { signal, log } = opts;
    const r = { signal, log };
    const size = await withRetry('the source', opts.sourceUrl, () => blobSize(opts.sourceUrl, signal), r);
    const targetSize = await withRetry('the target', opts.targetUrl, () => blobSize(opts.targetUrl, signal), r);
    if (targetSize < size) throw new TransferError('Server', `The target blob (${targetSize} bytes) is smaller than the source (${size} bytes).`);
    const written = mergeRanges(await listWrittenRanges(fetchPageListSource(opts.sourceUrl), { size, signal }, (fn) => withRetry('the source listing', opts.sourceUrl, fn, r)), 0, size);

    const identity: BlobIdentity = { key: `copy:${opts.resumeKey ?? `${blobIdentity(opts.sourceUrl)}->${blobIdentity(opts.targetUrl)}`}`, size };
    let done: ByteRange[] = [];
    if (opts.journalPath) {
        const saved = readJournal(opts.journalPath);
        if (saved && sameBlob(saved.identity, identity)) done = saved.done;
        else if (saved) log?.('The copy journal belongs to another copy: starting over.');
    }
    const todo = subtractRanges(written, done);
    const bytesResumed = totalBytes(written) - totalBytes(todo);
    const journal = opts.journalPath ? (done.length ? JournalWriter.append(opts.journalPath) : JournalWriter.create(opts.journalPath, identity)) : undefined;

    let mode: CopyMode = opts.mode === 'stream' ? 'stream' : 'server';
    const canFallBack = opts.mode !== 'server';
    let bytesServerSide = 0, bytesStreamed = 0, requests = 0, bytesDone = bytesResumed;
    const bytesToCopy = totalBytes(written);
    const chunks = chunkRanges(todo, COPY_CHUNK);
    opts.onProgress?.({ bytesToCopy, bytesDone, mode });

    const copyOne = async (c: Chunk): Promise<void> => {
        if (mode === 'server') {
            try {
                await withRetry('a server-side copy', opts.targetUrl, () => (requests++, putPageFromUrl(opts.targetUrl, opts.sourceUrl, c.start, c.end, signal)), { ...r, passThrough: refusesServerSide });
                bytesServerSide += c.end - c.start;
                return;
            } catch (e) {
                if (!canFallBack || !refusesServerSide(e)) throw e;
                if (mode === 'server') log?.(`The service refused a server-side copy (${(e as Error).message}): streaming the remaining ranges through this machine.`);
                mode = 'stream';
            }
        }
        const data = await withRetry('reading the source', opts.sourceUrl, () => (requests++, readRange(opts.sourceUrl, c.start, c.end, signal)), r);
        const sum = md5(data);
        await withRetry('writing the target', opts.targetUrl, () => (requests++, putPage(opts.targetUrl, c.start, data, sum, signal)), r);
        bytesStreamed += data.length;
    };

    let next = 0;
    let failure: unknown;
    const worker = async () => {
        while (failure === undefined && next < chunks.length) {
            const c = chunks[next++];
            try {
                await copyOne(c);
            } catch (e) {
                failure ??= e;
                return;
            }
            journal?.add(c);
            bytesDone += c.end - c.start;
            opts.onProgress?.({ bytesToCopy, bytesDone, mode });
        }
    };
    try {
        await Promise.all(Array.from({ length: Math.max(1, Math.min(opts.concurrency ?? 8, chunks.length)) }, worker));
    } finally {
        await journal?.close();
    }
    if (failure !== undefined) throw signal?.aborted ? cancelled() : failure;
    if (signal?.aborted) throw cancelled();

    const checks = await verifyCopy(opts.sourceUrl, opts.targetUrl, size, written, opts.verifySamples ?? 8, signal);
    if (checks.every((c) => c.passed) && opts.journalPath) fs.rmSync(opts.journalPath, { force: true });
    return { size, mode: bytesStreamed > 0 ? 'stream' : 'server', bytesWritten: bytesServerSide + bytesStreamed, bytesServerSide, bytesStreamed, bytesResumed, requests, checks };
}

/** Spread picks: the first, the last and evenly between, so both ends of the disk are read. */
export function sampleChunks(chunks: ByteRange[], n: number): ByteRange[] {
    if (n <= 0 || chunks.length === 0) return [];
    if (chunks.length <= n) return chunks;
    const step = (chunks.length - 1) / Math.max(1, n - 1);
    return [...new Set(Array.from({ length: n }, (_, i) => Math.round(i * step)))].map((i) => chunks[i]);
}

/** The target's written ranges equal the source's, and sampled written ranges have the same MD5 on both sides. */
export async function verifyCopy(sourceUrl: string, targetUrl: string, size: number, written: ByteRange[], samples: number, signal?: AbortSignal): Promise<CopyCheck[]> {
    const r = { signal };
    const target = mergeRanges(await listWrittenRanges(fetchPageListSource(targetUrl), { size, signal }, (fn) => withRetry('the target listing', targetUrl, fn, r)), 0, size);
    const same = target.length === written.length && target.every((t, i) => t.start === written[i].start && t.end === written[i].end);
    const checks: CopyCheck[] = [{ name: 'pageRanges', passed: same, detail: same ? `${written.length} ranges` : `source has ${written.length} written ranges (${totalBytes(written)} bytes), target ${target.length} (${totalBytes(target)} bytes)` }];
    if (samples > 0) {
        const picks = sampleChunks(chunkRanges(written, COPY_CHUNK), samples);
        const bad: string[] = [];
        for (const p of picks) {
            const [a, b] = await Promise.all([
                withRetry('reading the source', sourceUrl, () => readRange(sourceUrl, p.start, p.end, signal), r),
                withRetry('reading the target', targetUrl, () => readRange(targetUrl, p.start, p.end, signal), r),
            ]);
            if (md5(a) !== md5(b)) bad.push(`${p.start}-${p.end}`);
        }
        checks.push({ name: 'sampledMd5', passed: bad.length === 0, detail: bad.length ? `MD5 differs at ${bad.join(', ')}` : `${picks.length} ranges` });
    }
    return checks;
}
