import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { JournalWriter, readJournal, sameBlob } from '../../src/transfer/core/journal';
import { BytePool } from '../../src/transfer/core/buffers';
import { Md5Pool } from '../../src/transfer/core/md5';
import { httpPageListSource, listPages, listWrittenRanges, parsePageList } from '../../src/blob/listing';
import { sdkPageListSource } from './sdkPageList';
import { chunkRanges, intersect, mergeRanges, subtractRanges, totalBytes } from '../../src/blob/ranges';
import { classify, backoffDelay } from '../../src/blob/retry';
import { BodyError, BlobEndpoint, HttpStatusError, parseRetryAfter } from '../../src/blob/http';
import { TransferError } from '../../src/transfer/core/types';
import { assertSecureUrl, redactUrl, sasExpiredByClock, scrubSecrets } from '../../src/blob/url';
import { BlobModel } from '../bench/blobModel';
import { startRangeServer, type RangeServer } from '../bench/rangeServer';

const KiB = 1024;

describe('range planning', () => {
    it('merges adjacent, overlapping and small-gap ranges, keeps larger gaps', () => {
        const merged = mergeRanges([
            { start: 1024, end: 2048 },
            { start: 0, end: 512 },
            { start: 512, end: 1024 }, // adjacent
            { start: 2048 + 64 * KiB, end: 2048 + 64 * KiB + 512 }, // gap exactly 64 KiB: merged
            { start: 300 * KiB, end: 301 * KiB }, // gap > 64 KiB: separate
            { start: 300 * KiB + 100, end: 300 * KiB + 200 }, // inside
        ], 64 * KiB);
        assert.deepEqual(merged, [
            { start: 0, end: 2048 + 64 * KiB + 512 },
            { start: 300 * KiB, end: 301 * KiB },
        ]);
    });

    it('clips to the blob size and drops empty ranges', () => {
        assert.deepEqual(mergeRanges([{ start: 900, end: 2000 }, { start: 5, end: 5 }], 0, 1000), [{ start: 900, end: 1000 }]);
    });

    it('chunks merged ranges at the chunk size without crossing ranges', () => {
        const chunks = chunkRanges([{ start: 0, end: 10 }, { start: 20, end: 23 }], 4);
        assert.deepEqual(chunks.map((c) => [c.start, c.end]), [[0, 4], [4, 8], [8, 10], [20, 23]]);
        assert.deepEqual(chunks.map((c) => c.index), [0, 1, 2, 3]);
    });

    it('finds the written parts of a chunk (gaps stay holes)', () => {
        const w = [{ start: 0, end: 10 }, { start: 20, end: 30 }, { start: 40, end: 50 }];
        assert.deepEqual(intersect(w, 5, 45), [{ start: 5, end: 10 }, { start: 20, end: 30 }, { start: 40, end: 45 }]);
        assert.deepEqual(intersect(w, 10, 20), []);
        assert.deepEqual(intersect(w, 25, 26), [{ start: 25, end: 26 }]);
    });

    it('subtracts completed ranges (resume) including partial overlaps', () => {
        const left = subtractRanges([{ start: 0, end: 100 }, { start: 200, end: 300 }], [{ start: 10, end: 20 }, { start: 90, end: 210 }, { start: 250, end: 260 }]);
        assert.deepEqual(left, [{ start: 0, end: 10 }, { start: 20, end: 90 }, { start: 210, end: 250 }, { start: 260, end: 300 }]);
        assert.equal(totalBytes(left), 10 + 70 + 40 + 40);
        assert.deepEqual(subtractRanges([{ start: 0, end: 10 }], []), [{ start: 0, end: 10 }]);
        assert.deepEqual(subtractRanges([{ start: 0, end: 10 }], [{ start: 0, end: 10 }]), []);
    });
});

