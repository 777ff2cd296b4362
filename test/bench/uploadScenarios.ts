/**
 * Upload peers side by side on the same image and fresh blobs of the same size:
 *   ours            node out/test/bench/upload.js (non-zero pages only, Content-MD5, verified)
 *   uploadPages     @azure/storage-blob PageBlobClient.uploadPages, 4 MiB chunks, every chunk with data
 *   curl limit      curl PUTs of the same 4 MiB pages ours would send, at the same parallelism
 *   AzCopy          azcopy copy <file> <sas> --blob-type PageBlob (when installed by test/tools/setup.sh)
 * Runnable alone against Azurite: node out/test/bench/uploadScenarios.js <rawImage> [--rounds N] [--concurrency N] [--formats]
 * (--formats: also ours on a dynamic VHD, a VHDX and a qcow2 of the same content, made by qemu-img)
 * (the image must be raw and a whole number of MiB, so every peer uploads the same bytes).
 * The uploadPages peer runs as `uploadScenarios.js --sdk-peer <file> <sas> <parallel>`.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { dataExtents } from '../../src/formats/extents';
import { AZCOPY, measure, type Measure, type PeerCommand } from './peers';

const MiB = 1024 * 1024;
const CHUNK = 4 * MiB;

/** The 4 MiB-grid chunks of `file` that hold data per FIEMAP (what a sparse-aware peer sends). */
export async function dataChunks(file: string): Promise<{ start: number; end: number }[]> {
    const size = fs.statSync(file).size;
    const ext = (await dataExtents(file, size, () => undefined)) ?? [{ start: 0, end: size }];
    const out: { start: number; end: number }[] = [];
    for (const e of ext) {
        for (let s = Math.floor(e.start / CHUNK) * CHUNK; s < e.end; s += CHUNK) {
            const c = { start: s, end: Math.min(size, s + CHUNK) };
            if (out.length && out[out.length - 1].start === c.start) continue;
            out.push(c);
        }
    }
    return out;
}

export function oursUploadCmd(image: string, sas: string, concurrency: number): PeerCommand {
    return { peer: 'ours', argv: [process.execPath, path.resolve(__dirname, 'upload.js'), image, sas, '--concurrency', String(concurrency)] };
}

export function sdkUploadCmd(image: string, sas: string, concurrency: number): PeerCommand {
    return { peer: 'uploadPages 4 MiB', argv: [process.execPath, __filename, '--sdk-peer', image, sas, String(concurrency)] };
}

export function curlUploadCmd(image: string, sas: string, chunks: { start: number; end: number }[], planFile: string, concurrency: number): PeerCommand {
    fs.writeFileSync(planFile, chunks.map((c) => `${c.start} ${c.end - c.start}`).join('\n') + '\n');
    const u = new URL(sas);
    u.searchParams.set('comp', 'page');
    const script = `set -e; xargs -P "$PAR" -L 1 sh -c 'dd if="$IMG" bs=4M iflag=skip_bytes,count_bytes skip="$0" count="$1" status=none | curl -sf -X PUT -H "x-ms-version: 2021-08-06" -H "x-ms-page-write: update" -H "x-ms-range: bytes=$0-$(($0+$1-1))" -H "Content-Type:" --data-binary @- "$URL" -o /dev/null' < "$PLAN"`;
    return { peer: 'curl PUT limit', argv: ['bash', '-c', script], env: { URL: u.toString(), IMG: image, PLAN: planFile, PAR: String(concurrency) } };
}

export function azcopyUploadCmd(image: string, sas: string, workDir: string): PeerCommand {
    const env = { AZCOPY_LOG_LOCATION: path.join(workDir, 'azlogs'), AZCOPY_JOB_PLAN_LOCATION: path.join(workDir, 'azplans'), AZCOPY_DISABLE_SYSLOG: 'true' };
    return { peer: 'AzCopy', argv: [AZCOPY, 'copy', image, sas, '--blob-type', 'PageBlob', '--from-to', 'LocalBlob', '--log-level', 'ERROR', '--output-level', 'quiet'], env, clean: [env.AZCOPY_LOG_LOCATION, env.AZCOPY_JOB_PLAN_LOCATION] };
}

/**
 * Runs each peer `rounds` times, alternating (A B C D A B C D …), each into a fresh blob from
 * `freshBlob(size)` (a write SAS URL). Returns the measures per peer.
 */
