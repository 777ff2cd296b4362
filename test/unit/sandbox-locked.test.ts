/**
 * The rest of a subscription's disks in the sandbox: Entra-ID-protected disks (a bearer token for
 * https://disk.azure.com/ besides the SAS, and the data operator role), disks closed to public
 * networks, and VM restore points with their disk restore points.
 */
import { before, describe, it } from 'node:test';
import * as assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import * as crypto from 'node:crypto';
import * as path from 'node:path';
import { promisify } from 'node:util';
import { AzureCliCredential } from '@azure/identity';
import { OTHER_TENANT, SUB_DEV } from '../sandbox/seed';
import { collect, parseSas, sparseSha256 } from '../sandbox/testkit';
import type { SeedDiskRestorePoint } from '../sandbox/types';
import { fastPolls, sandboxForFile } from './sandboxKit';
import { untilPast } from './support';

const kit = sandboxForFile();
const { seeded } = kit;

async function grantRead(rg: string, name: string): Promise<string> {
    return (await kit.arm.compute(SUB_DEV).disks.grantAccess(rg, name, { access: 'Read', durationInSeconds: 600 }, fastPolls).pollUntilDone()).accessSAS!;
}

/** The last 512 bytes (the footer) of a granted disk, with optional extra headers. */
async function footer(sas: string, size: number, headers: Record<string, string> = {}): Promise<Response> {
    return fetch(sas, { headers: { Range: `bytes=${size - 512}-${size - 1}`, 'x-ms-version': '2025-01-05', ...headers } });
}

describe('Entra-ID-protected disks (dataAccessAuthMode AzureActiveDirectory)', () => {
    let sas = '';
    const disk = () => seeded('aad-data');

    before(async () => {
        sas = await grantRead('rg-locked', 'aad-data');
    });

    it('shows dataAccessAuthMode on the disk', async () => {
        const d = await kit.arm.compute(SUB_DEV).disks.get('rg-locked', 'aad-data');
        assert.equal(d.dataAccessAuthMode, 'AzureActiveDirectory');
    });

    it('answers a SAS-only request with 401 and a challenge naming the disk audience', async () => {
        const res = await footer(sas, disk().blobs.disk.size);
        assert.equal(res.status, 401);
        assert.equal(res.headers.get('x-ms-error-code'), 'NoAuthenticationInformation');
        const challenge = res.headers.get('www-authenticate') ?? '';
        assert.match(challenge, /^Bearer authorization_uri=\S+\/6a1f3c2e-5b7d-4e90-8c1a-2f4e6d8b0a11\/oauth2\/authorize resource_id=https:\/\/disk\.azure\.com\/$/);
        assert.match(await res.text(), /<Code>NoAuthenticationInformation<\/Code>/);
    });

    it('takes the SAS plus a disk token from the az stand-in (--resource and --scope), byte-exact', async () => {
        const az = path.join(kit.sb.info.azCliDir, 'az');
        const run = promisify(execFile);
        for (const args of [['--resource', 'https://disk.azure.com/'], ['--scope', 'https://disk.azure.com//.default']]) {
            const { stdout } = await run(az, ['account', 'get-access-token', '--output', 'json', ...args]);
            const t = JSON.parse(stdout) as { accessToken: string; expires_on: number };
            assert.ok(t.expires_on > Date.now() / 1000 + 600, 'the token has an expiry about an hour out');
            const res = await footer(sas, disk().blobs.disk.size, { Authorization: `Bearer ${t.accessToken}` });
            assert.equal(res.status, 206, args.join(' '));
            await res.arrayBuffer();
        }
        // The credential the extension uses, asking for the disk scope.
        const cred = new AzureCliCredential();
        const t = await cred.getToken('https://disk.azure.com//.default');
        const sparse = await sparseWithToken(sas, t.token, disk().blobs.disk.size);
        assert.equal(sparse, disk().blobs.disk.sha256);
    });

    it('refuses a management token, an expired token and another tenant\'s token with 401', async () => {
        const size = disk().blobs.disk.size;
        const mgmt = await kit.sb.control.token();
        const wrong = await footer(sas, size, { Authorization: `Bearer ${mgmt.accessToken}` });
        assert.equal(wrong.status, 401);
        assert.equal(wrong.headers.get('x-ms-error-code'), 'InvalidAuthenticationInfo');
        assert.match(await wrong.text(), /Audience validation failed/);
        const short = await kit.sb.control.token({ resource: 'https://disk.azure.com/', lifetimeSeconds: 1 });
        await untilPast(short.expiresOn * 1000, 'the 1-second token to expire');
        const expired = await footer(sas, size, { Authorization: `Bearer ${short.accessToken}` });
        assert.equal(expired.status, 401);
        assert.match(await expired.text(), /token is expired/);
        const other = await kit.sb.control.token({ resource: 'https://disk.azure.com/', tenantId: OTHER_TENANT });
        const tenant = await footer(sas, size, { Authorization: `Bearer ${other.accessToken}` });
        assert.equal(tenant.status, 401);
        await tenant.arrayBuffer();
    });

    it('refuses a principal without "Data Operator for Managed Disks" with 403, until the role is back', async () => {
        const size = disk().blobs.disk.size;
        const t = await kit.sb.control.token({ resource: 'https://disk.azure.com/' });
        await kit.sb.control.diskDataRole({ granted: false });
        const res = await footer(sas, size, { Authorization: `Bearer ${t.accessToken}` });
        assert.equal(res.status, 403);
        assert.equal(res.headers.get('x-ms-error-code'), 'AuthorizationPermissionMismatch');
        await res.arrayBuffer();
        await kit.sb.control.diskDataRole({ granted: true });
        const ok = await footer(sas, size, { Authorization: `Bearer ${t.accessToken}` });
        assert.equal(ok.status, 206);
        await ok.arrayBuffer();
    });

    it('a token still does not replace the SAS', async () => {
        const t = await kit.sb.control.token({ resource: 'https://disk.azure.com/' });
        const res = await footer(parseSas(sas).withoutQuery, disk().blobs.disk.size, { Authorization: `Bearer ${t.accessToken}` });
        assert.ok(res.status === 403 || res.status === 404, `status ${res.status}`);
        await res.arrayBuffer();
    });
});

