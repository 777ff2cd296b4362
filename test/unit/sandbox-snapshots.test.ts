/**
 * New disks from existing ones in the sandbox: snapshots (Copy, incremental, of a running VM's
 * disk; CopyStart to another region), disks by Copy and by ImportSecure from a storage account's
 * blobs, and the storage accounts themselves — through the extension's ARM clients.
 */
import { before, describe, it } from 'node:test';
import * as assert from 'node:assert/strict';
import { BlobServiceClient, StorageSharedKeyCredential } from '@azure/storage-blob';
import { checkVhdxHeader } from '../../src/formats/footer';
import { SUB_DEV, SUB_OTHER } from '../sandbox/seed';
import { sha256, sparseSha256, storageAccountService } from '../sandbox/testkit';
import { fastPolls, sandboxForFile } from './sandboxKit';
import { errorOf } from './support';

const kit = sandboxForFile();
const { seeded } = kit;

async function armGet(path: string, apiVersion = '2023-05-01'): Promise<{ status: number; json: Record<string, unknown> }> {
    const { accessToken } = await kit.sb.control.token();
    const res = await fetch(`${kit.sb.info.armEndpoint}${path}${path.includes('?') ? '&' : '?'}api-version=${apiVersion}`, { method: path.endsWith('listKeys') ? 'POST' : 'GET', headers: { Authorization: `Bearer ${accessToken}` } });
    return { status: res.status, json: await res.json() as Record<string, unknown> };
}

/** Grants Read (with the guest-state SAS where asked), checks each blob's sparse sha256, revokes. */
async function readBack(kind: 'disks' | 'snapshots', rg: string, name: string, guestState = false, sub = SUB_DEV): Promise<Record<string, string>> {
    const ops = kit.arm.compute(sub)[kind];
    const g = await ops.grantAccess(rg, name, { access: 'Read', durationInSeconds: 600, ...(guestState ? { getSecureVMGuestStateSAS: true } : {}) }, fastPolls).pollUntilDone();
    const out: Record<string, string> = {};
    for (const [k, v] of Object.entries(g)) if (typeof v === 'string' && v.startsWith('http')) out[k] = (await sparseSha256(v)).sha256;
    await ops.revokeAccess(rg, name, fastPolls).pollUntilDone();
    return out;
}

describe('storage accounts', () => {
    it('are listed by subscription and by resource group; their blob endpoint is the sandbox storage', async () => {
        const bySub = await armGet(`/subscriptions/${SUB_DEV}/providers/Microsoft.Storage/storageAccounts`);
        assert.equal(bySub.status, 200);
        const names = (bySub.json.value as { name: string }[]).map((a) => a.name).sort();
        assert.deepEqual(names, ['stcontosoeastus', 'stcontosowesteu']);
        const byRg = await armGet(`/subscriptions/${SUB_DEV}/resourceGroups/rg-secure/providers/Microsoft.Storage/storageAccounts`);
        const [acct] = byRg.json.value as { id: string; location: string; properties: { primaryEndpoints: { blob: string } } }[];
        assert.equal(acct.location, 'eastus');
        const blobEndpoint = acct.properties.primaryEndpoints.blob;
        assert.ok(blobEndpoint.startsWith(kit.sb.info.storageEndpoint.replace(/devstoreaccount1$/, '')));
        const keys = await armGet(`${acct.id}/listKeys`);
        const key = (keys.json.keys as { value: string }[])[0].value;
        const service = new BlobServiceClient(blobEndpoint, new StorageSharedKeyCredential('stcontosoeastus', key));
        const blobs: string[] = [];
        for await (const b of service.getContainerClient('osimages').listBlobsFlat()) blobs.push(b.name);
        assert.deepEqual(blobs.sort(), ['block.vhd', 'osimage.vhd', 'raw.img', 'vmgs.vhd', 'vmmd.vhd']);
        assert.ok((await kit.sb.control.issuedSecrets()).storageAccountKeys.includes(key), 'account keys are listed for leak checks');
        const viaKit = await storageAccountService(kit.sb.info, 'stcontosoeastus');
        assert.equal(viaKit.url.replace(/\/$/, ''), blobEndpoint.replace(/\/$/, ''));
        assert.equal(await viaKit.getContainerClient('osimages').getPageBlobClient('osimage.vhd').exists(), true);
        const other = await armGet(`/subscriptions/${SUB_OTHER}/providers/Microsoft.Storage/storageAccounts`);
        assert.equal(other.status, 401, 'another tenant\'s subscription needs that tenant\'s token');
    });
});

