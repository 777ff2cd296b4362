/**
 * The resume identity: what makes a saved partial download "the same blob", what the user is told
 * when it is not, and the size a storage service must report before anything is planned.
 */
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { BlobProps, BlobEndpoint } from '../../src/blob/http';
import { describeMismatch, JournalWriter, readJournal, sameBlob, type BlobIdentity } from '../../src/transfer/core/journal';
import { PartialFile } from '../../src/transfer/download/partial';
import { planDownload } from '../../src/transfer/download/planning';
import type { BlobSession } from '../../src/blob/session';
import type { Settings } from '../../src/transfer/download/settings';
import { TransferError } from '../../src/transfer/core/types';
import { scratch } from './support';

const tmp = scratch();
const base: BlobIdentity = { key: 'https://a.blob.core.windows.net/c/b', size: 4096, etag: '"0x1"', lastModified: 'Tue, 01 Dec 2026 10:00:00 GMT' };

test('the same blob: key, size, ETag and last-modified all equal (absent equals absent)', () => {
    assert.equal(sameBlob(base, { ...base }), true);
    assert.equal(sameBlob({ key: 'k', size: 1 }, { key: 'k', size: 1 }), true);
    assert.equal(sameBlob({ key: 'k', size: 1 }, { key: 'k', size: 1, etag: '', lastModified: '' }), true);
    for (const change of [{ key: 'https://a.blob.core.windows.net/c/other' }, { size: 4097 }, { etag: '"0x2"' }, { lastModified: 'Tue, 01 Dec 2026 10:00:01 GMT' }, { etag: undefined }, { lastModified: undefined }]) {
        assert.equal(sameBlob(base, { ...base, ...change }), false, JSON.stringify(change));
        assert.equal(sameBlob({ ...base, ...change }, base), false, `reversed: ${JSON.stringify(change)}`);
    }
});

test('the reason given for not resuming names what differs, the blob first, then its size', () => {
    assert.equal(describeMismatch(base, { ...base, key: 'other', size: 1 }), 'the partial download belongs to a different blob');
    assert.equal(describeMismatch(base, { ...base, size: 8192 }), 'the blob size changed (4096 → 8192 bytes)');
    assert.equal(describeMismatch(base, { ...base, etag: '"0x2"' }), 'the blob changed since the partial download started (ETag/last-modified differ)');
    assert.equal(describeMismatch(base, { ...base, lastModified: 'x' }), 'the blob changed since the partial download started (ETag/last-modified differ)');
});

test('a partial of another blob: refused with the reason, or started over and logged so', async () => {
    const dir = tmp.dir;
    const paths = { partial: path.join(dir, 'd.vhd.partial'), journal: path.join(dir, 'd.vhd.journal') };
    fs.writeFileSync(paths.partial, Buffer.alloc(4096));
    const j = JournalWriter.create(paths.journal, base);
    j.add({ start: 0, end: 512 });
    await j.close();
    const now = { ...base, etag: '"0x2"' };
    await assert.rejects(PartialFile.open(paths, now, 4096, {}, () => undefined, []),
        (e: unknown) => e instanceof TransferError && e.code === 'BlobChanged'
            && e.message === 'Cannot resume d.vhd.partial: the blob changed since the partial download started (ETag/last-modified differ). Delete it or start over.');
    const log: string[] = [];
    const p = await PartialFile.open(paths, { ...base, size: 8192 }, 8192, { restartOnMismatch: true }, (m) => log.push(m), []);
    await p.release();
    assert.ok(log.includes('not resuming: the blob size changed (4096 → 8192 bytes); starting over'), log.join('\n'));
    assert.equal(fs.statSync(paths.partial).size, 8192, 'started over at the new size');
});

/** planDownload over a storage service whose HEAD answers `size`. */
async function planWithSize(size: number, resumeKey?: string) {
    const props: BlobProps = { size, blobType: 'BlockBlob', etag: '"0x1"' };
    const http = { head: async () => props } as unknown as BlobEndpoint;
    const session = { url: 'https://a.blob.core.windows.net/c/b?sig=x', signal: undefined, log: () => undefined, withRetry: (_what: string, fn: (u: string) => Promise<unknown>) => fn('https://a.blob.core.windows.net/c/b?sig=x') } as unknown as BlobSession;
    return planDownload(session, http, { url: session.url, destPath: path.join(tmp.dir, 'x'), resumeKey }, { mergeGap: 0, concurrency: 1 } as Settings, []);
}

test('a blob size the service did not report (missing, negative, fractional) is a Server error; zero is an empty blob', async () => {
    for (const size of [Number.NaN, -1, -4096, 1.5]) {
        await assert.rejects(planWithSize(size), (e: unknown) => e instanceof TransferError && e.code === 'Server' && e.message === 'The storage service did not report the blob size.', String(size));
    }
    const empty = await planWithSize(0);
    assert.deepEqual({ size: empty.size, ranges: empty.ranges, identity: empty.identity }, { size: 0, ranges: [], identity: { key: 'https://a.blob.core.windows.net/c/b', size: 0, etag: '"0x1"', lastModified: undefined } });
});

test('with a resume key the identity is the key and the size only: a re-grant with a new ETag still resumes', async () => {
    const p = await planWithSize(4096, 'disk:/subscriptions/s/disks/d');
    assert.deepEqual(p.identity, { key: 'disk:/subscriptions/s/disks/d', size: 4096 });
});

test('a journal is read only with a known header; each range line whole, inside the blob, and not the torn last one', async () => {
    const file = path.join(tmp.dir, 'r.journal');
    const header = JSON.stringify({ v: 1, ...base });
    const lines = ['0 512', '1024 2048', ' 2048 2560', '3072 3584 ', 'x', '600 600', '700 650', '3584 4096', '4000 4097', '', '2560 3072'];
    fs.writeFileSync(file, `${header}\n${lines.join('\n')}\n4096 4096`);
    assert.deepEqual(readJournal(file), {
        identity: base,
        done: [{ start: 0, end: 512 }, { start: 1024, end: 2048 }, { start: 3584, end: 4096 }, { start: 2560, end: 3072 }],
    });
    fs.writeFileSync(file, `${header}\n0 512\n1024 1536`);
    assert.deepEqual(readJournal(file)?.done, [{ start: 0, end: 512 }], 'a last line without its newline is torn');
    for (const bad of [{ ...base, v: 2 }, { v: 1, key: 7, size: 4096 }, { v: 1, key: 'k', size: '4096' }, { v: 1, size: 4096 }, { v: 1, key: 'k' }]) {
        fs.writeFileSync(file, `${JSON.stringify(bad)}\n0 512\n`);
        assert.equal(readJournal(file), undefined, JSON.stringify(bad));
    }
    fs.writeFileSync(file, '{"v":1,\n0 512\n');
    assert.equal(readJournal(file), undefined, 'not JSON');
    assert.equal(readJournal(path.join(tmp.dir, 'absent.journal')), undefined);
    // Appending keeps the header and adds lines after the ones there.
    fs.writeFileSync(file, `${header}\n0 512\n`);
    const j = JournalWriter.append(file);
    j.add({ start: 512, end: 1024 });
    j.add({ start: 2048, end: 4096 });
    await j.close();
    assert.deepEqual(readJournal(file)?.done, [{ start: 0, end: 512 }, { start: 512, end: 1024 }, { start: 2048, end: 4096 }]);
});
