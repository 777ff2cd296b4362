/**
 * The durable record a download from an incremental snapshot leaves: written beside the file only
 * for an incremental snapshot's VHD, its content check (sampled MD5s and the footer) telling the
 * file from a changed one, found again through global state and the download folders, no secret.
 */
import { describe, it } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { contentMatches, sampleRanges, settleDownloadedFile, SnapshotDownloadIndex, SAMPLE_BYTES } from '../../src/features/download/snapshotRecords';
import type { DiskInfo } from '../../src/shared/types';
import { readRecord, recordPath, updateJournalPath } from '../../src/transfer/update';
import { scratch } from './support';

const MiB = 1024 * 1024;
const snapshot: DiskInfo = {
    tenantId: 't', subscriptionId: 's', resourceGroup: 'rg-data', name: 'history-data-v1', kind: 'snapshot', location: 'eastus',
    id: '/subscriptions/s/resourceGroups/rg-data/providers/Microsoft.Compute/snapshots/history-data-v1',
    incremental: true, incrementalSnapshotFamilyId: '6a0e1f7c-8c5d-4b1e-9d3a-2f4b6c8d0e12', timeCreated: new Date('2025-03-01T02:00:00Z'),
};

class MemoryStore {
    readonly values = new Map<string, unknown>();
    get<T>(key: string, fallback: T): T {
        return (this.values.has(key) ? this.values.get(key) : fallback) as T;
    }
    async update(key: string, value: unknown): Promise<void> {
        this.values.set(key, value);
    }
}

function vhdLike(file: string, size: number): void {
    const fd = fs.openSync(file, 'w');
    fs.ftruncateSync(fd, size);
    fs.writeSync(fd, Buffer.alloc(4096, 7), 0, 4096, 3 * MiB);
    fs.writeSync(fd, Buffer.from('conectix'.padEnd(512, '\u0001')), 0, 512, size - 512);
    fs.closeSync(fd);
}

describe('the record of a download from a snapshot', () => {
    const files = scratch();

    it('samples spread regions and the footer, 512-aligned, inside the file', () => {
        const size = 32 * MiB + 512;
        const r = sampleRanges(size);
        assert.equal(r.length, 9);
        assert.deepEqual(r[0], { start: 0, end: SAMPLE_BYTES });
        assert.deepEqual(r[r.length - 1], { start: size - 512, end: size }, 'the footer');
        assert.ok(r.every((x) => x.start % 512 === 0 && x.end <= size && x.end > x.start));
        assert.deepEqual(sampleRanges(1024), [{ start: 0, end: 1024 }, { start: 512, end: 1024 }], 'a tiny file: each region once');
    });

    it('an incremental snapshot\'s VHD gets a record with the snapshot, family, time, size and content check, listed for later; no secret in it', async () => {
        const file = path.join(files.dir, 'a', 'history-data-v1.vhd');
        fs.mkdirSync(path.dirname(file), { recursive: true });
        vhdLike(file, 32 * MiB + 512);
        fs.writeFileSync(updateJournalPath(file), 'stale');
        const store = new MemoryStore();
        const index = new SnapshotDownloadIndex(store, 'k');
        const rec = await settleDownloadedFile(index, file, snapshot, 'VHD');
        assert.ok(rec);
        assert.deepEqual(readRecord(file), rec);
        assert.equal(rec.snapshotId, snapshot.id);
        assert.equal(rec.familyId, snapshot.incrementalSnapshotFamilyId);
        assert.equal(rec.snapshotTime, '2025-03-01T02:00:00.000Z');
        assert.equal(rec.size, 32 * MiB + 512);
        assert.equal(rec.content.samples?.length, 9);
        assert.ok(!fs.existsSync(updateJournalPath(file)), 'a whole download ends an update left partway');
        assert.deepEqual(store.get('k', []), [file]);
        assert.doesNotMatch(fs.readFileSync(recordPath(file), 'utf8'), /sig=|sv=|Bearer|eyJ/);
        assert.equal(await contentMatches(file, rec), true);

        const fd = fs.openSync(file, 'r+');
        fs.writeSync(fd, Buffer.alloc(512, 9), 0, 512, 0);
        fs.closeSync(fd);
        assert.equal(await contentMatches(file, rec), false, 'a changed sampled region');
        fs.truncateSync(file, 32 * MiB);
        assert.equal(await contentMatches(file, rec), false, 'another size');
    });

    it('no record for a disk, a full snapshot or a VHDX; one left by an earlier download there is removed', async () => {
        const file = path.join(files.dir, 'b.vhd');
        vhdLike(file, MiB + 512);
        const index = new SnapshotDownloadIndex(new MemoryStore(), 'k');
        assert.ok(await settleDownloadedFile(index, file, snapshot, 'VHD'));
        for (const [what, s, fmt] of [['a VHDX', snapshot, 'VHDX'], ['a full snapshot', { ...snapshot, incremental: false, incrementalSnapshotFamilyId: undefined }, 'VHD'], ['a disk', undefined, 'VHD']] as const) {
            assert.equal(await settleDownloadedFile(index, file, s as DiskInfo | undefined, fmt), undefined, what);
            assert.ok(!fs.existsSync(recordPath(file)), `${what}: the old record is gone`);
            assert.ok(await settleDownloadedFile(index, file, snapshot, 'VHD'));
        }
    });

    it('finds recorded files listed in global state and under the download folders; drops the ones gone', async () => {
        const store = new MemoryStore();
        const index = new SnapshotDownloadIndex(store, 'k');
        const listed = path.join(files.dir, 'elsewhere', 'listed.vhd');
        const scanned = path.join(files.dir, 'disks', 'history-data-v1', 'scanned.vhd');
        const gone = path.join(files.dir, 'elsewhere', 'gone.vhd');
        for (const f of [listed, scanned, gone]) {
            fs.mkdirSync(path.dirname(f), { recursive: true });
            vhdLike(f, MiB + 512);
        }
        await settleDownloadedFile(index, listed, snapshot, 'VHD');
        await settleDownloadedFile(index, gone, snapshot, 'VHD');
        await settleDownloadedFile(new SnapshotDownloadIndex(new MemoryStore(), 'k'), scanned, snapshot, 'VHD');
        fs.rmSync(gone);
        fs.writeFileSync(updateJournalPath(scanned), '{}\n');
        const found = await index.list([path.join(files.dir, 'disks')]);
        assert.deepEqual(found.map((d) => [path.basename(d.filePath), d.state]).sort(), [['listed.vhd', 'complete'], ['scanned.vhd', 'between']]);
        assert.deepEqual(store.get('k', []), [listed], 'the file gone is no longer listed');
    });
});
