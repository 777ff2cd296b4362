/**
 * Create Disk from Blobs…: one wizard with Back — the storage account, how to reach its blobs (its
 * key, a SAS, or pasted URLs), the OS, VM guest state and optional VM metadata blobs, the security
 * type, the OS type, the disk type and the name. Each blob is checked as soon as it is chosen (a
 * picked one by its type and its VHD footer, a pasted one by its URL), so what can be refused is
 * refused before the PUT — and the step asks again, with the reason. No vscode import at run time:
 * unit-tested with a scripted UserInput.
 */
import * as l10n from '@vscode/l10n';
import type * as vscode from 'vscode';
import { listAccountBlobs, readVhdFooter, type AccountBlob, type BlobAccess } from '../../azure/accountBlobs';
import type { StorageAccountInfo } from '../../azure/importService';
import type { Services } from '../../platform/services';
import type { UserInput } from '../../platform/userInput';
import { DISK_SKUS } from '../../shared/diskSkus';
import { formatBytes } from '../../shared/format';
import { DiskError } from '../../shared/errors';
import { securityTypeLabel } from '../../shared/securityTypes';
import { blobUrlProblem, IMPORT_SECURITY_TYPES, listedBlobProblem, metadataWithoutConfidentialType, notFixedVhd, roleLabel, suggestImportName, takesMetadataBlob, blobName, type ImportRole } from '../../shared/importRules';
import { diskNameProblem } from '../../shared/names';
import { scrubSecrets } from '../../shared/secrets';
import type { ResourceGroupInfo } from '../../shared/types';
import { AnswerRefused, runWizard, withRefusal, type StepPosition, type WizardRun, type WizardStep } from '../../wizard/engine';

export type BlobSource = 'key' | 'sas' | 'paste';

export interface ImportAnswers {
    rg: ResourceGroupInfo;
    accounts: Promise<StorageAccountInfo[]>;
    account?: StorageAccountInfo;
    source?: BlobSource;
    /** Secret (a key or a SAS): in memory for the wizard only. */
    access?: BlobAccess;
    listing?: AccountBlob[];
    sourceUri?: string;
    securityDataUri?: string;
    /** null: no VM metadata blob. */
    securityMetadataUri?: string | null;
    securityType?: string;
    osType?: 'Windows' | 'Linux';
    sku?: string;
    name?: string;
}

export type ImportPlan = ImportAnswers & { account: StorageAccountInfo; source: BlobSource; sourceUri: string; securityDataUri: string; securityType: string; osType: 'Windows' | 'Linux'; sku: string; name: string };

type Item<T> = vscode.QuickPickItem & { value: T };

/** `matchOnDescription` off for the blob lists: typing filters on the blob's name, not its container's. */
async function pick<T>(ui: UserInput, pos: StepPosition, placeHolder: string, items: Item<T>[] | Promise<Item<T>[]>, matchOnDescription = true): Promise<T> {
    return (await ui.showQuickPick(items, { ...pos, placeHolder: withRefusal(pos, placeHolder), ignoreFocusOut: true, matchOnDescription })).value;
}

/** The picked blob; the step asks again at once when Azure would refuse it (not a page blob, no fixed-VHD footer). */
async function checkedBlob(a: ImportAnswers, blob: AccountBlob, role: ImportRole): Promise<string> {
    const problem = listedBlobProblem(blob, role);
    if (problem) throw AnswerRefused.of(problem);
    const footer = await readVhdFooter(a.account!.blobEndpoint, a.access!, blob);
    if (!footer.passed) throw AnswerRefused.of(notFixedVhd(role, blob.name));
    return blob.url;
}

/**
 * The blobs offered for a role: all of them for the OS disk (one that cannot be used is refused
 * with the reason); for the guest state and metadata only page blobs not already chosen.
 */
export function blobsOffered(a: ImportAnswers, role: ImportRole): AccountBlob[] {
    const listing = a.listing ?? [];
    if (role === 'sourceUri') return listing;
    const chosen = new Set([a.sourceUri, a.securityDataUri].filter((u): u is string => !!u));
    return listing.filter((b) => b.blobType === 'PageBlob' && !chosen.has(b.url));
}

