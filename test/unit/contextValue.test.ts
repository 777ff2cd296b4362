import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { DiskInfo } from '../../src/shared/types';
import { diskContextValue, diskDescription, diskIcon, diskTooltipLines } from '../../src/tree/presentation';

const base: DiskInfo = { tenantId: 't', subscriptionId: 's', resourceGroup: 'rg', name: 'd1', kind: 'disk', id: '/subscriptions/s/resourceGroups/rg/providers/Microsoft.Compute/disks/d1', location: 'westeurope', sizeGiB: 128 };

test('tokens by kind, state and security', () => {
    assert.equal(diskContextValue({ ...base, diskState: 'Unattached' }), 'azureDisk;state-Unattached;canGrant;');
    assert.equal(diskContextValue({ ...base, diskState: 'ActiveSAS', securityType: 'ConfidentialVM_DiskEncryptedWithCustomerKey' }), 'azureDisk;state-ActiveSAS;confidential;secure;canRevoke;');
    assert.equal(diskContextValue({ ...base, kind: 'snapshot', diskState: 'Unattached', securityType: 'TrustedLaunch' }, { liveGrant: true }), 'azureSnapshot;state-Unattached;trustedLaunch;secure;canGrant;sas;');
    assert.equal(diskContextValue({ ...base, diskState: 'Attached', attachedVm: 'vm-1' }), 'azureDisk;state-Attached;attached;');
    assert.equal(diskContextValue({ ...base, diskState: 'Reserved', attachedVm: 'vm-1' }), 'azureDisk;state-Reserved;attached;canGrant;');
    assert.equal(diskContextValue({ ...base, diskState: 'ActiveSAS' }, { busy: true, liveGrant: true }), 'azureDisk;state-ActiveSAS;busy;');
});

test('an incremental snapshot says so; a full one, a disk and a restore point do not', () => {
    assert.equal(diskContextValue({ ...base, kind: 'snapshot', diskState: 'Unattached', incremental: true, incrementalSnapshotFamilyId: 'f1' }), 'azureSnapshot;state-Unattached;incremental;canGrant;');
    assert.equal(diskContextValue({ ...base, kind: 'snapshot', diskState: 'ActiveSAS', incremental: true }, { busy: true }), 'azureSnapshot;state-ActiveSAS;incremental;busy;');
    assert.equal(diskContextValue({ ...base, kind: 'snapshot', diskState: 'Unattached', incremental: false }), 'azureSnapshot;state-Unattached;canGrant;');
    assert.equal(diskContextValue({ ...base, kind: 'snapshot', diskState: 'Unattached' }), 'azureSnapshot;state-Unattached;canGrant;');
    // Only snapshots carry it, whatever else says incremental.
    assert.equal(diskContextValue({ ...base, diskState: 'Unattached', incremental: true } as DiskInfo), 'azureDisk;state-Unattached;canGrant;');
    assert.equal(diskContextValue({ ...base, kind: 'diskRestorePoint', incremental: true } as DiskInfo), 'azureDiskRestorePoint;state-Unknown;canGrant;canRevoke;');
});

/** The menu `when` clauses in package.json, evaluated against the tokens the tree produces. */
function menuRegex(command: string): RegExp[] {
    const pkg = JSON.parse(fs.readFileSync(path.join(__dirname, '../../../package.json'), 'utf8'));
    const items = (pkg.contributes.menus['view/item/context'] as { command: string; when: string }[]).filter((m) => m.command === command);
    return items.map((m) => {
        const lit = /viewItem =~ \/(.*?)\/(\)|$| )/.exec(m.when);
        assert.ok(lit, `${command} has an anchored viewItem regex`);
        assert.ok(lit[1].startsWith('^'), `${command}'s regex is anchored`);
        return new RegExp(lit[1]);
    });
}

