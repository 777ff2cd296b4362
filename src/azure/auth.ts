/**
 * Sign-in routes: VS Code's Microsoft account (credential supplied by the caller, since it needs
 * vscode), the Azure CLI, or the environment (service principal, then managed identity).
 * No vscode import: the extension passes in the VS Code credential factory.
 */
import type { AccessToken, GetTokenOptions, TokenCredential } from '@azure/core-auth';
import type { ArmClients } from './armClients';
import type { CloudConfig } from './clouds';

export type AuthMethod = 'vscode' | 'azureCli' | 'environment';

/** Thrown when no token can be had without the user signing in. */
export class SignInRequiredError extends Error {
    constructor(message = 'Not signed in to Azure.') {
        super(message);
        this.name = 'SignInRequiredError';
    }
}

/** Builds the credential for one tenant (undefined: the account's home/default tenant). */
export type CredentialFactory = (tenantId: string | undefined) => TokenCredential;

export function parseAuthMethod(value: unknown): AuthMethod {
    return value === 'azureCli' || value === 'environment' ? value : 'vscode';
}

/** @azure/identity credentials for the CLI and environment routes, loaded lazily. */
export function identityCredentialFactory(method: Exclude<AuthMethod, 'vscode'>, cloud: CloudConfig): CredentialFactory {
    return (tenantId) => new LazyCredential(async () => {
        const identity = await import('@azure/identity');
        if (method === 'azureCli') {
            return new identity.AzureCliCredential(tenantId ? { tenantId } : {});
        }
        const authorityHost = cloud.activeDirectoryEndpoint;
        // DefaultAzureCredential's environment part: a service principal from AZURE_* variables (its own tenant), else managed identity.
        const env = new identity.EnvironmentCredential({ authorityHost });
        const mi = process.env.AZURE_CLIENT_ID ? new identity.ManagedIdentityCredential({ clientId: process.env.AZURE_CLIENT_ID }) : new identity.ManagedIdentityCredential();
        return new identity.ChainedTokenCredential(env, mi);
    });
}

/** Defers loading @azure/identity until the first token is asked for. */
class LazyCredential implements TokenCredential {
    private inner?: Promise<TokenCredential>;
    constructor(private readonly create: () => Promise<TokenCredential>) {}
    async getToken(scopes: string | string[], options?: GetTokenOptions): Promise<AccessToken | null> {
        this.inner ??= this.create();
        try {
            return await (await this.inner).getToken(scopes, options);
        } catch (e) {
            const name = (e as Error)?.name;
            if (name === 'CredentialUnavailableError' || name === 'AggregateAuthenticationError') {
                throw new SignInRequiredError(String((e as Error).message).split('\n')[0]);
            }
            throw e;
        }
    }
}

/** One sign-in: a cloud, a route, and per-tenant credentials and ARM clients. */
export class AzureSession {
    private readonly credentials = new Map<string, TokenCredential>();
    private readonly clientsByTenant = new Map<string, Promise<ArmClients>>();

    constructor(
        readonly cloud: CloudConfig,
        readonly method: AuthMethod,
        private readonly factory: CredentialFactory,
        private readonly createClients: (cloud: CloudConfig, credential: TokenCredential) => Promise<ArmClients>,
    ) {}

    credential(tenantId?: string): TokenCredential {
        const key = tenantId ?? '';
        let c = this.credentials.get(key);
        if (!c) {
            c = this.factory(tenantId);
            this.credentials.set(key, c);
        }
        return c;
    }

    clients(tenantId?: string): Promise<ArmClients> {
        const key = tenantId ?? '';
        let p = this.clientsByTenant.get(key);
        if (!p) {
            p = this.createClients(this.cloud, this.credential(tenantId));
            p.catch(() => this.clientsByTenant.delete(key));
            this.clientsByTenant.set(key, p);
        }
        return p;
    }

    /** True when a token for the management scope can be had without prompting. */
    async canGetToken(signal?: AbortSignal): Promise<boolean> {
        try {
            return !!(await this.credential().getToken([this.cloud.managementScope], { abortSignal: signal }));
        } catch (e) {
            if (e instanceof SignInRequiredError || (e as Error)?.name === 'SignInRequiredError') return false;
            throw e;
        }
    }
}
