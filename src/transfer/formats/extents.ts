/**
 * Where a file holds data. Node has no lseek(SEEK_DATA), and reading a hole costs ~1 GiB/s, so on
 * Linux ask the file system through `filefrag -e -v` (FIEMAP). Preallocated ('unwritten') extents
 * read as zeros and count as holes. Where filefrag is missing or fails the caller reads
 * everything and skips zero pages.
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
    // Trust the listing only when its line count matches the count filefrag reports: an output
    // format this parser does not know must not turn data into holes.
    const found = /(\d+) extents? found/.exec(out);
    if (!found) throw new Error('filefrag output has no extent count');
    const ranges: FileExtent[] = [];
    let lines = 0;
    for (const line of out.split('\n')) {
        const m = /^\s*\d+:\s+(\d+)\.\.\s*(\d+):\s+\d+\.\.\s*\d+:\s+\d+:(.*)$/.exec(line);
        if (!m) continue;
        lines++;
        const flags = m[3].split(/[\s,]+/).filter(Boolean);
        if (flags.includes('unwritten')) continue;
        const start = Number(m[1]) * block;
        const end = (Number(m[2]) + 1) * block;
        const last = ranges[ranges.length - 1];
        if (last && start <= last.end) last.end = Math.max(last.end, end);
        else ranges.push({ start, end });
    }
    if (lines !== Number(found[1])) throw new Error(`filefrag listed ${lines} of ${found[1]} extents`);
    ranges.sort((a, b) => a.start - b.start);
    return ranges;
}

/** Data ranges of `file` per FIEMAP, clipped to [0, limit); undefined when the platform cannot say (the reason goes to `log`). */
export async function dataExtents(file: string, limit: number, log: (m: string) => void): Promise<FileExtent[] | undefined> {
    if (process.platform !== 'linux') {
        log('no data-extent query on this platform: reading the whole image and skipping zero pages');
        return undefined;
    }
    let out: string;
    try {
        out = await new Promise<string>((resolve, reject) => {
            execFile('filefrag', ['-e', '-v', file], { maxBuffer: 1024 * 1024 * 1024, env: { ...process.env, LC_ALL: 'C' } }, (err, stdout) => (err ? reject(err) : resolve(stdout)));
        });
    } catch (e) {
        const code = (e as NodeJS.ErrnoException).code;
        log(code === 'ENOENT'
            ? 'filefrag not found (install e2fsprogs): reading the whole image and skipping zero pages'
            : 'filefrag could not map the file: reading the whole image and skipping zero pages');
        return undefined;
    }
    let ranges: FileExtent[];
    try {
        ranges = parseFilefrag(out);
    } catch {
        log('filefrag output not understood: reading the whole image and skipping zero pages');
        return undefined;
    }
    return ranges
        .map((r) => ({ start: r.start, end: Math.min(r.end, limit) }))
        .filter((r) => r.end > r.start);
}
