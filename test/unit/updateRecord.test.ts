/** The record of what a downloaded file holds: written and read back, only its own fields, never a SAS or a token. */
import { describe, it } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { readRecord, recordPath, writeRecord, type SnapshotRecord } from '../../src/transfer/index';
import { scratch } from './support';

const files = scratch();
const good: SnapshotRecord = {
    v: 1,
    snapshotId: '/subscriptions/3f2b8c1d-4e5a-4f67-8a9b-0c1d2e3f4a51/resourceGroups/rg-data/providers/Microsoft.Compute/snapshots/history-data-v1',
    familyId: '6a0e1f7c-8c5d-4b1e-9d3a-2f4b6c8d0e12',
    snapshotTime: '2025-03-01T02:00:00.0000000+00:00',
    size: 32 * 1024 * 1024 + 512,
    content: { sha256: 'ab'.repeat(32), samples: [{ start: 0, end: 65536, md5: 'q83vEjRWeJCrze8SNFZ4kA==' }] },
};

describe('snapshot record', () => {
    it('writes a record beside the file and reads it back', () => {
        const file = path.join(files.dir, 'disk.vhd');
        const p = writeRecord(file, good);
        assert.equal(p, recordPath(file));
        assert.deepEqual(readRecord(file), good);
    });

    it('keeps only its own fields: a SAS or token the object carries is never written', () => {
        const file = path.join(files.dir, 'extra.vhd');
        const sas = 'https://md-abc.blob.storage.azure.net/abcd/abcd?sv=2018-03-28&sr=b&si=1&sig=S3cretSignature%3D';
        writeRecord(file, { ...good, url: sas, token: 'eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ4In0.c2ln', content: { ...good.content, sas } } as unknown as SnapshotRecord);
        const text = fs.readFileSync(recordPath(file), 'utf8');
        assert.doesNotMatch(text, /sig=|S3cret|eyJ/);
        assert.deepEqual(readRecord(file), good);
    });

    it('refuses a record whose fields carry a SAS, and reads a damaged one as none', () => {
        const file = path.join(files.dir, 'bad.vhd');
        assert.throws(() => writeRecord(file, { ...good, snapshotId: `${good.snapshotId}?sv=2018-03-28&sig=abc` }), /access grant/);
        assert.throws(() => writeRecord(file, { ...good, familyId: 'Bearer eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ4In0.c2ln' }), /access grant/);
        assert.ok(!fs.existsSync(recordPath(file)));
        fs.writeFileSync(recordPath(file), '{"v":1,"snapshotId":"/x?sig=abc","size":1,"content":{}}');
        assert.equal(readRecord(file), undefined);
        fs.writeFileSync(recordPath(file), 'not json');
        assert.equal(readRecord(file), undefined);
        assert.equal(readRecord(path.join(files.dir, 'none.vhd')), undefined);
    });
});
