/**
 * The sandbox honours the ARM/storage contract (docs/azure-disks-facts.md), driven through the
 * extension's own ARM clients (createArmClients + AzureCliCredential + the `az` stand-in).
 */
import { after, before, describe, it } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import type { ArmClients } from '../../src/azure/armClients';
import { checkVhdFooter, checkVhdxHeader } from '../../src/formats/footer';
import { startSandbox, type Sandbox } from '../sandbox/index';
import { MAIN_TENANT, OTHER_TENANT, SUB_DEV, SUB_OTHER, SUB_PROD } from '../sandbox/seed';
import { armClientsFor, collect, download, parseSas, sha256, sparseSha256 } from '../sandbox/testkit';
import type { SeedBlob, SeedDisk } from '../sandbox/types';
import { errorOf } from './support';

let sb: Sandbox;
/** Retry-After is 0 here, so the SDK polls at this interval instead of its 2 s default. */
const fast = { updateIntervalInMs: 10 };
let arm: ArmClients;
const logLines: string[] = [];

function seeded(name: string): SeedDisk {
    const d = sb.manifest.find((x) => x.name === name);
    assert.ok(d, `seed has ${name}`);
    return d;
}

/**
 * Checks a granted blob against the manifest: size, sha256 and the VHD footer / VHDX header.
 * `full` downloads every byte; otherwise only the written ranges are read (holes hash as zeros),
 * which proves the same content while keeping the suite quick on two cores.
 */
async function verifyBlob(url: string, expected: SeedBlob, full = false): Promise<void> {
    const sas = parseSas(url);
    assert.equal(sas.withoutQuery, expected.url);
    if (full) {
        const data = await download(url);
        assert.equal(data.length, expected.size);
        assert.equal(sha256(data), expected.sha256, `${expected.container}/${expected.blob} content`);
    } else {
        const sparse = await sparseSha256(url);
        assert.equal(sparse.size, expected.size);
        assert.equal(sparse.fetched, expected.writtenBytes);
        assert.equal(sparse.sha256, expected.sha256, `${expected.container}/${expected.blob} content`);
    }
    const range = expected.format === 'vhd' ? `bytes=${expected.size - 512}-${expected.size - 1}` : `bytes=0-${320 * 1024 - 1}`;
    const res = await fetch(url, { headers: { Range: range } });
    assert.equal(res.status, 206);
    const part = Buffer.from(await res.arrayBuffer());
    const check = expected.format === 'vhd' ? checkVhdFooter(part, expected.size) : checkVhdxHeader(part);
    assert.equal(check.passed, true, check.detail);
}


before(async () => {
    sb = await startSandbox({ lroPolls: 2, retryAfterSeconds: 0, log: (l) => logLines.push(l) });
    arm = await armClientsFor(sb.info);
});

after(async () => {
    await sb?.stop();
});

