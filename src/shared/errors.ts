/** Turns Azure/SDK/network errors into plain words with a next step. Pure: no vscode import. */
import * as l10n from '@vscode/l10n';
import { parseRetryAfter } from './retryAfter';
import { scrubSecrets } from './secrets';

export type ErrorCode =
    | 'AttachedToRunningVm'
    | 'SasAlreadyActive'
    | 'GuestStateNotSupported'
    | 'SignInRequired'
    | 'Unauthorized'
    | 'Forbidden'
    | 'Throttled'
    | 'NotFound'
    | 'OperationFailed'
    | 'TimedOut'
    | 'Network'
    | 'CloudConfig'
    | 'Conflict'
    | 'Cancelled'
    | 'Unknown'
    // A failure our own code describes (a download's DiskFull, SasExpired, …): its code travels as is.
    | (string & {});

export interface ErrorContext {
    /** What was being done, for the message: 'grant', 'revoke', 'load', … */
    operation?: 'grant' | 'revoke' | 'load' | 'signIn' | 'get';
    diskName?: string;
    attachedVm?: string;
}

export interface MappedError {
    code: ErrorCode;
    /** Plain words, no secrets. */
    message: string;
    nextStep?: string;
    retryAfterSeconds?: number;
    statusCode?: number;
    /** The ARM error code, if any (safe for telemetry). */
    armCode?: string;
}

/** An error already carrying plain words (thrown by our own code). */
export class DiskError extends Error {
    constructor(readonly code: ErrorCode, message: string, readonly nextStep?: string) {
        super(message);
        this.name = 'DiskError';
    }
}

interface ErrorLike {
    name?: string;
    message?: string;
    code?: string;
    statusCode?: number;
    status?: number | string;
    details?: unknown;
    response?: { headers?: { get?(name: string): string | undefined } | Record<string, string>; bodyAsText?: string; status?: number };
    error?: { code?: string; message?: string };
    cause?: unknown;
}

