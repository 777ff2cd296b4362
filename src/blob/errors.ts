/** What the blob layer throws: a TransferError with a code the UI words, or one of the request-level errors the retry rules classify. */

/** Errors the engine throws carry a code the UI turns into plain words. */
export type TransferErrorCode =
    | 'Cancelled'
    | 'SasExpired'
    | 'Forbidden'
    /** 401: an Entra-ID-protected disk without a valid token. */
    | 'Unauthorized'
    /** 403 AuthorizationFailure: refused by network rules (a private-only disk). */
    | 'NetworkRefused'
    | 'NotFound'
    | 'DiskFull'
    | 'PermissionDenied'
    | 'VerificationFailed'
    | 'BlobChanged'
    | 'InsecureUrl'
    | 'Network'
    | 'Server';

export class TransferError extends Error {
    constructor(
        readonly code: TransferErrorCode,
        message: string,
        /** For DiskFull: bytes still needed. */
        readonly bytesNeeded?: number,
    ) {
        super(message);
        this.name = 'TransferError';
    }
}

/** A non-2xx answer. `errorCode` is x-ms-error-code; `retryAfterMs` from Retry-After. */
export class HttpStatusError extends Error {
    constructor(readonly status: number, readonly errorCode: string | undefined, readonly retryAfterMs: number | undefined) {
        super(`HTTP ${status}${errorCode ? ` ${errorCode}` : ''}`);
        this.name = 'HttpStatusError';
    }
}

/** The body did not match what was asked for (short, long or cut off). Retryable. */
export class BodyError extends Error {
    readonly code = 'EBODY';
    constructor(message: string) {
        super(message);
        this.name = 'BodyError';
    }
}

/** Content-MD5 of a range did not match its bytes. Retryable a few times. */
export class Md5MismatchError extends Error {
    readonly code = 'EMD5';
    constructor(message: string) {
        super(message);
        this.name = 'Md5MismatchError';
    }
}

