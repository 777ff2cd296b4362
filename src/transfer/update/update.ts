/**
 * Brings an earlier download up to date from a newer incremental snapshot of the same disk,
 * fetching only what changed: the service lists the updated and cleared ranges between the two
 * snapshots (diff.ts), updated ranges are fetched into the file at their offsets, cleared ones
 * zeroed (holes where the file system can, holes.ts). Progress goes to `<file>.update.journal`,
 * created before the first byte of the file changes and removed once the result checks out: while
 * it is there the file is "between snapshots" (updateState) and a later call resumes it.
 * downloadChanges puts the changed ranges into a separate sparse file plus a list instead.
 */
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import { Md5MismatchError, TransferError } from '../../blob/errors';
import { BlobEndpoint } from '../../blob/http';
import { chunkRanges, subtractRanges, totalBytes, type ByteRange } from '../../blob/ranges';
import { BlobSession } from '../../blob/session';
import { blobIdentity } from '../../blob/url';
import { markSparse, openOutput, type OutputFile } from '../core/file';
import { JournalWriter, readJournal, sameBlob, type BlobIdentity } from '../core/journal';
import { ProgressMeter } from '../core/progress';
import { listDiff } from './diff';
import { Zeroer } from './holes';
import type { ChangeList, DownloadChangesOptions, DownloadChangesResult, UpdateCheck, UpdateOptions, UpdateResult, UpdateState } from './types';
import { sampleRegions, verifyUpdate } from './verify';

const MiB = 1024 * 1024;
/** Content-MD5 is asked for on one fetched range in this many (and on none above 4 MiB, which the service refuses). */
const MD5_EVERY = 8;

export function updateJournalPath(filePath: string): string {
    return `${filePath}.update.journal`;
}

export function changeListPath(destPath: string): string {
    return `${destPath}.changes.json`;
}

/** 'between' while an update (or a changes download) has started and not finished; 'complete' otherwise. */
export function updateState(filePath: string): UpdateState {
    if (fs.existsSync(updateJournalPath(filePath))) return 'between';
    return fs.existsSync(filePath) ? 'complete' : 'missing';
}

interface Plan {
    path: string;
    /** 'update': the file holds the older snapshot and is changed in place; 'changes': a new file of changes only. */
    mode: 'update' | 'changes';
}

export async function updateInPlace(opts: UpdateOptions): Promise<UpdateResult> {
    const { result } = await apply(opts, { path: opts.filePath, mode: 'update' });
    return result;
}

export async function downloadChanges(opts: DownloadChangesOptions): Promise<DownloadChangesResult> {
    const { result, list } = await apply(opts, { path: opts.destPath, mode: 'changes' });
    const listPath = changeListPath(opts.destPath);
    fs.writeFileSync(listPath, JSON.stringify(list));
    const { bytesCleared: _none, ...rest } = result;
    return { ...rest, path: opts.destPath, listPath };
}

function sessions(opts: Omit<UpdateOptions, 'filePath'>) {
    const t = opts.tuning ?? {};
    const common = {
        signal: opts.signal, log: opts.log, maxAttempts: t.maxAttempts ?? 6,
        backoff: { baseDelayMs: t.baseDelayMs ?? 200, maxDelayMs: t.maxDelayMs ?? 10_000 },
        cancelledMessage: 'The update was cancelled; it resumes where it stopped.',
    };
    const concurrency = Math.max(1, Math.min(64, t.concurrency ?? 8));
    return {
        newer: new BlobSession({ ...common, url: opts.newerUrl, refreshUrl: opts.refreshNewer, role: 'the newer snapshot' }),
        older: new BlobSession({ ...common, url: opts.olderUrl, refreshUrl: opts.refreshOlder, role: 'the older snapshot' }),
        ep: new BlobEndpoint(concurrency, t.idleTimeoutMs ?? 60_000, opts.authorization),
        concurrency,
    };
}

async function apply(opts: Omit<UpdateOptions, 'filePath'>, plan: Plan): Promise<{ result: UpdateResult; list: ChangeList }> {
    const s = sessions(opts);
    try {
        return await applyWith(opts, plan, s);
    } finally {
        s.newer.close();
        s.older.close();
        s.ep.destroy();
    }
}

