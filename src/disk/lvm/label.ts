/**
 * The on-disk structures of an LVM2 physical volume (lvm2 lib/format_text/layout.h, lib/label/label.h):
 * the label in one of the first four sectors, the PV header after it, and in each metadata area an
 * mda_header whose raw_locn points at the current metadata text in a circular buffer.
 */
import { crc32Raw } from '../partitions/crc32';
import { BlockDevice, DiskFormatError } from '../types';
import { MAX_TEXT } from './config';

/** LVM's CRC: the CRC-32 register with this start value and no final inversion (lib/misc/crc.c). */
export const INITIAL_CRC = 0xf597a6cf;
export const LABEL_SCAN_SECTORS = 4;
const SECTOR = 512;
const MDA_HEADER_SIZE = 512;
const MDA_MAGIC = ' LVM2 x[5A%r0N*>';
/** The metadata area does not hold this text (pvchange --metadataignore). */
const RAW_LOCN_IGNORED = 1;

export interface DiskArea {
    offset: number;
    size: number;
}

export interface PvLabel {
    /** The sector (0-3) the label was found in. */
    sector: number;
    /** As LVM prints it: 32 characters in groups 6-4-4-4-4-4-6. */
    uuid: string;
    deviceSize: number;
    dataAreas: DiskArea[];
    metadataAreas: DiskArea[];
}

export function lvmCrc(bytes: Uint8Array, state = INITIAL_CRC): number {
    return crc32Raw(state, bytes);
}

const latin1 = (b: Uint8Array): string => new TextDecoder('latin1').decode(b);

function u64(dv: DataView, at: number, what: string): number {
    const v = dv.getBigUint64(at, true);
    if (v > BigInt(Number.MAX_SAFE_INTEGER)) throw new DiskFormatError(what, `value ${v} at +${at} is too large`);
    return Number(v);
}

/** The first four sectors, and the index of the one whose label id and type say LVM2. */
async function findLabel(dev: BlockDevice): Promise<{ head: Uint8Array; sector: number } | undefined> {
    const head = await dev.read(0, Math.min(dev.size - (dev.size % SECTOR), LABEL_SCAN_SECTORS * SECTOR));
    for (let s = 0; (s + 1) * SECTOR <= head.length; s++) {
        const at = s * SECTOR;
        if (latin1(head.subarray(at, at + 8)) === 'LABELONE' && latin1(head.subarray(at + 24, at + 32)) === 'LVM2 001') return { head, sector: s };
    }
    return undefined;
}

export async function probeLvm(dev: BlockDevice): Promise<boolean> {
    return dev.size >= SECTOR && (await findLabel(dev)) !== undefined;
}

