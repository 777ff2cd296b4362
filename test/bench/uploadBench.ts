/**
 * The upload rows of `npm run bench` (`--only upload`): ours, @azure/storage-blob uploadPages in
 * 4 MiB chunks, AzCopy (`--blob-type PageBlob`) and the curl PUT limit (the pages ours sends, at
 * the same parallelism) on the same images into fresh page blobs in Azurite, alternating peers
 * each round; a dynamic VHD and a VHDX of the same content (made by qemu-img); the cost of
 * finding the holes of a large image (FIEMAP against reading and scanning for zeros); and a
 * resume after kill -9 at about half way.
 */
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { BlobSASPermissions, BlobServiceClient, generateBlobSASQueryParameters, StorageSharedKeyCredential, type ContainerClient, type PageBlobClient } from '@azure/storage-blob';
import { zeroRuns } from '../../src/transfer/upload/windows';
import type { AzuriteHandle } from '../sandbox/azurite';
import { denseModel, sparseModel, type BlobModel } from './blobModel';
import { measure, run, type PeerCommand } from './peers';
import { fmtB, fmtS, median, peerTable, ratioLine, range, type PeerRow, type Summary, type Target } from './report';
import { azcopyUploadCmd, curlUploadCmd, dataChunks, oursUploadCmd, sdkUploadCmd } from './uploadScenarios';

const MiB = 1024 * 1024;
const GiB = 1024 * MiB;
const CHUNK = 4 * MiB;
const ZERO_GAP = 64 * 1024;
const RSS_MAX = 256;

export interface UploadBenchOptions {
    quick: boolean;
    rounds: number;
    only: string | undefined;
    work: string;
    /** A new Azurite each call: the upload rows restart it between rounds (see Blobs.renew). */
    azurite: () => Promise<AzuriteHandle>;
    log: (s: string) => void;
    summary: Summary;
    haveAzcopy: boolean;
}

interface Peer {
    name: string;
    cmd: (sas: string) => PeerCommand;
}

/** Writes the model's data (not its footer) into a sparse raw image of model.size − 512 bytes. */
function writeImage(model: BlobModel, file: string): number {
    const size = model.size - 512;
    fs.rmSync(file, { force: true });
    const fd = fs.openSync(file, 'w');
    try {
        fs.ftruncateSync(fd, size);
        for (const r of model.ranges) {
            const end = Math.min(r.end, size);
            for (let p = r.start; p < end; p += 16 * MiB) {
                const stop = Math.min(end, p + 16 * MiB);
                let at = p;
                for (const s of model.slices(p, stop)) {
                    fs.writeSync(fd, s, 0, s.length, at);
                    at += s.length;
                }
            }
        }
        fs.fsyncSync(fd);
    } finally {
        fs.closeSync(fd);
    }
    return size;
}

/** The Put Page requests ours makes of a raw image: the non-zero runs of each 4 MiB window with data. */
async function pagePlan(image: string): Promise<{ start: number; end: number }[]> {
    const fd = fs.openSync(image, 'r');
    const buf = Buffer.alloc(CHUNK);
    const out: { start: number; end: number }[] = [];
    try {
        for (const c of await dataChunks(image)) {
            const n = fs.readSync(fd, buf, 0, c.end - c.start, c.start);
            buf.fill(0, n, c.end - c.start);
            for (const r of zeroRuns(buf, c.end - c.start, ZERO_GAP)) out.push({ start: c.start + r.start, end: c.start + r.end });
        }
    } finally {
        fs.closeSync(fd);
    }
    return out;
}

/** Bytes a page blob's page ranges cover. */
export async function pageRangeBytes(blob: PageBlobClient): Promise<number> {
    let n = 0;
    for await (const page of blob.listPageRanges().byPage()) {
        for (const r of page.pageRange ?? []) n += r.end - r.start + 1;
    }
    return n;
}

