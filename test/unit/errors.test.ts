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

test('every branch says its own words and next step', () => {
    const cases: [unknown, object, string, string][] = [
        [Object.assign(new Error('x'), { name: 'CancellationError' }), {}, 'Cancelled', 'The operation was cancelled.'],
        [Object.assign(new Error('x'), { name: 'UserCancelledError' }), {}, 'Cancelled', 'The operation was cancelled.'],
        [Object.assign(new Error('no tokens'), { name: 'AuthenticationRequiredError' }), {}, 'SignInRequired', 'Could not sign in to Azure: no tokens Run "Azure Disks: Sign In" (or "az login" when the Azure CLI is used), then try again.'],
        [Object.assign(new Error('bad secret'), { name: 'AuthenticationError' }), {}, 'SignInRequired', 'Could not sign in to Azure: bad secret Run "Azure Disks: Sign In" (or "az login" when the Azure CLI is used), then try again.'],
        [Object.assign(new Error('expired'), { name: 'SignInRequiredError' }), {}, 'SignInRequired', 'Could not sign in to Azure: expired Run "Azure Disks: Sign In" (or "az login" when the Azure CLI is used), then try again.'],
        [Object.assign(new Error('bad url'), { name: 'CloudConfigError' }), {}, 'CloudConfig', 'bad url Fix the setting, then run "Azure Disks: Sign In" again.'],
        [restError(409, 'OperationNotAllowed', 'Disk d1 is attached to a virtual machine'), { diskName: 'd1' }, 'AttachedToRunningVm', 'Disk d1 is attached to a running VM. Stop (deallocate) the VM first, then grant access.'],
        [restError(409, 'Conflict', 'The disk already has an active shared access signature'), { diskName: 'd1' }, 'SasAlreadyActive', '"d1" already has an active SAS. Show the access you have, or revoke it and grant again.'],
        [restError(409, 'Conflict', 'A shared access signature is still outstanding'), {}, 'SasAlreadyActive', 'The disk already has an active SAS. Show the access you have, or revoke it and grant again.'],
        [restError(409, 'Conflict', 'already active SAS'), {}, 'SasAlreadyActive', 'The disk already has an active SAS. Show the access you have, or revoke it and grant again.'],
        [restError(409, 'Conflict', 'The disk is being resized'), {}, 'Conflict', 'Azure refused the operation: The disk is being resized Check the disk\'s state in the view (Refresh), then try again.'],
        [restError(400, 'OperationNotAllowed', 'Not now'), {}, 'Conflict', 'Azure refused the operation: Not now Check the disk\'s state in the view (Refresh), then try again.'],
        [restError(400, 'Conflict', 'Not now'), {}, 'Conflict', 'Azure refused the operation: Not now Check the disk\'s state in the view (Refresh), then try again.'],
        [{ message: 'busy', statusCode: 409 }, {}, 'Conflict', 'Azure refused the operation: busy Check the disk\'s state in the view (Refresh), then try again.'],
        [restError(404, 'ResourceNotFound'), {}, 'NotFound', 'The resource was not found; it may have been deleted or moved. Refresh the Azure Managed Disks view.'],
        [restError(400, 'ResourceGroupNotFound'), { diskName: 'd1' }, 'NotFound', '"d1" was not found; it may have been deleted or moved. Refresh the Azure Managed Disks view.'],
        [restError(400, 'NotFound'), {}, 'NotFound', 'The resource was not found; it may have been deleted or moved. Refresh the Azure Managed Disks view.'],
        [restError(400, 'SubscriptionNotFound'), {}, 'NotFound', 'The resource was not found; it may have been deleted or moved. Refresh the Azure Managed Disks view.'],
        [{ message: 'gone', code: 'ResourceNotFound' }, {}, 'NotFound', 'The resource was not found; it may have been deleted or moved. Refresh the Azure Managed Disks view.'],
        [restError(400, 'ThrottledRequests'), {}, 'Throttled', 'Azure is throttling requests; try again in a minute.'],
        [{ message: 'slow', code: 'TooManyRequests' }, {}, 'Throttled', 'Azure is throttling requests; try again in a minute.'],
        [restError(403, 'AuthorizationFailed'), { operation: 'load' }, 'Forbidden', 'You don\'t have permission to do this. Ask an owner of the subscription for a role that can read disks, such as "Reader".'],
        [restError(401, undefined), {}, 'Unauthorized', 'Azure did not accept the sign-in token (it may be for another tenant or have expired). Run "Azure Disks: Sign In" again, then retry.'],
        [new Error('Operation has failed: provisioningState is Failed'), {}, 'OperationFailed', 'Azure reported that the operation failed: Operation has failed: provisioningState is Failed Refresh the view to see the disk\'s state, then try again.'],
        [new Error('The operation failed'), {}, 'OperationFailed', 'Azure reported that the operation failed: The operation failed Refresh the view to see the disk\'s state, then try again.'],
        [Object.assign(new Error('stopped'), { name: 'PollerFailedError' }), {}, 'OperationFailed', 'Azure reported that the operation failed: stopped Refresh the view to see the disk\'s state, then try again.'],
        [new Error('fetch failed'), {}, 'Network', 'Could not reach Azure (network error). Check your network connection (and proxy settings), then try again.'],
        [new Error('socket hang up'), {}, 'Network', 'Could not reach Azure (network error). Check your network connection (and proxy settings), then try again.'],
        [restError(500, 'InternalError', 'Something broke'), {}, 'Unknown', 'Something broke See the log for details.'],
        [{}, {}, 'Unknown', 'An unexpected error occurred. See the log for details.'],
        ['a thrown string', {}, 'Unknown', 'a thrown string See the log for details.'],
        [undefined, {}, 'Unknown', 'An unexpected error occurred. See the log for details.'],
    ];
    for (const [err, ctx, code, text] of cases) {
        const m = mapError(err, ctx);
        assert.equal(m.code, code, `${text}: code`);
        assert.equal(formatMapped(m), text);
    }
    assert.equal(new DiskError('Conflict', 'x').name, 'DiskError', 'the log names our own errors');
    assert.equal(formatMapped({ code: 'Unknown', message: 'only words' }), 'only words');
    assert.equal(mapError(new DiskError('Conflict', 'no next step')).nextStep, undefined);
});

