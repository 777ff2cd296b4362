/**
 * uploadImage: inspect the image (no network), check the blob's size, then read the image's data
 * extents in chunk-sized windows of the virtual disk, skip zero pages, Put Page the rest over N
 * keep-alive connections, journal each finished window, write the footer last, and verify with
 * Get Page Ranges and a read-back of the footer.
 */
import * as crypto from 'node:crypto';
import { setMaxListeners } from 'node:events';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { BytePool } from '../buffers';
import { openImage, type ImageInfo } from '../formats/inspect';
import type { ImageReader } from '../formats/types';
import { HttpRanges, HttpStatusError } from '../http';
import { JournalWriter, readJournal, type BlobIdentity } from '../journal';
import { Md5Pool } from '../md5';
import { mergeRanges, totalBytes, type ByteRange } from '../plan';
import { backoffDelay, classify } from '../retry';
import { TransferError } from '../types';
import { assertSecureUrl, blobIdentity, redactUrl, scrubSecrets } from '../url';
import { buildVhdFooter, VHD_FOOTER_SIZE } from '../vhd';
import { PageWriter } from './put';
import type { UploadCheck, UploadOptions, UploadResult } from './types';
import { listBlobPageRanges, verifyUpload } from './verify';
import { planWindows, zeroRuns, type Window } from './windows';

const MiB = 1024 * 1024;
const MAX_PUT = 4 * MiB;
const MAX_CONNECTIONS = 64;
const DEFAULT_BUDGET = 160 * MiB;

interface UploadIdentity extends BlobIdentity {
    image: { path: string; size: number; mtimeMs: number };
    chunkSize: number;
    zeroGap: number;
}

function describeJournalMismatch(saved: UploadIdentity, now: UploadIdentity): string | undefined {
    if (saved.image?.path !== now.image.path || saved.image?.size !== now.image.size || saved.image?.mtimeMs !== now.image.mtimeMs) {
        return 'the journal belongs to a different image file (or the image changed since: its size or modification time differ)';
    }
    if (saved.key !== now.key) return 'the journal belongs to a different blob';
    if (saved.size !== now.size) return `the blob size differs (${saved.size} → ${now.size} bytes)`;
    return undefined;
}

/** A deterministic footer for a converted image, so a resumed upload writes the same bytes. */
function computedFooter(info: ImageInfo): Buffer {
    const uniqueId = crypto.createHash('md5').update(`${info.path}\n${info.fileSize}\n${info.mtimeMs}`).digest();
    return buildVhdFooter(info.dataSize, { timestamp: new Date(info.mtimeMs), uniqueId });
}

export async function uploadImage(opts: UploadOptions): Promise<UploadResult> {
    const t = opts.tuning ?? {};
    const log = (m: string) => opts.log?.(scrubSecrets(m));
    // Everything local first: URL rule, then the image. No request before both pass.
    assertSecureUrl(opts.url);
    const { info, reader } = await openImage(opts.imagePath, { kind: opts.kind, log, extentQuery: !t.noExtentQuery });
    try {
        return await run(opts, info, reader, log);
    } finally {
        await reader.close().catch(() => undefined);
    }
}