describe('snapshots', () => {
    it('snapshots a disk attached to a running VM (incremental), readable as VHD and VHDX, then deletes it', async () => {
        const s = kit.arm.compute(SUB_DEV).snapshots;
        const src = seeded('web-os-01');
        const snap = await s.createOrUpdate('rg-web', 'web-os-01-snap', { location: 'westeurope', incremental: true, creationData: { createOption: 'Copy', sourceResourceId: src.id } }, fastPolls).pollUntilDone();
        assert.equal(snap.provisioningState, 'Succeeded');
        assert.equal(snap.incremental, true);
        assert.equal(snap.creationData?.sourceResourceId, src.id);
        assert.ok(snap.incrementalSnapshotFamilyId);
        assert.equal((await kit.arm.compute(SUB_DEV).disks.get('rg-web', 'web-os-01')).diskState, 'Attached', 'the VM keeps running');
        assert.deepEqual(await readBack('snapshots', 'rg-web', 'web-os-01-snap'), { accessSAS: src.blobs.disk.sha256 });
        const vhdx = await s.grantAccess('rg-web', 'web-os-01-snap', { access: 'Read', durationInSeconds: 600, fileFormat: 'VHDX' }, fastPolls).pollUntilDone();
        const head = await fetch(vhdx.accessSAS!, { headers: { Range: `bytes=0-${320 * 1024 - 1}` } });
        assert.equal(checkVhdxHeader(Buffer.from(await head.arrayBuffer())).passed, true);
        await s.revokeAccess('rg-web', 'web-os-01-snap', fastPolls).pollUntilDone();
        await s.delete('rg-web', 'web-os-01-snap', fastPolls).pollUntilDone();
        assert.equal((await errorOf(s.get('rg-web', 'web-os-01-snap'))).statusCode, 404);
    });

    it('refuses a Copy into another region, a missing source and a source of another tenant', async () => {
        const s = kit.arm.compute(SUB_DEV).snapshots;
        const region = await errorOf(s.createOrUpdate('rg-web', 'x', { location: 'eastus', creationData: { createOption: 'Copy', sourceResourceId: seeded('web-data-01').id } }, fastPolls).pollUntilDone());
        assert.equal(region.statusCode, 400);
        assert.match(region.message, /CopyStart/);
        const missing = await errorOf(s.createOrUpdate('rg-web', 'x', { location: 'westeurope', creationData: { createOption: 'Copy', sourceResourceId: `/subscriptions/${SUB_DEV}/resourceGroups/rg-web/providers/Microsoft.Compute/disks/nope` } }, fastPolls).pollUntilDone());
        assert.equal(missing.statusCode, 404);
        const tenant = await errorOf(s.createOrUpdate('rg-web', 'x', { location: 'westus3', creationData: { createOption: 'Copy', sourceResourceId: seeded('fabrikam-data').id } }, fastPolls).pollUntilDone());
        assert.equal(tenant.statusCode, 403);
        assert.equal(tenant.code, 'LinkedAuthorizationFailed');
    });

    it('CopyStart copies an incremental snapshot to another region, completionPercent moving over polls', async () => {
        const s = kit.arm.compute(SUB_DEV).snapshots;
        const src = seeded('web-data-01-incr');
        const body = { location: 'eastus', incremental: true, creationData: { createOption: 'CopyStart' as const, sourceResourceId: src.id } };
        const made = await s.createOrUpdate('rg-secure', 'web-data-01-incr-eastus', body, fastPolls).pollUntilDone();
        assert.equal(made.provisioningState, 'Succeeded');
        const seen: number[] = [made.completionPercent ?? -1];
        const early = await errorOf(s.grantAccess('rg-secure', 'web-data-01-incr-eastus', { access: 'Read', durationInSeconds: 60 }, fastPolls).pollUntilDone());
        assert.equal(early.statusCode, 409, 'not readable before the copy completes');
        for (let i = 0; i < 10 && seen[seen.length - 1] < 100; i++) seen.push((await s.get('rg-secure', 'web-data-01-incr-eastus')).completionPercent ?? -1);
        assert.ok(seen[0] >= 0 && seen[0] < 100, `copy still running after the PUT: ${seen[0]}%`);
        for (let i = 1; i < seen.length; i++) assert.equal(seen[i], seen[i - 1] + 25, `progress ${seen.join(' → ')}`);
        assert.equal(seen[seen.length - 1], 100);
        assert.deepEqual(await readBack('snapshots', 'rg-secure', 'web-data-01-incr-eastus'), { accessSAS: src.blobs.disk.sha256 });
        const same = await errorOf(s.createOrUpdate('rg-data', 'y', { ...body, location: 'westeurope' }, fastPolls).pollUntilDone());
        assert.equal(same.statusCode, 400);
        const full = await errorOf(s.createOrUpdate('rg-secure', 'y', { ...body, creationData: { createOption: 'CopyStart', sourceResourceId: seeded('web-data-01-full').id } }, fastPolls).pollUntilDone());
        assert.equal(full.statusCode, 400);
        assert.match(full.message, /incremental/);
    });
});

