/**
 * What a download promises about the file it leaves, seen only through the engine's public
 * exports: one version of one blob (an ETag change mid-download fails it), plain http only to
 * loopback, holes kept where nothing was written (merged gaps included), and honest numbers when
 * the disk is full or nearly so.
 */
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import { describe, it } from 'node:test';
import { assertSecureUrl, downloadBlob, TransferError, type TransferTuning } from '../../src/transfer/index';
import { fragmentedModel, sparseModel } from '../bench/blobModel';
import { sha256File } from '../bench/fixtures';
import { startRangeServer } from '../bench/rangeServer';
import { assertKeepsHoles, fastTuning, holeSlack, outputThatFills, scratch } from './support';

const MiB = 1024 * 1024;
const tmp = scratch();
const dest = tmp.dest;

/** Replaces fs.promises.statfs for the call, so the engine's free-space check sees `free` bytes. */
async function withFreeSpace<T>(free: number, fn: () => Promise<T>): Promise<T> {
    const real = fs.promises.statfs;
    fs.promises.statfs = (async (p: fs.PathLike) => {
        const s = await real(p);
        return { ...s, bsize: 1, bavail: free };
    }) as typeof fs.promises.statfs;
    try {
        return await fn();
    } finally {
        fs.promises.statfs = real;
    }
}

describe('URL rule of the transfer engine', () => {
    it('plain http only to a loopback host; look-alike hosts are refused before any request', () => {
        for (const ok of ['https://md-x.blob.storage.azure.net/c/b?sig=1', 'http://127.0.0.1:10000/c/b', 'http://127.9.8.7/c/b', 'http://localhost:9/c', 'http://[::1]:8080/c']) {
            assert.equal(assertSecureUrl(ok).href, new URL(ok).href, ok);
        }
        for (const bad of ['http://127.0.0.1.evil.example/c/b?sig=s3cret', 'http://127.0.0.1.nip.io/c', 'http://localhost.example.com/c', 'http://md-x.blob.storage.azure.net/c/b?sig=s3cret', 'http://10.0.0.1/c', 'ftp://127.0.0.1/c', 'not a url']) {
            assert.throws(() => assertSecureUrl(bad), (e: TransferError) => e.code === 'InsecureUrl' && !e.message.includes('s3cret'), bad);
        }
    });

    it('downloadBlob refuses http://127.0.0.1.<domain> without sending anything', async () => {
        await assert.rejects(downloadBlob({ url: 'http://127.0.0.1.evil.example:9/c/b?sig=s3cret', destPath: dest(), tuning: { ...fastTuning, maxAttempts: 1 } }),
            (e: TransferError) => e.code === 'InsecureUrl' && /only https/.test(e.message) && !e.message.includes('s3cret'));
    });
});

for (const transport of ['direct', 'node'] as const) describe(`over ${transport}`, () => {
    const fast: TransferTuning = { ...fastTuning, transport };

    it('a blob whose ETag changes mid-download fails with BlobChanged and leaves no final file', async () => {
        const model = sparseModel(16 * MiB, 0.5, 6, 41);
        let switched = false;
        const server = await startRangeServer(model, {
            fault: (i) => {
                // From the third ranged GET on, the service reports another version of the blob.
                if (i.kind === 'get' && i.n === 2) {
                    server.opts.etag = '"0x8DC0000000000002"';
                    switched = true;
                }
                return undefined;
            },
        });
        try {
            const out = dest();
            await assert.rejects(downloadBlob({ url: server.url, destPath: out, chunkSize: MiB, concurrency: 1, tuning: fast }),
                (e: TransferError) => e instanceof TransferError && e.code === 'BlobChanged' && /ETag/.test(e.message));
            assert.ok(switched, 'the server changed the blob');
            assert.ok(!fs.existsSync(out), 'no file mixing two versions under the final name');
            assert.ok(server.counts.get <= 5, `${server.counts.get} GETs: the engine stopped at the change`);
        } finally {
            await server.close();
        }
    });

    it('an unchanged ETag downloads (the check compares, it does not just refuse)', async () => {
        const model = sparseModel(8 * MiB, 0.5, 4, 42);
        const server = await startRangeServer(model, { etag: '"0x8DC0000000000007"' });
        try {
            const out = dest();
            await downloadBlob({ url: server.url, destPath: out, chunkSize: MiB, concurrency: 2, tuning: fast });
            assert.equal(await sha256File(out), model.sha256());
        } finally {
            await server.close();
        }
    });

    it('merged gaps stay holes: allocation follows the written bytes, not the bytes fetched', async () => {
        // 400 ranges of 8 KiB, gaps small enough to be fetched together with their neighbours.
        const frag = fragmentedModel(32 * MiB, 400, 8 * 1024, 4);
        const server = await startRangeServer(frag, { pageSize: 150 });
        try {
            const out = dest();
            const r = await downloadBlob({ url: server.url, destPath: out, concurrency: 4, tuning: fast });
            assert.equal(await sha256File(out), frag.sha256());
            assert.equal(r.bytesWritten, frag.writtenBytes);
            const slack = holeSlack(400, 1);
            assert.ok(r.bytesFetched > r.bytesWritten + slack, `the plan merged gaps (fetched ${r.bytesFetched}, written ${r.bytesWritten}), so the check below means something`);
            assertKeepsHoles(out, r.bytesWritten, slack, ` (${r.bytesFetched} fetched)`);
        } finally {
            await server.close();
        }
    });
});

