/**
 * exFAT directory entry sets (exFAT spec section 6 and 7): a File entry (0x85), its Stream
 * Extension (0xC0) saying where the data lies, and File Name entries (0xC1) of 15 UTF-16 units
 * each, guarded by one checksum over the whole set. The allocation bitmap, up-case table and
 * GUID entries are not needed to read and are passed over.
 */
import { DiskFormatError } from '../types';
import { dosTime, u16, u32, u64, utf16 } from './names';

export interface ExfatEntry {
    readonly name: string;
    readonly isDir: boolean;
    readonly firstCluster: number;
    readonly noFatChain: boolean;
    readonly dataLength: number;
    readonly validLength: number;
    /** Byte index of the File entry in the folder's data. */
    readonly at: number;
    readonly mtimeMs?: number;
    readonly atimeMs?: number;
    readonly birthtimeMs?: number;
}

export interface ExfatListing {
    entries: ExfatEntry[];
    label?: string;
}

const FILE = 0x85;
const STREAM = 0xc0;
const NAME = 0xc1;
const LABEL = 0x83;
const ATTR_DIR = 0x10;

/** The set checksum (exFAT spec 6.3.3): bytes 2-3 of the File entry, the checksum itself, skipped. */
export function setChecksum(set: Uint8Array): number {
    let sum = 0;
    for (let i = 0; i < set.length; i++) {
        if (i === 2 || i === 3) continue;
        sum = (((sum & 1) << 15) + (sum >> 1) + set[i]) & 0xffff;
    }
    return sum;
}

/**
 * A timestamp with its 10 ms increment and UTC offset (spec 7.4.8-7.4.10). The fields are local
 * time; when the offset is marked valid it is subtracted, otherwise the time is taken as UTC.
 */
function stamp(ts: number, tenMs: number, offset: number): number | undefined {
    const local = dosTime(ts >>> 16, ts & 0xffff, tenMs <= 199 ? tenMs * 10 : 0);
    if (local === undefined || !(offset & 0x80)) return local;
    // Bits 0-6: a signed count of 15-minute steps.
    const steps = offset & 0x40 ? (offset & 0x7f) - 0x80 : offset & 0x7f;
    return local - steps * 15 * 60_000;
}

/**
 * The file and folder entries in `buf` (a folder's data), plus the volume label entry if present.
 * `what` names the folder for messages; `at(i)` maps a byte index to a device offset.
 */
export function parseExfatDir(buf: Uint8Array, what: string, at: (i: number) => number): ExfatListing {
    const out: ExfatListing = { entries: [] };
    const fail = (i: number, msg: string) => new DiskFormatError('exFAT directory entry set', `${what}, entry ${i / 32}: ${msg}`, at(i));
    for (let i = 0; i + 32 <= buf.length; ) {
        const type = buf[i];
        // Type 0x00 ends the folder; an entry without the in-use bit (0x80) is free or deleted.
        if (type === 0x00) break;
        if (type === LABEL) {
            const n = buf[i + 1];
            if (n <= 11 && out.label === undefined) out.label = utf16(units(buf, i + 2, n));
        }
        if (type !== FILE) {
            i += 32;
            continue;
        }
        const count = buf[i + 1];
        if (count < 2 || count > 18) throw fail(i, `File entry has ${count} secondary entries, not 2..18`);
        const end = i + (count + 1) * 32;
        if (end > buf.length) throw fail(i, `the set's ${count + 1} entries run past the folder's end`);
        const set = buf.subarray(i, end);
        const sum = setChecksum(set);
        if (sum !== u16(set, 2)) throw fail(i, `checksum ${sum.toString(16)} does not match the stored ${u16(set, 2).toString(16)}`);
        out.entries.push(parseSet(set, i, (msg) => fail(i, msg)));
        i = end;
    }
    return out;
}

function units(b: Uint8Array, o: number, n: number): number[] {
    const u: number[] = [];
    for (let k = 0; k < n; k++) u.push(u16(b, o + 2 * k));
    return u;
}

function parseSet(set: Uint8Array, at: number, fail: (msg: string) => DiskFormatError): ExfatEntry {
    const s = set.subarray(32, 64);
    if (s[0] !== STREAM) throw fail(`second entry is type ${s[0].toString(16)}, not a Stream Extension`);
    const flags = s[1];
    const nameLength = s[3];
    const validLength = u64(s, 8);
    const firstCluster = u32(s, 20);
    const dataLength = u64(s, 24);
    if (nameLength === 0) throw fail('name length is 0');
    if (dataLength < 0 || validLength < 0 || validLength > dataLength) {
        throw fail(`valid data length ${validLength} is not within data length ${dataLength}`);
    }
    const nameEntries = Math.ceil(nameLength / 15);
    if (set.length < (2 + nameEntries) * 32) throw fail(`${nameEntries} File Name entries do not fit in the set`);
    const name: number[] = [];
    for (let k = 0; k < nameEntries; k++) {
        const e = set.subarray((2 + k) * 32, (3 + k) * 32);
        if (e[0] !== NAME) throw fail(`entry ${2 + k} is type ${e[0].toString(16)}, not a File Name`);
        name.push(...units(e, 2, Math.min(15, nameLength - 15 * k)));
    }
    const f = set;
    const attrs = u16(f, 4);
    return {
        // Names are counted, not NUL-terminated: a NUL unit is kept as stored.
        name: String.fromCharCode(...name),
        isDir: (attrs & ATTR_DIR) !== 0,
        // Bit 1 of the flags: NoFatChain, the clusters are contiguous.
        noFatChain: (flags & 0x02) !== 0,
        firstCluster,
        dataLength,
        validLength,
        at,
        birthtimeMs: stamp(u32(f, 8), f[20], f[22]),
        mtimeMs: stamp(u32(f, 12), f[21], f[23]),
        atimeMs: stamp(u32(f, 16), 0, f[24]),
    };
}