describe('listing', () => {
    it('lists tenants, and the subscriptions of the token tenant', async () => {
        const tenants = await collect(arm.subscriptions().tenants.list());
        assert.deepEqual(tenants.map((t) => t.tenantId).sort(), [MAIN_TENANT, OTHER_TENANT].sort());
        const subs = await collect(arm.subscriptions().subscriptions.list());
        assert.deepEqual(subs.map((s) => s.subscriptionId).sort(), [SUB_DEV, SUB_PROD].sort());
        assert.deepEqual(sb.info.subscriptionIds.sort(), [SUB_DEV, SUB_PROD].sort());
    });

    it('pages resource groups, disks and snapshots through nextLink', async () => {
        await sb.control.clearLog();
        const groups = await collect(arm.resources(SUB_DEV).resourceGroups.list());
        assert.deepEqual(groups.map((g) => g.name), ['rg-web', 'rg-secure', 'rg-data', 'rg-empty', 'rg-locked', 'rg-os-disks']);
        const webDisks = await collect(arm.compute(SUB_DEV).disks.listByResourceGroup('rg-web'));
        assert.equal(webDisks.length, sb.manifest.filter((d) => d.resourceGroup === 'rg-web' && d.kind === 'disk').length);
        assert.ok(webDisks.length > 3);
        const allDisks = await collect(arm.compute(SUB_DEV).disks.list());
        assert.equal(allDisks.length, sb.manifest.filter((d) => d.subscriptionId === SUB_DEV && d.kind === 'disk').length);
        const snaps = await collect(arm.compute(SUB_DEV).snapshots.listByResourceGroup('rg-data'));
        assert.deepEqual(snaps.map((s) => s.name).sort(), ['history-data-v1', 'history-data-v2', 'history-data-v3', 'web-data-01-full', 'web-data-01-incr']);
        const prodSnaps = await collect(arm.compute(SUB_PROD).snapshots.list());
        assert.deepEqual(prodSnaps.map((s) => s.name), ['prod-db-01-nightly', 'prod-db-4k-instant']);
        const log = (await sb.control.requestLog()).arm;
        const rgPath = `/subscriptions/${SUB_DEV}/resourcegroups`;
        assert.equal(log.byPath[rgPath]?.requests, 2, 'five groups at three per page take two requests');
        assert.equal(log.byPath[`/subscriptions/${SUB_DEV}/resourcegroups/rg-web/providers/microsoft.compute/disks`]?.requests, 2);
    });

    it('gets disks and snapshots with their state, security type and owner; names are case-insensitive', async () => {
        const running = await arm.compute(SUB_DEV).disks.get('RG-WEB', 'web-os-01');
        assert.equal(running.diskState, 'Attached');
        assert.match(running.managedBy ?? '', /virtualMachines\/vm-web-01$/);
        const cvm = await arm.compute(SUB_DEV).disks.get('rg-secure', 'cvm-os');
        assert.equal(cvm.securityProfile?.securityType, 'ConfidentialVM_DiskEncryptedWithPlatformKey');
        assert.equal(cvm.diskState, 'Reserved');
        const odd = await arm.compute(SUB_DEV).disks.get('rg-web', 'data_disk.v2-(old)');
        assert.equal(odd.name, 'data_disk.v2-(old)');
        const incr = await arm.compute(SUB_DEV).snapshots.get('rg-data', 'web-data-01-incr');
        assert.equal(incr.incremental, true);
        const e = await errorOf(arm.compute(SUB_DEV).disks.get('rg-web', 'no-such-disk'));
        assert.equal(e.statusCode, 404);
        assert.equal(e.code, 'ResourceNotFound');
    });

    it('writes a manifest without the bearer token', () => {
        const text = fs.readFileSync(sb.info.manifestPath, 'utf8');
        assert.ok(!text.includes(sb.info.bearerToken));
        const m = JSON.parse(text) as { info: Record<string, unknown>; disks: SeedDisk[] };
        assert.equal(m.info.bearerToken, undefined);
        assert.equal(m.info.armEndpoint, sb.info.armEndpoint);
        assert.equal(m.disks.length, sb.manifest.length);
    });
});

