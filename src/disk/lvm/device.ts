/** A logical volume as a block device: its segments mapped onto extents of its physical volumes. */
import { BlockDevice, DiskFormatError, checkRead } from '../types';
import { LogicalVolume, VolumeGroup } from './metadata';

interface Mapping {
    lvOffset: number;
    length: number;
    dev: BlockDevice;
    pvOffset: number;
}

/**
 * Reads a linear volume: each segment's extents lie at pe_start + extent × extent_size on its PV
 * (the dm "linear" target LVM loads for a one-stripe segment). Other kinds are refused by name.
 */
export function lvDevice(vg: VolumeGroup, lv: LogicalVolume, pvs: Map<string, BlockDevice>): BlockDevice {
    const what = `LVM logical volume ${lv.name}`;
    if (!lv.readable) throw new DiskFormatError(what, `is a ${lv.kind} volume (${lv.segmentTypes.join(', ')}), which cannot be read directly`);
    const maps: Mapping[] = [];
    let next = 0;
    for (const s of lv.segments) {
        const pv = vg.pvs.find((p) => p.name === s.pvName);
        const dev = pvs.get(s.pvName);
        if (!pv || !dev) throw new DiskFormatError(what, `needs PV ${s.pvName}${pv ? ` (${pv.uuid})` : ''}, which was not given`);
        const lvOffset = s.startExtent * vg.extentSize;
        const length = s.extentCount * vg.extentSize;
        const pvOffset = pv.peStart + s.pvStartExtent * vg.extentSize;
        if (lvOffset !== next) throw new DiskFormatError(what, `segment at extent ${s.startExtent} does not follow on from byte ${next}`);
        if (!Number.isSafeInteger(pvOffset + length) || pvOffset + length > dev.size) {
            throw new DiskFormatError(what, `extents ${s.pvStartExtent}..${s.pvStartExtent + s.extentCount - 1} lie past the end of PV ${s.pvName} (${dev.size} bytes)`, pvOffset);
        }
        maps.push({ lvOffset, length, dev, pvOffset });
        next = lvOffset + length;
    }
    if (next !== lv.size) throw new DiskFormatError(what, `segments cover ${next} of ${lv.size} bytes`);
    return {
        size: lv.size,
        async read(offset: number, length: number): Promise<Uint8Array> {
            checkRead(lv.size, offset, length, what);
            let i = findMapping(maps, offset);
            const pieces: Uint8Array[] = [];
            for (let at = offset; at < offset + length; i++) {
                const m = maps[i];
                const n = Math.min(offset + length, m.lvOffset + m.length) - at;
                pieces.push(await m.dev.read(m.pvOffset + (at - m.lvOffset), n));
                at += n;
            }
            if (pieces.length === 1) return pieces[0];
            const out = new Uint8Array(length);
            let o = 0;
            for (const p of pieces) {
                out.set(p, o);
                o += p.length;
            }
            return out;
        },
    };
}

/** The index of the mapping holding byte `offset` (binary search; mappings are contiguous). */
function findMapping(maps: Mapping[], offset: number): number {
    let lo = 0;
    let hi = maps.length - 1;
    while (lo < hi) {
        const mid = (lo + hi + 1) >> 1;
        if (maps[mid].lvOffset <= offset) lo = mid;
        else hi = mid - 1;
    }
    return lo;
}
