/** Plain words for download failures. Never echoes a SAS: lower-layer messages are scrubbed. No vscode import. */
import * as l10n from '@vscode/l10n';
import { scrubSecrets } from '../../shared/secrets';
import { formatBytes } from '../../shared/format';
import { privateOnlyMessage, privateOnlyNextStep, roleMissingMessage, roleMissingNextStep, tokenRefusedMessage } from '../../shared/dataAccess';

export interface FailureContext {
    diskName: string;
    folder: string;
    /** The disk is protected by Entra ID (a token was sent). */
    entra?: boolean;
    networkAccessPolicy?: string;
}

export interface DescribedFailure {
    /** For telemetry and logs: a code, no user data. */
    code: string;
    message: string;
}

const resumeHint = () => l10n.t('The partial download is kept: run Download again to resume where it stopped.');

export function describeFailure(e: unknown, ctx: FailureContext): DescribedFailure {
    const err = e as { code?: unknown; bytesNeeded?: unknown; message?: unknown; name?: unknown };
    const code = typeof err?.code === 'string' ? err.code : 'Unknown';
    const raw = scrubSecrets(typeof err?.message === 'string' ? err.message : String(e));
    switch (code) {
        case 'DiskFull':
        case 'ENOSPC':
        case 'EDQUOT': {
            const need = typeof err.bytesNeeded === 'number' && err.bytesNeeded > 0 ? ` ${l10n.t('About {0} more free space is needed.', formatBytes(err.bytesNeeded))}` : '';
            return { code: 'DiskFull', message: `${l10n.t('Not enough free space in {0} to download {1}.', ctx.folder, ctx.diskName)}${need} ${resumeHint()}` };
        }
        case 'PermissionDenied':
        case 'EACCES':
        case 'EPERM':
        case 'EROFS':
            return {
                code: 'PermissionDenied',
                message: l10n.t("Cannot write to {0}: permission denied. Choose a folder you can write to (setting azureDisks.download.folder) or change the folder's permissions.", ctx.folder),
            };
        case 'SasExpired':
            return { code, message: `${l10n.t('The access to {0} expired before the download finished.', ctx.diskName)} ${resumeHint()}` };
        case 'NetworkRefused':
            return { code, message: `${privateOnlyMessage(ctx.diskName, ctx.networkAccessPolicy)} ${privateOnlyNextStep(ctx.networkAccessPolicy)}` };
        case 'Unauthorized':
            return { code, message: `${tokenRefusedMessage(ctx.diskName)} ${l10n.t('Run "Azure Disks: Sign In" again, then run Download to resume.')}` };
        case 'Forbidden':
            if (ctx.entra) return { code: 'RoleMissing', message: `${roleMissingMessage(ctx.diskName)} ${roleMissingNextStep(ctx.diskName)}` };
            return { code, message: `${l10n.t('The storage service refused to serve {0} (access denied). Grant access again, then run Download to resume.', ctx.diskName)} ${raw}` };
        case 'NotFound':
            return { code, message: l10n.t('The blob of {0} was not found: the access may have been revoked. Grant access again and run Download.', ctx.diskName) };
        case 'VerificationFailed':
            return { code, message: l10n.t('The download of {0} finished but did not verify: {1}', ctx.diskName, raw) };
        case 'BlobChanged':
            return { code, message: l10n.t('The disk {0} changed since the partial download started, so it cannot be resumed: {1}', ctx.diskName, raw) };
        case 'InsecureUrl':
            return { code, message: raw };
        case 'Network':
        case 'Server':
            return { code, message: `${l10n.t('Downloading {0} failed: {1}', ctx.diskName, raw)} ${resumeHint()}` };
        default:
            return { code: 'Unknown', message: `${l10n.t('Downloading {0} failed: {1}', ctx.diskName, raw)} ${resumeHint()}` };
    }
}

