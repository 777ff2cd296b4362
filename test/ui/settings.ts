/** Settings that point the extension at a running sandbox, shared by the UI flows and `npm run demo`. */
import type { SandboxInfo } from '../sandbox/types';
import { authProviderEnv, BUILTIN_MICROSOFT_AUTH, sovereignCloudSettings } from '../authProvider/install';

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
    // Sticky tree headers lie over the rows below them and take their clicks; a person clicks
    // what is visible, a script clicks where the row is.
    'workbench.tree.enableStickyScroll': false,
    // The demo's workspace sits inside this repository: no "open the parent repository?" prompt.
    'git.openRepositoryInParentFolders': 'never',
};

function customCloud(info: SandboxInfo): Record<string, string> {
    return {
        resourceManagerEndpoint: info.armEndpoint,
        activeDirectoryEndpoint: info.authority,
        managementScope: info.managementScope,
        storageEndpointSuffix: info.storageEndpointSuffix,
        // The sandbox's stand-in portal page: Open in Portal shows there what it would open.
        portalEndpoint: info.portalEndpoint,
    };
}

export function sandboxSettings(info: SandboxInfo, overrides: Record<string, unknown> = {}): Record<string, unknown> {
    return {
        ...quietWorkbench,
        'azureDisks.cloud': 'Custom',
        'azureDisks.customCloud': customCloud(info),
        // No azureDisks.authentication: the default route, VS Code's Microsoft account, served by
        // test/authProvider; a custom cloud signs in through the sovereign-cloud provider.
        ...sovereignCloudSettings(info),
        ...overrides,
    };
}

/**
 * The sandbox signed in to as a user of Azure's public cloud is: its custom cloud names Entra ID's
 * public authority, so the extension asks VS Code's Microsoft account and VS Code's prompt says
 * "… wants to sign in using Microsoft" (test/authProvider answers for it, with the sandbox's tokens).
 * The demo and the UI tier; the host tier keeps the sandbox's authority and the sovereign-cloud route.
 */
export function publicSignInSettings(info: SandboxInfo): Record<string, unknown> {
    return { 'azureDisks.customCloud': { ...customCloud(info), activeDirectoryEndpoint: 'https://login.microsoftonline.com' } };
}

/**
 * The sandbox's `az` stand-in goes first on PATH (for the Azure CLI route); the sandbox's
 * authentication provider learns where to get tokens, and VS Code's own Microsoft one stays off.
 */
export function sandboxEnv(info: SandboxInfo): Record<string, string> {
    return { PATH: `${info.azCliDir}:${process.env.PATH ?? ''}`, ...authProviderEnv(info), VSCODE_SKIP_BUILTIN_EXTENSIONS: BUILTIN_MICROSOFT_AUTH };
}
