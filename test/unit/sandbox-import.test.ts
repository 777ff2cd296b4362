/**
 * ImportSecure in the sandbox, by the wire contract of the REST examples
 * Disk_Create_FromImportSecure.json and Disk_Create_FromImportSecure_WithVMMetadata.json (DiskRP
 * 2025-01-02): the same request answers 202 with the polling headers and the disk Updating, then
 * Succeeded with creationData as sent. Then the extension's own import service against it: the
 * storage accounts, their blobs, the import, and each refusal in plain words.
 */
import { after, before, describe, it } from 'node:test';
import * as assert from 'node:assert/strict';
import type { AzureSession } from '../../src/azure/auth';
import { listAccountBlobs, readVhdFooter } from '../../src/azure/accountBlobs';
import { ArmImportService, type StorageAccountInfo } from '../../src/azure/importService';
import { DiskError } from '../../src/shared/errors';
import { importRefusal, type ImportContext } from '../../src/shared/importRules';
import { startSandbox, type Sandbox } from '../sandbox/index';
import { SUB_DEV, MAIN_TENANT } from '../sandbox/seed';
import { armClientsFor, sandboxCloud, sha256, sparseSha256, storageAccountService } from '../sandbox/testkit';
import { errorOf } from './support';

let sb: Sandbox;
let service: ArmImportService;
const rg = { tenantId: '', subscriptionId: SUB_DEV, name: 'rg-secure', location: 'eastus' };
const ACCOUNT_PATH = `subscriptions/${SUB_DEV}/resourceGroups/rg-secure/providers/Microsoft.Storage/storageAccounts/stcontosoeastus`;

before(async () => {
    sb = await startSandbox({ lroPolls: 1, retryAfterSeconds: 0, skipLargeDisk: true });
    const arm = await armClientsFor(sb.info);
    const session = { cloud: sandboxCloud(sb.info), clients: async () => arm } as unknown as AzureSession;
    service = new ArmImportService(async () => session, { pollIntervalMs: 10 });
    rg.tenantId = MAIN_TENANT;
});

after(async () => {
    await sb?.stop();
});

async function arm(method: string, pathOrUrl: string, body?: unknown, apiVersion = '2025-01-02'): Promise<{ status: number; headers: Headers; json: Record<string, unknown> }> {
    const { accessToken } = await sb.control.token();
    const url = pathOrUrl.startsWith('http') ? pathOrUrl : `${sb.info.armEndpoint}/${pathOrUrl.replace(/^\//, '')}?api-version=${apiVersion}`;
    const res = await fetch(url, { method, headers: { Authorization: `Bearer ${accessToken}`, 'Content-Type': 'application/json' }, body: body === undefined ? undefined : JSON.stringify(body) });
    const text = await res.text();
    return { status: res.status, headers: res.headers, json: text ? (JSON.parse(text) as Record<string, unknown>) : {} };
}

