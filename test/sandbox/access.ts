/**
 * Grant and revoke (beginGetAccess / endGetAccess) with the service's rules, as long-running
 * operations: 202 + Location/Azure-AsyncOperation, a configurable number of "not yet" polls, then
 * the AccessUri body. Rules marked "our reading" are not confirmed by the service's documentation.
 */
import * as crypto from 'node:crypto';
import type { SasSigner } from './blobs';
import type { FaultList, LroFault } from './faults';
import { resourceJson, type Resource } from './world';
import { exportRefused, snapshotAccessOf } from './snapshotAccess';

export const MAX_SAS_SECONDS = 5_184_000;
export const COMPUTE_API = '2025-01-02';

export interface ArmReply {
    status: number;
    headers?: Record<string, string>;
    body?: unknown;
}

export function armError(status: number, code: string, message: string, target?: string, details: unknown[] = []): ArmReply {
    return { status, body: { error: { code, message, ...(target ? { target } : {}), details } } };
}

/** Side work of a create/delete (blob copies, deletions) that must finish before the operation does. */
export interface Job {
    done: boolean;
    error?: { code: string; message: string };
    /** Called once, when the operation succeeds. */
    complete?: () => void;
}

/** Runs `work` as a Job: done when it settles; a thrown error fails the operation. */
export function runJob(work: () => Promise<void>, complete?: () => void): Job {
    const job: Job = { done: false, complete };
    work().then(
        () => { job.done = true; },
        (e: unknown) => {
            const err = e as { code?: string; message?: string };
            job.error = { code: err.code ?? 'InternalOperationError', message: err.message ?? 'An internal execution error occurred. Please retry later.' };
            job.done = true;
        },
    );
    return job;
}

interface Operation {
    id: string;
    kind: 'grant' | 'revoke' | 'create' | 'delete';
    job?: Job;
    resource: Resource;
    startTime: string;
    endTime?: string;
    polls: number;
    outcome: 'succeed' | 'fail' | 'hang';
    error?: { code: string; message: string };
    request?: { access: 'Read' | 'Write'; durationInSeconds: number; fileFormat: 'VHD' | 'VHDX'; guestState: boolean };
    result?: Record<string, string>;
    done: boolean;
}

export interface AccessOptions {
    /** Mutable: the control endpoint can change them while running. */
    lroPolls: number;
    retryAfterSeconds: number;
    armEndpoint: () => string;
    signer: SasSigner;
    lroFaults: FaultList<LroFault>;
    /** Called with the SAS signatures of a grant when it is revoked: the proxy refuses them from then on. */
    onRevoked: (signatures: string[]) => void;
    /** The other incremental snapshots of a snapshot's family (none for anything else): at most five of a family may have a SAS out. */
    familyPeers?: (resource: Resource) => Resource[];
}

/** "You can only generate up to five SAS URIs of snapshots of a particular snapshot family at any given time." */
export const MAX_FAMILY_SAS = 5;

export class AccessService {
    private ops = new Map<string, Operation>();
    /** Signatures handed out per resource id, invalidated by revoke. */
    private liveSigs = new Map<string, string[]>();
    /** When the SAS handed out per resource id stop working (their `se`, or earlier through expire()). */
    private sasExpiry = new Map<string, number>();

    constructor(private readonly o: AccessOptions) {}

    /** Whether a grant/revoke/create/delete is still running on `resource`. */
    busy(resource: Resource): boolean {
        return this.pending(resource) !== undefined;
    }

    /** Whether `resource` has a SAS handed out that was not revoked yet. */
    hasLiveSas(resource: Resource): boolean {
        return this.liveSigs.has(resource.id.toLowerCase());
    }

    private pending(resource: Resource): Operation | undefined {
        for (const op of this.ops.values()) if (op.resource === resource && !op.done) return op;
        return undefined;
    }

