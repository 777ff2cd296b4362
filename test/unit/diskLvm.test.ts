/**
 * LVM2 volumes made by pvcreate/vgcreate/lvcreate (and vgcfgrestore for a thin pool), read back:
 * the metadata compared with what lvs and pvs report, each linear volume's bytes with what dd
 * wrote at the extents lvs named.
 */
import assert from 'node:assert/strict';
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { lvDevice, probeLvm, pvDevices, pvIdOf, readLvm, VolumeGroup } from '../../src/disk/lvm';
import { readPartitions } from '../../src/disk/partitions';
import { BlockDevice, DiskFormatError, sliceDevice } from '../../src/disk/types';
import { CountingDevice, fileDevice } from './diskKit';
import { LvsRow, ext4Image, gptLvmImage, lvmOracle, mdaWrapped, rootvgImage } from './diskLvmKit';
import { bytes } from './diskTree';

const MiB = 1024 * 1024;

async function sha256Of(dev: BlockDevice, chunk = MiB): Promise<string> {
    const h = crypto.createHash('sha256');
    for (let at = 0; at < dev.size; at += chunk) h.update(await dev.read(at, Math.min(chunk, dev.size - at)));
    return h.digest('hex');
}

const sha256 = (b: Uint8Array): string => crypto.createHash('sha256').update(b).digest('hex');

/** lvs rows as [name, size, kind, PV extent ranges] for the visible volumes, as the reader should report them. */
function expected(rows: LvsRow[]): [string, number, string, string[]][] {
    const kinds: Record<string, string> = { linear: 'linear', thin: 'thin', 'thin-pool': 'thin-pool' };
    const out = new Map<string, [string, number, string, string[]]>();
    for (const r of rows.filter((x) => !x.lv_name.startsWith('['))) {
        const e = out.get(r.lv_name) ?? [r.lv_name, parseInt(r.lv_size, 10), kinds[r.segtype] ?? r.segtype, []];
        if (r.segtype === 'linear') e[3].push(r.seg_pe_ranges.replace(/^[^:]+:/, ''));
        out.set(r.lv_name, e);
    }
    return [...out.values()].sort((a, b) => a[0].localeCompare(b[0]));
}

function actual(vg: VolumeGroup): [string, number, string, string[]][] {
    return vg.lvs.map((lv): [string, number, string, string[]] => [lv.name, lv.size, lv.kind,
        lv.segments.map((s) => `${s.pvStartExtent}-${s.pvStartExtent + s.extentCount - 1}`)]).sort((a, b) => a[0].localeCompare(b[0]));
}