describe('ImportSecure, as the REST examples', () => {
    let endpoint = '';
    before(async () => {
        const a = await arm('GET', ACCOUNT_PATH, undefined, '2023-05-01');
        endpoint = (a.json.properties as { primaryEndpoints: { blob: string } }).primaryEndpoints.blob;
    });

    for (const withMetadata of [false, true]) {
        it(`${withMetadata ? 'Disk_Create_FromImportSecure_WithVMMetadata' : 'Disk_Create_FromImportSecure'}: 202 + polling headers, Updating, then Succeeded with creationData as sent`, async () => {
            const name = withMetadata ? 'example-import-md' : 'example-import';
            const creationData: Record<string, string> = {
                createOption: 'ImportSecure',
                // As in the example: the account id without its leading slash.
                storageAccountId: ACCOUNT_PATH,
                sourceUri: `${endpoint}osimages/osimage.vhd`,
                securityDataUri: `${endpoint}osimages/vmgs.vhd`,
                ...(withMetadata ? { securityMetadataUri: `${endpoint}osimages/vmmd.vhd` } : {}),
            };
            const properties = { osType: 'Windows', securityProfile: { securityType: 'ConfidentialVM_VMGuestStateOnlyEncryptedWithPlatformKey' }, creationData };
            const put = await arm('PUT', `subscriptions/${SUB_DEV}/resourceGroups/rg-secure/providers/Microsoft.Compute/disks/${name}`, { location: 'East US', properties });
            assert.equal(put.status, 202);
            for (const h of ['location', 'azure-asyncoperation', 'retry-after']) assert.ok(put.headers.get(h), `${h} header`);
            assert.match(put.headers.get('location')!, /monitor=true/);
            assert.equal(put.json.name, name);
            assert.match(String(put.json.id), new RegExp(`/providers/Microsoft.Compute/disks/${name}$`));
            const p = put.json.properties as Record<string, unknown>;
            assert.equal(p.provisioningState, 'Updating');
            assert.equal(p.osType, 'Windows');
            assert.deepEqual(p.securityProfile, properties.securityProfile);
            assert.deepEqual(p.creationData, creationData, 'creationData echoed as sent');

            let status = '';
            // Poll as a client does (Retry-After is 0 here) until the operation ends.
            const deadline = Date.now() + 60_000;
            for (;;) {
                const poll = await arm('GET', put.headers.get('azure-asyncoperation')!);
                assert.equal(poll.status, 200);
                status = String(poll.json.status);
                if (status !== 'InProgress' || Date.now() > deadline) break;
                await new Promise((r) => setTimeout(r, 50));
            }
            assert.equal(status, 'Succeeded');
            const done = await arm('GET', put.headers.get('location')!);
            assert.equal(done.status, 200);
            const dp = done.json.properties as Record<string, unknown>;
            assert.equal(dp.provisioningState, 'Succeeded');
            assert.deepEqual(dp.creationData, creationData);
            assert.deepEqual(dp.securityProfile, properties.securityProfile);
            const got = await arm('GET', `subscriptions/${SUB_DEV}/resourceGroups/rg-secure/providers/Microsoft.Compute/disks/${name}`);
            assert.equal((got.json.properties as Record<string, unknown>).diskState, 'Unattached');
        });
    }
});