    grant(resource: Resource, body: unknown, path: string): ArmReply {
        const b = (body && typeof body === 'object' ? body : {}) as Record<string, unknown>;
        const access = b.access;
        if (access !== 'Read' && access !== 'Write') {
            return armError(400, 'InvalidParameter', `The value '${String(access)}' of parameter 'access' is invalid. Allowed values: Read, Write.`, 'grantAccessData.access');
        }
        const duration = b.durationInSeconds;
        if (typeof duration !== 'number' || !Number.isInteger(duration) || duration < 1 || duration > MAX_SAS_SECONDS) {
            return armError(400, 'InvalidParameter', `The value of parameter 'durationInSeconds' is invalid: it must be an integer between 1 and ${MAX_SAS_SECONDS} seconds.`, 'grantAccessData.durationInSeconds');
        }
        const fileFormat = b.fileFormat === undefined ? 'VHD' : b.fileFormat;
        if (fileFormat !== 'VHD' && fileFormat !== 'VHDX') {
            return armError(400, 'InvalidParameter', `The value '${String(fileFormat)}' of parameter 'fileFormat' is invalid. Allowed values: VHD, VHDX.`, 'grantAccessData.fileFormat');
        }
        // Our reading: VHDX export is offered for snapshots only.
        if (fileFormat === 'VHDX' && resource.kind === 'disk') {
            return armError(400, 'InvalidParameter', `File format VHDX is supported only for snapshots; disk '${resource.name}' can be exported as VHD.`, 'grantAccessData.fileFormat');
        }
        // Our reading (the error body is not documented): a Premium SSD v2 or Ultra snapshot in
        // InstantAccess refuses export, and one of 4096-byte sectors exports as VHDX only.
        if (resource.kind === 'snapshot' && exportRefused(resource)) {
            return armError(409, 'OperationNotAllowed', `Operation 'BeginGetAccess' is not allowed on snapshot '${resource.name}' since its snapshotAccessState is ${snapshotAccessOf(resource)}. Its data can be exported once the state is Available or AvailableWithInstantAccess.`);
        }
        if (resource.kind !== 'disk' && resource.spec.logicalSectorSize === 4096 && fileFormat !== 'VHDX') {
            return armError(400, 'InvalidParameter', `${resource.kind === 'snapshot' ? 'Snapshot' : 'Disk restore point'} '${resource.name}' has a logical sector size of 4096 bytes and can be exported only as VHDX: set fileFormat to VHDX.`, 'grantAccessData.fileFormat');
        }
        const guestState = b.getSecureVMGuestStateSAS === true;
        if (guestState && !resource.spec.securityType) {
            return armError(400, 'InvalidParameter', 'GetSecureVMGuestStateSAS can be set only for disk with SecurityProfile', 'grantAccessData.getSecureVMGuestStateSAS');
        }
        const kindWord = resource.kind === 'disk' ? 'disk' : resource.kind === 'snapshot' ? 'snapshot' : 'disk restore point';
        if (resource.state === 'Attached' && resource.vmPowerState === 'running') {
            const vm = resource.vmId!.split('/').pop();
            return armError(409, 'OperationNotAllowed', `Operation 'BeginGetAccess' is not allowed on ${kindWord} '${resource.name}' since it is attached to VM '${vm}' which is running. Stop and deallocate VM '${resource.vmId}' first.`);
        }
        // "If the SAS expires, you can call the operation again to get a new SAS" (the Grant Access
        // reference): once every SAS this service handed out for the resource has expired, a grant
        // of the same access is issued again and the state stays. Our reading otherwise: a second
        // grant while a SAS is outstanding (or of unknown age, e.g. seeded) is refused.
        const again = this.expiredGrant(resource, access);
        if (!again && (resource.state === 'ActiveSAS' || resource.state === 'ActiveSASFrozen' || resource.state === 'ActiveUpload')) {
            return armError(409, 'OperationNotAllowed', `Operation 'BeginGetAccess' is not allowed on ${kindWord} '${resource.name}' since it already has an active SAS (state ${resource.state}). Revoke access first.`);
        }
        const capped = this.familyCap(resource, kindWord);
        if (capped) return capped;
        if (again) return this.accept(resource, 'grant', path, { access, durationInSeconds: duration, fileFormat, guestState });
        if (resource.state === 'ReadyToUpload' && access === 'Read') {
            return armError(409, 'OperationNotAllowed', `Operation 'BeginGetAccess' with Read access is not allowed on ${kindWord} '${resource.name}' since it is in state ReadyToUpload. Grant Write access to upload.`);
        }
        // Our reading: Write access is for upload, so only a disk waiting for its upload can get it.
        if (access === 'Write' && resource.state !== 'ReadyToUpload') {
            return armError(409, 'OperationNotAllowed', `Operation 'BeginGetAccess' with Write access is allowed only on disks in state ReadyToUpload; ${kindWord} '${resource.name}' is ${resource.state}.`);
        }
        if (this.pending(resource) || resource.provisioningState !== 'Succeeded') {
            return armError(409, 'OperationNotAllowed', `Another operation is in progress on ${kindWord} '${resource.name}'. Retry after it completes.`);
        }
        if (resource.completionPercent !== undefined && resource.completionPercent < 100) {
            // Our reading: a CopyStart snapshot can be read once its background copy has finished.
            return armError(409, 'OperationNotAllowed', `Operation 'BeginGetAccess' is not allowed on ${kindWord} '${resource.name}' since its copy is still in progress (${resource.completionPercent}% complete).`);
        }
        return this.accept(resource, 'grant', path, { access, durationInSeconds: duration, fileFormat, guestState });
    }

