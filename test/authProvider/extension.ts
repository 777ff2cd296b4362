/**
 * A test-only VS Code extension: the `microsoft` and `microsoft-sovereign-cloud` authentication
 * providers, backed by the sandbox's token issuer over loopback HTTP. The workbench itself asks the
 * user before a session is created (its "wants to sign in" dialog); this provider then issues real,
 * expiring tokens the sandbox ARM checks. A session is per scope set (and tenant, from
 * `VSCODE_TENANT:<id>`); an expired token is replaced on the next getSessions, with a change event.
 * As VS Code's own Microsoft account keeps MSAL's cache across window reloads, the provider keeps
 * its sessions (ids, scopes, tenant; never a token) in the extension's global state and, after a
 * reload, hands each out again with a fresh token, without asking: a reload does not sign anyone out.
 * (Global state, not the secret storage: code-server's web workbench may keep secrets in memory only,
 * and nothing kept here is secret.)
 *
 * Environment (set by the host tier, UI tier and demo):
 *   AZURE_DISKS_AUTH_TOKEN_URL   the sandbox's POST /sandbox/token address (loopback only)
 *   AZURE_DISKS_AUTH_RESOURCES   comma-separated resources (audiences) the account may get tokens for
 * Commands for tests: sandboxAuth.state (requests, sessions; never tokens), sandboxAuth.addAccount
 * and sandboxAuth.signOut (add and remove sessions as the Accounts menu does).
 */
import * as crypto from 'node:crypto';
import * as vscode from 'vscode';

export const PROVIDERS = ['microsoft', 'microsoft-sovereign-cloud'] as const;
export const ACCOUNT = { id: '0f1e2d3c-4b5a-4968-8776-a5b4c3d2e1f0', label: 'sandbox.user@contoso-sandbox.example' };
const TENANT_PREFIX = 'VSCODE_TENANT:';
/** A token this close to its expiry is renewed rather than handed out. */
const RENEW_MARGIN_S = 2;

interface Held {
    session: vscode.AuthenticationSession;
    expiresOn: number;
    /** The tenant the token is for (the account's home tenant when the scopes named none). */
    tenantId: string;
    homeTenant: boolean;
}

const tenantOf = (scopes: readonly string[]) => scopes.find((s) => s.startsWith(TENANT_PREFIX))?.slice(TENANT_PREFIX.length);

export interface ProviderRequest {
    providerId: string;
    kind: 'getSessions' | 'createSession' | 'removeSession';
    scopes: string[];
    /** For getSessions: how many sessions were returned; for createSession: the outcome. */
    result: string;
}

export interface ProviderState {
    requests: ProviderRequest[];
    sessions: { providerId: string; id: string; scopes: string[]; tenantId?: string; expiresOn: number; tokenFingerprint: string }[];
}

/** What tests compare with the sandbox's per-token request counts; never the token itself. */
export function fingerprint(token: string): string {
    return crypto.createHash('sha256').update(token).digest('hex').slice(0, 16);
}

const key = (scopes: readonly string[]) => [...scopes].sort().join(' ');

/** What survives a reload of one session: enough to issue it a new token, no token. */
interface Kept {
    id: string;
    scopes: string[];
    tenantId: string;
    homeTenant: boolean;
}

/** Where the provider keeps its sessions across reloads. */
export interface SessionStore {
    get(key: string): Thenable<string | undefined>;
    store(key: string, value: string): Thenable<void>;
}

function globalStore(state: vscode.Memento): SessionStore {
    return { get: async (k) => state.get<string>(k), store: (k, v) => state.update(k, v) };
}

const storeKey = (providerId: string) => `sandboxAuth.sessions.${providerId}`;

function tokenUrl(): string {
    const raw = process.env.AZURE_DISKS_AUTH_TOKEN_URL;
    if (!raw) throw new Error('AZURE_DISKS_AUTH_TOKEN_URL is not set: the sandbox account has no token issuer.');
    const url = new URL(raw);
    if (url.hostname !== '127.0.0.1' && url.hostname !== 'localhost') throw new Error('The sandbox token issuer must be on 127.0.0.1.');
    return url.toString();
}

