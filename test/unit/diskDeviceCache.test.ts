/**
 * The cached block device over a counting fake source: the bytes are right, small adjacent reads
 * cost few requests, one read's missing blocks come in one request, a file-system-like pattern
 * stays cheap, the LRU keeps within its bytes, unwritten pages cost nothing, errors reach the
 * caller and are not kept.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ByteRange, cachedDevice, DeviceSource } from '../../src/disk/device/cached';
import { DiskFormatError } from '../../src/disk/types';

const KiB = 1024;
const MiB = 1024 * KiB;

/** The byte at `i` of the fake disk: varies within and across blocks. */
const byteAt = (i: number): number => (i * 131 + Math.floor(i / 65536) * 7 + 3) & 0xff;

function expected(start: number, length: number): Uint8Array {
    const out = new Uint8Array(length);
    for (let k = 0; k < length; k++) out[k] = byteAt(start + k);
    return out;
}

interface FakeSource extends DeviceSource {
    calls: ByteRange[];
    /** Fail the next n fetches. */
    failNext: number;
    delayMs: number;
}

function fakeSource(size: number, written?: ByteRange[]): FakeSource {
    const src: FakeSource = {
        size,
        calls: [],
        failNext: 0,
        delayMs: 0,
        async fetch(start, end) {
            src.calls.push({ start, end });
            if (src.delayMs) await new Promise((r) => setTimeout(r, src.delayMs));
            if (src.failNext > 0) {
                src.failNext--;
                throw Object.assign(new Error('connection reset'), { code: 'ECONNRESET' });
            }
            return expected(start, end - start);
        },
    };
    if (written) src.dataRanges = async () => written;
    return src;
}

