import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as path from 'node:path';
import { blobsToDownload, grantDurationSeconds } from '../../src/shared/grants';
import { checkSpace, decideExisting, diskBlobSize, planFiles } from '../../src/features/download/plan';
import { diskRefFromId } from '../../src/shared/diskId';

const urls = { disk: 'https://h/c/d?sig=x', vmgs: 'https://h/c/d_vmgs?sig=y' };

test('blobs to download follow the grant and the request', () => {
    assert.deepEqual(blobsToDownload(urls), ['disk', 'vmgs']);
    assert.deepEqual(blobsToDownload({ vmmd: 'u', disk: 'u', vmgs: 'u' }), ['disk', 'vmgs', 'vmmd']);
    assert.deepEqual(blobsToDownload(urls, ['vmgs']), ['vmgs']);
    assert.deepEqual(blobsToDownload(urls, ['vmmd']), []);
    assert.deepEqual(blobsToDownload({ disk: '' }), []);
});

test('planned files are named from the disk, inside the folder', () => {
    const files = planFiles('/ws/disks/d1', 'd1', 'VHDX', ['disk', 'vmgs']);
    assert.deepEqual(files.map((f) => f.fileName), ['d1.vhdx', 'd1_vmgs.vhd']);
    assert.equal(files[0].destPath, path.join('/ws/disks/d1', 'd1.vhdx'));
});

test('existing files: resume partials, ask before overwriting, rewrite orphan partials', () => {
    assert.equal(decideExisting({ file: false, partial: false, journal: false }), 'fresh');
    assert.equal(decideExisting({ file: true, partial: false, journal: false }), 'askOverwrite');
    assert.equal(decideExisting({ file: false, partial: true, journal: true }), 'resume');
    assert.equal(decideExisting({ file: true, partial: true, journal: true }), 'resume');
    assert.equal(decideExisting({ file: false, partial: true, journal: false }), 'fresh');
    assert.equal(decideExisting({ file: true, partial: true, journal: false }), 'askOverwrite');
});

test('space check warns only when free space is known to be short', () => {
    assert.deepEqual(checkSpace(100, [50, 40]), { mayNotFit: false, needed: 90 });
    assert.deepEqual(checkSpace(80, [50, 40]), { mayNotFit: true, needed: 90 });
    assert.deepEqual(checkSpace(undefined, [50]), { mayNotFit: false, needed: 50 });
    assert.deepEqual(checkSpace(1, [50, undefined]), { mayNotFit: false, needed: undefined });
});

test('disk blob size includes the footer', () => {
    assert.equal(diskBlobSize({ sizeBytes: 1024 }), 1536);
    assert.equal(diskBlobSize({ sizeGiB: 1 }), 1024 ** 3 + 512);
    assert.equal(diskBlobSize({}), undefined);
});

test('grant duration is clamped to the service limits', () => {
    const t = new Date('2026-01-01T00:00:00Z');
    assert.equal(grantDurationSeconds({ grantedAt: t, expiresAt: new Date(t.getTime() + 3600_000) }), 3600);
    assert.equal(grantDurationSeconds({ grantedAt: t, expiresAt: t }), 60);
    assert.equal(grantDurationSeconds({ grantedAt: t, expiresAt: new Date(t.getTime() + 1e12) }), 5_184_000);
});

test('disk refs rebuild from ARM ids', () => {
    const id = '/subscriptions/s1/resourceGroups/rg-1/providers/Microsoft.Compute/snapshots/snap1';
    assert.deepEqual(diskRefFromId(id, 't1'), { tenantId: 't1', subscriptionId: 's1', resourceGroup: 'rg-1', kind: 'snapshot', name: 'snap1', id });
    assert.equal(diskRefFromId('/subscriptions/s1/resourceGroups/r/providers/Microsoft.Storage/x/y', 't'), undefined);
    assert.equal(diskRefFromId(id + '/extra', 't'), undefined);
});
