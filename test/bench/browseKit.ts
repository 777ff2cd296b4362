/**
 * What the browse rows share: an image file seeded into Azurite as a page blob with only its
 * non-zero pages written, the same image served by the range server (a BlobModel over the file),
 * browse.js and browseSave.js runs measured as peers with the device's own request and byte
 * counts, and the tables in report.ts's format with those counts as columns.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { BlobSASPermissions, BlobServiceClient, generateBlobSASQueryParameters, StorageSharedKeyCredential } from '@azure/storage-blob';
import type { ByteRange } from '../../src/blob/ranges';
import { zeroRuns } from '../../src/transfer/upload/windows';
import type { AzuriteHandle } from '../sandbox/azurite';
import { BlobModel } from './blobModel';
import { measure, type Measure, type PeerCommand } from './peers';
import { fmtB, fmtS, median, range } from './report';
import { dataChunks } from './uploadScenarios';

const MiB = 1024 * 1024;
const ZEROS = Buffer.alloc(MiB);

/** Creates the page blob, Put Pages the non-zero runs of each 4 MiB window with data; a read SAS and the written ranges. */
export async function seedImage(az: AzuriteHandle, container: string, blob: string, file: string): Promise<{ url: string; ranges: ByteRange[] }> {
    const cred = new StorageSharedKeyCredential(az.accountName, az.accountKey);
    const cc = new BlobServiceClient(az.endpoint, cred).getContainerClient(container);
    await cc.createIfNotExists();
    const pb = cc.getPageBlobClient(blob);
    const size = fs.statSync(file).size;
    await pb.create(size);
    const chunks = await dataChunks(file);
    const ranges: ByteRange[] = [];
    const fd = fs.openSync(file, 'r');
    try {
        let next = 0;
        await Promise.all(Array.from({ length: 8 }, async () => {
            const buf = Buffer.alloc(4 * MiB);
            for (let i = next++; i < chunks.length; i = next++) {
                const c = chunks[i];
                const n = fs.readSync(fd, buf, 0, c.end - c.start, c.start);
                for (const r of zeroRuns(buf, n, 64 * 1024)) {
                    await pb.uploadPages(buf.subarray(r.start, r.end), c.start + r.start, r.end - r.start);
                    ranges.push({ start: c.start + r.start, end: c.start + r.end });
                }
            }
        }));
    } finally {
        fs.closeSync(fd);
    }
    const sas = generateBlobSASQueryParameters({
        containerName: container, blobName: blob, permissions: BlobSASPermissions.parse('r'),
        startsOn: new Date(Date.now() - 60_000), expiresOn: new Date(Date.now() + 24 * 3600_000),
    }, cred).toString();
    return { url: `${pb.url}?${sas}`, ranges: ranges.sort((a, b) => a.start - b.start) };
}

/** An image file as the range server's blob: its bytes read from the file, its written ranges as seeded. */
export class FileModel extends BlobModel {
    private readonly fd: number;

    constructor(file: string, ranges: ByteRange[]) {
        super(fs.statSync(file).size, ranges, 1, false);
        this.fd = fs.openSync(file, 'r');
    }

    /** Holes as views of one zero buffer, so a whole-blob GET holds only the data in memory. */
    override slices(start: number, end: number): Buffer[] {
        const out: Buffer[] = [];
        let pos = start;
        const data = (to: number) => {
            const buf = Buffer.alloc(to - pos);
            fs.readSync(this.fd, buf, 0, buf.length, pos);
            out.push(buf);
            pos = to;
        };
        for (const r of this.ranges) {
            if (r.end <= pos) continue;
            if (r.start >= end) break;
            for (; pos < Math.min(r.start, end); pos = Math.min(r.start, end, pos + ZEROS.length)) out.push(ZEROS.subarray(0, Math.min(r.start, end, pos + ZEROS.length) - pos));
            if (pos < end) data(Math.min(r.end, end));
        }
        for (; pos < end; pos = Math.min(end, pos + ZEROS.length)) out.push(ZEROS.subarray(0, Math.min(end, pos + ZEROS.length) - pos));
        return out;
    }

    close(): void {
        fs.closeSync(this.fd);
    }
}

/** One measured run and the device's counts (undefined for peers that keep none). */
export interface Counted {
    m: Measure;
    requests?: number;
    bytes?: number;
}

export interface CountRow {
    peer: string;
    runs: Counted[];
}

const BROWSE = path.resolve(__dirname, 'browse.js');
const SAVE = path.resolve(__dirname, 'browseSave.js');

/**
 * browse.js `<cmd> <path>` as a peer: stdout kept in a file for `check` (which returns an error or
 * undefined), the closing stats line read from stderr. A failed check fails the run.
 */
