/**
 * Put Page From URL in the sandbox's storage (Azurite lacks it): ranges copied server-side from
 * one disk's Read SAS into another disk's Write SAS, the source SAS checked, and the switch that
 * makes the service refuse server-side copies.
 */
import { after, before, describe, it } from 'node:test';
import * as assert from 'node:assert/strict';
import { AnonymousCredential, PageBlobClient } from '@azure/storage-blob';
import type { ArmClients } from '../../src/azure/armClients';
import { startSandbox, type Sandbox } from '../sandbox/index';
import { MAIN_TENANT, OTHER_TENANT, SUB_DEV, SUB_OTHER } from '../sandbox/seed';
import { armClientsFor, sparseSha256 } from '../sandbox/testkit';
import { errorOf, untilPast } from './support';

const MiB = 1024 * 1024;
const fast = { updateIntervalInMs: 10 };
let sb: Sandbox;
let arm: ArmClients;
let source: string;
let dest: string;

before(async () => {
    sb = await startSandbox({ lroPolls: 0, retryAfterSeconds: 0, skipLargeDisk: true });
    arm = await armClientsFor(sb.info);
    const c = arm.compute(SUB_DEV).disks;
    source = (await c.grantAccess('rg-web', 'web-data-01', { access: 'Read', durationInSeconds: 3600 }, fast).pollUntilDone()).accessSAS!;
    await c.createOrUpdate('rg-data', 'copy-target', { location: 'westeurope', creationData: { createOption: 'Upload', uploadSizeBytes: 32 * MiB + 512 } }, fast).pollUntilDone();
    dest = (await c.grantAccess('rg-data', 'copy-target', { access: 'Write', durationInSeconds: 3600 }, fast).pollUntilDone()).accessSAS!;
});

after(async () => {
    await sb?.stop();
});

/** A raw Put Page From URL, for the header combinations the SDK never sends. */
async function putFromUrl(headers: Record<string, string>): Promise<{ status: number; code: string | null; text: string }> {
    const res = await fetch(`${dest}&comp=page`, { method: 'PUT', headers: { 'x-ms-version': '2025-01-05', 'x-ms-page-write': 'update', 'Content-Length': '0', ...headers } });
    return { status: res.status, code: res.headers.get('x-ms-error-code'), text: await res.text() };
}

