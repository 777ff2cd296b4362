/**
 * Shared pieces of the upload tests: images made by the real tools (qemu-img, dd, truncate), a
 * disk-like page blob on real Azurite with a read-write SAS, a counting proxy that can inject
 * faults, and a sparse-aware read-back of the blob.
 */
import { BlobSASPermissions, BlobServiceClient, generateBlobSASQueryParameters, PageBlobClient, SASProtocol, StorageSharedKeyCredential } from '@azure/storage-blob';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import * as path from 'node:path';
import { startAzurite, type AzuriteHandle } from '../sandbox/azurite';
import { ImageError, inspectImage } from '../../src/transfer/index';

export const MiB = 1024 * 1024;

export function sh(cmd: string, args: string[]): string {
    return execFileSync(cmd, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
}

export function hasTool(cmd: string): boolean {
    try {
        execFileSync('sh', ['-c', `command -v ${cmd}`], { stdio: 'ignore' });
        return true;
    } catch {
        return false;
    }
}

/** Writes `count` blocks of `bs` bytes at block `seek` of `file` from `src` (/dev/urandom or /dev/zero), in place. */
export function dd(file: string, src: '/dev/urandom' | '/dev/zero', bs: number, seek: number, count: number): void {
    sh('dd', [`if=${src}`, `of=${file}`, `bs=${bs}`, `seek=${seek}`, `count=${count}`, 'conv=notrunc', 'status=none']);
}

/**
 * A sparse raw image of `size` bytes: random data at a few offsets, a zero-filled but allocated
 * stretch inside data (zero pages to skip), holes everywhere else.
 */
export function makeRaw(file: string, size: number): void {
    sh('truncate', ['-s', String(size), file]);
    dd(file, '/dev/urandom', 4096, 0, 16); // first 64 KiB
    dd(file, '/dev/urandom', 4096, 1000, 300); // ~1.2 MiB across a 4 MiB boundary
    dd(file, '/dev/zero', 4096, 1100, 8); // allocated zeros inside that data
    dd(file, '/dev/urandom', 512, 3 * 2048 * 2 + 7, 1); // one lone 512-byte page at 6 MiB + 3.5 KiB
    dd(file, '/dev/urandom', 65536, Math.floor((size - 3 * MiB) / 65536), 16); // 1 MiB near the end
}

/** `qemu-img convert` of `src` (raw) into `fmt` with options. */
export function convert(src: string, dst: string, fmt: string, opts: string[] = []): string {
    sh('qemu-img', ['convert', '-f', 'raw', '-O', fmt, ...opts, src, dst]);
    return dst;
}

/** What the page blob must hold: `qemu-img convert -O raw` of the image, padded to a whole MiB. */
export function oracleData(image: string, dir: string): Buffer {
    const out = path.join(dir, `${path.basename(image)}.oracle.raw`);
    // A fixed VHD probes as raw (its footer would count as data): name the format.
    const fmt = ({ '.vhd': 'vpc', '.vhdx': 'vhdx', '.qcow2': 'qcow2' } as Record<string, string>)[path.extname(image)] ?? 'raw';
    sh('qemu-img', ['convert', '-f', fmt, '-O', 'raw', image, out]);
    const b = fs.readFileSync(out);
    fs.rmSync(out);
    const padded = Buffer.alloc(Math.ceil(b.length / MiB) * MiB);
    b.copy(padded);
    return padded;
}

/** The VHD footer qemu-img writes for the same data (fixed, exact size): its size, geometry and type fields are the oracle. */
export function qemuFooter(data: Buffer, dir: string): Buffer {
    const raw = path.join(dir, `footer-src-${process.pid}.raw`), vhd = raw + '.vhd';
    fs.writeFileSync(raw, Buffer.alloc(0));
    fs.truncateSync(raw, data.length);
    convert(raw, vhd, 'vpc', ['-o', 'subformat=fixed,force_size=on']);
    const st = fs.statSync(vhd);
    const fd = fs.openSync(vhd, 'r');
    const f = Buffer.alloc(512);
    fs.readSync(fd, f, 0, 512, st.size - 512);
    fs.closeSync(fd);
    fs.rmSync(raw);
    fs.rmSync(vhd);
    return f;
}

/** The VHD spec's checksum, written here independently of the engine's. */
export function footerChecksum(f: Buffer): number {
    let sum = 0;
    for (let i = 0; i < 512; i++) if (i < 64 || i >= 68) sum += f[i];
    return ~sum >>> 0;
}

export interface Storage {
    azurite: AzuriteHandle;
    service: BlobServiceClient;
    cred: StorageSharedKeyCredential;
    /** A page blob of `size` bytes, as the disk service makes it for an upload, and its read-write SAS URL. */
    diskBlob(name: string, size: number): Promise<{ client: PageBlobClient; sas: string }>;
    stop(): Promise<void>;
}

export async function startStorage(): Promise<Storage> {
    const azurite = await startAzurite();
    const cred = new StorageSharedKeyCredential(azurite.accountName, azurite.accountKey);
    const service = new BlobServiceClient(azurite.endpoint, cred);
    const container = service.getContainerClient('disks');
    await container.create();
    return {
        azurite,
        service,
        cred,
        async diskBlob(name, size) {
            const client = container.getPageBlobClient(name);
            await client.create(size);
            const now = Date.now();
            const q = generateBlobSASQueryParameters({
                containerName: 'disks',
                blobName: name,
                permissions: BlobSASPermissions.parse('rw'),
                startsOn: new Date(now - 5 * 60_000),
                expiresOn: new Date(now + 3600_000),
                protocol: SASProtocol.HttpsAndHttp,
            }, cred);
            return { client, sas: `${client.url}?${q.toString()}` };
        },
        stop: () => azurite.stop(),
    };
}

/** The whole blob, read sparse-aware: its page ranges, then ranged reads; unwritten pages stay zero. */
export async function readBlob(client: PageBlobClient, size: number): Promise<{ data: Buffer; ranges: { start: number; end: number }[] }> {
    const data = Buffer.alloc(size);
    const ranges: { start: number; end: number }[] = [];
    for await (const r of client.listPageRanges()) {
        ranges.push({ start: r.start, end: r.end + 1 });
        const b = await client.downloadToBuffer(r.start, r.end + 1 - r.start);
        b.copy(data, r.start);
    }
    return { data, ranges };
}

export interface ProxyRequest {
    method: string;
    /** The `comp` query parameter ('' when absent): page, pagelist, … */
    comp: string;
    bytes: number;
    /** x-ms-range as sent. */
    range?: string;
}

export interface CountingProxy {
    /** `sas` with its host and port swapped for the proxy's. */
    url(sas: string): string;
    requests: ProxyRequest[];
    /** TCP connections accepted so far (keep-alive reuse keeps this far below the request count). */
    connections: number;
    /** Return a status (and headers) to answer a request with, instead of forwarding it. */
    fault?: (r: ProxyRequest, index: number) => { status: number; code: string; headers?: Record<string, string> } | undefined;
    /** Called as each request arrives (tests cancel uploads from here). */
    onRequest?: (r: ProxyRequest, index: number) => void;
    stop(): Promise<void>;
}

export async function startCountingProxy(upstreamPort: number): Promise<CountingProxy> {
    const agent = new http.Agent({ keepAlive: true, maxSockets: 128 });
    const requests: ProxyRequest[] = [];
    const sockets = new Set<import('node:net').Socket>();
    const proxy: CountingProxy = {
        requests,
        connections: 0,
        url: (sas) => {
            const u = new URL(sas);
            u.port = String(port);
            return u.toString();
        },
        async stop() {
            for (const s of sockets) s.destroy();
            await new Promise<void>((r) => server.close(() => r()));
            agent.destroy();
        },
    };
    const server = http.createServer((req, res) => {
        const u = new URL(req.url ?? '/', 'http://127.0.0.1');
        const r: ProxyRequest = { method: req.method ?? 'GET', comp: u.searchParams.get('comp') ?? '', bytes: Number(req.headers['content-length'] ?? 0), range: req.headers['x-ms-range'] as string | undefined };
        const index = requests.push(r) - 1;
        proxy.onRequest?.(r, index);
        const f = proxy.fault?.(r, index);
        if (f) {
            req.resume();
            const body = `<?xml version="1.0" encoding="utf-8"?><Error><Code>${f.code}</Code><Message>injected</Message></Error>`;
            res.writeHead(f.status, { 'content-type': 'application/xml', 'content-length': Buffer.byteLength(body), 'x-ms-error-code': f.code, ...f.headers });
            res.end(body);
            return;
        }
        const up = http.request({ host: '127.0.0.1', port: upstreamPort, method: req.method, path: req.url, headers: { ...req.headers, host: `127.0.0.1:${upstreamPort}` }, agent }, (upRes) => {
            res.writeHead(upRes.statusCode ?? 502, upRes.headers);
            upRes.pipe(res);
        });
        up.on('error', () => res.destroy());
        req.pipe(up);
    });
    server.on('connection', (s) => {
        proxy.connections++;
        sockets.add(s);
        s.once('close', () => sockets.delete(s));
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    const port = (server.address() as AddressInfo).port;
    return proxy;
}

/** Asserts that inspectImage refuses `file` before any Azure call, with this code and words naming the fix. */
export async function refused(file: string, code: string, words: RegExp): Promise<void> {
    await assert.rejects(inspectImage(file), (e: unknown) => {
        assert.ok(e instanceof ImageError, `ImageError, got ${String(e)}`);
        assert.equal(e.code, code, e.message);
        assert.match(e.message, words);
        return true;
    });
}
