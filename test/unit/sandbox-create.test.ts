/**
 * Creating and deleting disks in the sandbox (Upload, UploadPreparedSecure, DELETE), through the
 * extension's own ARM clients and @azure/storage-blob, in the shape of the service's REST examples.
 */
import { describe, it } from 'node:test';
import * as assert from 'node:assert/strict';
import * as crypto from 'node:crypto';
import { AnonymousCredential, PageBlobClient } from '@azure/storage-blob';
import { SUB_DEV } from '../sandbox/seed';
import { parseSas } from '../sandbox/testkit';
import { fastPolls, sandboxForFile } from './sandboxKit';
import { errorOf } from './support';

const MiB = 1024 * 1024;
const kit = sandboxForFile();

/** A raw PUT/DELETE/GET with a sandbox token, to see status codes and headers the SDK hides. */
async function raw(method: string, path: string, body?: unknown): Promise<{ status: number; headers: Headers; json: Record<string, unknown> }> {
    const { accessToken } = await kit.sb.control.token();
    const res = await fetch(`${kit.sb.info.armEndpoint}${path}?api-version=2025-01-02`, {
        method,
        headers: { Authorization: `Bearer ${accessToken}`, ...(body ? { 'Content-Type': 'application/json' } : {}) },
        body: body ? JSON.stringify(body) : undefined,
    });
    const text = await res.text();
    return { status: res.status, headers: res.headers, json: text ? JSON.parse(text) as Record<string, unknown> : {} };
}

const diskPath = (rg: string, name: string) => `/subscriptions/${SUB_DEV}/resourceGroups/${rg}/providers/Microsoft.Compute/disks/${name}`;