async function askBlob(a: ImportAnswers, ui: UserInput, pos: StepPosition, role: ImportRole, others: StorageAccountInfo[]): Promise<string | null> {
    const optional = role === 'securityMetadataUri';
    const what = roleLabel(role);
    if (a.listing) {
        const items: Item<AccountBlob | null>[] = blobsOffered(a, role).map((b) => ({
            label: b.name,
            description: `${b.container} · ${b.blobType === 'PageBlob' ? l10n.t('page blob') : b.blobType === 'AppendBlob' ? l10n.t('append blob') : l10n.t('block blob')} · ${formatBytes(b.size)}`,
            value: b,
        }));
        if (optional) items.unshift({ label: l10n.t('No VM metadata blob'), description: l10n.t('the source has none'), value: null });
        const blob = await pick(ui, pos, l10n.t('{0} blob in {1}', what, a.account!.name), items, false);
        return blob ? checkedBlob(a, blob, role) : null;
    }
    const value = await ui.showInputBox({
        ...pos,
        prompt: withRefusal(pos, optional
            ? l10n.t('URL of the {0} blob in {1} (leave empty for none)', what, a.account!.name)
            : l10n.t('URL of the {0} blob in {1}', what, a.account!.name)),
        placeHolder: `${a.account!.blobEndpoint}<container>/<blob>`,
        validateInput: (v) => (optional && !v.trim() ? undefined : blobUrlProblem(v, a.account!, others)),
        ignoreFocusOut: true,
    });
    return value.trim() ? value.trim() : null;
}

function blobStep(role: ImportRole, others: () => Promise<StorageAccountInfo[]>): WizardStep<ImportAnswers> {
    return {
        id: role,
        shouldPrompt: (a) => a[role] === undefined,
        clear: (a) => delete a[role],
        prompt: async (a, ui, pos) => {
            const url = await askBlob(a, ui, pos, role, await others());
            if (role === 'securityMetadataUri') a.securityMetadataUri = url;
            else a[role] = url ?? undefined;
        },
    };
}

/** Listing refused (no List keys permission, shared keys disabled, a SAS without list): the other ways still work. */
function cannotList(account: StorageAccountInfo, e: unknown): DiskError {
    const why = scrubSecrets(String((e as { message?: string })?.message ?? e)).split('\n')[0];
    return new DiskError(
        'ImportCannotList',
        l10n.t('The blobs of storage account {0} could not be listed: {1}', account.name, why),
        l10n.t('Choose "Paste the blob URLs" (Azure reads the blobs itself), use a SAS with list permission, or ask for a role that can list the account\'s keys (Microsoft.Storage/storageAccounts/listKeys/action).'),
    );
}

