import * as assert from 'node:assert/strict';
import { test } from 'node:test';
import { snapshotReadable, suggestSnapshotName } from '../../src/features/snapshot/naming';
import { diskNameProblem } from '../../src/shared/names';

test('snapshot names carry the source and the UTC minute, and are names Azure accepts', () => {
    const at = new Date(Date.UTC(2026, 11, 1, 22, 6, 30));
    assert.equal(suggestSnapshotName('web-os-01', 'export', at), 'web-os-01-export-20261201-2206');
    assert.equal(suggestSnapshotName('data_disk.v2-(old)', 'snap', at), 'data_disk.v2-old-snap-20261201-2206');
    const long = suggestSnapshotName('d'.repeat(90), 'snap', at);
    assert.equal(long.length, 80);
    assert.equal(diskNameProblem(long), undefined);
});

test('a snapshot is readable once Azure reports all of its data', () => {
    assert.equal(snapshotReadable({}), true);
    assert.equal(snapshotReadable({ completionPercent: 75 }), false);
    assert.equal(snapshotReadable({ completionPercent: 100 }), true);
});