export async function browseRun(work: string, url: string, cmd: 'ls' | 'cat' | 'stat', target: string, serverPid: number | undefined, check: (out: Buffer) => string | undefined): Promise<Counted> {
    const out = path.join(work, 'browse.out'), err = path.join(work, 'browse.err');
    const script = '"$NODE" "$CLI" "$SRC" "$CMD" "$P" >"$OUT" 2>"$ERR"';
    const pc: PeerCommand = { peer: `${cmd} ${target}`, argv: ['bash', '-c', script], env: { NODE: process.execPath, CLI: BROWSE, SRC: url, CMD: cmd, P: target, OUT: out, ERR: err }, clean: [out, err] };
    const m = await measure(pc, 5 * 60_000, serverPid);
    const lines = fs.existsSync(err) ? fs.readFileSync(err, 'utf8').trim().split('\n') : [];
    let stats: { requests?: number; bytesFetched?: number } = {};
    try {
        stats = JSON.parse(lines[lines.length - 1] ?? '{}') as typeof stats;
    } catch { /* no stats line */ }
    if (!m.ok) Object.assign(m, { error: lines.filter((l) => l.startsWith('error')).join(' ') || m.error });
    else {
        const bad = check(fs.existsSync(out) ? fs.readFileSync(out) : Buffer.alloc(0));
        if (bad) Object.assign(m, { ok: false, error: bad });
    }
    return { m, requests: stats.requests, bytes: stats.bytesFetched };
}

/** browseSave.js of `diskPath` into a fresh folder; its result line gives the counts. */
export async function saveRun(work: string, url: string, diskPath: string, serverPid: number | undefined, check: (folder: string) => string | undefined): Promise<Counted> {
    const folder = path.join(work, 'saved');
    fs.rmSync(folder, { recursive: true, force: true });
    fs.mkdirSync(folder);
    const m = await measure({ peer: 'saveTo', argv: [process.execPath, SAVE, url, diskPath, folder], out: undefined }, 10 * 60_000, serverPid);
    let res: { requests?: number; bytesFetched?: number } = {};
    try {
        res = JSON.parse(m.stdout.trim().split('\n').pop() ?? '{}') as typeof res;
    } catch { /* no result line */ }
    if (m.ok) {
        const bad = check(folder);
        if (bad) Object.assign(m, { ok: false, error: bad });
    }
    fs.rmSync(folder, { recursive: true, force: true });
    return { m, requests: res.requests, bytes: res.bytesFetched };
}

/** Median (min–max) of a count; `fmt` formats one value. */
export function countCell(xs: (number | undefined)[], fmt: (x: number) => string = (x) => x.toFixed(0)): string {
    const v = xs.filter((x): x is number => x !== undefined && Number.isFinite(x));
    if (!v.length) return '–';
    const lo = Math.min(...v), hi = Math.max(...v);
    return `${fmt(median(v))}${lo !== hi ? ` (${fmt(lo)}–${fmt(hi)})` : ''}`;
}

export const mib = (x: number): string => `${(x / MiB).toFixed(2)} MiB`;

const msCol = (xs: (number | undefined)[]): string => {
    const v = xs.filter((x): x is number => x !== undefined);
    return v.length ? `${fmtS(median(v))}${range(v.map((x) => x / 1000), 2)}` : '–';
};

/** A table in peerTable's columns, with the device's requests and bytes and a verdict per row. */
export function countTable(rows: CountRow[], extra: { head: string; cell: (r: CountRow) => string }[]): string[] {
    const out = [
        `| peer | median wall (min–max) | CPU time (min–max) | Azurite CPU | peak RSS | loopback bytes |${extra.map((e) => ` ${e.head} |`).join('')}`,
        `|---|---|---|---|---|---|${extra.map(() => '---|').join('')}`,
    ];
    for (const row of rows) {
        const ok = row.runs.filter((r) => r.m.ok).map((r) => r.m);
        const failed = row.runs.length - ok.length;
        const name = `${row.peer}${failed ? ` (${failed} failed: ${row.runs.find((r) => !r.m.ok)?.m.error ?? ''})` : ''}`;
        out.push(`| ${name} | ${msCol(ok.map((m) => m.wallMs))} | ${msCol(ok.map((m) => m.cpuMs))} | ${msCol(ok.map((m) => m.serverCpuMs))} | ${ok.length ? `${Math.max(...ok.map((m) => m.peakRssMiB ?? 0)).toFixed(0)} MiB` : '–'} | ${ok.length ? fmtB(median(ok.map((m) => m.loBytes))) : '–'} |${extra.map((e) => ` ${e.cell(row)} |`).join('')}`);
    }
    return out;
}

/** Per-round differences a − b of a count (both runs ok), e.g. a read beyond what opening it cost. */
export function beyond(a: Counted[], b: Counted[], pick: (c: Counted) => number | undefined): number[] {
    return a.map((x, i) => {
        const y = b[i];
        const p = x.m.ok && y?.m.ok ? pick(x) : undefined, q = y?.m.ok ? pick(y) : undefined;
        return p !== undefined && q !== undefined ? p - q : NaN;
    }).filter(Number.isFinite);
}