// Long only because it lists the questions one after another; each is a few lines.
function steps(services: Services): WizardStep<ImportAnswers>[] {
    let accountsSeen: StorageAccountInfo[] = [];
    const others = async () => accountsSeen;
    return [
        {
            id: 'account',
            shouldPrompt: (a) => !a.account,
            // The way in and the blobs belong to the account: another account asks for them again.
            clear: (a) => {
                for (const k of ['account', 'source', 'access', 'listing', 'sourceUri', 'securityDataUri', 'securityMetadataUri'] as const) delete a[k];
            },
            prompt: async (a, ui, pos) => {
                const items = a.accounts.then((list): Item<StorageAccountInfo>[] => {
                    accountsSeen = list;
                    if (list.length === 0) throw new DiskError('ImportNoAccounts', l10n.t('Subscription of {0} has no storage accounts to import from.', a.rg.name), l10n.t('Upload the blobs into a storage account in the region the disk should be in, then try again.'));
                    return list.map((s) => ({ label: s.name, description: s.location, detail: l10n.t('resource group {0}', s.resourceGroup), value: s }));
                });
                a.account = await pick(ui, pos, l10n.t('Storage account holding the blobs (the disk goes in its region)'), items);
            },
        },
        {
            id: 'source',
            shouldPrompt: (a) => !a.source,
            clear: (a) => {
                delete a.source;
                delete a.access;
                delete a.listing;
            },
            prompt: async (a, ui, pos) => {
                const account = a.account!;
                a.source = await pick<BlobSource>(ui, pos, l10n.t('How to find the blobs in {0}', account.name), [
                    { label: l10n.t('Browse the account\'s blobs'), detail: l10n.t('Lists them with the account\'s access key (needs the List keys permission on the account).'), value: 'key' },
                    { label: l10n.t('Browse with a SAS…'), detail: l10n.t('Paste a SAS of the account or of one container; it is used only to list and check the blobs.'), value: 'sas' },
                    { label: l10n.t('Paste the blob URLs'), detail: l10n.t('Nothing is listed or checked here; Azure checks the blobs when it imports them.'), value: 'paste' },
                ]);
                if (a.source === 'paste') return;
                if (a.source === 'key') {
                    a.access = { kind: 'key', accountName: account.name, key: await services.imports.accountKey(account).catch((e: unknown) => { throw AnswerRefused.of(cannotList(account, e)); }) };
                } else {
                    const sas = await ui.showInputBox({ ...pos, prompt: l10n.t('SAS of storage account {0}, or a container SAS URL', account.name), placeHolder: 'sv=…&ss=b&srt=co&sp=rl&sig=…', password: true, ignoreFocusOut: true, validateInput: (v) => (/sig=/i.test(v) ? undefined : l10n.t('A SAS has a sig=… part; paste the whole token or URL.')) });
                    a.access = { kind: 'sas', sas };
                }
                // Listing refused, or nothing to list: this question again, where the other ways are offered.
                const { blobs, truncated } = await listAccountBlobs(account.blobEndpoint, a.access).catch((e: unknown) => { throw AnswerRefused.of(cannotList(account, e)); });
                if (truncated) services.log.warn(`Storage account ${account.name} has more blobs than are listed; paste a URL for one not shown.`);
                if (blobs.length === 0) throw AnswerRefused.of(new DiskError('ImportNoBlobs', l10n.t('Storage account {0} has no blobs that can be listed here.', account.name), l10n.t('Upload the page blobs first, or choose "Paste the blob URLs".')));
                a.listing = blobs;
            },
        },
        blobStep('sourceUri', others),
        blobStep('securityDataUri', others),
        blobStep('securityMetadataUri', others),
        {
            id: 'securityType',
            shouldPrompt: (a) => !a.securityType,
            clear: (a) => delete a.securityType,
            prompt: async (a, ui, pos) => {
                const withMetadata = typeof a.securityMetadataUri === 'string';
                const type = await pick(ui, pos, l10n.t('Security type of the disk'), IMPORT_SECURITY_TYPES.map((id) => ({
                    label: securityTypeLabel(id),
                    description: withMetadata && !takesMetadataBlob(id) ? l10n.t('{0} — takes no VM metadata blob', id) : id,
                    value: id,
                })));
                if (withMetadata && !takesMetadataBlob(type)) throw AnswerRefused.of(metadataWithoutConfidentialType(type));
                a.securityType = type;
            },
        },
        {
            id: 'osType',
            shouldPrompt: (a) => !a.osType,
            clear: (a) => delete a.osType,
            prompt: async (a, ui, pos) => {
                a.osType = await pick(ui, pos, l10n.t('Operating system on the disk'), [
                    { label: 'Windows', value: 'Windows' as const },
                    { label: 'Linux', value: 'Linux' as const },
                ]);
            },
        },
        {
            id: 'sku',
            shouldPrompt: (a) => !a.sku,
            clear: (a) => delete a.sku,
            prompt: async (a, ui, pos) => {
                a.sku = await pick(ui, pos, l10n.t('Disk type'), DISK_SKUS.map((s) => ({ label: s.label, description: s.id, value: s.id })));
            },
        },
        {
            id: 'name',
            shouldPrompt: (a) => !a.name,
            clear: (a) => delete a.name,
            prompt: async (a, ui, pos) => {
                a.name = (
                    await ui.showInputBox({
                        ...pos,
                        prompt: withRefusal(pos, l10n.t('Name of the new disk in {0} ({1})', a.rg.name, a.account!.location)),
                        value: suggestImportName(blobName(a.sourceUri ?? '')),
                        validateInput: (v) => diskNameProblem(v.trim()),
                        ignoreFocusOut: true,
                    })
                ).trim();
            },
        },
    ];
}

/**
 * Runs the wizard; `run` records the steps asked, so a refusal after it (Azure refusing the import)
 * runs it again on the same `answers` at the refused step.
 */
export async function runImportWizard(services: Services, rg: ResourceGroupInfo, accounts: Promise<StorageAccountInfo[]>, run: WizardRun = {}, answers: ImportAnswers = { rg, accounts }): Promise<ImportPlan> {
    // A failed listing is shown by the account step; here it must not be an unhandled rejection.
    accounts.catch(() => undefined);
    const a = await runWizard<ImportAnswers>(answers, steps(services), services.ui, l10n.t('Create Disk from Blobs in {0}', rg.name), run);
    return a as ImportPlan;
}
