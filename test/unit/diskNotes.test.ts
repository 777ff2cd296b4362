/**
 * The notes this machine keeps about disks beyond their Azure state (an upload a revoke ended, a
 * temporary snapshot): one per disk, by group, only the known fields, and never a URL or secret.
 */
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { DiskNotes, type DiskNote } from '../../src/shared/diskNotes';

class Memento {
    readonly data = new Map<string, unknown>();
    get<T>(k: string): T | undefined {
        return this.data.get(k) as T | undefined;
    }
    update(k: string, v: unknown): Promise<void> {
        if (v === undefined) this.data.delete(k);
        else this.data.set(k, JSON.parse(JSON.stringify(v)));
        return Promise.resolve();
    }
}

const ref = (rg: string, name: string, kind: 'disk' | 'snapshot' = 'disk') => ({ tenantId: 't', subscriptionId: 'S', resourceGroup: rg, name, kind, id: `/subscriptions/S/resourceGroups/${rg}/providers/Microsoft.Compute/${kind}s/${name}` });

test('one note per disk, found by kind and by group (ids compared without case), forgotten on remove', async () => {
    const m = new Memento();
    const notes = new DiskNotes(m, 'k');
    await notes.put({ ref: ref('rg-a', 'up'), kind: 'incompleteUpload', at: '2026-01-01T00:00:00Z' });
    await notes.put({ ref: ref('rg-a', 'snap', 'snapshot'), kind: 'temporarySnapshot', at: '2026-01-01T00:00:00Z', of: 'web-os-01' });
    await notes.put({ ref: ref('rg-b', 'snap2', 'snapshot'), kind: 'temporarySnapshot', at: '2026-01-01T00:00:00Z', of: 'x' });
    await notes.put({ ref: ref('rg-a', 'up'), kind: 'incompleteUpload', at: '2026-01-02T00:00:00Z' });
    assert.equal(notes.all().length, 3, 'the second note of a disk replaces the first');
    assert.deepEqual(notes.ofKind('temporarySnapshot').map((n) => n.ref.name), ['snap', 'snap2']);
    assert.deepEqual(notes.inGroup('s', 'RG-A').map((n) => n.ref.name).sort(), ['snap', 'up']);
    await notes.remove(ref('rg-a', 'UP').id.toUpperCase());
    assert.deepEqual(notes.all().map((n) => n.ref.name).sort(), ['snap', 'snap2']);
});

test('only the known fields are kept, and a note carrying a URL is refused', async () => {
    const m = new Memento();
    const notes = new DiskNotes(m, 'k');
    await notes.put({ ref: { ...ref('rg', 'd'), extra: 'x' }, kind: 'incompleteUpload', at: 'now', url: 'kept?' } as unknown as DiskNote);
    assert.deepEqual(m.get<unknown[]>('k'), [{ ref: ref('rg', 'd'), kind: 'incompleteUpload', at: 'now' }]);
    await assert.rejects(notes.put({ ref: { ...ref('rg', 'e'), name: 'https://md-x.blob.core.windows.net/c?sig=abc' }, kind: 'incompleteUpload', at: 'now' }), /must not contain a URL or secret/);
    m.data.set('k', [{ kind: 'somethingElse' }, ...(m.get<unknown[]>('k') ?? [])]);
    assert.equal(notes.all().length, 1, 'a record of another shape is ignored');
});