describe('grant rules', () => {
    it('refuses a disk attached to a running VM with 409 naming the VM', async () => {
        const e = await errorOf(arm.compute(SUB_DEV).disks.grantAccess('rg-web', 'web-os-01', { access: 'Read', durationInSeconds: 60 }, fast).pollUntilDone());
        assert.equal(e.statusCode, 409);
        assert.equal(e.code, 'OperationNotAllowed');
        assert.match(e.message, /vm-web-01/);
    });

    it('refuses the guest-state SAS on a disk without a security profile', async () => {
        const e = await errorOf(arm.compute(SUB_DEV).disks.grantAccess('rg-web', 'web-logs', { access: 'Read', durationInSeconds: 60, getSecureVMGuestStateSAS: true }, fast).pollUntilDone());
        assert.equal(e.statusCode, 400);
        assert.match(e.message, /GetSecureVMGuestStateSAS can be set only for disk with SecurityProfile/);
    });

    it('refuses durations outside 1..5,184,000 seconds and accepts the bounds', async () => {
        const disks = arm.compute(SUB_DEV).disks;
        for (const durationInSeconds of [0, 5_184_001]) {
            const e = await errorOf(disks.grantAccess('rg-web', 'web-logs', { access: 'Read', durationInSeconds }, fast).pollUntilDone());
            assert.equal(e.statusCode, 400, `duration ${durationInSeconds}`);
        }
        const uri = await disks.grantAccess('rg-web', 'web-logs', { access: 'Read', durationInSeconds: 5_184_000 }, fast);
        const se = Date.parse(parseSas(uri.accessSAS!).params.get('se') ?? '');
        assert.ok(Math.abs(se - (Date.now() + 5_184_000_000)) < 60_000);
        await disks.revokeAccess('rg-web', 'web-logs', fast);
    });

    it('refuses Read on ReadyToUpload, Write on an ordinary disk, and VHDX for a disk', async () => {
        const disks = arm.compute(SUB_DEV).disks;
        assert.equal((await disks.get('rg-data', 'upload-target')).diskState, 'ReadyToUpload');
        const read = await errorOf(disks.grantAccess('rg-data', 'upload-target', { access: 'Read', durationInSeconds: 60 }, fast).pollUntilDone());
        assert.equal(read.statusCode, 409);
        const write = await errorOf(disks.grantAccess('rg-web', 'web-logs', { access: 'Write', durationInSeconds: 60 }, fast).pollUntilDone());
        assert.equal(write.statusCode, 409);
        const vhdx = await errorOf(disks.grantAccess('rg-web', 'web-logs', { access: 'Read', durationInSeconds: 60, fileFormat: 'VHDX' }, fast).pollUntilDone());
        assert.equal(vhdx.statusCode, 400);
    });
});

