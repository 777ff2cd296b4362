/**
 * Small decoders FAT and exFAT directories share: 8.3 short names, the long-name checksum, UTF-16
 * names, and the DOS date/time stamps both keep.
 */

/**
 * Short names are in an OEM code page the volume does not record; code page 437 is the one Linux
 * mounts with by default, so high bytes decode as it does.
 */
const CP437_HIGH =
    'ÇüéâäàåçêëèïîìÄÅÉæÆôöòûùÿÖÜ¢£¥₧ƒáíóúñÑªº¿⌐¬½¼¡«»░▒▓│┤╡╢╖╕╣║╗╝╜╛┐└┴┬├─┼╞╟╚╔╩╦╠═╬╧╨╤╥╙╘╒╓╫╪┘┌█▄▌▐▀αßΓπΣσµτΦΘΩδ∞φε∩≡±≥≤⌠⌡÷≈°∙·√ⁿ²■\u00a0';

export function oemString(b: Uint8Array): string {
    let s = '';
    for (const c of b) s += c < 0x80 ? String.fromCharCode(c) : CP437_HIGH[c - 0x80];
    return s;
}

/** NT keeps all-lowercase 8.3 names without a long name, flagging them in byte 12. */
export const NT_LOWER_BASE = 0x08;
export const NT_LOWER_EXT = 0x10;

/** The 8.3 name of a directory entry as Windows shows it, `NAME.EXT` (no dot without extension). */
export function shortName(entry: Uint8Array, ntFlags: number): string {
    const raw = entry.slice(0, 11);
    // 0x05 in the first byte stands for 0xE5, which would otherwise mark the entry deleted.
    if (raw[0] === 0x05) raw[0] = 0xe5;
    let base = oemString(raw.subarray(0, 8)).replace(/ +$/, '');
    let ext = oemString(raw.subarray(8, 11)).replace(/ +$/, '');
    if (ntFlags & NT_LOWER_BASE) base = base.toLowerCase();
    if (ntFlags & NT_LOWER_EXT) ext = ext.toLowerCase();
    return ext ? `${base}.${ext}` : base;
}

/** The checksum a long-name entry carries of its 8.3 name (Microsoft FAT spec, section 7.2). */
export function lfnChecksum(name11: Uint8Array): number {
    let sum = 0;
    for (let i = 0; i < 11; i++) sum = (((sum & 1) << 7) + (sum >> 1) + name11[i]) & 0xff;
    return sum;
}

/** UTF-16LE code units up to the first NUL (or all), as a string; lone surrogates kept. */
export function utf16(units: readonly number[]): string {
    let s = '';
    for (const u of units) {
        if (u === 0) break;
        s += String.fromCharCode(u);
    }
    return s;
}

/**
 * A DOS date and time (FAT spec 6.3, exFAT spec 7.4.8) as milliseconds, the fields read as UTC.
 * FAT keeps local time without a zone; it is shown as if it were UTC. Undefined when the fields
 * are not a date (date 0 means "not kept").
 */
export function dosTime(date: number, time: number, extraMs = 0): number | undefined {
    if (date === 0) return undefined;
    const day = date & 0x1f;
    const month = (date >> 5) & 0xf;
    const year = 1980 + (date >> 9);
    const sec = (time & 0x1f) * 2;
    const min = (time >> 5) & 0x3f;
    const hour = time >> 11;
    if (day < 1 || day > 31 || month < 1 || month > 12 || hour > 23 || min > 59 || sec > 59) return undefined;
    return Date.UTC(year, month - 1, day, hour, min, sec) + extraMs;
}

export function u16(b: Uint8Array, o: number): number {
    return b[o] | (b[o + 1] << 8);
}

export function u32(b: Uint8Array, o: number): number {
    return (b[o] | (b[o + 1] << 8) | (b[o + 2] << 16) | (b[o + 3] << 24)) >>> 0;
}

/** A little-endian u64, or -1 when it does not fit a safe integer (no device is that large). */
export function u64(b: Uint8Array, o: number): number {
    const hi = u32(b, o + 4);
    if (hi >= 0x200000) return -1;
    return hi * 0x100000000 + u32(b, o);
}
