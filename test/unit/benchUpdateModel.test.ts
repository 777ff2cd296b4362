/**
 * The update benchmark's pair of snapshots (test/bench/updateModel.ts): the changes are where
 * their kind says, do not overlap, and the newer snapshot's bytes differ from the older's exactly
 * where something other than a same-bytes rewrite happened — so the sha256 the benchmark checks
 * each round stands for "every change applied, nothing else touched".
 */
import { describe, it } from 'node:test';
import * as assert from 'node:assert/strict';
import { fragmentedChanges, snapshotPair } from '../bench/updateModel';

const MiB = 1024 * 1024;
const GiB = 1024 * MiB;

describe('the update benchmark pair', () => {
    const pair = snapshotPair(1 * GiB, 0.11, 0.01, 5);
    const read = (m: { slices(a: number, b: number): Buffer[] }, a: number, b: number) => Buffer.concat(m.slices(a, b));
    const inOlder = (a: number) => pair.older.ranges.some((r) => r.start <= a && a < r.end);

    it('changes about 1 % of the disk, of every kind, without overlaps', () => {
        const total = pair.updatedBytes + pair.clearedBytes;
        assert.ok(Math.abs(total - 0.01 * GiB) <= 64 * 1024 * 4, `${total} bytes changed`);
        for (const k of ['new', 'overwritten', 'same', 'cleared']) assert.ok(pair.changes.some((c) => c.kind === k), `some ${k}`);
        for (let i = 1; i < pair.changes.length; i++) assert.ok(pair.changes[i - 1].end <= pair.changes[i].start, 'sorted, apart');
        assert.deepEqual(pair.tracked.map((t) => t.kind === 'ClearRange'), pair.changes.map((c) => c.kind === 'cleared'));
    });

    it('the newer differs from the older exactly where a change other than a same-bytes rewrite is', () => {
        for (const c of pair.changes) {
            const o = read(pair.older, c.start, c.end), n = read(pair.newer, c.start, c.end);
            assert.equal(inOlder(c.start), c.kind !== 'new', `${c.kind} at ${c.start}: where the older ${c.kind === 'new' ? 'has a hole' : 'has data'}`);
            if (c.kind === 'same') assert.ok(o.equals(n), 'rewritten with the same bytes');
            else assert.ok(!o.equals(n), `${c.kind} at ${c.start} changed the bytes`);
            if (c.kind === 'cleared') assert.ok(n.equals(Buffer.alloc(n.length)), 'cleared to zeros');
        }
        // Elsewhere the two are the same: a sample of the unchanged pages, the footer included.
        const changed = (a: number) => pair.changes.some((c) => c.start <= a && a < c.end);
        for (let a = 0; a < pair.older.size; a += 7 * MiB + 512) {
            if (changed(a)) continue;
            assert.ok(read(pair.older, a, a + 512).equals(read(pair.newer, a, a + 512)), `unchanged at ${a}`);
        }
        const size = pair.older.size;
        assert.ok(read(pair.older, size - 512, size).equals(read(pair.newer, size - 512, size)), 'the same footer');
    });

    it('the fragmented change set has the asked number of small ranges, both kinds', () => {
        const f = fragmentedChanges(64 * GiB, 20_000);
        assert.equal(f.length, 20_000);
        assert.ok(f.some((c) => c.kind === 'ClearRange') && f.some((c) => c.kind === 'PageRange'));
        for (let i = 1; i < f.length; i++) assert.ok(f[i - 1].end < f[i].start);
    });
});