/** sha256 of a page blob read the sparse way (Get Page Ranges, then the ranges), with a bearer token on every request. */
async function sparseWithToken(sas: string, token: string, size: number): Promise<string> {
    const headers = { Authorization: `Bearer ${token}`, 'x-ms-version': '2025-01-05' };
    const list = await fetch(`${sas}&comp=pagelist`, { headers });
    assert.equal(list.status, 200, 'Get Page Ranges with the token');
    const xml = await list.text();
    const ranges = [...xml.matchAll(/<Start>(\d+)<\/Start>\s*<End>(\d+)<\/End>/g)].map((m) => [Number(m[1]), Number(m[2])]);
    const hash = crypto.createHash('sha256');
    let pos = 0;
    for (const [start, end] of ranges) {
        hash.update(Buffer.alloc(start - pos));
        const res = await fetch(sas, { headers: { ...headers, Range: `bytes=${start}-${end}` } });
        assert.equal(res.status, 206);
        hash.update(Buffer.from(await res.arrayBuffer()));
        pos = end + 1;
    }
    hash.update(Buffer.alloc(size - pos));
    return hash.digest('hex');
}

describe('disks closed to public networks (networkAccessPolicy)', () => {
    it('grants, but answers every SAS request from here with 403 AuthorizationFailure', async () => {
        for (const name of ['private-data', 'denyall-data']) {
            const d = await kit.arm.compute(SUB_DEV).disks.get('rg-locked', name);
            assert.equal(d.networkAccessPolicy, name === 'private-data' ? 'AllowPrivate' : 'DenyAll');
            assert.equal(d.publicNetworkAccess, 'Disabled');
            const sas = await grantRead('rg-locked', name);
            const res = await footer(sas, seeded(name).blobs.disk.size);
            assert.equal(res.status, 403, name);
            assert.equal(res.headers.get('x-ms-error-code'), 'AuthorizationFailure');
            assert.match(await res.text(), /<Code>AuthorizationFailure<\/Code><Message>This request is not authorized to perform this operation\./);
            await kit.arm.compute(SUB_DEV).disks.revokeAccess('rg-locked', name, fastPolls).pollUntilDone();
        }
    });
});

