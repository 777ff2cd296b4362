/**
 * Bringing a download of an incremental snapshot up to date from a newer one, against the
 * sandbox's disk with a history: the result is byte-identical to a full download of the newer
 * snapshot, only what changed is fetched, cleared pages become zeros, and an interrupted update
 * resumes from its journal.
 */
import { describe, it } from 'node:test';
import * as assert from 'node:assert/strict';
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import { BlobEndpoint } from '../../src/blob/http';
import { httpPageListSource, listPages } from '../../src/blob/listing';
import { totalBytes } from '../../src/blob/ranges';
import { changeListPath, downloadBlob, downloadChanges, updateInPlace, updateJournalPath, updateState, type ChangeList, type UpdateResult } from '../../src/transfer/index';
import { SUB_DEV } from '../sandbox/seed';
import { fastPolls, sandboxForFile } from './sandboxKit';
import { errorOf, fastTuning, scratch } from './support';

const kit = sandboxForFile({ lroPolls: 0, retryAfterSeconds: 0, skipLargeDisk: true });
const files = scratch();
const sas: Record<string, string> = {};
const oracle: Record<string, string> = {};

const sha = (path: string) => crypto.createHash('sha256').update(fs.readFileSync(path)).digest('hex');

async function grant(name: string): Promise<string> {
    sas[name] ??= (await kit.arm.compute(SUB_DEV).snapshots.grantAccess('rg-data', name, { access: 'Read', durationInSeconds: 3600 }, fastPolls).pollUntilDone()).accessSAS!;
    return sas[name];
}

/** A full download of a snapshot (the engine's own downloader): the earlier download, and the oracle. */
async function download(name: string): Promise<string> {
    const dest = files.dest();
    await downloadBlob({ url: await grant(name), destPath: dest, format: 'vhd', tuning: fastTuning });
    oracle[name] ??= sha(dest);
    return dest;
}

async function changedBytes(newer: string, older: string): Promise<number> {
    const ep = new BlobEndpoint(2, 10_000);
    try {
        return totalBytes((await listPages(httpPageListSource(ep, () => newer, () => older), { size: 32 * 1024 * 1024 + 512 })).updated);
    } finally {
        ep.destroy();
    }
}

/** Bytes the storage served for ranged reads of a blob's path (the listing is a ranged GET too, but small). */
async function servedFor(url: string): Promise<number> {
    const log = await kit.sb.control.requestLog();
    return log.storage.byPath[new URL(url).pathname.toLowerCase()]?.bytes ?? 0;
}

const tuning = { ...fastTuning, chunkSize: 128 * 1024, concurrency: 4 };