async function run(opts: UploadOptions, info: ImageInfo, reader: ImageReader, log: (m: string) => void): Promise<UploadResult> {
    const t = opts.tuning ?? {};
    const requestedChunk = opts.chunkSize ?? MAX_PUT;
    if (requestedChunk % 512 !== 0 || requestedChunk < 512 || requestedChunk > MAX_PUT) throw new RangeError('chunkSize must be a multiple of 512 between 512 and 4 MiB');
    const concurrency = Math.min(MAX_CONNECTIONS, Math.max(1, Math.floor(opts.concurrency ?? 16)));
    const maxAttempts = t.maxAttempts ?? 8;
    const backoff = { baseDelayMs: t.baseDelayMs ?? 500, maxDelayMs: t.maxDelayMs ?? 30_000 };
    const notes = [...info.notes];
    const footer = info.keepsFooter && reader.footer ? reader.footer : computedFooter(info);

    const stop = new AbortController();
    setMaxListeners(4 * MAX_CONNECTIONS + 16, stop.signal);
    const onUserAbort = () => stop.abort();
    if (opts.signal?.aborted) throw new TransferError('Cancelled', 'Upload cancelled before it started.');
    opts.signal?.addEventListener('abort', onUserAbort);
    let fatal: Error | undefined;
    const cancelled = () => new TransferError('Cancelled', opts.journalPath ? 'Upload cancelled; the journal is kept and the upload can resume.' : 'Upload cancelled.');

    const writer = new PageWriter(concurrency, t.idleTimeoutMs ?? 60_000, opts.authorization);
    const ranges = new HttpRanges(4, t.idleTimeoutMs ?? 60_000, opts.authorization);
    let url = opts.url;
    let retries = 0, regrants = 0;
    let refreshing: Promise<void> | undefined;

    const sleep = (ms: number) => new Promise<void>((resolve) => {
        const timer = setTimeout(done, ms);
        function done() {
            clearTimeout(timer);
            stop.signal.removeEventListener('abort', done);
            resolve();
        }
        stop.signal.addEventListener('abort', done, { once: true });
    });

    async function regrant(used: string): Promise<void> {
        if (used !== url) return;
        if (!opts.refreshUrl) throw new TransferError('SasExpired', 'The access grant (SAS) expired; grant write access again to continue.');
        if (regrants >= 3) throw new TransferError('SasExpired', 'The storage service kept refusing fresh access grants.');
        refreshing ??= (async () => {
            try {
                log(`access grant expired for ${redactUrl(url)}; asking for a fresh one`);
                const next = await opts.refreshUrl!();
                assertSecureUrl(next);
                url = next;
                regrants++;
            } finally {
                refreshing = undefined;
            }
        })();
        await refreshing;
    }

    /** The download side's rules: backoff with jitter, Retry-After, no retry of 4xx but 408/429, re-grant on an expired SAS. */
    async function withRetry<T>(what: string, fn: (u: string) => Promise<T>): Promise<T> {
        for (let attempt = 0; ; attempt++) {
            if (stop.signal.aborted) throw fatal ?? cancelled();
            if (refreshing) await refreshing.catch(() => undefined);
            const used = url;
            try {
                return await fn(used);
            } catch (e) {
                if (stop.signal.aborted) throw fatal ?? cancelled();
                const v = classify(e, used);
                if (v.kind === 'fatal') throw v.error;
                if (v.kind === 'regrant') {
                    await regrant(used);
                    attempt--;
                    continue;
                }
                if (attempt + 1 >= maxAttempts) {
                    throw new TransferError(e instanceof HttpStatusError ? 'Server' : 'Network', scrubSecrets(`${what} failed after ${maxAttempts} attempts: ${(e as Error).message}`));
                }
                retries++;
                const delay = backoffDelay(attempt, backoff, v.delayMs);
                log(`${what}: ${scrubSecrets((e as Error).message)}; retrying in ${Math.round(delay)} ms`);
                await sleep(delay);
            }
        }
    }

    let journal: JournalWriter | undefined;
    let md5: Md5Pool | undefined;
    try {
        // The disk service created the blob with uploadSizeBytes: it must be exactly what this image needs.
        const props = await withRetry('reading blob properties', (u) => ranges.head(u, stop.signal));
        if (props.blobType && props.blobType !== 'PageBlob') throw new TransferError('BlobChanged', `The target is a ${props.blobType}, not a disk's page blob.`);
        if (props.size !== info.blobSize) {
            throw new TransferError('BlobChanged', `The disk's blob is ${props.size} bytes but this image needs ${info.blobSize} bytes (${info.dataSize} of data + the 512-byte footer). Create the disk with uploadSizeBytes = ${info.blobSize}.`);
        }
        const checks: UploadCheck[] = [{ name: 'size', passed: true, detail: `${info.blobSize} bytes` }];

        // Resume: the journal must name this image and this blob.
        const identity: UploadIdentity = {
            key: opts.resumeKey ?? blobIdentity(opts.url),
            size: info.blobSize,
            image: { path: path.resolve(info.path), size: info.fileSize, mtimeMs: info.mtimeMs },
            chunkSize: requestedChunk,
            zeroGap: Math.max(0, Math.floor((opts.zeroGap ?? 64 * 1024) / 512) * 512),
        };
        let done: ByteRange[] = [];
        if (opts.journalPath) {
            const saved = readJournal(opts.journalPath);
            if (saved) {
                const s = saved.identity as UploadIdentity;
                const why = describeJournalMismatch(s, identity);
                if (why) throw new TransferError('BlobChanged', `Cannot resume this upload: ${why}. Delete the journal to start over.`);
                // Windows are cut as the first run cut them.
                identity.chunkSize = s.chunkSize;
                identity.zeroGap = s.zeroGap;
                done = mergeRanges(saved.done, 0);
                journal = JournalWriter.append(opts.journalPath);
                log(`resuming: ${totalBytes(done)} bytes of the blob already handled`);
            } else {
                journal = JournalWriter.create(opts.journalPath, identity);
            }
        }
        const chunkSize = identity.chunkSize;
        const zeroGap = identity.zeroGap;
        const isDone = (r: ByteRange) => done.some((d) => d.start <= r.start && d.end >= r.end);

        const windows = await planWindows(reader.extents(), chunkSize, info.dataSize);
        const todo = windows.filter((w) => !isDone(w));
        const resumed = windows.filter((w) => isDone(w));
        const bytesToScan = windows.reduce((n, w) => n + w.dataBytes, 0);

        const pool = new BytePool(chunkSize, Math.max(chunkSize, Math.min(opts.memoryBudget ?? DEFAULT_BUDGET, concurrency * chunkSize)));
        const sent: ByteRange[] = [];
        let bytesSent = 0, requests = 0, bytesDone = resumed.reduce((n, w) => n + w.dataBytes, 0);
        const t0 = Date.now();
        let lastReport = 0;
        const report = (force = false) => {
            if (!opts.onProgress) return;
            const now = Date.now();
            if (!force && now - lastReport < (t.progressIntervalMs ?? 250)) return;
            lastReport = now;
            const secs = Math.max(0.001, (now - t0) / 1000);
            const bps = bytesSent / secs;
            const left = bytesToScan - bytesDone;
            opts.onProgress({ bytesDone, bytesToScan, bytesSent, totalSize: info.blobSize, bytesPerSecond: bps, etaSeconds: bytesDone > 0 ? (left * secs) / bytesDone : undefined });
        };

        // Chunks sit in shared memory: hashing them on worker threads keeps the main thread (in VS
        // Code, the extension host's) free to read, scan and send.
        md5 = todo.length ? new Md5Pool() : undefined;
        const hasher = md5;
        async function putRun(buf: Buffer, at: number, start: number, len: number, sab?: SharedArrayBuffer): Promise<void> {
            const body = buf.subarray(at, at + len);
            const sum = sab && hasher ? await hasher.hash(sab, at, len) : crypto.createHash('md5').update(body).digest('base64');
            await withRetry(`writing bytes ${start}-${start + len - 1}`, (u) => writer.put(u, start, body, sum, stop.signal));
            requests++;
            bytesSent += len;
            sent.push({ start, end: start + len });
        }

        let next = 0;
        async function worker(): Promise<void> {
            while (!stop.signal.aborted) {
                const w = todo[next++];
                if (!w) return;
                const n = w.end - w.start;
                const slot = await pool.acquire(n);
                try {
                    await readWindow(w, slot.buf);
                    for (const r of zeroRuns(slot.buf, n, zeroGap)) {
                        await putRun(slot.buf, r.start, w.start + r.start, r.end - r.start, slot.sab);
                    }
                } finally {
                    pool.release(slot);
                }
                journal?.add(w);
                bytesDone += w.dataBytes;
                report();
            }
        }

        try {
            await Promise.all(Array.from({ length: Math.min(concurrency, Math.max(1, todo.length)) }, () => worker().catch((e: unknown) => {
                if (!fatal && !stop.signal.aborted) fatal = e instanceof Error ? e : new Error(String(e));
                stop.abort();
            })));
        } finally {
            opts.signal?.removeEventListener('abort', onUserAbort);
        }
        if (fatal) throw fatal;
        if (stop.signal.aborted) throw cancelled();

        // The footer last: a blob with its footer has all its data.
        const footerRange = { start: info.dataSize, end: info.blobSize };
        if (!isDone(footerRange)) {
            await putRun(footer, 0, info.dataSize, VHD_FOOTER_SIZE);
            journal?.add(footerRange);
        }
        report(true);
        checks.push({ name: 'range-md5', passed: true, detail: `${requests} Put Page requests carried Content-MD5 and were accepted` });

        // Pages an earlier run sent: the same windows cut the same way give the same runs.
        const resumedRuns: ByteRange[] = [];
        if (resumed.length) {
            const buf = Buffer.alloc(chunkSize);
            for (const w of resumed) {
                const n = w.end - w.start;
                await readWindow(w, buf);
                for (const r of zeroRuns(buf, n, zeroGap)) resumedRuns.push({ start: w.start + r.start, end: w.start + r.end });
            }
        }
        const expected = mergeRanges([...sent, ...resumedRuns, footerRange], 0);
        const listed = await withRetry('listing page ranges', (u) => listBlobPageRanges(u, info.blobSize, stop.signal));
        const footerBack = await withRetry('reading the footer back', async (u) => {
            const b = Buffer.alloc(VHD_FOOTER_SIZE);
            await ranges.get(u, info.dataSize, info.blobSize, false, (piece, at) => {
                piece.copy(b, at);
                return undefined;
            }, stop.signal);
            return b;
        });
        checks.push(...verifyUpload(expected, listed, footer, footerBack, info.blobSize));
        const failed = checks.filter((c) => !c.passed);
        if (failed.length) throw new TransferError('VerificationFailed', `The uploaded blob does not match the image: ${failed.map((c) => `${c.name}: ${c.detail}`).join('; ')}.`);

        await journal?.close();
        journal = undefined;
        if (opts.journalPath) fs.rmSync(opts.journalPath, { force: true });
        const bytesResumed = totalBytes(resumedRuns);
        return {
            format: info.format,
            image: info,
            blobSize: info.blobSize,
            bytesSent,
            bytesSkipped: info.blobSize - bytesSent - bytesResumed,
            bytesResumed,
            requests,
            retries,
            checks,
            notes,
        };
    } finally {
        opts.signal?.removeEventListener('abort', onUserAbort);
        await journal?.close().catch(() => undefined);
        await md5?.close();
        writer.destroy();
        ranges.destroy();
    }
}

/** Reads a window's extents into `buf` (zero-filled first: what lies between extents is zeros). */
async function readWindow(w: Window, buf: Buffer): Promise<void> {
    buf.fill(0, 0, w.end - w.start);
    for (const p of w.parts) await p.extent.read(buf, p.extent.offset + p.skip - w.start, p.skip, p.count);
}
