/**
 * uploadImage: inspect the image (no network), check the blob's size, then read the image's data
 * extents in chunk-sized windows of the virtual disk, skip zero pages, Put Page the rest over N
 * keep-alive connections, journal each finished window, write the footer last, and verify with
 * Get Page Ranges and a read-back of the footer.
 */
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { BytePool } from '../core/buffers';
import type { EngineHooks } from '../core/file';
import { openImage, type ImageInfo } from '../../formats/inspect';
import type { ImageReader } from '../../formats/types';
import { BlobEndpoint } from '../../blob/http';
import { JournalWriter, readJournal, type BlobIdentity } from '../core/journal';
import { Md5Pool } from '../core/md5';
import { intersect, mergeRanges, totalBytes, type ByteRange } from '../../blob/ranges';
import { TransferError } from '../core/types';
import { assertSecureUrl, blobIdentity, scrubSecrets } from '../../blob/url';
import { buildVhdFooter, VHD_FOOTER_SIZE } from '../../formats/footer';
import { BlobSession, MAX_CONNECTIONS } from '../../blob/session';
import type { UploadCheck, UploadOptions, UploadProgress, UploadResult } from './types';
import { listBlobPageRanges, verifyUpload } from './verify';
import { windowsOf, zeroRuns, type Window } from './windows';

const MiB = 1024 * 1024;
const MAX_PUT = 4 * MiB;
const DEFAULT_BUDGET = 160 * MiB;
const DEFAULT_ZERO_GAP = 64 * 1024;

interface UploadIdentity extends BlobIdentity {
    image: { path: string; size: number; mtimeMs: number };
    chunkSize: number;
    zeroGap: number;
}

/** Names the first identity field that differs: each one alone refuses a resume. */
function describeJournalMismatch(saved: UploadIdentity, now: UploadIdentity): string | undefined {
    if (saved.image?.path !== now.image.path) return 'the journal belongs to a different image file';
    if (saved.image.size !== now.image.size) return `the image's size changed since the upload started (${saved.image.size} → ${now.image.size} bytes)`;
    // Same path and size but a new modification time: the image was edited in place.
    if (saved.image.mtimeMs !== now.image.mtimeMs) return 'the image was modified since the upload started (its modification time differs)';
    if (saved.key !== now.key) return 'the journal belongs to a different blob';
    if (saved.size !== now.size) return `the blob size differs (${saved.size} → ${now.size} bytes)`;
    return undefined;
}

/** A deterministic footer for a converted image, so a resumed upload writes the same bytes. */
function computedFooter(info: ImageInfo): Buffer {
    const uniqueId = crypto.createHash('md5').update(`${info.path}\n${info.fileSize}\n${info.mtimeMs}`).digest();
    return buildVhdFooter(info.dataSize, { timestamp: new Date(info.mtimeMs), uniqueId });
}

export async function uploadImage(opts: UploadOptions, hooks: EngineHooks = {}): Promise<UploadResult> {
    const log = (m: string) => opts.log?.(scrubSecrets(m));
    // Everything local first: URL rule, options, then the image. No request before all pass.
    assertSecureUrl(opts.url);
    const chunkSize = opts.chunkSize ?? MAX_PUT;
    if (chunkSize % 512 !== 0 || chunkSize < 512 || chunkSize > MAX_PUT) throw new RangeError('chunkSize must be a multiple of 512 between 512 and 4 MiB');
    const { info, reader } = await openImage(opts.imagePath, { kind: opts.kind, log, extentQuery: hooks.extentQuery !== false });
    try {
        if (opts.signal?.aborted) throw new TransferError('Cancelled', 'Upload cancelled before it started.');
        return await new Upload(opts, info, reader, log, chunkSize).run();
    } finally {
        await reader.close().catch(() => undefined);
    }
}

/** One upload's state: connections, retry rules, journal, counters. */
class Upload {
    private readonly session: BlobSession;
    private readonly endpoint: BlobEndpoint;
    private readonly concurrency: number;
    private journal: JournalWriter | undefined;
    private md5: Md5Pool | undefined;
    /** Blob ranges a previous run journaled. */
    private done: ByteRange[] = [];
    private zeroGap: number;
    /** Ranges this run sent, merged as the list grows. */
    private readonly sent: ByteRange[] = [];
    private sentMerged = 0;
    private bytesSent = 0;
    private requests = 0;
    private resumedWindows = 0;

    constructor(private readonly opts: UploadOptions, private readonly info: ImageInfo, private readonly reader: ImageReader, private readonly log: (m: string) => void, private chunkSize: number) {
        const t = opts.tuning ?? {};
        this.concurrency = Math.min(MAX_CONNECTIONS, Math.max(1, Math.floor(opts.concurrency ?? 16)));
        this.zeroGap = Math.max(0, Math.floor((opts.zeroGap ?? DEFAULT_ZERO_GAP) / 512) * 512);
        this.endpoint = new BlobEndpoint(this.concurrency, t.idleTimeoutMs ?? 60_000, opts.authorization);
        this.session = new BlobSession({
            url: opts.url,
            refreshUrl: opts.refreshUrl,
            signal: opts.signal,
            maxAttempts: t.maxAttempts ?? 8,
            backoff: { baseDelayMs: t.baseDelayMs ?? 500, maxDelayMs: t.maxDelayMs ?? 30_000 },
            log,
            cancelledMessage: opts.journalPath ? 'Upload cancelled; the journal is kept and the upload can resume.' : 'Upload cancelled.',
        });
    }