async function applyWith(opts: Omit<UpdateOptions, 'filePath'>, plan: Plan, s: ReturnType<typeof sessions>): Promise<{ result: UpdateResult; list: ChangeList }> {
    const { newer, older, ep } = s;
    const t = opts.tuning ?? {};
    const notes: string[] = [];
    let requests = 2;
    const olderSize = (await older.withRetry('reading the older snapshot', (u) => ep.head(u, older.signal))).size;
    const size = (await newer.withRetry('reading the newer snapshot', (u) => ep.head(u, newer.signal))).size;

    const jp = updateJournalPath(plan.path);
    const identity: BlobIdentity = { key: `${plan.mode}:${opts.resumeKey ?? `${blobIdentity(opts.olderUrl)}->${blobIdentity(opts.newerUrl)}`}`, size };
    const saved = readJournal(jp);
    if (saved && !sameBlob(saved.identity, identity)) {
        throw new TransferError('BlobChanged', 'The file is partway through another update (to another snapshot): finish that one, or download the snapshot in full.');
    }
    const resuming = saved !== undefined;
    const exists = fs.existsSync(plan.path);
    if (plan.mode === 'update' || resuming) {
        if (!exists) throw new TransferError('NotFound', 'The file to update is not there any more.');
        const have = fs.statSync(plan.path).size;
        if (plan.mode === 'update' && !resuming && have !== olderSize) {
            throw new TransferError('BlobChanged', `The file is ${have} bytes and the older snapshot ${olderSize}: it does not hold that snapshot.`);
        }
    }
    // The journal comes first: from here on the file is between the two snapshots.
    const journal = resuming ? JournalWriter.append(jp) : JournalWriter.create(jp, identity);
    let journalOpen = true;
    let file: OutputFile | undefined;
    let meter: ProgressMeter | undefined;
    try {
        file = await openOutput(plan.path, plan.mode === 'changes' && !resuming ? 'create' : 'resume');
        if ((await file.size()) !== size) {
            if (plan.mode === 'update') notes.push(`The disk was resized between the snapshots (${olderSize} → ${size} bytes).`);
            await file.truncate(size);
        }
        if (plan.mode === 'changes' && !resuming) {
            const sparse = await markSparse(plan.path);
            if (sparse.note) notes.push(sparse.note);
        }

        const diff = await listDiff(newer, older, ep, size, { window: t.listWindow, maxPageSize: t.listPageSize });
        requests += diff.requests;
        const done = saved?.done ?? [];
        const clearing = plan.mode === 'update';
        const toFetch = subtractRanges(diff.updated, done);
        const toClear = clearing ? subtractRanges(diff.cleared, done) : [];
        const planned = totalBytes(diff.updated) + (clearing ? totalBytes(diff.cleared) : 0);
        const bytesResumed = planned - totalBytes(toFetch) - totalBytes(toClear);
        const chunkSize = Math.max(64 * 1024, Math.min(8 * MiB, t.chunkSize ?? 4 * MiB));
        const work = [
            ...chunkRanges(toFetch, chunkSize).map((c) => ({ ...c, clear: false })),
            ...chunkRanges(toClear, 8 * MiB).map((c) => ({ ...c, clear: true })),
        ].sort((a, b) => a.start - b.start);

        meter = new ProgressMeter(planned, size, bytesResumed, opts.onProgress, t.progressIntervalMs ?? 250);
        const zeroer = new Zeroer(file, plan.path, t.punchMinBytes ?? 64 * 1024);
        let bytesFetched = 0, md5Checked = 0, fetched = 0;
        const out = file;
        const fetchOne = async (r: ByteRange): Promise<void> => {
            const wantMd5 = r.end - r.start <= 4 * MiB && fetched++ % MD5_EVERY === 0;
            const data = await newer.withRetry('fetching a changed range', async (u) => {
                requests++;
                const buf = Buffer.alloc(r.end - r.start);
                const body = await ep.get(u, r.start, r.end, wantMd5, (piece, at) => (piece.copy(buf, at), undefined), newer.signal);
                if (wantMd5 && body.md5 && body.md5 !== crypto.createHash('md5').update(buf).digest('base64')) throw new Md5MismatchError(`Content-MD5 of ${r.start}-${r.end} did not match`);
                return buf;
            });
            if (wantMd5) md5Checked++;
            newer.progressed();
            await out.writev([data], r.start);
            bytesFetched += data.length;
        };
        let next = 0;
        const worker = async () => {
            while (!newer.signal.aborted && next < work.length) {
                const c = work[next++];
                try {
                    if (c.clear) await zeroer.zero(c.start, c.end);
                    else await fetchOne(c);
                } catch (e) {
                    newer.fail(e instanceof Error ? e : new Error(String(e)));
                    return;
                }
                journal.add(c);
                meter!.add(c.end - c.start);
            }
        };
        await Promise.all(Array.from({ length: Math.max(1, Math.min(s.concurrency, work.length)) }, worker));
        meter.emit();
        if (newer.signal.aborted) throw newer.stopped();
        await file.sync();
        notes.push(...zeroer.notes());

        const regions = sampleRegions(plan.mode === 'update' ? [...diff.updated, ...diff.cleared] : diff.updated, size, t.verifySamples ?? 8, plan.mode === 'update');
        const back = await verifyUpdate(file, size, regions, newer, ep, plan.mode === 'update' ? 'auto' : 'none');
        requests += back.requests;
        const checks: UpdateCheck[] = [...back.checks];
        if (md5Checked) checks.unshift({ name: 'range-md5', passed: true, detail: `${md5Checked} ranges` });
        const failed = checks.filter((c) => !c.passed);
        if (failed.length) {
            throw new TransferError('VerificationFailed', `The updated file does not check out (${failed.map((c) => `${c.name}: ${c.detail ?? 'failed'}`).join('; ')}); it is left between the two snapshots.`);
        }
        journalOpen = false;
        await journal.close();
        fs.rmSync(jp, { force: true });
        const result: UpdateResult = {
            totalSize: size, bytesFetched, bytesCleared: zeroer.punched + zeroer.written, bytesResumed, bytesChecked: back.bytesChecked,
            rangesUpdated: diff.updated.length, rangesCleared: diff.cleared.length,
            requests, retries: newer.retries + older.retries, regrants: newer.regrants + older.regrants, checks, notes,
        };
        return { result, list: { v: 1, size, updated: diff.updated, cleared: diff.cleared } };
    } finally {
        meter?.stop();
        if (journalOpen) await journal.close().catch(() => undefined);
        await file?.close().catch(() => undefined);
    }
}
