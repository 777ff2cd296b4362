/** The disk name rule, and every name a wizard proposes passing it (a proposal the name step then refuses is a trap). */
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { diskNameProblem, proposeDiskName } from '../../src/shared/names';
import { exportFileBase, suggestSnapshotName } from '../../src/features/snapshot/naming';
import { suggestDiskName } from '../../src/features/upload/steps';
import { suggestImportName } from '../../src/shared/importRules';

/** Names seen on real disks and files, several of which Azure would refuse as they are. */
const AWKWARD = ['data_disk.v2-(old)', 'web-os-01', 'disk.', 'disk-', '_x', '.hidden', '(old)', 'a b c', 'ünïcode-disk', '---', '', 'x'.repeat(79) + '.', 'd'.repeat(120), 'a'.repeat(78) + '(b)', 'name_'];

test('the rule: 1–80 letters, digits, _ . -; starts with a letter or digit; ends with a letter, digit or _', () => {
    for (const ok of ['a', '1', 'web-os-01', 'data_disk.v2', 'x_', 'A.b-c_d', 'd'.repeat(80)]) assert.equal(diskNameProblem(ok), undefined, ok);
    assert.match(diskNameProblem('')!, /Enter a name/);
    assert.match(diskNameProblem('d'.repeat(81))!, /at most 80 characters; this one has 81/);
    assert.match(diskNameProblem('data_disk.v2-(old)-copy')!, /only letters, digits/);
    assert.match(diskNameProblem('a b')!, /only letters, digits/);
    assert.match(diskNameProblem('_x')!, /must start with a letter or a digit/);
    assert.match(diskNameProblem('.x')!, /must start/);
    assert.match(diskNameProblem('x.')!, /must end with/);
    assert.match(diskNameProblem('x-')!, /must end with/);
});

test('Copy to…\'s proposal passes the rule, whatever the source is called', () => {
    assert.equal(proposeDiskName('data_disk.v2-(old)', '-copy'), 'data_disk.v2-old-copy');
    assert.equal(proposeDiskName('web-os-01', '-copy'), 'web-os-01-copy');
    assert.equal(proposeDiskName('d'.repeat(80), '-copy'), 'd'.repeat(75) + '-copy');
    assert.equal(proposeDiskName('(old)', '-copy'), 'old-copy');
    assert.equal(proposeDiskName('---', '-copy'), 'disk-copy');
    for (const name of AWKWARD) {
        const proposed = proposeDiskName(name, '-copy');
        assert.equal(diskNameProblem(proposed), undefined, `${JSON.stringify(name)} → ${proposed}`);
        assert.ok(proposed.endsWith('-copy'), proposed);
    }
});

test('every other proposal passes the rule too: upload, import, snapshot, export', () => {
    const at = new Date(Date.UTC(2026, 11, 7, 19, 28));
    for (const name of AWKWARD) {
        for (const proposed of [proposeDiskName(name), suggestDiskName(`${name}.vhdx`), suggestImportName(`osimages/${name}.vhd`), suggestSnapshotName(name, 'snap', at), suggestSnapshotName(name, 'export', at)]) {
            assert.equal(diskNameProblem(proposed), undefined, `${JSON.stringify(name)} → ${proposed}`);
        }
    }
    assert.equal(suggestSnapshotName('data_disk.v2-(old)', 'snap', at), 'data_disk.v2-old-snap-20261207-1928');
    assert.equal(exportFileBase('web-os-01', at), 'web-os-01-20261207-1928');
});
