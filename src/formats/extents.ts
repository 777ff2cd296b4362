/**
 * Where a file holds data. Node has no lseek(SEEK_DATA), and reading a hole costs ~1 GiB/s, so
 * ask the file system: on Linux through `filefrag -e -v` (FIEMAP; preallocated 'unwritten'
 * extents read as zeros and count as holes), on Windows through `fsutil sparse queryrange`
 * (FSCTL_QUERY_ALLOCATED_RANGES), which only knows holes in files marked sparse. Where neither
 * answers, or the answer is not understood, the caller reads everything and skips zero pages.
 */
import { execFile } from 'node:child_process';

export interface FileExtent {
    start: number;
    end: number;
}

/**
 * Parses `filefrag -e -v` output into byte ranges of the file that hold data, merged and sorted.
 * Uses the logical range (delayed-allocation extents report a length of 0).
 */
export function parseFilefrag(out: string): FileExtent[] {
    const bs = /blocks of (\d+) bytes/.exec(out);
    if (!bs) throw new Error('filefrag output has no block size');
    const block = Number(bs[1]);
    // Trust the listing only when it accounts for the count filefrag reports: an output format
    // this parser does not know must not turn data into holes. filefrag counts fragments, not
    // lines: an extent that lies where the one before it would have continued (physically
    // contiguous, or at the same logical-to-physical offset across a hole) is not counted.
    const found = /(\d+) extents? found/.exec(out);
    if (!found) throw new Error('filefrag output has no extent count');
    const ranges: FileExtent[] = [];
    let lines = 0, fragments = 0;
    let last: { logical: number; physical: number; length: number } = { logical: 0, physical: 0, length: 0 };
    for (const line of out.split('\n')) {
        const m = /^\s*\d+:\s+(\d+)\.\.\s*(\d+):\s+(\d+)\.\.\s*\d+:\s+(\d+):(.*)$/.exec(line);
        if (!m) continue;
        lines++;
        // The extent's length is its logical span: a delayed-allocation extent prints a physical
        // length of 0, but filefrag's own count uses its real length.
        const logical = Number(m[1]), physical = Number(m[3]), length = Number(m[2]) - logical + 1;
        const expected = last.physical + logical - last.logical, dense = last.physical + last.length;
        if (logical !== 0 && physical !== expected && physical !== dense) fragments++;
        else if (!fragments) fragments = 1;
        last = { logical, physical, length };
        const flags = m[5].split(/[\s,]+/).filter(Boolean);
        if (flags.includes('unwritten')) continue;
        const start = logical * block;
        const end = (Number(m[2]) + 1) * block;
        const prev = ranges[ranges.length - 1];
        if (prev && start <= prev.end) prev.end = Math.max(prev.end, end);
        else ranges.push({ start, end });
    }
    const count = Number(found[1]);
    if (fragments !== count && lines !== count) throw new Error(`filefrag listed ${lines} extents (${fragments} fragments) where it counted ${count}`);
    ranges.sort((a, b) => a.start - b.start);
    return ranges;
}

/**
 * Parses `fsutil sparse queryrange` output, lines such as
 *   Allocated range[1]: Offset: 0x0         Length: 0x10000
 * Only the two hexadecimal numbers of a line are read: the words around them are translated on
 * a non-English Windows. Lines without a hexadecimal number are ignored; a line with another
 * count of them, or a range that makes no sense, throws (data must never be taken for a hole).
 */
export function parseFsutilRanges(out: string): FileExtent[] {
    const ranges: FileExtent[] = [];
    for (const line of out.split(/\r?\n/)) {
        const hex = line.match(/\b0x[0-9a-f]+\b/gi);
        if (!hex) continue;
        if (hex.length !== 2) throw new Error(`fsutil line not understood: ${line.trim().slice(0, 80)}`);
        const [start, length] = hex.map((h) => parseInt(h.slice(2), 16));
        if (!Number.isSafeInteger(start) || !Number.isSafeInteger(start + length) || length <= 0) throw new Error(`fsutil range not understood: ${line.trim().slice(0, 80)}`);
        ranges.push({ start, end: start + length });
    }
    ranges.sort((a, b) => a.start - b.start);
    const merged: FileExtent[] = [];
    for (const r of ranges) {
        const last = merged[merged.length - 1];
        if (last && r.start <= last.end) last.end = Math.max(last.end, r.end);
        else merged.push({ ...r });
    }
    return merged;
}

