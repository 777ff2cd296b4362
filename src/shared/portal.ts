/** Where a resource opens in the Azure portal, per cloud. Pure: no vscode, no other folder. */

/** The portal of each public cloud (the `portal` endpoint of `az cloud show`). */
export const PORTAL_HOSTS: Readonly<Record<string, string>> = {
    AzureCloud: 'https://portal.azure.com',
    AzureChinaCloud: 'https://portal.azure.cn',
    AzureUSGovernment: 'https://portal.azure.us',
};

export interface PortalCloud {
    name: string;
    /** Custom clouds only: the portal's address (Azure Stack Hub: https://portal.<region>.<fqdn>). */
    portalEndpoint?: string;
}

/**
 * `https://portal.azure.com/#@<tenant>/resource<id>` — the tenant part makes the portal switch to
 * the directory the resource lives in. Undefined when the cloud's portal is not known (a custom
 * cloud without `portalEndpoint`).
 */
export function portalUrl(cloud: PortalCloud, tenantId: string, resourceId: string): string | undefined {
    const host = cloud.name === 'Custom' ? cloud.portalEndpoint : PORTAL_HOSTS[cloud.name];
    if (!host) return undefined;
    const id = resourceId.startsWith('/') ? resourceId : `/${resourceId}`;
    const tenant = tenantId ? `@${encodeURIComponent(tenantId)}` : '';
    return `${host.replace(/\/+$/, '')}/#${tenant}/resource${id.split('/').map(encodeURIComponent).join('/')}`;
}
