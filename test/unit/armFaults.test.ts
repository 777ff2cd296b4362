/**
 * ARM faults through the extension's disk service (ArmDiskService over the extension's own ARM
 * clients and sign-in session) against the sandbox: each ends in the right outcome or in plain words.
 */
import { after, before, beforeEach, describe, it } from 'node:test';
import * as assert from 'node:assert/strict';
import type { AccessToken, TokenCredential } from '@azure/core-auth';
import { AzureCliCredential } from '@azure/identity';
import { createArmClients } from '../../src/azure/armClients';
import { AzureSession } from '../../src/azure/auth';
import { ArmDiskService, DEFAULT_LRO_MAX_WAIT_MS } from '../../src/azure/diskService';
import { mapError, formatMapped } from '../../src/shared/errors';
import type { DiskRef } from '../../src/shared/types';
import { startSandbox, type Sandbox } from '../sandbox/index';
import { MAIN_TENANT, SUB_DEV } from '../sandbox/seed';
import { sandboxCloud, useAzStandIn } from '../sandbox/testkit';
import { waitUntil } from './support';

let sb: Sandbox;
let svc: ArmDiskService;
const logLines: string[] = [];

function ref(name: string, rg = 'rg-web'): DiskRef {
    return { tenantId: MAIN_TENANT, subscriptionId: SUB_DEV, resourceGroup: rg, name, kind: 'disk', id: `/subscriptions/${SUB_DEV}/resourceGroups/${rg}/providers/Microsoft.Compute/disks/${name}` };
}

function service(credential: (tenantId?: string) => TokenCredential, opts: { maxWaitMs?: number } = {}): ArmDiskService {
    const session = new AzureSession(sandboxCloud(sb.info), 'azureCli', credential, createArmClients);
    return new ArmDiskService(async () => session, { pollIntervalMs: 20, log: (m) => logLines.push(m), ...opts });
}

async function failure(p: Promise<unknown>): Promise<unknown> {
    try {
        await p;
    } catch (e) {
        return e;
    }
    assert.fail('expected the call to fail');
}

/** Hands out sandbox tokens that really live `lifetimeSeconds` but claims an hour, like a skewed clock or a revoked token would. */
class OverconfidentCredential implements TokenCredential {
    issued = 0;
    constructor(private readonly lifetimeSeconds: number) {}
    async getToken(): Promise<AccessToken> {
        this.issued++;
        const t = await sb.control.token({ tenantId: MAIN_TENANT, lifetimeSeconds: this.lifetimeSeconds });
        return { token: t.accessToken, expiresOnTimestamp: Date.now() + 3_600_000 };
    }
}

before(async () => {
    sb = await startSandbox({ lroPolls: 1, retryAfterSeconds: 0, skipLargeDisk: true });
    useAzStandIn(sb.info);
    svc = service((tenantId) => new AzureCliCredential(tenantId ? { tenantId } : {}));
});

after(async () => {
    await sb?.stop();
});

beforeEach(async () => {
    await sb.control.reset({ state: true });
    await sb.control.setTokenLifetime(3600);
});