describe('page range listing (pagination and windows)', () => {
    const ranges = Array.from({ length: 250 }, (_, i) => ({ start: i * 8192, end: i * 8192 + 512 }));
    const model = new BlobModel(250 * 8192, ranges, 5, false);
    let server: RangeServer;
    after(() => server?.close());

    it('follows NextMarker through every page with the SDK', async () => {
        server = await startRangeServer(model, { pageSize: 40 });
        const src = await sdkPageListSource(server.url + '?sig=x');
        const got = await listWrittenRanges(src, { size: model.size });
        assert.deepEqual(got, ranges);
        assert.equal(server.counts.list, Math.ceil(250 / 40));
    });

    it('follows NextMarker and windows over the engine\'s own connections', async () => {
        const http = new BlobEndpoint(2, 10_000);
        try {
            const before = server.counts.list;
            const got = await listWrittenRanges(httpPageListSource(http, () => server.url + '?sig=x'), { size: model.size });
            assert.deepEqual(got, ranges);
            assert.equal(server.counts.list - before, Math.ceil(250 / 40));
            const windowed = await listWrittenRanges(httpPageListSource(http, () => server.url), { size: model.size, window: 100 * 8192 + 256, maxPageSize: 7 });
            assert.deepEqual(mergeRanges(windowed, 0), ranges);
            assert.ok(windowed.length > ranges.length, 'a window border split a range');
            const parallel = await listWrittenRanges(httpPageListSource(http, () => server.url), { size: model.size, parallel: 8, maxPageSize: 5 });
            assert.deepEqual(mergeRanges(parallel, 0), ranges, 'parallel windows list every range, in order');
        } finally {
            http.destroy();
        }
    });

    it('parses page lists: inclusive ends, escaped markers, clear ranges kept apart in document order', () => {
        const xml = '<?xml version="1.0" encoding="utf-8"?><PageList><PageRange><Start>0</Start><End>511</End></PageRange><ClearRange><Start>512</Start><End>1023</End></ClearRange>' +
            '<PageRange>\n <Start>4096</Start>\n <End>8191</End>\n</PageRange><ClearRange><Start>8192</Start><End>9215</End></ClearRange><PageRange><Start>9216</Start><End>9727</End></PageRange><NextMarker>2!a&amp;b</NextMarker></PageList>';
        assert.deepEqual(parsePageList(xml), {
            ranges: [{ start: 0, end: 511 }, { start: 4096, end: 8191 }, { start: 9216, end: 9727 }],
            clear: [{ start: 512, end: 1023 }, { start: 8192, end: 9215 }],
            continuationToken: '2!a&b',
        });
        assert.equal(parsePageList('<PageList><NextMarker /></PageList>').continuationToken, undefined);
        // A list cut short is not a shorter list: it is refused (and retried by the session).
        assert.throws(() => parsePageList(xml.slice(0, xml.length - 20)), /ended before <\/PageList>/);
        assert.deepEqual(parsePageList('<?xml version="1.0"?><PageList />').ranges, []);
    });

    it('a snapshot diff keeps cleared ranges from every page and window, and asks with the previous snapshot', async () => {
        const asked: { offset: number; token?: string }[] = [];
        // Two windows; the first answers in two pages, PageRange and ClearRange interleaved.
        const pages: Record<string, string> = {
            '0:': '<PageList><PageRange><Start>0</Start><End>511</End></PageRange><ClearRange><Start>1024</Start><End>2047</End></ClearRange><NextMarker>m1</NextMarker></PageList>',
            '0:m1': '<PageList><ClearRange><Start>4096</Start><End>4607</End></ClearRange><PageRange><Start>6144</Start><End>8191</End></PageRange></PageList>',
            '8192:': '<PageList><ClearRange><Start>8192</Start><End>9215</End></ClearRange></PageList>',
        };
        const source = {
            async page(offset: number, _count: number, token: string | undefined) {
                asked.push({ offset, token });
                return parsePageList(pages[`${offset}:${token ?? ''}`]);
            },
        };
        const diff = await listPages(source, { size: 16384, window: 8192 });
        assert.deepEqual(diff.updated, [{ start: 0, end: 512 }, { start: 6144, end: 8192 }]);
        assert.deepEqual(diff.cleared, [{ start: 1024, end: 2048 }, { start: 4096, end: 4608 }, { start: 8192, end: 9216 }]);
        assert.deepEqual(asked, [{ offset: 0, token: undefined }, { offset: 0, token: 'm1' }, { offset: 8192, token: undefined }]);
        // Over the endpoint: the previous snapshot's SAS goes along as prevsnapshoturl, encoded.
        const seen: string[] = [];
        const fake = { text: async (u: string) => (seen.push(u), '<PageList></PageList>') } as unknown as BlobEndpoint;
        await listPages(httpPageListSource(fake, () => 'https://a.blob.core.windows.net/c/new?sig=n', () => 'https://a.blob.core.windows.net/c/old?sig=o&se=1'), { size: 512 });
        const q = new URL(seen[0]).searchParams;
        assert.equal(q.get('comp'), 'pagelist');
        assert.equal(q.get('prevsnapshoturl'), 'https://a.blob.core.windows.net/c/old?sig=o&se=1');
    });

    it('lists in windows and clips ranges to each window', async () => {
        const before = server.counts.list;
        const src = await sdkPageListSource(server.url);
        const got = await listWrittenRanges(src, { size: model.size, window: 100 * 8192 + 256 });
        // A range cut by a window border comes back as two pieces; merging restores it.
        assert.deepEqual(mergeRanges(got, 0), ranges);
        assert.ok(got.length > ranges.length, 'a window border split a range');
        assert.ok(server.counts.list - before >= 3, 'three windows listed');
    });

    it('retries a failed page at the same continuation token', async () => {
        await server.close();
        let failed = 0;
        server = await startRangeServer(model, { pageSize: 100, fault: (i) => (i.kind === 'list' && i.n === 1 ? (failed++, { status: 503 }) : undefined) });
        const src = await sdkPageListSource(server.url);
        let calls = 0;
        const errors: unknown[] = [];
        // At most three attempts per page, then the last error: a persistent fault fails the test instead of hanging it.
        const got = await listWrittenRanges(src, { size: model.size }, async (fn) => {
            for (let attempt = 1; ; attempt++) {
                calls++;
                try {
                    return await fn();
                } catch (e) {
                    errors.push(e);
                    if (attempt >= 3) throw e;
                }
            }
        });
        assert.deepEqual(got, ranges);
        assert.equal(failed, 1);
        // The SDK's own retry policy may absorb the 503 before the wrapper sees it.
        assert.ok(errors.length <= 1, `${errors.length} failed attempts`);
        assert.ok(calls >= 2, 'every page goes through the retry wrapper');
    });
});

