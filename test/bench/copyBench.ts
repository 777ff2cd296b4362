/**
 * The copy rows of `npm run bench` (`--only copy`): a page blob with 10 % of its pages written in
 * Azurite, behind the sandbox's storage proxy (which does Put Page From URL, as Azurite does not),
 * copied into fresh page blobs of the same size. Peers alternate each round:
 *   ours, server-side     copy.js: Put Page From URL of the written ranges only
 *   AzCopy                azcopy copy <src-sas> <dst-sas> --blob-type PageBlob --from-to BlobBlob (service to service;
 *                         it cannot tell an emulator's 127.0.0.1 URL is a blob without --from-to)
 *   ours, streamed        copy.js with the proxy refusing Put Page From URL (the fallback)
 *   download + upload     download.js into a file, then upload.js of that file, one after the other
 * Requests and response bytes are counted by the proxy; peak RSS by /usr/bin/time.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { BlobSASPermissions, BlobServiceClient, generateBlobSASQueryParameters, StorageSharedKeyCredential, type ContainerClient } from '@azure/storage-blob';
import type { AzuriteHandle } from '../sandbox/azurite';
import { FaultList, type StorageFault } from '../sandbox/faults';
import { startStorageProxy, type StorageProxy } from '../sandbox/storageProxy';
import { sparseModel, type BlobModel } from './blobModel';
import { AZCOPY, measure, type Measure, type PeerCommand } from './peers';
import { fmtB, fmtS, peerTable, ratioLine, type PeerRow, type Target } from './report';
import { pageRangeBytes, type UploadBenchOptions } from './uploadBench';

const MiB = 1024 * 1024;
const GiB = 1024 * MiB;
const RSS_MAX = 256;
const CONCURRENCY = 8;

/** The same options as the upload rows. */
export type CopyBenchOptions = UploadBenchOptions;

interface Peer {
    name: string;
    /** Whether the proxy refuses Put Page From URL during this peer's run. */
    refuseServerCopy?: boolean;
    cmd: (src: string, dst: string) => PeerCommand;
}

/** The proxy's counts for one run, next to the run's measure. */
interface Counted {
    requests: number;
    bytes: number;
}

class Side {
    private n = 0;
    constructor(private readonly container: ContainerClient, private readonly cred: StorageSharedKeyCredential, private readonly proxyPort: number) {}

    static async open(az: AzuriteHandle, proxyPort: number): Promise<Side> {
        const cred = new StorageSharedKeyCredential(az.accountName, az.accountKey);
        const container = new BlobServiceClient(az.endpoint, cred).getContainerClient('copy-bench');
        await container.createIfNotExists();
        return new Side(container, cred, proxyPort);
    }

    /** The SAS URL of `name`, through the proxy. */
    sas(name: string, perms: string): string {
        const c = this.container.getPageBlobClient(name);
        const q = generateBlobSASQueryParameters({ containerName: this.container.containerName, blobName: name, permissions: BlobSASPermissions.parse(perms), startsOn: new Date(Date.now() - 60_000), expiresOn: new Date(Date.now() + 6 * 3600_000) }, this.cred);
        const u = new URL(c.url);
        u.port = String(this.proxyPort);
        return `${u.toString()}?${q.toString()}`;
    }

    /** The source: the model's written ranges, in 4 MiB Put Pages straight into Azurite. */
    async source(model: BlobModel): Promise<string> {
        const c = this.container.getPageBlobClient('source');
        await c.create(model.size);
        for (const r of model.ranges) {
            for (let p = r.start; p < r.end; p += 4 * MiB) {
                const stop = Math.min(r.end, p + 4 * MiB);
                await c.uploadPages(Buffer.concat(model.slices(p, stop)), p, stop - p);
            }
        }
        return this.sas('source', 'r');
    }

    async fresh(size: number): Promise<{ name: string; sas: string }> {
        const name = `t${this.n++}`;
        await this.container.getPageBlobClient(name).create(size);
        return { name, sas: this.sas(name, 'rcw') };
    }

    /** Bytes the blob's page ranges cover. */
    written(name: string): Promise<number> {
        return pageRangeBytes(this.container.getPageBlobClient(name));
    }

    async drop(name: string): Promise<void> {
        await this.container.getPageBlobClient(name).deleteIfExists();
    }
}

