/**
 * Who is signed in, and how: the account's name from VS Code's session, or from the claims of the
 * management token (Azure CLI, environment). The token itself is never kept or shown.
 */
import * as vscode from 'vscode';
import type { AuthMethod, AzureSession } from './auth';
import { authProviderId, sessionScopes } from './vscodeCredential';

export interface SignedInAccount {
    /** The account as people know it: user name, or the application id of a service principal. */
    label: string;
    method: AuthMethod;
    tenantId?: string;
}

export function methodLabel(method: AuthMethod): string {
    switch (method) {
        case 'vscode':
            return vscode.l10n.t("VS Code's Microsoft account");
        case 'azureCli':
            return vscode.l10n.t('the Azure CLI');
        default:
            return vscode.l10n.t('environment credentials');
    }
}

/** The account in use, or undefined when no token can be had without prompting. */
export async function signedInAccount(session: AzureSession): Promise<SignedInAccount | undefined> {
    if (session.method === 'vscode') {
        const s = await vscode.authentication.getSession(authProviderId(session.cloud), sessionScopes(session.cloud, undefined), { silent: true });
        return s ? { label: s.account.label, method: session.method } : undefined;
    }
    let token: string | undefined;
    try {
        token = (await session.credential().getToken([session.cloud.managementScope]))?.token;
    } catch {
        return undefined;
    }
    if (!token) return undefined;
    const claims = jwtClaims(token);
    const label = claims.upn ?? claims.preferred_username ?? claims.unique_name ?? claims.email ?? (claims.appid ? vscode.l10n.t('application {0}', claims.appid) : undefined) ?? vscode.l10n.t('an unnamed identity');
    return { label, method: session.method, tenantId: claims.tid };
}

type Claims = Partial<Record<'upn' | 'preferred_username' | 'unique_name' | 'email' | 'appid' | 'tid', string>>;

function jwtClaims(token: string): Claims {
    try {
        const payload = JSON.parse(Buffer.from(token.split('.')[1] ?? '', 'base64url').toString('utf8')) as Record<string, unknown>;
        const out: Claims = {};
        for (const k of ['upn', 'preferred_username', 'unique_name', 'email', 'appid', 'tid'] as const) if (typeof payload[k] === 'string') out[k] = payload[k];
        return out;
    } catch {
        return {};
    }
}

/** "sandbox.user@contoso.example, through the Azure CLI". */
export function describeAccount(a: SignedInAccount): string {
    return vscode.l10n.t('{0}, through {1}', a.label, methodLabel(a.method));
}