describe('grant and revoke', () => {
    it('grants Read on an unattached disk: real SAS, ActiveSAS, byte-exact blob; revoke restores the state and kills the SAS', async () => {
        const d = seeded('web-data-01');
        const disks = arm.compute(SUB_DEV).disks;
        const t0 = Date.now();
        const uri = await disks.grantAccess('rg-web', d.name, { access: 'Read', durationInSeconds: 3600 }, fast);
        assert.ok(uri.accessSAS);
        assert.equal(uri.securityDataAccessSAS, undefined);
        const p = parseSas(uri.accessSAS).params;
        assert.equal(p.get('sr'), 'b');
        assert.equal(p.get('sp'), 'r');
        const se = Date.parse(p.get('se') ?? '');
        assert.ok(Math.abs(se - (t0 + 3600_000)) < 10_000, 'se is now + duration');
        assert.equal((await disks.get('rg-web', d.name)).diskState, 'ActiveSAS');
        await verifyBlob(uri.accessSAS, d.blobs.disk, true);
        await disks.revokeAccess('rg-web', d.name, fast);
        assert.equal((await disks.get('rg-web', d.name)).diskState, 'Unattached');
        const res = await fetch(uri.accessSAS);
        assert.equal(res.status, 403);
        assert.equal(res.headers.get('x-ms-error-code'), 'AuthenticationFailed');
    });

    it('grants on a disk of a deallocated VM (Reserved) and on an odd-but-legal name', async () => {
        const disks = arm.compute(SUB_DEV).disks;
        for (const name of ['web-os-02', 'data_disk.v2-(old)']) {
            const d = seeded(name);
            const uri = await disks.grantAccess('rg-web', name, { access: 'Read', durationInSeconds: 600 }, fast);
            await verifyBlob(uri.accessSAS!, d.blobs.disk);
            await disks.revokeAccess('rg-web', name, fast);
            assert.equal((await disks.get('rg-web', name)).diskState, d.diskState);
        }
    });

    it('confidential VM disk: three SAS (disk, VMGS, VMMD) with the guest-state flag', async () => {
        const d = seeded('cvm-os');
        const disks = arm.compute(SUB_DEV).disks;
        const uri = await disks.grantAccess('rg-secure', 'cvm-os', { access: 'Read', durationInSeconds: 3600, getSecureVMGuestStateSAS: true }, fast);
        assert.ok(uri.accessSAS && uri.securityDataAccessSAS && uri.securityMetadataAccessSAS);
        const gs = parseSas(uri.securityDataAccessSAS);
        const md = parseSas(uri.securityMetadataAccessSAS);
        assert.match(gs.blob, /_vmgs$/);
        assert.match(md.blob, /_vmmd$/);
        assert.notEqual(md.container, parseSas(uri.accessSAS).container, 'VMMD lives in its own container');
        await verifyBlob(uri.accessSAS, d.blobs.disk);
        await verifyBlob(uri.securityDataAccessSAS, d.blobs.vmgs!, true);
        await verifyBlob(uri.securityMetadataAccessSAS, d.blobs.vmmd!, true);
        await disks.revokeAccess('rg-secure', 'cvm-os', fast);
        assert.equal((await disks.get('rg-secure', 'cvm-os')).diskState, 'Reserved');
    });

    it('Trusted Launch disk: disk + VMGS, no VMMD', async () => {
        const d = seeded('tl-os');
        const disks = arm.compute(SUB_DEV).disks;
        const uri = await disks.grantAccess('rg-secure', 'tl-os', { access: 'Read', durationInSeconds: 3600, getSecureVMGuestStateSAS: true }, fast);
        assert.ok(uri.accessSAS && uri.securityDataAccessSAS);
        assert.equal(uri.securityMetadataAccessSAS, undefined);
        await verifyBlob(uri.securityDataAccessSAS, d.blobs.vmgs!);
        await disks.revokeAccess('rg-secure', 'tl-os', fast);
    });

    it('snapshots (full and incremental) export as VHD and as VHDX', async () => {
        const snaps = arm.compute(SUB_DEV).snapshots;
        for (const name of ['web-data-01-full', 'web-data-01-incr']) {
            const d = seeded(name);
            for (const fileFormat of ['VHD', 'VHDX'] as const) {
                const uri = await snaps.grantAccess('rg-data', name, { access: 'Read', durationInSeconds: 900, fileFormat }, fast);
                await verifyBlob(uri.accessSAS!, fileFormat === 'VHD' ? d.blobs.disk : d.blobs.vhdx!, name === 'web-data-01-full' && fileFormat === 'VHDX');
                assert.equal((await snaps.get('rg-data', name)).diskState, 'ActiveSAS');
                await snaps.revokeAccess('rg-data', name, fast);
                assert.equal((await snaps.get('rg-data', name)).diskState, 'Unattached');
            }
        }
    });

    it('the large sparse disk: grant, content and footer check out', async () => {
        const d = seeded('big-data');
        assert.ok(d.blobs.disk.size >= 1024 ** 3 + 512);
        const ratio = d.blobs.disk.writtenBytes / d.blobs.disk.size;
        assert.ok(ratio > 0.08 && ratio < 0.12, `about 10 % written (${ratio})`);
        const disks = arm.compute(SUB_DEV).disks;
        const uri = await disks.grantAccess('rg-data', 'big-data', { access: 'Read', durationInSeconds: 3600 }, fast);
        await verifyBlob(uri.accessSAS!, d.blobs.disk);
        await disks.revokeAccess('rg-data', 'big-data', fast);
    });

    it('Write grant on a ReadyToUpload disk: rw SAS that accepts pages; revoke makes it Unattached', async () => {
        const disks = arm.compute(SUB_DEV).disks;
        const uri = await disks.grantAccess('rg-data', 'upload-target', { access: 'Write', durationInSeconds: 3600 }, fast);
        assert.equal(parseSas(uri.accessSAS!).params.get('sp'), 'rw');
        assert.equal((await disks.get('rg-data', 'upload-target')).diskState, 'ActiveUpload');
        const target = seeded('upload-target').blobs.disk;
        const before = await sparseSha256(uri.accessSAS!);
        assert.equal(before.size, target.size);
        assert.equal(before.fetched, 0, 'an upload target starts empty');
        const put = await fetch(`${uri.accessSAS}&comp=page`, {
            method: 'PUT',
            headers: { 'x-ms-page-write': 'update', 'x-ms-range': 'bytes=0-511', 'Content-Length': '512', 'x-ms-version': '2021-08-06' },
            body: Buffer.alloc(512, 7),
        });
        assert.equal(put.status, 201, await put.text());
        const back = await fetch(uri.accessSAS!, { headers: { Range: 'bytes=0-511' } });
        assert.deepEqual(Buffer.from(await back.arrayBuffer()), Buffer.alloc(512, 7));
        await disks.revokeAccess('rg-data', 'upload-target', fast);
        assert.equal((await disks.get('rg-data', 'upload-target')).diskState, 'Unattached');
    });

    it('a disk seeded in ActiveSAS refuses a new grant until revoked', async () => {
        const disks = arm.compute(SUB_DEV).disks;
        assert.equal((await disks.get('rg-web', 'web-exported')).diskState, 'ActiveSAS');
        const e = await errorOf(disks.grantAccess('rg-web', 'web-exported', { access: 'Read', durationInSeconds: 60 }, fast).pollUntilDone());
        assert.equal(e.statusCode, 409);
        await disks.revokeAccess('rg-web', 'web-exported', fast);
        assert.equal((await disks.get('rg-web', 'web-exported')).diskState, 'Unattached');
        const uri = await disks.grantAccess('rg-web', 'web-exported', { access: 'Read', durationInSeconds: 60 }, fast);
        await verifyBlob(uri.accessSAS!, seeded('web-exported').blobs.disk);
    });

    it('a subscription of the second tenant works with a token of that tenant', async () => {
        const other = await armClientsFor(sb.info, OTHER_TENANT);
        const disks = other.compute(SUB_OTHER).disks;
        const uri = await disks.grantAccess('rg-fabrikam', 'fabrikam-data', { access: 'Read', durationInSeconds: 60 }, fast);
        await verifyBlob(uri.accessSAS!, seeded('fabrikam-data').blobs.disk);
        await disks.revokeAccess('rg-fabrikam', 'fabrikam-data', fast);
    });
});

