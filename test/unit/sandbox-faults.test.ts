/**
 * The sandbox's long-running-operation protocol, authentication and fault injection (ARM and the
 * storage proxy), checked on the wire and through the extension's ARM clients.
 */
import { after, before, describe, it } from 'node:test';
import * as assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import * as http from 'node:http';
import type { ArmClients } from '../../src/azure/armClients';
import { startSandbox, type Sandbox } from '../sandbox/index';
import { MAIN_TENANT, OTHER_TENANT, SUB_DEV, SUB_OTHER } from '../sandbox/seed';
import { armClientsFor, collect, parseSas } from '../sandbox/testkit';
import { errorOf, untilPast, waitUntil } from './support';

let sb: Sandbox;
let arm: ArmClients;
const fast = { updateIntervalInMs: 10 };
const DISK = (name: string, rg = 'rg-web', sub = SUB_DEV) => `/subscriptions/${sub}/resourceGroups/${rg}/providers/Microsoft.Compute/disks/${name}`;

async function armFetch(path: string, init: { method?: string; token?: string | null; body?: unknown } = {}): Promise<Response> {
    // The api-versions the SDKs in node_modules send for each area.
    const apiVersion = /microsoft\.compute/i.test(path) ? '2025-01-02' : /resourcegroups/i.test(path) ? '2025-04-01' : '2022-12-01';
    const url = path.startsWith('http') ? path : `${sb.info.armEndpoint}${path}${path.includes('?') ? '&' : '?'}api-version=${apiVersion}`;
    const headers: Record<string, string> = { 'Content-Type': 'application/json' };
    if (init.token !== null) headers.Authorization = `Bearer ${init.token ?? sb.info.bearerToken}`;
    return fetch(url, { method: init.method ?? 'GET', headers, body: init.body === undefined ? undefined : JSON.stringify(init.body) });
}


/** Raw GET through node:http so a cut connection shows as an error, with the bytes that did arrive. */
function rawGet(url: string, headers: Record<string, string> = {}): Promise<{ status?: number; headers?: http.IncomingHttpHeaders; bytes: number; body: Buffer; error?: Error }> {
    return new Promise((resolve) => {
        const chunks: Buffer[] = [];
        let res: http.IncomingMessage | undefined;
        const done = (error?: Error) => {
            const body = Buffer.concat(chunks);
            resolve({ status: res?.statusCode, headers: res?.headers, bytes: body.length, body, error });
        };
        const req = http.get(url, { headers, agent: false }, (r) => {
            res = r;
            r.on('data', (c: Buffer) => chunks.push(c));
            r.on('end', () => done());
            r.on('error', (e) => done(e));
            r.on('aborted', () => done(new Error('aborted')));
        });
        req.on('error', (e) => done(e));
    });
}

async function grantSas(name: string): Promise<string> {
    const uri = await arm.compute(SUB_DEV).disks.grantAccess('rg-web', name, { access: 'Read', durationInSeconds: 600 }, fast);
    return uri.accessSAS!;
}

before(async () => {
    sb = await startSandbox({ lroPolls: 2, retryAfterSeconds: 0, skipLargeDisk: true });
    arm = await armClientsFor(sb.info);
});

after(async () => {
    await sb?.stop();
});

