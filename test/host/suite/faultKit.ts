/** What the fault tests share: files of a download, settings for one test, faults on one blob. */
import * as assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { SeedBlob, SeedDisk } from '../../sandbox/types';
import { Cmds, control, findDiskNode, grantWithPreset, poll, sandbox, scriptedSuite, type ScriptedSuiteOptions } from './harness';
import type { ScriptedInput } from './scriptedInput';

export function workspaceDir(): string {
    const folder = vscode.workspace.workspaceFolders?.[0];
    assert.ok(folder, 'a workspace folder is open');
    return folder.uri.fsPath;
}

export function disksDir(): string {
    return path.join(workspaceDir(), 'disks');
}

/** The final file, the partial and its journal of a disk's main blob. */
export function filesOf(seed: SeedDisk): { final: string; partial: string; journal: string; folder: string } {
    const folder = path.join(disksDir(), seed.name);
    const final = path.join(folder, `${seed.name}.vhd`);
    // The engine's names for an unfinished download (src/transfer partialPaths).
    return { final, partial: `${final}.partial`, journal: `${final}.partial.journal`, folder };
}

export async function sha256(file: string): Promise<string> {
    const h = createHash('sha256');
    for await (const chunk of fs.createReadStream(file)) h.update(chunk as Buffer);
    return h.digest('hex');
}

export async function assertExactCopy(file: string, blob: SeedBlob): Promise<void> {
    assert.ok(fs.existsSync(file), `${path.basename(file)} exists`);
    assert.equal(fs.statSync(file).size, blob.size, 'file size');
    assert.equal(await sha256(file), blob.sha256, `${path.basename(file)} has the blob's content`);
}

/** Sets azureDisks.* settings in the workspace for the length of `fn`, then puts the old values back. */
export async function withSettings<T>(values: Record<string, unknown>, fn: () => Promise<T>): Promise<T> {
    const cfg = () => vscode.workspace.getConfiguration('azureDisks');
    const old = Object.fromEntries(Object.keys(values).map((k) => [k, cfg().inspect(k)?.workspaceValue]));
    for (const [k, v] of Object.entries(values)) await cfg().update(k, v, vscode.ConfigurationTarget.Workspace);
    try {
        return await fn();
    } finally {
        for (const [k, v] of Object.entries(old)) await cfg().update(k, v, vscode.ConfigurationTarget.Workspace);
    }
}

/** The storage-proxy pattern for a seeded blob. */
export function blobPattern(blob: SeedBlob): string {
    return `${blob.container}/${blob.blob}$`;
}

export function blobPath(blob: SeedBlob): string {
    return new URL(blob.url).pathname.toLowerCase();
}

/** Requests of one blob the proxy answered with a fault, by kind. */
export async function faultsServed(blob: SeedBlob): Promise<string[]> {
    const p = blobPath(blob);
    return (await control().requestLog()).storage.recent.filter((r) => r.path.toLowerCase() === p && r.fault).map((r) => String(r.fault));
}

export async function diskState(seed: SeedDisk): Promise<string | undefined> {
    return control().diskState(seed.id);
}

/** A Read grant with fixed settings (no prompts), then the Download command on the tree row. */
export async function grantThenDownload(seed: SeedDisk): Promise<void> {
    const node = await findDiskNode(seed);
    await grantWithPreset(node, { access: 'Read', durationInSeconds: 3600, getSecureVMGuestStateSAS: false });
    await vscode.commands.executeCommand(Cmds.Download, node, { blobs: ['disk'] });
}

/**
 * After a stopped download: clears the faults and runs Download on the disk's node again,
 * answering the grant wizard (read access for an hour) if it asks.
 */
export async function downloadAgain(ui: ScriptedInput, seed: SeedDisk): Promise<void> {
    await control().reset();
    ui.script(
        { match: 'Access level', optional: true, answer: { pick: 'Read' } },
        { match: 'How long should the access last', optional: true, answer: { pick: '1 hour' } },
    );
    await vscode.commands.executeCommand(Cmds.Download, await findDiskNode(seed));
}

/** Revokes through the command when the disk is still in ActiveSAS, so the next test starts clean. */
export async function revokeIfActive(seed: SeedDisk): Promise<void> {
    if ((await diskState(seed))?.startsWith('ActiveSAS')) await vscode.commands.executeCommand(Cmds.RevokeAccess, await findDiskNode(seed));
}

/** Waits until the partial file of a running download has data in it. */
export async function waitForPartial(seed: SeedDisk, minBytes = 1): Promise<void> {
    const { partial } = filesOf(seed);
    await poll('a partial file with data', () => {
        try {
            return fs.statSync(partial).blocks * 512 >= minBytes || undefined;
        } catch {
            return undefined;
        }
    }, 60_000);
}

/** Every secret the sandbox issued so far (for spot checks; the runner scans everything at the end). */
export async function issuedSecrets(): Promise<string[]> {
    const s = await control().issuedSecrets();
    return [...s.sasSignatures, ...s.sasSignaturesEncoded, ...s.bearerTokens, ...s.storageAccountKeys];
}

export function sandboxInfo() {
    return sandbox().info;
}

/** scriptedSuite for suites that download: each test also starts without a disks folder. */
export function downloadSuite(options: ScriptedSuiteOptions = {}): ScriptedInput {
    return scriptedSuite({
        ...options,
        beforeEach: async () => {
            fs.rmSync(disksDir(), { recursive: true, force: true });
            await options.beforeEach?.();
        },
    });
}
