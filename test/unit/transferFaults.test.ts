import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import { describe, it } from 'node:test';
import { downloadBlob, TransferError } from '../../src/transfer/index';
import { sparseModel } from '../bench/blobModel';
import { completeBytes, sha256File } from '../bench/fixtures';
import { startRangeServer, type Fault, type RequestInfo } from '../bench/rangeServer';
import { fastTuning, scratch } from './support';

const MiB = 1024 * 1024;
const tmp = scratch();
const dest = tmp.dest;

// Every test runs over both ways a range body travels: plain sockets straight into chunk
// buffers, and node:http (what the engine uses behind a proxy).
for (const transport of ['direct', 'node'] as const) describe(`over ${transport}`, () => {
    const fast = { ...fastTuning, transport };
    const model = sparseModel(16 * MiB, 0.5, 5, 21);
    const sha = model.sha256();
    const plan = model.writtenBytes;

    /** Runs a download against a server with one fault rule; returns the result and the server. */
    async function withFault(fault: (i: RequestInfo) => Fault | undefined, tuning = {}) {
        const server = await startRangeServer(model, { fault });
        try {
            const out = dest();
            const t0 = Date.now();
            const r = await downloadBlob({ url: server.url, destPath: out, chunkSize: MiB, concurrency: 4, tuning: { ...fast, ...tuning } });
            assert.equal(await sha256File(out), sha);
            return { r, server, ms: Date.now() - t0 };
        } finally {
            await server.close();
        }
    }

    describe('network faults are retried', () => {
        it('connection reset mid-body', async () => {
            const { r } = await withFault((i) => (i.kind === 'get' && i.n === 2 ? { resetAfter: 100_000 } : undefined));
            assert.equal(r.retries, 1);
        });
        it('truncated body (connection closed early)', async () => {
            const { r } = await withFault((i) => (i.kind === 'get' && i.n === 0 ? { truncateAfter: 1000 } : undefined));
            assert.equal(r.retries, 1);
        });
        it('Content-Length shorter than the range asked: refused at the headers, not by the idle timeout', async () => {
            // The idle timeout (20 s here) would also end such a response, slowly: the bound (half of it,
            // room for a loaded machine) tells them apart.
            const { r, ms } = await withFault((i) => (i.kind === 'get' && i.n === 1 ? { wrongLength: true } : undefined), { idleTimeoutMs: 20_000 });
            assert.equal(r.retries, 1);
            assert.ok(ms < 10_000, `took ${ms} ms`);
            const server = await startRangeServer(model, { fault: (i) => (i.kind === 'get' ? { wrongLength: true } : undefined) });
            try {
                const t0 = Date.now();
                await assert.rejects(downloadBlob({ url: server.url, destPath: dest(), chunkSize: MiB, concurrency: 1, tuning: { ...fast, maxAttempts: 1, idleTimeoutMs: 20_000 } }),
                    (e: TransferError) => e.code === 'Network' && /Content-Length \d+ for a range of 1048576 bytes/.test(e.message));
                assert.ok(Date.now() - t0 < 10_000, `failed after ${Date.now() - t0} ms`);
            } finally {
                await server.close();
            }
        });
        it('500 and 503 with Retry-After (waits at least that long)', async () => {
            const { r, ms } = await withFault((i) => (i.kind === 'get' && i.n === 0 ? { status: 503, errorCode: 'ServerBusy', retryAfter: '1' } : i.kind === 'get' && i.n === 1 ? { status: 500 } : undefined));
            assert.equal(r.retries, 2);
            assert.ok(ms >= 1000, `took ${ms} ms`);
        });
        it('HEAD 429 then fine', async () => {
            const { r } = await withFault((i) => (i.kind === 'head' && i.n === 0 ? { status: 429 } : undefined));
            assert.equal(r.retries, 1);
        });
        it('a slow but live server does not time out; a silent one does and is retried', async () => {
            // 32 KiB every 40 ms: ~1.3 s per chunk, longer than the 1 s idle timeout, yet never idle for more than
            // 40 ms — a margin wide enough for a loaded machine's stalls of the event loop.
            const slow = await withFault((i) => (i.kind === 'get' && i.n === 0 ? { trickle: { bytes: 32 * 1024, everyMs: 40 } } : undefined), { idleTimeoutMs: 1000 });
            assert.ok(slow.ms > 1000, `the slow chunk took ${slow.ms} ms, longer than the idle timeout`);
            assert.equal(slow.r.retries, 0);
            const stalled = await withFault((i) => (i.kind === 'get' && i.n === 0 ? { stallMs: 2500 } : undefined), { idleTimeoutMs: 1000 });
            assert.equal(stalled.r.retries, 1);
        });
        it('other 4xx fail at once, without retry', async () => {
            const server = await startRangeServer(model, { fault: (i) => (i.kind === 'get' ? { status: 409, errorCode: 'Conflict' } : undefined) });
            try {
                await assert.rejects(downloadBlob({ url: server.url, destPath: dest(), concurrency: 1, tuning: fast }), (e: TransferError) => e.code === 'Server');
                assert.equal(server.counts.get, 1);
            } finally {
                await server.close();
            }
        });
        it('gives up after maxAttempts on a persistent 503', async () => {
            const server = await startRangeServer(model, { fault: (i) => (i.kind === 'get' ? { status: 503 } : undefined) });
            try {
                await assert.rejects(downloadBlob({ url: server.url, destPath: dest(), concurrency: 1, tuning: { ...fast, maxAttempts: 4 } }), (e: TransferError) => e.code === 'Server');
                assert.equal(server.counts.get, 4);
            } finally {
                await server.close();
            }
        });
    });

    describe('SAS expiry', () => {
        it('403 AuthenticationFailed → refreshUrl → continues; nothing completed is fetched again', async () => {
            const sigs = new Set(['one']);
            const server = await startRangeServer(model, {
                validSigs: sigs,
                fault: (i) => {
                    if (i.kind === 'get' && i.n === 3) sigs.clear(); // the grant expires mid-download
                    return undefined;
                },
            });
            try {
                const out = dest();
                let refreshes = 0;
                const r = await downloadBlob({
                    url: `${server.url}?se=2999-01-01&sig=one`, destPath: out, chunkSize: MiB, concurrency: 4, tuning: fast,
                    refreshUrl: async () => {
                        refreshes++;
                        sigs.add('two');
                        return `${server.url}?se=2999-01-01&sig=two`;
                    },
                });
                assert.equal(refreshes, 1);
                assert.equal(r.regrants, 1);
                assert.ok(server.counts.forbidden >= 1);
                assert.equal(await sha256File(out), sha);
                assert.equal(completeBytes(server.served) - r.bytesFetched, 0, 'no completed range re-fetched');
                assert.equal(r.bytesFetched, plan);
            } finally {
                await server.close();
            }
        });

        it('without refreshUrl → SasExpired, partial kept; a fresh SAS resumes it', async () => {
            const sigs = new Set(['one']);
            const server = await startRangeServer(model, { validSigs: sigs, fault: (i) => { if (i.kind === 'get' && i.n === 5) sigs.clear(); return undefined; } });
            try {
                const out = dest();
                await assert.rejects(downloadBlob({ url: `${server.url}?sig=one`, destPath: out, chunkSize: MiB, concurrency: 2, tuning: fast }),
                    (e: TransferError) => e.code === 'SasExpired' && !e.message.includes('one'));
                assert.ok(fs.existsSync(out + '.partial.journal'));
                sigs.add('two');
                const r = await downloadBlob({ url: `${server.url}?sig=two`, destPath: out, chunkSize: MiB, concurrency: 2, tuning: fast });
                assert.ok(r.bytesResumed >= 4 * MiB, `resumed ${r.bytesResumed}`);
                assert.equal(await sha256File(out), sha);
            } finally {
                await server.close();
            }
        });

        it('a refresh that keeps failing ends with SasExpired', async () => {
            const server = await startRangeServer(model, { validSigs: new Set(['never']) });
            try {
                let calls = 0;
                await assert.rejects(downloadBlob({ url: `${server.url}?sig=x`, destPath: dest(), tuning: { ...fast, maxRegrants: 2 }, refreshUrl: async () => `${server.url}?sig=y${calls++}` }),
                    (e: TransferError) => e.code === 'SasExpired');
                assert.equal(calls, 2);
            } finally {
                await server.close();
            }
        });
    });

    describe('cancellation', () => {
        it('stops within a second, keeps a resumable partial; resume re-fetches ≤ concurrency chunks', async () => {
            const big = sparseModel(64 * MiB, 0.5, 8, 22);
            const concurrency = 4, chunk = MiB;
            // A slow link (8 MiB/s per response) so the abort lands mid-transfer.
            const server = await startRangeServer(big, { bytesPerSecond: 8 * MiB });
            try {
                const out = dest();
                const ac = new AbortController();
                let abortedAt = 0;
                const p = downloadBlob({
                    url: server.url, destPath: out, chunkSize: chunk, concurrency, signal: ac.signal, tuning: fast,
                    onProgress: (pr) => {
                        if (!abortedAt && pr.bytesDone >= pr.bytesPlanned * 0.4) {
                            abortedAt = Date.now();
                            ac.abort();
                        }
                    },
                });
                await assert.rejects(p, (e: TransferError) => e.code === 'Cancelled');
                assert.ok(Date.now() - abortedAt < 1000, `stopped in ${Date.now() - abortedAt} ms`);
                assert.ok(fs.existsSync(out + '.partial') && fs.existsSync(out + '.partial.journal') && !fs.existsSync(out));
                const firstComplete = completeBytes(server.served);
                server.opts.bytesPerSecond = undefined;
                const before = server.served.length;
                const r = await downloadBlob({ url: server.url, destPath: out, chunkSize: chunk, concurrency, tuning: fast });
                const secondComplete = completeBytes(server.served.slice(before));
                // Everything served in full over both runs, minus what the plan needs once.
                const refetched = firstComplete + secondComplete - (r.bytesFetched + r.bytesResumed);
                assert.ok(r.bytesResumed > 0);
                assert.ok(refetched <= concurrency * chunk, `re-fetched ${refetched} bytes`);
                assert.equal(await sha256File(out), big.sha256());
            } finally {
                await server.close();
            }
        });
    });
});
