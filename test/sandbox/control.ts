/**
 * The control endpoint (/sandbox/… on the ARM port, loopback only, no token) and its typed client.
 * Tests arm faults, read request logs and the secrets the sandbox issued, and get tokens (the `az`
 * stand-in uses /sandbox/token).
 */
import type * as http from 'node:http';
import type { ArmFault, LroFault, StorageFault } from './faults';
import type { RequestLogSnapshot } from './requestLog';

export interface TokenRequest {
    tenantId?: string;
    /** Resource (audience); default the management resource. */
    resource?: string;
    lifetimeSeconds?: number;
}

export interface TokenResponse {
    accessToken: string;
    /** Unix seconds. */
    expiresOn: number;
    tenantId: string;
}

export interface IssuedSecrets {
    /** Every SAS `sig` value handed out, as it appears decoded in the query. */
    sasSignatures: string[];
    /** The same signatures as they appear inside a URL (percent-encoded). */
    sasSignaturesEncoded: string[];
    /** Every bearer token issued (management and disk audience). */
    bearerTokens: string[];
    /** Shared keys of the seeded storage accounts (what listKeys hands out). */
    storageAccountKeys: string[];
}

export interface RequestLogs {
    arm: RequestLogSnapshot;
    storage: RequestLogSnapshot;
}

/** What the control endpoint does; implemented in index.ts. */
export interface ControlBackend {
    token(req: TokenRequest): TokenResponse;
    managedIdentityToken(req: { resource: string; apiVersion: string; header: string }): { status: number; body: unknown };
    armFault(rule: ArmFault): void;
    lroFault(rule: LroFault): void;
    storageFault(rule: StorageFault): void;
    setTokenLifetime(seconds: number): void;
    setLro(opts: { polls?: number; retryAfterSeconds?: number }): void;
    reset(opts: { state?: boolean }): void;
    logs(): RequestLogs;
    clearLogs(): void;
    secrets(): IssuedSecrets;
    tokenUses(): Record<string, number>;
    diskState(id: string): string | undefined;
    copyFromUrl(opts: CopyFromUrlSwitch): void;
    diskDataRole(opts: { oid?: string; granted: boolean }): void;
    /** The SAS handed out for a disk stop working now, as at their expiry; false when it has none out. */
    expireSas(id: string): boolean;
    /** A Premium SSD v2 / Ultra snapshot's snapshotAccessState: `state` now, or InstantAccess ending after `seconds`. */
    snapshotAccess(opts: { id: string; state: string; seconds?: number }): void;
}

/** Put Page From URL: `refuse: true` makes the storage refuse it (status/code/message, default 403 CannotVerifyCopySource). */
export interface CopyFromUrlSwitch {
    refuse: boolean;
    status?: number;
    code?: string;
    message?: string;
}

export function controlHandler(backend: ControlBackend): (req: http.IncomingMessage, body: Buffer, res: http.ServerResponse) => void {
    return (req, raw, res) => {
        const url = new URL(req.url ?? '/', 'http://127.0.0.1');
        const what = url.pathname.toLowerCase().replace(/^\/sandbox\//, '');
        const reply = (status: number, body?: unknown) => {
            const text = body === undefined ? '' : JSON.stringify(body);
            res.writeHead(status, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(text), 'Cache-Control': 'no-store' });
            res.end(text);
        };
        let input: Record<string, unknown> = {};
        try {
            if (raw.length) input = JSON.parse(raw.toString('utf8')) as Record<string, unknown>;
        } catch {
            return reply(400, { error: 'body is not JSON' });
        }
        try {
            switch (`${req.method} ${what}`) {
                case 'POST token': return reply(200, backend.token(input as TokenRequest));
                // The App Service managed-identity endpoint (IDENTITY_ENDPOINT / IDENTITY_HEADER, api-version 2019-08-01).
                case 'GET msi/token': {
                    const r = backend.managedIdentityToken({ resource: url.searchParams.get('resource') ?? '', apiVersion: url.searchParams.get('api-version') ?? '', header: String(req.headers['x-identity-header'] ?? '') });
                    return reply(r.status, r.body);
                }
                case 'POST faults/arm': backend.armFault(input as unknown as ArmFault); return reply(204);
                case 'POST faults/lro': backend.lroFault(input as unknown as LroFault); return reply(204);
                case 'POST faults/storage': backend.storageFault(input as unknown as StorageFault); return reply(204);
                case 'POST token-lifetime': backend.setTokenLifetime(Number(input.seconds)); return reply(204);
                case 'POST lro': backend.setLro(input as { polls?: number; retryAfterSeconds?: number }); return reply(204);
                case 'POST reset': backend.reset({ state: input.state === true }); return reply(204);
                case 'GET log': return reply(200, backend.logs());
                case 'POST log/clear': backend.clearLogs(); return reply(204);
                case 'GET secrets': return reply(200, backend.secrets());
                case 'GET token-uses': return reply(200, backend.tokenUses());
                case 'POST disk-data-role': backend.diskDataRole({ oid: input.oid as string | undefined, granted: input.granted === true }); return reply(204);
                case 'POST expire-sas': return backend.expireSas(String(input.id ?? '')) ? reply(204) : reply(404, { error: 'no SAS out for that resource' });
                case 'POST snapshot-access': backend.snapshotAccess({ id: String(input.id ?? ''), state: String(input.state ?? ''), seconds: typeof input.seconds === 'number' ? input.seconds : undefined }); return reply(204);
                case 'POST storage/copy-from-url': backend.copyFromUrl(input as unknown as CopyFromUrlSwitch); return reply(204);
                case 'GET disk-state': {
                    const state = backend.diskState(url.searchParams.get('id') ?? '');
                    return state === undefined ? reply(404, { error: 'no such resource' }) : reply(200, { diskState: state });
                }
                default: return reply(404, { error: `unknown control request ${req.method} /sandbox/${what}` });
            }
        } catch (e) {
            return reply(400, { error: (e as Error).message });
        }
    };
}

