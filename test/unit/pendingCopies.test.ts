/** The record of unfinished copies: refs only, never a URL; found by source, forgotten by target. */
import { describe, it } from 'node:test';
import * as assert from 'node:assert/strict';
import { copyKey, isPendingCopy, PendingCopies, type PendingCopy } from '../../src/features/copy/pending';

class Memento {
    value: unknown;
    get<T>(): T | undefined {
        return this.value as T;
    }
    update(_k: string, v: unknown): Promise<void> {
        this.value = JSON.parse(JSON.stringify(v ?? null)) ?? undefined;
        return Promise.resolve();
    }
}

const ref = (name: string, rg = 'rg-a') => ({ tenantId: 't', subscriptionId: 's', resourceGroup: rg, name, kind: 'disk' as const, id: `/subscriptions/s/resourceGroups/${rg}/providers/Microsoft.Compute/disks/${name}` });
const rec = (src: string, dst: string, at: string): PendingCopy => ({ source: ref(src), target: ref(dst, 'rg-b'), blobs: ['disk'], startedAt: at });

describe('PendingCopies', () => {
    it('finds unfinished copies by source, newest first, and forgets one by its target', async () => {
        const m = new Memento();
        const store = new PendingCopies(m, 'k');
        await store.put(rec('a', 'a-copy', '2026-01-01T00:00:00Z'));
        await store.put(rec('a', 'a-copy2', '2026-01-02T00:00:00Z'));
        await store.put(rec('b', 'b-copy', '2026-01-01T00:00:00Z'));
        assert.deepEqual(store.from(ref('A').id.replace('/disks/A', '/disks/a').toUpperCase()).map((r) => r.target.name), ['a-copy2', 'a-copy'], 'case-insensitive, newest first');
        await store.remove(ref('a-copy2', 'rg-b').id);
        assert.deepEqual(store.all().map((r) => r.target.name), ['a-copy', 'b-copy']);
        await store.put({ ...rec('a', 'a-copy', '2026-01-03T00:00:00Z') });
        assert.equal(store.all().filter((r) => r.target.name === 'a-copy').length, 1, 'one record per target');
    });

    it('keeps only known fields and refuses anything that carries a URL', async () => {
        const store = new PendingCopies(new Memento(), 'k');
        await store.put({ ...rec('a', 'b', 'now'), extra: 'x', source: { ...ref('a'), url: 'x' } } as unknown as PendingCopy);
        assert.deepEqual(Object.keys(store.all()[0]).sort(), ['blobs', 'source', 'startedAt', 'target']);
        assert.deepEqual(Object.keys(store.all()[0].source).sort(), ['id', 'kind', 'name', 'resourceGroup', 'subscriptionId', 'tenantId']);
        await assert.rejects(store.put({ ...rec('a', 'b', 'now'), target: { ...ref('b'), name: 'https://x.blob/y?sig=abc' } }), /must not contain a URL/);
        assert.equal(isPendingCopy({ source: ref('a'), target: ref('b'), blobs: ['nope'], startedAt: 'x' }), false);
    });

    it('names each blob\'s copy by both resources, case-folded', () => {
        assert.equal(copyKey(ref('A'), 'vmgs', ref('B')), `${ref('A').id.toLowerCase()}#vmgs->${ref('B').id.toLowerCase()}`);
        assert.notEqual(copyKey(ref('a'), 'disk', ref('b')), copyKey(ref('a'), 'disk', ref('c')));
    });
});
