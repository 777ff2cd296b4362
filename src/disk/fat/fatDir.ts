/**
 * FAT directory entries (Microsoft FAT spec sections 6 and 7): 32-byte 8.3 entries, each preceded
 * by the long-name entries that spell its full UTF-16 name. A long name is taken only when its
 * entries run in order, share one checksum and that checksum matches the 8.3 name; otherwise the
 * 8.3 name stands, lowercased where NT's flags say, as Windows and Linux do.
 */
import { dosTime, lfnChecksum, oemString, shortName, u16, u32, utf16 } from './names';

export interface FatEntry {
    readonly name: string;
    readonly isDir: boolean;
    readonly firstCluster: number;
    readonly size: number;
    /** Index of the 8.3 entry in the folder (its byte offset is 32 times this). */
    readonly index: number;
    readonly mtimeMs?: number;
    readonly atimeMs?: number;
    readonly birthtimeMs?: number;
}

export interface FatListing {
    entries: FatEntry[];
    /** The volume-label entry's text, if the folder holds one (only the root should). */
    label?: string;
}

const ATTR_VOLUME = 0x08;
const ATTR_DIR = 0x10;
const ATTR_LONG = 0x0f;
const LAST_LONG = 0x40;
/** 255 UTF-16 units at 13 per entry. */
const MAX_LONG = 20;

/** Offsets of the 13 UTF-16 units inside a long-name entry. */
const LFN_UNITS = [1, 3, 5, 7, 9, 14, 16, 18, 20, 22, 24, 28, 30];

/** A long name being gathered, last entry (highest ordinal) first. */
interface Pending {
    sum: number;
    /** The ordinal the next entry must have; 0 once entry 1 was seen. */
    expect: number;
    parts: string[];
}

function lfnPart(e: Uint8Array): number[] {
    return LFN_UNITS.map((o) => u16(e, o));
}

/** Takes a long-name entry into `p` (or starts one); undefined when the sequence breaks. */
function takeLong(e: Uint8Array, p: Pending | undefined): Pending | undefined {
    const ord = e[0] & 0x3f;
    if (ord === 0 || ord > MAX_LONG) return undefined;
    if (e[0] & LAST_LONG) {
        return { sum: e[13], expect: ord - 1, parts: [utf16(lfnPart(e))] };
    }
    if (!p || p.expect !== ord || p.sum !== e[13]) return undefined;
    p.parts.unshift(utf16(lfnPart(e)));
    p.expect = ord - 1;
    return p;
}

/**
 * The entries of a folder held in `buf` (whole 32-byte entries). `fat32` says whether the high
 * half of the first cluster (bytes 20-21) counts; FAT12/16 keep other data there.
 */
export function parseFatDir(buf: Uint8Array, fat32: boolean): FatListing {
    const out: FatListing = { entries: [] };
    let pending: Pending | undefined;
    for (let i = 0; (i + 1) * 32 <= buf.length; i++) {
        const e = buf.subarray(i * 32, i * 32 + 32);
        // Section 6.1: 0x00 ends the folder, 0xE5 marks a free (deleted) entry.
        if (e[0] === 0x00) break;
        if (e[0] === 0xe5) {
            pending = undefined;
            continue;
        }
        const attr = e[11];
        if ((attr & 0x3f) === ATTR_LONG) {
            pending = takeLong(e, pending);
            continue;
        }
        const long = pending && pending.expect === 0 && pending.sum === lfnChecksum(e.subarray(0, 11)) ? pending.parts.join('') : '';
        pending = undefined;
        if (attr & ATTR_VOLUME) {
            if (!(attr & ATTR_DIR) && out.label === undefined) out.label = oemString(e.subarray(0, 11)).replace(/ +$/, '');
            continue;
        }
        const name = long || shortName(e, e[12]);
        if (name === '.' || name === '..') continue;
        const hi = fat32 ? u16(e, 20) : 0;
        out.entries.push({
            name,
            isDir: (attr & ATTR_DIR) !== 0,
            firstCluster: hi * 0x10000 + u16(e, 26),
            size: (attr & ATTR_DIR) !== 0 ? 0 : u32(e, 28),
            index: i,
            mtimeMs: dosTime(u16(e, 24), u16(e, 22)),
            atimeMs: dosTime(u16(e, 18), 0),
            // Byte 13 adds 0..199 hundredths of a second to the creation time's two-second step.
            birthtimeMs: dosTime(u16(e, 16), u16(e, 14), e[13] <= 199 ? e[13] * 10 : 0),
        });
    }
    return out;
}
