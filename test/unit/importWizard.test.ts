/**
 * The Create Disk from Blobs wizard with a scripted UserInput over a listed account: the blob
 * pickers show blob names (typing does not match containers), a block blob picked for the OS disk
 * brings the same step back with why, and the disk type is asked.
 */
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import type { UserInput } from '../../src/platform/userInput';
import type { Services } from '../../src/platform/services';
import { UserCancelledError } from '../../src/shared/cancel';
import { runImportWizard, type ImportAnswers } from '../../src/features/import/wizard';

interface Shown { text: string; labels: string[]; descriptions: (string | undefined)[]; matchOnDescription?: boolean; step?: number; total?: number }

/** Answers quick picks by label, input boxes by value; records what each pick offered. */
function scripted(answers: string[]): { ui: UserInput; shown: Shown[] } {
    const shown: Shown[] = [];
    const ui = {
        async showQuickPick(items: readonly { label: string; description?: string }[] | Promise<readonly { label: string; description?: string }[]>, o: { placeHolder?: string; matchOnDescription?: boolean; step?: number; totalSteps?: number }) {
            const list = await items;
            shown.push({ text: o.placeHolder ?? '', labels: list.map((i) => i.label), descriptions: list.map((i) => i.description), matchOnDescription: o.matchOnDescription, step: o.step, total: o.totalSteps });
            const a = answers.shift();
            if (a === undefined) throw new UserCancelledError('end of script');
            const hit = list.find((i) => i.label === a);
            if (!hit) throw new Error(`no "${a}" in [${list.map((i) => i.label).join(', ')}]`);
            return hit;
        },
        async showInputBox() {
            const a = answers.shift();
            if (a === undefined) throw new UserCancelledError('end of script');
            return a;
        },
    } as unknown as UserInput;
    return { ui, shown };
}

const rg = { tenantId: 't', subscriptionId: 's', name: 'rg-secure', location: 'eastus' };
const account = { tenantId: 't', subscriptionId: 's', resourceGroup: 'rg-secure', name: 'st1', id: '/subscriptions/s/resourceGroups/rg-secure/providers/Microsoft.Storage/storageAccounts/st1', location: 'eastus', blobEndpoint: 'https://st1.blob.core.windows.net/' };
const blob = (container: string, name: string, blobType = 'PageBlob') => ({ container, name, blobType, size: 32 * 1024 * 1024 + 512, url: `${account.blobEndpoint}${container}/${name}` });

function listed(): ImportAnswers {
    const accounts = Promise.resolve([account]);
    return { rg, accounts, account, source: 'key', access: { kind: 'key', accountName: 'st1', key: 'k' }, listing: [blob('osimages', 'os.vhd'), blob('osimages', 'block.vhd', 'BlockBlob'), blob('vmgs', 'guest.vhd')] };
}

test('the OS disk picker lists blobs by name, the container beside it; a block blob brings the same step back with why', async () => {
    const r = scripted(['block.vhd']);
    const services = { ui: r.ui, log: { warn: () => undefined } } as unknown as Services;
    await assert.rejects(runImportWizard(services, rg, Promise.resolve([account]), {}, listed()), UserCancelledError);
    const [os, osAgain] = r.shown;
    assert.deepEqual(os.labels, ['os.vhd', 'block.vhd', 'guest.vhd']);
    assert.deepEqual(os.descriptions.map((d) => d?.split(' · ')[0]), ['osimages', 'osimages', 'vmgs']);
    assert.equal(os.matchOnDescription, false, 'typing a container name does not match every blob in it');
    assert.match(osAgain.text, /^The OS disk blob block\.vhd is a block blob; Azure imports only page blobs\. .* — OS disk blob in st1$/);
    assert.equal(`${osAgain.step}/${osAgain.total}`, `${os.step}/${os.total}`, 'the same step, counted as before');
});

test('the disk type is asked, with the types Azure takes for such a disk', async () => {
    const a = { ...listed(), sourceUri: 'u1', securityDataUri: 'u2', securityMetadataUri: null, securityType: 'TrustedLaunch', osType: 'Linux' as const };
    const r = scripted(['Standard SSD (LRS)', 'imported']);
    const plan = await runImportWizard({ ui: r.ui } as unknown as Services, rg, a.accounts, {}, a);
    assert.equal(plan.sku, 'StandardSSD_LRS');
    assert.deepEqual(r.shown[0].descriptions, ['Standard_LRS', 'StandardSSD_LRS', 'Premium_LRS', 'StandardSSD_ZRS', 'Premium_ZRS']);
});
