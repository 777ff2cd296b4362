/** Settings that point the extension at a running sandbox, shared by the UI flows and `npm run demo`. */
import type { SandboxInfo } from '../sandbox/types';

/** Workbench settings that keep screenshots free of welcome pages, chat and update prompts. */
export const quietWorkbench: Record<string, unknown> = {
    'workbench.startupEditor': 'none',
    'chat.disableAIFeatures': true,
    'workbench.secondarySideBar.defaultVisibility': 'hidden',
    'workbench.tips.enabled': false,
    'extensions.autoUpdate': false,
    'extensions.autoCheckUpdates': false,
    'extensions.ignoreRecommendations': true,
    'telemetry.telemetryLevel': 'off',
    'update.mode': 'none',
    'security.workspace.trust.enabled': false,
    'explorer.compactFolders': false,
    // The demo's workspace sits inside this repository: no "open the parent repository?" prompt.
    'git.openRepositoryInParentFolders': 'never',
};

export function sandboxSettings(info: SandboxInfo, overrides: Record<string, unknown> = {}): Record<string, unknown> {
    return {
        ...quietWorkbench,
        'azureDisks.cloud': 'Custom',
        'azureDisks.customCloud': {
            resourceManagerEndpoint: info.armEndpoint,
            activeDirectoryEndpoint: info.authority,
            managementScope: info.managementScope,
            storageEndpointSuffix: info.storageEndpointSuffix,
        },
        'azureDisks.authentication': 'azureCli',
        ...overrides,
    };
}

/** The sandbox's `az` stand-in goes first on PATH so the extension's Azure CLI sign-in finds it. */
export function sandboxEnv(info: SandboxInfo): Record<string, string> {
    return { PATH: `${info.azCliDir}:${process.env.PATH ?? ''}` };
}
