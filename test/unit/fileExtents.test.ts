/** The extent parsers: filefrag output (real, as the tool printed it) and clipping a file range to its data. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseFilefrag } from '../../src/formats/extents';
import { dataWithin } from '../../src/formats/vhdx';

describe('filefrag parsing', () => {
    it('reads logical ranges, treats unwritten extents as holes and keeps delalloc ones', () => {
        const out = [
            'Filesystem type is: ef53',
            'File size of x is 52428800 (12800 blocks of 4096 bytes)',
            ' ext:     logical_offset:        physical_offset: length:   expected: flags:',
            '   0:        0..      15:    6155840..   6155855:     16:             ',
            '   1:       16..      31:    6155856..   6155871:     16:             ',
            '   2:     1600..    1615:          0..         0:      0:             unknown_loc,delalloc',
            '   3:     2560..    2815:    6136320..   6136575:    256:    6156800: last,unwritten',
            'x: 4 extents found',
        ].join('\n');
        assert.deepEqual(parseFilefrag(out), [{ start: 0, end: 32 * 4096 }, { start: 1600 * 4096, end: 1616 * 4096 }]);
        assert.deepEqual(parseFilefrag('File size of x is 1048576 (256 blocks of 4096 bytes)\nx: 0 extents found\n'), [], 'a file of holes');
    });
    it('counts as filefrag does after a delayed-allocation extent (real output for a VHDX qemu-img had just written)', () => {
        const out = [
            'Filesystem type is: ef53',
            'File size of h.vhdx is 41943040 (10240 blocks of 4096 bytes)',
            ' ext:     logical_offset:        physical_offset: length:   expected: flags:',
            '   0:        0..       0:   46465568..  46465568:      1:            ',
            '   1:       16..      16:   46465584..  46465584:      1:            ',
            '   2:       32..      32:   46465600..  46465600:      1:            ',
            '   3:       48..      63:   46465616..  46465631:     16:            ',
            '   4:       64..      79:   46466304..  46466319:     16:   46465632:',
            '   5:      256..     257:          0..         0:      0:             unknown_loc,delalloc',
            '   6:      512..     784:   46466752..  46467024:    273:        256:',
            '   7:     2816..    3071:          0..         0:      0:             unknown_loc,delalloc',
            '   8:     9728..    9983:          0..         0:      0:             last,unknown_loc,delalloc',
            'h.vhdx: 6 extents found',
        ].join('\n');
        const b = 4096;
        assert.deepEqual(parseFilefrag(out), [
            { start: 0, end: b }, { start: 16 * b, end: 17 * b }, { start: 32 * b, end: 33 * b }, { start: 48 * b, end: 80 * b },
            { start: 256 * b, end: 258 * b }, { start: 512 * b, end: 785 * b }, { start: 2816 * b, end: 3072 * b }, { start: 9728 * b, end: 9984 * b },
        ]);
    });
    it('an extent physically right after the one before it, across a logical hole, is one fragment with it', () => {
        const out = [
            'File size of x is 1048576 (256 blocks of 4096 bytes)',
            ' ext:     logical_offset:        physical_offset: length:   expected: flags:',
            '   0:        8..      23:       1000..      1015:     16:             ',
            '   1:       40..      55:       1016..      1031:     16:             ',
            '   2:       64..      65:       5000..      5001:      2:       1040: last',
            'x: 2 extents found',
        ].join('\n');
        assert.deepEqual(parseFilefrag(out), [{ start: 8 * 4096, end: 24 * 4096 }, { start: 40 * 4096, end: 56 * 4096 }, { start: 64 * 4096, end: 66 * 4096 }]);
    });
    it('refuses output it cannot account for (so data never turns into holes)', () => {
        assert.throws(() => parseFilefrag('File size of x is 1048576 (256 blocks of 4096 bytes)\nx: 3 extents found\n'), /listed 0 extents .* counted 3/);
        assert.throws(() => parseFilefrag('File size of x is 1048576 (256 blocks of 4096 bytes)\n'), /no extent count/);
    });
});

describe('dataWithin: the parts of a file range the file holds', () => {
    const data = [{ start: 0, end: 4096 }, { start: 65536, end: 69632 }, { start: 131072, end: 196608 }];
    it('clips to the range, keeps order, drops ranges outside', () => {
        assert.deepEqual(dataWithin(data, 2048, 140000), [[2048, 4096], [65536, 69632], [131072, 140000]]);
        assert.deepEqual(dataWithin(data, 4096, 65536), []);
        assert.deepEqual(dataWithin(data, 69631, 69633), [[69631, 69632]]);
        assert.deepEqual(dataWithin(data, 196608, 300000), []);
        assert.deepEqual(dataWithin(data, 0, 4096), [[0, 4096]]);
        assert.deepEqual(dataWithin(data, 65536, 196608), [[65536, 69632], [131072, 196608]]);
    });
    it('the whole range when the file system could not say', () => {
        assert.deepEqual(dataWithin(undefined, 10, 20), [[10, 20]]);
    });
});
