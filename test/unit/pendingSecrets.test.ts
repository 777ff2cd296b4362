/**
 * The one guard of the unfinished-transfer records: each feature's store refuses a record whose
 * fields carry a SAS URL or token, writes nothing, and logs which field without its value.
 */
import { describe, it } from 'node:test';
import * as assert from 'node:assert/strict';
import { PendingCopies } from '../../src/features/copy/pending';
import { PendingDownloads } from '../../src/features/download/pending';
import { PendingUploads } from '../../src/features/upload/pending';
import { containsSecret, secretAt } from '../../src/shared/pendingStore';

class Memento {
    readonly data = new Map<string, unknown>();
    writes = 0;
    get<T>(k: string): T | undefined {
        return this.data.get(k) as T | undefined;
    }
    update(k: string, v: unknown): Promise<void> {
        this.writes++;
        if (v === undefined) this.data.delete(k);
        else this.data.set(k, JSON.parse(JSON.stringify(v)));
        return Promise.resolve();
    }
}

class Log {
    readonly lines: string[] = [];
    warn(message: string): void {
        this.lines.push(message);
    }
}

const SAS = 'https://md-x.blob.storage.azure.net/c/abcd?sv=2018-03-28&sr=b&sig=S3CRETsig';
const ref = (name: string) => ({ tenantId: 't', subscriptionId: 's', resourceGroup: 'rg', name, kind: 'disk' as const, id: `/subscriptions/s/resourceGroups/rg/providers/Microsoft.Compute/disks/${name}` });

/** Nothing stored, the refusal says why, the log names the field and never the secret. */
async function assertRefused(put: Promise<void>, m: Memento, log: Log, field: string): Promise<void> {
    await assert.rejects(put, /must not contain a URL or secret/);
    assert.equal(m.writes, 0, 'nothing written');
    assert.equal(log.lines.length, 1, 'one log line');
    assert.match(log.lines[0], new RegExp(`field ${field.replace('.', '\\.')} `));
    assert.ok(!/S3CRET|sig=|eyJ/.test(log.lines[0]), log.lines[0]);
}

describe('pending records refuse secrets', () => {
    it('download: a destination path that is a SAS URL', async () => {
        const m = new Memento(), log = new Log();
        const store = new PendingDownloads(m, 'k', log);
        const put = store.add({ ref: ref('d1'), blobs: ['disk'], paths: { disk: SAS }, fileFormat: 'VHD', access: 'Read', guestState: false, startedAt: 'now' });
        await assertRefused(put, m, log, 'paths.disk');
    });

    it('upload: a file that is a bare signature', async () => {
        const m = new Memento(), log = new Log();
        const store = new PendingUploads(m, 'k', log);
        await assertRefused(store.put({ ref: ref('u1'), files: { vmgs: 'sv=2018-03-28&sig=S3CRETsig' }, startedAt: 'now' }), m, log, 'files.vmgs');
    });

    it('copy: a target name that is a bearer token', async () => {
        const m = new Memento(), log = new Log();
        const store = new PendingCopies(m, 'k', log);
        const token = 'Bearer eyJhbGciOiJSUzI1NiJ9.eyJhdWQiOiJzdG9yYWdlIn0.S3CRET';
        await assertRefused(store.put({ source: ref('a'), target: { ...ref('b'), name: token }, blobs: ['disk'], startedAt: 'now' }), m, log, 'target.name');
    });

    it('the guard finds URLs, signatures and tokens anywhere, and leaves ids and paths alone', () => {
        assert.equal(secretAt({ a: { b: ['x', 'https://h/c/b'] } }), 'a.b.1');
        assert.equal(secretAt({ files: { 'x?sig=abc': 1 } }), 'files.<key>', 'a secret key is not repeated');
        for (const bad of ['x?sig=abc', 'sig%3Dabc', 'bearer abc', 'eyJhbGciOiJI.eyJzdWIiOiIx.abc', 'http://127.0.0.1:10000/c']) assert.equal(containsSecret({ v: bad }), true, bad);
        for (const ok of [ref('design=1').id, '/ws/disks/d1/d1.vhd', 'C:\\disks\\signature.vhd', '2026-11-21T10:00:00.000Z']) assert.equal(containsSecret({ v: ok }), false, ok);
    });
});
