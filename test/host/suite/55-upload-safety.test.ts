/**
 * Safety around uploads and deletes, through the real commands against the sandbox: Revoke Access
 * during an upload asks (by the disk's name) and marks the disk "Incomplete upload"; an upload
 * disk's menu offers no reads; a stale notification's buttons refuse once the disk has moved on;
 * Delete takes the typed name, never Enter alone.
 */
import * as assert from 'node:assert/strict';
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { Cmds, control, EXTENSION_ID, findDiskNode, getApi, grantWithPreset, poll, sandbox, scriptedSuite, seedDisk } from './harness';
import type { ScriptedInput, Step } from './scriptedInput';
import type { SeedDisk } from '../../sandbox/types';

const MiB = 1024 * 1024;
const CreateDiskFromImage = 'azureDisks.createDiskFromImage';
const UploadToDisk = 'azureDisks.uploadToDisk';
const DeleteDisk = 'azureDisks.deleteDisk';

/** A disk of big-data's group (rg-data, westeurope) by name, shaped as the tree and the commands take it. */
function diskIn(name: string): SeedDisk & { location: string } {
    const s = seedDisk('big-data');
    return { ...s, name, id: s.id.replace(/\/disks\/big-data$/, `/disks/${name}`), location: 'westeurope' };
}

function rgNode() {
    const s = seedDisk('big-data');
    return { rg: { tenantId: s.tenantId, subscriptionId: s.subscriptionId, name: s.resourceGroup, location: 'westeurope' } };
}

function image(dir: string, name: string): string {
    const file = path.join(dir, name);
    const data = Buffer.alloc(24 * MiB);
    crypto.randomBytes(512 * 1024).copy(data, 0);
    crypto.randomBytes(512 * 1024).copy(data, 12 * MiB);
    fs.writeFileSync(file, data);
    return file;
}

function wizard(file: string, name: string): Step[] {
    return [
        { match: 'Image to upload', answer: { files: [file] } },
        { match: 'Name of the new disk', answer: { input: name } },
        { match: 'Region of the new disk', answer: { pick: 'westeurope' } },
        { match: 'Disk type', answer: { pick: 'Standard HDD (LRS)' } },
        { match: 'Operating system', answer: { pick: 'None (a data disk)' } },
    ];
}

/** Every Put Page to a new disk's blob is refused, so an upload stops with its disk in ActiveUpload. */
const refusePages = () => control().storageFault({ blob: 'md-.*', method: 'PUT', action: 'status', status: 400, code: 'InvalidInput', message: 'One of the request inputs is not valid.', count: 1000 });

async function row(d: SeedDisk): Promise<vscode.TreeItem> {
    const a = await getApi();
    return a.treeDataProvider.getTreeItem(await findDiskNode(d)) as vscode.TreeItem;
}

/** The context-menu commands package.json offers for a row's contextValue (its view/item/context `when` regexes). */
function menuFor(contextValue: string): string[] {
    const menus = vscode.extensions.getExtension(EXTENSION_ID)!.packageJSON.contributes.menus['view/item/context'] as { command: string; when: string; group?: string }[];
    return menus
        .filter((m) => m.group !== 'inline@1')
        .filter((m) => {
            const lit = /viewItem =~ \/(.*?)\/(\)|$| )/.exec(m.when);
            return !!lit && new RegExp(lit[1]).test(contextValue);
        })
        .map((m) => m.command.replace(/^azureDisks\./, ''));
}

/** A disk created for upload outside the extension (ReadyToUpload), shown in a refreshed tree. */
async function diskForUpload(name: string): Promise<SeedDisk & { location: string }> {
    const d = diskIn(name);
    const compute = await computeClient();
    await compute.disks.createOrUpdate(d.resourceGroup, d.name, { location: 'westeurope', sku: { name: 'Standard_LRS' }, creationData: { createOption: 'Upload', uploadSizeBytes: 20 * MiB + 512 } }, { updateIntervalInMs: 20 }).pollUntilDone();
    await vscode.commands.executeCommand(Cmds.Refresh);
    return d;
}

async function computeClient() {
    const { armClientsFor } = await import('../../sandbox/testkit');
    const s = seedDisk('big-data');
    return (await armClientsFor(sandbox().info, s.tenantId)).compute(s.subscriptionId);
}

