/** The LVM2 metadata text parser and the naming of volume kinds lvcreate cannot make without device-mapper. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseConfig } from '../../src/disk/lvm';
import { volumeGroupFromText } from '../../src/disk/lvm/metadata';
import { DiskFormatError } from '../../src/disk/types';

function fails(text: string, message: RegExp): void {
    assert.throws(() => parseConfig(text, 'LVM metadata area 1'), (e: unknown) => e instanceof DiskFormatError && e.structure === 'LVM metadata area 1' && message.test(e.message));
}

describe('LVM2 metadata text', () => {
    it('reads sections, strings with escapes, numbers, arrays and comments, keeping section order', () => {
        const c = parseConfig('# top\nvg-1 {\n\tid = "a\\"b\\\\c" # trailing\n\tseqno = 12\n\tratio = -1.5\n\tlist = ["x", 3, "y,z"]\n\tempty = []\n\tz { }\n\ta { k = 1 }\n}\nversion = 1\n', 'w');
        const vg = c.get('vg-1') as Map<string, unknown>;
        assert.equal(vg.get('id'), 'a"b\\c');
        assert.equal(vg.get('seqno'), 12);
        assert.equal(vg.get('ratio'), -1.5);
        assert.deepEqual(vg.get('list'), ['x', 3, 'y,z']);
        assert.deepEqual(vg.get('empty'), []);
        assert.deepEqual([...vg.keys()], ['id', 'seqno', 'ratio', 'list', 'empty', 'z', 'a']);
        assert.equal(c.get('version'), 1);
    });

    it('refuses what LVM never writes: unclosed strings and sections, stray braces, repeated keys, deep nesting', () => {
        fails('a = "open', /unterminated string/);
        fails('a {\n b = 1\n', /line 3: a section is not closed/);
        fails('}', /without a section/);
        fails('a = 1\na = 2', /line 2: "a" appears twice/);
        fails('a = [1 2]', /expected "," or "]"/);
        fails('a = ', /expected a value/);
        fails('x {'.repeat(17) + '}'.repeat(17), /nested deeper than 16/);
        parseConfig('x {'.repeat(16) + '}'.repeat(16), 'w');
    });

    it('names raid, mirror, cache, striped and snapshot volumes and marks them unreadable', () => {
        const seg = (type: string, extra = ''): string => `segment1 { start_extent = 0\n extent_count = 2\n type = "${type}"\n ${extra} }`;
        const lv = (name: string, body: string, visible = true): string => `${name} { id = "${name}"\n status = [${visible ? '"VISIBLE"' : ''}]\n ${body} }\n`;
        const text = `vg { id = "v"\n seqno = 3\n extent_size = 8192\n physical_volumes { pv0 { id = "p"\n pe_start = 2048\n pe_count = 100 }\n pv1 { id = "q"\n pe_start = 2048\n pe_count = 100 } }\n logical_volumes {\n`
            + lv('r1', seg('raid1', 'device_count = 2'))
            + lv('m1', seg('mirror'))
            + lv('c1', seg('cache'))
            + lv('s2', seg('striped', 'stripe_count = 2\n stripe_size = 128\n stripes = ["pv0", 10, "pv1", 10]'))
            + lv('cow', seg('striped', 'stripe_count = 1\n stripes = ["pv0", 20]'))
            + lv('snapshot0', seg('snapshot', 'origin = "s2"\n cow_store = "cow"'), false)
            + lv('z', seg('zero'))
            + '}\n}\n';
        const vg = volumeGroupFromText(text, 'w');
        assert.equal(vg.extentSize, 4 * 1024 * 1024);
        assert.deepEqual(vg.lvs.map((l) => [l.name, l.kind, l.readable, l.size]), [
            ['r1', 'raid', false, 8 * 1024 * 1024], ['m1', 'mirror', false, 8 * 1024 * 1024], ['c1', 'cache', false, 8 * 1024 * 1024],
            ['s2', 'striped', false, 8 * 1024 * 1024], ['cow', 'snapshot', false, 8 * 1024 * 1024], ['z', 'other', false, 8 * 1024 * 1024],
        ]);
        assert.deepEqual(vg.lvs[3].segments, [
            { startExtent: 0, extentCount: 1, pvName: 'pv0', pvStartExtent: 10 },
            { startExtent: 0, extentCount: 1, pvName: 'pv1', pvStartExtent: 10 },
        ]);
    });
});
