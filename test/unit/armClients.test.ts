import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { AccessToken, TokenCredential } from '@azure/core-auth';
import { assertSecureOrLoopback, createArmClients, TokenCache } from '../../src/azure/armClients';
import { isLoopbackHost } from '../../src/shared/loopback';
import type { CloudConfig } from '../../src/azure/clouds';

class CountingCredential implements TokenCredential {
    calls = 0;
    constructor(private readonly lifetimeMs: number) {}
    async getToken(): Promise<AccessToken> {
        this.calls++;
        return { token: `token-${this.calls}`, expiresOnTimestamp: Date.now() + this.lifetimeMs };
    }
}

/** A minimal ARM stand-in: answers a disk GET and records the Authorization headers it saw. */
async function fakeArm(handler: (req: http.IncomingMessage, res: http.ServerResponse, seen: string[]) => void) {
    const seen: string[] = [];
    const server = http.createServer((req, res) => {
        seen.push(String(req.headers.authorization));
        handler(req, res, seen);
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const port = (server.address() as AddressInfo).port;
    return { seen, endpoint: `http://127.0.0.1:${port}`, close: () => new Promise<void>((r) => server.close(() => r())) };
}

const disk = { id: '/subscriptions/s1/resourceGroups/rg/providers/Microsoft.Compute/disks/d1', name: 'd1', location: 'westeurope', properties: { diskState: 'Unattached', diskSizeGB: 4 } };

function cloud(endpoint: string): CloudConfig {
    return { name: 'Custom', resourceManagerEndpoint: endpoint, activeDirectoryEndpoint: endpoint, managementScope: 'https://management.example.invalid/.default', storageEndpointSuffix: '127.0.0.1' };
}

test('loopback hosts are recognised; others are not', () => {
    for (const h of ['127.0.0.1', '127.1.2.3', 'localhost', '[::1]', '::1']) assert.equal(isLoopbackHost(h), true, h);
    for (const h of ['10.0.0.1', 'management.azure.com', '127.0.0.1.example.com', '128.0.0.1']) assert.equal(isLoopbackHost(h), false, h);
});

test('http is refused except for loopback; https is always accepted', () => {
    assert.doesNotThrow(() => assertSecureOrLoopback('https://management.azure.com'));
    assert.doesNotThrow(() => assertSecureOrLoopback('http://127.0.0.1:8080'));
    assert.throws(() => assertSecureOrLoopback('http://management.example.com'), /must use https/);
    assert.throws(() => assertSecureOrLoopback('not a url'), /not a valid URL/);
});

test('the SDK client reaches an http loopback endpoint with our bearer token', async () => {
    const arm = await fakeArm((_req, res) => {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify(disk));
    });
    try {
        const cred = new CountingCredential(3600_000);
        const clients = await createArmClients(cloud(arm.endpoint), cred);
        const d = await clients.compute('s1').disks.get('rg', 'd1');
        assert.equal(d.name, 'd1');
        await clients.compute('s1').disks.get('rg', 'd1');
        assert.deepEqual(arm.seen, ['Bearer token-1', 'Bearer token-1'], 'one token, cached across requests');
        assert.equal(cred.calls, 1);
    } finally {
        await arm.close();
    }
});

test('a 401 is retried once with a fresh token, and only once', async () => {
    let n = 0;
    const arm = await fakeArm((_req, res) => {
        n++;
        if (n === 1 || n >= 3) {
            res.writeHead(401, { 'www-authenticate': 'Bearer error="invalid_token"', 'content-type': 'application/json' });
            res.end(JSON.stringify({ error: { code: 'ExpiredAuthenticationToken', message: 'The access token expiry time has passed.' } }));
            return;
        }
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify(disk));
    });
    try {
        const cred = new CountingCredential(3600_000);
        const clients = await createArmClients(cloud(arm.endpoint), cred);
        const d = await clients.compute('s1').disks.get('rg', 'd1');
        assert.equal(d.name, 'd1');
        assert.deepEqual(arm.seen, ['Bearer token-1', 'Bearer token-2']);
        await assert.rejects(clients.compute('s1').disks.get('rg', 'd1'), (e: { statusCode?: number }) => e.statusCode === 401);
        assert.equal(arm.seen.length, 4, 'second call: one try plus one retry, no loop');
    } finally {
        await arm.close();
    }
});

test('the subscriptions and resources clients retry a 401 too', async () => {
    let n = 0;
    const arm = await fakeArm((req, res) => {
        n++;
        if (n % 2 === 1) {
            res.writeHead(401, { 'www-authenticate': 'Bearer error="invalid_token"', 'content-type': 'application/json' });
            res.end(JSON.stringify({ error: { code: 'ExpiredAuthenticationToken', message: 'expired' } }));
            return;
        }
        res.writeHead(200, { 'content-type': 'application/json' });
        if (/\/resourcegroups/i.test(req.url ?? '')) res.end(JSON.stringify({ value: [{ id: '/subscriptions/s1/resourceGroups/rg', name: 'rg', location: 'westeurope' }] }));
        else res.end(JSON.stringify({ value: [{ id: '/subscriptions/s1', subscriptionId: 's1', displayName: 'One', tenantId: 't1', state: 'Enabled' }] }));
    });
    try {
        const clients = await createArmClients(cloud(arm.endpoint), new CountingCredential(3600_000));
        const subs = [];
        for await (const s of clients.subscriptions().subscriptions.list()) subs.push(s.subscriptionId);
        assert.deepEqual(subs, ['s1']);
        const rgs = [];
        for await (const g of clients.resources('s1').resourceGroups.list()) rgs.push(g.name);
        assert.deepEqual(rgs, ['rg']);
        assert.deepEqual(arm.seen, ['Bearer token-1', 'Bearer token-2', 'Bearer token-2', 'Bearer token-3']);
    } finally {
        await arm.close();
    }
});

test('a non-loopback http endpoint is refused before any request', async () => {
    await assert.rejects(createArmClients(cloud('http://management.example.invalid'), new CountingCredential(1000)), /must use https/);
});

test('the token cache refreshes before expiry, also for short-lived tokens', async () => {
    let now = 1_000_000;
    const cred: TokenCredential & { calls: number } = {
        calls: 0,
        async getToken() {
            this.calls++;
            return { token: `t${this.calls}`, expiresOnTimestamp: now + 10_000 };
        },
    };
    const cache = new TokenCache(cred, ['s'], () => now);
    assert.equal(await cache.get(), 't1');
    now += 4_000;
    assert.equal(await cache.get(), 't1', 'still well inside its life');
    now += 2_000; // past half of a 10 s lifetime
    assert.equal(await cache.get(), 't2');
    assert.equal(await cache.get(true), 't3', 'forced refresh');
});