describe('cached block device', () => {
    it('returns the source\'s bytes for reads of every shape', async () => {
        const src = fakeSource(20 * MiB + 1234);
        const dev = cachedDevice(src);
        const reads: [number, number][] = [[0, 1], [65535, 2], [100, 70_000], [3 * MiB - 10, 5 * MiB], [src.size - 1234, 1234], [src.size - 1, 1], [7 * MiB, 0]];
        let seed = 9;
        for (let i = 0; i < 200; i++) {
            seed = (seed * 1103515245 + 12345) & 0x7fffffff;
            const at = seed % src.size;
            reads.push([at, Math.min(src.size - at, seed % (300 * KiB))]);
        }
        for (const [at, n] of reads) assert.deepEqual(await dev.read(at, n), expected(at, n), `read ${at} + ${n}`);
        await assert.rejects(dev.read(src.size - 10, 11), DiskFormatError);
    });

    it('answers 1,024 adjacent 4 KiB reads with a handful of requests (read-ahead doubles)', async () => {
        const src = fakeSource(64 * MiB);
        const dev = cachedDevice(src);
        for (let at = 0; at < 4 * MiB; at += 4 * KiB) assert.deepEqual(await dev.read(at, 4 * KiB), expected(at, 4 * KiB));
        const { requests, bytesFetched } = dev.stats();
        assert.ok(requests <= 8, `${requests} requests`);
        assert.ok(bytesFetched <= 8 * MiB, `${bytesFetched} bytes`);
        // Each request after the first is larger than the one before, up to the 4 MiB cap.
        const sizes = src.calls.map((c) => c.end - c.start);
        for (let i = 2; i < sizes.length; i++) assert.ok(sizes[i] > sizes[i - 1] || sizes[i] >= 4 * MiB, `sizes ${sizes}`);
        assert.ok(Math.max(...sizes) <= 4 * MiB + 64 * KiB, `sizes ${sizes}`);
    });

    it('fetches the missing blocks of one read in one request each run, and nothing it holds', async () => {
        const src = fakeSource(16 * MiB);
        const dev = cachedDevice(src, { maxReadAhead: 0 });
        await dev.read(10 * 65536, 100);
        await dev.read(13 * 65536, 100);
        src.calls.length = 0;
        // Blocks 8..15: 8, 9 missing, 10 held, 11, 12 missing, 13 held, 14, 15 missing.
        assert.deepEqual(await dev.read(8 * 65536, 8 * 65536), expected(8 * 65536, 8 * 65536));
        assert.deepEqual(src.calls, [{ start: 8 * 65536, end: 10 * 65536 }, { start: 11 * 65536, end: 13 * 65536 }, { start: 14 * 65536, end: 16 * 65536 }]);
        src.calls.length = 0;
        await dev.read(0, 8 * MiB);
        assert.deepEqual(src.calls, [{ start: 0, end: 8 * 65536 }, { start: 16 * 65536, end: 8 * MiB }]);
    });

    it('shares one in-flight fetch among concurrent readers of the same blocks', async () => {
        const src = fakeSource(8 * MiB);
        src.delayMs = 20;
        const dev = cachedDevice(src);
        const reads = Array.from({ length: 20 }, (_, i) => dev.read(65536 + i * 100, 3000));
        const got = await Promise.all(reads);
        got.forEach((g, i) => assert.deepEqual(g, expected(65536 + i * 100, 3000)));
        assert.equal(src.calls.length, 1);
    });

    it('keeps a file-system-like pattern cheap: metadata reads cached, a file streamed, read-ahead reset by a jump', async () => {
        const src = fakeSource(1024 * MiB);
        const dev = cachedDevice(src);
        // Superblock, group descriptors, an inode table block, a folder block: each a jump.
        for (const [at, n] of [[1024, 1024], [4096, 4096], [1 * MiB + 8192, 4096], [1 * MiB + 12288, 256], [300 * MiB, 4096], [1024, 1024]]) await dev.read(at, n);
        assert.equal(src.calls.length, 3, 'one request per distinct block');
        assert.ok(src.calls.every((c) => c.end - c.start === 65536), 'no read-ahead on jumps');
        // A 16 MiB file read in 128 KiB pieces.
        const before = src.calls.length;
        for (let at = 0; at < 16 * MiB; at += 128 * KiB) assert.deepEqual(await dev.read(500 * MiB + at, 128 * KiB), expected(500 * MiB + at, 128 * KiB));
        const streamed = src.calls.length - before;
        assert.ok(streamed <= 12, `${streamed} requests for 16 MiB`);
        assert.ok(dev.stats().bytesFetched <= 3 * 65536 + 20 * MiB, `${dev.stats().bytesFetched} bytes`);
        // A jump back to metadata: one block, not a read-ahead window.
        await dev.read(700 * MiB, 512);
        const last = src.calls[src.calls.length - 1];
        assert.deepEqual(last, { start: 700 * MiB, end: 700 * MiB + 65536 });
    });

    it('holds at most its byte limit, evicting the least recently used blocks', async () => {
        const src = fakeSource(64 * MiB);
        const dev = cachedDevice(src, { maxBytes: MiB });
        await dev.read(0, 4096);
        for (let at = MiB; at < 9 * MiB; at += 64 * KiB) {
            await dev.read(at, 64 * KiB);
            await dev.read(0, 16); // kept recent
            assert.ok(dev.cachedBytes() <= MiB, `${dev.cachedBytes()} bytes held`);
        }
        assert.ok(dev.cachedBytes() >= MiB / 2, `${dev.cachedBytes()} bytes held`);
        const calls = src.calls.length;
        await dev.read(0, 4096);
        assert.equal(src.calls.length, calls, 'the block used all along is still held');
        await dev.read(MiB, 4096);
        assert.equal(src.calls.length, calls + 1, 'an old block was evicted and is fetched again');
        // One read larger than the whole cache still comes back whole.
        assert.deepEqual(await dev.read(20 * MiB, 3 * MiB), expected(20 * MiB, 3 * MiB));
        assert.ok(dev.cachedBytes() <= MiB);
    });

    it('answers unwritten pages with zeros and no request', async () => {
        const written = [{ start: 0, end: 4096 }, { start: 2 * MiB + 512, end: 2 * MiB + 1024 }];
        const src = fakeSource(8 * MiB, written);
        const dev = cachedDevice(src);
        assert.deepEqual(await dev.read(MiB, MiB), new Uint8Array(MiB));
        assert.deepEqual(await dev.read(5 * MiB, 3 * MiB), new Uint8Array(3 * MiB));
        assert.equal(src.calls.length, 0);
        // A read over data and holes fetches the blocks holding data, no others.
        const got = await dev.read(0, 3 * MiB);
        assert.deepEqual(got.subarray(0, 4096), expected(0, 4096));
        assert.deepEqual(got.subarray(2 * MiB + 512, 2 * MiB + 1024), expected(2 * MiB + 512, 512));
        assert.deepEqual(src.calls, [{ start: 0, end: 65536 }, { start: 2 * MiB, end: 2 * MiB + 65536 }]);
        assert.deepEqual(await dev.dataRanges(), written);
    });

    it('passes a failed fetch to every waiter and keeps nothing of it', async () => {
        const src = fakeSource(8 * MiB);
        src.delayMs = 10;
        src.failNext = 1;
        const dev = cachedDevice(src);
        const waits = [dev.read(0, 100), dev.read(200, 100), dev.read(60_000, 10_000)];
        for (const w of waits) await assert.rejects(w, /connection reset/);
        assert.equal(src.calls.length, 2, 'blocks 0 and 1 in flight were shared');
        assert.deepEqual(await dev.read(0, 100), expected(0, 100));
        assert.equal(src.calls.length, 3, 'the failed block was fetched again');
        // A source that returns the wrong length is refused, not cached.
        const short: DeviceSource = { size: MiB, fetch: async (s, e) => expected(s, e - s - 1) };
        await assert.rejects(cachedDevice(short).read(0, 10), (e: Error) => e instanceof DiskFormatError && /returned 65535 bytes/.test(e.message));
    });
});
