/**
 * What every host test shares: the extension's API, the scripted input installed into it, the
 * sandbox description, and the capture of toasts and telemetry the runner scans for secrets.
 */
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as vscode from 'vscode';
import type { DiskInfo } from '../../../src/shared/types';
import type { UserInput } from '../../../src/platform/userInput';
import type { SandboxInfo, SeedDisk } from '../../sandbox/types';
import { ScriptedInput, type Toast } from './scriptedInput';

export const EXTENSION_ID = 'azure-disks-tools.azure-managed-disks';

export interface TelemetryEvent {
    eventName: string;
    properties?: Record<string, string>;
    measurements?: Record<string, number>;
}

/** The API activate() returns (src/api.ts). */
export interface ExtensionApi {
    apiVersion: number;
    setUserInput(ui: UserInput): vscode.Disposable;
    treeDataProvider: vscode.TreeDataProvider<unknown>;
    onDidSendTelemetry: vscode.Event<TelemetryEvent>;
    testing: { cancelDownloads(diskId: string): boolean; cancelCopies(): number; closeWindow(): void; reopenWindow(): void; walkthroughDone(): string[]; resetWalkthrough(): Promise<void> };
}

interface Capture {
    toasts: Toast[];
    telemetry: TelemetryEvent[];
}

// Webview state is persisted by the workbench and reaches the scan through the storage dump.
const capture: Capture = { toasts: [], telemetry: [] };
let api: ExtensionApi | undefined;

/**
 * The extension's API, signed in: the default route (VS Code's Microsoft account) has no session
 * until the user signs in, so the first call signs in once, as a user would from the view.
 */
export async function getApi(): Promise<ExtensionApi> {
    const a = await activateOnly();
    signingIn ??= (async () => {
        if (!(await providerState()).sessions.length) await addAccount();
        await vscode.commands.executeCommand('azureDisks.signIn');
    })();
    await signingIn;
    return a;
}
let signingIn: Promise<void> | undefined;

/** The extension's API without signing in (the first-start tests). */
export async function activateOnly(): Promise<ExtensionApi> {
    if (!api) {
        const ext = vscode.extensions.getExtension<ExtensionApi>(EXTENSION_ID);
        if (!ext) {
            throw new Error(`${EXTENSION_ID} is not installed in this VS Code`);
        }
        api = await ext.activate();
        api.onDidSendTelemetry((e) => capture.telemetry.push(e));
    }
    return api;
}

/** A fresh scripted input installed into the extension; dispose restores the real prompts. */
export async function useScriptedInput(): Promise<{ ui: ScriptedInput; dispose(): void }> {
    const a = await getApi();
    const ui = new ScriptedInput((t) => capture.toasts.push(t));
    const d = a.setUserInput(ui);
    return { ui, dispose: () => d.dispose() };
}

export function telemetryEvents(): readonly TelemetryEvent[] {
    return capture.telemetry;
}

/** Written once at the end; the runner scans it with everything else. */
export function writeCapture(): void {
    const file = process.env.AZURE_DISKS_CAPTURE_FILE;
    if (file) {
        fs.writeFileSync(file, JSON.stringify(capture, null, 2));
    }
}

export function sandbox(): { info: SandboxInfo; manifest: SeedDisk[] } {
    const raw = process.env.AZURE_DISKS_SANDBOX_INFO;
    if (!raw) {
        throw new Error('AZURE_DISKS_SANDBOX_INFO is not set: run the suite through test/host/runTest');
    }
    const info = JSON.parse(raw) as SandboxInfo;
    const manifest = JSON.parse(fs.readFileSync(info.manifestPath, 'utf8')) as SeedDisk[] | { disks: SeedDisk[] };
    return { info, manifest: Array.isArray(manifest) ? manifest : manifest.disks };
}

export function toRef(d: SeedDisk): Pick<DiskInfo, 'tenantId' | 'subscriptionId' | 'resourceGroup' | 'name' | 'kind' | 'id'> {
    return { tenantId: d.tenantId, subscriptionId: d.subscriptionId, resourceGroup: d.resourceGroup, name: d.name, kind: d.kind, id: d.id };
}

export async function poll<T>(what: string, fn: () => Promise<T | undefined> | T | undefined, timeoutMs = 20_000): Promise<T> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
        const v = await fn();
        if (v !== undefined && v !== false) {
            return v;
        }
        if (Date.now() > deadline) {
            throw new Error(`timed out waiting for ${what}`);
        }
        await new Promise((r) => setTimeout(r, 100));
    }
}

interface Node {
    id?: string;
    disk?: DiskInfo;
    run?(): void;
}

async function childrenOf(node: Node | undefined): Promise<Node[]> {
    const a = await getApi();
    let list = ((await a.treeDataProvider.getChildren(node)) ?? []) as Node[];
    // "Load more…" rows: keep asking until the parent is complete.
    for (let i = 0; i < 50; i++) {
        const more = list.find((n) => typeof n.id === 'string' && n.id.endsWith('/more') && typeof n.run === 'function');
        if (!more) {
            break;
        }
        more.run!();
        // Loaded once the parent's children changed: more of them, or no "Load more…" row.
        const before = list.length;
        list = await poll('the next page of tree rows', async () => {
            const now = ((await a.treeDataProvider.getChildren(node)) ?? []) as Node[];
            return now.length !== before || !now.some((n) => n.id === more.id) ? now : undefined;
        });
    }
    return list;
}