class Blobs {
    private n = 0;
    private constructor(private az: AzuriteHandle, private container: ContainerClient, private cred: StorageSharedKeyCredential, private readonly start: () => Promise<AzuriteHandle>) {}

    static async open(start: () => Promise<AzuriteHandle>): Promise<Blobs> {
        const az = await start();
        return new Blobs(az, await Blobs.containerOf(az), new StorageSharedKeyCredential(az.accountName, az.accountKey), start);
    }

    private static async containerOf(az: AzuriteHandle): Promise<ContainerClient> {
        const container = new BlobServiceClient(az.endpoint, new StorageSharedKeyCredential(az.accountName, az.accountKey)).getContainerClient('upload-bench');
        await container.createIfNotExists();
        return container;
    }

    /**
     * A new, empty Azurite in place of this one. In-memory Azurite frees a deleted blob's pages
     * only at its garbage collection (every 10 minutes), so rounds of gigabytes fill its store
     * (half the machine's memory) well before that: measured, the dense rows failed with
     * MemoryExtentStoreAtSizeLimit after the sparse ones. A few Put Pages warm the new one up
     * so the first peer of a round does not pay for its start.
     */
    async renew(): Promise<void> {
        await this.az.stop();
        this.az = await this.start();
        this.cred = new StorageSharedKeyCredential(this.az.accountName, this.az.accountKey);
        this.container = await Blobs.containerOf(this.az);
        const warm = this.container.getPageBlobClient('warm-up');
        await warm.create(64 * 1024 * 1024);
        for (let i = 0; i < 16; i++) await warm.uploadPages(Buffer.alloc(4 * 1024 * 1024, i + 1), i * 4 * 1024 * 1024, 4 * 1024 * 1024);
        await warm.downloadToBuffer(0, 4 * 1024 * 1024);
        await warm.delete();
    }

    async close(): Promise<void> {
        await this.az.stop();
    }

    /** A fresh page blob of `size` bytes and a read-write SAS URL for it. */
    async fresh(size: number): Promise<{ name: string; sas: string }> {
        const name = `b${this.n++}`;
        const c = this.container.getPageBlobClient(name);
        await c.create(size);
        const q = generateBlobSASQueryParameters({ containerName: this.container.containerName, blobName: name, permissions: BlobSASPermissions.parse('rcw'), startsOn: new Date(Date.now() - 60_000), expiresOn: new Date(Date.now() + 6 * 3600_000) }, this.cred);
        return { name, sas: `${c.url}?${q.toString()}` };
    }

    /** Bytes the blob's page ranges cover. */
    written(name: string): Promise<number> {
        return pageRangeBytes(this.container.getPageBlobClient(name));
    }

    /** In-memory Azurite keeps every blob: drop each one once measured. */
    async drop(name: string): Promise<void> {
        await this.container.getPageBlobClient(name).deleteIfExists();
    }

    get pid(): number | undefined {
        return this.az.pid;
    }
}

/** Runs every peer `rounds` times, alternating the order, each into a fresh blob of `blobSize`. */
async function rounds(blobs: Blobs, peers: Peer[], n: number, blobSize: number, label: string): Promise<PeerRow[]> {
    const rows: PeerRow[] = peers.map((p) => ({ peer: p.name, runs: [] }));
    for (let r = 0; r < n; r++) {
        await blobs.renew();
        const order = r % 2 ? [...peers].reverse() : peers;
        for (const p of order) {
            const row = rows.find((x) => x.peer === p.name)!;
            const blob = await blobs.fresh(blobSize);
            const m = await measure(p.cmd(blob.sas), 30 * 60_000, blobs.pid);
            // Ours checks what landed (page ranges and footer) and says so: a failed check fails the run.
            if (m.ok && p.name.startsWith('ours')) {
                try {
                    const res = JSON.parse(m.stdout.trim().split('\n').pop() ?? '{}') as { checks?: { name: string; passed: boolean }[] };
                    const bad = (res.checks ?? []).filter((c) => !c.passed);
                    if (!res.checks?.length || bad.length) Object.assign(m, { ok: false, error: `checks failed: ${bad.map((c) => c.name).join(', ') || 'none reported'}` });
                } catch {
                    Object.assign(m, { ok: false, error: 'no result line' });
                }
            }
            row.runs.push(m);
            await blobs.drop(blob.name);
            console.log(`  ${label} round ${r + 1} ${p.name.padEnd(20)} ${fmtS(m.wallMs).padStart(9)}  cpu ${m.cpuMs !== undefined ? fmtS(m.cpuMs) : '?'}  azurite ${m.serverCpuMs !== undefined ? fmtS(m.serverCpuMs) : '?'}  rss ${m.peakRssMiB?.toFixed(0) ?? '?'} MiB${m.ok ? '' : `  FAILED ${m.error ?? ''}`}`);
        }
    }
    return rows;
}