/** Runs a command and answers its stdout (rejects with the error's `code` on failure). Injectable for tests. */
export type RunCommand = (cmd: string, args: string[]) => Promise<string>;

const runCommand: RunCommand = (cmd, args) => new Promise<string>((resolve, reject) => {
    execFile(cmd, args, { maxBuffer: 1024 * 1024 * 1024, windowsHide: true, env: { ...process.env, LC_ALL: 'C' } }, (err, stdout) => (err ? reject(err) : resolve(stdout)));
});

export interface ExtentQuery {
    platform?: NodeJS.Platform;
    run?: RunCommand;
}

const READ_ALL = 'reading the whole image and skipping zero pages';

async function linuxExtents(file: string, log: (m: string) => void, run: RunCommand): Promise<FileExtent[] | undefined> {
    let out: string;
    try {
        out = await run('filefrag', ['-e', '-v', file]);
    } catch (e) {
        const code = (e as NodeJS.ErrnoException).code;
        log(code === 'ENOENT' ? `filefrag not found (install e2fsprogs): ${READ_ALL}` : `filefrag could not map the file: ${READ_ALL}`);
        return undefined;
    }
    try {
        return parseFilefrag(out);
    } catch {
        log(`filefrag output not understood: ${READ_ALL}`);
        return undefined;
    }
}

/**
 * Windows: a file not marked sparse is listed as one allocated range over the whole file, which
 * says nothing about where its zeros are; an empty listing is read too (it cannot be told apart
 * from output this parser does not know).
 */
async function windowsExtents(file: string, size: number, log: (m: string) => void, run: RunCommand): Promise<FileExtent[] | undefined> {
    let out: string;
    try {
        out = await run('fsutil', ['sparse', 'queryrange', file]);
    } catch (e) {
        const code = (e as NodeJS.ErrnoException).code;
        log(code === 'ENOENT' ? `fsutil not found: ${READ_ALL}` : `fsutil could not list the file's allocated ranges (not NTFS/ReFS, or not allowed): ${READ_ALL}`);
        return undefined;
    }
    let ranges: FileExtent[];
    try {
        ranges = parseFsutilRanges(out);
    } catch {
        log(`fsutil output not understood: ${READ_ALL}`);
        return undefined;
    }
    if (!ranges.length) {
        log(`fsutil listed no allocated range: ${READ_ALL}`);
        return undefined;
    }
    if (ranges.length === 1 && ranges[0].start === 0 && ranges[0].end >= size) {
        log(`the image is not a sparse file (fsutil lists it as allocated throughout): ${READ_ALL}`);
        return undefined;
    }
    return ranges;
}

/**
 * Data ranges of `file` (its length `limit`) clipped to [0, limit); undefined when the platform
 * cannot say (the reason goes to `log`).
 */
export async function dataExtents(file: string, limit: number, log: (m: string) => void, q: ExtentQuery = {}): Promise<FileExtent[] | undefined> {
    const platform = q.platform ?? process.platform;
    const run = q.run ?? runCommand;
    let ranges: FileExtent[] | undefined;
    if (platform === 'linux') ranges = await linuxExtents(file, log, run);
    else if (platform === 'win32') ranges = await windowsExtents(file, limit, log, run);
    else log(`no data-extent query on this platform: ${READ_ALL}`);
    return ranges
        ?.map((r) => ({ start: r.start, end: Math.min(r.end, limit) }))
        .filter((r) => r.end > r.start);
}