    /**
     * The five-SAS limit of an incremental snapshot family, applied when a grant is asked for: a
     * SAS counts until it is revoked or expires. The code and wording are our reading (the limit
     * is documented, its error is not).
     */
    private familyCap(resource: Resource, kindWord: string): ArmReply | undefined {
        const peers = this.o.familyPeers?.(resource) ?? [];
        const now = Date.now();
        const active = peers.filter((p) => this.liveSigs.has(p.id.toLowerCase()) && (this.sasExpiry.get(p.id.toLowerCase()) ?? Infinity) > now);
        if (active.length < MAX_FAMILY_SAS) return undefined;
        return armError(409, 'OperationNotAllowed', `Operation 'BeginGetAccess' is not allowed on ${kindWord} '${resource.name}': at most ${MAX_FAMILY_SAS} snapshots of one incremental snapshot family can have an active SAS at a time, and ${active.map((p) => `'${p.name}'`).join(', ')} have one. Revoke access to one of them first.`);
    }

    /** A grant of `access` on a resource whose every SAS has expired: what may be granted again. */
    private expiredGrant(resource: Resource, access: 'Read' | 'Write'): boolean {
        const until = this.sasExpiry.get(resource.id.toLowerCase());
        if (until === undefined || until > Date.now() || this.pending(resource)) return false;
        return (resource.state === 'ActiveUpload' && access === 'Write') || ((resource.state === 'ActiveSAS' || resource.state === 'ActiveSASFrozen') && access === 'Read');
    }

    /**
     * Makes the SAS handed out for a resource stop working now, as their expiry time would: the
     * storage proxy refuses them, the resource keeps its state (ActiveSAS, ActiveUpload).
     * Returns false when the resource has no SAS out.
     */
    expire(resourceId: string): boolean {
        const key = resourceId.toLowerCase();
        const sigs = this.liveSigs.get(key);
        if (!sigs) return false;
        this.o.onRevoked(sigs);
        this.sasExpiry.set(key, Date.now());
        return true;
    }

    revoke(resource: Resource, path: string): ArmReply {
        if (this.pending(resource)) {
            return armError(409, 'OperationNotAllowed', `Another operation is in progress on '${resource.name}'. Retry after it completes.`);
        }
        return this.accept(resource, 'revoke', path);
    }

    /**
     * Starts a create or delete as a long-running operation: 202 + the polling headers (and, for a
     * create, the resource's body in provisioningState Updating). It completes after the configured
     * polls once `job` is done; `job.complete` then applies the result.
     */
    startJob(resource: Resource, kind: 'create' | 'delete', path: string, job: Job, body?: unknown): ArmReply {
        const reply = this.accept(resource, kind, path);
        const op = [...this.ops.values()].pop()!;
        op.job = job;
        return { ...reply, body };
    }

    private accept(resource: Resource, kind: Operation['kind'], path: string, request?: Operation['request']): ArmReply {
        const fault = this.o.lroFaults.take(path);
        const op: Operation = {
            id: crypto.randomUUID(),
            kind,
            resource,
            startTime: new Date().toISOString(),
            polls: 0,
            outcome: fault ? (fault.outcome === 'hang' ? 'hang' : 'fail') : 'succeed',
            error: fault?.outcome === 'fail' ? fault.error ?? { code: 'InternalOperationError', message: 'An internal execution error occurred. Please retry later.' } : undefined,
            request,
            done: false,
        };
        this.ops.set(op.id, op);
        return { status: 202, headers: this.pollHeaders(op) };
    }

    private opUrl(op: Operation, monitor: boolean): string {
        const r = op.resource;
        return `${this.o.armEndpoint()}/subscriptions/${r.subscriptionId}/providers/Microsoft.Compute/locations/${r.location}/operations/${op.id}?${monitor ? 'monitor=true&' : ''}api-version=${COMPUTE_API}`;
    }

    private pollHeaders(op: Operation): Record<string, string> {
        return {
            Location: this.opUrl(op, true),
            'Azure-AsyncOperation': this.opUrl(op, false),
            'Retry-After': String(this.o.retryAfterSeconds),
        };
    }