const oursCopy = (name: string) => (src: string, dst: string): PeerCommand => ({ peer: name, argv: [process.execPath, path.resolve(__dirname, 'copy.js'), src, dst, '--concurrency', String(CONCURRENCY)] });

function azcopyCopy(dir: string) {
    return (src: string, dst: string): PeerCommand => {
        const env = { AZCOPY_LOG_LOCATION: path.join(dir, 'azlogs'), AZCOPY_JOB_PLAN_LOCATION: path.join(dir, 'azplans'), AZCOPY_DISABLE_SYSLOG: 'true' };
        return { peer: 'AzCopy', argv: [AZCOPY, 'copy', src, dst, '--blob-type', 'PageBlob', '--from-to', 'BlobBlob', '--log-level', 'ERROR', '--output-level', 'quiet'], env, clean: [env.AZCOPY_LOG_LOCATION, env.AZCOPY_JOB_PLAN_LOCATION] };
    };
}

function downloadUpload(dir: string) {
    return (src: string, dst: string): PeerCommand => {
        const file = path.join(dir, 'through.vhd');
        const script = `set -e; "$NODE" "$DL" "$SRC" "$FILE" --concurrency ${CONCURRENCY} >/dev/null; "$NODE" "$UL" "$FILE" "$DST" --concurrency ${CONCURRENCY}`;
        return { peer: 'download + upload', argv: ['bash', '-c', script], env: { NODE: process.execPath, DL: path.resolve(__dirname, 'download.js'), UL: path.resolve(__dirname, 'upload.js'), SRC: src, DST: dst, FILE: file }, clean: [file] };
    };
}

/** The result line ours printed, or undefined. */
function resultOf(m: Measure): Record<string, unknown> | undefined {
    try {
        return JSON.parse(m.stdout.trim().split('\n').pop() ?? '') as Record<string, unknown>;
    } catch {
        return undefined;
    }
}

