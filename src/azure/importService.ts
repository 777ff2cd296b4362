/**
 * ImportSecure: the storage accounts of a subscription (Microsoft.Storage, by plain ARM GETs
 * through the same signed pipeline as everything else, no storage SDK for ARM), an account's key
 * for listing its blobs, and the PUT of a disk made from three blobs of that account, in the shape
 * of the REST examples Disk_Create_FromImportSecure.json and
 * Disk_Create_FromImportSecure_WithVMMetadata.json (DiskRP 2025-01-02).
 */
import type { AzureSession } from './auth';
import { toDiskInfo, type ArmDiskLike } from './mapping';
import type { DiskInfo, ResourceGroupInfo, SubscriptionInfo } from '../shared/types';
import { DEFAULT_LRO_MAX_WAIT_MS, lroTimeoutError } from './diskService';

/** Microsoft.Storage's api-version for the account list and listKeys. */
const STORAGE_RP_API_VERSION = '2023-05-01';

export interface StorageAccountInfo {
    tenantId: string;
    subscriptionId: string;
    resourceGroup: string;
    name: string;
    /** ARM id as Azure gives it. */
    id: string;
    location: string;
    /** `primaryEndpoints.blob`, with a trailing slash. */
    blobEndpoint: string;
}

/** A disk made by ImportSecure: all three URIs are plain blob URLs of `account` (no SAS). */
export interface NewImportedDisk {
    name: string;
    account: StorageAccountInfo;
    osType: 'Windows' | 'Linux';
    securityType: string;
    /** The disk type (Standard_LRS, Premium_LRS, …); Azure's default when left out. */
    sku?: string;
    sourceUri: string;
    securityDataUri: string;
    securityMetadataUri?: string;
}

export interface ImportService {
    listStorageAccounts(sub: SubscriptionInfo, signal?: AbortSignal): Promise<StorageAccountInfo[]>;
    /** The account's first access key (a secret: never logged). */
    accountKey(account: StorageAccountInfo, signal?: AbortSignal): Promise<string>;
    /** PUT disks/{name} with createOption ImportSecure; resolves when Azure has made the disk. */
    importSecure(rg: ResourceGroupInfo, disk: NewImportedDisk, signal?: AbortSignal): Promise<DiskInfo>;
}

interface ArmReply {
    status: number;
    body: Record<string, unknown>;
}

function armFailure(reply: ArmReply, what: string): Error {
    const err = (reply.body.error ?? {}) as { code?: string; message?: string };
    const e = new Error(err.message ?? `Azure answered ${reply.status} for ${what}.`) as Error & { statusCode?: number; code?: string };
    e.statusCode = reply.status;
    e.code = err.code;
    return e;
}

export function toStorageAccount(raw: Record<string, unknown>, tenantId: string): StorageAccountInfo | undefined {
    const id = typeof raw.id === 'string' ? raw.id : '';
    const props = (raw.properties ?? {}) as { primaryEndpoints?: { blob?: string } };
    const blob = props.primaryEndpoints?.blob;
    const m = /\/subscriptions\/([^/]+)\/resourceGroups\/([^/]+)\//i.exec(id);
    if (!m || typeof raw.name !== 'string' || typeof blob !== 'string' || !blob) return undefined;
    return {
        tenantId,
        subscriptionId: m[1],
        resourceGroup: m[2],
        name: raw.name,
        id,
        location: typeof raw.location === 'string' ? raw.location : '',
        blobEndpoint: blob.endsWith('/') ? blob : `${blob}/`,
    };
}

export class ArmImportService implements ImportService {
    constructor(
        private readonly session: () => Promise<AzureSession>,
        private readonly options: { pollIntervalMs?: number; maxWaitMs?: number; log?: (m: string) => void } = {},
    ) {}