describe('retry classification', () => {
    const url = 'https://a.blob.core.windows.net/c/b?sv=1&sig=abc';
    it('retries resets, timeouts, truncated bodies, 408/429/500/503', () => {
        for (const code of ['ECONNRESET', 'ETIMEDOUT', 'EPIPE']) assert.equal(classify(Object.assign(new Error('x'), { code }), url).kind, 'retry');
        assert.equal(classify(new BodyError('short'), url).kind, 'retry');
        for (const s of [408, 429, 500, 503]) assert.equal(classify(new HttpStatusError(s, undefined, undefined), url).kind, 'retry');
        const v = classify(new HttpStatusError(503, 'ServerBusy', 2000), url);
        assert.deepEqual(v, { kind: 'retry', delayMs: 2000 });
    });
    it('never retries other 4xx or certificate errors', () => {
        for (const s of [400, 404, 409, 416]) assert.equal(classify(new HttpStatusError(s, undefined, undefined), url).kind, 'fatal');
        assert.equal(classify(Object.assign(new Error('cert'), { code: 'CERT_HAS_EXPIRED' }), url).kind, 'fatal');
        const nf = classify(new HttpStatusError(404, 'BlobNotFound', undefined), url);
        assert.ok(nf.kind === 'fatal' && nf.error instanceof TransferError && nf.error.code === 'NotFound');
    });
    it('re-grants on 403 AuthenticationFailed or an expired se, not on other 403s', () => {
        assert.equal(classify(new HttpStatusError(403, 'AuthenticationFailed', undefined), url).kind, 'regrant');
        const expired = 'https://a/c/b?se=2020-01-01T00:00:00Z&sig=x';
        assert.equal(classify(new HttpStatusError(403, 'AuthorizationPermissionMismatch', undefined), expired).kind, 'regrant');
        const other = classify(new HttpStatusError(403, 'AuthorizationPermissionMismatch', undefined), url);
        assert.ok(other.kind === 'fatal' && (other.error as TransferError).code === 'Forbidden');
    });
    it('backs off exponentially with jitter, capped, and honours Retry-After', () => {
        const o = { baseDelayMs: 100, maxDelayMs: 1000 };
        assert.equal(backoffDelay(0, o, undefined, () => 0), 50);
        assert.equal(backoffDelay(0, o, undefined, () => 1), 100);
        assert.equal(backoffDelay(3, o, undefined, () => 1), 800);
        assert.equal(backoffDelay(10, o, undefined, () => 1), 1000);
        assert.ok(backoffDelay(0, o, 5000, () => 0.5) >= 5000);
        assert.equal(parseRetryAfter('3'), 3000);
        assert.equal(parseRetryAfter(new Date(Date.now() + 10_000).toUTCString(), Date.now()) ! > 8000, true);
    });
});

