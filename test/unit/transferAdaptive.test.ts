import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ChunkQueue, GapTuner, widestGapWithin } from '../../src/transfer/download/gaps';
import { asksMd5, Md5Sampler, rangeMd5Rule, SAMPLE_EVERY } from '../../src/transfer/download/settings';
import { downloadBlob } from '../../src/transfer/index';
import { BlobModel } from '../bench/blobModel';
import { sha256File } from '../bench/fixtures';
import { startRangeServer } from '../bench/rangeServer';
import { fastTuning, scratch } from './support';

const KiB = 1024;
const MiB = 1024 * KiB;
const tmp = scratch();

describe('range MD5 per transport', () => {
    it('https: none by default (TLS guarantees the bytes); plain http (loopback): a sample; tuning overrides both', () => {
        assert.equal(rangeMd5Rule('https://acct.blob.core.windows.net/c/b?sig=x', undefined), 'none');
        assert.equal(rangeMd5Rule('http://127.0.0.1:10000/devstoreaccount1/c/b', undefined), 'sample');
        assert.equal(rangeMd5Rule('https://acct.blob.core.windows.net/c/b', true), 'every');
        assert.equal(rangeMd5Rule('http://127.0.0.1:10000/c/b', true), 'every');
        assert.equal(rangeMd5Rule('http://127.0.0.1:10000/c/b', false), 'none');
    });

    it('a sample is the first range, then one in SAMPLE_EVERY', () => {
        const asked = Array.from({ length: 100 }, (_, i) => i).filter((i) => asksMd5('sample', i));
        assert.deepEqual(asked, [0, SAMPLE_EVERY, 2 * SAMPLE_EVERY, 3 * SAMPLE_EVERY]);
        assert.ok(asksMd5('every', 77));
        assert.ok(!asksMd5('none', 0));
    });

    it('a chunk that asks for its MD5 is at most 4 MiB (the service hashes no more); the others may be 8 MiB', () => {
        const lines: string[] = [];
        const s = new Md5Sampler('sample', (m) => lines.push(m));
        assert.equal(s.limit(0, 8 * MiB), 4 * MiB);
        assert.equal(s.limit(5, 8 * MiB), 8 * MiB);
        assert.ok(!s.asks({ index: 0, start: 0, end: 8 * MiB }), 'no MD5 above 4 MiB');
        s.mismatched();
        assert.equal(s.limit(5, 8 * MiB), 4 * MiB, 'after a mismatch every chunk asks');
        assert.equal(lines.length, 1);
        assert.equal(new Md5Sampler('none', () => undefined).limit(0, 8 * MiB), 8 * MiB);
    });

    for (const transport of ['direct', 'node'] as const) {
        it(`over ${transport}: plain http checks the sample by default, and every range after a sampled one failed`, async () => {
            const model = new BlobModel(80 * MiB + 512, [{ start: 0, end: 80 * MiB }], 21, true); // 80 chunks of 1 MiB and the footer
            const server = await startRangeServer(model);
            try {
                const r = await downloadBlob({ url: server.url, destPath: tmp.dest(), chunkSize: MiB, concurrency: 2, tuning: { ...fastTuning, transport } });
                const md5 = r.checks.find((c) => c.name === 'range-md5');
                // Chunks 0, 32, 64.
                assert.match(md5?.detail ?? '', /^3 of 81 ranges/);
                // Corrupt the sampled chunk at 32 MiB once: it is re-fetched, and every range after it is checked.
                let corrupted = 0;
                server.opts.fault = (i) => (i.kind === 'get' && i.start === 32 * MiB && corrupted === 0 ? (corrupted++, { corrupt: true }) : undefined);
                const out = tmp.dest();
                const r2 = await downloadBlob({ url: server.url, destPath: out, chunkSize: MiB, concurrency: 2, tuning: { ...fastTuning, transport } });
                assert.equal(corrupted, 1);
                assert.equal(r2.retries, 1);
                assert.equal(await sha256File(out), model.sha256());
                const n = Number(/^(\d+) of/.exec(r2.checks.find((c) => c.name === 'range-md5')?.detail ?? '')?.[1]);
                assert.ok(n >= 40, `${n} ranges checked after the mismatch (a sample is 3)`);
                // Asked to, every range is checked; told not to, none.
                const every = await downloadBlob({ url: server.url, destPath: tmp.dest(), chunkSize: MiB, concurrency: 2, tuning: { ...fastTuning, transport, verifyMd5: true } });
                assert.match(every.checks.find((c) => c.name === 'range-md5')?.detail ?? '', /^81 of 81/);
                const none = await downloadBlob({ url: server.url, destPath: tmp.dest(), chunkSize: MiB, concurrency: 2, tuning: { ...fastTuning, transport, verifyMd5: false } });
                assert.equal(none.checks.find((c) => c.name === 'range-md5'), undefined);
            } finally {
                await server.close();
            }
        });
    }
});

