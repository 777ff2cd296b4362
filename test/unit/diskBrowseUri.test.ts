/**
 * What an `azure-disk:` URI's query may name: a disk reference or an image path, round-tripped, and
 * nothing else — a query from a workspace file is hostile input, and never holds a SAS.
 */
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { decodeSource, encodeSource, isSessionId, newSessionId, sameSource } from '../../src/features/browse/source';
import type { DiskRef } from '../../src/shared/types';

const ref: DiskRef = { tenantId: 't1', subscriptionId: 'sub-1', resourceGroup: 'rg-a', name: 'web-data-01', kind: 'disk', id: '/subscriptions/sub-1/resourceGroups/rg-a/providers/Microsoft.Compute/disks/web-data-01' };

const q = (body: unknown) => 'src=' + Buffer.from(JSON.stringify(body)).toString('base64url');

test('a disk and an image round-trip through the query; the query holds no URL', () => {
    const disk = encodeSource({ type: 'disk', ref });
    assert.deepEqual(decodeSource(disk), { type: 'disk', ref });
    assert.doesNotMatch(Buffer.from(disk.slice(4), 'base64url').toString(), /https?:|sig=|\?/);
    const image = encodeSource({ type: 'image', path: '/home/u/disk image.vhd' });
    assert.deepEqual(decodeSource(image), { type: 'image', path: '/home/u/disk image.vhd' });
    assert.ok(sameSource(decodeSource(disk)!, { type: 'disk', ref: { ...ref, id: ref.id.toUpperCase() } }));
});

test('malformed or mismatched queries name nothing', () => {
    const bad = [
        '',
        'src=',
        'src=!!!',
        'src=' + Buffer.from('not json').toString('base64url'),
        q(null),
        q({ disk: { ...ref, kind: 'vm' } }),
        q({ disk: { ...ref, tenantId: '' } }),
        q({ disk: { ...ref, name: 'other-disk' } }),
        q({ disk: { ...ref, id: '/subscriptions/sub-2/resourceGroups/rg-a/providers/Microsoft.Compute/disks/web-data-01' } }),
        q({ disk: { ...ref, name: 'a\nb' } }),
        q({ image: '' }),
        q({ image: 42 }),
        'src=' + 'A'.repeat(5000),
    ];
    for (const b of bad) assert.equal(decodeSource(b), undefined, b.slice(0, 80));
});

test('session ids are 16 lower-case hex digits; anything else is not one', () => {
    const id = newSessionId((n) => Buffer.alloc(n, 0xab));
    assert.equal(id, 'abababababababab');
    assert.ok(isSessionId(id));
    for (const s of ['', 'ABABABABABABABAB', 'abab', '../../etc', 'abababababababab.evil']) assert.equal(isSessionId(s), false, s);
});