describe('secrets', () => {
    it('reports every SAS signature and token it issued, and never logs them', async () => {
        const prod = await arm.compute(SUB_PROD).disks.grantAccess('rg-prod', 'prod-db-01', { access: 'Read', durationInSeconds: 60 }, fast);
        const sig = parseSas(prod.accessSAS!).params.get('sig')!;
        await fetch(prod.accessSAS!).then((r) => r.arrayBuffer());
        const secrets = await sb.control.issuedSecrets();
        assert.ok(secrets.sasSignatures.includes(sig));
        assert.ok(prod.accessSAS!.includes(secrets.sasSignaturesEncoded[secrets.sasSignatures.indexOf(sig)]), 'the encoded form is what the URL carries');
        assert.ok(secrets.bearerTokens.includes(sb.info.bearerToken));
        assert.ok(secrets.bearerTokens.length >= 2, 'the az stand-in tokens are listed too');
        const all = logLines.join('\n');
        assert.ok(logLines.some((l) => l.startsWith('storage GET')));
        assert.equal(secrets.storageAccountKeys.length, 3);
        for (const s of [...secrets.sasSignatures, ...secrets.bearerTokens, ...secrets.storageAccountKeys]) {
            assert.ok(!all.includes(s) && !all.includes(encodeURIComponent(s)), 'a secret reached the log');
        }
        assert.ok(!all.includes('sig='));
        await arm.compute(SUB_PROD).disks.revokeAccess('rg-prod', 'prod-db-01', fast);
    });
});
