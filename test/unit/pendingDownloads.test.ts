import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { containsSecret, isPendingDownload, makePendingRecord, PendingDownloads, type PendingDownload } from '../../src/features/download/pending';

const ref = { tenantId: 't', subscriptionId: 's', resourceGroup: 'r', name: 'd1', kind: 'disk' as const, id: '/subscriptions/s/resourceGroups/r/providers/Microsoft.Compute/disks/d1' };
const base: PendingDownload = {
    ref,
    blobs: ['disk', 'vmgs'],
    paths: { disk: '/ws/disks/d1/d1.vhd', vmgs: '/ws/disks/d1/d1_vmgs.vhd' },
    fileFormat: 'VHD',
    access: 'Read',
    guestState: true,
    durationInSeconds: 3600,
    startedAt: '2026-11-21T10:00:00.000Z',
};

class FakeMemento {
    data = new Map<string, unknown>();
    get<T>(k: string): T | undefined {
        return this.data.get(k) as T | undefined;
    }
    async update(k: string, v: unknown): Promise<void> {
        if (v === undefined) this.data.delete(k);
        else this.data.set(k, JSON.parse(JSON.stringify(v)));
    }
}

test('records keep only known fields and never a SAS', () => {
    const grantLike = { ...base, ref: { ...ref, urls: { disk: 'https://h/c/b?sv=1&sig=SECRET' } }, urls: { disk: 'https://h/c/b?sig=SECRET' } } as unknown as PendingDownload;
    const rec = makePendingRecord(grantLike);
    const text = JSON.stringify(rec);
    assert.ok(!text.includes('sig='));
    assert.ok(!text.includes('SECRET'));
    assert.ok(!text.includes('urls'));
    assert.equal(isPendingDownload(rec), true);
});

test('a record whose fields carry a URL is refused', () => {
    assert.throws(() => makePendingRecord({ ...base, paths: { disk: 'https://h/c/b?sv=1&sig=SECRET', vmgs: '/x' } }));
    assert.equal(containsSecret({ a: 'x?sig=abc' }), true);
    assert.equal(containsSecret(base), false);
});

test('store keeps one record per disk and removes it', async () => {
    const m = new FakeMemento();
    const store = new PendingDownloads(m, 'k');
    await store.add(base);
    await store.add({ ...base, blobs: ['disk'], startedAt: '2026-11-21T11:00:00.000Z' });
    assert.equal(store.all().length, 1);
    assert.deepEqual(store.all()[0].blobs, ['disk', 'vmgs']);
    assert.equal(store.all()[0].startedAt, '2026-11-21T11:00:00.000Z');
    assert.ok(!JSON.stringify(m.data.get('k')).includes('sig='));
    await store.remove(ref.id.toUpperCase());
    assert.equal(store.all().length, 0);
});

test('runs of different blobs of one disk merge, and end separately', async () => {
    const store = new PendingDownloads(new FakeMemento(), 'k');
    await store.add({ ...base, blobs: ['disk'], paths: { disk: '/ws/d1.vhd' } });
    await store.add({ ...base, blobs: ['vmgs'], paths: { vmgs: '/ws/d1_vmgs.vhd' } });
    assert.deepEqual(store.all()[0].blobs, ['disk', 'vmgs']);
    assert.deepEqual(store.all()[0].paths, { disk: '/ws/d1.vhd', vmgs: '/ws/d1_vmgs.vhd' });
    await store.remove(ref.id, ['vmgs']);
    assert.deepEqual(store.all()[0].blobs, ['disk']);
    await store.remove(ref.id, ['disk']);
    assert.equal(store.all().length, 0);
});

test('stored junk is ignored', () => {
    const m = new FakeMemento();
    m.data.set('k', [{ nonsense: true }, { ...base, blobs: ['os'] }, { ...base, paths: { disk: 'https://x/y?sig=z' } }, base]);
    const store = new PendingDownloads(m, 'k');
    assert.equal(store.all().length, 1);
});
