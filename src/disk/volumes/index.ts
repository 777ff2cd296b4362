/**
 * The volumes of a disk, as a browser shows them: each partition (or the whole disk when it has no
 * partition table), with the logical volumes of LVM physical volumes in place of the PVs, each
 * with its file system opened where a reader knows it. One damaged volume never hides the others:
 * it is listed with a note saying what is wrong.
 */
import { readLvm, lvDevice, pvDevices, VolumeGroup } from '../lvm';
import { readPartitions, Partition } from '../partitions';
import { BlockDevice, DiskFormatError, FileSystemReader, checkRead, sliceDevice } from '../types';
import { diskName, dmName, lvName, partitionName } from './names';
import { identify } from './probe';

export { formatSize, dmName } from './names';

export interface Volume {
    /** The partition number, `<vg>-<lv>` as device-mapper names an LV, or `disk`. */
    id: string;
    /** What a folder for it is called, e.g. `1 EFI System (FAT32, 100 MiB)`. */
    name: string;
    kind: 'partition' | 'lv' | 'disk';
    size: number;
    /** The partition type (`Linux filesystem`), `LVM logical volume` or `whole disk`. */
    typeName: string;
    /** The file system (`ext4`, `FAT32`) or what else it holds (`swap`, `BitLocker`, `LVM2 PV`). */
    fsType?: string;
    /** The open file system, when there is one that could be read. */
    fs?: FileSystemReader;
    /** Why there is no `fs`: encrypted, damaged, not a file system. */
    note?: string;
    device: BlockDevice;
}

const UNKNOWN = 'unknown file system';
/** GPT types whose partitions hold no file system by design (boot loader space, Windows' reserved area). */
const RESERVED_TYPES = /^(BIOS boot|Microsoft reserved)$/;

/** The volumes of a disk, in partition order. Errors other than a damaged structure (the network) are thrown. */
export async function openVolumes(dev: BlockDevice): Promise<Volume[]> {
    let parts: Partition[] | undefined;
    let tableNote: string | undefined;
    try {
        const table = await readPartitions(dev);
        if (table.scheme !== 'none') parts = table.partitions;
    } catch (e) {
        if (!isDamage(e)) throw e;
        tableNote = (e as Error).message;
    }
    const slots: Slot[] = [];
    if (!parts) {
        slots.push(await examine({ id: 'disk', kind: 'disk', typeName: 'whole disk', label: '' }, () => dev, tableNote));
    } else {
        for (const p of parts) {
            const base = { id: String(p.number), kind: 'partition' as const, typeName: p.typeName, label: p.name?.trim() || p.typeName, number: p.number };
            slots.push(await examine(base, () => sliceDevice(dev, p.start, p.size), undefined));
        }
    }
    return expandLvm(slots);
}

interface Base {
    id: string;
    kind: 'partition' | 'disk';
    typeName: string;
    /** GPT name or type name. */
    label: string;
    number?: number;
}

/** A volume, or a PV whose volume group is read when every PV has been seen. */
type Slot = { volume: Volume } | { pv: { base: Base; device: BlockDevice; vg: VolumeGroup } };

function named(base: Base, contents: string, size: number): string {
    return base.kind === 'disk' ? diskName(contents, size) : partitionName(base.number ?? 0, base.label, contents, size);
}

async function examine(base: Base, device: () => BlockDevice, note: string | undefined): Promise<Slot> {
    let dev: BlockDevice;
    try {
        dev = device();
    } catch (e) {
        if (!isDamage(e)) throw e;
        const size = 0;
        return { volume: { ...strip(base), name: named(base, UNKNOWN, size), size, note: (e as Error).message, device: refused(size, e as Error) } };
    }
    const opened = await openContents(dev, (contents, size) => named(base, contents, size));
    if ('vg' in opened) return { pv: { base, device: dev, vg: opened.vg } };
    // Partitions that by their type never hold a file system read as reserved, not as unknown.
    if (!opened.fs && !opened.fsType && RESERVED_TYPES.test(base.typeName)) {
        return { volume: { ...strip(base), name: named(base, 'reserved', dev.size), note: `a ${base.typeName} partition holds no files`, size: dev.size, device: dev } };
    }
    const v: Volume = { ...strip(base), ...opened, size: dev.size, device: dev };
    if (note && !v.fs) v.note = v.note ? `${note}; ${v.note}` : note;
    return { volume: v };
}

