/**
 * Create Disk from Blobs… (ImportSecure) through the real command against the sandbox: with the
 * VM metadata blob (picked from the account's list) and without it (pasted URLs), each new disk
 * shown in the tree, granted, downloaded and equal to its source blobs by sha256; then each refusal,
 * before the PUT or from Azure, in plain words, with nothing created and no SAS left behind.
 */
import * as assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { DiskInfo } from '../../../src/shared/types';
import type { SeedDisk } from '../../sandbox/types';
import { Cmds, control, findDiskNode, poll, sandbox, seedDisk, telemetryEvents, useScriptedInput } from './harness';
import type { ScriptedInput, Step } from './scriptedInput';

const CreateDiskFromBlobs = 'azureDisks.createDiskFromBlobs';
const ACCOUNT = 'stcontosoeastus';

function disksDir(): string {
    const folder = vscode.workspace.workspaceFolders?.[0];
    assert.ok(folder, 'a workspace folder is open');
    return path.join(folder.uri.fsPath, 'disks');
}

function sha256(buf: Buffer): string {
    return createHash('sha256').update(buf).digest('hex');
}

/** The resource group node for rg-secure (eastus), as the tree hands it to commands. */
function rgSecure() {
    const s = seedDisk('cvm-os');
    return { rg: { tenantId: s.tenantId, subscriptionId: s.subscriptionId, name: s.resourceGroup, location: 'eastus' } };
}

function newDisk(name: string): SeedDisk {
    const { rg } = rgSecure();
    return { ...seedDisk('cvm-os'), name, id: `/subscriptions/${rg.subscriptionId}/resourceGroups/${rg.name}/providers/Microsoft.Compute/disks/${name}` };
}

async function accountEndpoint(): Promise<string> {
    const { info } = sandbox();
    return `${info.storageEndpoint.replace(/\/[^/]+\/?$/, `/${ACCOUNT}`)}/`;
}

/** The PUTs of disks since the log was cleared. */
async function diskPuts(): Promise<string[]> {
    const log = await control().requestLog();
    return log.arm.recent.filter((r) => r.method === 'PUT' && /\/disks\/[^/]+$/i.test(r.path)).map((r) => r.path);
}

async function exists(id: string): Promise<boolean> {
    return (await control().diskState(id).catch(() => undefined)) !== undefined;
}

function downloadedSums(): Map<string, number> {
    const out = new Map<string, number>();
    if (!fs.existsSync(disksDir())) return out;
    for (const e of fs.readdirSync(disksDir(), { withFileTypes: true, recursive: true })) {
        if (!e.isFile() || /\.partial|\.journal/.test(e.name)) continue;
        const data = fs.readFileSync(path.join(e.parentPath, e.name));
        out.set(sha256(data), data.length);
    }
    return out;
}

/** The wizard's first steps: the account, then how to find the blobs. */
const browse: Step[] = [{ match: 'Storage account holding the blobs', answer: { pick: ACCOUNT } }, { match: 'How to find the blobs', answer: { pick: 'Browse the account\'s blobs' } }];
const paste: Step[] = [{ match: 'Storage account holding the blobs', answer: { pick: ACCOUNT } }, { match: 'How to find the blobs', answer: { pick: 'Paste the blob URLs' } }];

/** The three URL boxes of "Paste the blob URLs" ('' leaves the VM metadata blob out). */
const pasted = (os: string, vmgs: string, vmmd: string): Step[] => [
    { match: 'URL of the OS disk blob', answer: { input: os } },
    { match: 'URL of the VM guest state (VMGS) blob', answer: { input: vmgs } },
    { match: 'URL of the VM metadata (VMMD) blob', answer: { input: vmmd } },
];

/** The wizard's last steps: security type, operating system, disk type, name. */
const rest = (name: string, type = 'Trusted Launch', os = 'Windows', sku = 'Standard SSD (LRS)'): Step[] => [
    { match: 'Security type of the disk', answer: { pick: type } },
    { match: 'Operating system', answer: { pick: os } },
    { match: 'Disk type', answer: { pick: sku } },
    { match: 'Name of the new disk', answer: { input: name } },
];

