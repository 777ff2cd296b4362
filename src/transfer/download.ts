/**
 * downloadBlob: plan from page ranges, fetch chunks over N keep-alive connections, write them at
 * their offsets into a sparse `<dest>.partial` as they arrive, journal each completed chunk
 * (after its data is written and its MD5 matched), verify, rename.
 */
import { setMaxListeners } from 'node:events';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { ChunkWriter, openOutput as defaultOpen, markSparse, sliceBuffers, type OutputFile } from './file';
import * as crypto from 'node:crypto';
import { BytePool, type Slot } from './buffers';
import { connectedDirectly, DirectRanges, neverConnected } from './direct';
import { HttpRanges, HttpStatusError, Md5MismatchError, type BlobProps } from './http';
import { describeMismatch, JournalWriter, readJournal, sameBlob, type BlobIdentity } from './journal';
import { httpPageListSource, listWrittenRanges } from './listing';
import { Md5Pool } from './md5';
import { chunkRanges, DEFAULT_CHUNK, DEFAULT_MERGE_GAP, intersect, mergeRanges, subtractRanges, totalBytes, type ByteRange, type Chunk } from './plan';
import { ProgressMeter } from './progress';
import { backoffDelay, classify } from './retry';
import { TransferError, type DownloadOptions, type DownloadResult, type VerificationCheck } from './types';
import { assertSecureUrl, blobIdentity, redactUrl, scrubSecrets } from './url';
import { verifyFile } from './verify';

const MD5_MAX = 4 * 1024 * 1024;
const MAX_CONNECTIONS = 64;
/** Chunks averaging under this size (and under a quarter chunk) count as small ranges: up to 4 × the connections asked for (≤ 64). */
const SMALL_RANGE = 1024 * 1024;
/** Background fdatasync period, in bytes written. */
const SYNC_EVERY = 64 * 1024 * 1024;
/** Page-range listing windows in flight at once. */
const LIST_PARALLEL = 32;
/** Chunk memory cap (direct transport, or worker-thread MD5): keeps peak RSS under 256 MiB at 64 connections × 4 MiB. */
const MEMORY_BUDGET = 160 * 1024 * 1024;

export function partialPaths(destPath: string): { partial: string; journal: string } {
    return { partial: `${destPath}.partial`, journal: `${destPath}.partial.journal` };
}

/** Deletes a partial download and its journal (e.g. after the user chose to start over). */
export function discardPartial(destPath: string): void {
    const p = partialPaths(destPath);
    fs.rmSync(p.journal, { force: true });
    fs.rmSync(p.partial, { force: true });
}

function localError(e: unknown, bytesNeeded: number, what: string): Error {
    const code = (e as NodeJS.ErrnoException)?.code;
    if (code === 'ENOSPC' || code === 'EDQUOT') return new TransferError('DiskFull', `Not enough disk space to ${what}.`, bytesNeeded);
    if (code === 'EACCES' || code === 'EPERM' || code === 'EROFS') return new TransferError('PermissionDenied', `No permission to ${what} (${code}).`);
    if (e instanceof TransferError) return e;
    return new Error(scrubSecrets(`Could not ${what}: ${(e as Error)?.message ?? String(e)}`));
}

function sdkToHttp(e: unknown): unknown {
    const r = e as { name?: string; statusCode?: number; code?: string };
    if (r?.name === 'RestError' && typeof r.statusCode === 'number') return new HttpStatusError(r.statusCode, r.code, undefined);
    return e;
}

