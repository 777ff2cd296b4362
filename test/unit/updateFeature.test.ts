/**
 * Update Earlier Download's pure parts: which recorded files a snapshot can update (newest first,
 * a file between snapshots said as such, other disks' files left out), the refusals decided
 * before any call (4 TiB) and the plain words of those Azure gives (409s, 404, the diff codes).
 */
import { describe, it } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { RecordedDownload } from '../../src/app/context';
import { candidatesFor, clearUntouchedJournal, FOUR_TIB, nameOfId, olderOfFamily, resumeKey, snapshotNameFor, snapshotRefOf, straddles4TiB, timeLabel, updateTarget } from '../../src/features/update/plan';
import { diffRefusal, isFamilySasCap, isGone, nothingToUpdate, refusalMessage } from '../../src/features/update/messages';
import { TransferError } from '../../src/transfer/core/types';
import { JournalWriter } from '../../src/transfer/core/journal';
import { updateJournalPath, updateState } from '../../src/transfer/update';
import { scratch } from './support';

const SUB = '3f2b8c1d-4e5a-4f67-8a9b-0c1d2e3f4a51';
const snap = (name: string) => `/subscriptions/${SUB}/resourceGroups/rg-data/providers/Microsoft.Compute/snapshots/${name}`;
const FAMILY = '6a0e1f7c-8c5d-4b1e-9d3a-2f4b6c8d0e12';
const OTHER = '11111111-2222-4333-8444-555555555555';

function download(file: string, name: string, time: string, opts: { family?: string; state?: RecordedDownload['state'] } = {}): RecordedDownload {
    return {
        filePath: `/ws/disks/${file}`,
        record: { v: 1, snapshotId: snap(name), familyId: opts.family ?? FAMILY, snapshotTime: time, size: 32 * 1024 * 1024 + 512, content: {} },
        state: opts.state ?? 'complete',
    };
}

const v3 = { id: snap('history-data-v3'), familyId: FAMILY, time: new Date('2025-05-01T02:00:00Z') };

describe('which earlier downloads a snapshot can update', () => {
    it('offers the files of older snapshots of its family, newest first; leaves out other families, itself and later ones', () => {
        const c = candidatesFor(v3, [
            download('a.vhd', 'history-data-v1', '2025-03-01T02:00:00Z'),
            download('b.vhd', 'history-data-v2', '2025-04-01T02:00:00Z'),
            download('web.vhd', 'web-data-01-incr', '2025-01-01T00:00:00Z', { family: OTHER }),
            download('c.vhd', 'history-data-v3', '2025-05-01T02:00:00Z'),
            download('d.vhd', 'history-data-v4', '2025-06-01T02:00:00Z'),
        ], () => undefined);
        assert.deepEqual(c.offered.map((x) => [x.kind, path.basename(x.download.filePath)]), [['update', 'b.vhd'], ['update', 'a.vhd']]);
        assert.deepEqual(c.otherFamilies.map((d) => path.basename(d.filePath)), ['web.vhd']);
        assert.deepEqual(c.current.map((d) => path.basename(d.filePath)), ['c.vhd']);
        assert.deepEqual(c.later.map((d) => path.basename(d.filePath)), ['d.vhd']);
    });

    it('a file between snapshots is never offered as holding either: it resumes toward this snapshot, or is said to be going elsewhere', () => {
        const toward = new Map([['/ws/disks/a.vhd', resumeKey(snap('history-data-v1'), snap('history-data-v3')).split('->')[1]], ['/ws/disks/b.vhd', snap('history-data-v2').toLowerCase()]]);
        const c = candidatesFor(v3, [
            download('a.vhd', 'history-data-v1', '2025-03-01T02:00:00Z', { state: 'between' }),
            download('b.vhd', 'history-data-v1', '2025-03-01T02:00:00Z', { state: 'between' }),
        ], (f) => toward.get(f));
        const byFile = new Map(c.offered.map((x) => [path.basename(x.download.filePath), x]));
        assert.equal(byFile.get('a.vhd')?.kind, 'resume');
        const b = byFile.get('b.vhd');
        assert.equal(b?.kind, 'elsewhere');
        assert.equal(b?.kind === 'elsewhere' ? nameOfId(b.toward ?? '') : '', 'history-data-v2');
        assert.equal(c.current.length + c.later.length, 0);
    });

    it('Download Changes Only lists the older snapshots of the same family only, newest first', () => {
        const s = (name: string, family: string | undefined, t: string) => ({ id: snap(name), kind: 'snapshot', incrementalSnapshotFamilyId: family, timeCreated: new Date(t) });
        const newer = s('v3', FAMILY, '2025-05-01T00:00:00Z');
        const got = olderOfFamily(newer, [s('v1', FAMILY, '2025-03-01T00:00:00Z'), s('v2', FAMILY, '2025-04-01T00:00:00Z'), newer, s('v4', FAMILY, '2025-06-01T00:00:00Z'), s('full', undefined, '2025-01-01T00:00:00Z'), s('other', OTHER, '2025-01-01T00:00:00Z')]);
        assert.deepEqual(got.map((x) => nameOfId(x.id)), ['v2', 'v1']);
    });
});

