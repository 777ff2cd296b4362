/** Workspace settings that point the extension at the sandbox cloud, with deterministic choices. */
import type { SandboxInfo } from '../sandbox/types';

export function sandboxSettings(info: SandboxInfo): Record<string, unknown> {
    return {
        'azureDisks.cloud': 'Custom',
        'azureDisks.customCloud': {
            resourceManagerEndpoint: info.armEndpoint,
            activeDirectoryEndpoint: info.authority,
            managementScope: info.managementScope,
            storageEndpointSuffix: info.storageEndpointSuffix,
        },
        'azureDisks.authentication': 'azureCli',
        'azureDisks.download.folder': 'disks',
        'azureDisks.download.revokeAfterDownload': 'never',
        'azureDisks.download.onSasExpired': 'regrant',
        'azureDisks.download.revokeOnCancel': 'never',
    };
}