export async function downloadBlob(opts: DownloadOptions): Promise<DownloadResult> {
    const t = opts.tuning ?? {};
    const log = (m: string) => opts.log?.(scrubSecrets(m));
    assertSecureUrl(opts.url);
    const chunkSize = Math.max(512, opts.chunkSize ?? DEFAULT_CHUNK);
    const concurrency = Math.min(MAX_CONNECTIONS, Math.max(1, Math.floor(opts.concurrency ?? 16)));
    const mergeGap = Math.max(0, opts.mergeGap ?? DEFAULT_MERGE_GAP);
    const maxAttempts = t.maxAttempts ?? 8;
    const backoff = { baseDelayMs: t.baseDelayMs ?? 500, maxDelayMs: t.maxDelayMs ?? 30_000 };
    const maxRegrants = t.maxRegrants ?? 3;
    const wantMd5 = t.verifyMd5 !== false;
    const { partial, journal: journalPath } = partialPaths(opts.destPath);
    const notes: string[] = [];

    // Internal abort: the user's signal, or the first fatal error, stops every request at once.
    const stop = new AbortController();
    setMaxListeners(4 * MAX_CONNECTIONS + 16, stop.signal); // one listener per in-flight request and wait
    const onUserAbort = () => stop.abort();
    opts.signal?.addEventListener('abort', onUserAbort);
    let fatal: Error | undefined;
    const cancelled = () => new TransferError('Cancelled', 'Download cancelled; the partial file is kept and the download can resume.');

    // Sockets are opened on demand: at most one per request in flight (see `connections` below).
    const http = new HttpRanges(MAX_CONNECTIONS, t.idleTimeoutMs ?? 60_000);
    let url = opts.url;
    let refreshing: Promise<void> | undefined;
    let regrants = 0, regrantsWithoutProgress = 0, retries = 0;

    const sleep = (ms: number) => new Promise<void>((resolve) => {
        const timer = setTimeout(done, ms);
        function done() {
            clearTimeout(timer);
            stop.signal.removeEventListener('abort', done);
            resolve();
        }
        stop.signal.addEventListener('abort', done, { once: true });
    });

    async function regrant(usedUrl: string): Promise<void> {
        if (usedUrl !== url) return; // someone else already re-granted
        if (!opts.refreshUrl) throw new TransferError('SasExpired', 'The access grant (SAS) expired; grant access again to continue. The partial file is kept.');
        if (regrantsWithoutProgress >= maxRegrants) throw new TransferError('SasExpired', `The storage service kept refusing fresh access grants (${maxRegrants} in a row).`);
        refreshing ??= (async () => {
            try {
                log(`access grant expired for ${redactUrl(url)}; asking for a fresh one`);
                const next = await opts.refreshUrl!();
                assertSecureUrl(next);
                url = next;
                regrants++;
                regrantsWithoutProgress++;
            } finally {
                refreshing = undefined;
            }
        })();
        await refreshing;
    }

    /** Runs fn(url) with retries, backoff and SAS re-grant; throws TransferError when hopeless. */
    async function withRetry<T>(what: string, fn: (u: string) => Promise<T>): Promise<T> {
        for (let attempt = 0; ; attempt++) {
            if (stop.signal.aborted) throw fatal ?? cancelled();
            if (refreshing) await refreshing.catch(() => undefined);
            const used = url;
            try {
                return await fn(used);
            } catch (e) {
                if (stop.signal.aborted) throw fatal ?? cancelled();
                const v = classify(sdkToHttp(e), used);
                if (v.kind === 'fatal') throw v.error;
                if (v.kind === 'regrant') {
                    try {
                        await regrant(used);
                    } catch (re) {
                        throw re instanceof TransferError ? re : new TransferError('SasExpired', 'Could not get a fresh access grant (SAS).');
                    }
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

    let file: OutputFile | undefined;
    let journal: JournalWriter | undefined;
    let md5: Md5Pool | undefined;
    let direct: DirectRanges | undefined;
    let syncing: Promise<void> | undefined;
    try {
        const props: BlobProps = await withRetry('reading blob properties', (u) => http.head(u, stop.signal));
        if (!Number.isSafeInteger(props.size) || props.size < 0) throw new TransferError('Server', 'The storage service did not report the blob size.');
        const size = props.size;
        const identity: BlobIdentity = opts.resumeKey
            ? { key: opts.resumeKey, size }
            : { key: blobIdentity(opts.url), size, etag: props.etag, lastModified: props.lastModified };

        // Plan: the written ranges of a page blob, or the whole blob.
        let written: ByteRange[] = size > 0 ? [{ start: 0, end: size }] : [];
        if (props.blobType === 'PageBlob' || props.blobType === undefined) {
            try {
                // Each attempt lists with the URL withRetry hands it (a re-grant changes it).
                let listUrl = url;
                const source = httpPageListSource(http, () => listUrl);
                written = await listWrittenRanges(
                    source,
                    { size, window: t.listWindow, maxPageSize: t.listPageSize, parallel: Math.min(LIST_PARALLEL, concurrency), signal: stop.signal },
                    (fn) => withRetry('listing page ranges', (u) => {
                        listUrl = u;
                        return fn();
                    }),
                );
            } catch (e) {
                if (e instanceof TransferError && e.code !== 'Server' && e.code !== 'Network') throw e;
                notes.push('Page ranges could not be listed; downloading the whole blob.');
                log(`page ranges of ${redactUrl(url)} could not be listed (${scrubSecrets((e as Error).message)}); downloading the whole blob`);
                written = size > 0 ? [{ start: 0, end: size }] : [];
            }
        } else {
            log(`${props.blobType} ${redactUrl(url)}: downloading the whole blob`);
        }
        const exact = mergeRanges(written, 0, size);
        const writtenBytes = totalBytes(exact);
        const plan = mergeRanges(written, mergeGap, size);
        const planBytes = totalBytes(plan);

        // Resume or start fresh.
        const open = t.openOutput ?? defaultOpen;
        let done: ByteRange[] = [];
        const saved = fs.existsSync(partial) ? readJournal(journalPath) : undefined;
        if (saved && !sameBlob(saved.identity, identity)) {
            const why = describeMismatch(saved.identity, identity);
            if (!t.restartOnMismatch) throw new TransferError('BlobChanged', `Cannot resume ${path.basename(partial)}: ${why}. Delete it or start over.`);
            log(`not resuming: ${why}; starting over`);
        }
        let sparse = true;
        try {
            if (saved && sameBlob(saved.identity, identity)) {
                file = await open(partial, 'resume');
                if ((await file.size()) === size) {
                    done = saved.done;
                    journal = JournalWriter.append(journalPath);
                } else {
                    await file.close();
                    file = undefined;
                    log('partial file has the wrong size; starting over');
                }
            }
            if (!file || !journal) {
                fs.rmSync(journalPath, { force: true });
                file = await open(partial, 'create');
                const s = await markSparse(partial);
                sparse = s.sparse;
                if (s.note) {
                    notes.push(s.note);
                    log(s.note);
                }
                await file.truncate(size);
                journal = JournalWriter.create(journalPath, identity);
            }
        } catch (e) {
            throw localError(e, planBytes, `write ${path.basename(partial)}`);
        }

        const toFetch = subtractRanges(plan, done);
        const fetchBytes = totalBytes(toFetch);
        const bytesResumed = planBytes - fetchBytes;
        const chunks = chunkRanges(toFetch, chunkSize);
        if (done.length) log(`resuming: ${bytesResumed} bytes already present, ${fetchBytes} to fetch`);
        await checkFreeSpace(path.dirname(partial), fetchBytes);

        // Bodies straight into chunk buffers over plain sockets, unless the first request went through
        // a proxy (VS Code's proxy support lives in node:http) or node:http is asked for.
        const transport = t.transport ?? 'auto';
        if (chunks.length && (transport === 'direct' || (transport === 'auto' && await connectedDirectly(url, props.peer)))) {
            direct = new DirectRanges(t.idleTimeoutMs ?? 60_000);
        } else if (transport === 'auto' && chunks.length) {
            log('the first request did not go straight to the storage host (a proxy?): using node:http');
        }
        // MD5 of served Content-MD5 ranges. Direct: the chunk is whole in shared memory and hashed on
        // worker threads. node:http: by default a streaming hash on the main thread as the body
        // arrives (no copy); with tuning.md5Workers > 0 the chunk is assembled in shared memory and
        // hashed on worker threads.
        const md5Threads = t.md5Workers ?? (direct ? Math.max(1, Math.min(4, os.availableParallelism())) : 0);
        // Many small ranges (a fragmented disk): requests are latency-bound and use little memory, so
        // more of them in flight pays off.
        const smallRanges = chunks.length >= 2 * concurrency && fetchBytes / chunks.length < Math.min(SMALL_RANGE, chunkSize / 4);
        const connections = smallRanges ? Math.min(MAX_CONNECTIONS, concurrency * 4) : concurrency;
        if (connections > concurrency) log(`${chunks.length} ranges averaging ${Math.round(fetchBytes / chunks.length / 1024)} KiB: ${connections} connections`);
        // Direct: a chunk per connection, plus a quarter more so a connection can start its next request
        // while its last chunk is still being written and hashed (writes are quick; more slots only
        // meant more fresh memory to fault in, and measured slower).
        const slots = direct ? Math.ceil(connections * 1.25) : connections;
        const pool = direct || (wantMd5 && md5Threads > 0)
            ? new BytePool(chunkSize, Math.max(chunkSize, Math.min(MEMORY_BUDGET, slots * chunkSize)))
            : undefined;
        if (pool && wantMd5 && chunks.length) md5 = new Md5Pool(md5Threads);
        const hasher = md5;
        const meter = new ProgressMeter(planBytes, size, bytesResumed, opts.onProgress, t.progressIntervalMs ?? 250);
        let next = 0;
        let bytesFetched = 0, md5Checked = 0, rangesChecked = 0;
        const f = file, j = journal;

        // Flush to disk in the background every SYNC_EVERY bytes, so the disk writes while the network
        // delivers and the final fdatasync has little left to do.
        let unsynced = 0;
        const wrote = (n: number) => {
            unsynced += n;
            if (unsynced < SYNC_EVERY || syncing) return;
            unsynced = 0;
            syncing = f.sync().catch(() => undefined).then(() => { syncing = undefined; }); // the final sync reports errors
        };

        /** Writes only the written parts of [at, at + bytes of bufs): the merged gaps' zeros stay holes on disk. */
        async function writeWritten(bufs: Buffer[], at: number, n: number): Promise<void> {
            const parts = intersect(exact, at, at + n);
            if (parts.length === 1 && parts[0].start === at && parts[0].end === at + n) await f.writev(bufs, at);
            else await Promise.all(parts.map((p) => f.writev(sliceBuffers(bufs, p.start - at, p.end - at), p.start)));
            wrote(n);
        }

        interface Fetched { length: number; md5Checked: boolean; written: Promise<void> }

        /**
         * One attempt at a chunk. Resolves once the body arrived and matched its Content-MD5; the
         * last writes may still be running (`written`), so the connection can already carry the next
         * request. A failed attempt waits for its own writes before the retry writes the same bytes.
         */
        async function fetchChunk(u: string, c: Chunk, slot: Slot | undefined): Promise<Fetched> {
            const ask = wantMd5 && c.end - c.start <= MD5_MAX;
            const hash = ask && !slot ? crypto.createHash('md5') : undefined;
            const out = new ChunkWriter(c.start, writeWritten);
            const writeError = (e: unknown) => localError(e, fetchBytes - bytesFetched, `write ${path.basename(partial)}`);
            try {
                const b = await http.get(u, c.start, c.end, ask, (piece, at) => {
                    hash?.update(piece);
                    if (slot) piece.copy(slot.buf, at);
                    return out.push(piece);
                }, stop.signal);
                if (!opts.resumeKey && identity.etag && b.etag && b.etag !== identity.etag) {
                    throw new TransferError('BlobChanged', 'The blob changed during the download (its ETag differs).');
                }
                // A mismatch re-fetches and overwrites; the chunk is journaled only once it matched.
                let sum: string | undefined;
                if (b.md5 && hash) sum = hash.digest('base64');
                else if (b.md5 && slot && hasher) sum = await hasher.hash(slot.sab, 0, b.length);
                if (sum !== undefined && sum !== b.md5) throw new Md5MismatchError(`Content-MD5 mismatch for bytes ${c.start}-${c.end - 1}`);
                const written = out.end().catch((e: unknown) => { throw writeError(e); });
                written.catch(() => undefined); // awaited by the worker; never unhandled
                return { length: b.length, md5Checked: sum !== undefined, written };
            } catch (e) {
                await out.settled(); // no write of this attempt may land after the next attempt's
                throw out.error !== undefined ? writeError(out.error) : e;
            }
        }

        /** One attempt at a chunk over a direct connection: the body lands whole in the slot, then is written and hashed at once. */
        async function fetchChunkDirect(d: DirectRanges, u: string, c: Chunk, slot: Slot): Promise<Fetched> {
            const n = c.end - c.start;
            const b = await d.getInto(u, c.start, c.end, wantMd5 && n <= MD5_MAX, slot.buf, stop.signal);
            if (!opts.resumeKey && identity.etag && b.etag && b.etag !== identity.etag) {
                throw new TransferError('BlobChanged', 'The blob changed during the download (its ETag differs).');
            }
            const written = writeWritten([slot.buf], c.start, n).catch((e: unknown) => { throw localError(e, fetchBytes - bytesFetched, `write ${path.basename(partial)}`); });
            written.catch(() => undefined); // awaited by the worker; never unhandled
            let sum: string | undefined;
            try {
                if (b.md5 && hasher) sum = await hasher.hash(slot.sab, 0, n);
            } catch (e) {
                await written.catch(() => undefined);
                throw e;
            }
            if (sum !== undefined && sum !== b.md5) {
                await written.catch(() => undefined); // the re-fetch fills the same slot
                throw new Md5MismatchError(`Content-MD5 mismatch for bytes ${c.start}-${c.end - 1}`);
            }
            return { length: n, md5Checked: sum !== undefined, written };
        }

        /** Direct connections failing outright before any worked (refused, TLS, protocol) means: use node:http from now on. */
        let directWorked = false;
        async function fetchAny(u: string, c: Chunk, slot: Slot | undefined): Promise<Fetched> {
            const d = direct;
            if (!d || !slot) return fetchChunk(u, c, slot);
            try {
                const r = await fetchChunkDirect(d, u, c, slot);
                directWorked = true;
                return r;
            } catch (e) {
                if (stop.signal.aborted) throw e;
                if (direct === d) {
                    const code = (e as { code?: string })?.code;
                    // A protocol this client does not speak, or first connections that could not be made.
                    const broken = code === 'EDIRECT' || (!directWorked && neverConnected(e));
                    if (!broken) throw e;
                    log(`direct connection to the storage host failed (${code ?? (e as Error).name}); using node:http`);
                    direct = undefined;
                    d.destroy();
                }
                // Direct sockets were given up (here, or by another request that failed the same way).
                return fetchChunk(u, c, slot);
            }
        }

        async function worker(): Promise<void> {
            // The previous chunk's last writes and journal line, finishing while this chunk's request runs.
            let finishing: Promise<void> | undefined;
            try {
                while (!stop.signal.aborted) {
                    const c: Chunk | undefined = chunks[next++];
                    if (!c) break;
                    const slot = pool && (direct || c.end - c.start <= MD5_MAX) ? await pool.acquire(c.end - c.start) : undefined;
                    let body: Fetched;
                    try {
                        body = await withRetry(`bytes ${c.start}-${c.end - 1}`, (u) => fetchAny(u, c, slot));
                    } catch (e) {
                        if (slot) pool?.release(slot);
                        throw e;
                    }
                    // The slot holds the chunk until it is on disk.
                    if (slot) body.written.then(() => pool?.release(slot), () => pool?.release(slot));
                    if (finishing) await finishing;
                    const b = body;
                    finishing = b.written.then(() => {
                        bytesFetched += b.length;
                        rangesChecked++;
                        if (b.md5Checked) md5Checked++;
                        j.add(c); // data first, then its journal line
                        regrantsWithoutProgress = 0;
                        meter.add(c.end - c.start);
                    });
                    finishing.catch(() => undefined);
                }
            } catch (e) {
                // The chunk before still lands in the journal, before the journal closes.
                await finishing?.catch(() => undefined);
                throw e;
            }
            if (finishing) await finishing;
        }

        const workers = Array.from({ length: Math.min(connections, chunks.length) }, () => worker().catch((e: Error) => {
            if (!fatal && !(opts.signal?.aborted)) {
                fatal = e;
                stop.abort();
            }
        }));
        await Promise.all(workers);
        meter.stop();
        journal = undefined;
        await j.close();
        if (opts.signal?.aborted) throw cancelled();
        if (fatal) throw fatal;
        meter.emit();

        const checks: VerificationCheck[] = [
            { name: 'content-length', passed: true, detail: `${rangesChecked} ranges, every body length as asked` },
        ];
        if (md5Checked > 0) checks.push({ name: 'range-md5', passed: true, detail: `${md5Checked} of ${rangesChecked} ranges matched their Content-MD5` });
        checks.push(...await verifyFile(f, size, opts.format ?? 'auto'));
        const failed = checks.filter((c) => !c.passed);
        if (failed.length) {
            await f.close();
            file = undefined;
            fs.rmSync(journalPath, { force: true });
            throw new TransferError('VerificationFailed', `Verification failed: ${failed.map((c) => `${c.name}: ${c.detail ?? 'failed'}`).join('; ')}. The data was left in ${path.basename(partial)}.`);
        }
        try {
            await syncing;
            await f.sync();
            await f.close();
            file = undefined;
            fs.renameSync(partial, opts.destPath);
            fs.rmSync(journalPath, { force: true });
        } catch (e) {
            throw localError(e, 0, `finish ${path.basename(opts.destPath)}`);
        }
        log(`downloaded ${size} bytes (${writtenBytes} written, ${bytesFetched} fetched over ${direct ? 'direct sockets' : 'node:http'}, ${bytesResumed} resumed) to ${opts.destPath}`);
        return { path: opts.destPath, totalSize: size, bytesFetched, bytesResumed, bytesWritten: writtenBytes, checks, sparse, notes, retries, regrants, transport: chunks.length ? (direct ? 'direct' : 'node') : undefined };
    } finally {
        opts.signal?.removeEventListener('abort', onUserAbort);
        stop.abort();
        http.destroy();
        direct?.destroy();
        await md5?.close();
        if (journal) await journal.close().catch(() => undefined);
        await syncing;
        if (file) await file.close().catch(() => undefined);
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