const NETWORK_CODES = new Set(['ECONNREFUSED', 'ENOTFOUND', 'ETIMEDOUT', 'ECONNRESET', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH', 'EPIPE', 'REQUEST_SEND_ERROR', 'UND_ERR_CONNECT_TIMEOUT', 'UND_ERR_SOCKET']);

function header(e: ErrorLike, name: string): string | undefined {
    const h = e.response?.headers;
    if (!h) return undefined;
    if (typeof (h as { get?: unknown }).get === 'function') {
        return (h as { get(n: string): string | undefined }).get(name) ?? undefined;
    }
    const rec = h as Record<string, string>;
    const key = Object.keys(rec).find((k) => k.toLowerCase() === name);
    return key ? rec[key] : undefined;
}

/** The ARM error code and message: from RestError.code, `details.error`, or the response body. */
function armError(e: ErrorLike): { code?: string; message?: string } {
    const details = e.details as { error?: { code?: string; message?: string }; code?: string; message?: string } | undefined;
    if (details?.error?.code) return details.error;
    if (e.error?.code) return e.error;
    if (details?.code && typeof details.code === 'string') return { code: details.code, message: details.message };
    const body = e.response?.bodyAsText;
    if (body) {
        try {
            const parsed = JSON.parse(body) as { error?: { code?: string; message?: string } };
            if (parsed.error?.code) return parsed.error;
        } catch {
            // not JSON
        }
    }
    return { code: typeof e.code === 'string' && !NETWORK_CODES.has(e.code) ? e.code : undefined };
}

function statusOf(e: ErrorLike): number | undefined {
    const s = e.statusCode ?? (typeof e.status === 'string' ? Number(e.status) : e.status) ?? e.response?.status;
    return typeof s === 'number' && Number.isFinite(s) ? s : undefined;
}

function networkCode(e: unknown, depth = 0): string | undefined {
    if (!e || typeof e !== 'object' || depth > 4) return undefined;
    const x = e as ErrorLike;
    if (typeof x.code === 'string' && NETWORK_CODES.has(x.code)) return x.code;
    return networkCode(x.cause, depth + 1);
}

function roleHint(op: ErrorContext['operation']): string {
    if (op === 'grant' || op === 'revoke') {
        const action = op === 'grant' ? 'beginGetAccess' : 'endGetAccess';
        return l10n.t('Ask an owner of the subscription for a role that includes Microsoft.Compute/disks/{0}/action (and snapshots/{0}/action), such as "Disk Snapshot Contributor" or "Contributor".', action);
    }
    return l10n.t('Ask an owner of the subscription for a role that can read disks, such as "Reader".');
}

/** "Disk X is attached to running VM vm-1. Stop (deallocate) vm-1 first, then grant access." */
export function attachedToRunningVm(diskName: string | undefined, vm: string | undefined): DiskError {
    const who = diskName ? l10n.t('Disk {0}', diskName) : l10n.t('The disk');
    return vm
        ? new DiskError('AttachedToRunningVm', l10n.t('{0} is attached to running VM {1}.', who, vm), l10n.t('Stop (deallocate) {0} first, then grant access.', vm))
        : new DiskError('AttachedToRunningVm', l10n.t('{0} is attached to a running VM.', who), l10n.t('Stop (deallocate) the VM first, then grant access.'));
}

export function mapError(err: unknown, ctx: ErrorContext = {}): MappedError {
    const disk = ctx.diskName ? `"${ctx.diskName}"` : l10n.t('The disk');
    const target = ctx.diskName ? `"${ctx.diskName}"` : l10n.t('the disk');
    if (err instanceof DiskError) {
        return { code: err.code, message: scrubSecrets(err.message), nextStep: err.nextStep };
    }
    // Something thrown without words (an empty object, undefined) gets the generic message, not "[object Object]".
    const e: ErrorLike = err && typeof err === 'object' ? (err as ErrorLike) : { message: err === undefined || err === null ? '' : String(err) };
    const name = e.name ?? '';
    const rawMessage = scrubSecrets(String(e.message ?? ''));
    const status = statusOf(e);
    const arm = armError(e);
    const armMessage = scrubSecrets(arm.message ?? rawMessage);
    const base = { statusCode: status, armCode: arm.code };

    // The transfer engines' errors carry their own code (Server, Network, SasExpired, …) and plain words.
    if (name === 'TransferError' && typeof e.code === 'string') {
        return { ...base, code: e.code, message: e.code === 'Cancelled' ? l10n.t('The operation was cancelled.') : rawMessage };
    }
    if (name === 'AbortError' || name === 'CancellationError' || name === 'UserCancelledError') {
        return { ...base, code: 'Cancelled', message: l10n.t('The operation was cancelled.') };
    }
    if (name === 'CloudConfigError') {
        return { ...base, code: 'CloudConfig', message: rawMessage, nextStep: l10n.t('Fix the setting, then run "Azure Disks: Sign In" again.') };
    }
    if (name === 'CredentialUnavailableError' || name === 'AuthenticationRequiredError' || name === 'AuthenticationError' || name === 'SignInRequiredError') {
        return { ...base, code: 'SignInRequired', message: l10n.t('Could not sign in to Azure: {0}', rawMessage), nextStep: l10n.t('Run "Azure Disks: Sign In" (or "az login" when the Azure CLI is used), then try again.') };
    }
    if (/GetSecureVMGuestStateSAS/i.test(armMessage)) {
        return { ...base, code: 'GuestStateNotSupported', message: l10n.t('{0} has no security profile, so it has no VM guest state to share.', disk), nextStep: l10n.t('Grant access again without the VM guest state SAS.') };
    }
    if (/attached to (a |the )?(running )?(VM|virtual machine)|currently attached|is attached to/i.test(armMessage)) {
        const a = attachedToRunningVm(ctx.diskName, ctx.attachedVm);
        return { ...base, code: a.code, message: a.message, nextStep: a.nextStep };
    }
    if (/ActiveSAS|active SAS|already (has )?(an )?active (shared access|SAS)|shared access signature .*(outstanding|active)/i.test(armMessage)) {
        return { ...base, code: 'SasAlreadyActive', message: l10n.t('{0} already has an active SAS.', disk), nextStep: l10n.t('Show the access you have, or revoke it and grant again.') };
    }
    if (status === 429 || arm.code === 'TooManyRequests' || /throttl/i.test(arm.code ?? '')) {
        const ms = parseRetryAfter(header(e, 'retry-after'));
        const seconds = ms === undefined ? undefined : Math.ceil(ms / 1000);
        return {
            ...base,
            code: 'Throttled',
            retryAfterSeconds: seconds,
            message: seconds !== undefined ? l10n.t('Azure is throttling requests; try again in {0} s.', seconds) : l10n.t('Azure is throttling requests; try again in a minute.'),
        };
    }
    if (status === 401 || arm.code === 'InvalidAuthenticationToken' || arm.code === 'ExpiredAuthenticationToken' || arm.code === 'InvalidAuthenticationTokenTenant') {
        return { ...base, code: 'Unauthorized', message: l10n.t('Azure did not accept the sign-in token (it may be for another tenant or have expired).'), nextStep: l10n.t('Run "Azure Disks: Sign In" again, then retry.') };
    }
    if (status === 403 || arm.code === 'AuthorizationFailed' || arm.code === 'LinkedAuthorizationFailed') {
        const message =
            ctx.operation === 'grant'
                ? l10n.t("You don't have permission to grant access to {0}.", target)
                : ctx.operation === 'revoke'
                  ? l10n.t("You don't have permission to revoke access to {0}.", target)
                  : l10n.t("You don't have permission to do this.");
        return { ...base, code: 'Forbidden', message, nextStep: roleHint(ctx.operation) };
    }
    if (status === 404 || arm.code === 'ResourceNotFound' || arm.code === 'ResourceGroupNotFound' || arm.code === 'NotFound' || arm.code === 'SubscriptionNotFound') {
        return { ...base, code: 'NotFound', message: l10n.t('{0} was not found; it may have been deleted or moved.', ctx.diskName ? disk : l10n.t('The resource')), nextStep: l10n.t('Refresh the Azure Managed Disks view.') };
    }
    if (status === 409 || arm.code === 'Conflict' || arm.code === 'OperationNotAllowed') {
        return { ...base, code: 'Conflict', message: l10n.t('Azure refused the operation: {0}', armMessage), nextStep: l10n.t("Check the disk's state in the view (Refresh), then try again.") };
    }
    if (/long-running operation has failed|operation (has )?failed|provisioningState.*Failed/i.test(rawMessage) || name === 'PollerFailedError') {
        return { ...base, code: 'OperationFailed', message: l10n.t('Azure reported that the operation failed: {0}', armMessage), nextStep: l10n.t("Refresh the view to see the disk's state, then try again.") };
    }
    const net = networkCode(err);
    if (net || /fetch failed|socket hang up|network/i.test(rawMessage)) {
        return { ...base, code: 'Network', message: l10n.t('Could not reach Azure ({0}).', net ?? l10n.t('network error')), nextStep: l10n.t('Check your network connection (and proxy settings), then try again.') };
    }
    return { ...base, code: 'Unknown', message: armMessage || l10n.t('An unexpected error occurred.'), nextStep: l10n.t('See the log for details.') };
}

/** One line for a toast: message plus next step. */
export function formatMapped(m: MappedError): string {
    return m.nextStep ? `${m.message} ${m.nextStep}` : m.message;
}