describe('long-running operations on the wire', () => {
    it('beginGetAccess: 202 with Location, Azure-AsyncOperation, Retry-After; polls 202 twice then 200 AccessUri', async () => {
        await sb.control.setLro({ polls: 2, retryAfterSeconds: 1 });
        const start = await armFetch(`${DISK('web-logs')}/beginGetAccess`, { method: 'POST', body: { access: 'Read', durationInSeconds: 60 } });
        assert.equal(start.status, 202);
        const location = start.headers.get('location')!;
        const asyncOp = start.headers.get('azure-asyncoperation')!;
        assert.match(location, new RegExp(`/subscriptions/${SUB_DEV}/providers/Microsoft.Compute/locations/westeurope/operations/[0-9a-f-]+\\?monitor=true&api-version=2025-01-02$`));
        assert.equal(asyncOp, location.replace('monitor=true&', ''));
        assert.equal(start.headers.get('retry-after'), '1');
        const s1 = await armFetch(asyncOp);
        assert.equal(s1.status, 200);
        assert.equal(((await s1.json()) as { status: string }).status, 'InProgress');
        const l2 = await armFetch(location);
        assert.equal(l2.status, 202);
        const l3 = await armFetch(location);
        assert.equal(l3.status, 200);
        const body = (await l3.json()) as { accessSAS: string };
        assert.match(body.accessSAS, /sig=/);
        const s4 = (await (await armFetch(asyncOp)).json()) as { status: string };
        assert.equal(s4.status, 'Succeeded');
        const noToken = await armFetch(location, { token: null });
        assert.equal(noToken.status, 401, 'operation URLs need a token too');
        await arm.compute(SUB_DEV).disks.revokeAccess('rg-web', 'web-logs', fast);
        await sb.control.setLro({ polls: 2, retryAfterSeconds: 0 });
    });

    it('an LRO fault ends the grant Failed with its error; the disk keeps its state', async () => {
        await sb.control.lroFault({ path: 'web-data-01/beginGetAccess', outcome: 'fail', error: { code: 'InternalDiskManagementError', message: 'Injected failure.' } });
        const e = await errorOf(arm.compute(SUB_DEV).disks.grantAccess('rg-web', 'web-data-01', { access: 'Read', durationInSeconds: 60 }, fast).pollUntilDone());
        assert.match(e.message, /Injected failure/);
        assert.equal(await sb.control.diskState(DISK('web-data-01')), 'Unattached');
        const sas = await grantSas('web-data-01');
        assert.match(sas, /sig=/);
        await arm.compute(SUB_DEV).disks.revokeAccess('rg-web', 'web-data-01', fast);
    });

    it('an LRO that never finishes keeps answering InProgress until the caller gives up', async () => {
        await sb.control.lroFault({ path: 'web-os-02/beginGetAccess', outcome: 'hang' });
        await sb.control.clearLog();
        const ac = new AbortController();
        const polls = async () => (await sb.control.requestLog()).arm.recent.filter((r) => r.path.includes('/operations/')).length;
        const grant = errorOf(arm.compute(SUB_DEV).disks.grantAccess('rg-web', 'web-os-02', { access: 'Read', durationInSeconds: 60 }, { ...fast, abortSignal: ac.signal }).pollUntilDone());
        // The caller gives up once the operation has answered InProgress three times.
        await waitUntil(async () => (await polls()) >= 3, 'three polls of the hanging operation');
        ac.abort();
        const e = await grant;
        assert.match(e.message ?? String(e), /abort/i);
        const ops = (await sb.control.requestLog()).arm.recent.filter((r) => r.path.includes('/operations/'));
        assert.ok(ops.length >= 3, `kept polling (${ops.length} polls)`);
        assert.equal(await sb.control.diskState(DISK('web-os-02')), 'Reserved');
        await sb.control.reset({ state: true });
    });
});

