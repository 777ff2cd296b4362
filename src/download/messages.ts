/** Plain words for download failures. Never echoes a SAS: lower-layer messages are scrubbed. No vscode import. */
import { scrubSecrets } from '../transfer/url';
import { formatBytes } from '../webview/format';

export interface FailureContext {
    diskName: string;
    folder: string;
}

export interface DescribedFailure {
    /** For telemetry and logs: a code, no user data. */
    code: string;
    message: string;
}

const RESUME = 'The partial download is kept: run Download again to resume where it stopped.';

export function describeFailure(e: unknown, ctx: FailureContext): DescribedFailure {
    const err = e as { code?: unknown; bytesNeeded?: unknown; message?: unknown; name?: unknown };
    const code = typeof err?.code === 'string' ? err.code : 'Unknown';
    const raw = scrubSecrets(typeof err?.message === 'string' ? err.message : String(e));
    switch (code) {
        case 'DiskFull':
        case 'ENOSPC':
        case 'EDQUOT': {
            const need = typeof err.bytesNeeded === 'number' && err.bytesNeeded > 0 ? ` About ${formatBytes(err.bytesNeeded)} more free space is needed.` : '';
            return { code: 'DiskFull', message: `Not enough free space in ${ctx.folder} to download ${ctx.diskName}.${need} ${RESUME}` };
        }
        case 'PermissionDenied':
        case 'EACCES':
        case 'EPERM':
        case 'EROFS':
            return {
                code: 'PermissionDenied',
                message: `Cannot write to ${ctx.folder}: permission denied. Choose a folder you can write to (setting azureDisks.download.folder) or change the folder's permissions.`,
            };
        case 'SasExpired':
            return { code, message: `The access to ${ctx.diskName} expired before the download finished. ${RESUME}` };
        case 'Forbidden':
            return { code, message: `The storage service refused to serve ${ctx.diskName} (access denied). Grant access again, then run Download to resume. ${raw}` };
        case 'NotFound':
            return { code, message: `The blob of ${ctx.diskName} was not found: the access may have been revoked. Grant access again and run Download.` };
        case 'VerificationFailed':
            return { code, message: `The download of ${ctx.diskName} finished but did not verify: ${raw}` };
        case 'BlobChanged':
            return { code, message: `The disk ${ctx.diskName} changed since the partial download started, so it cannot be resumed: ${raw}` };
        case 'InsecureUrl':
            return { code, message: raw };
        case 'Network':
        case 'Server':
            return { code, message: `Downloading ${ctx.diskName} failed: ${raw} ${RESUME}` };
        default:
            return { code: 'Unknown', message: `Downloading ${ctx.diskName} failed: ${raw} ${RESUME}` };
    }
}

export function checksSummary(checks: readonly { name: string; passed: boolean }[]): string {
    const labels: Record<string, string> = { 'content-length': 'length', 'range-md5': 'range MD5', size: 'size', 'vhd-footer': 'VHD footer', 'vhdx-signature': 'VHDX signature' };
    const passed = [...new Set(checks.filter((c) => c.passed).map((c) => labels[c.name] ?? c.name))];
    return passed.join(', ');
}