function allowedResources(): string[] {
    return (process.env.AZURE_DISKS_AUTH_RESOURCES ?? '').split(',').map((s) => s.trim().replace(/\/+$/, '')).filter(Boolean);
}

class SandboxProvider implements vscode.AuthenticationProvider {
    private readonly emitter = new vscode.EventEmitter<vscode.AuthenticationProviderAuthenticationSessionsChangeEvent>();
    readonly onDidChangeSessions = this.emitter.event;
    readonly held = new Map<string, Held>();
    /** The sessions kept from before a reload are in `held` (their tokens expired) once this settles. */
    private readonly restored: Promise<void>;
    private saving: Promise<void> = Promise.resolve();

    constructor(
        readonly id: string,
        private readonly log: ProviderRequest[],
        private readonly store: SessionStore,
    ) {
        this.restored = this.restore();
    }

    private async restore(): Promise<void> {
        let kept: Kept[] = [];
        try {
            kept = JSON.parse((await this.store.get(storeKey(this.id))) ?? '[]') as Kept[];
        } catch {
            // unreadable: nobody is signed in
        }
        for (const k of kept) {
            // Expired on arrival: the first getSessions issues its token, as MSAL does with its refresh token.
            const session = { id: k.id, accessToken: '', account: { ...ACCOUNT }, scopes: [...k.scopes] };
            this.held.set(key(k.scopes), { session, expiresOn: 0, tenantId: k.tenantId, homeTenant: k.homeTenant });
        }
    }

    /** Writes the sessions held now, one write after another. */
    private persist(): void {
        const kept: Kept[] = [...this.held.values()].map((h) => ({ id: h.session.id, scopes: [...h.session.scopes], tenantId: h.tenantId, homeTenant: h.homeTenant }));
        this.saving = this.saving.then(() => this.store.store(storeKey(this.id), JSON.stringify(kept))).catch(() => undefined);
    }

    async getSessions(scopes: readonly string[] | undefined): Promise<vscode.AuthenticationSession[]> {
        await this.restored;
        const list = [...this.held.entries()].filter(([k]) => !scopes || k === key(scopes));
        const out: vscode.AuthenticationSession[] = [];
        for (const [k, h] of list) {
            if (h.expiresOn - RENEW_MARGIN_S <= Date.now() / 1000) {
                // As MSAL does with its refresh token: a fresh access token, no prompt, a change event.
                const fresh = await this.issue(h.session.scopes, h.session.id, h.homeTenant ? undefined : h.tenantId).catch((e: unknown) => {
                    // A session kept from before a reload that the issuer no longer accepts is signed out, as an expired refresh token is.
                    if (h.session.accessToken) throw e;
                });
                if (!fresh) {
                    this.held.delete(k);
                    this.persist();
                    this.emitter.fire({ added: [], removed: [h.session], changed: [] });
                    continue;
                }
                this.held.set(k, fresh);
                // A session restored after a reload had no token anyone saw yet: nothing changed for them.
                if (h.session.accessToken) this.emitter.fire({ added: [], removed: [], changed: [fresh.session] });
                out.push(fresh.session);
            } else {
                out.push(h.session);
            }
        }
        if (scopes && !out.length) {
            // As MSAL does silently: another resource in a tenant the account already signed in to.
            // A tenant of its own (another directory) needs its own sign-in: createSession.
            const wanted = tenantOf(scopes);
            const same = [...this.held.values()].find((h) => (wanted === undefined ? h.homeTenant : h.tenantId === wanted));
            // A resource the account cannot get tokens for: no session, as silent MSAL would answer.
            const fresh = same ? await this.issue(scopes, crypto.randomUUID(), same.tenantId).catch(() => undefined) : undefined;
            if (fresh) {
                this.held.set(key(scopes), fresh);
                this.persist();
                this.emitter.fire({ added: [fresh.session], removed: [], changed: [] });
                out.push(fresh.session);
            }
        }
        this.log.push({ providerId: this.id, kind: 'getSessions', scopes: [...(scopes ?? [])], result: String(out.length) });
        return out;
    }