describe('ARM faults through the disk service', () => {
    it('401 with an expired token: refreshed and retried once, the call succeeds', async () => {
        const cred = new OverconfidentCredential(1);
        const s = service(() => cred);
        assert.equal((await s.getDisk(ref('web-logs'))).name, 'web-logs');
        const firstExp = Number(JSON.parse(Buffer.from((await sb.control.issuedSecrets()).bearerTokens.at(-1)!.split('.')[1], 'base64url').toString()).exp);
        await waitUntil(() => Date.now() / 1000 > firstExp + 0.2, 'the first token to expire');
        await sb.control.clearLog();
        assert.equal((await s.getDisk(ref('web-logs'))).name, 'web-logs');
        assert.deepEqual((await sb.control.requestLog()).arm.recent.map((r) => r.status), [401, 200]);
        assert.equal(cred.issued, 2, 'one fresh token, no more');
    });

    it('a 401 that persists is not retried forever and asks to sign in again', async () => {
        await sb.control.clearLog();
        await sb.control.armFault({ path: '/disks/web-logs$', status: 401, count: 5 });
        const m = mapError(await failure(svc.getDisk(ref('web-logs'))), { operation: 'get', diskName: 'web-logs' });
        assert.equal(m.code, 'Unauthorized');
        assert.match(formatMapped(m), /Sign In/);
        assert.equal((await sb.control.requestLog()).arm.recent.length, 2, 'the original request and one retry');
    });

    it('403 on grant says which permission and role are missing', async () => {
        await sb.control.armFault({ path: 'web-data-01/beginGetAccess', status: 403 });
        const m = mapError(await failure(svc.grantAccess(ref('web-data-01'), { access: 'Read', durationInSeconds: 600 })), { operation: 'grant', diskName: 'web-data-01' });
        assert.equal(m.code, 'Forbidden');
        assert.match(m.message, /permission to grant access to "web-data-01"/);
        assert.match(m.nextStep ?? '', /beginGetAccess\/action/);
        assert.match(m.nextStep ?? '', /Disk Snapshot Contributor|Contributor/);
        assert.equal(await sb.control.diskState(ref('web-data-01').id), 'Unattached');
    });

    it('404 says the disk is gone and to refresh', async () => {
        const m = mapError(await failure(svc.getDisk(ref('no-such-disk'))), { operation: 'get', diskName: 'no-such-disk' });
        assert.equal(m.code, 'NotFound');
        assert.match(formatMapped(m), /not found.*Refresh/s);
    });

    it('409: a disk that already has an active SAS, and a disk attached to a running VM', async () => {
        const active = mapError(await failure(svc.grantAccess(ref('web-exported'), { access: 'Read', durationInSeconds: 600 })), { operation: 'grant', diskName: 'web-exported' });
        assert.equal(active.code, 'SasAlreadyActive');
        assert.match(formatMapped(active), /already has an active SAS.*revoke/is);
        const attached = mapError(await failure(svc.grantAccess(ref('web-os-01'), { access: 'Read', durationInSeconds: 600 })), { operation: 'grant', diskName: 'web-os-01', attachedVm: 'vm-web-01' });
        assert.equal(attached.code, 'AttachedToRunningVm');
        assert.match(formatMapped(attached), /running VM vm-web-01.*Stop \(deallocate\) vm-web-01/);
    });

    for (const status of [429, 503]) {
        it(`${status} with Retry-After: 2 is honoured (the retry waits) and the call then succeeds`, async () => {
            await sb.control.clearLog();
            await sb.control.armFault({ method: 'GET', path: '/disks/web-logs$', status, headers: { 'Retry-After': '2' } });
            const t0 = Date.now();
            assert.equal((await svc.getDisk(ref('web-logs'))).name, 'web-logs');
            const waited = Date.now() - t0;
            assert.ok(waited >= 1900, `waited ${waited} ms before retrying`);
            assert.deepEqual((await sb.control.requestLog()).arm.recent.map((r) => r.status), [status, 200]);
        });
    }

    it('429 that persists ends in plain words with the wait from Retry-After', async () => {
        await sb.control.armFault({ method: 'GET', path: '/disks/web-logs$', status: 429, count: 10, headers: { 'Retry-After': '0' } });
        const m = mapError(await failure(svc.getDisk(ref('web-logs'))));
        assert.equal(m.code, 'Throttled');
        assert.match(m.message, /throttling.*try again in 0 s/);
    });

    it('500 once is retried with backoff and the grant goes through', async () => {
        await sb.control.clearLog();
        await sb.control.armFault({ method: 'POST', path: 'web-data-01/beginGetAccess', status: 500 });
        const g = await svc.grantAccess(ref('web-data-01'), { access: 'Read', durationInSeconds: 600 });
        assert.match(g.urls.disk ?? '', /sig=/);
        const posts = (await sb.control.requestLog()).arm.recent.filter((r) => /beginGetAccess/i.test(r.path)).map((r) => r.status);
        assert.deepEqual(posts, [500, 202]);
        await svc.revokeAccess(ref('web-data-01'));
    });

    it('a grant whose operation ends Failed reports Azure\'s reason; the disk keeps its state', async () => {
        await sb.control.lroFault({ path: 'web-data-01/beginGetAccess', outcome: 'fail', error: { code: 'InternalDiskManagementError', message: 'Injected failure.' } });
        const m = mapError(await failure(svc.grantAccess(ref('web-data-01'), { access: 'Read', durationInSeconds: 600 })), { operation: 'grant', diskName: 'web-data-01' });
        assert.equal(m.code, 'OperationFailed');
        assert.match(m.message, /Injected failure/);
        assert.equal(await sb.control.diskState(ref('web-data-01').id), 'Unattached');
    });

    it('a grant that never finishes stops at maxWaitMs with a message about ActiveSAS and how to revoke', async () => {
        assert.equal(DEFAULT_LRO_MAX_WAIT_MS, 15 * 60 * 1000);
        await sb.control.lroFault({ path: 'web-data-01/beginGetAccess', outcome: 'hang' });
        const bounded = service((tenantId) => new AzureCliCredential(tenantId ? { tenantId } : {}), { maxWaitMs: 700 });
        const t0 = Date.now();
        const e = await failure(bounded.grantAccess(ref('web-data-01'), { access: 'Read', durationInSeconds: 600 }));
        const took = Date.now() - t0;
        assert.ok(took >= 650 && took < 5000, `gave up after ${took} ms`);
        const m = mapError(e, { operation: 'grant', diskName: 'web-data-01' });
        assert.equal(m.code, 'TimedOut');
        assert.match(m.message, /did not finish within 1 second;/);
        assert.match(m.message, /ActiveSAS/);
        assert.match(m.nextStep ?? '', /Revoke Access/);
        assert.match(m.nextStep ?? '', /az disk revoke-access -g rg-web -n web-data-01/);
    });

    it('a revoke that never finishes is bounded too', async () => {
        await svc.grantAccess(ref('web-data-01'), { access: 'Read', durationInSeconds: 600 });
        await sb.control.lroFault({ path: 'web-data-01/endGetAccess', outcome: 'hang' });
        const bounded = service((tenantId) => new AzureCliCredential(tenantId ? { tenantId } : {}), { maxWaitMs: 500 });
        const m = mapError(await failure(bounded.revokeAccess(ref('web-data-01'))), { operation: 'revoke', diskName: 'web-data-01' });
        assert.equal(m.code, 'TimedOut');
        assert.match(m.message, /Revoking access to web-data-01/);
    });

    it('a grant that never finishes can be cancelled: AbortError, not a timeout, and polling stops', async () => {
        await sb.control.lroFault({ path: 'web-data-01/beginGetAccess', outcome: 'hang' });
        await sb.control.clearLog();
        const ac = new AbortController();
        const operationPolls = async () => (await sb.control.requestLog()).arm.recent.filter((r) => r.path.includes('/operations/')).map((r) => r.path);
        const grant = failure(svc.grantAccess(ref('web-data-01'), { access: 'Read', durationInSeconds: 600 }, ac.signal));
        // Cancel once the grant is really hanging: its operation has been polled twice.
        await waitUntil(async () => (await operationPolls()).length >= 2, 'the hanging grant to be polled');
        const hung = new Set(await operationPolls());
        const t0 = Date.now();
        ac.abort();
        const e = await grant;
        assert.ok(Date.now() - t0 < 3000, 'stopped soon after the cancel');
        assert.equal(mapError(e).code, 'Cancelled');
        const before = (await operationPolls()).filter((p) => hung.has(p)).length;
        // A grant and a revoke polling at the same interval run to their end: a poller of the
        // cancelled grant still running would have polled meanwhile.
        await svc.grantAccess(ref('web-logs'), { access: 'Read', durationInSeconds: 600 });
        await svc.revokeAccess(ref('web-logs'));
        assert.ok((await operationPolls()).some((p) => !hung.has(p)), 'the later operations were polled');
        assert.equal((await operationPolls()).filter((p) => hung.has(p)).length, before, 'no polls after the cancel');
    });

    it('revoke after the first token has expired still works (short-lived tokens)', async () => {
        await sb.control.setTokenLifetime(2);
        const s = service((tenantId) => new AzureCliCredential(tenantId ? { tenantId } : {}));
        await s.grantAccess(ref('web-data-01'), { access: 'Read', durationInSeconds: 600 });
        const tokens = (await sb.control.issuedSecrets()).bearerTokens;
        const exp = Number(JSON.parse(Buffer.from(tokens.at(-1)!.split('.')[1], 'base64url').toString()).exp);
        await waitUntil(() => Date.now() / 1000 > exp + 0.2, 'the first token to expire');
        await s.revokeAccess(ref('web-data-01'));
        assert.equal(await sb.control.diskState(ref('web-data-01').id), 'Unattached');
    });

    it('nothing the service logs carries a token or a SAS signature', async () => {
        const secrets = await sb.control.issuedSecrets();
        const text = logLines.join('\n');
        assert.ok(logLines.length > 0);
        for (const s of [...secrets.sasSignatures, ...secrets.sasSignaturesEncoded, ...secrets.bearerTokens]) assert.ok(!text.includes(s), 'a secret in the log');
    });
});