function label(node: Node, a: ExtensionApi): string {
    const item = a.treeDataProvider.getTreeItem(node) as vscode.TreeItem;
    const l = item.label;
    return typeof l === 'string' ? l : (l?.label ?? '');
}

/** The disk's row in the tree, found the way a user would: subscription → resource group → disk. */
export async function findDiskNode(d: SeedDisk): Promise<{ disk: DiskInfo; id: string }> {
    const a = await getApi();
    const subs = await childrenOf(undefined);
    const sub = subs.find((n) => n.id?.toLowerCase().includes(`/subscriptions/${d.subscriptionId.toLowerCase()}`));
    if (!sub) {
        throw new Error(`subscription ${d.subscriptionId} not in the tree (rows: ${subs.map((n) => n.id).join(', ')})`);
    }
    const groups = await childrenOf(sub);
    const rg = groups.find((n) => label(n, a).toLowerCase() === d.resourceGroup.toLowerCase());
    if (!rg) {
        throw new Error(`resource group ${d.resourceGroup} not in the tree (rows: ${groups.map((n) => label(n, a)).join(', ')})`);
    }
    const disks = await childrenOf(rg);
    const hit = disks.find((n) => n.disk?.id.toLowerCase() === d.id.toLowerCase());
    if (!hit) {
        throw new Error(`${d.name} not in the tree (rows: ${disks.map((n) => label(n, a)).join(', ')})`);
    }
    return hit as { disk: DiskInfo; id: string };
}

export function seedDisk(name: string): SeedDisk {
    const d = sandbox().manifest.find((m) => m.name === name);
    if (!d) {
        throw new Error(`${name} is not in the sandbox manifest`);
    }
    return d;
}

/** sha256 of a whole blob through its SAS, streamed (the disks are sparse but large). */
export async function blobSha256(url: string): Promise<string> {
    const res = await fetch(url);
    if (res.status !== 200) throw new Error(`GET of the blob answered ${res.status}`);
    const h = createHash('sha256');
    for await (const piece of res.body as unknown as AsyncIterable<Uint8Array>) h.update(piece);
    return h.digest('hex');
}

/** Copy to…'s target questions: subscription, group, region, (extra), the new disk's name. */
export function copyTargetSteps(subscriptionId: string, rg: string, name: string, extra: import('./scriptedInput').Step[] = []): import('./scriptedInput').Step[] {
    return [
        { match: 'Select a subscription', optional: true, answer: { pickWhere: (i) => i.detail === subscriptionId, what: `subscription ${subscriptionId}` } },
        { match: 'Select a resource group', answer: { pick: rg } },
        { match: 'Region of the copy', optional: true, answer: { pick: 'eastus' } },
        ...extra,
        { match: /Name of the new (disk|snapshot)/, answer: { input: name } },
    ];
}

/**
 * The answer to Delete's question (and Revoke's during an upload): the name typed, as the box asks
 * for it in its placeholder. For names the test cannot know beforehand (a snapshot's timestamp).
 */
export const typeTheName: import('./scriptedInput').Answer = { input: (o) => o.placeHolder ?? '' };

/** Answers the palette's subscription → resource group → disk pickers (the subscription one may not show). */
export function pickDiskSteps(d: SeedDisk): import('./scriptedInput').Step[] {
    return [
        { match: 'Select a subscription', optional: true, answer: { pickWhere: (i) => i.detail === d.subscriptionId, what: `subscription ${d.subscriptionId}` } },
        { match: 'Select a resource group', answer: { pick: d.resourceGroup } },
        { match: /\| Select a disk or snapshot$/, answer: { pick: d.name } },
    ];
}

export function control(): import('../../sandbox/control').SandboxControl {
    const { SandboxControl } = require('../../sandbox/control') as typeof import('../../sandbox/control');
    return new SandboxControl(sandbox().info.controlEndpoint);
}

export const Cmds = {
    SignIn: 'azureDisks.signIn',
    SelectSubscriptions: 'azureDisks.selectSubscriptions',
    Refresh: 'azureDisks.refresh',
    GrantAccess: 'azureDisks.grantAccess',
    RevokeAccess: 'azureDisks.revokeAccess',
    Download: 'azureDisks.download',
    ShowAccess: 'azureDisks.showAccess',
    CopySasUri: 'azureDisks.copySasUri',
    ShowLog: 'azureDisks.showLog',
} as const;

/** Grant through the command with a preset (no prompts) and no panel. */
export async function grantWithPreset(target: unknown, preset: Partial<import('../../../src/shared/types').GrantRequest>): Promise<import('../../../src/shared/types').Grant> {
    const g = await vscode.commands.executeCommand<import('../../../src/shared/types').Grant | undefined>(Cmds.GrantAccess, target, { preset, silentPanel: true });
    if (!g || !g.urls) {
        throw new Error('Grant Access returned no grant');
    }
    return g;
}

