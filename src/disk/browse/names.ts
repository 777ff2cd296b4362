/**
 * Names from an image made safe to show in a URI and to create on any local file system, and the
 * way back to the name as stored.
 *
 * The escape is `%XX` (the character's code, two upper-case hex digits; `%uXXXX` for a lone UTF-16
 * surrogate): it is what a URI path already uses, so a user recognises `a%2Fb` as "a/b", and it is
 * reversible without a table. A `%` is escaped (as `%25`) only where it is followed by what would
 * read as an escape, so `100%.txt` stays as it is while `%41` becomes `%2541`.
 *
 * Escaped: `/` and `\` (path separators somewhere), NUL and every C0/C1 control character, the
 * characters Windows refuses in names (`<>:"|?*`), `.` and `..` alone, a trailing dot or space
 * (Windows drops them), the first letter of a reserved Windows device name (CON, NUL, COM1, … with
 * or without an extension), and lone surrogates (no UTF-8 form).
 */

const HEX = /[0-9A-Fa-f]/;
// eslint-disable-next-line no-control-regex
const ALWAYS = /[\u0000-\u001f\u007f-\u009f/\\<>:"|?*]/;
/** Win32 "Naming Files, Paths, and Namespaces": these names refer to devices, with any extension. */
const RESERVED = /^(con|prn|aux|nul|com[0-9¹²³]|lpt[0-9¹²³]|conin\$|conout\$)(\..*)?$/i;

function hex2(code: number): string {
    return '%' + code.toString(16).toUpperCase().padStart(2, '0');
}

/** Whether `s` at `i` starts something decodeName would read as an escape. */
function looksEscaped(s: string, i: number): boolean {
    if (HEX.test(s[i] ?? '') && HEX.test(s[i + 1] ?? '')) return true;
    return s[i] === 'u' && /^[0-9A-Fa-f]{4}$/.test(s.slice(i + 1, i + 5));
}

function isLoneSurrogate(s: string, i: number): boolean {
    const c = s.charCodeAt(i);
    if (c >= 0xd800 && c <= 0xdbff) {
        const n = s.charCodeAt(i + 1);
        return !(n >= 0xdc00 && n <= 0xdfff);
    }
    if (c >= 0xdc00 && c <= 0xdfff) {
        const p = s.charCodeAt(i - 1);
        return !(p >= 0xd800 && p <= 0xdbff);
    }
    return false;
}

/**
 * The name shown and saved for `raw`. Distinct raw names give distinct results, and
 * `decodeName(safeName(x)) === x` for every non-empty `x`. An empty name has no safe form: undefined.
 */
export function safeName(raw: string): string | undefined {
    if (raw === '') return undefined;
    if (raw === '.') return '%2E';
    if (raw === '..') return '%2E%2E';
    let out = '';
    for (let i = 0; i < raw.length; i++) {
        const ch = raw[i];
        if (ch === '%') out += looksEscaped(raw, i + 1) ? '%25' : '%';
        else if (ALWAYS.test(ch)) out += hex2(ch.charCodeAt(0));
        else if (isLoneSurrogate(raw, i)) out += '%u' + raw.charCodeAt(i).toString(16).toUpperCase();
        else out += ch;
    }
    if (RESERVED.test(raw)) out = hex2(raw.charCodeAt(0)) + out.slice(1);
    const last = out[out.length - 1];
    if (last === '.' || last === ' ') out = out.slice(0, -1) + hex2(last.charCodeAt(0));
    return out;
}

/** The stored name a safe name stands for (the inverse of safeName). */
export function decodeName(safe: string): string {
    let out = '';
    for (let i = 0; i < safe.length; i++) {
        if (safe[i] === '%' && HEX.test(safe[i + 1] ?? '') && HEX.test(safe[i + 2] ?? '')) {
            out += String.fromCharCode(parseInt(safe.slice(i + 1, i + 3), 16));
            i += 2;
        } else if (safe[i] === '%' && safe[i + 1] === 'u' && /^[0-9A-Fa-f]{4}$/.test(safe.slice(i + 2, i + 6))) {
            out += String.fromCharCode(parseInt(safe.slice(i + 2, i + 6), 16));
            i += 5;
        } else {
            out += safe[i];
        }
    }
    return out;
}

/** Most local file systems take 255 bytes of UTF-8 (ext4, XFS, APFS) or 255 UTF-16 units (NTFS). */
export const MAX_LOCAL_NAME_BYTES = 255;

/**
 * The safe name shortened to fit a local file system: over 255 UTF-8 bytes it keeps its start and
 * extension and gains a short hash of the whole, so two long names that share a start stay apart.
 */
export function fitLocalName(safe: string, hash: (s: string) => string): string {
    if (Buffer.byteLength(safe, 'utf8') <= MAX_LOCAL_NAME_BYTES) return safe;
    const dot = safe.lastIndexOf('.');
    const ext = dot > 0 && safe.length - dot <= 16 ? safe.slice(dot) : '';
    const tag = `~${hash(safe).slice(0, 8)}`;
    const room = MAX_LOCAL_NAME_BYTES - Buffer.byteLength(tag + ext, 'utf8');
    let head = '';
    for (const ch of safe.slice(0, safe.length - ext.length)) {
        if (Buffer.byteLength(head + ch, 'utf8') > room) break;
        head += ch;
    }
    return head.replace(/[. ]+$/, '') + tag + ext;
}

/** `name (2).ext` for the second file that would land on `name.ext`. */
export function numberedName(name: string, n: number): string {
    const dot = name.lastIndexOf('.');
    return dot > 0 ? `${name.slice(0, dot)} (${n})${name.slice(dot)}` : `${name} (${n})`;
}