function sentCell(row: PeerRow): string {
    if (!row.peer.startsWith('ours')) return '–';
    const sent = row.runs.map((m) => {
        try {
            return (JSON.parse(m.stdout.trim().split('\n').pop() ?? '{}') as { bytesSent?: number }).bytesSent;
        } catch {
            return undefined;
        }
    }).find((x) => x !== undefined);
    return fmtB(sent);
}

function rssLine(row: PeerRow): string {
    const rss = row.runs.filter((m) => m.ok).map((m) => m.peakRssMiB ?? 0);
    if (!rss.length) return `${row.peer}: no successful run.`;
    const peak = Math.max(...rss);
    return `${row.peer} peak RSS ${peak.toFixed(0)} MiB (target ≤ ${RSS_MAX} MiB ${peak <= RSS_MAX ? '✅' : '❌'}).`;
}

export async function runUploadBench(o: UploadBenchOptions): Promise<void> {
    const names = ['Upload sparse 10 % (raw, dynamic VHD, VHDX)', 'Upload dense', 'Upload hole scan', 'Upload resume after kill -9'];
    const wanted = names.filter((n) => !o.only || n.toLowerCase().includes(o.only.toLowerCase()));
    if (!wanted.length) return;
    const blobs = await Blobs.open(o.azurite);
    const dir = path.join(o.work, 'upload');
    fs.mkdirSync(dir, { recursive: true });
    const concurrency = 16;
    const standardPeers = (image: string, plan: { start: number; end: number }[]): Peer[] => {
        const planFile = path.join(dir, `plan-${path.basename(image)}.txt`);
        const peers: Peer[] = [
            { name: 'ours', cmd: (sas) => oursUploadCmd(image, sas, concurrency) },
            { name: 'uploadPages 4 MiB', cmd: (sas) => sdkUploadCmd(image, sas, concurrency) },
            { name: 'curl PUT limit', cmd: (sas) => curlUploadCmd(image, sas, plan, planFile, concurrency) },
        ];
        if (o.haveAzcopy) peers.push({ name: 'AzCopy', cmd: (sas) => azcopyUploadCmd(image, sas, dir) });
        return peers;
    };
    const section = (name: string, intro: string, rows: PeerRow[], targets: Target[], n: number) => {
        o.log('');
        o.log(`## ${name}`);
        o.log('');
        o.log(intro);
        o.log('');
        for (const line of peerTable(rows, 'ours', targets, [{ head: 'ours sent', cell: sentCell }])) o.log(line);
        o.summary.add(name, n, rows, 'ours', targets);
    };

    const sparseName = names[0];
    if (wanted.includes(sparseName)) {
        const model = o.quick ? sparseModel(1 * GiB, 0.1, 40, 1) : sparseModel(4 * GiB, 0.1, 124, 1);
        const image = path.join(dir, 'sparse.raw');
        const size = writeImage(model, image);
        const plan = await pagePlan(image);
        const variants: Peer[] = [];
        for (const [ext, fmt, opts] of [['vhd', 'vpc', ['-o', 'subformat=dynamic,force_size=on']], ['vhdx', 'vhdx', []]] as const) {
            const out = path.join(dir, `sparse.${ext}`);
            execFileSync('qemu-img', ['convert', '-f', 'raw', '-O', fmt, ...opts, image, out]);
            variants.push({ name: `ours, ${ext}`, cmd: (sas) => oursUploadCmd(out, sas, concurrency) });
        }
        const peers = [...standardPeers(image, plan), ...variants];
        const rows = await rounds(blobs, peers, o.rounds, size + 512, 'sparse');
        const targets: Target[] = [{ peer: 'AzCopy', max: 0.3 }];
        section(sparseName, `${fmtB(size)} raw image, ${fmtB(model.writtenBytes - 512)} of data in ${model.ranges.length - 1} ranges (${plan.length} Put Page requests of the non-zero pages); ${concurrency} connections; ${o.rounds} rounds. The dynamic VHD and the VHDX hold the same content (qemu-img convert), converted while uploading.`, rows, targets, o.rounds);
        const raw = rows.find((r) => r.peer === 'ours')!;
        for (const v of rows.filter((r) => r.peer.startsWith('ours, '))) {
            const line = ratioLine(v, raw, `the same content as ${v.peer.slice(6).toUpperCase()}, against the raw image`, 1.1);
            if (line) o.log(`\n${line}`);
        }
        o.log('');
        for (const r of rows.filter((x) => x.peer.startsWith('ours'))) o.log(`- ${rssLine(r)}`);
        for (const f of ['sparse.vhd', 'sparse.vhdx']) fs.rmSync(path.join(dir, f), { force: true }); // the raw image stays for the resume below
    }

    const denseName = names[1];
    if (wanted.includes(denseName)) {
        const model = denseModel(o.quick ? 256 * MiB : 1 * GiB, 2);
        const image = path.join(dir, 'dense.raw');
        const size = writeImage(model, image);
        const plan = await pagePlan(image);
        const rows = await rounds(blobs, standardPeers(image, plan), o.rounds, size + 512, 'dense');
        section(denseName, `${fmtB(size)} raw image, every page written (${plan.length} Put Page requests); ${concurrency} connections; ${o.rounds} rounds.`, rows, [{ peer: 'AzCopy', max: 1.0 }, { peer: 'curl PUT limit', max: 1.15 }], o.rounds);
        o.log('');
        o.log(`- ${rssLine(rows[0])}`);
        fs.rmSync(image, { force: true });
    }

    const scanName = names[2];
    if (wanted.includes(scanName)) {
        const virtual = o.quick ? 8 * GiB : 64 * GiB;
        const model = sparseModel(virtual, 1 / 64, 64, 5);
        const image = path.join(dir, 'holes.raw');
        const size = writeImage(model, image);
        const peers: Peer[] = [
            { name: 'ours', cmd: (sas) => oursUploadCmd(image, sas, concurrency) },
            { name: 'ours, zero scan', cmd: (sas) => ({ ...oursUploadCmd(image, sas, concurrency), argv: [...oursUploadCmd(image, sas, concurrency).argv, '--no-extent-query'] }) },
        ];
        const n = Math.max(1, Math.min(o.rounds, 3));
        const rows = await rounds(blobs, peers, n, size + 512, 'holes');
        section(scanName, `${fmtB(size)} raw image with ${fmtB(model.writtenBytes - 512)} of data in ${model.ranges.length - 1} ranges; \`ours\` asks the file system where the data is (FIEMAP through filefrag), \`ours, zero scan\` reads the whole image and skips zero pages (what happens where no extent query answers); ${n} rounds. The bench expects the extent query to at least halve the time.`, rows, [{ peer: 'ours, zero scan', max: 0.5 }], n);
        const notes = new Set(rows.flatMap((r) => r.runs.flatMap((m) => {
            try {
                return (JSON.parse(m.stdout.trim().split('\n').pop() ?? '{}') as { notes?: string[] }).notes ?? [];
            } catch {
                return [];
            }
        })));
        if (notes.size) o.log(`\nNotes from the engine: ${[...notes].join(' ')}`);
        const scan = rows[1].runs.map((m, i) => (m.ok && rows[0].runs[i]?.ok ? m.wallMs - rows[0].runs[i].wallMs : NaN)).filter(Number.isFinite);
        if (scan.length) o.log(`\nReading the holes costs ${fmtS(median(scan))}${range(scan.map((x) => x / 1000), 2)} per run (${((size / GiB) / (median(scan) / 1000)).toFixed(1)} GiB/s of holes scanned); the extent query avoids it.`);
        fs.rmSync(image, { force: true });
    }

    const resumeName = names[3];
    if (wanted.includes(resumeName)) {
        const image = path.join(dir, 'sparse.raw');
        if (!fs.existsSync(image)) writeImage(o.quick ? sparseModel(1 * GiB, 0.1, 40, 1) : sparseModel(4 * GiB, 0.1, 124, 1), image);
        o.log('');
        o.log(`## ${resumeName}`);
        o.log('');
        await blobs.renew();
        o.log(await measureUploadResume(blobs, image, dir, concurrency));
    }
    fs.rmSync(dir, { recursive: true, force: true });
    await blobs.close();
}