test('every network error code of node and undici is a network failure that names the code', () => {
    for (const code of ['ECONNREFUSED', 'ENOTFOUND', 'ETIMEDOUT', 'ECONNRESET', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH', 'EPIPE', 'REQUEST_SEND_ERROR', 'UND_ERR_CONNECT_TIMEOUT', 'UND_ERR_SOCKET']) {
        const m = mapError(Object.assign(new Error('request to storage'), { code }));
        assert.equal(m.code, 'Network', code);
        assert.equal(m.message, `Could not reach Azure (${code}).`);
        assert.equal(m.armCode, undefined, `${code} is not an ARM code`);
    }
    // Four causes deep is still found; a cause chain deeper than that is not followed.
    let e: object = Object.assign(new Error('root'), { code: 'ECONNRESET' });
    for (let i = 0; i < 4; i++) e = Object.assign(new Error(`wrap ${i}`), { cause: e });
    assert.equal(mapError(e).message, 'Could not reach Azure (ECONNRESET).');
    e = Object.assign(new Error('wrap 5'), { cause: e });
    assert.equal(mapError(e).code, 'Unknown');
    // A cause that is not an object ends the chain.
    assert.equal(mapError(Object.assign(new Error('plain'), { cause: 'ECONNRESET' })).code, 'Unknown');
    assert.equal(mapError(Object.assign(new Error('odd'), { code: 42 })).armCode, undefined);
});

test('where the ARM code and words come from, and the Retry-After of every header shape', () => {
    const fromDetails = mapError({ message: 'outer words', statusCode: 409, details: { error: { code: 'Conflict', message: 'inner words' } } });
    assert.equal(fromDetails.armCode, 'Conflict');
    assert.equal(fromDetails.message, 'Azure refused the operation: inner words');
    const fromError = mapError({ message: 'outer words', statusCode: 409, error: { code: 'Conflict', message: 'error words' } });
    assert.equal(fromError.message, 'Azure refused the operation: error words');
    const fromFlatDetails = mapError({ message: 'outer words', statusCode: 409, details: { code: 'Conflict', message: 'flat words' } });
    assert.equal(fromFlatDetails.message, 'Azure refused the operation: flat words');
    // A numeric code in the details is not an ARM code.
    assert.equal(mapError({ message: 'x', statusCode: 500, details: { code: 500 }, code: 'InternalError' }).armCode, 'InternalError');
    const fromBody = mapError({ message: 'outer words', statusCode: 409, response: { bodyAsText: JSON.stringify({ error: { code: 'Conflict', message: 'body words' } }) } });
    assert.equal(fromBody.message, 'Azure refused the operation: body words');
    assert.equal(fromBody.armCode, 'Conflict');
    // A body whose error has no code is not an ARM error: the RestError's own code is kept.
    const noCode = mapError({ message: 'outer words', statusCode: 409, code: 'Conflict', response: { bodyAsText: JSON.stringify({ error: { message: 'no code' } }) } });
    assert.equal(noCode.message, 'Azure refused the operation: outer words');
    assert.equal(mapError({ message: 'x', statusCode: 500, code: 'InternalError', response: { bodyAsText: '{}' } }).armCode, 'InternalError');
    assert.equal(mapError({ message: 'x', statusCode: 500, response: { bodyAsText: 'not json' } }).code, 'Unknown');
    // Status from a string, from the response, or none.
    assert.equal(mapError({ message: 'x', status: '404' }).statusCode, 404);
    assert.equal(mapError({ message: 'x', response: { status: 404 } }).statusCode, 404);
    assert.equal(mapError({ message: 'x', status: 'abc' }).statusCode, undefined);
    // Retry-After from headers with get(), from a plain record in any case, or no headers at all.
    assert.equal(mapError({ message: 'x', statusCode: 429, response: { headers: { get: (n: string) => (n === 'retry-after' ? '9' : undefined) } } }).retryAfterSeconds, 9);
    assert.equal(mapError({ message: 'x', statusCode: 429, response: { headers: { 'Retry-After': '5' } } }).retryAfterSeconds, 5);
    assert.equal(mapError({ message: 'x', statusCode: 429, response: { headers: { 'x-other': '5' } } }).retryAfterSeconds, undefined);
    assert.equal(mapError({ message: 'x', statusCode: 429, response: {} }).retryAfterSeconds, undefined);
    assert.equal(mapError({ message: 'x', statusCode: 429 }).message, 'Azure is throttling requests; try again in a minute.');
    assert.equal(mapError({ message: 'x', statusCode: 429, response: { headers: { get: () => undefined } } }).retryAfterSeconds, undefined);
});

test('a transfer error keeps its code only when it has one; the words of a revoke and an attached disk with its VM', () => {
    assert.equal(mapError(Object.assign(new Error('fetch failed'), { name: 'TransferError' })).code, 'Network', 'no code: mapped like any error');
    assert.equal(mapError(Object.assign(new Error('x'), { name: 'TransferError', code: 'Cancelled' })).message, 'The operation was cancelled.');
    const r = mapError(restError(403, 'AuthorizationFailed'), { operation: 'revoke', diskName: 'd1' });
    assert.equal(formatMapped(r), 'You don\'t have permission to revoke access to "d1". Ask an owner of the subscription for a role that includes Microsoft.Compute/disks/endGetAccess/action (and snapshots/endGetAccess/action), such as "Disk Snapshot Contributor" or "Contributor".');
    assert.equal(formatMapped(mapError(restError(403, 'AuthorizationFailed'), { operation: 'grant' })), 'You don\'t have permission to grant access to the disk. Ask an owner of the subscription for a role that includes Microsoft.Compute/disks/beginGetAccess/action (and snapshots/beginGetAccess/action), such as "Disk Snapshot Contributor" or "Contributor".');
    assert.equal(formatMapped(attachedToRunningVm(undefined, undefined)), 'The disk is attached to a running VM. Stop (deallocate) the VM first, then grant access.');
    assert.equal(formatMapped(mapError(restError(409, 'OperationNotAllowed', 'Disk is attached to the running VM x'), { attachedVm: 'vm-1' })), 'The disk is attached to running VM vm-1. Stop (deallocate) vm-1 first, then grant access.');
    assert.equal(mapError(restError(409, 'OperationNotAllowed', 'disk currently attached'), { diskName: 'd1' }).message, 'Disk d1 is attached to a running VM.');
});