describe('Create Disk from Blobs… (ImportSecure)', () => {
    let ui: ScriptedInput;
    let dispose: () => void;
    const source: Record<string, { sha256: string; size: number }> = {};

    before(async () => {
        await control().reset({ state: true });
        await vscode.commands.executeCommand(Cmds.Refresh);
        // The source blobs as the sandbox seeded them, read with the account's own key.
        const { storageAccountService } = require('../../sandbox/testkit') as typeof import('../../sandbox/testkit');
        const svc = await storageAccountService(sandbox().info, ACCOUNT);
        for (const b of ['osimage.vhd', 'vmgs.vhd', 'vmmd.vhd']) {
            const data = await svc.getContainerClient('osimages').getPageBlobClient(b).downloadToBuffer();
            source[b] = { sha256: sha256(data), size: data.length };
        }
    });
    beforeEach(async () => {
        ({ ui, dispose } = await useScriptedInput());
        fs.rmSync(disksDir(), { recursive: true, force: true });
        await control().clearLog();
    });
    afterEach(() => {
        dispose();
        ui.assertDone();
    });

    /** Runs Create Disk from Blobs… with `steps`; the error toasts it showed. */
    async function errorsOf(steps: Step[]) {
        const before = ui.toasts.filter((t) => t.kind === 'error').length;
        ui.script(...steps);
        await vscode.commands.executeCommand(CreateDiskFromBlobs, rgSecure());
        return ui.toasts.filter((t) => t.kind === 'error').slice(before);
    }

    /** Grant Read with the guest state, download every blob, revoke; the files' sha256 must be the sources'. */
    async function downloadAndCompare(name: string, blobs: string[]): Promise<void> {
        const node = await findDiskNode(newDisk(name));
        ui.script(
            { match: 'Access level', optional: true, answer: { pick: 'Read' } },
            { match: 'How long should the access last', optional: true, answer: { pick: '1 hour' } },
            { match: 'Include VM guest state', optional: true, answer: { pick: 'Yes, include VM guest state' } },
        );
        await vscode.commands.executeCommand(Cmds.Download, node);
        const sums = await poll('the downloaded files', () => {
            const s = downloadedSums();
            return s.size >= blobs.length ? s : undefined;
        }, 60_000);
        for (const b of blobs) assert.equal(sums.get(source[b].sha256), source[b].size, `a downloaded file equals ${b} (${[...sums.values()].join(', ')} bytes)`);
        assert.equal(sums.size, blobs.length, 'no other blob was downloaded');
        await vscode.commands.executeCommand(Cmds.RevokeAccess, node);
        assert.equal(await control().diskState(node.disk.id), 'Unattached', 'no SAS left (not ActiveSAS)');
    }

    it('with the VM metadata blob, picked from the account\'s list: the disk appears in the tree and downloads as the three source blobs', async () => {
        ui.script(
            ...browse,
            { match: 'OS disk blob in', answer: { pick: 'osimage.vhd' } },
            { match: 'VM guest state (VMGS) blob in', answer: { pick: 'vmgs.vhd' } },
            { match: 'VM metadata (VMMD) blob in', answer: { pick: 'vmmd.vhd' } },
            ...rest('imported-cvm', 'Confidential VM, guest state encrypted with a platform key', 'Windows', 'Premium SSD (LRS)'),
        );
        const made = await vscode.commands.executeCommand<DiskInfo | undefined>(CreateDiskFromBlobs, rgSecure());
        assert.ok(made, `the disk was made (${JSON.stringify(ui.toasts.map((t) => t.message))})`);
        assert.equal(made.location, 'eastus', 'in the account\'s region');
        assert.equal(made.sku, 'Premium_LRS', 'the disk type asked for');
        // The pickers list blobs by name (typing filters on it, not on the container), and the
        // guest state and metadata pickers leave out block blobs and the blobs already chosen.
        const picker = (what: string) => ui.prompts.find((p) => p.kind === 'pick' && p.text.includes(what))!;
        const os = picker('OS disk blob in');
        assert.deepEqual([...os.detail!].sort(), ['block.vhd', 'osimage.vhd', 'raw.img', 'vmgs.vhd', 'vmmd.vhd']);
        assert.ok(os.descriptions!.every((d) => d?.startsWith('osimages · ')), 'the container in the description');
        assert.equal(os.matchOnDescription, false, 'typing a container name does not match every blob in it');
        assert.deepEqual([...picker('VM guest state (VMGS) blob in').detail!].sort(), ['raw.img', 'vmgs.vhd', 'vmmd.vhd']);
        assert.deepEqual([...picker('VM metadata (VMMD) blob in').detail!].sort(), ['No VM metadata blob', 'raw.img', 'vmmd.vhd']);
        assert.equal(made.securityType, 'ConfidentialVM_VMGuestStateOnlyEncryptedWithPlatformKey');
        await poll('the "created" toast', () => ui.toasts.find((t) => /Created disk imported-cvm in rg-secure from 3 blobs of storage account stcontosoeastus/.test(t.message)));
        const log = await control().requestLog();
        const put = log.arm.recent.find((r) => r.method === 'PUT' && /disks\/imported-cvm$/.test(r.path));
        assert.ok(put, 'one PUT of the disk');
        const event = telemetryEvents().filter((e) => e.eventName === 'createDiskFromBlobs').at(-1);
        assert.equal(event?.properties?.result, 'Succeeded');
        assert.equal(event?.properties?.blobSource, 'key');
        assert.equal(event?.properties?.metadataBlob, 'true');
        assert.doesNotMatch(JSON.stringify(event), /stcontosoeastus|imported-cvm|osimage/, 'no account, disk or blob name in telemetry');
        await downloadAndCompare('imported-cvm', ['osimage.vhd', 'vmgs.vhd', 'vmmd.vhd']);
        assert.deepEqual(ui.toasts.filter((t) => t.kind === 'error'), []);
    });

    it('without the VM metadata blob, from pasted URLs: the disk has an OS and a VM guest state blob, equal to their sources', async () => {
        const endpoint = await accountEndpoint();
        ui.script(...paste, ...pasted(`${endpoint}osimages/osimage.vhd`, `${endpoint}osimages/vmgs.vhd`, ''), ...rest('imported-tl', 'Trusted Launch', 'Linux'));
        const made = await vscode.commands.executeCommand<DiskInfo | undefined>(CreateDiskFromBlobs, rgSecure());
        assert.ok(made, `the disk was made (${JSON.stringify(ui.toasts.map((t) => t.message))})`);
        assert.equal(made.securityType, 'TrustedLaunch');
        assert.equal(made.sku, 'StandardSSD_LRS');
        await downloadAndCompare('imported-tl', ['osimage.vhd', 'vmgs.vhd']);
        assert.deepEqual(ui.toasts.filter((t) => t.kind === 'error'), []);
    });

    it('each refusal, before the PUT or from Azure, brings back the refused step with the fix in plain words; nothing is created and no SAS is left', async () => {
        const endpoint = await accountEndpoint();
        const westEndpoint = endpoint.replace(ACCOUNT, 'stcontosowesteu');
        // `again`: the refused step, asked again (the script cancels it there).
        const cases: { what: string; steps: Step[]; again: string; name: string; message: RegExp; azure: boolean }[] = [
            {
                what: 'a block blob, picked', name: 'refused-block', azure: false, again: 'OS disk blob in',
                steps: [...browse, { match: 'OS disk blob in', answer: { pick: 'block.vhd' } }],
                message: /The OS disk blob block\.vhd is a block blob; Azure imports only page blobs\. Copy it into a page blob \(azcopy copy .*--blob-type PageBlob\)/,
            },
            {
                what: 'a page blob that is no fixed VHD, picked', name: 'refused-raw', azure: false, again: 'VM guest state (VMGS) blob in',
                steps: [...browse, { match: 'OS disk blob in', answer: { pick: 'osimage.vhd' } }, { match: 'VM guest state (VMGS) blob in', answer: { pick: 'raw.img' } }],
                message: /The VM guest state \(VMGS\) blob raw\.img is not a fixed VHD .*Convert the image to a fixed VHD/,
            },
            {
                what: 'a block blob, pasted (Azure refuses it)', name: 'refused-block-az', azure: true, again: 'URL of the OS disk blob',
                steps: [...paste, ...pasted(`${endpoint}osimages/block.vhd`, `${endpoint}osimages/vmgs.vhd`, ''), ...rest('refused-block-az')],
                message: /The OS disk blob block\.vhd is a block blob; Azure imports only page blobs\. Copy it into a page blob/,
            },
            {
                what: 'a page blob that is no fixed VHD, pasted (Azure refuses it)', name: 'refused-raw-az', azure: true, again: 'URL of the VM guest state (VMGS) blob',
                steps: [...paste, ...pasted(`${endpoint}osimages/osimage.vhd`, `${endpoint}osimages/raw.img`, ''), ...rest('refused-raw-az')],
                message: /The VM guest state \(VMGS\) blob raw\.img is not a fixed VHD .*qemu-img convert/,
            },
            {
                what: 'a VM metadata blob with a security type that takes none', name: 'refused-md', azure: false, again: 'Security type of the disk',
                steps: [...paste, ...pasted(`${endpoint}osimages/osimage.vhd`, `${endpoint}osimages/vmgs.vhd`, `${endpoint}osimages/vmmd.vhd`), { match: 'Security type of the disk', answer: { pick: 'Trusted Launch' } }],
                message: /A VM metadata \(VMMD\) blob can be imported only with a Confidential VM security type; TrustedLaunch takes none\. Choose a ConfidentialVM_\* security type, or leave the VM metadata blob out\./,
            },
        ];
        for (const c of cases) {
            await control().clearLog();
            const errors = await errorsOf([...c.steps, { match: c.again, answer: 'cancel' }]);
            assert.deepEqual(errors.map((t) => t.message), [], `${c.what}: no error ends the wizard`);
            const [first, again] = ui.prompts.filter((p) => p.text.includes(c.again)).slice(-2);
            assert.match(again.text, c.message, `${c.what}: the step asked again says why`);
            assert.doesNotMatch(first.text, c.message, `${c.what}: not before it was refused`);
            assert.equal(again.step, first.step, `${c.what}: the same step, counted as before`);
            assert.doesNotMatch(again.text, /sig=|sv=/, `${c.what}: no SAS in the message`);
            assert.equal((await diskPuts()).length, c.azure ? 1 : 0, `${c.what}: ${c.azure ? 'one PUT, refused by Azure' : 'refused before any PUT'}`);
            assert.equal(await exists(newDisk(c.name).id), false, `${c.what}: no disk left behind`);
        }

        // The account's keys withheld (no List keys permission): the question of how to find the blobs again, naming the other ways.
        await control().armFault({ method: 'POST', path: 'storageAccounts/stcontosoeastus/listKeys$', status: 403, body: { error: { code: 'AuthorizationFailed', message: "The client does not have authorization to perform action 'Microsoft.Storage/storageAccounts/listKeys/action'." } } });
        assert.deepEqual(await errorsOf([...browse, { match: /could not be listed.*How to find the blobs/, answer: 'cancel' }]), []);
        assert.match(ui.prompts.at(-1)!.text, /The blobs of storage account stcontosoeastus could not be listed: .*listKeys.* Choose "Paste the blob URLs"/);

        // A blob of an account in another region is refused while it is typed: the box says why.
        ui.script(...paste, { match: 'URL of the OS disk blob', answer: { input: `${westEndpoint}osimages/osimage.vhd`, invalid: true } }, { match: 'URL of the OS disk blob', answer: 'cancel' });
        await vscode.commands.executeCommand(CreateDiskFromBlobs, rgSecure());
        assert.match(ui.validationMessages.at(-1) ?? '', /That blob is in storage account stcontosowesteu \(westeurope\), not in stcontosoeastus/);

        const log = await control().requestLog();
        assert.equal(log.arm.recent.filter((r) => /beginGetAccess/i.test(r.path)).length, 0, 'no grant was asked of anything');
    });

    it('after Azure refuses a blob, answering that one step again makes the disk: the other answers are kept', async () => {
        const endpoint = await accountEndpoint();
        ui.script(
            ...paste,
            ...pasted(`${endpoint}osimages/block.vhd`, `${endpoint}osimages/vmgs.vhd`, ''),
            ...rest('imported-again', 'Trusted Launch', 'Linux'),
            { match: /block\.vhd is a block blob.*URL of the OS disk blob/, answer: { input: `${endpoint}osimages/osimage.vhd` } },
        );
        const made = await vscode.commands.executeCommand<DiskInfo | undefined>(CreateDiskFromBlobs, rgSecure());
        assert.ok(made, `the disk was made (${JSON.stringify(ui.toasts.map((t) => t.message))})`);
        assert.equal(made.name, 'imported-again');
        assert.equal(made.sku, 'StandardSSD_LRS');
        assert.equal((await diskPuts()).length, 2, 'the refused PUT, then the one that made the disk');
        assert.deepEqual(ui.toasts.filter((t) => t.kind === 'error'), []);
    });
});
