/**
 * Create Disk from Blobs (ImportSecure): what can be checked before the PUT, and Azure's refusals
 * turned into plain words that name the fix. Pure: no vscode import.
 */
import * as l10n from '@vscode/l10n';
import { DiskError } from './errors';
import { isLoopbackHost } from './loopback';
import { proposeDiskName } from './names';
import { scrubSecrets } from './secrets';

/** The three blobs of an import, as the PUT names them. */
export type ImportRole = 'sourceUri' | 'securityDataUri' | 'securityMetadataUri';
export const IMPORT_ROLES: readonly ImportRole[] = ['sourceUri', 'securityDataUri', 'securityMetadataUri'];

export function roleLabel(role: ImportRole): string {
    return role === 'sourceUri' ? l10n.t('OS disk') : role === 'securityDataUri' ? l10n.t('VM guest state (VMGS)') : l10n.t('VM metadata (VMMD)');
}

/** Security types ImportSecure takes (it needs a guest state blob, so none is not one of them). */
export { SECURITY_TYPE_IDS as IMPORT_SECURITY_TYPES } from './securityTypes';

/** Only the confidential types carry a VM metadata blob. */
export function takesMetadataBlob(securityType: string | undefined): boolean {
    return !!securityType && /^ConfidentialVM_/i.test(securityType);
}

export function metadataWithoutConfidentialType(securityType: string): DiskError {
    return new DiskError(
        'ImportMetadataNotTaken',
        l10n.t('A VM metadata (VMMD) blob can be imported only with a Confidential VM security type; {0} takes none.', securityType),
        l10n.t('Choose a ConfidentialVM_* security type, or leave the VM metadata blob out.'),
    );
}

/** "<container>/<blob>" of a URL under the account's blob endpoint, or undefined when it is not under it. */
export function blobPathIn(url: URL, blobEndpoint: string): string | undefined {
    const base = new URL(blobEndpoint);
    if (url.protocol !== base.protocol || url.host.toLowerCase() !== base.host.toLowerCase()) return undefined;
    const prefix = base.pathname.replace(/\/?$/, '/');
    if (!url.pathname.startsWith(prefix)) return undefined;
    return url.pathname.slice(prefix.length);
}

/** The short name of a blob URL for messages: its last path segment, decoded. */
export function blobName(url: string): string {
    try {
        const last = new URL(url).pathname.split('/').filter(Boolean).pop() ?? url;
        return decodeURIComponent(last);
    } catch {
        return url;
    }
}

/**
 * What is wrong with a pasted blob URL for an import from the account at `blobEndpoint`, in plain
 * words; undefined when it is usable. `otherAccounts` name the account a stray URL belongs to.
 */
export function blobUrlProblem(value: string, account: { name: string; blobEndpoint: string }, otherAccounts: readonly { name: string; location: string; blobEndpoint: string }[] = []): string | undefined {
    const text = value.trim();
    if (!text) return l10n.t('Enter the blob\'s URL, e.g. {0}osimages/osimage.vhd.', account.blobEndpoint);
    let url: URL;
    try {
        url = new URL(text);
    } catch {
        return l10n.t('That is not a URL. Enter the blob\'s URL, e.g. {0}osimages/osimage.vhd.', account.blobEndpoint);
    }
    if (url.protocol !== 'https:' && !(url.protocol === 'http:' && isLoopbackHost(url.hostname))) {
        return l10n.t('The blob URL must use https (plain http is accepted only for a storage emulator on this machine).');
    }
    if (url.search || url.hash) {
        return l10n.t('Leave out the "?…" part (a SAS): Azure reads the blob through the storage account, and the URL is kept in the disk\'s properties.');
    }
    const inAccount = blobPathIn(url, account.blobEndpoint);
    if (inAccount === undefined) {
        const other = otherAccounts.find((a) => blobPathIn(url, a.blobEndpoint) !== undefined);
        return other
            ? l10n.t('That blob is in storage account {0} ({1}), not in {2}: Azure imports only from the storage account chosen for the disk. Choose {0} instead, or copy the blob into {2}.', other.name, other.location, account.name)
            : l10n.t('That URL is not in storage account {0} ({1}): Azure imports only from the storage account chosen for the disk.', account.name, account.blobEndpoint);
    }
    const parts = inAccount.split('/').filter(Boolean);
    if (parts.length < 2) return l10n.t('The URL must name a container and a blob: {0}<container>/<blob>.', account.blobEndpoint);
    return undefined;
}

/** Refusals for a blob whose type and size are known before the PUT (picked from the account's list). */
export function listedBlobProblem(blob: { name: string; blobType: string; size: number }, role: ImportRole): DiskError | undefined {
    if (blob.blobType !== 'PageBlob') return notPageBlob(role, blob.name, blob.blobType);
    if (blob.size < 512 || (blob.size - 512) % (1024 * 1024) !== 0) return notFixedVhd(role, blob.name);
    return undefined;
}

export function notPageBlob(role: ImportRole, name: string, blobType?: string): DiskError {
    const kind = blobType === 'AppendBlob' ? l10n.t('an append blob') : blobType === 'PageBlob' ? l10n.t('a page blob') : l10n.t('a block blob');
    return new DiskError(
        'ImportNotPageBlob',
        l10n.t('The {0} blob {1} is {2}; Azure imports only page blobs.', roleLabel(role), name, kind),
        l10n.t('Copy it into a page blob (azcopy copy <source> <destination> --blob-type PageBlob), then choose that blob.'),
    );
}

