import * as assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { Cmds, control, findDiskNode, pickDiskSteps, poll, seedDisk, useScriptedInput } from './harness';
import type { ScriptedInput } from './scriptedInput';
import type { SeedBlob } from '../../sandbox/types';

function workspaceDir(): string {
    const folder = vscode.workspace.workspaceFolders?.[0];
    assert.ok(folder, 'a workspace folder is open');
    return folder.uri.fsPath;
}

function filesUnder(dir: string): string[] {
    if (!fs.existsSync(dir)) {
        return [];
    }
    return fs.readdirSync(dir, { withFileTypes: true, recursive: true }).filter((e) => e.isFile()).map((e) => path.join(e.parentPath, e.name));
}

async function sha256(file: string): Promise<string> {
    const h = createHash('sha256');
    for await (const chunk of fs.createReadStream(file)) {
        h.update(chunk as Buffer);
    }
    return h.digest('hex');
}

/** Downloaded files (not partial ones) whose content equals each expected blob, by sha256. */
async function expectDownloaded(blobs: Record<string, SeedBlob>): Promise<void> {
    const dir = path.join(workspaceDir(), 'disks');
    const done = await poll(
        'the downloaded files',
        () => {
            const files = filesUnder(dir).filter((f) => !/\.partial|\.journal/.test(f));
            return files.length >= Object.keys(blobs).length ? files : undefined;
        },
        60_000,
    );
    const sums = new Map<string, string>();
    for (const f of done) {
        sums.set(await sha256(f), f);
    }
    for (const [kind, blob] of Object.entries(blobs)) {
        const file = sums.get(blob.sha256);
        assert.ok(file, `a file with the ${kind} blob's content (sha256 ${blob.sha256.slice(0, 12)}…) among ${done.map((f) => path.relative(dir, f)).join(', ')}`);
        assert.equal(fs.statSync(file).size, blob.size, `${kind} file size`);
    }
}

describe('Download…', () => {
    let ui: ScriptedInput;
    let dispose: () => void;

    before(async () => {
        await control().reset({ state: true });
        fs.rmSync(path.join(workspaceDir(), 'disks'), { recursive: true, force: true });
        await vscode.commands.executeCommand(Cmds.Refresh);
    });
    beforeEach(async () => {
        ({ ui, dispose } = await useScriptedInput());
        fs.rmSync(path.join(workspaceDir(), 'disks'), { recursive: true, force: true });
    });
    afterEach(() => {
        dispose();
        ui.assertDone();
    });

    it('downloads a plain disk from its tree row into the workspace, byte for byte', async () => {
        const seed = seedDisk('web-data-01');
        ui.script(
            { match: 'Access level', optional: true, answer: { pick: 'Read' } },
            { match: 'How long should the access last', optional: true, answer: { pick: '1 hour' } },
        );
        await vscode.commands.executeCommand(Cmds.Download, await findDiskNode(seed));
        await expectDownloaded({ disk: seed.blobs.disk });
        await poll('the "verified" toast', () => ui.toasts.find((t) => /Downloaded and verified/.test(t.message)));
        assert.deepEqual(ui.toasts.filter((t) => t.kind === 'error'), []);
    });

    it('asks to revoke after a download with one Revoke button (the dialog\'s Cancel keeps it), in words that fit a snapshot', async () => {
        const seed = seedDisk('web-data-01-full');
        const config = vscode.workspace.getConfiguration('azureDisks');
        const before = config.inspect<string>('download.revokeAfterDownload')?.workspaceValue;
        await config.update('download.revokeAfterDownload', 'ask', vscode.ConfigurationTarget.Workspace);
        try {
            ui.script(
                { match: 'How long should the access last', optional: true, answer: { pick: '1 hour' } },
                { match: 'File format', optional: true, answer: { pick: 'VHD' } },
                { match: 'is downloaded. Revoke access now?', answer: 'dismiss' },
            );
            const first = ui.prompts.length;
            await vscode.commands.executeCommand(Cmds.Download, await findDiskNode(seed));
            const question = ui.prompts.slice(first).find((p) => p.kind === 'warning');
            assert.ok(question, 'the revoke question was asked');
            assert.deepEqual(question.detail, ['Revoke access'], 'one button; the modal\'s own Cancel keeps the access');
            assert.doesNotMatch(question.text, /\bVM\b/, `a snapshot has no VM: "${question.text}"`);
            assert.match(question.text, /snapshot/);
        } finally {
            await config.update('download.revokeAfterDownload', before, vscode.ConfigurationTarget.Workspace);
        }
    });

    it('downloads a confidential disk from the palette: disk, VM guest state and VM metadata', async () => {
        const seed = seedDisk('cvm-os');
        ui.script(
            ...pickDiskSteps(seed),
            { match: 'Access level', optional: true, answer: { pick: 'Read' } },
            { match: 'How long should the access last', optional: true, answer: { pick: '1 hour' } },
            { match: 'Include VM guest state', optional: true, answer: { pick: 'Yes, include VM guest state' } },
        );
        await vscode.commands.executeCommand(Cmds.Download);
        await expectDownloaded({ disk: seed.blobs.disk, vmgs: seed.blobs.vmgs!, vmmd: seed.blobs.vmmd! });
        assert.deepEqual(ui.toasts.filter((t) => t.kind === 'error'), []);
    });
});
