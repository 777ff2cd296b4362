/** VS Code's Microsoft account as the SDK's TokenCredential. Silent unless the user asked to sign in. */
import * as vscode from 'vscode';
import type { AccessToken, TokenCredential } from '@azure/core-auth';
import { UserCancelledError } from '../shared/cancel';
import { SignInRequiredError } from './auth';
import { signsInAtPublicEntraId, type CloudConfig } from './clouds';

/** VS Code's Microsoft account for the public cloud's sign-in (Azure, or a custom cloud signing in there); its sovereign-cloud account otherwise. */
export function authProviderId(cloud: CloudConfig): string {
    return signsInAtPublicEntraId(cloud) ? 'microsoft' : 'microsoft-sovereign-cloud';
}

export function sessionScopes(cloud: CloudConfig, tenantId: string | undefined, scopes?: string | string[]): string[] {
    const list = scopes ? (Array.isArray(scopes) ? [...scopes] : [scopes]) : [cloud.managementScope];
    if (tenantId) list.push(`VSCODE_TENANT:${tenantId}`);
    return list;
}

/** Expiry from a JWT's `exp`; VS Code's session does not expose it. */
function expiryOf(token: string): number {
    try {
        const payload = JSON.parse(Buffer.from(token.split('.')[1], 'base64url').toString('utf8')) as { exp?: number };
        if (typeof payload.exp === 'number') return payload.exp * 1000;
    } catch {
        // not a JWT
    }
    return Date.now() + 10 * 60 * 1000;
}

export class VscodeSessionCredential implements TokenCredential {
    constructor(
        private readonly cloud: CloudConfig,
        private readonly tenantId: string | undefined,
    ) {}

    async getToken(scopes: string | string[]): Promise<AccessToken | null> {
        const session = await vscode.authentication.getSession(authProviderId(this.cloud), sessionScopes(this.cloud, this.tenantId, scopes), { silent: true });
        if (!session) throw new SignInRequiredError();
        return { token: session.accessToken, expiresOnTimestamp: expiryOf(session.accessToken) };
    }
}

/** What `microsoft-sovereign-cloud.environment` must say for each cloud other than AzureCloud. */
const SOVEREIGN_ENVIRONMENT: Readonly<Record<string, string>> = { AzureChinaCloud: 'ChinaCloud', AzureUSGovernment: 'USGovernment', Custom: 'custom' };

/**
 * VS Code's "Microsoft Sovereign Cloud" account signs in to the cloud its own settings name; when
 * they do not match azureDisks.cloud, the words that say which VS Code setting to change.
 */
export function sovereignSettingProblem(cloud: CloudConfig, read: (key: string) => unknown = (key) => vscode.workspace.getConfiguration('microsoft-sovereign-cloud').get(key)): string | undefined {
    const wanted = SOVEREIGN_ENVIRONMENT[cloud.name];
    if (!wanted || authProviderId(cloud) === 'microsoft') return undefined;
    const custom = read('customEnvironment');
    if (read('environment') === wanted && (wanted !== 'custom' || (!!custom && typeof custom === 'object'))) return undefined;
    if (wanted === 'custom') {
        return vscode.l10n.t('A custom cloud signs in through VS Code\'s Microsoft Sovereign Cloud account, which needs its own settings: set "microsoft-sovereign-cloud.environment" to "custom" and "microsoft-sovereign-cloud.customEnvironment" to the cloud\'s endpoints (name, portalUrl, managementEndpointUrl, resourceManagerEndpointUrl, activeDirectoryEndpointUrl, activeDirectoryResourceId). Or sign in with the Azure CLI (azureDisks.authentication).');
    }
    return vscode.l10n.t('{0} signs in through VS Code\'s Microsoft Sovereign Cloud account: set "microsoft-sovereign-cloud.environment" to "{1}".', cloud.name, wanted);
}

/** The user asked to sign in: may show VS Code's account prompt. */
export async function interactiveSignIn(cloud: CloudConfig, tenantId?: string): Promise<void> {
    const problem = sovereignSettingProblem(cloud);
    if (problem) throw new SignInRequiredError(problem);
    try {
        await vscode.authentication.getSession(authProviderId(cloud), sessionScopes(cloud, tenantId), { createIfNone: true });
    } catch (e) {
        // Closing VS Code's account prompt is a choice, not a failure.
        if (e instanceof vscode.CancellationError || /cancel|did not consent/i.test(String((e as Error)?.message))) throw new UserCancelledError('signIn');
        throw e;
    }
}