    /** One ARM request through the resources client's pipeline (same sign-in, same 401 retry). */
    private async arm(tenantId: string, subscriptionId: string, method: 'GET' | 'POST', pathOrUrl: string, signal?: AbortSignal): Promise<ArmReply> {
        const session = await this.session();
        const client = (await session.clients(tenantId)).resources(subscriptionId);
        const { createDefaultHttpClient, createPipelineRequest } = await import('@azure/core-rest-pipeline');
        const url = /^https?:/i.test(pathOrUrl)
            ? pathOrUrl
            : `${session.cloud.resourceManagerEndpoint.replace(/\/+$/, '')}${pathOrUrl}${pathOrUrl.includes('?') ? '&' : '?'}api-version=${STORAGE_RP_API_VERSION}`;
        const response = await client.pipeline.sendRequest(createDefaultHttpClient(), createPipelineRequest({ url, method, abortSignal: signal, allowInsecureConnection: url.startsWith('http:') }));
        let body: Record<string, unknown> = {};
        try {
            body = JSON.parse(response.bodyAsText || '{}') as Record<string, unknown>;
        } catch {
            body = {};
        }
        return { status: response.status, body };
    }

    async listStorageAccounts(sub: SubscriptionInfo, signal?: AbortSignal): Promise<StorageAccountInfo[]> {
        const out: StorageAccountInfo[] = [];
        let next: string | undefined = `/subscriptions/${sub.subscriptionId}/providers/Microsoft.Storage/storageAccounts`;
        for (let page = 0; next && page < 100; page++) {
            const reply = await this.arm(sub.tenantId, sub.subscriptionId, 'GET', next, signal);
            if (reply.status !== 200) throw armFailure(reply, 'the storage accounts');
            for (const raw of (reply.body.value ?? []) as Record<string, unknown>[]) {
                const a = toStorageAccount(raw, sub.tenantId);
                if (a) out.push(a);
            }
            next = typeof reply.body.nextLink === 'string' && reply.body.nextLink ? reply.body.nextLink : undefined;
        }
        return out.sort((a, b) => a.name.localeCompare(b.name));
    }

    async accountKey(account: StorageAccountInfo, signal?: AbortSignal): Promise<string> {
        const reply = await this.arm(account.tenantId, account.subscriptionId, 'POST', `${account.id}/listKeys`, signal);
        if (reply.status !== 200) throw armFailure(reply, `the keys of ${account.name}`);
        const key = ((reply.body.keys ?? []) as { value?: string }[]).find((k) => typeof k.value === 'string' && k.value)?.value;
        if (!key) throw Object.assign(new Error(`Azure gave no access key for storage account ${account.name}.`), { code: 'NoAccountKey' });
        return key;
    }

    async importSecure(rg: ResourceGroupInfo, disk: NewImportedDisk, signal?: AbortSignal): Promise<DiskInfo> {
        const compute = (await (await this.session()).clients(rg.tenantId)).compute(rg.subscriptionId);
        const body = {
            location: disk.account.location,
            ...(disk.sku ? { sku: { name: disk.sku } } : {}),
            osType: disk.osType,
            securityProfile: { securityType: disk.securityType },
            creationData: {
                createOption: 'ImportSecure',
                storageAccountId: disk.account.id,
                sourceUri: disk.sourceUri,
                securityDataUri: disk.securityDataUri,
                ...(disk.securityMetadataUri ? { securityMetadataUri: disk.securityMetadataUri } : {}),
            },
        };
        const maxWaitMs = this.options.maxWaitMs ?? DEFAULT_LRO_MAX_WAIT_MS;
        const controller = new AbortController();
        const onAbort = () => controller.abort();
        signal?.addEventListener('abort', onAbort, { once: true });
        let timedOut = false;
        const timer = setTimeout(() => {
            timedOut = true;
            controller.abort();
        }, maxWaitMs);
        try {
            const made = await compute.disks
                .createOrUpdate(rg.name, disk.name, body, { abortSignal: controller.signal, updateIntervalInMs: this.options.pollIntervalMs })
                .pollUntilDone({ abortSignal: controller.signal });
            this.options.log?.(`Created disk ${disk.name} by ImportSecure from storage account ${disk.account.name} (${disk.securityMetadataUri ? 'OS, VM guest state and VM metadata blobs' : 'OS and VM guest state blobs'}).`);
            return toDiskInfo(made as ArmDiskLike, 'disk', rg.tenantId, rg.subscriptionId, rg.name);
        } catch (e) {
            if (timedOut && !signal?.aborted) {
                throw lroTimeoutError('create', { tenantId: rg.tenantId, subscriptionId: rg.subscriptionId, resourceGroup: rg.name, name: disk.name, kind: 'disk', id: '' }, maxWaitMs);
            }
            throw e;
        } finally {
            clearTimeout(timer);
            signal?.removeEventListener('abort', onAbort);
        }
    }
}