/**
 * Kills our upload (SIGKILL) once half the data is scanned, runs it again with the same journal,
 * and counts what was sent twice: the pages that had landed in the blob before the kill but were
 * not yet in the journal (the rerun sends every window the journal does not list).
 */
async function measureUploadResume(blobs: Blobs, image: string, dir: string, concurrency: number): Promise<string> {
    const size = fs.statSync(image).size;
    const journal = path.join(dir, 'resume.journal');
    fs.rmSync(journal, { force: true });
    const blob = await blobs.fresh(size + 512);
    const base = oursUploadCmd(image, blob.sas, concurrency).argv;
    try {
        let killedAt = 0;
        await run([...base, '--journal', journal, '--progress'], undefined, (line, kill) => {
            const m = /^progress (\d+) (\d+)/.exec(line);
            if (m && !killedAt && Number(m[1]) >= Number(m[2]) * 0.5) {
                killedAt = Number(m[1]) / Number(m[2]);
                kill();
            }
        });
        if (!killedAt) return 'The first run ended before it could be killed at 50 %; no resume measured.';
        const landed = await blobs.written(blob.name);
        const second = await run([...base, '--journal', journal]);
        if (second.code !== 0) return `The resumed run failed: ${second.stderr.split('\n').filter(Boolean).slice(-2).join(' | ')}`;
        const r = JSON.parse(second.stdout.trim().split('\n').pop() ?? '{}') as { bytesSent: number; bytesResumed: number; checks: { name: string; passed: boolean }[] };
        const resent = Math.max(0, landed - r.bytesResumed);
        const allowed = concurrency * CHUNK;
        const checks = r.checks.every((c) => c.passed) ? `all ${r.checks.length} checks passed` : `checks FAILED: ${r.checks.filter((c) => !c.passed).map((c) => c.name).join(', ')}`;
        return `Killed (SIGKILL) at ${(killedAt * 100).toFixed(0)} % of the image's data; ${fmtB(landed)} had landed in the blob. The rerun resumed ${(r.bytesResumed / MiB).toFixed(1)} MiB from the journal and sent ${(r.bytesSent / MiB).toFixed(1)} MiB. ` +
            `Sent twice: ${(resent / MiB).toFixed(1)} MiB = ${(resent / CHUNK).toFixed(1)} chunks of 4 MiB (allowed ≤ ${concurrency} = one per connection) ${resent <= allowed ? '✅' : '❌'}; ${checks}.`;
    } finally {
        await blobs.drop(blob.name);
        fs.rmSync(journal, { force: true });
    }
}