test('menus offer only what applies', () => {
    const shows = (cmd: string, d: DiskInfo, opts?: { liveGrant?: boolean; busy?: boolean }) => menuRegex(`azureDisks.${cmd}`).some((r) => r.test(diskContextValue(d, opts)));
    const free = { ...base, diskState: 'Unattached' };
    const sas = { ...base, diskState: 'ActiveSAS' };
    const running = { ...base, diskState: 'Attached', attachedVm: 'vm-1' };
    assert.equal(shows('grantAccess', free), true);
    assert.equal(shows('grantAccess', sas), false);
    // Offered on a running VM's disk so the user learns, in plain words, to deallocate the VM first.
    assert.equal(shows('grantAccess', running), true);
    assert.equal(shows('grantAccess', { ...base, diskState: 'ActiveUpload' }), false);
    assert.equal(shows('revokeAccess', sas), true);
    assert.equal(shows('revokeAccess', free), false);
    assert.equal(shows('showAccess', sas), false);
    assert.equal(shows('showAccess', sas, { liveGrant: true }), true);
    assert.equal(shows('copySasUri', sas, { liveGrant: true }), true);
    assert.equal(shows('download', free), true);
    assert.equal(shows('download', running), false);
    assert.equal(shows('revokeAccess', sas, { busy: true }), false);
    assert.equal(shows('grantAccess', { ...free, kind: 'snapshot' }), true);
    // A disk waiting for or receiving an upload holds no image yet: nothing that reads or copies it.
    for (const diskState of ['ReadyToUpload', 'ActiveUpload']) {
        for (const liveGrant of [false, true]) {
            const uploading = { ...base, diskState };
            for (const cmd of ['download', 'browseContents', 'createSnapshot', 'updateEarlierDownload', 'copyTo']) assert.equal(shows(cmd, uploading, { liveGrant }), false, `${cmd} on ${diskState}`);
            assert.equal(shows('uploadToDisk', uploading, { liveGrant }), true);
            assert.equal(shows('deleteDisk', uploading, { liveGrant }), true);
        }
    }
    for (const cmd of ['download', 'browseContents', 'createSnapshot', 'updateEarlierDownload', 'copyTo']) assert.equal(shows(cmd, free), true, `${cmd} on an Unattached disk`);
    assert.equal(diskContextValue(free, { note: 'incompleteUpload' }), 'azureDisk;state-Unattached;incomplete;canGrant;');
    // Changes are listed only between incremental snapshots of one disk.
    const incr: DiskInfo = { ...free, kind: 'snapshot', incremental: true, incrementalSnapshotFamilyId: 'f1' };
    const fullSnap: DiskInfo = { ...free, kind: 'snapshot', incremental: false };
    const point: DiskInfo = { ...base, kind: 'diskRestorePoint' };
    assert.equal(shows('downloadChanges', incr), true);
    assert.equal(shows('downloadChanges', { ...incr, diskState: 'ActiveSAS' }, { liveGrant: true }), true);
    assert.equal(shows('downloadChanges', fullSnap), false);
    assert.equal(shows('downloadChanges', free), false);
    assert.equal(shows('downloadChanges', point), false);
    assert.equal(shows('updateEarlierDownload', incr), true);
    assert.equal(shows('updateEarlierDownload', free), true);
    assert.equal(shows('updateEarlierDownload', running), true);
    assert.equal(shows('updateEarlierDownload', fullSnap), false);
    assert.equal(shows('updateEarlierDownload', { ...base, kind: 'snapshot', diskState: 'Unattached' }), false);
    assert.equal(shows('updateEarlierDownload', point), false);
});

test('description, icon and tooltip say the state plainly', () => {
    assert.equal(diskDescription({ ...base, diskState: 'ActiveSAS' }), '128 GiB · ActiveSAS');
    assert.equal(diskDescription({ ...base, diskState: 'Attached', attachedVm: 'vm-1' }), '128 GiB · Attached to vm-1');
    assert.equal(diskDescription({ ...base, diskState: 'Reserved', attachedVm: 'vm-cvm-01', securityType: 'ConfidentialVM_VMGuestStateOnlyEncryptedWithPlatformKey' }), '128 GiB · Reserved (vm-cvm-01 deallocated) · Confidential');
    assert.equal(diskDescription({ ...base, diskState: 'Unattached' }), '128 GiB · Unattached');
    // Azure rounds diskSizeGB up: the exact size when it is not a whole GiB.
    assert.equal(diskDescription({ ...base, sizeGiB: 1, sizeBytes: 32 * 1024 ** 2, diskState: 'Unattached' }), '32 MiB · Unattached');
    assert.equal(diskDescription({ ...base, sizeGiB: 2, sizeBytes: 1.5 * 1024 ** 3 }), '1.5 GiB');
    assert.equal(diskDescription({ ...base, sizeGiB: 64, sizeBytes: 64 * 1024 ** 3 }), '64 GiB');
    assert.equal(diskDescription({ ...base, diskState: 'Unattached' }, 'Granting access…'), 'Granting access…');
    assert.equal(diskIcon({ ...base, diskState: 'ActiveSAS' }).id, 'unlock');
    assert.ok(diskIcon({ ...base, diskState: 'ActiveSAS' }).color);
    assert.equal(diskIcon({ ...base, kind: 'snapshot', diskState: 'Unattached' }).id, 'device-camera');
    assert.equal(diskIcon(base, true).id, 'loading~spin');
    const tip = diskTooltipLines({ ...base, sku: 'Premium_LRS', osType: 'Linux', securityType: 'TrustedLaunch', diskState: 'Attached', attachedVm: 'vm-1', timeCreated: new Date('2026-01-02T03:04:05.678Z') }).join('\n');
    assert.equal(tip, 'Disk: d1\n128 GiB · Premium_LRS · Linux · westeurope\nState: Attached (vm-1)\nSecurity: TrustedLaunch\nCreated: 2026-01-02 03:04:05 UTC');
    // Short: a tooltip of 7-9 lines covered the rows below.
    assert.ok(tip.split('\n').length <= 6);
});
