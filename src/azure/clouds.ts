/** Cloud endpoints: the three public clouds and a validated custom one. No vscode import. */
import { isSecureOrLoopback } from '../shared/loopback';

export interface CloudConfig {
    name: string;
    resourceManagerEndpoint: string;
    activeDirectoryEndpoint: string;
    managementScope: string;
    storageEndpointSuffix: string;
    /** Custom clouds: the portal's address, for Open in Portal (the public clouds' are known). */
    portalEndpoint?: string;
}

export type CloudName = 'AzureCloud' | 'AzureChinaCloud' | 'AzureUSGovernment' | 'Custom';

export const AzureCloud: CloudConfig = {
    name: 'AzureCloud',
    resourceManagerEndpoint: 'https://management.azure.com',
    activeDirectoryEndpoint: 'https://login.microsoftonline.com',
    managementScope: 'https://management.azure.com/.default',
    storageEndpointSuffix: 'core.windows.net',
};

export const AzureChinaCloud: CloudConfig = {
    name: 'AzureChinaCloud',
    resourceManagerEndpoint: 'https://management.chinacloudapi.cn',
    activeDirectoryEndpoint: 'https://login.chinacloudapi.cn',
    managementScope: 'https://management.chinacloudapi.cn/.default',
    storageEndpointSuffix: 'core.chinacloudapi.cn',
};

export const AzureUSGovernment: CloudConfig = {
    name: 'AzureUSGovernment',
    resourceManagerEndpoint: 'https://management.usgovcloudapi.net',
    activeDirectoryEndpoint: 'https://login.microsoftonline.us',
    managementScope: 'https://management.usgovcloudapi.net/.default',
    storageEndpointSuffix: 'core.usgovcloudapi.net',
};

export const PUBLIC_CLOUDS: Readonly<Record<Exclude<CloudName, 'Custom'>, CloudConfig>> = {
    AzureCloud,
    AzureChinaCloud,
    AzureUSGovernment,
};

/** A setting that cannot be used; the message names the setting and says what to fix. */
export class CloudConfigError extends Error {
    constructor(message: string, readonly setting: string) {
        super(message);
        this.name = 'CloudConfigError';
    }
}


function checkUrl(value: unknown, setting: string, field: string): string {
    const where = `${setting}.${field}`;
    if (typeof value !== 'string' || value.trim() === '') {
        throw new CloudConfigError(`Setting "${where}" is missing. Set it to the endpoint's URL, e.g. https://management.example.com.`, where);
    }
    let url: URL;
    try {
        url = new URL(value.trim());
    } catch {
        throw new CloudConfigError(`Setting "${where}" is not a valid URL: "${value}".`, where);
    }
    if (!isSecureOrLoopback(url)) {
        throw new CloudConfigError(`Setting "${where}" must use https (plain http is accepted only for loopback hosts such as 127.0.0.1): "${value}".`, where);
    }
    if (url.username || url.password) {
        throw new CloudConfigError(`Setting "${where}" must not contain credentials.`, where);
    }
    // Keep the path (an authority may carry a tenant or realm) but drop a trailing slash for joining.
    return url.toString().replace(/\/+$/, '');
}

/**
 * Resolves the cloud setting to endpoints. `settingName` is the full name of the custom-cloud
 * setting (e.g. "azureDisks.customCloud"), used in error messages.
 */
export function resolveCloud(cloudName: string | undefined, customSetting: unknown, settingName = 'azureDisks.customCloud'): CloudConfig {
    const name = cloudName || 'AzureCloud';
    if (name !== 'Custom') {
        const cloud = (PUBLIC_CLOUDS as Record<string, CloudConfig>)[name];
        if (!cloud) {
            throw new CloudConfigError(`Setting "azureDisks.cloud" has an unknown value "${name}". Use AzureCloud, AzureChinaCloud, AzureUSGovernment or Custom.`, 'azureDisks.cloud');
        }
        return cloud;
    }
    if (!customSetting || typeof customSetting !== 'object' || Array.isArray(customSetting)) {
        throw new CloudConfigError(`Setting "${settingName}" must be an object with resourceManagerEndpoint, activeDirectoryEndpoint, managementScope and storageEndpointSuffix when "azureDisks.cloud" is Custom.`, settingName);
    }
    const c = customSetting as Record<string, unknown>;
    const resourceManagerEndpoint = checkUrl(c.resourceManagerEndpoint, settingName, 'resourceManagerEndpoint');
    const activeDirectoryEndpoint = checkUrl(c.activeDirectoryEndpoint, settingName, 'activeDirectoryEndpoint');
    let managementScope: string;
    if (c.managementScope === undefined || c.managementScope === '') {
        managementScope = `${resourceManagerEndpoint}/.default`;
    } else if (typeof c.managementScope !== 'string') {
        throw new CloudConfigError(`Setting "${settingName}.managementScope" must be a string such as https://management.example.com/.default.`, `${settingName}.managementScope`);
    } else {
        // A scope is an identifier, not a URL we contact, so any scheme is fine; it must still parse.
        try {
            new URL(c.managementScope);
        } catch {
            throw new CloudConfigError(`Setting "${settingName}.managementScope" is not a valid scope URI: "${c.managementScope}".`, `${settingName}.managementScope`);
        }
        managementScope = c.managementScope;
    }
    const suffix = c.storageEndpointSuffix;
    if (typeof suffix !== 'string' || !/^[a-z0-9]([a-z0-9.-]*[a-z0-9])?(:\d+)?$/i.test(suffix.trim().replace(/^\./, ''))) {
        throw new CloudConfigError(`Setting "${settingName}.storageEndpointSuffix" must be a host suffix such as core.windows.net.`, `${settingName}.storageEndpointSuffix`);
    }
    const portalEndpoint = c.portalEndpoint === undefined || c.portalEndpoint === '' ? undefined : checkUrl(c.portalEndpoint, settingName, 'portalEndpoint');
    return {
        name: 'Custom',
        resourceManagerEndpoint,
        activeDirectoryEndpoint,
        managementScope,
        storageEndpointSuffix: suffix.trim().replace(/^\./, ''),
        ...(portalEndpoint ? { portalEndpoint } : {}),
    };
}

/** Entra ID's sign-in host for Azure's public cloud. */
const PUBLIC_ENTRA_HOST = 'login.microsoftonline.com';

/**
 * Whether the cloud's accounts sign in at Entra ID's public authority: Azure itself, and a custom
 * cloud whose activeDirectoryEndpoint is https://login.microsoftonline.com (Azure Stack Hub with
 * Entra ID, for one). Such a cloud signs in with VS Code's Microsoft account, as Azure does.
 */
export function signsInAtPublicEntraId(cloud: CloudConfig): boolean {
    if (cloud.name === 'AzureCloud') return true;
    if (cloud.name !== 'Custom') return false;
    try {
        const url = new URL(cloud.activeDirectoryEndpoint);
        return url.protocol === 'https:' && url.hostname.toLowerCase() === PUBLIC_ENTRA_HOST;
    } catch {
        return false;
    }
}