function strip(base: Base): Pick<Volume, 'id' | 'kind' | 'typeName'> {
    return { id: base.id, kind: base.kind, typeName: base.typeName };
}

type Opened = Pick<Volume, 'name' | 'fsType' | 'fs' | 'note'>;

/** Identifies and opens what `dev` holds; a PV comes back as its volume group. */
async function openContents(dev: BlockDevice, name: (contents: string, size: number) => string): Promise<Opened | { vg: VolumeGroup }> {
    const fail = (fsType: string | undefined, e: unknown): Opened => {
        if (!isDamage(e)) throw e;
        return { name: name(fsType ?? UNKNOWN, dev.size), fsType, note: (e as Error).message };
    };
    let contents;
    try {
        contents = await identify(dev);
    } catch (e) {
        return fail(undefined, e);
    }
    switch (contents.kind) {
        case 'unknown':
            return { name: name(UNKNOWN, dev.size), note: 'no file system this browser reads was found' };
        case 'named':
            return { name: name(contents.name, dev.size), fsType: contents.name, note: contents.note };
        case 'lvm':
            try {
                return { vg: await readLvm(dev) };
            } catch (e) {
                return fail('LVM2 PV', e);
            }
        case 'fs':
            try {
                const fs = await contents.open();
                return { name: name(fs.type, dev.size), fsType: fs.type, fs };
            } catch (e) {
                return fail(contents.name, e);
            }
    }
}

/**
 * Replaces the PVs by the logical volumes of their volume groups (at the place of a group's first
 * PV). A group is read from the PV with the newest metadata; its LVs map onto all PVs found.
 */
async function expandLvm(slots: Slot[]): Promise<Volume[]> {
    const groups = new Map<string, { vg: VolumeGroup; devices: BlockDevice[] }>();
    for (const s of slots) {
        if (!('pv' in s)) continue;
        const g = groups.get(s.pv.vg.uuid);
        if (!g) groups.set(s.pv.vg.uuid, { vg: s.pv.vg, devices: [s.pv.device] });
        else {
            g.devices.push(s.pv.device);
            if (s.pv.vg.seqno > g.vg.seqno) g.vg = s.pv.vg;
        }
    }
    const out: Volume[] = [];
    const done = new Set<string>();
    for (const s of slots) {
        if ('volume' in s) {
            out.push(s.volume);
            continue;
        }
        const uuid = s.pv.vg.uuid;
        if (done.has(uuid)) continue;
        done.add(uuid);
        const g = groups.get(uuid)!;
        out.push(...(await logicalVolumes(g.vg, g.devices)));
    }
    return out;
}

async function logicalVolumes(vg: VolumeGroup, devices: BlockDevice[]): Promise<Volume[]> {
    const pvs = await pvDevices(vg, devices);
    const out: Volume[] = [];
    for (const lv of vg.lvs) {
        const base = { id: dmName(vg.name, lv.name), kind: 'lv' as const, typeName: 'LVM logical volume', size: lv.size };
        let dev: BlockDevice;
        try {
            dev = lvDevice(vg, lv, pvs);
        } catch (e) {
            if (!isDamage(e)) throw e;
            out.push({ ...base, name: lvName(vg.name, lv.name, lv.kind === 'linear' ? UNKNOWN : `${lv.kind} volume`, lv.size), note: (e as Error).message, device: refused(lv.size, e as Error) });
            continue;
        }
        const opened = await openContents(dev, (contents, size) => lvName(vg.name, lv.name, contents, size));
        if ('vg' in opened) {
            // A PV inside a logical volume (stacked LVM) is not followed.
            out.push({ ...base, name: lvName(vg.name, lv.name, 'LVM2 PV', lv.size), fsType: 'LVM2 PV', note: 'holds an LVM physical volume of its own, which is not followed', device: dev });
            continue;
        }
        out.push({ ...base, ...opened, device: dev });
    }
    return out;
}

/**
 * A damaged or unreadable structure: the readers' DiskFormatError, and the RangeError or TypeError
 * a hostile image may still provoke. Anything else (a failed request, a cancel) is not about
 * this volume, and is thrown.
 */
function isDamage(e: unknown): boolean {
    return e instanceof DiskFormatError || e instanceof RangeError || e instanceof TypeError;
}

/** A device for a volume that cannot be read: every read says why. */
function refused(size: number, why: Error): BlockDevice {
    return {
        size,
        async read(offset: number, length: number): Promise<Uint8Array> {
            checkRead(size, offset, length);
            throw why;
        },
    };
}