    async run(): Promise<UploadResult> {
        const { info, opts } = this;
        try {
            await this.checkBlob();
            const checks: UploadCheck[] = [{ name: 'size', passed: true, detail: `${info.blobSize} bytes` }];
            this.openJournal();
            await this.sendWindows();
            // The footer last: a blob with its footer has all its data.
            const footer = info.keepsFooter && this.reader.footer ? this.reader.footer : computedFooter(info);
            const footerRange = { start: info.dataSize, end: info.blobSize };
            if (!this.isDone(footerRange)) {
                await this.put(footer, 0, info.dataSize, VHD_FOOTER_SIZE);
                this.journal?.add(footerRange);
            }
            checks.push({ name: 'range-md5', passed: true, detail: `${this.requests} Put Page requests carried Content-MD5 and were accepted` });
            const resumedRuns = await this.resumedRuns();
            checks.push(...await this.verify(mergeRanges([...this.sent, ...resumedRuns, footerRange], 0), footer));
            const failed = checks.filter((c) => !c.passed);
            if (failed.length) {
                // Resuming would only verify the same blob again: the next attempt sends everything.
                await this.dropJournal();
                throw new TransferError('VerificationFailed', `The uploaded blob does not match the image: ${failed.map((c) => `${c.name}: ${c.detail}`).join('; ')}.${opts.journalPath ? ' The journal was discarded: uploading again sends everything.' : ''}`);
            }
            await this.dropJournal();
            const bytesResumed = totalBytes(resumedRuns);
            return {
                format: info.format,
                image: info,
                blobSize: info.blobSize,
                bytesSent: this.bytesSent,
                bytesSkipped: info.blobSize - this.bytesSent - bytesResumed,
                bytesResumed,
                requests: this.requests,
                retries: this.session.retries,
                regrants: this.session.regrants,
                checks,
                notes: [...info.notes],
            };
        } finally {
            this.session.close();
            await this.journal?.close().catch(() => undefined);
            await this.md5?.close();
            this.endpoint.destroy();
        }
    }

    /** The disk service created the blob with uploadSizeBytes: it must be exactly what this image needs. */
    private async checkBlob(): Promise<void> {
        const { info } = this;
        const props = await this.session.withRetry('reading blob properties', (u) => this.endpoint.head(u, this.session.signal));
        if (props.blobType && props.blobType !== 'PageBlob') throw new TransferError('BlobChanged', `The target is a ${props.blobType}, not a disk's page blob.`);
        if (props.size !== info.blobSize) {
            throw new TransferError('BlobChanged', `The disk's blob is ${props.size} bytes but this image needs ${info.blobSize} bytes (${info.dataSize} of data + the 512-byte footer). Create the disk with uploadSizeBytes = ${info.blobSize}.`);
        }
    }

    /** Resume: a journal must name this image and this blob; windows are then cut as the first run cut them. */
    private openJournal(): void {
        const { opts, info } = this;
        if (!opts.journalPath) return;
        const identity: UploadIdentity = {
            key: opts.resumeKey ?? blobIdentity(opts.url),
            size: info.blobSize,
            image: { path: path.resolve(info.path), size: info.fileSize, mtimeMs: info.mtimeMs },
            chunkSize: this.chunkSize,
            zeroGap: this.zeroGap,
        };
        const saved = readJournal(opts.journalPath);
        if (!saved) {
            this.journal = JournalWriter.create(opts.journalPath, identity);
            return;
        }
        const s = saved.identity as UploadIdentity;
        const why = describeJournalMismatch(s, identity);
        if (why) throw new TransferError('BlobChanged', `Cannot resume this upload: ${why}. Delete the journal to start over.`);
        this.chunkSize = s.chunkSize;
        this.zeroGap = s.zeroGap;
        this.done = mergeRanges(saved.done, 0);
        this.journal = JournalWriter.append(opts.journalPath);
        this.log(`resuming: ${totalBytes(this.done)} bytes of the blob already handled`);
    }

    private async dropJournal(): Promise<void> {
        await this.journal?.close();
        this.journal = undefined;
        if (this.opts.journalPath) fs.rmSync(this.opts.journalPath, { force: true });
    }

    private isDone(r: ByteRange): boolean {
        const parts = intersect(this.done, r.start, r.end);
        return parts.length === 1 && parts[0].start === r.start && parts[0].end === r.end;
    }

