/**
 * ARM clients for one cloud and one credential. The SDK's own bearer policy refuses plain http,
 * which a custom cloud on a loopback host (a local Azure Stack Hub development endpoint, the
 * project's sandbox) needs; it also does not retry a 401 with a fresh token, which is what keeps a
 * revoke working after a two-hour download. So every client gets the same policy instead:
 * a token per request from a small cache, https required except on loopback, one retry on 401.
 */
import type { AbortSignalLike } from '@azure/abort-controller';
import type { AccessToken, TokenCredential } from '@azure/core-auth';
import type { Pipeline, PipelinePolicy, PipelineRequest, PipelineResponse, SendRequest } from '@azure/core-rest-pipeline';
import type { ComputeManagementClient } from '@azure/arm-compute';
import type { ResourceManagementClient } from '@azure/arm-resources';
import type { SubscriptionClient } from '@azure/arm-resources-subscriptions';
import type { CloudConfig } from './clouds';
import { isSecureOrLoopback } from '../shared/loopback';

export const ARM_AUTH_POLICY_NAME = 'azureDisksArmAuthPolicy';
/** Name the SDK gives its bearer policy (@azure/core-rest-pipeline bearerTokenAuthenticationPolicyName). */
const SDK_BEARER_POLICY_NAME = 'bearerTokenAuthenticationPolicy';
const REFRESH_MARGIN_MS = 5 * 60 * 1000;


/** Throws unless `url` is https, or http to a loopback host. */
export function assertSecureOrLoopback(url: string, what = 'Azure Resource Manager endpoint'): void {
    let u: URL;
    try {
        u = new URL(url);
    } catch {
        throw new Error(`The ${what} is not a valid URL.`);
    }
    if (isSecureOrLoopback(u)) return;
    throw new Error(`The ${what} must use https (plain http is accepted only for loopback hosts): ${u.protocol}//${u.host}`);
}

/**
 * Caches one token and refreshes it before it gets close to expiry (5 minutes, or half the lifetime
 * for short-lived tokens), so a long operation never sends an expired token.
 */
export class TokenCache {
    private token?: AccessToken;
    private obtainedAt = 0;
    private pending?: Promise<AccessToken>;

    constructor(
        private readonly credential: TokenCredential,
        private readonly scopes: string[],
        private readonly now: () => number = Date.now,
    ) {}

    async get(forceRefresh = false, abortSignal?: AbortSignalLike): Promise<string> {
        if (!forceRefresh && this.token && !this.needsRefresh(this.token)) return this.token.token;
        if (!this.pending) {
            this.pending = (async () => {
                const t = await this.credential.getToken(this.scopes, { abortSignal });
                if (!t) throw new Error(`No access token could be obtained for ${this.scopes.join(' ')}.`);
                this.token = t;
                this.obtainedAt = this.now();
                return t;
            })().finally(() => (this.pending = undefined));
        }
        return (await this.pending).token;
    }

    private needsRefresh(t: AccessToken): boolean {
        const lifetime = t.expiresOnTimestamp - this.obtainedAt;
        const margin = Math.min(REFRESH_MARGIN_MS, Math.max(0, lifetime / 2));
        return this.now() >= t.expiresOnTimestamp - margin;
    }
}

export function armAuthPolicy(cache: TokenCache): PipelinePolicy {
    return {
        name: ARM_AUTH_POLICY_NAME,
        async sendRequest(request: PipelineRequest, next: SendRequest): Promise<PipelineResponse> {
            assertSecureOrLoopback(request.url);
            request.headers.set('Authorization', `Bearer ${await cache.get(false, request.abortSignal)}`);
            const response = await next(request);
            if (response.status !== 401) return response;
            // An expired or revoked token: one retry with a fresh one, never more.
            request.headers.set('Authorization', `Bearer ${await cache.get(true, request.abortSignal)}`);
            return next(request);
        },
    };
}

function useOurAuth(pipeline: Pipeline, cache: TokenCache): void {
    pipeline.removePolicy({ name: SDK_BEARER_POLICY_NAME });
    pipeline.removePolicy({ name: ARM_AUTH_POLICY_NAME });
    // Innermost ('Sign'): it must see the raw 401 before the older clients' deserialization turns
    // it into an error, and every retry of the retry policy passes through it again.
    pipeline.addPolicy(armAuthPolicy(cache), { phase: 'Sign' });
}

export interface ArmClients {
    compute(subscriptionId: string): ComputeManagementClient;
    resources(subscriptionId: string): ResourceManagementClient;
    subscriptions(): SubscriptionClient;
}

/** Clients for `cloud` signed with `credential`. The SDK modules are loaded here, lazily, not at activation. */
export async function createArmClients(cloud: CloudConfig, credential: TokenCredential): Promise<ArmClients> {
    assertSecureOrLoopback(cloud.resourceManagerEndpoint);
    const [{ ComputeManagementClient }, { ResourceManagementClient }, { SubscriptionClient }] = await Promise.all([
        import('@azure/arm-compute'),
        import('@azure/arm-resources'),
        import('@azure/arm-resources-subscriptions'),
    ]);
    const endpoint = cloud.resourceManagerEndpoint.replace(/\/+$/, '');
    const scopes = [cloud.managementScope];
    const cache = new TokenCache(credential, scopes);
    const common = { endpoint, allowInsecureConnection: new URL(endpoint).protocol === 'http:' };
    const computeClients = new Map<string, ComputeManagementClient>();
    const resourceClients = new Map<string, ResourceManagementClient>();
    let subscriptionClient: SubscriptionClient | undefined;
    return {
        compute(subscriptionId) {
            let c = computeClients.get(subscriptionId);
            if (!c) {
                c = new ComputeManagementClient(credential, subscriptionId, { ...common, credentials: { scopes } });
                useOurAuth(c.pipeline, cache);
                computeClients.set(subscriptionId, c);
            }
            return c;
        },
        resources(subscriptionId) {
            let c = resourceClients.get(subscriptionId);
            if (!c) {
                c = new ResourceManagementClient(credential, subscriptionId, { ...common, credentialScopes: scopes });
                useOurAuth(c.pipeline, cache);
                resourceClients.set(subscriptionId, c);
            }
            return c;
        },
        subscriptions() {
            if (!subscriptionClient) {
                subscriptionClient = new SubscriptionClient(credential, { ...common, credentialScopes: scopes });
                useOurAuth(subscriptionClient.pipeline, cache);
            }
            return subscriptionClient;
        },
    };
}
