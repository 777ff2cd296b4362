import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import http from 'node:http';
import * as https from 'node:https';
import type { AddressInfo } from 'node:net';
import * as net from 'node:net';
import { after, before, describe, it } from 'node:test';
import { connectedDirectly, DirectRanges, neverConnected } from '../../src/blob/direct';
import { HttpStatusError } from '../../src/blob/http';
import { downloadBlob } from '../../src/transfer/index';
import { sparseModel } from '../bench/blobModel';
import { sha256File } from '../bench/fixtures';
import { startRangeServer, type RangeServer } from '../bench/rangeServer';
import { errorOf, fastTuning, scratch, waitUntil } from './support';

const MiB = 1024 * 1024;
const tmp = scratch();
const listen = (s: net.Server) => new Promise<number>((r) => s.listen(0, '127.0.0.1', () => r((s.address() as AddressInfo).port)));

describe('transport: which way range bodies travel', () => {
    const model = sparseModel(8 * MiB, 0.5, 4, 31);
    let sha: string;
    let server: RangeServer;
    before(async () => {
        sha = model.sha256();
        server = await startRangeServer(model);
    });
    after(() => server.close());

    it('connectedDirectly: only a socket to the URL host and port counts', async () => {
        assert.equal(await connectedDirectly('http://127.0.0.1:8080/a', { address: '127.0.0.1', port: 8080 }), true);
        assert.equal(await connectedDirectly('http://127.0.0.1:8080/a', { address: '::ffff:127.0.0.1', port: 8080 }), true);
        assert.equal(await connectedDirectly('http://127.0.0.1:8080/a', { address: '127.0.0.1', port: 3128 }), false, 'a proxy port');
        assert.equal(await connectedDirectly('http://127.0.0.1:8080/a', { address: '127.0.0.9', port: 8080 }), false, 'another address');
        assert.equal(await connectedDirectly('https://localhost/a', { address: '127.0.0.1', port: 443 }), true, 'a name that resolves to the peer');
        assert.equal(await connectedDirectly('https://localhost/a', { address: '10.1.2.3', port: 443 }), false);
        assert.equal(await connectedDirectly('https://localhost/a', undefined), false);
    });

    it('auto on a direct connection uses direct sockets', async () => {
        const out = tmp.dest();
        const r = await downloadBlob({ url: server.url, destPath: out, chunkSize: MiB, tuning: fastTuning });
        assert.equal(r.transport, 'direct');
        assert.equal(await sha256File(out), sha);
    });

    describe('behind a proxy that node:http is routed through (as VS Code\'s proxy support does)', () => {
        let proxy: http.Server;
        let proxyPort: number;
        const seen: string[] = [];
        const original = http.request;
        before(async () => {
            proxy = http.createServer((req, res) => {
                const target = new URL(req.url ?? '/');
                seen.push(`${req.method} ${String(req.headers['x-ms-range'] ?? '')}`);
                const fwd = original({ host: '127.0.0.1', port: new URL(server.url).port, path: `${target.pathname}${target.search}`, method: req.method, headers: req.headers }, (pr) => {
                    res.writeHead(pr.statusCode ?? 502, pr.headers);
                    pr.pipe(res);
                });
                fwd.on('error', () => res.destroy());
                req.pipe(fwd);
            });
            proxyPort = await listen(proxy);
            // Every node:http request goes to the proxy with the absolute URL as its path.
            http.request = ((url: string | URL, options: http.RequestOptions, cb?: (res: http.IncomingMessage) => void) => {
                const u = new URL(String(url));
                return original({ ...options, host: '127.0.0.1', port: proxyPort, path: u.toString(), headers: { ...options.headers, host: u.host } }, cb);
            }) as typeof http.request;
        });
        after(() => {
            http.request = original;
            proxy.close();
        });

        it('auto sees the proxy at the first request and sends every range through node:http', async () => {
            seen.length = 0;
            const out = tmp.dest();
            const lines: string[] = [];
            const r = await downloadBlob({ url: server.url, destPath: out, chunkSize: MiB, tuning: fastTuning, log: (m) => lines.push(m) });
            assert.equal(r.transport, 'node');
            assert.equal(await sha256File(out), sha);
            const ranged = seen.filter((s) => /^GET bytes=/.test(s));
            assert.ok(ranged.length >= Math.ceil(model.writtenBytes / MiB), `${ranged.length} ranged GETs through the proxy`);
            assert.ok(lines.some((l) => /did not go straight to the storage host/.test(l)), lines.join('\n'));
        });

        it('a direct connection that cannot be made falls back to node:http and completes', async () => {
            // The URL's port has nothing listening: only the proxy can reach the blob.
            const closed = net.createServer();
            const port = await listen(closed);
            await new Promise((r) => closed.close(r));
            const url = server.url.replace(/:\d+\//, `:${port}/`);
            const out = tmp.dest();
            const lines: string[] = [];
            const r = await downloadBlob({ url, destPath: out, chunkSize: MiB, tuning: { ...fastTuning, transport: 'direct' }, log: (m) => lines.push(m) });
            assert.equal(r.transport, 'node');
            assert.equal(r.retries, 0, `the fallback is not a retry:\n${lines.join("\n")}`);
            assert.equal(await sha256File(out), sha);
            assert.ok(lines.some((l) => /direct connection .* failed \(ECONNREFUSED\); using node:http/.test(l)), lines.join('\n'));
        });
    });
});

describe('DirectRanges: the minimal HTTP/1.1 client', () => {
    /** A raw server: each request gets `answer(n)` written piecewise (bytes, then a pause). */
    async function rawServer(answer: (n: number) => (Buffer | number)[]) {
        let requests = 0, accepted = 0;
        const sockets = new Set<net.Socket>();
        const srv = net.createServer((s) => {
            accepted++;
            sockets.add(s);
            s.on('close', () => sockets.delete(s));
            let buf = '';
            s.on('data', async (d) => {
                buf += d.toString('latin1');
                while (buf.includes('\r\n\r\n')) {
                    buf = buf.slice(buf.indexOf('\r\n\r\n') + 4);
                    for (const piece of answer(requests++)) {
                        if (typeof piece === 'number') await new Promise((r) => setTimeout(r, piece));
                        else if (!s.destroyed) s.write(piece);
                    }
                }
            });
        });
        const port = await listen(srv);
        return {
            url: `http://127.0.0.1:${port}/c/b?sig=x`,
            get requests() { return requests; },
            get accepted() { return accepted; },
            open: sockets,
            close: () => { for (const s of sockets) s.destroy(); srv.close(); },
        };
    }
    const ok = (body: Buffer, extra = '') => Buffer.from(`HTTP/1.1 206 Partial Content\r\nContent-Length: ${body.length}\r\nContent-MD5: abc==\r\nETag: "e1"\r\n${extra}\r\n`, 'latin1');

    it('headers split across reads, body in pieces, keep-alive reuse; Connection: close is honoured', async () => {
        const body = Buffer.from('0123456789abcdef'.repeat(4096)); // 64 KiB
        const head = ok(body);
        const srv = await rawServer((n) => n < 2
            ? [head.subarray(0, 7), 5, head.subarray(7, 30), 5, Buffer.concat([head.subarray(30), body.subarray(0, 1000)]), 5, body.subarray(1000)]
            : [ok(body, 'Connection: close\r\n'), body]);
        const d = new DirectRanges(5000);
        try {
            for (let i = 0; i < 3; i++) {
                const dest = Buffer.alloc(body.length);
                const r = await d.getInto(srv.url, 0, body.length, true, dest);
                assert.deepEqual(dest, body);
                assert.equal(r.md5, 'abc==');
                assert.equal(r.etag, '"e1"');
            }
            assert.equal(srv.requests, 3);
            assert.equal(srv.accepted, 1, 'all three requests went over one kept-alive connection');
            // The close travels asynchronously: wait for it (bounded), rather than for a guessed time.
            await waitUntil(() => srv.open.size === 0, 'the connection that said close to be closed; the kept-alive one was reused for it');
        } finally {
            d.destroy();
            srv.close();
        }
    });

    it('errors: a status with x-ms-error-code and Retry-After, abort mid-body, a body longer than asked, a chunked 206', async () => {
        const body = Buffer.alloc(4096, 7);
        const srv = await rawServer((n) => [
            [Buffer.from('HTTP/1.1 503 Server Busy\r\nx-ms-error-code: ServerBusy\r\nRetry-After: 2\r\nContent-Length: 0\r\n\r\n')],
            [ok(body), body.subarray(0, 100)], // then silence: abort below
            [Buffer.concat([Buffer.from(`HTTP/1.1 206 Partial Content\r\nContent-Length: ${body.length}\r\n\r\n`), body, body])], // one write: one read
            [Buffer.from('HTTP/1.1 206 Partial Content\r\nTransfer-Encoding: chunked\r\n\r\n')],
        ][n] ?? []);
        const d = new DirectRanges(5000);
        try {
            const busy = await errorOf(d.getInto(srv.url, 0, body.length, false, Buffer.alloc(body.length)));
            assert.ok(busy instanceof HttpStatusError);
            assert.equal((busy as HttpStatusError).errorCode, 'ServerBusy');
            assert.equal((busy as HttpStatusError).retryAfterMs, 2000);
            const ac = new AbortController();
            const midBody = errorOf(d.getInto(srv.url, 0, body.length, false, Buffer.alloc(body.length), ac.signal));
            // Abort once the server has the request (and has sent the first 100 bytes of the body).
            await waitUntil(() => srv.requests >= 2, 'the second request to reach the server');
            const t0 = Date.now();
            ac.abort();
            const aborted = await midBody;
            assert.equal(aborted.code, 'ABORT_ERR');
            assert.ok(Date.now() - t0 < 1000);
            const long = await errorOf(d.getInto(srv.url, 0, body.length, false, Buffer.alloc(body.length)));
            assert.equal(long.code, 'EBODY', long.message);
            const chunked = await errorOf(d.getInto(srv.url, 0, body.length, false, Buffer.alloc(body.length)));
            assert.equal(chunked.code, 'EDIRECT', chunked.message);
            assert.ok(!/sig=x/.test(`${busy.message}${aborted.message}${long.message}${chunked.message}`), 'no SAS in errors');
        } finally {
            d.destroy();
            srv.close();
        }
    });
});

describe('DirectRanges over TLS', () => {
    const body = Buffer.alloc(3 * MiB);
    for (let i = 0; i < body.length; i += 4) body.writeUInt32LE(i, i);
    let srv: https.Server;
    let cert: string;
    let url: string;
    before(async () => {
        const dir = tmp.dir;
        execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '1', '-subj', '/CN=localhost', '-addext', 'subjectAltName=DNS:localhost,IP:127.0.0.1',
            '-keyout', `${dir}/key.pem`, '-out', `${dir}/cert.pem`], { stdio: 'ignore' });
        cert = fs.readFileSync(`${dir}/cert.pem`, 'utf8');
        srv = https.createServer({ key: fs.readFileSync(`${dir}/key.pem`), cert }, (req, res) => {
            const m = /bytes=(\d+)-(\d+)/.exec(String(req.headers['x-ms-range']));
            const start = Number(m?.[1]), end = Number(m?.[2]) + 1;
            res.writeHead(206, { 'content-length': end - start });
            res.end(body.subarray(start, end));
        });
        const port = await listen(srv);
        url = `https://localhost:${port}/c/b?sig=x`;
    });
    after(() => srv.close());

    it('reads bodies straight into the buffer over TLS, verifying the certificate', async () => {
        const d = new DirectRanges(5000, { ca: cert });
        try {
            const dest = Buffer.alloc(2 * MiB);
            await d.getInto(url, MiB, 3 * MiB, false, dest);
            assert.ok(dest.equals(body.subarray(MiB, 3 * MiB)));
        } finally {
            d.destroy();
        }
    });

    it('an untrusted certificate fails as a connection never made (the engine then falls back to node:http)', async () => {
        const d = new DirectRanges(5000);
        try {
            const e = await errorOf(d.getInto(url, 0, 100, false, Buffer.alloc(100)));
            assert.ok(neverConnected(e), `${e.code}: ${e.message}`);
            assert.match(String(e.code), /CERT|SELF_SIGNED|UNABLE/);
        } finally {
            d.destroy();
        }
    });
});
