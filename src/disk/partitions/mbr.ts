/**
 * The MBR partition table: four entries at 0x1BE, and logical partitions in a chain of extended
 * boot records (EBRs) inside the one extended partition.
 */
import { BlockDevice, DiskFormatError } from '../types';
import { Partition, mbrTypeId, mbrTypeName } from './types';

export const EXTENDED_TYPES = new Set([0x05, 0x0f, 0x85]);
/** Linux reads at most this many logical partitions; a longer chain is damage, not a disk. */
export const MAX_LOGICAL = 256;

export interface MbrEntry {
    status: number;
    type: number;
    /** LBA, relative to what the entry's table says (disk start, this EBR, or the extended partition). */
    start: number;
    sectors: number;
}

export function mbrEntries(sector: Uint8Array): MbrEntry[] {
    const dv = new DataView(sector.buffer, sector.byteOffset, sector.byteLength);
    const out: MbrEntry[] = [];
    for (let i = 0; i < 4; i++) {
        const o = 0x1be + i * 16;
        out.push({ status: sector[o], type: sector[o + 4], start: dv.getUint32(o + 8, true), sectors: dv.getUint32(o + 12, true) });
    }
    return out;
}

export function hasBootSignature(sector: Uint8Array): boolean {
    return sector.length >= 512 && sector[510] === 0x55 && sector[511] === 0xaa;
}

/**
 * Whether sector 0 holds a partition table rather than a file system's boot sector (FAT and NTFS
 * also end their first sector in 0x55AA): every status byte is 0x00 or 0x80 and some entry is used.
 */
export function looksLikeMbr(sector: Uint8Array): boolean {
    const entries = mbrEntries(sector);
    if (entries.some((e) => e.status !== 0 && e.status !== 0x80)) return false;
    return entries.some((e) => e.type !== 0 && e.sectors > 0 && e.start > 0);
}

function partition(dev: BlockDevice, ss: number, number: number, e: MbrEntry, startLba: number, what: string): Partition {
    const start = startLba * ss;
    const size = e.sectors * ss;
    if (start + size > dev.size) {
        throw new DiskFormatError(what, `sectors ${startLba}..${startLba + e.sectors - 1} lie past the end of the disk (${Math.floor(dev.size / ss)} sectors)`, start);
    }
    return { number, start, size, typeName: mbrTypeName(e.type), typeId: mbrTypeId(e.type), bootable: e.status === 0x80 };
}

/** Primary partitions 1-4 (the extended container itself is not listed) and logical ones from 5. */
export async function readMbr(dev: BlockDevice, ss: number, sector0: Uint8Array, warnings: string[]): Promise<Partition[]> {
    const out: Partition[] = [];
    let extended: { start: number; sectors: number } | undefined;
    mbrEntries(sector0).forEach((e, i) => {
        if (e.type === 0 || e.sectors === 0) return;
        const what = `MBR partition ${i + 1}`;
        if (EXTENDED_TYPES.has(e.type)) {
            partition(dev, ss, i + 1, e, e.start, what); // refuses one past the end
            if (extended) warnings.push(`${what}: a second extended partition is ignored`);
            else extended = { start: e.start, sectors: e.sectors };
            return;
        }
        out.push(partition(dev, ss, i + 1, e, e.start, what));
    });
    if (extended) out.push(...(await readLogical(dev, ss, extended, warnings)));
    return out;
}

/**
 * Follows the EBR chain: in each EBR the first entry is a logical partition relative to that EBR,
 * the second links to the next EBR relative to the start of the extended partition.
 */
async function readLogical(dev: BlockDevice, ss: number, ext: { start: number; sectors: number }, warnings: string[]): Promise<Partition[]> {
    const out: Partition[] = [];
    const seen = new Set<number>();
    let ebr = ext.start;
    for (let n = 0; ; n++) {
        const what = `EBR ${n + 1}`;
        if (seen.has(ebr)) throw new DiskFormatError(what, `the chain of extended boot records loops back to sector ${ebr}`, ebr * ss);
        if (n >= MAX_LOGICAL) throw new DiskFormatError(what, `the chain holds more than ${MAX_LOGICAL} logical partitions`, ebr * ss);
        if (ebr < ext.start || ebr >= ext.start + ext.sectors) {
            throw new DiskFormatError(what, `sector ${ebr} lies outside the extended partition (sectors ${ext.start}..${ext.start + ext.sectors - 1})`, ebr * ss);
        }
        seen.add(ebr);
        const sector = await dev.read(ebr * ss, 512);
        if (!hasBootSignature(sector)) throw new DiskFormatError(what, 'has no 0x55AA signature', ebr * ss);
        const [logical, link] = mbrEntries(sector);
        if (logical.type !== 0 && logical.sectors > 0) {
            const p = partition(dev, ss, 5 + out.length, logical, ebr + logical.start, `logical partition ${5 + out.length}`);
            if (ebr + logical.start + logical.sectors > ext.start + ext.sectors) {
                warnings.push(`logical partition ${p.number} runs past the end of its extended partition`);
            }
            out.push(p);
        }
        if (link.type === 0 || link.sectors === 0) return out;
        if (!EXTENDED_TYPES.has(link.type)) warnings.push(`${what}: link entry has type ${mbrTypeId(link.type)}, read as a link`);
        ebr = ext.start + link.start;
    }
}
