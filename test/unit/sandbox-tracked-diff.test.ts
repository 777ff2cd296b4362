/**
 * The sandbox's diff from a change log (trackedDiff): the recorded ranges in order, both kinds,
 * paged with NextMarker, clipped to an x-ms-range window, and the two SAS still checked — what the
 * benchmark's 64 GiB pair is listed with.
 */
import { describe, it } from 'node:test';
import * as assert from 'node:assert/strict';
import { trackedDiff, type TrackedChange, type UpstreamGet } from '../sandbox/snapshotDiff';

const SIZE = 1024 * 1024 * 1024;
const newer = new URL('http://127.0.0.1:1/devstoreaccount1/c/new?sv=1&sig=n');
const older = new URL('http://127.0.0.1:1/devstoreaccount1/c/old?sv=1&sig=o');

/** Upstream reads: 206 with the blob's size, or the status `refuse` gives for a path. */
function upstream(refuse: Record<string, number> = {}): { get: UpstreamGet; paths: string[] } {
    const paths: string[] = [];
    return {
        paths,
        get: async (p) => {
            paths.push(p);
            const status = Object.entries(refuse).find(([k]) => p.includes(k))?.[1] ?? 206;
            return { status, headers: { 'content-range': `bytes 0-511/${SIZE}` }, body: Buffer.alloc(status === 206 ? 512 : 0) };
        },
    };
}

const parse = (xml: string) => {
    const out: TrackedChange[] = [];
    const re = /<(PageRange|ClearRange)><Start>(\d+)<\/Start><End>(\d+)<\/End><\/\1>/g;
    for (let m = re.exec(xml); m; m = re.exec(xml)) out.push({ kind: m[1] as TrackedChange['kind'], start: Number(m[2]), end: Number(m[3]) + 1 });
    return { ranges: out, next: /<NextMarker>([^<]+)<\/NextMarker>/.exec(xml)?.[1] };
};

const changes: TrackedChange[] = Array.from({ length: 25 }, (_, i) => ({ kind: i % 3 === 0 ? 'ClearRange' : 'PageRange', start: i * 65536, end: i * 65536 + 4096 }));

describe('trackedDiff', () => {
    it('lists every recorded change in order, both kinds, paged by the marker', async () => {
        const { get } = upstream();
        const seen: TrackedChange[] = [];
        let marker: string | undefined;
        let pages = 0;
        do {
            const a = await trackedDiff(get, { newer, older, marker, maxResults: '10' }, changes);
            assert.ok(a.ok);
            assert.equal(a.headers['x-ms-blob-content-length'], String(SIZE));
            const p = parse(a.xml);
            assert.ok(p.ranges.length <= 10);
            seen.push(...p.ranges);
            marker = p.next;
            pages++;
        } while (marker && pages < 10);
        assert.equal(pages, 3);
        assert.deepEqual(seen, changes);
    });

    it('keeps to the x-ms-range window, clipping a range that crosses it', async () => {
        const { get } = upstream();
        const a = await trackedDiff(get, { newer, older, range: `bytes=${65536 + 2048}-${3 * 65536 + 1023}` }, changes);
        assert.ok(a.ok);
        assert.deepEqual(parse(a.xml).ranges, [
            { kind: 'PageRange', start: 65536 + 2048, end: 65536 + 4096 },
            { kind: 'PageRange', start: 2 * 65536, end: 2 * 65536 + 4096 },
            { kind: 'ClearRange', start: 3 * 65536, end: 3 * 65536 + 1024 },
        ]);
    });

    it('still checks both SAS: a dead previous snapshot SAS is AuthenticationFailed, a missing one PreviousSnapshotNotFound', async () => {
        const dead = await trackedDiff(upstream({ '/c/old': 403 }).get, { newer, older }, changes);
        assert.ok(!dead.ok && dead.status === 403 && dead.code === 'AuthenticationFailed');
        const gone = await trackedDiff(upstream({ '/c/old': 404 }).get, { newer, older }, changes);
        assert.ok(!gone.ok && gone.status === 409 && gone.code === 'PreviousSnapshotNotFound');
        const own = await trackedDiff(upstream({ '/c/new': 403 }).get, { newer, older }, changes);
        assert.ok(!own.ok && own.status === 403);
        const bad = await trackedDiff(upstream().get, { newer, older, maxResults: '0' }, changes);
        assert.ok(!bad.ok && bad.code === 'InvalidQueryParameterValue');
    });
});