    async createSession(scopes: readonly string[]): Promise<vscode.AuthenticationSession> {
        await this.restored;
        try {
            const h = await this.issue(scopes, crypto.randomUUID());
            this.held.set(key(scopes), h);
            this.persist();
            this.log.push({ providerId: this.id, kind: 'createSession', scopes: [...scopes], result: 'created' });
            this.emitter.fire({ added: [h.session], removed: [], changed: [] });
            return h.session;
        } catch (e) {
            this.log.push({ providerId: this.id, kind: 'createSession', scopes: [...scopes], result: `refused: ${(e as Error).message}` });
            throw e;
        }
    }

    async removeSession(sessionId: string): Promise<void> {
        await this.restored;
        for (const [k, h] of this.held) {
            if (h.session.id !== sessionId) continue;
            this.held.delete(k);
            this.persist();
            this.log.push({ providerId: this.id, kind: 'removeSession', scopes: [...h.session.scopes], result: 'removed' });
            this.emitter.fire({ added: [], removed: [h.session], changed: [] });
        }
    }

    private async issue(scopes: readonly string[], id: string, tenant = tenantOf(scopes)): Promise<Held> {
        if (this.id === 'microsoft-sovereign-cloud') {
            // The built-in provider needs to know which sovereign cloud it signs in to.
            const env = vscode.workspace.getConfiguration('microsoft-sovereign-cloud').get<string>('environment');
            if (!env) throw new Error('No sovereign cloud is configured: set microsoft-sovereign-cloud.environment.');
        }
        const tenantId = tenant;
        const resourceScope = scopes.find((s) => !s.startsWith('VSCODE_') && s !== 'offline_access' && s !== 'openid' && s !== 'profile');
        const resource = resourceScope?.replace(/\/\.default$/, '').replace(/\/+$/, '');
        if (!resource || !allowedResources().includes(resource)) {
            throw new Error(`The sandbox account signs in only to ${allowedResources().join(', ')}, not ${resource ?? '(no resource)'}.`);
        }
        const res = await fetch(tokenUrl(), { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ tenantId, resource: `${resource}/` }) });
        if (!res.ok) {
            const text = await res.text();
            throw new Error(/unknown tenant/.test(text) ? `${ACCOUNT.label} cannot sign in to tenant ${tenantId}: the account is not a member of it.` : `The sandbox refused a token: ${res.status}.`);
        }
        const t = (await res.json()) as { accessToken: string; expiresOn: number; tenantId: string };
        return { session: { id, accessToken: t.accessToken, account: { ...ACCOUNT }, scopes: [...scopes] }, expiresOn: t.expiresOn, tenantId: t.tenantId, homeTenant: tenantId === undefined };
    }
}

export function activate(context: vscode.ExtensionContext): void {
    const requests: ProviderRequest[] = [];
    const providers = PROVIDERS.map((id) => new SandboxProvider(id, requests, globalStore(context.globalState)));
    for (const p of providers) {
        context.subscriptions.push(vscode.authentication.registerAuthenticationProvider(p.id, p.id === 'microsoft' ? 'Microsoft' : 'Microsoft Sovereign Cloud', p, { supportsMultipleAccounts: false }));
    }
    context.subscriptions.push(
        vscode.commands.registerCommand('sandboxAuth.state', (): ProviderState => ({
            requests: [...requests],
            sessions: providers.flatMap((p) => [...p.held.values()].map((h) => ({ providerId: p.id, id: h.session.id, scopes: [...h.session.scopes], tenantId: h.tenantId, expiresOn: h.expiresOn, tokenFingerprint: fingerprint(h.session.accessToken) }))),
        })),
        vscode.commands.registerCommand('sandboxAuth.clearRequests', () => void requests.splice(0)),
        /** As the user signing in from VS Code's Accounts menu: a session for these scopes, no extension asking. */
        vscode.commands.registerCommand('sandboxAuth.addAccount', async (providerId: string, scopes: string[]) => {
            const p = providers.find((x) => x.id === providerId);
            if (!p) throw new Error(`no provider ${providerId}`);
            return (await p.createSession(scopes)).id;
        }),
        /** As "Sign Out" in VS Code's Accounts menu: every session of the account goes. */
        vscode.commands.registerCommand('sandboxAuth.signOut', async (providerId?: string) => {
            for (const p of providers) {
                if (providerId && p.id !== providerId) continue;
                for (const h of [...p.held.values()]) await p.removeSession(h.session.id);
            }
        }),
    );
}