/** Reads and checks the label and the PV header after it. */
export async function readPvLabel(dev: BlockDevice): Promise<PvLabel> {
    const found = dev.size >= SECTOR ? await findLabel(dev) : undefined;
    if (!found) throw new DiskFormatError('LVM label', 'no "LABELONE"/"LVM2 001" label in the first four sectors');
    const at = found.sector * SECTOR;
    const b = found.head.subarray(at, at + SECTOR);
    const dv = new DataView(b.buffer, b.byteOffset, b.byteLength);
    const fail = (msg: string): never => {
        throw new DiskFormatError('LVM label', msg, at);
    };
    const sectorField = dv.getBigUint64(8, true);
    if (sectorField !== BigInt(found.sector)) fail(`says it lies in sector ${sectorField}, found in sector ${found.sector}`);
    const crc = lvmCrc(b.subarray(20));
    const stored = dv.getUint32(16, true);
    if (crc !== stored) fail(`CRC is 0x${stored.toString(16)}, the label sums to 0x${crc.toString(16)}`);
    const pvAt = dv.getUint32(20, true);
    if (pvAt < 32 || pvAt + 40 + 16 > SECTOR) fail(`PV header offset ${pvAt} does not fit the label sector`);
    const uuidText = latin1(b.subarray(pvAt, pvAt + 32));
    if (!/^[A-Za-z0-9!#]{32}$/.test(uuidText)) fail('the PV UUID is not 32 id characters');
    const what = 'LVM PV header';
    const deviceSize = u64(dv, pvAt + 32, what);
    // Two lists of disk_locn {offset, size}, each ended by an all-zero entry, within the sector.
    let p = pvAt + 40;
    const list = (): DiskArea[] => {
        const out: DiskArea[] = [];
        for (;;) {
            if (p + 16 > SECTOR) throw new DiskFormatError(what, 'an area list runs past the label sector', at + p);
            const area = { offset: u64(dv, p, what), size: u64(dv, p + 8, what) };
            p += 16;
            if (area.offset === 0) return out;
            out.push(area);
        }
    };
    const dataAreas = list();
    const metadataAreas = list();
    return { sector: found.sector, uuid: formatUuid(uuidText), deviceSize, dataAreas, metadataAreas };
}

export function formatUuid(id: string): string {
    const groups = [6, 4, 4, 4, 4, 4, 6];
    let i = 0;
    return groups.map((n) => id.slice(i, (i += n))).join('-');
}

/**
 * The current metadata text of one metadata area: the first raw_locn of its mda_header, which may
 * wrap from the end of the area to just after the header; its checksum covers both pieces in order.
 * Undefined when the area is marked to hold no metadata.
 */
export async function readMetadataText(dev: BlockDevice, area: DiskArea, index: number): Promise<string | undefined> {
    const what = `LVM metadata area ${index + 1}`;
    if (area.size < MDA_HEADER_SIZE * 2 || area.offset + area.size > dev.size) {
        throw new DiskFormatError(what, `${area.size} bytes at ${area.offset} do not fit the ${dev.size}-byte device`, area.offset);
    }
    const h = await dev.read(area.offset, MDA_HEADER_SIZE);
    const dv = new DataView(h.buffer, h.byteOffset, h.byteLength);
    const fail = (msg: string): never => {
        throw new DiskFormatError(what, msg, area.offset);
    };
    const crc = lvmCrc(h.subarray(4));
    if (crc !== dv.getUint32(0, true)) fail(`header checksum is 0x${dv.getUint32(0, true).toString(16)}, the header sums to 0x${crc.toString(16)}`);
    if (latin1(h.subarray(4, 20)) !== MDA_MAGIC) fail('no mda_header magic');
    if (dv.getUint32(20, true) !== 1) fail(`mda_header version ${dv.getUint32(20, true)} is not 1`);
    if (u64(dv, 24, what) !== area.offset || u64(dv, 32, what) !== area.size) fail('mda_header start/size differ from the PV header');
    const offset = u64(dv, 40, what);
    const size = u64(dv, 48, what);
    const checksum = dv.getUint32(56, true);
    const flags = dv.getUint32(60, true);
    if (offset === 0 || flags & RAW_LOCN_IGNORED) return undefined;
    if (offset < MDA_HEADER_SIZE || offset >= area.size || size === 0 || size > area.size - MDA_HEADER_SIZE) {
        fail(`metadata location ${offset} + ${size} does not fit the ${area.size}-byte area`);
    }
    if (size > MAX_TEXT) fail(`metadata text of ${size} bytes (at most ${MAX_TEXT})`);
    const first = Math.min(size, area.size - offset);
    const pieces = [await dev.read(area.offset + offset, first)];
    if (first < size) pieces.push(await dev.read(area.offset + MDA_HEADER_SIZE, size - first));
    let sum = INITIAL_CRC;
    for (const piece of pieces) sum = lvmCrc(piece, sum);
    if (sum !== checksum) {
        throw new DiskFormatError(what, `metadata text checksum is 0x${checksum.toString(16)}, the ${size} bytes at ${area.offset + offset} sum to 0x${sum.toString(16)}`, area.offset + offset);
    }
    const all = new Uint8Array(size);
    all.set(pieces[0]);
    if (pieces.length > 1) all.set(pieces[1], first);
    return new TextDecoder('utf-8').decode(all).replace(/\0+$/, '');
}
