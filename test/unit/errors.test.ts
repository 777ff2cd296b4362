import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { attachedToRunningVm, DiskError, formatMapped, mapError } from '../../src/shared/errors';
import { CloudConfigError } from '../../src/azure/clouds';

function restError(statusCode: number, code?: string, message = 'boom', headers: Record<string, string> = {}) {
    const e = new Error(message) as Error & { statusCode: number; code?: string; response: unknown };
    e.name = 'RestError';
    e.statusCode = statusCode;
    e.code = code;
    e.response = { headers: { get: (n: string) => headers[n.toLowerCase()] }, bodyAsText: JSON.stringify({ error: { code, message } }) };
    return e;
}

test('attached to a running VM: names disk and VM, says what to do', () => {
    const m = mapError(attachedToRunningVm('web-os-01', 'vm-web-01'));
    assert.equal(m.code, 'AttachedToRunningVm');
    assert.equal(formatMapped(m), 'Disk web-os-01 is attached to running VM vm-web-01. Stop (deallocate) vm-web-01 first, then grant access.');
    const fromArm = mapError(restError(409, 'OperationNotAllowed', 'Disk web-os-01 is attached to VM /subscriptions/x/resourceGroups/r/providers/Microsoft.Compute/virtualMachines/vm-web-01.'), { diskName: 'web-os-01', attachedVm: 'vm-web-01' });
    assert.equal(fromArm.code, 'AttachedToRunningVm');
    assert.match(formatMapped(fromArm), /Stop \(deallocate\) vm-web-01/);
    assert.doesNotMatch(formatMapped(fromArm), /OperationNotAllowed|409|\{/);
    assert.equal(mapError(restError(409, 'OperationNotAllowed', 'Disk is currently attached to VM x')).message, 'The disk is attached to a running VM.');
    assert.equal(mapError(restError(403, 'AuthorizationFailed'), { operation: 'grant' }).message, "You don't have permission to grant access to the disk.");
});

test('guest-state SAS on a disk without a security profile', () => {
    const m = mapError(restError(400, 'BadRequest', 'GetSecureVMGuestStateSAS can be set only for disk with SecurityProfile'), { diskName: 'd1' });
    assert.equal(m.code, 'GuestStateNotSupported');
    assert.match(formatMapped(m), /no security profile/);
    assert.match(m.nextStep!, /without the VM guest state/);
});

test('403 names the role needed for grant and revoke', () => {
    const g = mapError(restError(403, 'AuthorizationFailed', 'The client does not have authorization'), { operation: 'grant', diskName: 'd1' });
    assert.equal(g.code, 'Forbidden');
    assert.match(g.message, /grant access to "d1"/);
    assert.match(g.nextStep!, /Microsoft\.Compute\/disks\/beginGetAccess\/action/);
    assert.match(g.nextStep!, /Disk Snapshot Contributor/);
    const r = mapError(restError(403, 'AuthorizationFailed'), { operation: 'revoke' });
    assert.match(r.nextStep!, /endGetAccess/);
    assert.equal(r.armCode, 'AuthorizationFailed');
});

test('401 asks to sign in again', () => {
    const m = mapError(restError(401, 'InvalidAuthenticationTokenTenant'));
    assert.equal(m.code, 'Unauthorized');
    assert.match(m.nextStep!, /Sign In/);
});

test('429 gives the wait from Retry-After', () => {
    const m = mapError(restError(429, 'TooManyRequests', 'slow down', { 'retry-after': '17' }));
    assert.equal(m.code, 'Throttled');
    assert.equal(m.retryAfterSeconds, 17);
    assert.equal(m.message, 'Azure is throttling requests; try again in 17 s.');
    assert.equal(mapError(restError(429)).message, 'Azure is throttling requests; try again in a minute.');
    // An HTTP-date Retry-After becomes whole seconds in the mapped error.
    const at = new Date(Date.now() + 29_500).toUTCString();
    const dated = mapError(restError(429, 'TooManyRequests', 'slow down', { 'retry-after': at }));
    assert.ok(dated.retryAfterSeconds !== undefined && dated.retryAfterSeconds >= 28 && dated.retryAfterSeconds <= 30, String(dated.retryAfterSeconds));
});

test('not found, failed operation, network, active SAS', () => {
    assert.equal(mapError(restError(404, 'ResourceNotFound'), { diskName: 'gone' }).code, 'NotFound');
    assert.match(mapError(restError(404, 'ResourceNotFound'), { diskName: 'gone' }).message, /"gone" was not found/);
    assert.equal(mapError(new Error('The long-running operation has failed')).code, 'OperationFailed');
    const net = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:1'), { code: 'ECONNREFUSED' });
    assert.equal(mapError(net).code, 'Network');
    const wrapped = Object.assign(new Error('request failed'), { cause: net });
    assert.equal(mapError(wrapped).code, 'Network');
    assert.equal(mapError(restError(409, 'OperationNotAllowed', 'The disk is in ActiveSAS state')).code, 'SasAlreadyActive');
});

test('cancellation, sign-in and settings errors', () => {
    const abort = new Error('aborted');
    abort.name = 'AbortError';
    assert.equal(mapError(abort).code, 'Cancelled');
    const cred = new Error('Azure CLI could not be found');
    cred.name = 'CredentialUnavailableError';
    assert.equal(mapError(cred).code, 'SignInRequired');
    const cfg = mapError(new CloudConfigError('Setting "azureDisks.customCloud.resourceManagerEndpoint" is not a valid URL: "x".', 'azureDisks.customCloud.resourceManagerEndpoint'));
    assert.equal(cfg.code, 'CloudConfig');
    assert.match(cfg.message, /azureDisks\.customCloud\.resourceManagerEndpoint/);
    assert.equal(mapError(new DiskError('Conflict', 'plain words', 'next')).nextStep, 'next');
});

test('messages never carry a SAS signature or a bearer token', () => {
    const secret = 'https://md-x.blob.storage.azure.net/c/abcd?sv=2020&sr=b&sig=SECRETSIG%2B123&se=2030';
    for (const e of [new Error(`failed to fetch ${secret}`), restError(500, 'InternalError', `oops ${secret} Bearer eyJhbGciOi.abc.def`)]) {
        const m = formatMapped(mapError(e));
        assert.doesNotMatch(m, /SECRETSIG/);
        assert.doesNotMatch(m, /eyJhbGciOi/);
    }
});

test('every 401 and 403 shape Azure sends maps to Unauthorized or Forbidden', () => {
    /** The same failure as each layer hands it over: RestError, a plain response, a body only, a code only. */
    function shapes(status: number, code: string | undefined): unknown[] {
        const body = JSON.stringify({ error: { code, message: 'denied' } });
        const out: unknown[] = [
            restError(status, code, 'denied'),
            { message: 'denied', status, details: code ? { error: { code, message: 'denied' } } : undefined },
            { message: 'denied', status: String(status) },
            { message: 'denied', response: { status, bodyAsText: code ? body : '' } },
            { message: 'denied', statusCode: status, response: { headers: {}, bodyAsText: '<html>Forbidden</html>' } },
        ];
        if (code) out.push({ message: 'denied', code }, { message: 'denied', error: { code, message: 'denied' } }, { message: 'denied', details: { code, message: 'denied' } });
        return out;
    }
    const forbidden: (string | undefined)[] = [undefined, 'AuthorizationFailed', 'LinkedAuthorizationFailed', 'RequestDisallowedByPolicy', 'ReadOnlyDisabledSubscription', 'InsufficientAccountPermissions'];
    for (const code of forbidden) {
        for (const [i, e] of shapes(403, code).entries()) {
            // A code alone (no status) is only known to be a 403 for the codes that say so.
            if (i >= 5 && !['AuthorizationFailed', 'LinkedAuthorizationFailed'].includes(code ?? '')) continue;
            const m = mapError(e, { operation: 'grant', diskName: 'd1' });
            assert.equal(m.code, 'Forbidden', `403 ${code ?? '(no code)'} shape ${i}`);
            assert.equal(m.message, 'You don\'t have permission to grant access to "d1".');
            assert.match(m.nextStep ?? '', /Disk Snapshot Contributor|role/i);
        }
    }
    const unauthorized: (string | undefined)[] = [undefined, 'InvalidAuthenticationToken', 'ExpiredAuthenticationToken', 'InvalidAuthenticationTokenTenant', 'AuthenticationFailed'];
    for (const code of unauthorized) {
        for (const [i, e] of shapes(401, code).entries()) {
            if (i >= 5 && !['InvalidAuthenticationToken', 'ExpiredAuthenticationToken', 'InvalidAuthenticationTokenTenant'].includes(code ?? '')) continue;
            const m = mapError(e);
            assert.equal(m.code, 'Unauthorized', `401 ${code ?? '(no code)'} shape ${i}`);
            assert.match(m.nextStep ?? '', /Sign In/);
        }
    }
    assert.equal(mapError(restError(403, undefined)).message, "You don't have permission to do this.");
    assert.equal(mapError(restError(403, 'RequestDisallowedByPolicy'), { operation: 'revoke', diskName: 'd2' }).message, 'You don\'t have permission to revoke access to "d2".');
    assert.equal(mapError(restError(403, 'RequestDisallowedByPolicy')).armCode, 'RequestDisallowedByPolicy', 'the ARM code is kept for the log');
    assert.equal(mapError(restError(403, undefined)).statusCode, 403);
});

test('a transfer engine error keeps its own code and words (not Unknown, so no stack in the log)', () => {
    const e = Object.assign(new Error('The storage service refused the request (HTTP 400 InvalidHeaderValue).'), { name: 'TransferError', code: 'Server' });
    const m = mapError(e);
    assert.equal(m.code, 'Server');
    assert.equal(m.message, 'The storage service refused the request (HTTP 400 InvalidHeaderValue).');
    assert.equal(mapError(Object.assign(new Error('x'), { name: 'TransferError', code: 'Cancelled' })).code, 'Cancelled');
});
