import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { before, describe, it } from 'node:test';
import { openOutput, type OpenOutput } from '../../src/transfer/core/file';
import { downloadBlob, TransferError, type TransferProgress } from '../../src/transfer/index';
import { readJournal } from '../../src/transfer/core/journal';
import { buildVhdxHeaderArea } from '../../src/formats/footer';
import { verifyFile } from '../../src/transfer/core/verify';
import { BlobModel, fragmentedModel, sparseModel } from '../bench/blobModel';
import { completeBytes, sha256File } from '../bench/fixtures';
import { startRangeServer } from '../bench/rangeServer';
import { assertKeepsHoles, fastTuning, holeSlack, outputThatFills, scratch } from './support';

const MiB = 1024 * 1024;
const tmp = scratch();
const dest = tmp.dest;

// Every test runs over both ways a range body travels: plain sockets straight into chunk
// buffers, and node:http (what the engine uses behind a proxy).
for (const transport of ['direct', 'node'] as const) describe(`over ${transport}`, () => {
    const fast = { ...fastTuning, transport };

    describe('download: sparse page blob', () => {
        const model = sparseModel(64 * MiB, 0.1, 20, 11);
        let sha: string;
        before(() => { sha = model.sha256(); });

        it('fetches only written ranges, keeps holes, verifies, renames, throttles progress', async () => {
            const server = await startRangeServer(model, { pageSize: 7 });
            try {
                const out = dest();
                const events: TransferProgress[] = [];
                const t0 = Date.now();
                const r = await downloadBlob({ url: `${server.url}?sv=1&sig=s3cret`, destPath: out, chunkSize: MiB, concurrency: 4, onProgress: (p) => events.push(p), tuning: fast });
                const elapsed = Date.now() - t0;
                assert.equal(await sha256File(out), sha);
                assert.equal(r.totalSize, model.size);
                assert.equal(r.bytesWritten, model.writtenBytes);
                assert.ok(r.bytesFetched >= model.writtenBytes && r.bytesFetched < model.writtenBytes * 1.2, `fetched ${r.bytesFetched}`);
                assert.equal(r.bytesResumed, 0);
                assert.ok(server.counts.list > 1, 'listing was paginated');
                for (const name of ['content-length', 'range-md5', 'size', 'vhd-footer'] as const) {
                    assert.ok(r.checks.find((c) => c.name === name)?.passed, `${name} passed`);
                }
                assertKeepsHoles(out, r.bytesWritten, holeSlack(20), ` (${r.bytesFetched} fetched)`);
                assert.ok(!fs.existsSync(out + '.partial') && !fs.existsSync(out + '.partial.journal'));
                assert.ok(events.length >= 2 && events.length <= elapsed / 50 + 3, `${events.length} events in ${elapsed} ms`);
                const last = events[events.length - 1];
                assert.equal(last.bytesDone, last.bytesPlanned);
                assert.equal(last.totalSize, model.size);
            } finally {
                await server.close();
            }
        });

        it('downloads a block blob (VMGS/VMMD) in full ranged chunks without listing', async () => {
            const small = new BlobModel(3 * MiB + 512, [{ start: 0, end: 3 * MiB + 512 }], 21, false);
            const server = await startRangeServer(small, { blobType: 'BlockBlob' });
            try {
                const out = dest();
                const r = await downloadBlob({ url: server.url, destPath: out, chunkSize: MiB, format: 'none', tuning: fast });
                assert.equal(await sha256File(out), small.sha256());
                assert.equal(server.counts.list, 0);
                assert.equal(server.counts.get, 4);
                assert.equal(r.bytesFetched, small.size);
            } finally {
                await server.close();
            }
        });

        it('falls back to the whole blob when page ranges cannot be listed', async () => {
            const server = await startRangeServer(model, { fault: (i) => (i.kind === 'list' ? { status: 400, errorCode: 'InvalidQueryParameterValue' } : undefined) });
            try {
                const out = dest();
                const lines: string[] = [];
                const r = await downloadBlob({ url: `${server.url}?sig=s3cret`, destPath: out, chunkSize: 4 * MiB, tuning: fast, log: (m) => lines.push(m) });
                assert.equal(await sha256File(out), sha);
                assert.equal(r.bytesFetched, model.size);
                assert.ok(r.notes?.some((x) => /whole blob/.test(x)));
                assert.ok(lines.length > 0 && lines.every((l) => !l.includes('s3cret')), 'logs never carry the SAS');
            } finally {
                await server.close();
            }
        });

        it('plans a fragmented disk with merged small gaps', async () => {
            const frag = fragmentedModel(32 * MiB, 400, 8 * 1024, 4);
            const server = await startRangeServer(frag, { pageSize: 150, latencyMs: 10 }); // latency: requests overlap
            try {
                const out = dest();
                const lines: string[] = [];
                const r = await downloadBlob({ url: server.url, destPath: out, concurrency: 4, log: (m) => lines.push(m), tuning: fast });
                assert.equal(await sha256File(out), frag.sha256());
                assert.ok(server.counts.get < 400, `${server.counts.get} GETs for 400 ranges`);
                // Small ranges: 4 × the connections asked for.
                assert.ok(lines.some((l) => / 16 connections$/.test(l)), lines.join('\n'));
                assert.ok(server.counts.maxInFlight > 4 && server.counts.maxInFlight <= 16, `${server.counts.maxInFlight} requests at once`);
                assert.ok(r.bytesFetched < frag.writtenBytes * 3, 'merging kept the overhead bounded');
                assertKeepsHoles(out, frag.writtenBytes, holeSlack(400, 1), ' (merged gaps)');
            } finally {
                await server.close();
            }
        });
    });

    describe('download: verification failures never leave a final file', () => {
        it('a corrupted chunk (wrong MD5) is re-fetched; a persistently corrupt one fails', async () => {
            const model = sparseModel(16 * MiB, 0.5, 4, 12);
            let corrupted = 0;
            // The first chunk is in every sample of range MD5s (plain http checks a sample by default).
            const first = model.ranges[0].start;
            const server = await startRangeServer(model, { fault: (i) => (i.kind === 'get' && i.start === first && corrupted === 0 ? (corrupted++, { corrupt: true }) : undefined) });
            try {
                const out = dest();
                // Hashed on a worker thread here, inline below: both paths must catch it.
                const r = await downloadBlob({ url: server.url, destPath: out, chunkSize: MiB, concurrency: 2, tuning: { ...fast, md5Workers: 1 } });
                assert.equal(corrupted, 1);
                assert.equal(r.retries, 1);
                assert.equal(await sha256File(out), model.sha256());
                server.opts.fault = (i) => (i.kind === 'get' ? { corrupt: true } : undefined);
                const out2 = dest();
                await assert.rejects(downloadBlob({ url: server.url, destPath: out2, chunkSize: MiB, tuning: { ...fast, maxAttempts: 3 } }), (e: TransferError) => e.code === 'Network' && /MD5/.test(e.message));
                assert.ok(!fs.existsSync(out2));
            } finally {
                await server.close();
            }
        });

        it('a wrong VHD footer checksum fails verification', async () => {
            const model = sparseModel(8 * MiB, 0.2, 3, 13);
            model.footer![100] ^= 0x01; // checksum no longer matches
            const server = await startRangeServer(model);
            try {
                const out = dest();
                await assert.rejects(downloadBlob({ url: server.url, destPath: out, tuning: fast }), (e: TransferError) => e.code === 'VerificationFailed' && /checksum/.test(e.message));
                assert.ok(!fs.existsSync(out), 'no file under the final name');
                assert.ok(fs.existsSync(out + '.partial') && !fs.existsSync(out + '.partial.journal'), 'data kept for inspection, journal dropped');
            } finally {
                await server.close();
            }
        });

        it('a short file fails the size check; VHDX is recognised by its signature', async () => {
            const p = path.join(tmp.dir, 'short.vhd');
            fs.writeFileSync(p, Buffer.alloc(4096));
            const f = await openOutput(p, 'resume');
            try {
                const checks = await verifyFile(f, 8192, 'vhd');
                assert.deepEqual(checks.map((c) => [c.name, c.passed]), [['size', false], ['vhd-footer', false]]);
            } finally {
                await f.close();
            }
            const x = path.join(tmp.dir, 'a.vhdx');
            fs.writeFileSync(x, buildVhdxHeaderArea());
            const g = await openOutput(x, 'resume');
            try {
                const checks = await verifyFile(g, 1024 * 1024, 'auto');
                assert.deepEqual(checks.map((c) => [c.name, c.passed]), [['size', true], ['vhdx-signature', true]]);
            } finally {
                await g.close();
            }
        });
    });

    describe('download: resume journal', () => {
        const model = sparseModel(16 * MiB, 0.5, 6, 14);
        const other = sparseModel(16 * MiB, 0.5, 6, 15);

        it('refuses to resume onto a different blob (BlobChanged), restarts only when asked', async () => {
            const a = await startRangeServer(model, { fault: (i) => (i.kind === 'get' && i.n >= 3 ? { status: 404, errorCode: 'BlobNotFound' } : undefined) });
            const b = await startRangeServer(other, { etag: '"other"' });
            try {
                const out = dest();
                await assert.rejects(downloadBlob({ url: a.url, destPath: out, chunkSize: MiB, concurrency: 1, tuning: fast }), (e: TransferError) => e.code === 'NotFound');
                const before = fs.readFileSync(out + '.partial.journal', 'utf8');
                assert.ok(readJournal(out + '.partial.journal')!.done.length >= 3);
                await assert.rejects(downloadBlob({ url: b.url, destPath: out, tuning: fast }), (e: TransferError) => e.code === 'BlobChanged');
                assert.equal(fs.readFileSync(out + '.partial.journal', 'utf8'), before, 'refused resume leaves the partial alone');
                // Same URL, but the blob's ETag changed: also refused.
                a.opts.fault = undefined;
                a.opts.etag = '"changed"';
                await assert.rejects(downloadBlob({ url: a.url, destPath: out, tuning: fast }), (e: TransferError) => e.code === 'BlobChanged' && /changed/.test(e.message));
                assert.equal(fs.readFileSync(out + '.partial.journal', 'utf8'), before);
                const r = await downloadBlob({ url: b.url, destPath: out, tuning: { ...fast, restartOnMismatch: true } });
                assert.equal(r.bytesResumed, 0);
                assert.equal(await sha256File(out), other.sha256());
            } finally {
                await a.close();
                await b.close();
            }
        });

        it('resumes by resumeKey across a new URL and fetches only what is missing', async () => {
            let fail = true;
            const a = await startRangeServer(model, { fault: (i) => (fail && i.kind === 'get' && i.n >= 4 ? { status: 404 } : undefined) });
            try {
                const out = dest();
                await assert.rejects(downloadBlob({ url: a.url, destPath: out, resumeKey: 'disk-1/os', chunkSize: MiB, concurrency: 1, tuning: fast }));
                const firstRun = completeBytes(a.served);
                fail = false;
                const b = await startRangeServer(model, { etag: '"regranted"' });
                try {
                    const r = await downloadBlob({ url: b.url, destPath: out, resumeKey: 'disk-1/os', chunkSize: MiB, concurrency: 1, tuning: fast });
                    assert.equal(r.bytesResumed, firstRun);
                    assert.equal(completeBytes(b.served) + firstRun, r.bytesFetched + r.bytesResumed, 'nothing fetched twice');
                    assert.equal(await sha256File(out), model.sha256());
                    assert.ok(!fs.existsSync(out + '.partial.journal'));
                } finally {
                    await b.close();
                }
            } finally {
                await a.close();
            }
        });
    });

    describe('download: local errors', () => {
        const model = sparseModel(16 * MiB, 0.5, 4, 16);

        it('ENOSPC → DiskFull with bytes needed, partial kept, then resume completes', async () => {
            const server = await startRangeServer(model);
            const disk = outputThatFills(3 * MiB);
            try {
                const out = dest();
                await assert.rejects(downloadBlob({ url: server.url, destPath: out, chunkSize: MiB, concurrency: 2, tuning: fast }, { openOutput: disk.open }),
                    (e: TransferError) => e.code === 'DiskFull' && (e.bytesNeeded ?? 0) > 0);
                assert.ok(fs.existsSync(out + '.partial') && fs.existsSync(out + '.partial.journal'));
                const r = await downloadBlob({ url: server.url, destPath: out, chunkSize: MiB, concurrency: 2, tuning: fast });
                // Journaled chunks resume; a chunk cut off by the full disk is fetched again.
                assert.ok(r.bytesResumed > 0 && r.bytesResumed <= disk.written(), `resumed ${r.bytesResumed} of ${disk.written()} written`);
                assert.equal(await sha256File(out), model.sha256());
            } finally {
                await server.close();
            }
        });

        it('EACCES → PermissionDenied; a non-https remote URL → InsecureUrl', async () => {
            const server = await startRangeServer(model);
            try {
                const denied: OpenOutput = async () => { throw Object.assign(new Error('permission denied'), { code: 'EACCES' }); };
                await assert.rejects(downloadBlob({ url: server.url, destPath: dest(), tuning: fast }, { openOutput: denied }), (e: TransferError) => e.code === 'PermissionDenied');
                const before = server.counts.head + server.counts.get;
                await assert.rejects(downloadBlob({ url: 'http://example.com/c/b?sig=s3cret', destPath: dest() }), (e: TransferError) => e.code === 'InsecureUrl' && !e.message.includes('s3cret'));
                assert.equal(server.counts.head + server.counts.get, before);
            } finally {
                await server.close();
            }
        });
    });
});