/**
 * Each case in a suite of its own: a case that fails leaves its script unused, and the hook that
 * says so would otherwise skip the cases after it.
 */
function safetyCase(title: string, run: (ui: ScriptedInput, dir: string) => Promise<void>): void {
    describe(title.replace(/^Safety: /, ''), () => {
        const ui = scriptedSuite({ refresh: true, afterEach: () => control().reset({}) });
        let dir: string;
        before(() => (dir = fs.mkdtempSync(path.join(os.tmpdir(), 'amd-safety-'))));
        after(() => fs.rmSync(dir, { recursive: true, force: true }));
        it(title, () => run(ui, dir));
    });
}

describe('Uploads, notifications and delete', () => {

    safetyCase('Safety: a disk waiting for or receiving an upload offers no Download…, Browse Contents…, Create Snapshot…, Update Earlier Download… or Copy to…', async () => {
        const d = await diskForUpload('up-menu');
        const never = ['download', 'browseContents', 'createSnapshot', 'updateEarlierDownload', 'copyTo'];
        for (const state of ['ReadyToUpload', 'ActiveUpload']) {
            if (state === 'ActiveUpload') await grantWithPreset({ disk: d }, { access: 'Write', durationInSeconds: 3600 });
            assert.equal(await control().diskState(d.id), state);
            const menu = menuFor(String((await row(d)).contextValue));
            for (const cmd of never) assert.ok(!menu.includes(cmd), `${cmd} is not offered on a ${state} disk (menu: ${menu.join(', ')})`);
            assert.ok(menu.includes('uploadToDisk') && menu.includes('deleteDisk'), `Upload… and Delete… are (menu: ${menu.join(', ')})`);
        }
        // The same menu entries are there for a disk that holds data.
        const full = menuFor(String((await row(seedDisk('big-data'))).contextValue));
        for (const cmd of never) assert.ok(full.includes(cmd), `${cmd} is offered on an Unattached disk (menu: ${full.join(', ')})`);
    });

    safetyCase('Safety: Revoke Access during an upload asks by the disk\'s name and says what follows; Enter alone and Escape leave the upload as it is', async (ui) => {
        const d = await diskForUpload('up-revoked');
        await grantWithPreset({ disk: d }, { access: 'Write', durationInSeconds: 3600 });
        assert.equal(await control().diskState(d.id), 'ActiveUpload');
        const question = /Revoke access to up-revoked and end its unfinished upload/;
        ui.script({ match: question, answer: { input: '', invalid: true } }, { match: question, answer: 'cancel' });
        await vscode.commands.executeCommand(Cmds.RevokeAccess, { disk: d });
        const asked = ui.prompts.find((p) => question.test(p.text));
        assert.match(asked?.text ?? '', /stays incomplete.*cannot be resumed.*delete it/i, 'the question says what follows');
        assert.equal(await control().diskState(d.id), 'ActiveUpload', 'Enter alone and Escape leave the upload as it is');
        ui.script({ match: question, answer: { input: d.name } });
        await vscode.commands.executeCommand(Cmds.RevokeAccess, { disk: d });
        assert.equal(await control().diskState(d.id), 'Unattached');
    });

    safetyCase('Safety: a disk whose upload a revoke ended is marked Incomplete upload, with why, until it is deleted', async (ui) => {
        const d = await diskForUpload('up-marked');
        await grantWithPreset({ disk: d }, { access: 'Write', durationInSeconds: 3600 });
        ui.script({ match: /Revoke access to up-marked and end its unfinished upload/, answer: { input: d.name } });
        await vscode.commands.executeCommand(Cmds.RevokeAccess, { disk: d });
        assert.equal(await control().diskState(d.id), 'Unattached', 'Azure shows it like a finished disk');
        const ended = await row(d);
        assert.match(String(ended.description), /^Incomplete upload · /);
        assert.match(String(ended.tooltip), /Incomplete upload: access was revoked before the upload finished \(noted .*\).*delete it/);
        assert.equal((ended.iconPath as vscode.ThemeIcon).id, 'warning');
        assert.match(String(ended.contextValue), /;incomplete;/);
        ui.script({ match: /Delete the disk up-marked/, answer: { input: d.name } });
        await vscode.commands.executeCommand(DeleteDisk, { disk: d });
        assert.equal(await control().diskState(d.id).catch(() => 'gone'), 'gone');
    });

    safetyCase('Safety: Delete takes the typed name: Enter on the empty box and a near-miss delete nothing', async (ui) => {
        const d = await diskForUpload('del-typed');
        const question = /Delete the disk del-typed \(.+\) in rg-data/;
        ui.script({ match: question, answer: { input: '', invalid: true } }, { match: question, answer: { input: 'del-type', invalid: true } }, { match: question, answer: 'cancel' });
        await vscode.commands.executeCommand(DeleteDisk, { disk: d });
        assert.equal(await control().diskState(d.id), 'ReadyToUpload', 'nothing deleted');
        assert.ok(!ui.prompts.some((p) => p.kind === 'warning'), 'no modal whose default button deletes');
        ui.script({ match: question, answer: { input: d.name } });
        await vscode.commands.executeCommand(DeleteDisk, { disk: d });
        assert.equal(await control().diskState(d.id).catch(() => 'gone'), 'gone');
    });

    safetyCase('Safety: a stopped upload\'s Delete Disk, clicked after the upload was resumed and finished, refuses and deletes nothing', async (ui, dir) => {
        const d = diskIn('up-stale');
        let click!: () => void;
        const later = new Promise<void>((r) => (click = r));
        await refusePages();
        ui.script(...wizard(image(dir, 'stale.img'), d.name), { match: /The upload of up-stale stopped/, answer: { button: 'Delete Disk', after: later } });
        await vscode.commands.executeCommand(CreateDiskFromImage, rgNode());
        await control().reset({});
        assert.equal(await control().diskState(d.id), 'ActiveUpload');
        // Resumed from the disk's Upload… and finished.
        await vscode.commands.executeCommand(UploadToDisk, { disk: d });
        assert.equal(await control().diskState(d.id), 'Unattached');
        click();
        const refusal = await poll('the refusal', () => ui.toasts.find((t) => t.kind === 'error' && /notification about up-stale is out of date/.test(t.message)));
        assert.match(refusal.message, /worked on in this window since it was shown/);
        assert.ok(!ui.prompts.some((p) => /Delete the disk up-stale/.test(p.text)), 'Delete was not even asked');
        assert.equal(await control().diskState(d.id), 'Unattached', 'the finished disk is still there');
    });

    safetyCase('Safety: a stopped upload\'s Upload Again, clicked after access was revoked elsewhere, reads the disk again and refuses before anything is asked or sent', async (ui, dir) => {
        const d = diskIn('up-elsewhere');
        let click!: () => void;
        const later = new Promise<void>((r) => (click = r));
        await refusePages();
        ui.script(...wizard(image(dir, 'elsewhere.img'), d.name), { match: /The upload of up-elsewhere stopped/, answer: { button: 'Upload Again', after: later } });
        await vscode.commands.executeCommand(CreateDiskFromImage, rgNode());
        await control().reset({});
        // Ended outside this window (the portal, a script): only Azure knows.
        const compute = await computeClient();
        await compute.disks.revokeAccess(d.resourceGroup, d.name, { updateIntervalInMs: 20 }).pollUntilDone();
        assert.equal(await control().diskState(d.id), 'Unattached');
        await control().clearLog();
        const before = ui.prompts.length;
        click();
        const refusal = await poll('the refusal', () => ui.toasts.find((t) => t.kind === 'error' && /notification about up-elsewhere is out of date/.test(t.message)));
        assert.match(refusal.message, /up-elsewhere is Unattached now/);
        const log = await control().requestLog();
        assert.ok(log.arm.recent.some((r) => r.method === 'GET' && /\/disks\/up-elsewhere$/i.test(r.path)), 'the disk was read again on the click');
        assert.equal(log.arm.recent.filter((r) => r.method !== 'GET').length, 0, 'nothing was granted or written');
        assert.deepEqual(ui.prompts.slice(before).map((p) => p.text), [], 'nothing was asked (no file, no question)');
        // This machine knows its upload into it did not finish: the row says so.
        const marked = await row(d);
        assert.match(String(marked.description), /^Incomplete upload · /);
        assert.match(String(marked.tooltip), /had not finished when the disk's access was revoked elsewhere/);
    });
});