export async function runCopyBench(o: CopyBenchOptions): Promise<void> {
    const name = 'Copy 10 % written';
    if (o.only && !name.toLowerCase().includes(o.only.toLowerCase())) return;
    const az = await o.azurite();
    let refuse = false;
    const proxy: StorageProxy = await startStorageProxy(az.port, new FaultList<StorageFault>(() => undefined), () => false, {
        ownerOf: () => undefined,
        copyFromUrlRefusal: () => (refuse ? { status: 403, code: 'CannotVerifyCopySource', message: 'This request is not authorized to perform this operation (server-side copy refused by the bench).' } : undefined),
    });
    const dir = path.join(o.work, 'copy');
    fs.mkdirSync(dir, { recursive: true });
    try {
        const side = await Side.open(az, proxy.port);
        const model = o.quick ? sparseModel(1 * GiB, 0.1, 40, 1) : sparseModel(4 * GiB, 0.1, 124, 1);
        const src = await side.source(model);
        const peers: Peer[] = [{ name: 'ours, server-side', cmd: oursCopy('ours, server-side') }];
        if (o.haveAzcopy) peers.push({ name: 'AzCopy', cmd: azcopyCopy(dir) });
        peers.push({ name: 'ours, streamed', refuseServerCopy: true, cmd: oursCopy('ours, streamed') }, { name: 'download + upload', cmd: downloadUpload(dir) });

        const rows: PeerRow[] = peers.map((p) => ({ peer: p.name, runs: [] }));
        const counts = new Map<string, Counted[]>(peers.map((p) => [p.name, []]));
        const landed = new Map<string, number[]>(peers.map((p) => [p.name, []]));
        for (let r = 0; r < o.rounds; r++) {
            for (const p of r % 2 ? [...peers].reverse() : peers) {
                const dst = await side.fresh(model.size);
                refuse = !!p.refuseServerCopy;
                proxy.log.clear();
                const m = await measure(p.cmd(src, dst.sas), 30 * 60_000, az.pid);
                refuse = false;
                const snap = proxy.log.snapshot();
                counts.get(p.name)!.push({ requests: snap.total, bytes: snap.bytes });
                if (m.ok && p.name.startsWith('ours')) {
                    const res = resultOf(m) as { checks?: { name: string; passed: boolean }[]; mode?: string } | undefined;
                    const bad = (res?.checks ?? []).filter((c) => !c.passed);
                    const wantMode = p.refuseServerCopy ? 'stream' : 'server';
                    if (!res?.checks?.length || bad.length) Object.assign(m, { ok: false, error: `checks failed: ${bad.map((c) => c.name).join(', ') || 'none reported'}` });
                    else if (res.mode !== wantMode) Object.assign(m, { ok: false, error: `ran ${res.mode ?? '?'}, not ${wantMode}` });
                }
                const got = await side.written(dst.name).catch(() => -1);
                landed.get(p.name)!.push(got);
                await side.drop(dst.name);
                rows.find((x) => x.peer === p.name)!.runs.push(m);
                console.log(`  copy round ${r + 1} ${p.name.padEnd(20)} ${fmtS(m.wallMs).padStart(9)}  cpu ${m.cpuMs !== undefined ? fmtS(m.cpuMs) : '?'}  rss ${m.peakRssMiB?.toFixed(0) ?? '?'} MiB  ${snap.total} requests  ${fmtB(snap.bytes)} served  ${fmtB(got)} landed${m.ok ? '' : `  FAILED ${m.error ?? ''}`}`);
            }
        }

        const reqCell = (row: PeerRow) => {
            const c = counts.get(row.peer) ?? [];
            return c.length ? `${Math.round(c.reduce((a, x) => a + x.requests, 0) / c.length)} / ${fmtB(c.reduce((a, x) => a + x.bytes, 0) / c.length)}` : '–';
        };
        const landedCell = (row: PeerRow) => fmtB(Math.max(...(landed.get(row.peer) ?? [0])));
        const serverName = `${name}, server-side`;
        const streamName = `${name}, streamed`;
        const az0 = rows.find((x) => x.peer === 'AzCopy');
        const azNote = !o.haveAzcopy ? 'AzCopy is not installed (test/tools/setup.sh)' : az0 && az0.runs.every((m) => !m.ok) ? `AzCopy's service-to-service copy failed on every round: ${az0.runs[0]?.error ?? '?'}` : '';
        o.log('');
        o.log(`## ${name}`);
        o.log('');
        o.log(`${fmtB(model.size)} page blob, ${fmtB(model.writtenBytes)} written in ${model.ranges.length} ranges, in Azurite behind the sandbox's storage proxy (Put Page From URL); each peer into a fresh page blob of the same size; ${CONCURRENCY} connections for ours; ${o.rounds} rounds, the order alternating. "requests / bytes served": what the proxy saw (response bodies; a Put Page From URL counts its range, and the proxy's own read of that range from the source counts again as a GET). "landed": the bytes the target's page ranges cover afterwards. "ours, streamed" runs with the proxy refusing Put Page From URL, so the engine falls back to reading and writing each range itself. AzCopy copies service to service with Put Page From URL too; it is given \`--from-to BlobBlob\` because it cannot infer from a 127.0.0.1 URL that the source is a blob.${azNote ? ` ${azNote}.` : ''}`);
        o.log('');
        const targets: Target[] = [{ peer: 'AzCopy', max: 0.3 }];
        for (const line of peerTable(rows, 'ours, server-side', targets, [{ head: 'requests / bytes served', cell: reqCell }, { head: 'landed', cell: landedCell }])) o.log(line);
        const stream = rows.find((x) => x.peer === 'ours, streamed')!;
        const du = rows.find((x) => x.peer === 'download + upload')!;
        const line = ratioLine(stream, du, 'the fallback against our own download of the blob into a file and upload of that file', 1.2);
        o.log('');
        if (line) o.log(line);
        for (const row of rows.filter((x) => x.peer.startsWith('ours'))) {
            const rss = row.runs.filter((m) => m.ok).map((m) => m.peakRssMiB ?? 0);
            o.log(`- ${row.peer}: ${rss.length ? `peak RSS ${Math.max(...rss).toFixed(0)} MiB (target ≤ ${RSS_MAX} MiB ${Math.max(...rss) <= RSS_MAX ? '✅' : '❌'})` : 'no successful run'}.`);
        }
        o.summary.add(serverName, o.rounds, rows, 'ours, server-side', targets, azNote ? 'AzCopy failed, see the copy section' : '');
        o.summary.add(streamName, o.rounds, rows, 'ours, streamed', [{ peer: 'download + upload', max: 1.2 }]);
    } finally {
        await proxy.stop();
        fs.rmSync(dir, { recursive: true, force: true });
    }
}
