/**
 * Fault rules: "the next N requests matching X answer Y". Plain JSON so they travel over the
 * control endpoint; regexes are given as source strings and matched case-insensitively.
 */

export interface ArmFault {
    /** HTTP method to match (any when omitted). */
    method?: string;
    /** Regex matched against the request path (no query), case-insensitively. */
    path: string;
    /** How many matching requests answer with this fault (default 1). */
    count?: number;
    status: number;
    headers?: Record<string, string>;
    /** JSON body; when omitted an ARM error body matching the status is sent. */
    body?: unknown;
}

export interface LroFault {
    /** Regex matched against the beginGetAccess / endGetAccess request path. */
    path: string;
    count?: number;
    /** 'fail': the operation ends with status Failed; 'hang': it never finishes. */
    outcome: 'fail' | 'hang';
    error?: { code: string; message: string };
}

export interface StorageFault {
    /** Regex matched against "container/blob" (decoded), case-insensitively. Any blob when omitted. */
    blob?: string;
    /** Method to match; default GET. */
    method?: string;
    /** Match only requests carrying a Range / x-ms-range header. */
    rangedOnly?: boolean;
    count?: number;
    /**
     * reset: send `afterBytes` bytes of the body, then cut the connection (TCP reset).
     * truncate: send `afterBytes` bytes and end the response cleanly without the rest.
     * delay: wait `delayMs` before forwarding.
     * status: answer `status` with an Azure-shaped XML error.
     */
    action: 'reset' | 'truncate' | 'delay' | 'status';
    afterBytes?: number;
    delayMs?: number;
    status?: number;
    code?: string;
    message?: string;
}

interface Armed<T> { rule: T; re: RegExp; remaining: number }

/** A list of armed rules of one kind; each match uses up one count. */
export class FaultList<T extends { count?: number }> {
    private rules: Armed<T>[] = [];

    constructor(private readonly pattern: (rule: T) => string | undefined) {}

    add(rule: T): void {
        const source = this.pattern(rule) ?? '';
        this.rules.push({ rule, re: new RegExp(source, 'i'), remaining: Math.max(1, rule.count ?? 1) });
    }

    /** The first armed rule whose regex matches `subject` and that `extra` accepts; uses up one count. */
    take(subject: string, extra: (rule: T) => boolean = () => true): T | undefined {
        const i = this.rules.findIndex((a) => a.re.test(subject) && extra(a.rule));
        if (i < 0) return undefined;
        const armed = this.rules[i];
        if (--armed.remaining <= 0) this.rules.splice(i, 1);
        return armed.rule;
    }

    clear(): void {
        this.rules = [];
    }

    get size(): number {
        return this.rules.length;
    }
}

export class Faults {
    readonly arm = new FaultList<ArmFault>((r) => r.path);
    readonly lro = new FaultList<LroFault>((r) => r.path);
    readonly storage = new FaultList<StorageFault>((r) => r.blob);

    clear(): void {
        this.arm.clear();
        this.lro.clear();
        this.storage.clear();
    }
}

/** Error code and message ARM uses for a bare status. */
export function armErrorFor(status: number): { code: string; message: string } {
    switch (status) {
        case 401: return { code: 'InvalidAuthenticationToken', message: 'The access token is invalid.' };
        case 403: return { code: 'AuthorizationFailed', message: "The client does not have authorization to perform action 'Microsoft.Compute/disks/beginGetAccess/action' over the scope or the scope is invalid." };
        case 404: return { code: 'ResourceNotFound', message: 'The Resource was not found.' };
        case 409: return { code: 'Conflict', message: 'The request conflicts with the current state of the resource.' };
        case 429: return { code: 'TooManyRequests', message: 'The request is being throttled as the limit has been reached for operation type. Please try again after the time in the Retry-After header.' };
        case 500: return { code: 'InternalServerError', message: 'Encountered internal server error. Please try again.' };
        case 503: return { code: 'ServiceUnavailable', message: 'The service is temporarily unavailable. Please try again later.' };
        default: return { code: `Http${status}`, message: `The request failed with status ${status}.` };
    }
}

/** Azure Storage error code and message for a bare status. */
export function storageErrorFor(status: number): { code: string; message: string } {
    switch (status) {
        case 403: return { code: 'AuthenticationFailed', message: 'Server failed to authenticate the request. Make sure the value of Authorization header is formed correctly including the signature.' };
        case 404: return { code: 'BlobNotFound', message: 'The specified blob does not exist.' };
        case 500: return { code: 'InternalError', message: 'The server encountered an internal error. Please retry the request.' };
        case 503: return { code: 'ServerBusy', message: 'The server is currently unable to receive requests. Please retry your request.' };
        default: return { code: 'InternalError', message: `The request failed with status ${status}.` };
    }
}
