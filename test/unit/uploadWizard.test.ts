/**
 * The Create Disk from Image wizard with a scripted UserInput: a refused image brings back the image
 * step (not the start) with the reason, in the folder of the last image; the step count never grows.
 */
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { UserInput } from '../../src/platform/userInput';
import { runUploadWizard, type UploadPlan } from '../../src/features/upload/wizard';
import { scratch } from './support';

const MiB = 1024 * 1024;
const tmp = scratch();

function file(dir: string, name: string, size: number, fill = 0): string {
    fs.mkdirSync(path.join(tmp.dir, dir), { recursive: true });
    const p = path.join(tmp.dir, dir, name);
    fs.writeFileSync(p, Buffer.alloc(0));
    if (fill) fs.writeFileSync(p, Buffer.alloc(size, fill));
    else fs.truncateSync(p, size);
    return p;
}

interface Shown { kind: 'dialog' | 'pick' | 'input' | 'error'; text: string; step?: number; total?: number; folder?: string }

/** Answers in order: a file path for a dialog, a label for a pick, a value for a box. */
function scripted(answers: string[]): { ui: UserInput; shown: Shown[] } {
    const shown: Shown[] = [];
    const ui = {
        async showOpenDialog(o: { title?: string; defaultFolder?: string }) {
            shown.push({ kind: 'dialog', text: o.title ?? '', folder: o.defaultFolder });
            const a = answers.shift();
            if (a === undefined) throw new Error(`unscripted dialog: ${o.title}`);
            return [{ fsPath: a }];
        },
        async showQuickPick(items: readonly { label: string }[], o: { placeHolder?: string; step?: number; totalSteps?: number }) {
            shown.push({ kind: 'pick', text: o.placeHolder ?? '', step: o.step, total: o.totalSteps });
            const a = answers.shift();
            const hit = items.find((i) => i.label === a);
            if (!hit) throw new Error(`unscripted pick: ${o.placeHolder} (${a})`);
            return hit;
        },
        async showInputBox(o: { prompt?: string; step?: number; totalSteps?: number; value?: string }) {
            shown.push({ kind: 'input', text: o.prompt ?? '', step: o.step, total: o.totalSteps });
            const a = answers.shift();
            if (a === undefined) throw new Error(`unscripted input: ${o.prompt}`);
            return a;
        },
        async showErrorMessage(message: string) {
            shown.push({ kind: 'error', text: message });
            return undefined;
        },
    } as unknown as UserInput;
    return { ui, shown };
}

const rg = { tenantId: 't', subscriptionId: 's', name: 'rg1', location: 'westeurope' };
const plan = (more: Partial<UploadPlan> = {}): UploadPlan => ({ rg, locations: ['westeurope', 'eastus'], ...more }) as UploadPlan;

test('a damaged image returns to the image step with the reason, the dialog opening where that image was', async () => {
    const bad = file('old', 'broken.vhd', 3 * MiB, 1);
    const good = file('images', 'web.img', 24 * MiB);
    const s = scripted([bad, good, 'web', 'westeurope', 'Standard HDD (LRS)', 'None (a data disk)']);
    const p = plan({ folder: '/remembered' });
    const done = await runUploadWizard(p, s.ui);
    assert.equal(done.imagePath, good);
    assert.equal(done.image.format, 'raw');
    const [first, toast, again, ...rest] = s.shown;
    assert.deepEqual([first.kind, first.folder], ['dialog', '/remembered'], 'the first dialog opens in the remembered folder');
    assert.equal(toast.kind, 'error');
    assert.match(toast.text, /broken\.vhd is not a valid VHD: its footer cookie is not 'conectix'/);
    assert.equal(again.kind, 'dialog', 'the image step again, not the end of the wizard');
    assert.equal(again.folder, path.dirname(bad), 'where the refused image was');
    assert.match(again.text, /broken\.vhd is not a valid VHD.* — Image to upload/);
    assert.equal(p.folder, path.dirname(good), 'the folder to remember next time');
    assert.deepEqual(rest.map((r) => `${r.step}/${r.total}`), ['2/9', '3/9', '4/9', '5/9']);
    assert.ok(!rest.some((r) => /not a valid VHD/.test(r.text)), 'the reason is gone once answered');
});

test('the count shrinks as answers rule steps out, and never grows', async () => {
    const good = file('images', 'os.img', 24 * MiB);
    const s = scripted([good, 'os', 'eastus', 'Premium SSD (LRS)', 'Windows', 'Generation 2 (UEFI)', 'Standard (no security profile)']);
    await runUploadWizard(plan(), s.ui);
    assert.deepEqual(s.shown.filter((r) => r.step).map((r) => `${r.step}/${r.total}`), ['2/9', '3/9', '4/9', '5/9', '6/9', '7/9']);
    // Trusted Launch takes no VM metadata: the last question is counted out once it is chosen.
    const tl = scripted([good, 'os', 'eastus', 'Premium SSD (LRS)', 'Linux', 'Generation 2 (UEFI)', 'Trusted Launch', 'No, only the disk']);
    await runUploadWizard(plan(), tl.ui);
    assert.deepEqual(tl.shown.filter((r) => r.step).map((r) => `${r.step}/${r.total}`), ['2/9', '3/9', '4/9', '5/9', '6/9', '7/9', '8/8']);
});

test('an image handed in that cannot be used opens the image step with the reason', async () => {
    const bad = file('x', 'bad.vhd', 3 * MiB, 1);
    const good = file('y', 'ok.img', 24 * MiB);
    const s = scripted([good, 'ok', 'westeurope', 'Standard HDD (LRS)', 'None (a data disk)']);
    const done = await runUploadWizard(plan({ imagePath: bad }), s.ui);
    assert.equal(done.imagePath, good);
    assert.equal(s.shown[0].kind, 'error');
    assert.match(s.shown[1].text, /bad\.vhd is not a valid VHD.* — Image to upload/);
});

test('a refused VM guest state file brings back its own step, not the image\'s, with the answers before it kept', async () => {
    const good = file('cvm', 'cvm.img', 24 * MiB);
    const badVmgs = file('cvm', 'bad.vhd', 3 * MiB, 1);
    const vmgs = file('cvm', 'cvm.vmgs', 4 * MiB);
    const s = scripted([good, 'cvm', 'eastus', 'Premium SSD (LRS)', 'Windows', 'Generation 2 (UEFI)', 'Confidential VM, disk encrypted with a platform key', badVmgs, vmgs, 'No VM metadata']);
    const done = await runUploadWizard(plan(), s.ui);
    assert.deepEqual([done.imagePath, done.name, done.vmgsPath, done.vmmdPath], [good, 'cvm', vmgs, null]);
    const dialogs = s.shown.filter((r) => r.kind === 'dialog');
    assert.equal(dialogs.length, 3, 'the image once, the guest state twice');
    assert.match(dialogs[2].text, /bad\.vhd is not a valid VHD.* — VM guest state \(VMGS\) file of cvm/);
    assert.ok(s.shown.some((r) => r.kind === 'error' && /bad\.vhd is not a valid VHD/.test(r.text)));
});