describe('disk space', () => {
    const model = sparseModel(32 * MiB, 0.5, 4, 43);

    it('a full disk reports the bytes still needed, net of what was already fetched', async () => {
        const server = await startRangeServer(model);
        try {
            const plan = (await downloadBlob({ url: server.url, destPath: dest(), chunkSize: MiB, concurrency: 1, tuning: fastTuning })).bytesFetched;
            assert.ok(plan >= 6 * MiB, `plan of ${plan} bytes`);
            const disk = outputThatFills(3 * MiB);
            const e = await downloadBlob({ url: server.url, destPath: dest(), chunkSize: MiB, concurrency: 1, tuning: fastTuning }, { openOutput: disk.open }).then(
                () => assert.fail('expected DiskFull'),
                (x: TransferError) => x,
            );
            assert.equal(e.code, 'DiskFull');
            // About 3 MiB landed before the disk was full: at least 1 MiB of it counts as fetched.
            const needed = e.bytesNeeded ?? -1;
            assert.ok(needed >= plan - 4 * MiB && needed <= plan - MiB, `bytes needed ${needed} of a ${plan}-byte plan after ${disk.written()} written`);
        } finally {
            await server.close();
        }
    });

    it('the free-space check asks for what is left to fetch: a resume fits where a fresh start does not', async () => {
        let fail = true;
        const server = await startRangeServer(model, { fault: (i) => (fail && i.kind === 'get' && i.n >= 5 ? { status: 404, errorCode: 'BlobNotFound' } : undefined) });
        try {
            const out = dest();
            await assert.rejects(downloadBlob({ url: server.url, destPath: out, chunkSize: MiB, concurrency: 1, tuning: fastTuning }), (e: TransferError) => e.code === 'NotFound');
            fail = false;
            const plan = (await downloadBlob({ url: server.url, destPath: dest(), chunkSize: MiB, tuning: fastTuning })).bytesFetched;
            // One byte short of the whole plan: enough for the rest of the partial, not for a fresh start.
            const free = plan - 1;
            const r = await withFreeSpace(free, () => downloadBlob({ url: server.url, destPath: out, chunkSize: MiB, concurrency: 1, tuning: fastTuning }));
            assert.ok(r.bytesResumed > 0, `resumed ${r.bytesResumed}`);
            assert.equal(r.bytesFetched + r.bytesResumed, plan);
            assert.equal(await sha256File(out), model.sha256());
            const fresh = dest();
            await assert.rejects(withFreeSpace(free, () => downloadBlob({ url: server.url, destPath: fresh, chunkSize: MiB, tuning: fastTuning })),
                (e: TransferError) => e.code === 'DiskFull' && e.bytesNeeded === 1);
            assert.ok(!fs.existsSync(fresh));
        } finally {
            await server.close();
        }
    });
});
