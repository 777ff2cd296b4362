import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { toDiskInfo } from '../../src/azure/mapping';
import { formatChoices, stepsToPrompt, toRequest } from '../../src/features/grant/steps';
import { awaitsSnapshotAccess, exportsVhdxOnly } from '../../src/shared/diskStates';
import type { DiskInfo } from '../../src/shared/types';
import { diskDescription } from '../../src/tree/presentation';

const id = '/subscriptions/s/resourceGroups/rg/providers/Microsoft.Compute/snapshots/snap';
const snap: DiskInfo = { tenantId: 't', subscriptionId: 's', resourceGroup: 'rg', name: 'snap', kind: 'snapshot', id, location: 'x', diskState: 'Unattached' };

test('a Premium SSD v2 snapshot is exportable only when Available or AvailableWithInstantAccess', () => {
    assert.equal(awaitsSnapshotAccess(snap), false, 'other snapshots say no state');
    assert.equal(awaitsSnapshotAccess({ ...snap, snapshotAccessState: 'InstantAccess' }), true);
    assert.equal(awaitsSnapshotAccess({ ...snap, snapshotAccessState: 'Pending' }), true);
    assert.equal(awaitsSnapshotAccess({ ...snap, snapshotAccessState: 'Available' }), false);
    assert.equal(awaitsSnapshotAccess({ ...snap, snapshotAccessState: 'AvailableWithInstantAccess' }), false);
    assert.equal(awaitsSnapshotAccess({ ...snap, snapshotAccessState: 'Unknown' }), false);
    assert.equal(awaitsSnapshotAccess({ ...snap, kind: 'disk', snapshotAccessState: 'InstantAccess' }), false);
    assert.match(diskDescription({ ...snap, sizeGiB: 1, snapshotAccessState: 'InstantAccess' }), /Unattached · InstantAccess/);
    assert.doesNotMatch(diskDescription({ ...snap, sizeGiB: 1, snapshotAccessState: 'Available' }), /Available/);
});

test('snapshots of 4096-byte-sector disks are offered and requested as VHDX only', () => {
    const fourK = { ...snap, logicalSectorSize: 4096 };
    assert.equal(exportsVhdxOnly(fourK), true);
    assert.equal(exportsVhdxOnly({ ...fourK, kind: 'disk' }), false);
    assert.equal(exportsVhdxOnly({ ...snap, logicalSectorSize: 512 }), false);
    assert.deepEqual(formatChoices(fourK), ['VHDX']);
    assert.deepEqual(formatChoices(snap), ['VHD', 'VHDX']);
    assert.deepEqual(stepsToPrompt({ disk: fourK }), ['duration', 'format']);
    assert.equal(toRequest({ disk: fourK, durationInSeconds: 60 }).fileFormat, 'VHDX', 'no answer: VHDX');
    assert.equal(toRequest({ disk: snap, durationInSeconds: 60 }).fileFormat, 'VHD');
});

test('the ARM snapshot carries its access state and sector size into DiskInfo', () => {
    const info = toDiskInfo({ id, name: 'snap', snapshotAccessState: 'InstantAccess', creationData: { logicalSectorSize: 4096 } }, 'snapshot', 't', 's', 'rg');
    assert.equal(info.snapshotAccessState, 'InstantAccess');
    assert.equal(info.logicalSectorSize, 4096);
    const plain = toDiskInfo({ id, name: 'snap' }, 'snapshot', 't', 's', 'rg');
    assert.equal('snapshotAccessState' in plain, false);
    assert.equal('logicalSectorSize' in plain, false);
});
