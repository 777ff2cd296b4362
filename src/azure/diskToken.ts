/**
 * Tokens for the managed disk data plane, sent with the SAS when a disk's export is protected by
 * Entra ID (dataAccessAuthMode AzureActiveDirectory). Same sign-in as ARM; the cache renews the
 * token before it expires, so a download that outlives one token keeps going.
 */
import type { AzureSession } from './auth';
import { TokenCache } from './armClients';

/** The resource is `https://disk.azure.com/` (the service's WWW-Authenticate names it); its scope keeps the trailing slash. */
export const DISK_DATA_SCOPE = 'https://disk.azure.com//.default';

/** A token function for one tenant's disks: cached, renewed near expiry. The token is a secret. */
export function diskTokenProvider(session: AzureSession, tenantId: string): () => Promise<string> {
    const cache = new TokenCache(session.credential(tenantId), [DISK_DATA_SCOPE]);
    return () => cache.get();
}

/** The token function a transfer of `disk` needs: undefined unless its export is protected by Entra ID. */
export async function authorizationFor(sessions: { get(): Promise<AzureSession> }, disk: { tenantId: string; dataAccessAuthMode?: string }): Promise<(() => Promise<string>) | undefined> {
    if (disk.dataAccessAuthMode !== 'AzureActiveDirectory') return undefined;
    return diskTokenProvider(await sessions.get(), disk.tenantId);
}