describe('disks from disks', () => {
    it('copies a confidential disk through a snapshot with all three blobs, byte-exact', async () => {
        const src = seeded('cvm-os');
        const s = kit.arm.compute(SUB_DEV).snapshots;
        await s.createOrUpdate('rg-secure', 'cvm-os-snap', { location: 'eastus', incremental: false, creationData: { createOption: 'Copy', sourceResourceId: src.id } }, fastPolls).pollUntilDone();
        const d = await kit.arm.compute(SUB_DEV).disks.createOrUpdate('rg-secure', 'cvm-os-copy', { location: 'eastus', creationData: { createOption: 'Copy', sourceResourceId: `/subscriptions/${SUB_DEV}/resourceGroups/rg-secure/providers/Microsoft.Compute/snapshots/cvm-os-snap` } }, fastPolls).pollUntilDone();
        assert.equal(d.diskState, 'Unattached');
        assert.equal(d.securityProfile?.securityType, src.securityType);
        assert.deepEqual(await readBack('disks', 'rg-secure', 'cvm-os-copy', true), {
            accessSAS: src.blobs.disk.sha256,
            securityDataAccessSAS: src.blobs.vmgs!.sha256,
            securityMetadataAccessSAS: src.blobs.vmmd!.sha256,
        });
    });

    it('copies a disk of another subscription of the same tenant', async () => {
        const src = seeded('prod-db-01-nightly');
        const d = await kit.arm.compute(SUB_DEV).disks.createOrUpdate('rg-data', 'prod-db-restore', { location: 'eastus2', creationData: { createOption: 'Copy', sourceResourceId: src.id } }, fastPolls).pollUntilDone();
        assert.equal(d.location, 'eastus2');
        assert.deepEqual(await readBack('disks', 'rg-data', 'prod-db-restore'), { accessSAS: src.blobs.disk.sha256 });
    });
});