    /** Looks an operation up for a poll; undefined when unknown or not of this subscription. */
    find(subscriptionId: string, id: string): Operation | undefined {
        const op = this.ops.get(id.toLowerCase()) ?? [...this.ops.values()].find((o) => o.id.toLowerCase() === id.toLowerCase());
        return op && op.resource.subscriptionId.toLowerCase() === subscriptionId.toLowerCase() ? op : undefined;
    }

    /** One poll of either URL: counts, and completes the operation when its polls are used up. */
    private advance(op: Operation): void {
        if (op.done) return;
        op.polls++;
        if (op.outcome === 'hang' || op.polls <= this.o.lroPolls) return;
        if (op.job && !op.job.done) return;
        if (op.job?.error && op.outcome === 'succeed') {
            op.outcome = 'fail';
            op.error = op.job.error;
        }
        op.done = true;
        op.endTime = new Date().toISOString();
        if (op.outcome === 'fail') {
            if (op.kind === 'create') op.resource.provisioningState = 'Failed';
            if (op.kind === 'delete') op.resource.provisioningState = 'Succeeded';
            return;
        }
        const r = op.resource;
        if (op.job) {
            op.job.complete?.();
        } else if (op.kind === 'grant') {
            const req = op.request!;
            const perms = req.access === 'Write' ? 'rw' : 'r';
            const main = req.fileFormat === 'VHDX' ? r.blobs.vhdx! : r.blobs.disk;
            const result: Record<string, string> = { accessSAS: this.o.signer.sign(main, perms, req.durationInSeconds) };
            if (req.guestState && r.blobs.vmgs) result.securityDataAccessSAS = this.o.signer.sign(r.blobs.vmgs, perms, req.durationInSeconds);
            if (req.guestState && r.blobs.vmmd) result.securityMetadataAccessSAS = this.o.signer.sign(r.blobs.vmmd, perms, req.durationInSeconds);
            op.result = result;
            const key = r.id.toLowerCase();
            const again = r.state === 'ActiveSAS' || r.state === 'ActiveSASFrozen' || r.state === 'ActiveUpload';
            this.liveSigs.set(key, [...(again ? this.liveSigs.get(key) ?? [] : []), ...Object.values(result).map((u) => new URL(u).searchParams.get('sig') ?? '')]);
            this.sasExpiry.set(key, Date.now() + req.durationInSeconds * 1000);
            if (!again) {
                r.stateAfterRevoke = r.state === 'ReadyToUpload' ? 'Unattached' : r.state;
                r.state = req.access === 'Write' ? 'ActiveUpload' : 'ActiveSAS';
            }
        } else {
            const sigs = this.liveSigs.get(r.id.toLowerCase()) ?? [];
            this.liveSigs.delete(r.id.toLowerCase());
            this.sasExpiry.delete(r.id.toLowerCase());
            this.o.onRevoked(sigs);
            if (r.state === 'ActiveSAS' || r.state === 'ActiveSASFrozen' || r.state === 'ActiveUpload') r.state = r.stateAfterRevoke;
        }
    }

    /** GET of the Location URL (`monitor=true`): 202 until done, then 200 with the result. */
    pollLocation(op: Operation): ArmReply {
        this.advance(op);
        if (!op.done) return { status: 202, headers: this.pollHeaders(op) };
        if (op.outcome === 'fail') return armError(500, op.error!.code, op.error!.message);
        if (op.kind === 'create') return { status: 200, body: resourceJson(op.resource) };
        return op.kind === 'grant' ? { status: 200, body: op.result } : { status: 200 };
    }

    /** GET of the Azure-AsyncOperation URL: always 200 with the operation's status. */
    pollStatus(op: Operation): ArmReply {
        this.advance(op);
        const status = !op.done ? 'InProgress' : op.outcome === 'fail' ? 'Failed' : 'Succeeded';
        const body: Record<string, unknown> = { name: op.id, status, startTime: op.startTime };
        if (op.endTime) body.endTime = op.endTime;
        if (status === 'Failed') body.error = { code: op.error!.code, message: op.error!.message };
        if (status === 'Succeeded' && op.result) body.properties = { output: op.result };
        const headers: Record<string, string> = status === 'InProgress' ? { 'Retry-After': String(this.o.retryAfterSeconds) } : {};
        return { status: 200, headers, body };
    }

    clear(): void {
        this.ops.clear();
        this.liveSigs.clear();
        this.sasExpiry.clear();
    }
}