describe('create for upload', () => {
    it('answers 202 in provisioningState Updating with the polling headers, then Succeeded', async () => {
        const r = await raw('PUT', diskPath('rg-data', 'raw-upload'), { location: 'West Europe', properties: { creationData: { createOption: 'Upload', uploadSizeBytes: 20 * MiB + 512 } } });
        assert.equal(r.status, 202);
        const props = r.json.properties as Record<string, unknown>;
        assert.equal(props.provisioningState, 'Updating');
        assert.deepEqual(props.creationData, { createOption: 'Upload', uploadSizeBytes: 20 * MiB + 512 });
        assert.equal(r.json.location, 'westeurope');
        assert.match(r.headers.get('location') ?? '', /\/providers\/Microsoft\.Compute\/locations\/westeurope\/operations\/[^?]+\?monitor=true&api-version=/);
        assert.ok(r.headers.get('azure-asyncoperation'));
        assert.equal(r.headers.get('retry-after'), '0');
        const disk = await kit.arm.compute(SUB_DEV).disks.get('rg-data', 'raw-upload');
        assert.equal(disk.provisioningState, 'Updating');
        await kit.arm.compute(SUB_DEV).disks.delete('rg-data', 'raw-upload', fastPolls).pollUntilDone().catch(() => undefined);
    });

    it('refuses a bad uploadSizeBytes, a missing location, a secure upload without security profile', async () => {
        const c = kit.arm.compute(SUB_DEV).disks;
        for (const size of [20 * MiB + 511, 30 * MiB, 20 * MiB, 32 * 1024 * 1024 * MiB + 512 + MiB]) {
            const e = await errorOf(c.createOrUpdate('rg-data', 'bad-size', { location: 'westeurope', creationData: { createOption: 'Upload', uploadSizeBytes: size } }, fastPolls).pollUntilDone());
            assert.equal(e.statusCode, 400, `size ${size}`);
            assert.equal(e.code, 'InvalidParameter');
            assert.match(e.message, /uploadSizeBytes/);
        }
        const noLoc = await raw('PUT', diskPath('rg-data', 'no-loc'), { properties: { creationData: { createOption: 'Upload', uploadSizeBytes: 32 * MiB + 512 } } });
        assert.equal(noLoc.status, 400);
        assert.equal((noLoc.json.error as Record<string, unknown>).code, 'LocationRequired');
        const e = await errorOf(c.createOrUpdate('rg-secure', 'no-profile', { location: 'eastus', creationData: { createOption: 'UploadPreparedSecure', uploadSizeBytes: 32 * MiB + 512 } }, fastPolls).pollUntilDone());
        assert.equal(e.statusCode, 400);
        assert.match(e.message, /securityProfile/);
        // None of them left a disk behind.
        for (const [rg, n] of [['rg-data', 'bad-size'], ['rg-data', 'no-loc'], ['rg-secure', 'no-profile']]) {
            assert.equal((await errorOf(c.get(rg, n))).statusCode, 404);
        }
    });

    it('treats a PUT on a taken name as an update: another createOption or size is refused with 409', async () => {
        const c = kit.arm.compute(SUB_DEV).disks;
        const e = await errorOf(c.createOrUpdate('rg-web', 'web-data-01', { location: 'westeurope', creationData: { createOption: 'Upload', uploadSizeBytes: 32 * MiB + 512 } }, fastPolls).pollUntilDone());
        assert.equal(e.statusCode, 409);
        assert.equal(e.code, 'PropertyChangeNotAllowed');
        assert.match(e.message, /createOption/);
        const size = await errorOf(c.createOrUpdate('rg-data', 'upload-target', { location: 'westeurope', creationData: { createOption: 'Upload', uploadSizeBytes: 64 * MiB + 512 } }, fastPolls).pollUntilDone());
        assert.equal(size.statusCode, 409);
        assert.match(size.message, /uploadSizeBytes/);
        assert.equal((await c.get('rg-web', 'web-data-01')).diskState, 'Unattached');
    });

    it('round trip: create → ReadyToUpload → Write SAS (rw) → Put Page → revoke → Unattached → Read → same bytes → delete', async () => {
        const c = kit.arm.compute(SUB_DEV).disks;
        const size = 24 * MiB + 512;
        const created = await c.createOrUpdate('rg-data', 'uploaded-01', { location: 'westeurope', sku: { name: 'Standard_LRS' }, osType: 'Linux', creationData: { createOption: 'Upload', uploadSizeBytes: size } }, fastPolls).pollUntilDone();
        assert.equal(created.provisioningState, 'Succeeded');
        assert.equal(created.diskState, 'ReadyToUpload');
        assert.equal(created.creationData?.uploadSizeBytes, size);

        const read = await errorOf(c.grantAccess('rg-data', 'uploaded-01', { access: 'Read', durationInSeconds: 600 }, fastPolls).pollUntilDone());
        assert.equal(read.statusCode, 409);
        const grant = await c.grantAccess('rg-data', 'uploaded-01', { access: 'Write', durationInSeconds: 600 }, fastPolls).pollUntilDone();
        assert.equal((await c.get('rg-data', 'uploaded-01')).diskState, 'ActiveUpload');
        const sas = grant.accessSAS!;
        assert.equal(parseSas(sas).params.get('sp'), 'rw');
        const blob = new PageBlobClient(sas, new AnonymousCredential());
        assert.equal((await blob.getProperties()).contentLength, size, 'the page blob is exactly uploadSizeBytes');
        const page = crypto.randomBytes(MiB);
        await blob.uploadPages(page, 3 * MiB, MiB);
        const ranges = [];
        for await (const r of blob.listPageRanges()) ranges.push({ start: r.start, end: r.end });
        assert.deepEqual(ranges, [{ start: 3 * MiB, end: 4 * MiB - 1 }]);

        // A Put Blob on a disk's blob would recreate it: refused.
        const putBlob = await fetch(sas, { method: 'PUT', headers: { 'x-ms-blob-type': 'PageBlob', 'x-ms-blob-content-length': String(size), 'Content-Length': '0' } });
        assert.equal(putBlob.status, 403);
        assert.equal(putBlob.headers.get('x-ms-error-code'), 'AuthorizationPermissionMismatch');
        assert.match(await putBlob.text(), /^<\?xml.*<Error><Code>AuthorizationPermissionMismatch<\/Code>/s);

        const busy = await errorOf(c.delete('rg-data', 'uploaded-01', fastPolls).pollUntilDone());
        assert.equal(busy.statusCode, 409, 'a disk with an active SAS cannot be deleted');
        assert.match(busy.message, /active SAS/);

        await c.revokeAccess('rg-data', 'uploaded-01', fastPolls).pollUntilDone();
        assert.equal((await c.get('rg-data', 'uploaded-01')).diskState, 'Unattached');
        const after = await fetch(sas, { headers: { Range: `bytes=${3 * MiB}-${4 * MiB - 1}` } });
        assert.equal(after.status, 403, 'the revoked Write SAS is refused');
        await after.arrayBuffer();

        const readGrant = await c.grantAccess('rg-data', 'uploaded-01', { access: 'Read', durationInSeconds: 600 }, fastPolls).pollUntilDone();
        assert.equal(parseSas(readGrant.accessSAS!).params.get('sp'), 'r');
        const readBlob = new PageBlobClient(readGrant.accessSAS!, new AnonymousCredential());
        assert.ok(page.equals(await readBlob.downloadToBuffer(3 * MiB, MiB)), 'the page reads back byte-exact');
        const write = await errorOf(readBlob.uploadPages(page, 0, MiB));
        assert.equal(write.statusCode, 403, 'Put Page needs a Write SAS');
        await c.revokeAccess('rg-data', 'uploaded-01', fastPolls).pollUntilDone();

        await c.delete('rg-data', 'uploaded-01', fastPolls).pollUntilDone();
        assert.equal((await errorOf(c.get('rg-data', 'uploaded-01'))).statusCode, 404);
        // The blob went with the disk (asked of Azurite itself, past the proxy's revoked-SAS check).
        const { container, blob: name } = parseSas(sas);
        const { serviceClient } = await import('../sandbox/blobs');
        const { DEV_ACCOUNT_KEY, DEV_ACCOUNT_NAME } = await import('../sandbox/azurite');
        const direct = serviceClient(kit.sb.info.storageEndpoint, DEV_ACCOUNT_NAME, DEV_ACCOUNT_KEY);
        assert.equal(await direct.getContainerClient(container).getBlobClient(name).exists(), false);
    });

    it('UploadPreparedSecure makes the disk, VMGS and (for confidential types) VMMD blobs, all writable', async () => {
        const c = kit.arm.compute(SUB_DEV).disks;
        const cases: [string, string, boolean][] = [
            ['cvm-upload', 'ConfidentialVM_VMGuestStateOnlyEncryptedWithPlatformKey', true],
            ['cvm-upload-dek', 'ConfidentialVM_DiskEncryptedWithPlatformKey', true],
            ['tl-upload', 'TrustedLaunch', false],
        ];
        for (const [name, securityType, vmmd] of cases) {
            const d = await c.createOrUpdate('rg-secure', name, { location: 'eastus', osType: 'Windows', hyperVGeneration: 'V2', securityProfile: { securityType }, creationData: { createOption: 'UploadPreparedSecure', uploadSizeBytes: 32 * MiB + 512 } }, fastPolls).pollUntilDone();
            assert.equal(d.diskState, 'ReadyToUpload');
            assert.equal(d.securityProfile?.securityType, securityType);
            const g = await c.grantAccess('rg-secure', name, { access: 'Write', durationInSeconds: 600, getSecureVMGuestStateSAS: true }, fastPolls).pollUntilDone();
            assert.ok(g.accessSAS && g.securityDataAccessSAS);
            assert.equal(!!g.securityMetadataAccessSAS, vmmd, `${securityType}: VMMD`);
            assert.match(parseSas(g.securityDataAccessSAS).blob, /_vmgs$/);
            if (g.securityMetadataAccessSAS) assert.match(parseSas(g.securityMetadataAccessSAS).blob, /_vmmd$/);
            for (const sas of [g.accessSAS, g.securityDataAccessSAS, g.securityMetadataAccessSAS].filter((x): x is string => !!x)) {
                assert.equal(parseSas(sas).params.get('sp'), 'rw');
                await new PageBlobClient(sas, new AnonymousCredential()).uploadPages(Buffer.alloc(512, 7), 0, 512);
            }
            await c.revokeAccess('rg-secure', name, fastPolls).pollUntilDone();
            assert.equal((await c.get('rg-secure', name)).diskState, 'Unattached');
            await c.delete('rg-secure', name, fastPolls).pollUntilDone();
        }
    });
});

