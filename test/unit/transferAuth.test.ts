import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import { DirectRanges } from '../../src/blob/direct';
import { BlobEndpoint } from '../../src/blob/http';

/** A blob server that records each request's Authorization header and answers ranges and Put Page. */
async function server(seen: (string | undefined)[]): Promise<{ url: string; close(): void }> {
    const body = Buffer.alloc(1024, 7);
    const s = http.createServer((req, res) => {
        seen.push(req.headers.authorization);
        req.resume();
        if (req.method === 'HEAD') return res.writeHead(200, { 'content-length': body.length, 'x-ms-blob-type': 'PageBlob' }).end();
        if (req.method === 'PUT') return res.writeHead(201, { 'content-length': 0 }).end();
        const m = /bytes=(\d+)-(\d+)/.exec(String(req.headers['x-ms-range']));
        const part = body.subarray(Number(m![1]), Number(m![2]) + 1);
        res.writeHead(206, { 'content-length': part.length }).end(part);
    });
    await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
    return { url: `http://127.0.0.1:${(s.address() as AddressInfo).port}/c/blob?sig=x`, close: () => s.close() };
}

test('every request of both transports and of Put Page carries the bearer token, asked for per request', async () => {
    const seen: (string | undefined)[] = [];
    const srv = await server(seen);
    let n = 0;
    const auth = async () => `token-${++n}`;
    const ranges = new BlobEndpoint(2, 5000, auth);
    const direct = new DirectRanges(5000, {}, auth);
    try {
        await ranges.head(srv.url);
        await ranges.get(srv.url, 0, 512, false, () => undefined);
        await direct.getInto(srv.url, 512, 1024, false, Buffer.alloc(512));
        await ranges.putPage(srv.url, 0, Buffer.alloc(512), 'AAAAAAAAAAAAAAAAAAAAAA==');
    } finally {
        ranges.destroy();
        direct.destroy();
        srv.close();
    }
    assert.deepEqual(seen, ['Bearer token-1', 'Bearer token-2', 'Bearer token-3', 'Bearer token-4']);
});

test('without the option no Authorization header is sent (a SAS alone)', async () => {
    const seen: (string | undefined)[] = [];
    const srv = await server(seen);
    const ranges = new BlobEndpoint(2, 5000);
    const direct = new DirectRanges(5000);
    try {
        await ranges.head(srv.url);
        await direct.getInto(srv.url, 0, 512, false, Buffer.alloc(512));
    } finally {
        ranges.destroy();
        direct.destroy();
        srv.close();
    }
    assert.deepEqual(seen, [undefined, undefined]);
});
