/** Scale mode: 5,000 metadata-only disks across 50 resource groups, listed through the SDK. */
import { after, before, it } from 'node:test';
import * as assert from 'node:assert/strict';
import { startSandbox, type Sandbox } from '../sandbox/index';
import { SUB_PROD } from '../sandbox/seed';
import { armClientsFor, collect, download, sha256 } from '../sandbox/testkit';

let sb: Sandbox;

before(async () => {
    sb = await startSandbox({ scale: true, skipLargeDisk: true, lroPolls: 0, retryAfterSeconds: 0 });
});

after(async () => {
    await sb?.stop();
});

it('lists 50 extra groups of 100 disks each, pages of 100, and grants on a scale disk', async () => {
    const arm = await armClientsFor(sb.info);
    const groups = await collect(arm.resources(SUB_PROD).resourceGroups.list());
    assert.equal(groups.filter((g) => g.name!.startsWith('rg-scale-')).length, 50);
    await sb.control.clearLog();
    const inGroup = await collect(arm.compute(SUB_PROD).disks.listByResourceGroup('rg-scale-07'));
    assert.equal(inGroup.length, 100);
    const all = await collect(arm.compute(SUB_PROD).disks.list());
    assert.equal(all.length, sb.manifest.filter((d) => d.subscriptionId === SUB_PROD && d.kind === 'disk').length);
    assert.ok(all.length >= 5000);
    const log = (await sb.control.requestLog()).arm;
    assert.equal(log.byPath[`/subscriptions/${SUB_PROD}/providers/microsoft.compute/disks`]?.requests, Math.ceil(all.length / 100));
    const d = sb.manifest.find((x) => x.name === 'scale-07-042')!;
    const uri = await arm.compute(SUB_PROD).disks.grantAccess('rg-scale-07', d.name, { access: 'Read', durationInSeconds: 60 });
    assert.equal(sha256(await download(uri.accessSAS!)), d.blobs.disk.sha256);
});