describe('delete', () => {
    it('answers 202 + Location and then removes the disk; a missing disk answers 204', async () => {
        const c = kit.arm.compute(SUB_DEV).disks;
        await c.createOrUpdate('rg-data', 'to-delete', { location: 'westeurope', creationData: { createOption: 'Upload', uploadSizeBytes: 32 * MiB + 512 } }, fastPolls).pollUntilDone();
        const r = await raw('DELETE', diskPath('rg-data', 'to-delete'));
        assert.equal(r.status, 202);
        assert.match(r.headers.get('location') ?? '', /monitor=true/);
        let status = 202;
        for (let i = 0; i < 10 && status === 202; i++) {
            const { accessToken } = await kit.sb.control.token();
            const poll = await fetch(r.headers.get('location')!, { headers: { Authorization: `Bearer ${accessToken}` } });
            status = poll.status;
            await poll.arrayBuffer();
        }
        assert.equal(status, 200);
        assert.equal((await errorOf(c.get('rg-data', 'to-delete'))).statusCode, 404);
        assert.equal((await raw('DELETE', diskPath('rg-data', 'to-delete'))).status, 204);
    });

    it('refuses an attached disk with 409 naming the VM', async () => {
        for (const name of ['web-os-01', 'web-os-02']) {
            const e = await errorOf(kit.arm.compute(SUB_DEV).disks.delete('rg-web', name, fastPolls).pollUntilDone());
            assert.equal(e.statusCode, 409);
            assert.equal(e.code, 'OperationNotAllowed');
            assert.match(e.message, new RegExp(`virtualMachines/${name === 'web-os-01' ? 'vm-web-01' : 'vm-web-02'}`));
        }
    });

    it('an lroFault makes a create end Failed; the failed disk can be deleted', async () => {
        const c = kit.arm.compute(SUB_DEV).disks;
        await kit.sb.control.lroFault({ path: '/disks/doomed$', outcome: 'fail', error: { code: 'InternalDiskManagementError', message: 'An internal error occurred.' } });
        const e = await errorOf(c.createOrUpdate('rg-data', 'doomed', { location: 'westeurope', creationData: { createOption: 'Upload', uploadSizeBytes: 32 * MiB + 512 } }, fastPolls).pollUntilDone());
        assert.match(e.message, /InternalDiskManagementError|internal error/);
        const d = await c.get('rg-data', 'doomed');
        assert.equal(d.provisioningState, 'Failed');
        await c.delete('rg-data', 'doomed', fastPolls).pollUntilDone();
        assert.equal((await errorOf(c.get('rg-data', 'doomed'))).statusCode, 404);
    });

    it('reset({ state: true }) drops disks made at run time', async () => {
        const c = kit.arm.compute(SUB_DEV).disks;
        await c.createOrUpdate('rg-data', 'ephemeral', { location: 'westeurope', creationData: { createOption: 'Upload', uploadSizeBytes: 32 * MiB + 512 } }, fastPolls).pollUntilDone();
        await kit.sb.control.reset({ state: true });
        assert.equal((await errorOf(c.get('rg-data', 'ephemeral'))).statusCode, 404);
    });
});
