/**
 * Copies one page blob into another, range by written range: server-side with Put Page From URL
 * (4 MiB per request, no data through the client), or streamed through the client (ranged GET →
 * Put Page, nothing on disk) for the ranges after the service refuses a server-side copy. Unwritten
 * ranges are never sent; completed ranges go to a journal, so an interrupted copy resumes. Then
 * verify: the target's written ranges and a sample of range MD5s must equal the source's.
 */
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import { BlobEndpoint } from '../../blob/http';
import { HttpStatusError, TransferError } from '../../blob/errors';
import { httpPageListSource, listWrittenRanges } from '../../blob/listing';
import { chunkRanges, mergeRanges, subtractRanges, totalBytes, type ByteRange, type Chunk } from '../../blob/ranges';
import { BlobSession } from '../../blob/session';
import { blobIdentity, sasExpiredByClock } from '../../blob/url';
import { JournalWriter, readJournal, sameBlob, type BlobIdentity } from '../core/journal';
import { ProgressMeter } from '../core/progress';
import type { CopyCheck, CopyMode, CopyOptions, CopyResult } from './types';

/** Put Page From URL copies at most 4 MiB per request (and a Put Page carries at most 4 MiB). */
export const COPY_CHUNK = 4 * 1024 * 1024;
/**
 * Streamed ranges are read up to 8 MiB at a time, as downloads read them: half the requests,
 * and (on Azurite) no MD5 of every range ≤ 4 MiB that the emulator computes whether asked or not.
 */
const STREAM_READ = 2 * COPY_CHUNK;
const MAX_ATTEMPTS = 6;
const BACKOFF = { baseDelayMs: 200, maxDelayMs: 10_000 };

/** The service will not copy server-side (source unreachable from it, feature refused): stream instead. */
export function refusesServerSide(e: unknown): boolean {
    if (!(e instanceof HttpStatusError)) return false;
    if (e.errorCode === 'CannotVerifyCopySource' || /CopySource/i.test(e.errorCode ?? '')) return true;
    return e.status === 501 || (e.status === 409 && e.errorCode === 'FeatureNotSupported');
}

function md5(b: Buffer): string {
    return crypto.createHash('md5').update(b).digest('base64');
}

/** The two sides of a copy: each its own session (SAS, re-grant) and endpoint (its disk's token). */
interface Sides {
    source: BlobSession;
    target: BlobSession;
    sourceEp: BlobEndpoint;
    targetEp: BlobEndpoint;
}

function openSides(opts: CopyOptions): Sides {
    const t = opts.tuning ?? {};
    const backoff = { baseDelayMs: t.baseDelayMs ?? BACKOFF.baseDelayMs, maxDelayMs: t.maxDelayMs ?? BACKOFF.maxDelayMs };
    const common = { signal: opts.signal, log: opts.log, maxAttempts: t.maxAttempts ?? MAX_ATTEMPTS, backoff, cancelledMessage: 'The copy was cancelled.' };
    const connections = Math.max(1, Math.min(64, opts.concurrency ?? 8));
    const idle = t.idleTimeoutMs ?? 60_000;
    return {
        source: new BlobSession({ ...common, url: opts.sourceUrl, refreshUrl: opts.refreshSource, role: 'the source' }),
        target: new BlobSession({ ...common, url: opts.targetUrl, refreshUrl: opts.refreshTarget, role: 'the target' }),
        sourceEp: new BlobEndpoint(connections, idle, opts.sourceAuthorization),
        targetEp: new BlobEndpoint(connections, idle, opts.targetAuthorization),
    };
}

function closeSides(s: Sides): void {
    s.source.close();
    s.target.close();
    s.sourceEp.destroy();
    s.targetEp.destroy();
}

async function listSide(session: BlobSession, ep: BlobEndpoint, size: number): Promise<ByteRange[]> {
    const ranges = await listWrittenRanges(httpPageListSource(ep, () => session.url), { size, signal: session.signal }, (fn) => session.withRetry('listing page ranges', () => fn()));
    return mergeRanges(ranges, 0, size);
}

export async function copyPageBlob(opts: CopyOptions): Promise<CopyResult> {
    const sides = openSides(opts);
    try {
        return await copyWith(opts, sides);
    } finally {
        closeSides(sides);
    }
}