describe('Put Page From URL', () => {
    it('copies every written range of a disk into another, byte-exact, without the data passing the client', async () => {
        const src = new PageBlobClient(source, new AnonymousCredential());
        const dst = new PageBlobClient(dest, new AnonymousCredential());
        const ranges: { start: number; end: number }[] = [];
        for await (const r of src.listPageRanges()) ranges.push({ start: r.start, end: r.end });
        assert.ok(ranges.length > 1);
        await sb.control.clearLog();
        for (const r of ranges) {
            for (let o = r.start; o <= r.end; o += 4 * MiB) {
                const n = Math.min(4 * MiB, r.end + 1 - o);
                const out = await dst.uploadPagesFromURL(source, o, o, n);
                assert.ok(out.etag);
            }
        }
        const got: { start: number; end: number }[] = [];
        for await (const r of dst.listPageRanges()) got.push({ start: r.start, end: r.end });
        assert.deepEqual(got, ranges, 'the target has exactly the source\'s written ranges');
        for (const r of ranges) {
            const [a, b] = await Promise.all([src.downloadToBuffer(r.start, r.end + 1 - r.start), dst.downloadToBuffer(r.start, r.end + 1 - r.start)]);
            assert.ok(a.equals(b), `range ${r.start}-${r.end}`);
        }
    });

    it('checks the ranges: required, 512-aligned, equal lengths, at most 4 MiB', async () => {
        const missing = await putFromUrl({ 'x-ms-copy-source': source, 'x-ms-range': 'bytes=0-511' });
        assert.equal(missing.status, 400);
        assert.equal(missing.code, 'MissingRequiredHeader');
        const odd = await putFromUrl({ 'x-ms-copy-source': source, 'x-ms-range': 'bytes=0-1000', 'x-ms-source-range': 'bytes=0-1000' });
        assert.equal(odd.status, 416);
        assert.equal(odd.code, 'InvalidPageRange');
        const unequal = await putFromUrl({ 'x-ms-copy-source': source, 'x-ms-range': 'bytes=0-511', 'x-ms-source-range': 'bytes=0-1023' });
        assert.equal(unequal.status, 400);
        assert.equal(unequal.code, 'InvalidHeaderValue');
        const big = await putFromUrl({ 'x-ms-copy-source': source, 'x-ms-range': `bytes=0-${8 * MiB - 1}`, 'x-ms-source-range': `bytes=0-${8 * MiB - 1}` });
        assert.equal(big.status, 413);
        assert.match(big.text, /^<\?xml.*<Error><Code>RequestBodyTooLarge<\/Code>/s);
    });

    it('refuses a source without a valid SAS with CannotVerifyCopySource', async () => {
        const dst = new PageBlobClient(dest, new AnonymousCredential());
        const bare = source.replace(/\?.*$/, '');
        const noSig = await errorOf(dst.uploadPagesFromURL(bare, 0, 0, 512));
        assert.equal(noSig.statusCode, 403);
        assert.equal(noSig.code, 'CannotVerifyCopySource');
        const u = new URL(source);
        u.searchParams.set('sig', Buffer.alloc(32, 1).toString('base64'));
        const forged = await errorOf(dst.uploadPagesFromURL(u.toString(), 0, 0, 512));
        assert.equal(forged.statusCode, 403);
        assert.equal(forged.code, 'CannotVerifyCopySource');
        // An expired grant of another disk.
        const c = arm.compute(SUB_DEV).disks;
        const short = (await c.grantAccess('rg-web', 'web-logs', { access: 'Read', durationInSeconds: 1 }, fast).pollUntilDone()).accessSAS!;
        await untilPast(Date.parse(new URL(short).searchParams.get('se')!), 'the 1-second grant to expire');
        const expired = await errorOf(dst.uploadPagesFromURL(short, 0, 0, 512));
        assert.equal(expired.statusCode, 403);
        assert.equal(expired.code, 'CannotVerifyCopySource');
        assert.match(expired.message, /Signature not valid in the specified time frame|authenticate/);
        // A revoked grant.
        await c.revokeAccess('rg-web', 'web-logs', fast).pollUntilDone();
        const revoked = await errorOf(dst.uploadPagesFromURL(short, 0, 0, 512));
        assert.equal(revoked.code, 'CannotVerifyCopySource');
        const outside = await errorOf(dst.uploadPagesFromURL('https://example.invalid/c/b?sig=x', 0, 0, 512));
        assert.equal(outside.code, 'CannotVerifyCopySource');
    });

    it('the destination still needs a Write SAS', async () => {
        const c = arm.compute(SUB_DEV).disks;
        const readOnly = (await c.grantAccess('rg-web', 'data_disk.v2-(old)', { access: 'Read', durationInSeconds: 600 }, fast).pollUntilDone()).accessSAS!;
        const e = await errorOf(new PageBlobClient(readOnly, new AnonymousCredential()).uploadPagesFromURL(source, 0, 0, 512));
        assert.equal(e.statusCode, 403);
        await c.revokeAccess('rg-web', 'data_disk.v2-(old)', fast).pollUntilDone();
    });

    it('copies a confidential disk into another tenant and region, all three blobs server-side, byte-exact', async () => {
        const src = sb.manifest.find((d) => d.name === 'cvm-os')!;
        const c = arm.compute(SUB_DEV).disks;
        const read = await c.grantAccess('rg-secure', 'cvm-os', { access: 'Read', durationInSeconds: 600, getSecureVMGuestStateSAS: true }, fast).pollUntilDone();
        const fabrikam = (await armClientsFor(sb.info, OTHER_TENANT)).compute(SUB_OTHER).disks;
        const target = await fabrikam.createOrUpdate('rg-fabrikam', 'cvm-os-migrated', {
            location: 'westus3', osType: 'Windows', hyperVGeneration: 'V2', securityProfile: { securityType: src.securityType! },
            creationData: { createOption: 'UploadPreparedSecure', uploadSizeBytes: src.blobs.disk.size },
        }, fast).pollUntilDone();
        assert.equal(target.diskState, 'ReadyToUpload');
        const write = await fabrikam.grantAccess('rg-fabrikam', 'cvm-os-migrated', { access: 'Write', durationInSeconds: 600, getSecureVMGuestStateSAS: true }, fast).pollUntilDone();
        const pairs: [string, string, string][] = [
            [read.accessSAS!, write.accessSAS!, src.blobs.disk.sha256],
            [read.securityDataAccessSAS!, write.securityDataAccessSAS!, src.blobs.vmgs!.sha256],
            [read.securityMetadataAccessSAS!, write.securityMetadataAccessSAS!, src.blobs.vmmd!.sha256],
        ];
        for (const [from, to] of pairs) {
            const s = new PageBlobClient(from, new AnonymousCredential());
            const d = new PageBlobClient(to, new AnonymousCredential());
            assert.equal((await d.getProperties()).contentLength, (await s.getProperties()).contentLength, 'the target blob has the source\'s size');
            for await (const r of s.listPageRanges()) {
                for (let o = r.start; o <= r.end; o += 4 * MiB) await d.uploadPagesFromURL(from, o, o, Math.min(4 * MiB, r.end + 1 - o));
            }
        }
        await fabrikam.revokeAccess('rg-fabrikam', 'cvm-os-migrated', fast).pollUntilDone();
        await c.revokeAccess('rg-secure', 'cvm-os', fast).pollUntilDone();
        const back = await fabrikam.grantAccess('rg-fabrikam', 'cvm-os-migrated', { access: 'Read', durationInSeconds: 600, getSecureVMGuestStateSAS: true }, fast).pollUntilDone();
        assert.deepEqual(
            [(await sparseSha256(back.accessSAS!)).sha256, (await sparseSha256(back.securityDataAccessSAS!)).sha256, (await sparseSha256(back.securityMetadataAccessSAS!)).sha256],
            pairs.map((p) => p[2]),
        );
        await fabrikam.revokeAccess('rg-fabrikam', 'cvm-os-migrated', fast).pollUntilDone();
    });

    it('the switch makes the service refuse server-side copies, and turns back', async () => {
        const dst = new PageBlobClient(dest, new AnonymousCredential());
        await sb.control.copyFromUrl({ refuse: true });
        const e = await errorOf(dst.uploadPagesFromURL(source, 0, 0, 512));
        assert.equal(e.statusCode, 403);
        assert.equal(e.code, 'CannotVerifyCopySource');
        await sb.control.copyFromUrl({ refuse: true, status: 409, code: 'FeatureNotSupported', message: 'This feature is not supported.' });
        const e2 = await errorOf(dst.uploadPagesFromURL(source, 0, 0, 512));
        assert.equal(e2.statusCode, 409);
        assert.equal(e2.code, 'FeatureNotSupported');
        // The streaming fallback (ranged GET, then Put Page) still works while it refuses.
        const data = await new PageBlobClient(source, new AnonymousCredential()).downloadToBuffer(0, 4096);
        await dst.uploadPages(data, 0, 4096);
        await sb.control.copyFromUrl({ refuse: false });
        await dst.uploadPagesFromURL(source, 0, 0, 512);
    });

    it('a source protected by Entra ID is read only with its token in x-ms-copy-source-authorization, as Azure requires', async () => {
        const c = arm.compute(SUB_DEV).disks;
        const aad = (await c.grantAccess('rg-locked', 'aad-data', { access: 'Read', durationInSeconds: 600 }, fast).pollUntilDone()).accessSAS!;
        try {
            const refused = await putFromUrl({ 'x-ms-copy-source': aad, 'x-ms-range': 'bytes=0-511', 'x-ms-source-range': 'bytes=0-511' });
            assert.equal(refused.code, 'CannotVerifyCopySource', `refused without the token (${refused.status})`);
            assert.ok(refused.status === 401 || refused.status === 403, `status ${refused.status}`);
            const wrong = await sb.control.token({ tenantId: MAIN_TENANT });
            const withArmToken = await putFromUrl({ 'x-ms-copy-source': aad, 'x-ms-range': 'bytes=0-511', 'x-ms-source-range': 'bytes=0-511', 'x-ms-copy-source-authorization': `Bearer ${wrong.accessToken}` });
            assert.equal(withArmToken.code, 'CannotVerifyCopySource', 'a token for another audience does not do');
            const disk = await sb.control.token({ tenantId: MAIN_TENANT, resource: 'https://disk.azure.com/' });
            const ok = await putFromUrl({ 'x-ms-copy-source': aad, 'x-ms-range': 'bytes=0-511', 'x-ms-source-range': 'bytes=0-511', 'x-ms-copy-source-authorization': `Bearer ${disk.accessToken}` });
            assert.equal(ok.status, 201, ok.text);
        } finally {
            await c.revokeAccess('rg-locked', 'aad-data', fast).pollUntilDone();
        }
    });

    it('an expired SAS stops working at once and the same access can be granted again without a revoke; the state stays', async () => {
        const c = arm.compute(SUB_DEV).disks;
        const first = (await c.grantAccess('rg-web', 'web-logs', { access: 'Read', durationInSeconds: 600 }, fast).pollUntilDone()).accessSAS!;
        try {
            const refusedEarly = await errorOf(c.grantAccess('rg-web', 'web-logs', { access: 'Read', durationInSeconds: 600 }, fast).pollUntilDone());
            assert.equal(refusedEarly.statusCode, 409, 'a second grant while the first SAS lasts is refused');
            await sb.control.expireSas((await c.get('rg-web', 'web-logs')).id!);
            assert.equal((await fetch(first, { headers: { 'x-ms-range': 'bytes=0-511' } })).status, 403, 'the expired SAS is refused');
            const again = (await c.grantAccess('rg-web', 'web-logs', { access: 'Read', durationInSeconds: 600 }, fast).pollUntilDone()).accessSAS!;
            assert.notEqual(new URL(again).searchParams.get('sig'), new URL(first).searchParams.get('sig'));
            assert.equal((await fetch(again, { headers: { 'x-ms-range': 'bytes=0-511' } })).status, 206);
            assert.equal((await c.get('rg-web', 'web-logs')).diskState, 'ActiveSAS');
            const write = await errorOf(c.grantAccess('rg-web', 'web-logs', { access: 'Write', durationInSeconds: 600 }, fast).pollUntilDone());
            assert.equal(write.statusCode, 409, 'only the same access is granted again');
        } finally {
            await c.revokeAccess('rg-web', 'web-logs', fast).pollUntilDone();
        }
        assert.equal((await c.get('rg-web', 'web-logs')).diskState, 'Unattached', 'the revoke ends every SAS and restores the state');
    });
});
