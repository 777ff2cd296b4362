/** Error translation shared by the download's parts. */
import { TransferError } from '../core/types';
import { scrubSecrets } from '../../blob/url';

/** A local file error as the UI words it: disk full, permission, or a scrubbed message. */
export function localError(e: unknown, bytesNeeded: number, what: string): Error {
    const code = (e as NodeJS.ErrnoException)?.code;
    if (code === 'ENOSPC' || code === 'EDQUOT') return new TransferError('DiskFull', `Not enough disk space to ${what}.`, bytesNeeded);
    if (code === 'EACCES' || code === 'EPERM' || code === 'EROFS') return new TransferError('PermissionDenied', `No permission to ${what} (${code}).`);
    if (e instanceof TransferError) return e;
    return new Error(scrubSecrets(`Could not ${what}: ${(e as Error)?.message ?? String(e)}`));
}
