import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { blobFileName, downloadSubfolder, sanitizeName } from '../../src/features/download/names';

test('plain names pass through', () => {
    assert.equal(sanitizeName('my-disk_01'), 'my-disk_01');
});

test('path separators and .. cannot escape', () => {
    for (const raw of ['../etc/passwd', '..\\..\\win', 'a/b', '/abs', 'C:\\x', '..']) {
        const s = sanitizeName(raw);
        assert.ok(!s.includes('/') && !s.includes('\\') && !s.includes('..') && !s.includes(':'), `${raw} → ${s}`);
        assert.ok(s.length > 0);
    }
});

test('control characters, trailing dots and spaces go', () => {
    assert.equal(sanitizeName('disk\u0000\u001f\n'), 'disk');
    assert.equal(sanitizeName('disk. . '), 'disk');
    assert.equal(sanitizeName('  .hidden'), 'hidden');
});

test('reserved Windows names are prefixed', () => {
    for (const n of ['CON', 'nul', 'com1', 'LPT9', 'aux.txt']) assert.equal(sanitizeName(n), `_${n}`);
    assert.equal(sanitizeName('console'), 'console');
});

test('empty input gets a fallback', () => {
    assert.equal(sanitizeName(''), 'disk');
    assert.equal(sanitizeName('...'), 'disk');
});

test('file names per blob kind and format', () => {
    assert.equal(blobFileName('d1', 'disk'), 'd1.vhd');
    assert.equal(blobFileName('d1', 'disk', 'VHDX'), 'd1.vhdx');
    assert.equal(blobFileName('d1', 'vmgs', 'VHDX'), 'd1_vmgs.vhd');
    assert.equal(blobFileName('d1', 'vmmd'), 'd1_vmmd.vhd');
    assert.equal(blobFileName('../evil', 'disk'), '_evil.vhd');
});

test('download subfolder stays inside the workspace', () => {
    assert.deepEqual(downloadSubfolder('disks'), ['disks']);
    assert.deepEqual(downloadSubfolder('out/disks'), ['out', 'disks']);
    assert.deepEqual(downloadSubfolder('../../etc'), ['etc']);
    assert.deepEqual(downloadSubfolder('/abs/path'), ['abs', 'path']);
    assert.deepEqual(downloadSubfolder(''), ['disks']);
    assert.deepEqual(downloadSubfolder(undefined), ['disks']);
});
