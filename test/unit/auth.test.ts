import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import type { AccessToken, TokenCredential } from '@azure/core-auth';
import { AzureSession, parseAuthMethod, SignInRequiredError } from '../../src/azure/auth';
import type { ArmClients } from '../../src/azure/armClients';
import { resolveCloud } from '../../src/azure/clouds';

const cloud = resolveCloud('AzureCloud', undefined);

function fakeCredential(tenant: string | undefined, behaviour: 'ok' | 'signedOut' | 'broken'): TokenCredential & { scopes: string[][] } {
    const scopes: string[][] = [];
    return {
        scopes,
        async getToken(s: string | string[]): Promise<AccessToken> {
            scopes.push(Array.isArray(s) ? s : [s]);
            if (behaviour === 'signedOut') throw new SignInRequiredError();
            if (behaviour === 'broken') throw new Error('az crashed');
            return { token: `token-${tenant ?? 'home'}`, expiresOnTimestamp: Date.now() + 3600_000 };
        },
    };
}

test('authentication setting: unknown values fall back to the VS Code account', () => {
    assert.equal(parseAuthMethod('azureCli'), 'azureCli');
    assert.equal(parseAuthMethod('environment'), 'environment');
    assert.equal(parseAuthMethod('vscode'), 'vscode');
    assert.equal(parseAuthMethod('something'), 'vscode');
    assert.equal(parseAuthMethod(undefined), 'vscode');
});

test('one credential and one set of clients per tenant, created once', async () => {
    const made: (string | undefined)[] = [];
    const clientCalls: string[] = [];
    const session = new AzureSession(cloud, 'azureCli', (t) => (made.push(t), fakeCredential(t, 'ok')), async (_c, cred) => {
        clientCalls.push((await cred.getToken('x'))!.token);
        return {} as ArmClients;
    });
    assert.equal(session.credential('t1'), session.credential('t1'));
    assert.notEqual(session.credential('t1'), session.credential('t2'));
    await Promise.all([session.clients('t1'), session.clients('t1'), session.clients()]);
    assert.deepEqual(made, ['t1', 't2', undefined]);
    assert.deepEqual(clientCalls.sort(), ['token-home', 'token-t1']);
});

test('signed in means a token for the management scope can be had', async () => {
    const ok = fakeCredential(undefined, 'ok');
    assert.equal(await new AzureSession(cloud, 'azureCli', () => ok, async () => ({}) as ArmClients).canGetToken(), true);
    assert.deepEqual(ok.scopes, [['https://management.azure.com/.default']]);
    assert.equal(await new AzureSession(cloud, 'azureCli', () => fakeCredential(undefined, 'signedOut'), async () => ({}) as ArmClients).canGetToken(), false);
    await assert.rejects(new AzureSession(cloud, 'azureCli', () => fakeCredential(undefined, 'broken'), async () => ({}) as ArmClients).canGetToken(), /az crashed/);
});

test('a failed client creation is retried next time', async () => {
    let n = 0;
    const session = new AzureSession(cloud, 'vscode', (t) => fakeCredential(t, 'ok'), async () => {
        if (n++ === 0) throw new Error('first fails');
        return {} as ArmClients;
    });
    await assert.rejects(session.clients('t'), /first fails/);
    await new Promise((r) => setImmediate(r));
    assert.ok(await session.clients('t'));
});