async function copyWith(opts: CopyOptions, sides: Sides): Promise<CopyResult> {
    const { source, target, sourceEp, targetEp } = sides;
    const { log } = opts;
    const size = (await source.withRetry('reading the source', (u) => sourceEp.head(u, source.signal))).size;
    const targetSize = (await target.withRetry('reading the target', (u) => targetEp.head(u, target.signal))).size;
    if (targetSize < size) throw new TransferError('Server', `The target blob (${targetSize} bytes) is smaller than the source (${size} bytes).`);
    const written = await listSide(source, sourceEp, size);

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
    let bytesServerSide = 0, bytesStreamed = 0, requests = 0;
    const bytesPlanned = totalBytes(written);
    const chunks = chunkRanges(todo, COPY_CHUNK);
    const meter = new ProgressMeter(bytesPlanned, size, bytesResumed, opts.onProgress && ((p) => opts.onProgress!({ ...p, mode })), 250);

    /** Put Page From URL with the source's current SAS; a refusal that an expired source SAS explains re-grants the source and tries again. */
    const serverSide = async (c: Chunk): Promise<void> => {
        for (;;) {
            const used = source.url;
            try {
                await target.withRetry('a server-side copy', (t) => (requests++, targetEp.putPageFromUrl(t, used, c.start, c.end, opts.sourceAuthorization, target.signal)), refusesServerSide);
                return;
            } catch (e) {
                if (!refusesServerSide(e) || !(await sourceExpired(sides, used))) throw e;
                await source.regrant(used);
            }
        }
    };

    /** The chunks of one request: one for Put Page From URL; adjacent ones up to STREAM_READ when streaming. */
    const copyBatch = async (batch: Chunk[]): Promise<void> => {
        if (mode === 'server') {
            const c = batch[0];
            try {
                await serverSide(c);
                // Both SAS worked: each side's re-grant budget starts over.
                source.progressed();
                target.progressed();
                bytesServerSide += c.end - c.start;
                return;
            } catch (e) {
                if (!canFallBack || !refusesServerSide(e)) throw e;
                if (mode === 'server') log?.(`The service refused a server-side copy (${(e as Error).message}): streaming the remaining ranges through this machine.`);
                mode = 'stream';
            }
        }
        // Streamed: one ranged read for the batch, then a Put Page (≤ 4 MiB, its MD5) per chunk.
        const start = batch[0].start, end = batch[batch.length - 1].end;
        const data = await source.withRetry('reading the source', (u) => (requests++, sourceEp.readRange(u, start, end, source.signal)));
        source.progressed();
        for (const c of batch) {
            const body = data.subarray(c.start - start, c.end - start);
            const sum = md5(body);
            await target.withRetry('writing the target', (u) => (requests++, targetEp.putPage(u, c.start, body, sum, target.signal)));
            target.progressed();
            bytesStreamed += body.length;
        }
    };

    let next = 0;
    /** The next chunk, and while streaming the adjacent ones after it, up to STREAM_READ bytes. */
    const take = (): Chunk[] => {
        const batch = [chunks[next++]];
        while (mode === 'stream' && next < chunks.length && chunks[next].start === batch[batch.length - 1].end && chunks[next].end - batch[0].start <= STREAM_READ) batch.push(chunks[next++]);
        return batch;
    };
    const worker = async () => {
        while (!source.signal.aborted && !target.signal.aborted && next < chunks.length) {
            const batch = take();
            try {
                await copyBatch(batch);
            } catch (e) {
                const err = e instanceof Error ? e : new Error(String(e));
                source.fail(err);
                target.fail(err);
                return;
            }
            for (const c of batch) {
                journal?.add(c);
                meter.add(c.end - c.start);
            }
        }
    };
    try {
        await Promise.all(Array.from({ length: Math.max(1, Math.min(opts.concurrency ?? 8, chunks.length)) }, worker));
        meter.emit();
    } finally {
        meter.stop();
        await journal?.close();
    }
    if (source.signal.aborted || target.signal.aborted) throw source.fatal ?? target.fatal ?? source.cancelled();

    const checks = await verifyWith(sides, size, written, opts.verifySamples ?? 8);
    if (checks.every((c) => c.passed) && opts.journalPath) fs.rmSync(opts.journalPath, { force: true });
    return {
        size, mode: bytesStreamed > 0 ? 'stream' : 'server', bytesWritten: bytesServerSide + bytesStreamed, bytesServerSide, bytesStreamed, bytesResumed, requests,
        retries: source.retries + target.retries, regrants: source.regrants + target.regrants, checks,
    };
}

/**
 * Whether the source's SAS (the one a refused Put Page From URL carried) has expired or been
 * revoked: by its clock, or by asking the source itself, through its own session's rules.
 */
async function sourceExpired(sides: Sides, used: string): Promise<boolean> {
    if (used !== sides.source.url) return true; // another request already re-granted it
    if (sasExpiredByClock(used)) return true;
    try {
        await sides.sourceEp.head(used, sides.source.signal);
        return false;
    } catch (e) {
        return e instanceof HttpStatusError && e.status === 403 && e.errorCode === 'AuthenticationFailed';
    }
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
    const sides = openSides({ sourceUrl, targetUrl, signal });
    try {
        return await verifyWith(sides, size, written, samples);
    } finally {
        closeSides(sides);
    }
}

async function verifyWith(sides: Sides, size: number, written: ByteRange[], samples: number): Promise<CopyCheck[]> {
    const { source, target, sourceEp, targetEp } = sides;
    const listed = await listSide(target, targetEp, size);
    const same = listed.length === written.length && listed.every((t, i) => t.start === written[i].start && t.end === written[i].end);
    const checks: CopyCheck[] = [{ name: 'page-ranges', passed: same, detail: same ? `${written.length} ranges` : `source has ${written.length} written ranges (${totalBytes(written)} bytes), target ${listed.length} (${totalBytes(listed)} bytes)` }];
    if (samples > 0) {
        const picks = sampleChunks(chunkRanges(written, COPY_CHUNK), samples);
        const bad: string[] = [];
        for (const p of picks) {
            const [a, b] = await Promise.all([
                source.withRetry('reading the source', (u) => sourceEp.readRange(u, p.start, p.end, source.signal)),
                target.withRetry('reading the target', (u) => targetEp.readRange(u, p.start, p.end, target.signal)),
            ]);
            if (md5(a) !== md5(b)) bad.push(`${p.start}-${p.end}`);
        }
        checks.push({ name: 'sampled-md5', passed: bad.length === 0, detail: bad.length ? `MD5 differs at ${bad.join(', ')}` : `${picks.length} ranges` });
    }
    return checks;
}