describe('restore points', () => {
    const cvm = (): SeedDiskRestorePoint => {
        const r = kit.sb.restorePoints.find((x) => x.restorePointCollection === 'rpc-vm-cvm-01');
        assert.ok(r);
        return r;
    };

    it('lists collections by resource group and subscription, their restore points and disk restore points', async () => {
        const c = kit.arm.compute(SUB_DEV);
        assert.deepEqual((await collect(c.restorePointCollections.list('rg-secure'))).map((x) => x.name), ['rpc-vm-cvm-01']);
        assert.deepEqual((await collect(c.restorePointCollections.listAll())).map((x) => x.name).sort(), ['rpc-vm-cvm-01', 'rpc-vm-web-01', 'rpc-vm-web-02']);
        const coll = await c.restorePointCollections.get('rg-secure', 'rpc-vm-cvm-01', { expand: 'restorePoints' });
        assert.match(coll.source?.id ?? '', /virtualMachines\/vm-cvm-01$/);
        assert.deepEqual(coll.restorePoints?.map((p) => p.name), ['rp-20250601']);
        const rp = await c.restorePoints.get('rg-secure', 'rpc-vm-cvm-01', 'rp-20250601');
        assert.equal(rp.sourceMetadata?.storageProfile?.osDisk?.diskRestorePoint?.id, `/subscriptions/${SUB_DEV}/resourceGroups/rg-secure/providers/Microsoft.Compute/restorePointCollections/rpc-vm-cvm-01/restorePoints/rp-20250601/diskRestorePoints/${cvm().name}`);
        const drps = await collect(c.diskRestorePoint.listByRestorePoint('rg-secure', 'rpc-vm-cvm-01', 'rp-20250601'));
        assert.deepEqual(drps.map((d) => d.name), [cvm().name]);
        const drp = await c.diskRestorePoint.get('rg-secure', 'rpc-vm-cvm-01', 'rp-20250601', cvm().name);
        assert.equal(drp.sourceResourceId, seeded('cvm-os').id);
        assert.equal(drp.securityProfile?.securityType, 'ConfidentialVM_DiskEncryptedWithPlatformKey');
        assert.ok(drp.familyId);
    });

    it('grants a confidential disk restore point with three blobs, byte-exact, and revokes', async () => {
        const ops = kit.arm.compute(SUB_DEV).diskRestorePoint;
        const r = cvm();
        const g = await ops.grantAccess('rg-secure', 'rpc-vm-cvm-01', 'rp-20250601', r.name, { access: 'Read', durationInSeconds: 600, getSecureVMGuestStateSAS: true }, fastPolls).pollUntilDone();
        assert.equal((await sparseSha256(g.accessSAS!)).sha256, r.blobs.disk.sha256);
        assert.equal((await sparseSha256(g.securityDataAccessSAS!)).sha256, r.blobs.vmgs!.sha256);
        assert.equal((await sparseSha256(g.securityMetadataAccessSAS!)).sha256, r.blobs.vmmd!.sha256);
        const again = await ops.grantAccess('rg-secure', 'rpc-vm-cvm-01', 'rp-20250601', r.name, { access: 'Read', durationInSeconds: 600 }, fastPolls).pollUntilDone().catch((e: { statusCode?: number }) => e);
        assert.equal((again as { statusCode?: number }).statusCode, 409, 'one grant at a time');
        await ops.revokeAccess('rg-secure', 'rpc-vm-cvm-01', 'rp-20250601', r.name, fastPolls).pollUntilDone();
        const after = await fetch(g.accessSAS!, { headers: { Range: 'bytes=0-511' } });
        assert.equal(after.status, 403, 'revoked');
        await after.arrayBuffer();
    });

    it('grants a disk restore point as VHDX, as in DiskRestorePoint_BeginGetAccess.json', async () => {
        const ops = kit.arm.compute(SUB_DEV).diskRestorePoint;
        const r = kit.sb.restorePoints.find((x) => x.restorePointCollection === 'rpc-vm-web-02')!;
        const g = await ops.grantAccess('rg-web', 'rpc-vm-web-02', 'rp-20250601', r.name, { access: 'Read', durationInSeconds: 300, fileFormat: 'VHDX' }, fastPolls).pollUntilDone();
        assert.equal(parseSas(g.accessSAS!).withoutQuery, r.blobs.vhdx!.url);
        assert.equal((await sparseSha256(g.accessSAS!)).sha256, r.blobs.vhdx!.sha256);
        await ops.revokeAccess('rg-web', 'rpc-vm-web-02', 'rp-20250601', r.name, fastPolls).pollUntilDone();
    });
});
