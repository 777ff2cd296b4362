/**
 * Puts the sandbox authentication provider (test/authProvider) into a code-server extensions
 * folder, beside the installed VSIX, and names the built-in provider it replaces. Nothing of it
 * reaches the product VSIX (.vscodeignore ships only dist/, media/ and the documents).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { SandboxInfo } from '../sandbox/types';

const here = __dirname;
const repoRoot = path.resolve(here, '..', '..', '..');
const manifestPath = path.join(repoRoot, 'test', 'authProvider', 'package.json');

export const AUTH_EXTENSION_ID = 'azure-disks-tests.sandbox-microsoft-auth';
/** VS Code's own Microsoft account extension registers the same provider ids: it must not run. */
export const BUILTIN_MICROSOFT_AUTH = 'vscode.microsoft-authentication';

/** Copies the compiled extension into `extensionsDir` and lists it in extensions.json; returns its folder. */
export function installAuthProvider(extensionsDir: string): string {
    const manifest = JSON.parse(fs.readFileSync(manifestPath, 'utf8')) as { version: string };
    const folderName = `${AUTH_EXTENSION_ID}-${manifest.version}`;
    const dir = path.join(extensionsDir, folderName);
    fs.mkdirSync(dir, { recursive: true });
    fs.copyFileSync(manifestPath, path.join(dir, 'package.json'));
    const compiled = path.join(here, 'extension.js');
    if (!fs.existsSync(compiled)) throw new Error(`${compiled} not found: run npm run build:tests first`);
    fs.copyFileSync(compiled, path.join(dir, 'extension.js'));
    const listFile = path.join(extensionsDir, 'extensions.json');
    const list = (fs.existsSync(listFile) ? JSON.parse(fs.readFileSync(listFile, 'utf8')) : []) as { identifier: { id: string } }[];
    const entry = {
        identifier: { id: AUTH_EXTENSION_ID },
        version: manifest.version,
        location: { $mid: 1, fsPath: dir, external: `file://${dir}`, path: dir, scheme: 'file' },
        relativeLocation: folderName,
        metadata: { installedTimestamp: Date.now(), pinned: true, source: 'vsix' },
    };
    fs.writeFileSync(listFile, JSON.stringify([...list.filter((e) => e.identifier.id !== AUTH_EXTENSION_ID), entry]));
    return dir;
}

/** The sandbox account's name, as the provider's sessions carry it. */
export const SANDBOX_ACCOUNT_LABEL = 'sandbox.user@contoso-sandbox.example';

/** The shim's AZURE_DISKS_AUTH_TRUST: the extension may use the sandbox account's sessions of both providers. */
export function authProviderTrust(extensionId: string, extensionName: string): { extensionId: string; extensionName: string; account: string; providers: string[] } {
    return { extensionId, extensionName, account: SANDBOX_ACCOUNT_LABEL, providers: ['microsoft', 'microsoft-sovereign-cloud'] };
}

/** The provider's environment: where the sandbox issues tokens and which audiences the account reaches. */
export function authProviderEnv(info: SandboxInfo): Record<string, string> {
    return {
        AZURE_DISKS_AUTH_TOKEN_URL: `${info.controlEndpoint}/token`,
        AZURE_DISKS_AUTH_RESOURCES: [info.managementScope.replace(/\/\.default$/, ''), 'https://disk.azure.com'].join(','),
    };
}

/** VS Code settings the sovereign-cloud provider reads to sign in to a custom cloud (the sandbox). */
export function sovereignCloudSettings(info: SandboxInfo): Record<string, unknown> {
    return {
        'microsoft-sovereign-cloud.environment': 'custom',
        'microsoft-sovereign-cloud.customEnvironment': {
            name: 'Sandbox',
            portalUrl: info.armEndpoint,
            managementEndpointUrl: info.managementScope.replace(/\/\.default$/, ''),
            resourceManagerEndpointUrl: info.armEndpoint,
            activeDirectoryEndpointUrl: info.authority,
            activeDirectoryResourceId: info.managementScope.replace(/\/\.default$/, ''),
        },
    };
}