export function notFixedVhd(role: ImportRole, name: string): DiskError {
    return new DiskError(
        'ImportNotFixedVhd',
        l10n.t('The {0} blob {1} is not a fixed VHD (it does not end in a valid VHD footer).', roleLabel(role), name),
        l10n.t('Convert the image to a fixed VHD whose size is a whole number of MiB (qemu-img convert -O vpc -o subformat=fixed,force_size), upload it as a page blob, then choose that blob.'),
    );
}

export interface ImportContext {
    accountName: string;
    accountLocation: string;
    diskLocation: string;
    securityType: string;
    uris: Partial<Record<ImportRole, string>>;
}

/** Which of the three blobs an Azure message is about: by the URI it quotes or the parameter it names. */
function roleOf(message: string, target: string | undefined, ctx: ImportContext): ImportRole | undefined {
    const byUri = IMPORT_ROLES.filter((r) => ctx.uris[r] && message.includes(ctx.uris[r]!));
    if (byUri.length >= 1) return byUri.sort((a, b) => ctx.uris[b]!.length - ctx.uris[a]!.length)[0];
    const named = `${target ?? ''} ${message}`;
    return IMPORT_ROLES.find((r) => named.includes(r));
}

/**
 * Azure's refusal of an ImportSecure PUT (at once, or as the failed operation) in plain words that
 * name the fix; undefined for errors that are not about the import's inputs (the general mapping
 * handles those).
 */
export function importRefusal(err: unknown, ctx: ImportContext): DiskError | undefined {
    const e = (err ?? {}) as { code?: string; message?: string; details?: { error?: { code?: string; message?: string; target?: string } } };
    const code = e.details?.error?.code ?? e.code ?? '';
    const message = scrubSecrets(e.details?.error?.message ?? e.message ?? '');
    const target = e.details?.error?.target;
    const role = roleOf(message, target, ctx);
    const name = role && ctx.uris[role] ? blobName(ctx.uris[role]!) : l10n.t('(one of the three)');
    if (/securityMetadataUri/.test(`${target ?? ''} ${message}`) && /can be set only|security type|not supported|only for/i.test(message)) {
        return metadataWithoutConfidentialType(ctx.securityType);
    }
    if (code === 'InvalidVhd' || /conectix|not a supported VHD|fixed VHD|VHD footer|not a valid VHD/i.test(message)) return notFixedVhd(role ?? 'sourceUri', name);
    if (/page blob/i.test(message) && /only|not a|is a|must be|expected/i.test(message)) {
        const type = /block blob|BlockBlob/i.test(message) ? 'BlockBlob' : /append blob|AppendBlob/i.test(message) ? 'AppendBlob' : undefined;
        return notPageBlob(role ?? 'sourceUri', name, type);
    }
    if (/region|location/i.test(message) && /same|different|another|must be/i.test(message)) {
        return new DiskError(
            'ImportOtherRegion',
            l10n.t('Storage account {0} is in {1} and the disk would be in {2}: Azure imports only from a storage account in the disk\'s region.', ctx.accountName, ctx.accountLocation, ctx.diskLocation),
            l10n.t('Create the disk in {0}, or copy the blobs into a storage account in {1}.', ctx.accountLocation, ctx.diskLocation),
        );
    }
    if (code === 'BlobNotFound' || /does not exist|not found|was not found/i.test(message)) {
        if (role) {
            return new DiskError('ImportBlobNotFound', l10n.t('The {0} blob {1} was not found in storage account {2}.', roleLabel(role), name, ctx.accountName), l10n.t('Check the container and blob name (they are case-sensitive), then try again.'));
        }
        if (/storage account/i.test(message)) {
            return new DiskError('ImportAccountNotFound', l10n.t('Azure did not find storage account {0} for the import.', ctx.accountName), l10n.t('Check that the account still exists and is in a subscription of this sign-in.'));
        }
    }
    if (role && (code === 'InvalidParameter' || /must be a blob URL|blob URL/i.test(message))) {
        return new DiskError('ImportBadUri', l10n.t('Azure refused the {0} blob URL: {1}', roleLabel(role), message), l10n.t('Use the URL of a page blob in storage account {0}.', ctx.accountName));
    }
    return undefined;
}

/** The wizard step whose answer a refusal is about, so the wizard can ask it again. */
export type ImportStep = ImportRole | 'account' | 'securityType' | 'name';

/**
 * Which answer an import refusal (from importRefusal, or the name check) is about: a blob's step,
 * the account for a region or account problem, the security type, the name.
 */
export function importRefusalStep(refusal: DiskError, err: unknown, ctx: ImportContext): ImportStep | undefined {
    switch (refusal.code) {
        case 'ImportNotPageBlob':
        case 'ImportNotFixedVhd':
        case 'ImportBlobNotFound':
        case 'ImportBadUri': {
            const e = (err ?? {}) as { message?: string; details?: { error?: { message?: string; target?: string } } };
            return roleOf(scrubSecrets(e.details?.error?.message ?? e.message ?? ''), e.details?.error?.target, ctx) ?? 'sourceUri';
        }
        case 'ImportOtherRegion':
        case 'ImportAccountNotFound':
            return 'account';
        case 'ImportMetadataNotTaken':
            return 'securityType';
        case 'ImportNameTaken':
            return 'name';
        default:
            return undefined;
    }
}

/** A disk name from a blob's name: its stem with anything Azure refuses replaced. */
export function suggestImportName(blob: string): string {
    return proposeDiskName((blob.split('/').pop() ?? '').replace(/\.(vhd|img|raw)$/i, ''), '', 'imported-disk');
}