export async function runUploadPeers(image: string, freshBlob: (size: number) => Promise<string>, opts: { rounds?: number; concurrency?: number; workDir?: string; variants?: string[] } = {}): Promise<Map<string, Measure[]>> {
    const rounds = opts.rounds ?? 3, concurrency = opts.concurrency ?? 16;
    const work = opts.workDir ?? fs.mkdtempSync(path.join(os.tmpdir(), 'upload-bench-'));
    const size = fs.statSync(image).size;
    const chunks = await dataChunks(image);
    const out = new Map<string, Measure[]>();
    const peers: ((sas: string) => PeerCommand)[] = [
        (sas) => oursUploadCmd(image, sas, concurrency),
        (sas) => sdkUploadCmd(image, sas, concurrency),
        (sas) => curlUploadCmd(image, sas, chunks, path.join(work, 'plan.txt'), concurrency),
    ];
    if (fs.existsSync(AZCOPY)) peers.push((sas) => azcopyUploadCmd(image, sas, work));
    // The same content as other formats (a dynamic VHD, a VHDX…): ours only, converted while uploading.
    for (const v of opts.variants ?? []) peers.push((sas) => ({ ...oursUploadCmd(v, sas, concurrency), peer: `ours, ${path.extname(v).slice(1)}` }));
    try {
        for (let r = 0; r < rounds; r++) {
            for (const p of peers) {
                const cmd = p(await freshBlob(size + 512));
                const m = await measure(cmd);
                out.set(cmd.peer, [...(out.get(cmd.peer) ?? []), m]);
            }
        }
    } finally {
        if (!opts.workDir) fs.rmSync(work, { recursive: true, force: true });
    }
    return out;
}

/** The uploadPages peer: reads the image in 4 MiB chunks and uploads the ones FIEMAP says hold data. */
async function sdkPeer(image: string, sas: string, parallel: number): Promise<void> {
    const { PageBlobClient, AnonymousCredential } = await import('@azure/storage-blob');
    const client = new PageBlobClient(sas, new AnonymousCredential());
    const chunks = await dataChunks(image);
    const fh = await fs.promises.open(image, 'r');
    let next = 0;
    await Promise.all(Array.from({ length: parallel }, async () => {
        const buf = Buffer.alloc(CHUNK);
        for (let c = chunks[next++]; c; c = chunks[next++]) {
            const n = c.end - c.start;
            await fh.read(buf, 0, n, c.start);
            await client.uploadPages(buf.subarray(0, n), c.start, n);
        }
    }));
    await fh.close();
}

async function main(): Promise<void> {
    const args = process.argv.slice(2);
    if (args[0] === '--sdk-peer') return sdkPeer(args[1], args[2], Number(args[3]));
    const image = args[0];
    if (!image) {
        console.error('usage: uploadScenarios.js <rawImage> [--rounds N] [--concurrency N]');
        process.exit(2);
    }
    const num = (f: string) => (args.includes(f) ? Number(args[args.indexOf(f) + 1]) : undefined);
    const { startAzurite } = await import('../sandbox/azurite');
    const { BlobServiceClient, StorageSharedKeyCredential, generateBlobSASQueryParameters, BlobSASPermissions } = await import('@azure/storage-blob');
    const az = await startAzurite();
    const cleanup: (() => void)[] = [];
    try {
        const cred = new StorageSharedKeyCredential(az.accountName, az.accountKey);
        const container = new BlobServiceClient(az.endpoint, cred).getContainerClient('bench');
        await container.create();
        let n = 0;
        const freshBlob = async (size: number) => {
            const name = `b${n++}`;
            const c = container.getPageBlobClient(name);
            await c.create(size);
            const q = generateBlobSASQueryParameters({ containerName: 'bench', blobName: name, permissions: BlobSASPermissions.parse('rcw'), expiresOn: new Date(Date.now() + 3600_000) }, cred);
            return `${c.url}?${q.toString()}`;
        };
        const variants: string[] = [];
        const work = fs.mkdtempSync(path.join(os.tmpdir(), 'upload-formats-'));
        cleanup.push(() => fs.rmSync(work, { recursive: true, force: true }));
        if (args.includes('--formats')) {
            const { execFileSync } = await import('node:child_process');
            for (const [ext, fmt, o] of [['vhd', 'vpc', ['-o', 'subformat=dynamic,force_size=on']], ['vhdx', 'vhdx', []], ['qcow2', 'qcow2', []]] as const) {
                const out = path.join(work, `image.${ext}`);
                execFileSync('qemu-img', ['convert', '-f', 'raw', '-O', fmt, ...o, image, out]);
                variants.push(out);
            }
        }
        const res = await runUploadPeers(image, freshBlob, { rounds: num('--rounds'), concurrency: num('--concurrency'), variants });
        const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
        for (const [peer, ms] of res) {
            const ok = ms.every((m) => m.ok);
            console.log(`${peer.padEnd(20)} wall ${(median(ms.map((m) => m.wallMs)) / 1000).toFixed(2)} s  peak RSS ${median(ms.map((m) => m.peakRssMiB ?? NaN)).toFixed(0)} MiB  loopback ${(median(ms.map((m) => m.loBytes)) / MiB).toFixed(0)} MiB${ok ? '' : `  FAILED: ${ms.find((m) => !m.ok)?.error}`}`);
        }
    } finally {
        for (const c of cleanup) c();
        await az.stop();
    }
}

if (require.main === module) {
    main().catch((e: Error) => {
        console.error(e.message);
        process.exit(1);
    });
}