    /** One Put Page with its Content-MD5 (hashed on a worker thread when the body sits in shared memory). */
    private async put(buf: Buffer, at: number, start: number, len: number, sab?: SharedArrayBuffer): Promise<void> {
        const body = buf.subarray(at, at + len);
        const sum = sab && this.md5 ? await this.md5.hash(sab, at, len) : crypto.createHash('md5').update(body).digest('base64');
        await this.session.withRetry(`writing bytes ${start}-${start + len - 1}`, (u) => this.endpoint.putPage(u, start, body, sum, this.session.signal));
        this.session.progressed();
        this.requests++;
        this.bytesSent += len;
        this.sent.push({ start, end: start + len });
        // Adjacent runs merge: a dense disk's list stays short.
        if (this.sent.length >= 2 * this.sentMerged + 4096) {
            const merged = mergeRanges(this.sent, 0);
            this.sent.length = 0;
            this.sent.push(...merged);
            this.sentMerged = merged.length;
        }
    }

    /** N workers share one window iterator (an async generator queues concurrent next() calls). */
    private async sendWindows(): Promise<void> {
        const { info, opts } = this;
        const t = opts.tuning ?? {};
        // A first pass over the image's metadata (no data) sizes the progress bar.
        let bytesPlanned = 0;
        for await (const e of this.reader.extents()) bytesPlanned += Math.max(0, Math.min(e.length, info.dataSize - e.offset));
        const windows = windowsOf(this.reader.extents(), this.chunkSize, info.dataSize);
        const pool = new BytePool(this.chunkSize, Math.max(this.chunkSize, Math.min(opts.memoryBudget ?? DEFAULT_BUDGET, this.concurrency * this.chunkSize)));
        // Chunks sit in shared memory: hashing them on worker threads keeps the main thread (in VS
        // Code, the extension host's) free to read, scan and send.
        this.md5 = new Md5Pool();
        let bytesDone = 0, bytesDoneBefore = 0, lastReport = 0;
        const t0 = Date.now();
        const report = (force = false) => {
            if (!opts.onProgress) return;
            const now = Date.now();
            if (!force && now - lastReport < (t.progressIntervalMs ?? 250)) return;
            lastReport = now;
            const secs = Math.max(0.001, (now - t0) / 1000);
            const left = bytesPlanned - bytesDone, thisRun = bytesDone - bytesDoneBefore;
            const p: UploadProgress = { bytesDone, bytesPlanned, bytesSent: this.bytesSent, totalSize: info.blobSize, bytesPerSecond: this.bytesSent / secs, etaSeconds: thisRun > 0 ? (left * secs) / thisRun : undefined };
            opts.onProgress(p);
        };

        const worker = async () => {
            while (!this.session.signal.aborted) {
                const { value: w, done: end } = await windows.next();
                if (end) return;
                if (this.isDone(w)) {
                    this.resumedWindows++;
                    bytesDone += w.dataBytes;
                    bytesDoneBefore += w.dataBytes;
                    continue;
                }
                const n = w.end - w.start;
                const slot = await pool.acquire(n);
                try {
                    await readWindow(w, slot.buf);
                    for (const r of zeroRuns(slot.buf, n, this.zeroGap)) await this.put(slot.buf, r.start, w.start + r.start, r.end - r.start, slot.sab);
                } finally {
                    pool.release(slot);
                }
                this.journal?.add(w); // after its pages are in the blob
                bytesDone += w.dataBytes;
                report();
            }
        };
        await Promise.all(Array.from({ length: this.concurrency }, () => worker().catch((e: unknown) => {
            this.session.fail(e instanceof Error ? e : new Error(String(e)));
        })));
        if (this.session.signal.aborted) throw this.session.stopped();
        report(true);
    }

    /** Pages an earlier run sent: the same windows cut the same way give the same runs. */
    private async resumedRuns(): Promise<ByteRange[]> {
        let runs: ByteRange[] = [];
        if (!this.resumedWindows) return runs;
        const buf = Buffer.alloc(this.chunkSize);
        let merged = 0;
        for await (const w of windowsOf(this.reader.extents(), this.chunkSize, this.info.dataSize)) {
            if (this.session.signal.aborted) throw this.session.stopped();
            if (!this.isDone(w)) continue;
            await readWindow(w, buf);
            for (const r of zeroRuns(buf, w.end - w.start, this.zeroGap)) runs.push({ start: w.start + r.start, end: w.start + r.end });
            if (runs.length >= 2 * merged + 4096) {
                runs = mergeRanges(runs, 0);
                merged = runs.length;
            }
        }
        return runs;
    }

    /** Get Page Ranges must list exactly the pages sent; the footer read back must be the one written. */
    private async verify(expected: ByteRange[], footer: Buffer): Promise<UploadCheck[]> {
        const { info } = this;
        const listed = await this.session.withRetry('listing page ranges', (u) => listBlobPageRanges(this.endpoint, u, info.blobSize, this.session.signal));
        const footerBack = await this.session.withRetry('reading the footer back', (u) => this.endpoint.readRange(u, info.dataSize, info.blobSize, this.session.signal));
        return verifyUpload(expected, listed, footer, footerBack, info.blobSize);
    }
}

/** Reads a window's extents into `buf` (zero-filled first: what lies between extents is zeros). */
async function readWindow(w: Window, buf: Buffer): Promise<void> {
    buf.fill(0, 0, w.end - w.start);
    for (const p of w.parts) await p.extent.read(buf, p.extent.offset + p.skip - w.start, p.skip, p.count);
}