describe('LVM2 rootvg made by the lvm tools', () => {
    let img: string;
    let dev: CountingDevice;
    let oracle: ReturnType<typeof lvmOracle>;
    let vg: VolumeGroup;
    before(async () => {
        img = rootvgImage();
        oracle = lvmOracle(img);
        dev = fileDevice(img);
        vg = await readLvm(dev);
    });
    after(() => dev.close());

    it('reads the volume group as lvs and pvs report it, from metadata that wraps round its area, in four reads', async () => {
        assert.ok(mdaWrapped(img, 4096), 'the newest metadata wraps round the end of the metadata area');
        const d = fileDevice(img);
        try {
            assert.equal(await probeLvm(d), true);
            const again = await readLvm(d);
            assert.deepEqual(again, vg);
            assert.ok(d.reads <= 5 && d.bytesRead <= 64 * 1024, `${d.reads} reads, ${d.bytesRead} bytes`);
        } finally {
            d.close();
        }
        assert.equal(vg.name, 'rootvg');
        assert.equal(vg.extentSize, MiB);
        assert.deepEqual(vg.warnings, []);
        assert.deepEqual(vg.pvs.map((p) => [p.name, p.uuid, p.peStart, p.peCount]), [['pv0', oracle.uuid, oracle.peStart, 63]]);
        assert.deepEqual(actual(vg), expected(oracle.lvs));
        const root = vg.lvs.find((l) => l.name === 'rootlv')!;
        assert.deepEqual(root.segments, [
            { startExtent: 0, extentCount: 4, pvName: 'pv0', pvStartExtent: 0 },
            { startExtent: 4, extentCount: 5, pvName: 'pv0', pvStartExtent: 7 },
        ]);
        assert.deepEqual(vg.lvs.map((l) => [l.name, l.kind, l.readable, l.segmentTypes]).sort(), [
            ['homelv', 'linear', true, ['striped']], ['pool', 'thin-pool', false, ['thin-pool']],
            ['rootlv', 'linear', true, ['striped']], ['thinlv', 'thin', false, ['thin']],
        ]);
        assert.equal(await pvIdOf(dev), oracle.uuid);
        const other = fileDevice(ext4Image(8));
        try {
            assert.deepEqual([...(await pvDevices(vg, [other, dev])).keys()], ['pv0'], 'a device that is not a PV is left out');
        } finally {
            other.close();
        }
    });

    it('reads each linear volume back as the bytes dd wrote at its extents, one PV read per MiB', async () => {
        const pvs = new Map([['pv0', dev as BlockDevice]]);
        const root = lvDevice(vg, vg.lvs.find((l) => l.name === 'rootlv')!, pvs);
        const source = fs.readFileSync(ext4Image(9));
        assert.equal(root.size, source.length);
        const before = dev.reads;
        assert.equal(await sha256Of(root), sha256(source));
        assert.equal(dev.reads - before, 9);
        // Across the jump from PV extent 3 to PV extent 7.
        assert.deepEqual(Buffer.from(await root.read(4 * MiB - 100, 300)), source.subarray(4 * MiB - 100, 4 * MiB + 200));
        const home = lvDevice(vg, vg.lvs.find((l) => l.name === 'homelv')!, pvs);
        assert.equal(await sha256Of(home, 3 * MiB), sha256(bytes(11, 3 * MiB)));
        await assert.rejects(root.read(9 * MiB - 10, 20), DiskFormatError);
    });

    it('refuses to map a thin volume or a thin pool, naming the kind', () => {
        const pvs = new Map([['pv0', dev as BlockDevice]]);
        assert.throws(() => lvDevice(vg, vg.lvs.find((l) => l.name === 'thinlv')!, pvs), /LVM logical volume thinlv: is a thin volume \(thin\)/);
        assert.throws(() => lvDevice(vg, vg.lvs.find((l) => l.name === 'pool')!, pvs), /is a thin-pool volume/);
        assert.throws(() => lvDevice(vg, vg.lvs.find((l) => l.name === 'rootlv')!, new Map()), /needs PV pv0 \(Fixtur-e0PV/);
    });
});

describe('LVM2 inside a GPT partition', () => {
    it('finds the Linux LVM partition, then the volume group and its volume in it', async () => {
        const img = gptLvmImage();
        const dev = fileDevice(img);
        try {
            assert.equal(await probeLvm(dev), false, 'the disk itself is not a PV');
            const t = await readPartitions(dev);
            assert.deepEqual(t.partitions.map((p) => [p.number, p.typeName, p.name]), [[1, 'Linux LVM', 'lvm']]);
            const part = sliceDevice(dev, t.partitions[0].start, t.partitions[0].size);
            assert.equal(await probeLvm(part), true);
            const vg = await readLvm(part);
            const oracle = lvmOracle(img, t.partitions[0].start, t.partitions[0].size);
            assert.equal(oracle.mdaCount, 2);
            assert.equal(vg.name, 'datavg');
            assert.deepEqual(actual(vg), expected(oracle.lvs));
            assert.deepEqual(vg.pvs.map((p) => [p.uuid, p.peStart]), [[oracle.uuid, oracle.peStart]]);
            const lv = lvDevice(vg, vg.lvs[0], await pvDevices(vg, [part]));
            assert.equal(await sha256Of(lv), sha256(fs.readFileSync(ext4Image(8))));
        } finally {
            dev.close();
        }
    });
});