describe('authentication', () => {
    it('401 with WWW-Authenticate for a missing, malformed or forged token', async () => {
        for (const token of [null, 'not-a-jwt', `${sb.info.bearerToken.slice(0, -4)}AAAA`]) {
            const res = await armFetch(`/subscriptions/${SUB_DEV}/resourcegroups`, { token });
            assert.equal(res.status, 401);
            const www = res.headers.get('www-authenticate') ?? '';
            assert.match(www, /^Bearer authorization_uri="http:\/\/127\.0\.0\.1:\d+\/[^"]+", error="invalid_token"/);
            const body = (await res.json()) as { error: { code: string; message: string } };
            assert.ok(body.error.code && body.error.message);
        }
    });

    it('401 ExpiredAuthenticationToken once a short-lived token has expired', async () => {
        // exp is in whole seconds: 3 s leaves at least 2 s for the first call, then wait past it.
        const t = await sb.control.token({ lifetimeSeconds: 3 });
        assert.equal((await armFetch('/tenants', { token: t.accessToken })).status, 200);
        await untilPast(t.expiresOn * 1000, 'the token to expire', 1100);
        const res = await armFetch('/tenants', { token: t.accessToken });
        assert.equal(res.status, 401);
        assert.equal(((await res.json()) as { error: { code: string } }).error.code, 'ExpiredAuthenticationToken');
    });

    it('401 InvalidAuthenticationTokenTenant for a token of another tenant; wrong audience refused', async () => {
        const res = await armFetch(`/subscriptions/${SUB_OTHER}/resourcegroups`);
        assert.equal(res.status, 401);
        assert.equal(((await res.json()) as { error: { code: string } }).error.code, 'InvalidAuthenticationTokenTenant');
        assert.match(res.headers.get('www-authenticate') ?? '', new RegExp(`authorization_uri="[^"]*/${OTHER_TENANT}"`));
        const e = await errorOf(collect(arm.resources(SUB_OTHER).resourceGroups.list()));
        assert.equal(e.statusCode, 401);
        const wrongAud = await sb.control.token({ resource: 'https://storage.sandbox.invalid' });
        assert.equal((await armFetch('/tenants', { token: wrongAud.accessToken })).status, 401);
    });

    it('the az stand-in answers what AzureCliCredential parses, honouring --tenant and the lifetime switch', async () => {
        const out = await new Promise<string>((resolve, reject) => execFile(`${sb.info.azCliDir}/az`, ['account', 'get-access-token', '--output', 'json', '--resource', 'https://management.sandbox.invalid', '--tenant', OTHER_TENANT], { env: { ...process.env, AZURE_DISKS_SANDBOX_TOKEN_LIFETIME: '5' } }, (err, stdout) => (err ? reject(err) : resolve(stdout))));
        const j = JSON.parse(out) as { accessToken: string; expires_on: number; expiresOn: string; tenant: string; tokenType: string };
        assert.equal(j.tenant, OTHER_TENANT);
        assert.equal(j.tokenType, 'Bearer');
        assert.ok(Math.abs(j.expires_on - (Date.now() / 1000 + 5)) < 3, 'short-lived token');
        assert.ok(!Number.isNaN(new Date(j.expiresOn).getTime()));
        const claims = JSON.parse(Buffer.from(j.accessToken.split('.')[1], 'base64url').toString()) as { tid: string; aud: string; exp: number; iat: number };
        assert.equal(claims.tid, OTHER_TENANT);
        assert.equal(claims.aud, 'https://management.sandbox.invalid');
        assert.equal((await armFetch(`/subscriptions/${SUB_OTHER}/resourcegroups`, { token: j.accessToken })).status, 200);
        assert.equal((await armFetch(`/subscriptions/${SUB_DEV}/resourcegroups`, { token: j.accessToken })).status, 401);
    });

    it('setTokenLifetime makes new tokens short-lived', async () => {
        await sb.control.setTokenLifetime(5);
        const t = await sb.control.token();
        assert.ok(Math.abs(t.expiresOn - (Date.now() / 1000 + 5)) < 3);
        await sb.control.setTokenLifetime(3600);
        assert.ok((await sb.control.token()).expiresOn - Date.now() / 1000 > 3500);
    });

    it('the main tenant token lists only its subscriptions', async () => {
        const res = await armFetch('/subscriptions');
        const subs = ((await res.json()) as { value: { tenantId: string }[] }).value;
        assert.ok(subs.length === 2 && subs.every((s) => s.tenantId === MAIN_TENANT));
    });
});

