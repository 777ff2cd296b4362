import { createHash } from 'node:crypto';
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { hashId, maskProperties, maskText } from '../../src/platform/telemetryMask';
import { MemoryGrantStore } from '../../src/azure/grantStore';
import { parseResourceId, toDiskInfo, toGrant } from '../../src/azure/mapping';
import type { DiskRef } from '../../src/shared/types';

const id = '/subscriptions/3f2b8c1d-4e5a-4f67-8a9b-0c1d2e3f4a51/resourceGroups/rg-web/providers/Microsoft.Compute/disks/web-os-01';

test('telemetry text keeps no SAS, ARM id, GUID, e-mail or path in clear', () => {
    const text = maskText(`failed ${id} for 6a1f3c2e-5b7d-4e90-8c1a-2f4e6d8b0a11 user a.b@contoso.com at /home/me/disks/x.vhd https://h/c/b?sv=1&sig=SECRET Bearer abc.def`);
    for (const leak of ['web-os-01', 'rg-web', '6a1f3c2e', 'contoso', '/home/me', 'SECRET', 'abc.def']) assert.ok(!text.includes(leak), `${leak} in ${text}`);
    assert.equal(hashId(id), hashId(id.toUpperCase()));
    assert.notEqual(hashId(id), hashId(id + 'x'));
    assert.match(hashId(id), /^[0-9a-f]{16}$/);
    assert.deepEqual(maskProperties({ a: 'x', b: undefined }), { a: 'x' });
});

test('telemetry property values are masked, each one, and cut at 1000 characters', () => {
    const sas = 'https://md-hdd-x1y2z3.z33.blob.storage.azure.net/abcd1234/abcd?sv=2018-03-28&sr=b&sig=q%2BeN3Tz7Lk0xJ9vYw%2F5hR2mQp8sUa1bCdEfGhIjKlMn%3D&se=2026-11-21T11%3A00%3A00Z&sp=r';
    const m = maskProperties({
        url: sas,
        file: '/home/alice/disks/web-os-01.vhd',
        win: 'C:\\Users\\alice\\disks\\x.vhd',
        id,
        who: 'alice.smith@contoso.com',
        op: 'op 6a1f3c2e-5b7d-4e90-8c1a-2f4e6d8b0a11 done',
        n: '42',
        gone: undefined,
        long: 'x'.repeat(1500),
    });
    assert.deepEqual({ ...m, long: m.long.length }, {
        url: 'https://md-hdd-x1y2z3.z33.blob.storage.azure.net/abcd1234/abcd',
        file: '<path>',
        win: '<path>',
        id: `<id:${hashId(id)}>`,
        who: '<email>',
        op: `op <guid:${hashId('6a1f3c2e-5b7d-4e90-8c1a-2f4e6d8b0a11')}> done`,
        n: '42',
        long: 1000,
    });
    assert.equal(maskText('/Users/bob/x /root/y /tmp/z /work/q /var/v C:\\d\\e /opt/keep'), '<path> <path> <path> <path> <path> <path> /opt/keep');
    assert.equal(hashId(id), createHash('sha256').update(id.toLowerCase()).digest('hex').slice(0, 16));
});

test('grant store: case-insensitive ids, expiry, change events', () => {
    let now = 1000;
    const store = new MemoryGrantStore(() => now);
    const events: string[] = [];
    const sub = store.onDidChange((d) => events.push(d));
    const ref: DiskRef = { tenantId: 't', subscriptionId: 's', resourceGroup: 'rg', name: 'd', kind: 'disk', id };
    store.set(toGrant(ref, { access: 'Read', durationInSeconds: 10 }, { accessSAS: 'https://x/y?sig=1' }, new Date(now)));
    assert.ok(store.get(id.toLowerCase()));
    assert.equal(store.all().length, 1);
    now += 10_001;
    assert.equal(store.get(id), undefined, 'expired grants are dropped');
    assert.equal(events.length, 2);
    sub.dispose();
    store.set(toGrant(ref, { access: 'Read', durationInSeconds: 10 }, {}, new Date(now)));
    store.delete(id);
    assert.equal(events.length, 2, 'a disposed listener hears nothing');
});

test('ARM resources map to DiskInfo; AccessUri to a Grant with only the blobs returned', () => {
    assert.deepEqual(parseResourceId(id), { subscriptionId: '3f2b8c1d-4e5a-4f67-8a9b-0c1d2e3f4a51', resourceGroup: 'rg-web', name: 'web-os-01' });
    const d = toDiskInfo(
        { id, name: 'web-os-01', location: 'westeurope', managedBy: '/subscriptions/s/resourceGroups/rg-web/providers/Microsoft.Compute/virtualMachines/vm-web-01', diskSizeGB: 32, diskState: 'Attached', securityProfile: { securityType: 'TrustedLaunch' }, sku: { name: 'Premium_LRS' }, timeCreated: '2025-01-01T00:00:00Z' },
        'disk', 't', 'fallback', 'fallback',
    );
    assert.equal(d.attachedVm, 'vm-web-01');
    assert.equal(d.resourceGroup, 'rg-web');
    assert.equal(d.sizeBytes, 32 * 1024 ** 3);
    assert.equal(d.securityType, 'TrustedLaunch');
    assert.ok(d.timeCreated instanceof Date);
    const g = toGrant(d, { access: 'Read', durationInSeconds: 3600, getSecureVMGuestStateSAS: true }, { accessSAS: 'https://a?sig=1', securityDataAccessSAS: 'https://b?sig=2' }, new Date(0));
    assert.deepEqual(Object.keys(g.urls), ['disk', 'vmgs']);
    assert.equal(g.expiresAt.getTime(), 3_600_000);
    assert.equal(g.fileFormat, 'VHD');
    assert.equal('location' in g.ref, false, 'the grant keeps only the ref');
});