/** The blob a SAS URL points at, without its query (safe to print). */
export function withoutQuery(url: string): string {
    return url.split('?')[0];
}

/** HEAD through the SAS URL: proves the URL is real and readable. */
export async function headSize(url: string): Promise<number> {
    const res = await fetch(url, { method: 'HEAD' });
    if (res.status !== 200) {
        throw new Error(`HEAD ${withoutQuery(url)} answered ${res.status}`);
    }
    return Number(res.headers.get('content-length'));
}

export interface ScriptedSuiteOptions {
    /** Before the suite: reset the sandbox to its seeded state (default true). */
    resetWorld?: boolean;
    /** Before the suite, after the reset: refresh the tree so it shows that state. */
    refresh?: boolean;
    /** Before each test, once its scripted input is installed. */
    beforeEach?: () => unknown;
    /** After each test, whether or not its script was used up (cleanup that must always run). */
    afterEach?: () => unknown;
}

/**
 * The hooks of a suite that scripts the extension's prompts: a fresh ScriptedInput around every
 * test, whose script must be used up by the test's end. Returns a stand-in that always speaks
 * for the current test's input, so suites can keep one `ui` for all their tests.
 */
export function scriptedSuite(options: ScriptedSuiteOptions = {}): ScriptedInput {
    let current: { ui: ScriptedInput; dispose(): void } | undefined;
    before(async () => {
        if (options.resetWorld ?? true) await control().reset({ state: true });
        if (options.refresh) await vscode.commands.executeCommand(Cmds.Refresh);
    });
    beforeEach(async () => {
        current = await useScriptedInput();
        await options.beforeEach?.();
    });
    afterEach(async () => {
        const ended = current;
        current = undefined;
        try {
            ended?.dispose();
            ended?.ui.assertDone();
        } finally {
            await options.afterEach?.();
        }
    });
    return new Proxy({} as ScriptedInput, {
        get(_target, key) {
            if (!current) throw new Error(`the scripted input is used outside a test (${String(key)})`);
            const value: unknown = Reflect.get(current.ui, key);
            return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(current.ui) : value;
        },
    });
}

/** The disk data plane's audience (Entra-protected disks' blob requests carry its tokens). */
export const DISK_AUDIENCE = 'https://disk.azure.com/';

/**
 * Requests that presented a disk-data token so far: what a transfer sent, whether its tokens were
 * new (the Azure CLI fetches one each time) or a session's still-valid one (VS Code's account).
 */
export async function diskTokenRequests(): Promise<number> {
    const { tokenFingerprint } = require('../../sandbox/tokens') as typeof import('../../sandbox/tokens');
    const [{ bearerTokens }, uses] = await Promise.all([control().issuedSecrets(), control().tokenUses()]);
    return bearerTokens.filter((t) => {
        try {
            return JSON.parse(Buffer.from(t.split('.')[1], 'base64url').toString('utf8')).aud === DISK_AUDIENCE;
        } catch {
            return false;
        }
    }).reduce((n, t) => n + (uses[tokenFingerprint(t)] ?? 0), 0);
}

/** Disk-data tokens the sandbox issued so far (the claims only; the token itself never leaves this function). */
export async function diskTokensIssued(): Promise<number> {
    const { bearerTokens } = await control().issuedSecrets();
    return bearerTokens.filter((t) => {
        try {
            return JSON.parse(Buffer.from(t.split('.')[1], 'base64url').toString('utf8')).aud === DISK_AUDIENCE;
        } catch {
            return false;
        }
    }).length;
}

/** What the sandbox's Microsoft authentication provider (test/authProvider) was asked and holds. */
export async function providerState(): Promise<import('../../authProvider/extension').ProviderState> {
    return (await vscode.commands.executeCommand<import('../../authProvider/extension').ProviderState>('sandboxAuth.state'))!;
}

/** As Sign Out in VS Code's Accounts menu: the provider removes its sessions. */
export async function signOutOfVsCode(): Promise<void> {
    await vscode.commands.executeCommand('sandboxAuth.signOut');
}

/**
 * As the user signing in to VS Code's Accounts menu with the sandbox account, for the scopes the
 * extension asks (management scope; a tenant's with `tenantId`). The host tier has no dialogs, so
 * this is how a session first comes to be; the UI tier signs in through VS Code's real prompt.
 */
export async function addAccount(tenantId?: string): Promise<void> {
    const { info } = sandbox();
    await vscode.commands.executeCommand('sandboxAuth.addAccount', 'microsoft-sovereign-cloud', [info.managementScope, ...(tenantId ? [`VSCODE_TENANT:${tenantId}`] : [])]);
}

/** For one describe(): sign in through `method` (azureDisks.authentication), then back to the default route after it. */
export function useAuthMethod(method: string): void {
    const set = (value: string | undefined) => vscode.workspace.getConfiguration('azureDisks').update('authentication', value, vscode.ConfigurationTarget.Workspace);
    before(async () => {
        await getApi();
        await set(method);
    });
    after(async () => {
        await set(undefined);
        await vscode.commands.executeCommand(Cmds.SignIn);
    });
}