describe('URL hygiene', () => {
    it('redactUrl strips or masks the SAS', () => {
        const u = 'https://md-x.blob.storage.azure.net/c/abcd?sv=2020&sr=b&se=2030-01-01&sp=r&sig=SECRET%2Bvalue';
        assert.equal(redactUrl(u), 'https://md-x.blob.storage.azure.net/c/abcd');
        const masked = redactUrl(u, { keepParams: true });
        assert.ok(!masked.includes('SECRET') && masked.includes('sig=***'));
        assert.ok(!scrubSecrets(`GET ${u} failed`).includes('SECRET'));
        assert.ok(!scrubSecrets('oops sig=SECRET&x=1').includes('SECRET'));
    });
    it('refuses http off loopback, allows https and loopback http', () => {
        assert.throws(() => assertSecureUrl('http://example.com/c/b?sig=x'), (e: TransferError) => e.code === 'InsecureUrl' && !e.message.includes('sig'));
        assert.doesNotThrow(() => assertSecureUrl('http://127.0.0.1:10000/c/b'));
        assert.doesNotThrow(() => assertSecureUrl('http://[::1]:10000/c/b'));
        assert.doesNotThrow(() => assertSecureUrl('https://example.com/c/b'));
        assert.throws(() => assertSecureUrl('ftp://127.0.0.1/x'), (e: TransferError) => e.code === 'InsecureUrl');
    });
    it('reads SAS expiry from se=', () => {
        assert.equal(sasExpiredByClock('https://a/b?se=2000-01-01T00:00:00Z'), true);
        assert.equal(sasExpiredByClock('https://a/b?se=2999-01-01T00:00:00Z'), false);
        assert.equal(sasExpiredByClock('https://a/b'), false);
    });
});

describe('chunk memory and hashing', () => {
    it('BytePool holds callers back at the byte budget and reuses full-size buffers', async () => {
        const pool = new BytePool(1024, 3 * 1024);
        const a = await pool.acquire(1024), b = await pool.acquire(1024), c = await pool.acquire(1024);
        let fourth = false;
        const d = pool.acquire(1024).then((s) => { fourth = true; return s; });
        // Everything ready to run has run (a free budget hands a buffer out at once): the fourth still waits.
        await new Promise((r) => setImmediate(r));
        assert.equal(fourth, false, 'over budget: waits');
        pool.release(a);
        const ds = await d;
        assert.equal(ds.sab, a.sab, 'full-size buffer reused');
        const small = await Promise.race([pool.acquire(100), new Promise((r) => setImmediate(() => r('blocked')))]);
        assert.equal(small, 'blocked', 'even a small chunk waits when the budget is spent');
        pool.release(b);
        pool.release(c);
        pool.release(ds);
    });

    it('BytePool reuses small buffers by size class', async () => {
        const pool = new BytePool(4 * 1024 * 1024, 64 * 1024 * 1024);
        const a = await pool.acquire(50_000);
        assert.equal(a.buf.length, 50_000);
        assert.equal(a.sab.byteLength, 64 * 1024);
        pool.release(a);
        const b = await pool.acquire(60_000);
        assert.equal(b.sab, a.sab, 'same class, same buffer');
        const c = await pool.acquire(100_000);
        assert.equal(c.sab.byteLength, 128 * 1024);
        const d = await pool.acquire(4 * 1024 * 1024);
        assert.equal(d.sab.byteLength, 4 * 1024 * 1024);
        for (const s of [b, c, d]) pool.release(s);
    });

    it('Md5Pool hashes shared buffers on workers like crypto does inline', async () => {
        const pool = new Md5Pool(2);
        try {
            const sab = new SharedArrayBuffer(1 << 20);
            crypto.randomFillSync(new Uint8Array(sab));
            const sums = await Promise.all([0, 1, 2, 3].map((i) => pool.hash(sab, i * 1000, 200_000)));
            for (let i = 0; i < 4; i++) {
                assert.equal(sums[i], crypto.createHash('md5').update(new Uint8Array(sab, i * 1000, 200_000)).digest('base64'));
            }
        } finally {
            await pool.close();
        }
    });
});

describe('resume journal file', () => {
    it('round-trips identity and ranges, ignores a torn last line, compares identities', async () => {
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'journal-'));
        try {
            const p = path.join(dir, 'x.partial.journal');
            const id = { key: 'https://a/c/b', size: 4096, etag: '"e1"' };
            const w = JournalWriter.create(p, id);
            w.add({ start: 0, end: 512 });
            w.add({ start: 1024, end: 2048 });
            await w.close();
            fs.appendFileSync(p, '2048 30'); // a crash mid-append
            const j = readJournal(p)!;
            assert.deepEqual(j.identity, id);
            assert.deepEqual(j.done, [{ start: 0, end: 512 }, { start: 1024, end: 2048 }]);
            assert.ok(sameBlob(j.identity, { ...id }));
            assert.ok(!sameBlob(j.identity, { ...id, etag: '"e2"' }));
            assert.ok(!sameBlob(j.identity, { ...id, size: 8192 }));
            assert.ok(!sameBlob(j.identity, { ...id, key: 'https://a/c/other' }));
            fs.writeFileSync(p, 'not json\n1 2\n');
            assert.equal(readJournal(p), undefined);
            assert.equal(readJournal(path.join(dir, 'missing')), undefined);
        } finally {
            fs.rmSync(dir, { recursive: true, force: true });
        }
    });
});
