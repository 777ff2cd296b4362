/**
 * The sandbox's snapshot diff, as Azure answers it: Get Page Ranges on a newer incremental
 * snapshot's SAS with `prevsnapshoturl` lists updated (PageRange) and cleared (ClearRange) pages
 * in offset order, paged with NextMarker, within an x-ms-range window; other families and dead
 * SAS refused; at most five SAS out per snapshot family.
 */
import { describe, it } from 'node:test';
import * as assert from 'node:assert/strict';
import { AnonymousCredential, PageBlobClient } from '@azure/storage-blob';
import { BlobEndpoint } from '../../src/blob/http';
import { httpPageListSource, listPages } from '../../src/blob/listing';
import { HISTORY_STEPS } from '../sandbox/history';
import { SUB_DEV } from '../sandbox/seed';
import { fastPolls, sandboxForFile } from './sandboxKit';

const KiB = 1024;
const MiB = 1024 * KiB;
const kit = sandboxForFile({ lroPolls: 0, retryAfterSeconds: 0, skipLargeDisk: true });
const snaps = () => kit.arm.compute(SUB_DEV).snapshots;

async function grant(name: string, seconds = 3600): Promise<string> {
    return (await snaps().grantAccess('rg-data', name, { access: 'Read', durationInSeconds: seconds }, fastPolls).pollUntilDone()).accessSAS!;
}

interface Listed { kind: 'PageRange' | 'ClearRange'; start: number; end: number }

/** One raw Get Page Ranges diff request, parsed in document order. */
async function diff(newer: string, older: string, o: { range?: string; marker?: string; max?: number } = {}): Promise<{ status: number; code: string | null; ranges: Listed[]; next?: string; size: string | null }> {
    const u = new URL(newer);
    u.searchParams.set('comp', 'pagelist');
    u.searchParams.set('prevsnapshoturl', older);
    if (o.marker) u.searchParams.set('marker', o.marker);
    if (o.max !== undefined) u.searchParams.set('maxresults', String(o.max));
    const res = await fetch(u, { headers: { 'x-ms-version': '2021-08-06', ...(o.range ? { 'x-ms-range': o.range } : {}) } });
    const text = await res.text();
    const ranges: Listed[] = [];
    const re = /<(PageRange|ClearRange)><Start>(\d+)<\/Start><End>(\d+)<\/End><\/\1>/g;
    for (let m = re.exec(text); m; m = re.exec(text)) ranges.push({ kind: m[1] as Listed['kind'], start: Number(m[2]), end: Number(m[3]) + 1 });
    return { status: res.status, code: res.headers.get('x-ms-error-code'), ranges, next: /<NextMarker>([^<]+)<\/NextMarker>/.exec(text)?.[1], size: res.headers.get('x-ms-blob-content-length') };
}

async function allPages(newer: string, older: string, max: number, range?: string): Promise<{ pages: Listed[][] }> {
    const pages: Listed[][] = [];
    let marker: string | undefined;
    do {
        const r = await diff(newer, older, { marker, max, range });
        assert.equal(r.status, 200);
        pages.push(r.ranges);
        marker = r.next;
        assert.ok(pages.length <= 64, 'the marker moves on');
    } while (marker);
    return { pages };
}

/** Written pages and bytes of a snapshot, read whole: the oracle the diff is checked against. */
async function image(sas: string): Promise<{ data: Buffer; written: (at: number) => boolean }> {
    const c = new PageBlobClient(sas, new AnonymousCredential());
    const spans: { start: number; end: number }[] = [];
    for await (const r of c.listPageRanges()) spans.push({ start: r.start, end: r.end + 1 });
    return { data: await c.downloadToBuffer(), written: (at) => spans.some((s) => s.start <= at && at < s.end) };
}

const rewrittenSame = HISTORY_STEPS.filter((s) => s.what === 'rewritten with the same bytes');

