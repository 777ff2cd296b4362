import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { DownloadTracker } from '../../src/app/downloadTracker';
import { isHostMessage, type HostMessage } from '../../src/shared/accessProtocol';

const ID = '/subscriptions/s/resourceGroups/r/providers/Microsoft.Compute/disks/d1';

function recorder(t: DownloadTracker): { seen: [string, HostMessage][] } {
    const seen: [string, HostMessage][] = [];
    t.onEvent((id, m) => seen.push([id, m]));
    return { seen };
}

test('start, progress, done produce valid panel messages and row state', () => {
    const t = new DownloadTracker();
    const { seen } = recorder(t);
    const c = new AbortController();
    t.start(ID, 'disk', c, 'd1.vhd');
    assert.equal(t.isRunning(ID.toUpperCase(), 'disk'), true);
    t.progress(ID, 'disk', { bytesDone: 10, bytesPlanned: 100, totalSize: 1000, bytesPerSecond: 5 }, 1_000);
    t.progress(ID, 'disk', { bytesDone: 20, bytesPlanned: 100, totalSize: 1000, bytesPerSecond: 5 }, 1_100); // throttled
    t.progress(ID, 'disk', { bytesDone: 100, bytesPlanned: 100, totalSize: 1000, bytesPerSecond: 5 }, 1_150); // final always sent
    t.done(ID, 'disk', [{ name: 'size', passed: true }], 'd1.vhd');
    assert.deepEqual(seen.map(([, m]) => m.type), ['downloadStarted', 'progress', 'progress', 'downloadDone']);
    for (const [, m] of seen) assert.equal(isHostMessage(m), true, JSON.stringify(m));
    assert.equal(t.isRunning(ID, 'disk'), false);
    const rows = t.rowsFor(ID);
    assert.equal(rows[0].status, 'done');
    assert.equal(rows[0].progress?.bytesDone, 100);
});

test('cancel aborts only the targeted blob, or all blobs of the disk', () => {
    const t = new DownloadTracker();
    const a = new AbortController();
    const b = new AbortController();
    t.start(ID, 'disk', a);
    t.start(ID, 'vmgs', b);
    assert.equal(t.cancel(ID, 'vmgs'), true);
    assert.equal(b.signal.aborted, true);
    assert.equal(a.signal.aborted, false);
    assert.equal(t.cancel('/other', undefined), false);
    assert.equal(t.cancel(ID), true);
    assert.equal(a.signal.aborted, true);
});

test('failed and cancelled rows keep their message; a throwing listener does not break others', () => {
    const t = new DownloadTracker();
    t.onEvent(() => {
        throw new Error('closed panel');
    });
    const { seen } = recorder(t);
    t.start(ID, 'disk', new AbortController());
    t.failed(ID, 'disk', 'Download cancelled.', true);
    assert.equal(t.rowsFor(ID)[0].status, 'cancelled');
    assert.equal(seen.length, 2);
    assert.equal(t.anyRunning(ID), false);
});

test('shutdown aborts everything and marks the tracker', () => {
    const t = new DownloadTracker();
    const a = new AbortController();
    t.start(ID, 'disk', a);
    t.shutdown();
    assert.equal(a.signal.aborted, true);
    assert.equal(t.shuttingDown, true);
});