/** Typed client of the control endpoint, for tests and scripts in other processes. */
export class SandboxControl {
    constructor(readonly endpoint: string) {}

    private async call<T>(method: 'GET' | 'POST', what: string, body?: unknown): Promise<T> {
        const res = await fetch(`${this.endpoint}/${what}`, {
            method,
            headers: body === undefined ? undefined : { 'Content-Type': 'application/json' },
            body: body === undefined ? undefined : JSON.stringify(body),
        });
        const text = await res.text();
        if (!res.ok) throw new Error(`Sandbox control ${what} failed: ${res.status} ${text}`);
        return (text ? JSON.parse(text) : undefined) as T;
    }

    /** The next `count` (default 1) requests matching method + path regex answer `status`. */
    armFault(rule: ArmFault): Promise<void> { return this.call('POST', 'faults/arm', rule); }
    /** The next grant/revoke whose path matches ends Failed or never finishes. */
    lroFault(rule: LroFault): Promise<void> { return this.call('POST', 'faults/lro', rule); }
    /** The next storage requests matching blob regex (GET by default) are cut, truncated, delayed or refused. */
    storageFault(rule: StorageFault): Promise<void> { return this.call('POST', 'faults/storage', rule); }
    /** Lifetime of tokens issued from now on (e.g. 5 for expiry tests). */
    setTokenLifetime(seconds: number): Promise<void> { return this.call('POST', 'token-lifetime', { seconds }); }
    /** Polls answered "not yet" and Retry-After for operations started from now on. */
    setLro(opts: { polls?: number; retryAfterSeconds?: number }): Promise<void> { return this.call('POST', 'lro', opts); }
    /** Makes Put Page From URL refuse (a service that will not copy server-side), or work again. */
    copyFromUrl(opts: CopyFromUrlSwitch): Promise<void> { return this.call('POST', 'storage/copy-from-url', opts); }
    /**
     * Grants or takes away the "Data Operator for Managed Disks" role (default principal: the
     * sandbox user) for Entra-protected disks; without it their blob requests get 403.
     */
    diskDataRole(opts: { oid?: string; granted: boolean }): Promise<void> { return this.call('POST', 'disk-data-role', opts); }
    expireSas(id: string): Promise<void> { return this.call('POST', 'expire-sas', { id }); }
    /** Sets a Premium SSD v2 / Ultra snapshot's snapshotAccessState (with `seconds`: InstantAccess that ends by itself). */
    snapshotAccess(id: string, state: 'InstantAccess' | 'Available' | 'AvailableWithInstantAccess' | 'Pending', seconds?: number): Promise<void> { return this.call('POST', 'snapshot-access', { id, state, seconds }); }
    token(req: TokenRequest = {}): Promise<TokenResponse> { return this.call('POST', 'token', req); }
    /** Clears faults and logs; with `state`, also puts every disk back in its seeded state. */
    reset(opts: { state?: boolean } = {}): Promise<void> { return this.call('POST', 'reset', opts); }
    requestLog(): Promise<RequestLogs> { return this.call('GET', 'log'); }
    clearLog(): Promise<void> { return this.call('POST', 'log/clear', {}); }
    issuedSecrets(): Promise<IssuedSecrets> { return this.call('GET', 'secrets'); }
    /** Requests (ARM and disk data plane) that presented each bearer token, by tokenFingerprint. */
    tokenUses(): Promise<Record<string, number>> { return this.call('GET', 'token-uses'); }
    async diskState(id: string): Promise<string> {
        return (await this.call<{ diskState: string }>('GET', `disk-state?id=${encodeURIComponent(id)}`)).diskState;
    }
}
