/**
 * LVM2 physical volumes: the label and PV header, the newest volume-group metadata in the PV's
 * metadata areas, and linear logical volumes as block devices.
 */
import { BlockDevice, DiskFormatError } from '../types';
import { probeLvm, readMetadataText, readPvLabel } from './label';
import { VolumeGroup, volumeGroupFromText } from './metadata';

export { lvDevice } from './device';
export { probeLvm, readPvLabel, PvLabel, DiskArea } from './label';
export { LogicalVolume, LvKind, LvSegment, PhysicalVolume, VolumeGroup } from './metadata';
export { parseConfig, ConfigSection, ConfigValue } from './config';

/**
 * The volume group from a PV's metadata areas: the one with the highest seqno among those that
 * read cleanly. A damaged area is an error unless another area of the PV holds good metadata.
 */
export async function readLvm(pv: BlockDevice): Promise<VolumeGroup> {
    const label = await readPvLabel(pv);
    if (label.metadataAreas.length === 0) throw new DiskFormatError('LVM PV header', 'this PV keeps no metadata area (read the volume group from another PV)');
    let best: VolumeGroup | undefined;
    const errors: DiskFormatError[] = [];
    for (const [i, area] of label.metadataAreas.entries()) {
        try {
            const text = await readMetadataText(pv, area, i);
            if (text === undefined) continue;
            const vg = volumeGroupFromText(text, `LVM metadata area ${i + 1}`);
            if (!best || vg.seqno > best.seqno) best = vg;
        } catch (e) {
            if (!(e instanceof DiskFormatError)) throw e;
            errors.push(e);
        }
    }
    if (best) return { ...best, warnings: errors.map((e) => `${e.message}; the volume group was read from another metadata area`) };
    throw errors[0] ?? new DiskFormatError('LVM PV header', 'every metadata area is marked to hold no metadata');
}

/** The PV UUID in a device's own PV header, as the metadata's `id` spells it. */
export async function pvIdOf(dev: BlockDevice): Promise<string> {
    return (await readPvLabel(dev)).uuid;
}

/** Matches devices to the VG's PVs by UUID: the map {@link lvDevice} takes. Devices that are not its PVs are left out. */
export async function pvDevices(vg: VolumeGroup, devices: BlockDevice[]): Promise<Map<string, BlockDevice>> {
    const out = new Map<string, BlockDevice>();
    for (const dev of devices) {
        if (!(await probeLvm(dev))) continue;
        const id = await pvIdOf(dev);
        const pv = vg.pvs.find((p) => p.uuid === id);
        if (pv) out.set(pv.name, dev);
    }
    return out;
}
