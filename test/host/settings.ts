/** Workspace settings that point the extension at the sandbox cloud, with deterministic download choices. */
import type { SandboxInfo } from '../sandbox/types';
import { sandboxSettings as sandboxCloudSettings } from '../ui/settings';

export function sandboxSettings(info: SandboxInfo): Record<string, unknown> {
    return sandboxCloudSettings(info, {
        'azureDisks.download.folder': 'disks',
        'azureDisks.download.revokeAfterDownload': 'never',
        'azureDisks.download.onSasExpired': 'regrant',
        'azureDisks.download.revokeOnCancel': 'never',
    });
}