describe('the extension\'s import service against the sandbox', () => {
    let accounts: StorageAccountInfo[];
    let east: StorageAccountInfo;
    const url = (name: string) => `${east.blobEndpoint}osimages/${name}`;
    const ctxFor = (uris: ImportContext['uris'], securityType = 'ConfidentialVM_VMGuestStateOnlyEncryptedWithPlatformKey', diskLocation = 'eastus'): ImportContext => ({ accountName: east.name, accountLocation: east.location, diskLocation, securityType, uris });

    before(async () => {
        accounts = await service.listStorageAccounts({ tenantId: MAIN_TENANT, subscriptionId: SUB_DEV, displayName: 'dev' });
        east = accounts.find((a) => a.name === 'stcontosoeastus')!;
    });

    it('lists the subscription\'s storage accounts with their region and blob endpoint, and an account\'s blobs with its key', async () => {
        assert.deepEqual(accounts.map((a) => `${a.name}@${a.location}`), ['stcontosoeastus@eastus', 'stcontosowesteu@westeurope']);
        assert.equal(east.resourceGroup, 'rg-secure');
        assert.match(east.blobEndpoint, /^http:\/\/127\.0\.0\.1:\d+\/stcontosoeastus\/$/);
        const key = await service.accountKey(east);
        const { blobs } = await listAccountBlobs(east.blobEndpoint, { kind: 'key', accountName: east.name, key });
        assert.deepEqual(blobs.map((b) => `${b.name}:${b.blobType}`).sort(), ['block.vhd:BlockBlob', 'osimage.vhd:PageBlob', 'raw.img:PageBlob', 'vmgs.vhd:PageBlob', 'vmmd.vhd:PageBlob']);
        const os = blobs.find((b) => b.name === 'osimage.vhd')!;
        assert.equal(os.url, url('osimage.vhd'), 'a plain URL, no query');
        assert.equal(os.size, 32 * 1024 * 1024 + 512);
        assert.equal((await readVhdFooter(east.blobEndpoint, { kind: 'key', accountName: east.name, key }, os)).passed, true);
        assert.equal((await readVhdFooter(east.blobEndpoint, { kind: 'key', accountName: east.name, key }, blobs.find((b) => b.name === 'raw.img')!)).passed, false, 'a page blob without footer');
    });

    it('lists the blobs with a pasted account SAS or container SAS too, and the URLs it gives carry no SAS', async () => {
        const sdk = await import('@azure/storage-blob');
        const cred = new sdk.StorageSharedKeyCredential(east.name, await service.accountKey(east));
        const expiresOn = new Date(Date.now() + 3600_000);
        const accountSas = sdk.generateAccountSASQueryParameters({ expiresOn, permissions: sdk.AccountSASPermissions.parse('rl'), services: 'b', resourceTypes: 'sco' }, cred).toString();
        const viaAccount = await listAccountBlobs(east.blobEndpoint, { kind: 'sas', sas: `?${accountSas}` });
        assert.equal(viaAccount.blobs.length, 5);
        const containerSas = sdk.generateBlobSASQueryParameters({ containerName: 'osimages', expiresOn, permissions: sdk.ContainerSASPermissions.parse('rl') }, cred).toString();
        const viaContainer = await listAccountBlobs(east.blobEndpoint, { kind: 'sas', sas: `${east.blobEndpoint}osimages?${containerSas}` });
        assert.deepEqual(viaContainer.blobs.map((b) => b.name).sort(), viaAccount.blobs.map((b) => b.name).sort());
        for (const b of [...viaAccount.blobs, ...viaContainer.blobs]) assert.equal(new URL(b.url).search, '', `${b.name}: no query`);
        const os = viaContainer.blobs.find((b) => b.name === 'osimage.vhd')!;
        assert.equal((await readVhdFooter(east.blobEndpoint, { kind: 'sas', sas: `${east.blobEndpoint}osimages?${containerSas}` }, os)).passed, true);
    });

    it('imports with and without the metadata blob; each disk blob holds its source\'s bytes', async () => {
        const src = await storageAccountService(sb.info, 'stcontosoeastus');
        const shaOf = async (n: string) => sha256(await src.getContainerClient('osimages').getPageBlobClient(n).downloadToBuffer());
        for (const md of [true, false]) {
            const name = md ? 'svc-import-md' : 'svc-import';
            // The disk type asked for (or Azure's default, Standard HDD, when none is sent).
            const sku = md ? 'Premium_LRS' : undefined;
            const made = await service.importSecure(rg, { name, account: east, osType: 'Linux', securityType: 'ConfidentialVM_DiskEncryptedWithPlatformKey', sku, sourceUri: url('osimage.vhd'), securityDataUri: url('vmgs.vhd'), ...(md ? { securityMetadataUri: url('vmmd.vhd') } : {}) });
            assert.equal(made.name, name);
            assert.equal(made.sku, sku ?? 'Standard_LRS');
            assert.equal(made.location, 'eastus');
            assert.equal(made.securityType, 'ConfidentialVM_DiskEncryptedWithPlatformKey');
            const compute = (await armClientsFor(sb.info)).compute(SUB_DEV).disks;
            const g = await compute.grantAccess('rg-secure', name, { access: 'Read', durationInSeconds: 600, getSecureVMGuestStateSAS: true }, { updateIntervalInMs: 10 }).pollUntilDone();
            assert.equal((await sparseSha256(g.accessSAS!)).sha256, await shaOf('osimage.vhd'));
            assert.equal((await sparseSha256(g.securityDataAccessSAS!)).sha256, await shaOf('vmgs.vhd'));
            if (md) assert.equal((await sparseSha256(g.securityMetadataAccessSAS!)).sha256, await shaOf('vmmd.vhd'));
            else assert.equal(g.securityMetadataAccessSAS, undefined);
            await compute.revokeAccess('rg-secure', name, { updateIntervalInMs: 10 }).pollUntilDone();
        }
    });

    it('takes every disk type Azure takes, and refuses one it does not', async () => {
        const compute = (await armClientsFor(sb.info)).compute(SUB_DEV).disks;
        for (const sku of ['Standard_LRS', 'StandardSSD_LRS', 'Premium_LRS', 'StandardSSD_ZRS', 'Premium_ZRS', 'UltraSSD_LRS', 'PremiumV2_LRS']) {
            const made = await compute.beginCreateOrUpdateAndWait('rg-secure', `sku-${sku.toLowerCase().replace(/_/g, '-')}`, { location: 'eastus', sku: { name: sku }, creationData: { createOption: 'Upload', uploadSizeBytes: 20 * 1024 * 1024 + 512 } }, { updateIntervalInMs: 10 });
            assert.equal(made.sku?.name, sku);
        }
        const bad = await errorOf(compute.beginCreateOrUpdateAndWait('rg-secure', 'sku-bad', { location: 'eastus', sku: { name: 'Fast_LRS' }, creationData: { createOption: 'Upload', uploadSizeBytes: 20 * 1024 * 1024 + 512 } }, { updateIntervalInMs: 10 }));
        assert.equal(bad.statusCode, 400);
        assert.match(bad.message, /'Fast_LRS' of parameter 'sku.name' is invalid/);
    });

    it('turns each refusal Azure gives into plain words naming the fix', async () => {
        const both = { sourceUri: url('osimage.vhd'), securityDataUri: url('vmgs.vhd') };
        const cases: { what: string; uris: ImportContext['uris']; securityType?: string; account?: StorageAccountInfo; code: string; words: RegExp }[] = [
            { what: 'a block blob', uris: { ...both, sourceUri: url('block.vhd') }, code: 'ImportNotPageBlob', words: /OS disk blob block\.vhd is a block blob; Azure imports only page blobs.*--blob-type PageBlob/ },
            { what: 'a page blob without a VHD footer', uris: { ...both, securityDataUri: url('raw.img') }, code: 'ImportNotFixedVhd', words: /VM guest state \(VMGS\) blob raw\.img is not a fixed VHD.*qemu-img convert/ },
            { what: 'another region', uris: both, account: { ...accounts.find((a) => a.name === 'stcontosoeastus')!, location: 'westeurope' }, code: 'ImportOtherRegion', words: /stcontosoeastus is in .* and the disk would be in/ },
            { what: 'metadata without a type that takes it', uris: { ...both, securityMetadataUri: url('vmmd.vhd') }, securityType: 'TrustedLaunch', code: 'ImportMetadataNotTaken', words: /only with a Confidential VM security type; TrustedLaunch takes none/ },
            { what: 'a blob that does not exist', uris: { ...both, sourceUri: url('missing.vhd') }, code: 'ImportBlobNotFound', words: /OS disk blob missing\.vhd was not found in storage account stcontosoeastus/ },
        ];
        for (const c of cases) {
            const account = c.account ?? east;
            const securityType = c.securityType ?? 'ConfidentialVM_VMGuestStateOnlyEncryptedWithPlatformKey';
            const e = await errorOf(service.importSecure(rg, { name: 'svc-refused', account, osType: 'Windows', securityType, sourceUri: c.uris.sourceUri!, securityDataUri: c.uris.securityDataUri!, securityMetadataUri: c.uris.securityMetadataUri }));
            const plain = importRefusal(e, { ...ctxFor(c.uris, securityType, account.location), accountLocation: 'eastus' });
            assert.ok(plain instanceof DiskError, `${c.what}: mapped (${e.message})`);
            assert.equal(plain.code, c.code, c.what);
            assert.match(`${plain.message} ${plain.nextStep ?? ''}`, c.words, c.what);
            // A refusal found in the operation leaves the disk Failed in the sandbox; the feature deletes it.
            await (await armClientsFor(sb.info)).compute(SUB_DEV).disks.delete('rg-secure', 'svc-refused', { updateIntervalInMs: 10 }).pollUntilDone();
        }
    });
});