describe('snapshot diff (prevsnapshoturl)', () => {
    let v1 = '', v2 = '', v3 = '';

    it('lists every changed page once, updated as PageRange and cleared as ClearRange, in offset order', async () => {
        [v1, v2, v3] = [await grant('history-data-v1'), await grant('history-data-v2'), await grant('history-data-v3')];
        for (const [older, newer] of [[v1, v2], [v2, v3], [v1, v3]]) {
            const r = await diff(newer, older);
            assert.equal(r.status, 200);
            assert.equal(Number(r.size), 32 * MiB + 512);
            const kinds = new Set(r.ranges.map((x) => x.kind));
            assert.deepEqual([...kinds].sort(), ['ClearRange', 'PageRange'], 'both kinds listed');
            for (let i = 1; i < r.ranges.length; i++) assert.ok(r.ranges[i].start >= r.ranges[i - 1].end, 'document order is offset order, no overlap');
            const [a, b] = [await image(older), await image(newer)];
            const listedAt = (p: number) => r.ranges.find((x) => x.start <= p && p < x.end);
            for (let p = 0; p < b.data.length; p += 512) {
                const changed = !a.data.subarray(p, p + 512).equals(b.data.subarray(p, p + 512));
                const listed = listedAt(p);
                if (changed) {
                    assert.ok(listed, `changed page ${p} is listed`);
                    assert.equal(listed.kind, b.written(p) ? 'PageRange' : 'ClearRange', `page ${p}`);
                } else if (listed) {
                    // Azure tracks writes: a range rewritten with the same bytes may be listed as updated.
                    assert.ok(listed.kind === 'PageRange' && rewrittenSame.some((s) => s.offset <= p && p < s.offset + s.length), `unchanged page ${p} is not listed`);
                }
            }
        }
        // Interleaved: a cleared range sits between updated ones.
        const r13 = await diff(v3, v1);
        const between = r13.ranges.some((x, i) => x.kind === 'ClearRange' && r13.ranges.slice(0, i).some((y) => y.kind === 'PageRange') && r13.ranges.slice(i).some((y) => y.kind === 'PageRange'));
        assert.ok(between, JSON.stringify(r13.ranges));
    });

    it('pages with maxresults and NextMarker, and the product listing reads the same', async () => {
        const whole = (await diff(v3, v1)).ranges;
        assert.ok(whole.length >= 6);
        const { pages } = await allPages(v3, v1, 2);
        assert.ok(pages.length >= 3 && pages.every((p) => p.length <= 2 && p.length > 0));
        assert.deepEqual(pages.flat(), whole);
        const zero = await diff(v3, v1, { max: 0 });
        assert.equal(zero.status, 400);
        assert.equal(zero.code, 'InvalidQueryParameterValue');
        const ep = new BlobEndpoint(4, 10_000);
        try {
            const listed = await listPages(httpPageListSource(ep, () => v3, () => v1), { size: 32 * MiB + 512, maxPageSize: 3, window: 8 * MiB });
            assert.deepEqual(listed.updated, whole.filter((x) => x.kind === 'PageRange').map(({ start, end }) => ({ start, end })));
            assert.deepEqual(listed.cleared, whole.filter((x) => x.kind === 'ClearRange').map(({ start, end }) => ({ start, end })));
        } finally {
            ep.destroy();
        }
    });

    it('honours x-ms-range windows', async () => {
        const whole = (await diff(v3, v1)).ranges;
        const [a, b] = [16 * MiB, 24 * MiB];
        const { pages } = await allPages(v3, v1, 1, `bytes=${a}-${b - 1}`);
        const expected = whole.filter((x) => x.end > a && x.start < b).map((x) => ({ ...x, start: Math.max(a, x.start), end: Math.min(b, x.end) }));
        assert.ok(expected.length >= 2);
        assert.deepEqual(pages.flat(), expected);
    });

    it('refuses another family, the wrong order, a disk, and a dead previous SAS', async () => {
        const other = await grant('web-data-01-incr');
        const family = await diff(v3, other);
        assert.equal(family.status, 409);
        assert.equal(family.code, 'PreviousSnapshotNotFound');
        const order = await diff(v1, v3);
        assert.equal(order.status, 400);
        assert.equal(order.code, 'PreviousSnapshotCannotBeNewer');
        const disk = (await kit.arm.compute(SUB_DEV).disks.grantAccess('rg-data', 'history-data', { access: 'Read', durationInSeconds: 600 }, fastPolls).pollUntilDone()).accessSAS!;
        const notSnapshot = await diff(v3, disk);
        assert.equal(notSnapshot.status, 409);
        assert.equal(notSnapshot.code, 'PreviousSnapshotOperationNotSupported');
        await kit.arm.compute(SUB_DEV).disks.revokeAccess('rg-data', 'history-data', fastPolls).pollUntilDone();
        await snaps().revokeAccess('rg-data', 'web-data-01-incr', fastPolls).pollUntilDone();
        await kit.sb.control.expireSas(kit.seeded('history-data-v1').id);
        const dead = await diff(v3, v1);
        assert.equal(dead.status, 403);
        assert.equal(dead.code, 'AuthenticationFailed');
        v1 = await grant('history-data-v1');
        assert.equal((await diff(v3, v1)).status, 200, 'a fresh grant of the previous snapshot works again');
    });

    it('allows five SAS per snapshot family at a time', async () => {
        const c = snaps();
        const sourceResourceId = kit.seeded('history-data').id;
        for (const n of ['history-data-x1', 'history-data-x2', 'history-data-x3']) {
            await c.createOrUpdate('rg-data', n, { location: 'westeurope', incremental: true, creationData: { createOption: 'Copy', sourceResourceId } }, fastPolls).pollUntilDone();
        }
        const got = await c.get('rg-data', 'history-data-x1');
        assert.equal(got.incrementalSnapshotFamilyId, (await c.get('rg-data', 'history-data-v1')).incrementalSnapshotFamilyId, 'one family');
        await grant('history-data-x1');
        await grant('history-data-x2'); // v1, v2, v3, x1, x2: five
        const sixth = await c.beginGrantAccess('rg-data', 'history-data-x3', { access: 'Read', durationInSeconds: 600 }, fastPolls).then((p) => p.pollUntilDone()).then(() => undefined, (e: { statusCode?: number; code?: string; message: string }) => e);
        assert.ok(sixth, 'the sixth grant is refused');
        assert.equal(sixth.statusCode, 409);
        assert.equal(sixth.code, 'OperationNotAllowed');
        assert.match(sixth.message, /at most 5 snapshots of one incremental snapshot family/);
        // Another family is not affected.
        await grant('web-data-01-incr');
        await c.revokeAccess('rg-data', 'history-data-x1', fastPolls).pollUntilDone();
        assert.match(await grant('history-data-x3'), /sig=/, 'after a revoke the sixth can be granted');
    });
});