describe('request checks', () => {
    it('api-version is required and must be one ARM knows for that provider', async () => {
        const base = `${sb.info.armEndpoint}${DISK('web-logs')}`;
        const auth = { Authorization: `Bearer ${sb.info.bearerToken}` };
        const missing = await fetch(base, { headers: auth });
        assert.equal(missing.status, 400);
        assert.equal(((await missing.json()) as { error: { code: string } }).error.code, 'MissingApiVersionParameter');
        const wrong = await fetch(`${base}?api-version=2025-04-01`, { headers: auth });
        assert.equal(wrong.status, 400);
        assert.equal(((await wrong.json()) as { error: { code: string } }).error.code, 'InvalidApiVersionParameter');
        assert.equal((await fetch(`${base}?api-version=2025-01-02`, { headers: auth })).status, 200);
    });

    it('unknown subscription, group and route answer 404 with ARM error codes', async () => {
        const codes: [string, string][] = [
            ['/subscriptions/00000000-0000-4000-8000-000000000000/resourcegroups', 'SubscriptionNotFound'],
            [`/subscriptions/${SUB_DEV}/resourcegroups/rg-nope/providers/Microsoft.Compute/disks`, 'ResourceGroupNotFound'],
            [`/subscriptions/${SUB_DEV}/resourcegroups/rg-web/providers/Microsoft.Compute/galleries`, 'NotFound'],
        ];
        for (const [path, code] of codes) {
            const res = await armFetch(path);
            assert.equal(res.status, 404, path);
            assert.equal(((await res.json()) as { error: { code: string } }).error.code, code);
        }
    });
});

describe('ARM faults', () => {
    it('429 with Retry-After is retried by the SDK; the log shows both requests', async () => {
        await sb.control.clearLog();
        await sb.control.armFault({ method: 'GET', path: '/disks/web-logs$', status: 429, headers: { 'Retry-After': '0' } });
        const d = await arm.compute(SUB_DEV).disks.get('rg-web', 'web-logs');
        assert.equal(d.name, 'web-logs');
        const log = (await sb.control.requestLog()).arm;
        assert.equal(log.byPath[DISK('web-logs').toLowerCase()]?.requests, 2);
        assert.equal(log.recent.filter((r) => r.fault).length, 1);
    });

    it('404, 403 and 500 answer once with ARM error bodies, then the next request is normal', async () => {
        for (const [status, code] of [[404, 'ResourceNotFound'], [403, 'AuthorizationFailed'], [500, 'InternalServerError'], [503, 'ServiceUnavailable']] as const) {
            await sb.control.armFault({ path: '/disks/web-logs$', status });
            const res = await armFetch(DISK('web-logs'));
            assert.equal(res.status, status);
            const body = (await res.json()) as { error: { code: string; message: string; details: unknown[] } };
            assert.equal(body.error.code, code);
            assert.ok(Array.isArray(body.error.details));
            assert.equal((await armFetch(DISK('web-logs'))).status, 200);
        }
    });

    it('an injected 401 is retried once with a fresh token by the extension client', async () => {
        await sb.control.clearLog();
        await sb.control.armFault({ path: '/disks/web-logs$', status: 401 });
        const d = await arm.compute(SUB_DEV).disks.get('rg-web', 'web-logs');
        assert.equal(d.name, 'web-logs');
        const log = (await sb.control.requestLog()).arm;
        assert.deepEqual(log.recent.map((r) => r.status), [401, 200]);
    });

    it('a custom body and count are honoured', async () => {
        await sb.control.armFault({ path: '/tenants', status: 503, count: 2, body: { error: { code: 'Custom', message: 'twice' } } });
        for (let i = 0; i < 2; i++) {
            const res = await armFetch('/tenants');
            assert.equal(res.status, 503);
            assert.equal(((await res.json()) as { error: { code: string } }).error.code, 'Custom');
        }
        assert.equal((await armFetch('/tenants')).status, 200);
    });
});

