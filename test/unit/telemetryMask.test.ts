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