describe('updateInPlace', () => {
    let full: UpdateResult | undefined;

    it('brings a download of v1 to v3 byte for byte, fetching only what changed', async () => {
        const file = await download('history-data-v1');
        await download('history-data-v3');
        const [v1, v3] = [await grant('history-data-v1'), await grant('history-data-v3')];
        await kit.sb.control.clearLog();
        let last = 0;
        const r = await updateInPlace({ filePath: file, newerUrl: v3, olderUrl: v1, tuning, onProgress: (p) => { last = p.bytesDone; } });
        full = r;
        assert.equal(sha(file), oracle['history-data-v3'], 'identical to a full download of v3');
        assert.equal(updateState(file), 'complete');
        assert.ok(!fs.existsSync(updateJournalPath(file)), 'the journal is gone');
        assert.ok(r.rangesUpdated > 0 && r.rangesCleared > 0 && r.bytesCleared > 0);
        const changed = await changedBytes(v3, v1);
        assert.ok(r.bytesFetched <= 1.05 * changed, `fetched ${r.bytesFetched} of ${changed} changed`);
        assert.ok(r.bytesFetched >= changed);
        const served = await servedFor(v3);
        assert.ok(served <= r.bytesFetched + r.bytesChecked + 64 * 1024, `the storage served ${served} bytes`);
        assert.deepEqual(r.checks.filter((c) => !c.passed), []);
        assert.deepEqual(r.checks.map((c) => c.name).sort(), ['range-md5', 'sampled-md5', 'size', 'vhd-footer']);
        assert.equal(last, r.bytesFetched + r.bytesCleared, 'progress ends at the planned bytes');
        if (process.platform === 'linux') assert.deepEqual(r.notes, [], 'cleared ranges became holes');
    });

    it('goes step by step as well: v1 → v2 → v3, listing in small windows and pages', async () => {
        const file = await download('history-data-v1');
        await download('history-data-v2');
        const small = { ...tuning, listWindow: 8 * 1024 * 1024, listPageSize: 2 };
        const a = await updateInPlace({ filePath: file, newerUrl: await grant('history-data-v2'), olderUrl: await grant('history-data-v1'), tuning: small });
        assert.equal(sha(file), oracle['history-data-v2']);
        await updateInPlace({ filePath: file, newerUrl: await grant('history-data-v3'), olderUrl: await grant('history-data-v2'), tuning: small });
        assert.equal(sha(file), oracle['history-data-v3']);
        assert.ok(a.requests > 5 + a.rangesUpdated, 'more than one listing page');
    });

    it('resumes an interrupted update and fetches less the second time', async () => {
        assert.ok(full);
        const file = await download('history-data-v1');
        const [v1, v3] = [await grant('history-data-v1'), await grant('history-data-v3')];
        const stop = new AbortController();
        const first = await errorOf(updateInPlace({
            filePath: file, newerUrl: v3, olderUrl: v1, signal: stop.signal,
            tuning: { ...tuning, concurrency: 1, chunkSize: 64 * 1024, progressIntervalMs: 1 },
            onProgress: (p) => { if (p.bytesDone >= 448 * 1024) stop.abort(); },
        }));
        assert.equal(first.code, 'Cancelled');
        assert.equal(updateState(file), 'between', 'the journal marks the file as between snapshots');
        assert.notEqual(sha(file), oracle['history-data-v3']);
        const again = await updateInPlace({ filePath: file, newerUrl: v3, olderUrl: v1, tuning });
        assert.equal(sha(file), oracle['history-data-v3']);
        assert.equal(updateState(file), 'complete');
        assert.ok(again.bytesResumed >= 448 * 1024, `resumed ${again.bytesResumed}`);
        assert.ok(again.bytesFetched + again.bytesCleared < full.bytesFetched + full.bytesCleared, 'less work the second time');
        assert.ok(again.bytesFetched < full.bytesFetched, `fetched ${again.bytesFetched} < ${full.bytesFetched}`);
    });

    it('re-grants the older snapshot when its SAS dies during the listing', async () => {
        const file = await download('history-data-v2');
        const v3 = await grant('history-data-v3');
        // The newer's first request is held back; meanwhile the older's SAS dies, after it was read and before the listing.
        const v3Blob = new URL(v3).pathname.split('/').slice(2).map(decodeURIComponent).join('/');
        await kit.sb.control.storageFault({ blob: `^${v3Blob}$`, method: 'HEAD', action: 'delay', delayMs: 400 });
        setTimeout(() => void kit.sb.control.expireSas(kit.seeded('history-data-v2').id), 150);
        let asked = 0;
        const refreshOlder = async () => {
            asked++;
            return (await kit.arm.compute(SUB_DEV).snapshots.grantAccess('rg-data', 'history-data-v2', { access: 'Read', durationInSeconds: 3600 }, fastPolls).pollUntilDone()).accessSAS!;
        };
        const lines: string[] = [];
        const r = await updateInPlace({ filePath: file, newerUrl: v3, olderUrl: sas['history-data-v2'], refreshOlder, tuning, log: (m) => lines.push(m) });
        assert.equal(asked, 1);
        assert.ok(lines.length > 0 && lines.every((l) => !/sig=|se=|sv=/.test(l)), `no SAS in the log: ${lines.join(' | ')}`);
        assert.equal(r.regrants, 1);
        assert.equal(sha(file), oracle['history-data-v3']);
    });

    it('writes zeros where it does not punch holes, and says so', async () => {
        const file = await download('history-data-v1');
        const r = await updateInPlace({ filePath: file, newerUrl: await grant('history-data-v3'), olderUrl: await grant('history-data-v1'), tuning: { ...tuning, punchMinBytes: 1024 ** 3 } });
        assert.equal(sha(file), oracle['history-data-v3']);
        assert.equal(r.notes.length, 1);
        assert.match(r.notes[0], new RegExp(`^${r.bytesCleared} cleared bytes were written as zeros`));
    });

    it('refuses a file that does not hold the older snapshot, and one partway through another update', async () => {
        const file = await download('history-data-v1');
        fs.truncateSync(file, 1024 * 1024);
        const wrong = await errorOf(updateInPlace({ filePath: file, newerUrl: await grant('history-data-v3'), olderUrl: await grant('history-data-v1'), tuning }));
        assert.equal(wrong.code, 'BlobChanged');
        assert.equal(updateState(file), 'complete', 'nothing was started');
        fs.writeFileSync(updateJournalPath(file), `${JSON.stringify({ v: 1, key: 'update:another pair', size: 1 })}\n`);
        const other = await errorOf(updateInPlace({ filePath: file, newerUrl: await grant('history-data-v3'), olderUrl: await grant('history-data-v1'), tuning }));
        assert.equal(other.code, 'BlobChanged');
        assert.equal(updateState(file), 'between');
        assert.equal(updateState(`${file}.nothing`), 'missing');
    });
});

describe('downloadChanges', () => {
    it('writes the changed ranges as a sparse file of their own plus the list of updated and cleared ranges', async () => {
        const [v1, v3] = [await grant('history-data-v1'), await grant('history-data-v3')];
        const dest = files.dest();
        const r = await downloadChanges({ destPath: dest, newerUrl: v3, olderUrl: v1, tuning });
        assert.equal(r.listPath, changeListPath(dest));
        const list = JSON.parse(fs.readFileSync(r.listPath, 'utf8')) as ChangeList;
        const ep = new BlobEndpoint(2, 10_000);
        let listed;
        try {
            listed = await listPages(httpPageListSource(ep, () => v3, () => v1), { size: r.totalSize });
        } finally {
            ep.destroy();
        }
        assert.deepEqual({ updated: list.updated, cleared: list.cleared }, listed);
        assert.ok(list.cleared.length > 0);
        assert.equal(r.bytesFetched, totalBytes(list.updated));
        assert.ok(!fs.readFileSync(r.listPath, 'utf8').includes('sig='), 'no SAS in the list');
        const file = fs.readFileSync(dest);
        assert.equal(file.length, r.totalSize);
        const newer = fs.readFileSync(await download('history-data-v3'));
        let inside = 0;
        for (const u of list.updated) {
            assert.ok(file.subarray(u.start, u.end).equals(newer.subarray(u.start, u.end)), `updated ${u.start}-${u.end}`);
            inside += u.end - u.start;
        }
        // Outside the updated ranges the file holds nothing.
        let nonZero = 0;
        for (let i = 0; i < file.length; i += 512) if (!file.subarray(i, i + 512).equals(Buffer.alloc(512))) nonZero += 512;
        assert.ok(nonZero <= inside);
        assert.equal(updateState(dest), 'complete');
    });
});