describe('what rules out a diff', () => {
    it('a resize across 4 TiB, checked on the disk sizes before any call', () => {
        assert.equal(straddles4TiB(FOUR_TIB, FOUR_TIB + 1024 ** 3), true);
        assert.equal(straddles4TiB(8 * 1024 ** 4, 2 * 1024 ** 4), true);
        assert.equal(straddles4TiB(1024 ** 3, FOUR_TIB), false, 'both at most 4 TiB');
        assert.equal(straddles4TiB(5 * 1024 ** 4, 6 * 1024 ** 4), false, 'both above');
    });

    it('the five-SAS limit: a 409 that names the family or the limit, or any 409 while five others of the family have a SAS', () => {
        const sandboxWords = Object.assign(new Error("Operation 'BeginGetAccess' is not allowed on snapshot 'v3': at most 5 snapshots of one incremental snapshot family can have an active SAS at a time"), { statusCode: 409, code: 'OperationNotAllowed' });
        assert.equal(isFamilySasCap(sandboxWords), true);
        const other409 = Object.assign(new Error('Another operation is in progress.'), { statusCode: 409, code: 'Conflict' });
        assert.equal(isFamilySasCap(other409), false);
        assert.equal(isFamilySasCap(other409, 5), true, 'five peers with a SAS explain an unworded 409');
        assert.equal(isFamilySasCap(Object.assign(new Error('five snapshots'), { statusCode: 404 })), false, 'not a 409');
    });

    it('the older snapshot gone is an ARM 404; the diff refusals are the engine\'s BlobChanged over the service codes', () => {
        assert.equal(isGone(Object.assign(new Error('The Resource was not found.'), { statusCode: 404, code: 'ResourceNotFound' })), true);
        assert.equal(isGone(Object.assign(new Error('x'), { statusCode: 409 })), false);
        assert.equal(diffRefusal(new TransferError('BlobChanged', 'The service cannot list the changes between these two snapshots (PreviousSnapshotNotFound): …')), 'otherFamily');
        assert.equal(diffRefusal(new TransferError('BlobChanged', '… (PreviousSnapshotOperationNotSupported): …')), 'otherFamily');
        assert.equal(diffRefusal(new TransferError('BlobChanged', 'The snapshot the file holds is newer than the one to update it to.')), 'wrongOrder');
        assert.equal(diffRefusal(new TransferError('Server', 'PreviousSnapshotNotFound')), undefined, 'only BlobChanged');
        assert.equal(diffRefusal(new Error('PreviousSnapshotNotFound')), undefined);
    });

    it('every refusal says why in plain words and offers the full download', () => {
        const n = { newer: 'history-data-v3', older: 'history-data-v1', file: 'history-data-v1.vhd', olderBytes: 2 * 1024 ** 4, newerBytes: 5 * 1024 ** 4 };
        const want = {
            olderGone: /history-data-v1, the snapshot history-data-v1\.vhd was downloaded from, no longer exists/,
            otherFamily: /not incremental snapshots of the same disk/,
            sasCap: /at most five snapshots of one disk.*Nothing granted by this command is left/,
            resize4TiB: /resized across 4 TiB between history-data-v1 \(2\.0 TiB\) and history-data-v3 \(5\.0 TiB\)/,
            notIncremental: /history-data-v3 is not an incremental snapshot/,
            fileChanged: /history-data-v1\.vhd no longer holds history-data-v1/,
            wrongOrder: /history-data-v1 was taken after history-data-v3/,
        } as const;
        for (const [r, re] of Object.entries(want)) {
            const m = refusalMessage(r as keyof typeof want, n);
            assert.match(m, re, r);
            assert.match(m, /Download history-data-v3 in full instead\.$/, r);
        }
        assert.match(nothingToUpdate('history-data-v3', { otherFamilies: 2, current: ['x.vhd'], later: 0 }), /Already up to date with history-data-v3: x\.vhd\. 2 downloaded files are of other disks' snapshots/);
    });
});

describe('names, times, ids', () => {
    it('a snapshot ref from its ARM id; none from anything else', () => {
        assert.deepEqual(snapshotRefOf(snap('v1'), 't'), { tenantId: 't', subscriptionId: SUB, resourceGroup: 'rg-data', name: 'v1', kind: 'snapshot', id: snap('v1') });
        assert.equal(snapshotRefOf(`/subscriptions/${SUB}/resourceGroups/rg/providers/Microsoft.Compute/disks/d`, 't'), undefined);
    });

    it('the snapshot made on a disk row has a valid name within 80 characters; times read the same in every locale', () => {
        const name = snapshotNameFor('a'.repeat(100), new Date('2026-12-07T22:13:00Z'));
        assert.equal(name.length, 80);
        assert.match(name, /^a+-update-20261207-2213$/);
        assert.equal(snapshotNameFor('my disk!', new Date('2026-12-07T22:13:00Z')), 'my-disk-update-20261207-2213');
        assert.equal(timeLabel('2025-03-01T02:00:00.0000000+00:00'), '2025-03-01 02:00 UTC');
    });
});

describe('an update journal', () => {
    const files = scratch();

    it('names the snapshot an unfinished update was going to; a refused first listing leaves no journal behind, a run that changed bytes keeps it', async () => {
        const file = path.join(files.dir, 'f.vhd');
        fs.writeFileSync(file, Buffer.alloc(4096));
        const j = JournalWriter.create(updateJournalPath(file), { key: `update:${resumeKey(snap('v1'), snap('v3'))}`, size: 4096 });
        await j.close();
        assert.equal(updateTarget(file), snap('v3').toLowerCase());
        assert.equal(updateState(file), 'between');
        clearUntouchedJournal(file, 8192);
        assert.equal(updateState(file), 'between', 'resized: the file no longer holds the older snapshot');
        clearUntouchedJournal(file, 4096);
        assert.equal(updateState(file), 'complete', 'nothing changed: the file still holds the older snapshot');

        const k = JournalWriter.create(updateJournalPath(file), { key: `update:${resumeKey(snap('v1'), snap('v3'))}`, size: 4096 });
        k.add({ start: 0, end: 512 });
        await k.close();
        clearUntouchedJournal(file, 4096);
        assert.equal(updateState(file), 'between', 'a range was written: the file is between snapshots');
    });
});
