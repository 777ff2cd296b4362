/**
 * What every host test shares: the extension's API, the scripted input installed into it, the
 * sandbox description, and the capture of toasts and telemetry the runner scans for secrets.
 */
import * as fs from 'node:fs';
import * as vscode from 'vscode';
import type { DiskInfo } from '../../../src/azure/types';
import type { UserInput } from '../../../src/services';
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
}

interface Capture {
    toasts: Toast[];
    telemetry: TelemetryEvent[];
    webviewState: unknown[];
}

const capture: Capture = { toasts: [], telemetry: [], webviewState: [] };
let api: ExtensionApi | undefined;

export async function getApi(): Promise<ExtensionApi> {
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

export function recordWebviewState(state: unknown): void {
    capture.webviewState.push(state);
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