describe('ImportSecure', () => {
    const account = `/subscriptions/${SUB_DEV}/resourceGroups/rg-secure/providers/Microsoft.Storage/storageAccounts/stcontosoeastus`;
    let endpoint = '';
    let service: BlobServiceClient;
    const blobUri = (name: string) => `${endpoint}osimages/${name}`;

    before(async () => {
        const a = await armGet(account);
        endpoint = (a.json.properties as { primaryEndpoints: { blob: string } }).primaryEndpoints.blob;
        const key = ((await armGet(`${account}/listKeys`)).json.keys as { value: string }[])[0].value;
        service = new BlobServiceClient(endpoint, new StorageSharedKeyCredential('stcontosoeastus', key));
    });

    const sourceSha = async (name: string) => sha256(await service.getContainerClient('osimages').getPageBlobClient(name).downloadToBuffer());
    const disk = (securityType: string, creation: Record<string, string>, location = 'eastus') => ({
        location, osType: 'Windows' as const, securityProfile: { securityType },
        creationData: { createOption: 'ImportSecure' as const, storageAccountId: account, ...creation },
    });

    it('imports the OS, VMGS and VMMD blobs; without the metadata blob the disk has none', async () => {
        const c = kit.arm.compute(SUB_DEV).disks;
        const d = await c.createOrUpdate('rg-secure', 'imported-cvm', disk('ConfidentialVM_VMGuestStateOnlyEncryptedWithPlatformKey', { sourceUri: blobUri('osimage.vhd'), securityDataUri: blobUri('vmgs.vhd'), securityMetadataUri: blobUri('vmmd.vhd') }), fastPolls).pollUntilDone();
        assert.equal(d.provisioningState, 'Succeeded');
        assert.equal(d.creationData?.securityMetadataUri, blobUri('vmmd.vhd'));
        assert.equal(d.diskSizeBytes, 32 * 1024 * 1024);
        assert.deepEqual(await readBack('disks', 'rg-secure', 'imported-cvm', true), {
            accessSAS: await sourceSha('osimage.vhd'),
            securityDataAccessSAS: await sourceSha('vmgs.vhd'),
            securityMetadataAccessSAS: await sourceSha('vmmd.vhd'),
        });
        await c.createOrUpdate('rg-secure', 'imported-cvm-nomd', disk('ConfidentialVM_VMGuestStateOnlyEncryptedWithPlatformKey', { sourceUri: blobUri('osimage.vhd'), securityDataUri: blobUri('vmgs.vhd') }), fastPolls).pollUntilDone();
        const g = await readBack('disks', 'rg-secure', 'imported-cvm-nomd', true);
        assert.deepEqual(Object.keys(g).sort(), ['accessSAS', 'securityDataAccessSAS']);
    });

    it('refuses what the service refuses', async () => {
        const c = kit.arm.compute(SUB_DEV).disks;
        const both = { sourceUri: blobUri('osimage.vhd'), securityDataUri: blobUri('vmgs.vhd') };
        const cases: [string, ReturnType<typeof disk>, number, RegExp][] = [
            ['metadata without a type that takes it', disk('TrustedLaunch', { ...both, securityMetadataUri: blobUri('vmmd.vhd') }), 400, /securityMetadataUri/],
            ['another region', disk('TrustedLaunch', both, 'westeurope'), 400, /same region/],
            ['a blob of another account', disk('TrustedLaunch', { ...both, sourceUri: blobUri('osimage.vhd').replace('stcontosoeastus', 'stcontosowesteu') }), 400, /sourceUri/],
            ['no securityDataUri', disk('TrustedLaunch', { sourceUri: blobUri('osimage.vhd') }), 400, /securityDataUri/],
            ['a raw image, not a fixed VHD', disk('TrustedLaunch', { ...both, sourceUri: blobUri('raw.img') }), 400, /conectix/],
            ['a block blob', disk('TrustedLaunch', { ...both, sourceUri: blobUri('block.vhd') }), 400, /page blob/],
            ['a blob that does not exist', disk('TrustedLaunch', { ...both, securityDataUri: blobUri('nope.vhd') }), 400, /does not exist/],
        ];
        for (const [what, body, status, message] of cases) {
            const e = await errorOf(c.createOrUpdate('rg-secure', 'import-refused', body, fastPolls).pollUntilDone());
            if (e.statusCode !== undefined) assert.equal(e.statusCode, status, what);
            assert.match(e.message, message, what);
            await c.delete('rg-secure', 'import-refused', fastPolls).pollUntilDone();
        }
        const noProfile = await errorOf(c.createOrUpdate('rg-secure', 'import-refused', { location: 'eastus', creationData: { createOption: 'ImportSecure', storageAccountId: account, ...both } }, fastPolls).pollUntilDone());
        assert.equal(noProfile.statusCode, 400);
        assert.match(noProfile.message, /securityProfile/);
    });

    it('the account blobs are not disk blobs: Put Blob works there', async () => {
        const c = service.getContainerClient('scratch');
        await c.createIfNotExists();
        await c.getBlockBlobClient('a.txt').upload('x', 1);
    });
});