describe('SAS lifetime', () => {
    it('a SAS stops working when its duration is over (403 AuthenticationFailed from storage)', async () => {
        const disks = arm.compute(SUB_DEV).disks;
        const uri = await disks.grantAccess('rg-web', 'web-logs', { access: 'Read', durationInSeconds: 3 }, fast);
        const sas = uri.accessSAS!;
        assert.equal((await rawGet(sas, { Range: 'bytes=0-511' })).status, 206);
        const se = Date.parse(parseSas(sas).params.get('se')!);
        await untilPast(se, 'the SAS to expire', 1100);
        const late = await rawGet(sas, { Range: 'bytes=0-511' });
        assert.equal(late.status, 403);
        assert.equal(late.headers?.['x-ms-error-code'], 'AuthenticationFailed');
        assert.match(late.body.toString(), /Signature not valid in the specified time frame/);
        assert.ok(!late.body.toString().includes(parseSas(sas).params.get('sig')!), 'the error does not echo the signature');
        await disks.revokeAccess('rg-web', 'web-logs', fast);
    });
});

describe('storage proxy faults', () => {
    it('reset cuts the connection mid-body after the given bytes', async () => {
        const sas = await grantSas('web-data-01');
        await sb.control.storageFault({ blob: 'abcd$', rangedOnly: true, action: 'reset', afterBytes: 100_000 });
        const r = await rawGet(sas, { Range: 'bytes=0-1048575' });
        assert.equal(r.status, 206);
        assert.ok(r.error, 'the client sees a broken response');
        assert.equal(r.bytes, 100_000);
        const ok = await rawGet(sas, { Range: 'bytes=0-1048575' });
        assert.equal(ok.bytes, 1_048_576);
        assert.equal(ok.error, undefined);
    });

    it('truncate ends the body early without an error; rangedOnly leaves unranged requests alone', async () => {
        const uri = await arm.compute(SUB_DEV).disks.grantAccess('rg-secure', 'tl-os', { access: 'Read', durationInSeconds: 600, getSecureVMGuestStateSAS: true }, fast);
        const vmgs = uri.securityDataAccessSAS!;
        await sb.control.storageFault({ blob: '_vmgs$', rangedOnly: true, action: 'truncate', afterBytes: 4096 });
        const whole = await rawGet(vmgs);
        assert.equal(whole.error, undefined);
        assert.equal(whole.bytes, 4 * 1024 * 1024 + 512, 'the unranged GET is not matched');
        const head = await rawGet(vmgs, { Range: 'bytes=0-65535' });
        assert.equal(head.error, undefined);
        assert.equal(head.bytes, 4096);
        assert.match(String(head.headers?.['content-range']), /^bytes 0-65535\//);
        await arm.compute(SUB_DEV).disks.revokeAccess('rg-secure', 'tl-os', fast);
    });

    it('503, 500 and 403 answer with Azure-shaped XML errors', async () => {
        const sas = await grantSas('web-os-02');
        for (const [status, code] of [[503, 'ServerBusy'], [500, 'InternalError'], [403, 'AuthenticationFailed']] as const) {
            await sb.control.storageFault({ action: 'status', status });
            const r = await rawGet(sas);
            assert.equal(r.status, status);
            assert.equal(r.headers?.['x-ms-error-code'], code);
            assert.match(r.body.toString(), new RegExp(`<Error><Code>${code}</Code><Message>`));
        }
        const ok = await rawGet(sas, { Range: 'bytes=0-511' });
        assert.equal(ok.status, 206);
    });

    it('delay holds the response back; the log counts requests and bytes per path', async () => {
        const sas = await grantSas('web-logs');
        await sb.control.clearLog();
        await sb.control.storageFault({ blob: parseSas(sas).container, action: 'delay', delayMs: 300 });
        const t0 = Date.now();
        const r = await rawGet(sas, { Range: 'bytes=0-8191' });
        assert.ok(Date.now() - t0 >= 290);
        assert.equal(r.bytes, 8192);
        const log = (await sb.control.requestLog()).storage;
        const path = new URL(sas).pathname.toLowerCase();
        assert.deepEqual(log.byPath[path], { requests: 1, bytes: 8192 });
        assert.ok(!JSON.stringify(log).includes('sig='));
    });
});