describe('adaptive gap merging', () => {
    const feed = (t: GapTuner, costMs: number, bytesPerMs: number, sizes: number[]) => {
        for (let i = 0; i < 256; i++) {
            const n = sizes[i % sizes.length];
            t.record(n, costMs + n / bytesPerMs);
        }
    };

    it('merges gaps up to cost × rate when requests are expensive (a long-haul link)', () => {
        const t = new GapTuner({ minGap: 64 * KiB, maxGap: 4 * MiB });
        feed(t, 30, 50 * MiB / 1000, [52 * KiB, 104 * KiB, 300 * KiB, 1 * MiB]); // 30 ms per request, 50 MiB/s
        assert.ok(Math.abs(t.fit!.costMs - 30) < 0.01, `cost ${t.fit!.costMs}`);
        // Break-even 30 ms × 50 MiB/s = 1.5 MiB; the gap walks halfway there per refit.
        assert.ok(t.gap > 1.4 * MiB && t.gap <= 1.5 * MiB, `gap ${t.gap}`);
    });

    it('never beyond the widest gap allowed, never below the plan\'s gap', () => {
        const capped = new GapTuner({ minGap: 64 * KiB, maxGap: 256 * KiB });
        feed(capped, 30, 50 * MiB / 1000, [52 * KiB, 1 * MiB]);
        assert.equal(capped.gap, 256 * KiB);
        const cheap = new GapTuner({ minGap: 64 * KiB, maxGap: 1 * MiB });
        feed(cheap, 0.05, 1000 * MiB / 1000, [52 * KiB, 1 * MiB]); // requests nearly free: 50 µs ≈ 52 KiB
        assert.equal(cheap.gap, 64 * KiB);
    });

    it('keeps its gap when the sizes do not vary enough to tell request cost from byte cost', () => {
        const t = new GapTuner({ minGap: 64 * KiB, maxGap: 1 * MiB });
        feed(t, 30, 50 * MiB / 1000, [52 * KiB]);
        assert.equal(t.fit, undefined);
        assert.equal(t.gap, 64 * KiB);
    });

    it('probes a wider gap every 8th request', () => {
        const t = new GapTuner({ minGap: 64 * KiB, maxGap: 1 * MiB });
        assert.deepEqual(Array.from({ length: 16 }, (_, i) => t.gapFor(i)).filter((g) => g !== 64 * KiB), [256 * KiB, 256 * KiB]);
    });

    it('the queue merges gaps up to the gap asked for, within a chunk, never across bytes already on disk', () => {
        const ranges = [{ start: 0, end: 100 }, { start: 150, end: 200 }, { start: 400, end: 500 }, { start: 520, end: 900 }];
        const take = (q: ChunkQueue, gap: number) => {
            const out: [number, number][] = [];
            for (let c = q.next(() => gap); c; c = q.next(() => gap)) out.push([c.start, c.end]);
            return out;
        };
        assert.deepEqual(take(new ChunkQueue(ranges, 300), 0), [[0, 100], [150, 200], [400, 500], [520, 820], [820, 900]]);
        assert.deepEqual(take(new ChunkQueue(ranges, 300), 50), [[0, 200], [400, 700], [700, 900]]);
        // [500, 520) already on disk (a resumed partial): not fetched again.
        assert.deepEqual(take(new ChunkQueue(ranges, 300, (a, b) => !(a < 520 && b > 500)), 50), [[0, 200], [400, 500], [520, 820], [820, 900]]);
    });

    it('merges the smallest gaps first, within the byte budget', () => {
        const ranges = [{ start: 0, end: 10 }, { start: 40, end: 50 }, { start: 60, end: 70 }, { start: 90, end: 100 }];
        // Gaps 30, 10, 20: 10 + 20 fit 35 bytes, 30 more do not.
        assert.equal(widestGapWithin(ranges, 35), 20);
        assert.equal(widestGapWithin(ranges, 9), 0);
        assert.equal(widestGapWithin(ranges, 60), 30);
    });

    it('end to end: on a slow-request link fewer, fuller requests, within the budget, same bytes on disk', async () => {
        // 320 ranges of ~96 KiB, 80–112 KiB apart (wider than the plan merges); 20 ms per request.
        const ranges = Array.from({ length: 320 }, (_, i) => ({ start: i * 192 * KiB, end: i * 192 * KiB + (80 + (i % 3) * 16) * KiB }));
        const model = new BlobModel(320 * 192 * KiB + 512, ranges, 5, true);
        const server = await startRangeServer(model, { latencyMs: 20 });
        try {
            const fixed = await downloadBlob({ url: server.url, destPath: tmp.dest(), concurrency: 4, tuning: { ...fastTuning, adaptiveMerge: false } });
            const fixedGets = server.counts.get;
            const out = tmp.dest();
            const lines: string[] = [];
            const r = await downloadBlob({ url: server.url, destPath: out, concurrency: 4, log: (m) => lines.push(m), tuning: fastTuning });
            const gets = server.counts.get - fixedGets;
            assert.equal(fixed.bytesFetched, model.writtenBytes);
            assert.ok(gets < 0.75 * fixedGets, `${gets} GETs adaptive, ${fixedGets} fixed\n${lines.join('\n')}`);
            assert.ok(r.bytesFetched <= 1.5 * model.writtenBytes, `fetched ${r.bytesFetched} for ${model.writtenBytes} written`);
            assert.equal(await sha256File(out), model.sha256());
        } finally {
            await server.close();
        }
    });
});
